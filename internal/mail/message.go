package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"
)

// ErrInvalidMessage is wrapped by every error about a Message that cannot
// be sent as it is (no recipient, a bad address, a header with a line
// break…). Sending it again cannot succeed, so IsPermanent reports true.
var ErrInvalidMessage = errors.New("mail: invalid message")

// Address is a mailbox: an optional display name and an email address.
type Address struct {
	Name  string `json:"name,omitempty"` // display name; may be empty
	Email string `json:"email"`          // e.g. ana@example.cl
}

// String formats a as an RFC 5322 address, e.g. `"Tienda Ñandú" <a@b.cl>`
// (non-ASCII names are RFC 2047 encoded).
func (a Address) String() string {
	return (&netmail.Address{Name: a.Name, Address: a.Email}).String()
}

// Attachment is a file sent with a message.
type Attachment struct {
	// Filename is the name the recipient sees, e.g. "invoice-CUO-0001.pdf".
	Filename string `json:"filename"`
	// ContentType is a MIME type, e.g. "application/pdf"; empty means
	// "application/octet-stream".
	ContentType string `json:"content_type,omitempty"`
	// Data is the file's content, sent base64-encoded.
	Data []byte `json:"data"`
}

// Message is one email. Render fills the content (Subject, Text, HTML,
// Attachments, From.Name, Headers); the caller fills the envelope (From.Email,
// To, MessageID) before sending.
type Message struct {
	// MessageID identifies the message, without angle brackets, e.g.
	// "in_123.payment_receipt@mail.example.com". The caller derives it from
	// what the message is about (see MessageIDFor), so that a retried send
	// job sends the same Message-ID and receivers can tell it is the same
	// message. Required.
	MessageID string `json:"message_id"`
	// From is the sender; Render sets the display name (the merchant's).
	From Address `json:"from"`
	// ReplyTo, when its Email is set, is where replies go (e.g. the
	// merchant's support address while From is a no-reply address).
	ReplyTo Address `json:"reply_to"`
	// To are the recipients; at least one.
	To []Address `json:"to"`
	// Subject is one line of text.
	Subject string `json:"subject"`
	// Text is the plain-text body and HTML the HTML body; at least one is
	// needed, and with both the message is multipart/alternative.
	Text string `json:"text"`
	HTML string `json:"html"` // see Text
	// Attachments are sent after the body, as multipart/mixed.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Headers are extra header fields, e.g. {"Auto-Submitted":
	// "auto-generated"}. They may not replace the headers set from the
	// fields above (From, To, Subject, Message-ID, Date, MIME and content
	// headers).
	Headers map[string]string `json:"headers,omitempty"`
	// Date is the Date header; zero means the time of sending.
	Date time.Time `json:"date"`
}

// Validate reports why m cannot be sent, wrapping ErrInvalidMessage, or
// nil when it can.
func (m Message) Validate() error {
	if err := validMessageID(m.MessageID); err != nil {
		return err
	}
	if err := validAddress("from", m.From); err != nil {
		return err
	}
	if m.ReplyTo.Email != "" || m.ReplyTo.Name != "" {
		if err := validAddress("reply-to", m.ReplyTo); err != nil {
			return err
		}
	}
	if len(m.To) == 0 {
		return fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	}
	for i, to := range m.To {
		if err := validAddress(fmt.Sprintf("to[%d]", i), to); err != nil {
			return err
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalidMessage)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: subject contains a line break", ErrInvalidMessage)
	}
	if m.Text == "" && m.HTML == "" {
		return fmt.Errorf("%w: no text or HTML body", ErrInvalidMessage)
	}
	for i, a := range m.Attachments {
		if err := validAttachment(i, a); err != nil {
			return err
		}
	}
	for name, value := range m.Headers {
		if err := validHeader(name, value); err != nil {
			return err
		}
	}
	return nil
}

func validMessageID(id string) error {
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" {
		return fmt.Errorf("%w: no Message-ID (set Message.MessageID, see MessageIDFor)", ErrInvalidMessage)
	}
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return fmt.Errorf("%w: Message-ID %q is not of the form left@right", ErrInvalidMessage, id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' {
			return fmt.Errorf("%w: Message-ID %q contains a space, a control, non-ASCII or a special character", ErrInvalidMessage, id)
		}
	}
	return nil
}

func validAddress(field string, a Address) error {
	if strings.ContainsAny(a.Name, "\r\n") {
		return fmt.Errorf("%w: %s name contains a line break", ErrInvalidMessage, field)
	}
	if a.Email == "" {
		return fmt.Errorf("%w: %s has no email address", ErrInvalidMessage, field)
	}
	parsed, err := netmail.ParseAddress(a.Email)
	if err != nil || parsed.Address != a.Email {
		return fmt.Errorf("%w: %s address %q is not a plain email address", ErrInvalidMessage, field, a.Email)
	}
	return nil
}

func validAttachment(i int, a Attachment) error {
	if strings.TrimSpace(a.Filename) == "" {
		return fmt.Errorf("%w: attachment %d has no filename", ErrInvalidMessage, i)
	}
	for _, r := range a.Filename {
		if r < ' ' || r == 0x7f || r == '"' || r == '/' || r == '\\' {
			return fmt.Errorf("%w: attachment filename %q contains a control character, a quote or a slash", ErrInvalidMessage, a.Filename)
		}
	}
	if a.ContentType != "" {
		if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
			return fmt.Errorf("%w: attachment %q content type %q: %v", ErrInvalidMessage, a.Filename, a.ContentType, err)
		}
	}
	return nil
}

// reservedHeaders are set from Message's fields or by the MIME writer.
var reservedHeaders = map[string]bool{
	"From": true, "Sender": true, "Reply-To": true, "To": true, "Cc": true, "Bcc": true,
	"Subject": true, "Message-Id": true, "Date": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true, "Content-Disposition": true,
}

func validHeader(name, value string) error {
	if name == "" {
		return fmt.Errorf("%w: empty header name", ErrInvalidMessage)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return fmt.Errorf("%w: header name %q is not a token", ErrInvalidMessage, name)
		}
	}
	if reservedHeaders[textproto.CanonicalMIMEHeaderKey(name)] {
		return fmt.Errorf("%w: header %q is set from the message's fields", ErrInvalidMessage, name)
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("%w: header %s contains a line break", ErrInvalidMessage, name)
	}
	return nil
}

// MessageIDFor returns a Message-ID (without angle brackets) that is the
// same every time for the same key and domain, e.g.
// MessageIDFor("in_123.payment_receipt", "mail.example.com") is
// "in_123.payment_receipt@mail.example.com". Build the key from what the
// email is about (the invoice and the kind, the attempt for a payment
// failure), so that every retry of a send job uses the same Message-ID. A
// key with characters not allowed in a Message-ID is replaced by its
// SHA-256; an empty or malformed domain becomes "cuota.invalid".
func MessageIDFor(key, domain string) string {
	left := key
	if !dotAtom(left) || len(left) > 64 {
		sum := sha256.Sum256([]byte(key))
		left = "k" + hex.EncodeToString(sum[:20])
	}
	if !dotAtom(domain) {
		domain = "cuota.invalid"
	}
	return left + "@" + domain
}

// dotAtom reports whether s is a non-empty run of letters, digits and
// "-_+=" separated by single dots: a conservative subset of RFC 5322's
// dot-atom.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.' || c == '-' || c == '_' || c == '+' || c == '=':
		default:
			return false
		}
	}
	return true
}

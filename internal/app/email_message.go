package app

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

// ErrInvalidEmailMessage is wrapped by every error about an EmailMessage that cannot
// be sent as it is (no recipient, a bad address, a header with a line
// break…). Sending it again cannot succeed (mail.IsPermanent reports true).
var ErrInvalidEmailMessage = errors.New("mail: invalid message")

// EmailAddress is a mailbox: an optional display name and an email address.
type EmailAddress struct {
	Name  string `json:"name,omitempty"` // display name; may be empty
	Email string `json:"email"`          // e.g. ana@example.cl
}

// String formats a as an RFC 5322 address, e.g. `"Tienda Ñandú" <a@b.cl>`
// (non-ASCII names are RFC 2047 encoded).
func (a EmailAddress) String() string {
	return (&netmail.Address{Name: a.Name, Address: a.Email}).String()
}

// EmailAttachment is a file sent with a message.
type EmailAttachment struct {
	// Filename is the name the recipient sees, e.g. "invoice-CUO-0001.pdf".
	Filename string `json:"filename"`
	// ContentType is a MIME type, e.g. "application/pdf"; empty means
	// "application/octet-stream".
	ContentType string `json:"content_type,omitempty"`
	// Data is the file's content, sent base64-encoded.
	Data []byte `json:"data"`
}

// EmailMessage is one email. The EmailRenderer fills the content (Subject, Text, HTML,
// Attachments, From.Name, Headers); the caller fills the envelope (From.Email,
// To, MessageID) before sending.
type EmailMessage struct {
	// MessageID identifies the message, without angle brackets, e.g.
	// "in_123.payment_receipt@mail.example.com". The caller derives it from
	// what the message is about (see EmailMessageID), so that a retried send
	// job sends the same Message-ID and receivers can tell it is the same
	// message. Required.
	MessageID string `json:"message_id"`
	// From is the sender; the renderer sets the display name (the merchant's).
	From EmailAddress `json:"from"`
	// ReplyTo, when its Email is set, is where replies go (e.g. the
	// merchant's support address while From is a no-reply address).
	ReplyTo EmailAddress `json:"reply_to"`
	// To are the recipients; at least one.
	To []EmailAddress `json:"to"`
	// Subject is one line of text.
	Subject string `json:"subject"`
	// Text is the plain-text body and HTML the HTML body; at least one is
	// needed, and with both the message is multipart/alternative.
	Text string `json:"text"`
	HTML string `json:"html"` // see Text
	// Attachments are sent after the body, as multipart/mixed.
	Attachments []EmailAttachment `json:"attachments,omitempty"`
	// Headers are extra header fields, e.g. {"Auto-Submitted":
	// "auto-generated"}. They may not replace the headers set from the
	// fields above (From, To, Subject, Message-ID, Date, MIME and content
	// headers).
	Headers map[string]string `json:"headers,omitempty"`
	// Date is the Date header; zero means the time of sending.
	Date time.Time `json:"date"`
	// Hidden are texts the message carries that the email log must not
	// keep (a password reset's link): the kept bodies show a placeholder
	// in their place. Senders ignore it.
	Hidden []string `json:"-"`
}

// Validate reports why m cannot be sent, wrapping ErrInvalidEmailMessage, or
// nil when it can.
func (m EmailMessage) Validate() error {
	if err := emailValidMessageID(m.MessageID); err != nil {
		return err
	}
	if err := emailValidAddress("from", m.From); err != nil {
		return err
	}
	if m.ReplyTo.Email != "" || m.ReplyTo.Name != "" {
		if err := emailValidAddress("reply-to", m.ReplyTo); err != nil {
			return err
		}
	}
	if len(m.To) == 0 {
		return fmt.Errorf("%w: no recipient", ErrInvalidEmailMessage)
	}
	for i, to := range m.To {
		if err := emailValidAddress(fmt.Sprintf("to[%d]", i), to); err != nil {
			return err
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalidEmailMessage)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: subject contains a line break", ErrInvalidEmailMessage)
	}
	if m.Text == "" && m.HTML == "" {
		return fmt.Errorf("%w: no text or HTML body", ErrInvalidEmailMessage)
	}
	for i, a := range m.Attachments {
		if err := a.Validate(i); err != nil {
			return err
		}
	}
	for name, value := range m.Headers {
		if err := emailValidHeader(name, value); err != nil {
			return err
		}
	}
	return nil
}

func emailValidMessageID(id string) error {
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" {
		return fmt.Errorf("%w: no Message-ID (set Message.MessageID, see MessageIDFor)", ErrInvalidEmailMessage)
	}
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return fmt.Errorf("%w: Message-ID %q is not of the form left@right", ErrInvalidEmailMessage, id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' {
			return fmt.Errorf("%w: Message-ID %q contains a space, a control, non-ASCII or a special character", ErrInvalidEmailMessage, id)
		}
	}
	return nil
}

func emailValidAddress(field string, a EmailAddress) error {
	if strings.ContainsAny(a.Name, "\r\n") {
		return fmt.Errorf("%w: %s name contains a line break", ErrInvalidEmailMessage, field)
	}
	if a.Email == "" {
		return fmt.Errorf("%w: %s has no email address", ErrInvalidEmailMessage, field)
	}
	parsed, err := netmail.ParseAddress(a.Email)
	if err != nil || parsed.Address != a.Email {
		return fmt.Errorf("%w: %s address %q is not a plain email address", ErrInvalidEmailMessage, field, a.Email)
	}
	return nil
}

// Validate reports why a, attachment number i of a message, cannot be
// sent, wrapping ErrInvalidEmailMessage, or nil when it can.
func (a EmailAttachment) Validate(i int) error {
	if strings.TrimSpace(a.Filename) == "" {
		return fmt.Errorf("%w: attachment %d has no filename", ErrInvalidEmailMessage, i)
	}
	for _, r := range a.Filename {
		if r < ' ' || r == 0x7f || r == '"' || r == '/' || r == '\\' {
			return fmt.Errorf("%w: attachment filename %q contains a control character, a quote or a slash", ErrInvalidEmailMessage, a.Filename)
		}
	}
	if a.ContentType != "" {
		if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
			return fmt.Errorf("%w: attachment %q content type %q: %v", ErrInvalidEmailMessage, a.Filename, a.ContentType, err)
		}
	}
	return nil
}

// emailReservedHeaders are set from EmailMessage's fields or by the MIME writer.
var emailReservedHeaders = map[string]bool{
	"From": true, "Sender": true, "Reply-To": true, "To": true, "Cc": true, "Bcc": true,
	"Subject": true, "Message-Id": true, "Date": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true, "Content-Disposition": true,
}

func emailValidHeader(name, value string) error {
	if name == "" {
		return fmt.Errorf("%w: empty header name", ErrInvalidEmailMessage)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return fmt.Errorf("%w: header name %q is not a token", ErrInvalidEmailMessage, name)
		}
	}
	if emailReservedHeaders[textproto.CanonicalMIMEHeaderKey(name)] {
		return fmt.Errorf("%w: header %q is set from the message's fields", ErrInvalidEmailMessage, name)
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("%w: header %s contains a line break", ErrInvalidEmailMessage, name)
	}
	return nil
}

// EmailMessageID returns a Message-ID (without angle brackets) that is the
// same every time for the same key and domain, e.g.
// EmailMessageID("in_123.payment_receipt", "mail.example.com") is
// "in_123.payment_receipt@mail.example.com". Build the key from what the
// email is about (the invoice and the kind, the attempt for a payment
// failure), so that every retry of a send job uses the same Message-ID. A
// key with characters not allowed in a Message-ID is replaced by its
// SHA-256; an empty or malformed domain becomes "cuota.invalid".
func EmailMessageID(key, domain string) string {
	left := key
	if !emailDotAtom(left) || len(left) > 64 {
		sum := sha256.Sum256([]byte(key))
		left = "k" + hex.EncodeToString(sum[:20])
	}
	if !emailDotAtom(domain) {
		domain = "cuota.invalid"
	}
	return left + "@" + domain
}

// emailDotAtom reports whether s is a non-empty run of letters, digits and
// "-_+=" separated by single dots: a conservative subset of RFC 5322's
// dot-atom.
func emailDotAtom(s string) bool {
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

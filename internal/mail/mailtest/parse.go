package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
)

// Message is one message the server accepted.
type Message struct {
	// From and To are the envelope: MAIL FROM and every RCPT TO.
	From string
	To   []string // see From
	// AuthUser is who authenticated (WithAuth), or "".
	AuthUser string
	// Raw is the message as received.
	Raw []byte
	// Header is the parsed header; Header.AddressList("From") decodes
	// display names.
	Header netmail.Header
	// Subject is the decoded Subject header.
	Subject string
	// MessageID is the Message-ID header without angle brackets.
	MessageID string
	// Text and HTML are the first text/plain and text/html parts that are
	// not attachments, decoded, with line endings turned into "\n". In a
	// multipart message they are exactly what was sent; a single-part
	// body always ends with a line break, since the sender ends the
	// message with one.
	Text string
	HTML string // see Text
	// Attachments are the other parts, decoded.
	Attachments []Attachment
	// ParseErr is set when the message could not be parsed as MIME; the
	// fields above then hold what was parsed before the error.
	ParseErr error
}

// Attachment is a decoded attachment.
type Attachment struct {
	Filename    string // from Content-Disposition or the Content-Type name
	ContentType string // the media type, without parameters
	Data        []byte // the decoded content
}

// maxDepth bounds nested multiparts.
const maxDepth = 8

// parseMessage parses raw with net/mail and mime/multipart.
func parseMessage(raw []byte) Message {
	m := Message{Raw: raw}
	nm, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.ParseErr = fmt.Errorf("mailtest: read header: %w", err)
		return m
	}
	m.Header = nm.Header
	m.Subject = decodeWords(nm.Header.Get("Subject"))
	m.MessageID = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(nm.Header.Get("Message-Id")), "<"), ">")
	if err := m.walk(textproto.MIMEHeader(nm.Header), nm.Body, 0); err != nil {
		m.ParseErr = err
	}
	return m
}

// walk reads one MIME entity: a multipart's parts in turn, or a leaf.
func (m *Message) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > maxDepth {
		return errors.New("mailtest: multipart nested too deep")
	}
	contentType := h.Get("Content-Type")
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("mailtest: content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("mailtest: %s part: %w", mediaType, err)
			}
			if err := m.walk(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}

	data, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	filename = decodeWords(filename)
	switch {
	case disposition != "attachment" && filename == "" && mediaType == "text/plain" && m.Text == "":
		m.Text = crlfToLF(string(data))
	case disposition != "attachment" && filename == "" && mediaType == "text/html" && m.HTML == "":
		m.HTML = crlfToLF(string(data))
	default:
		m.Attachments = append(m.Attachments, Attachment{Filename: filename, ContentType: mediaType, Data: data})
	}
	return nil
}

// decodeBody undoes a Content-Transfer-Encoding.
func decodeBody(encoding string, body io.Reader) ([]byte, error) {
	var r io.Reader
	switch enc := strings.ToLower(strings.TrimSpace(encoding)); enc {
	case "", "7bit", "8bit", "binary":
		r = body
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	default:
		return nil, fmt.Errorf("mailtest: unknown Content-Transfer-Encoding %q", encoding)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("mailtest: decode %s body: %w", encoding, err)
	}
	return data, nil
}

// decodeWords decodes RFC 2047 encoded words, or returns s as it is.
func decodeWords(s string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

func crlfToLF(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

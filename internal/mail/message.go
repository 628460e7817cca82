package mail

import "github.com/cuota/cuota/internal/app"

// The message types are app's (the email ports take them); these names
// keep this package's API as it was.

// ErrInvalidMessage is wrapped by every error about a Message that cannot
// be sent as it is (no recipient, a bad address, a header with a line
// break…). Sending it again cannot succeed, so IsPermanent reports true.
var ErrInvalidMessage = app.ErrInvalidEmailMessage

// Address is a mailbox: an optional display name and an email address.
type Address = app.EmailAddress

// Attachment is a file sent with a message.
type Attachment = app.EmailAttachment

// Message is one email (app.EmailMessage, whose Validate reports why it
// cannot be sent). Render fills the content (Subject, Text, HTML,
// Attachments, From.Name, Headers); the caller fills the envelope
// (From.Email, To, MessageID) before sending.
type Message = app.EmailMessage

// MessageIDFor returns a Message-ID for key at domain (see
// app.EmailMessageID): the same every time for the same key and domain.
func MessageIDFor(key, domain string) string { return app.EmailMessageID(key, domain) }

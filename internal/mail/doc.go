// Package mail renders cuota's transactional emails and sends them over
// SMTP.
//
// Rendering: Render(kind, locale, data) turns one of the typed data structs
// (PaymentReceipt, PaymentFailed, TrialEnding, SubscriptionCanceled,
// InvoiceToPay, WebhookEndpointDisabled) into a Message with a subject, a
// plain-text body and an HTML body, in Spanish when the locale names Spanish
// ("es", "es-CL", …) and in English otherwise. The templates are embedded;
// HTML goes through html/template, so everything a customer or merchant
// typed is escaped. The New… builders fill the data structs from billing
// objects, formatting amounts with money.Format and dates in the merchant's
// time zone (see Formatter).
//
// Sending: Sender is the one-method interface the send job depends on;
// SMTPSender implements it on github.com/wneessen/go-mail, configured from
// a URL such as smtp://user:pass@smtp.example.com:587?tls=starttls (see
// ParseSMTPURL). Every Message carries a caller-chosen Message-ID so that a
// retried job sends the same message again, not a new one. IsPermanent and
// IsTemporary tell a job whether a failure is worth retrying.
//
// The package keeps no state: the email log and the send job live elsewhere
// and are built on this API. Package mailtest provides an in-process SMTP
// server for tests.
package mail

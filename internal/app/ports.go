package app

import (
	"context"
	"errors"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Ports are the adapters the use cases call out to, declared here as the
// small interfaces app needs (docs/architecture.md, ports and adapters;
// internal/archtest keeps app from importing the adapters themselves).
// cmd/cuota wires the real ones: invoicepdf.Renderer, mail.Renderer and
// webhookout.Webhooks. (The email sender is the Config's Mailer.)
type Ports struct {
	// InvoicePDF renders invoices as PDFs (the API and the emails'
	// attachments).
	InvoicePDF InvoicePDFRenderer
	// EmailRenderer fills the emails' templates (emails.go).
	EmailRenderer EmailRenderer
	// Webhooks creates endpoint secrets, delivers signed webhooks and
	// holds their retry schedule.
	Webhooks Webhooks
	// DTE issues Chilean electronic tax documents (dte_port.go); nil
	// leaves them off.
	DTE DTEProvider
	// UF is the official source of the UF's daily value (uf.go); nil
	// leaves only the values set by hand (PUT /v1/uf_rates/{date}).
	UF UFSource
}

// ErrInvalidInput is matched (errors.Is) by an adapter's error about input
// it can never render (an invoice without lines, email data that does not
// fit its template…): trying again cannot help.
var ErrInvalidInput = errors.New("invalid input")

// InvalidInput marks err as ErrInvalidInput, keeping its text and its
// chain (nil stays nil). Adapters use it for their own sentinels.
func InvalidInput(err error) error {
	if err == nil {
		return nil
	}
	return invalidInput{err}
}

type invalidInput struct{ error }

func (e invalidInput) Unwrap() error      { return e.error }
func (invalidInput) Is(target error) bool { return target == ErrInvalidInput }

// InvoiceDocument is what an invoice PDF shows.
type InvoiceDocument struct {
	DocumentHeader
	Invoice billing.Invoice // lines included
}

// DocumentHeader is who a customer document is from and to, and what it
// is called: the same on every document (documentHeader fills it).
type DocumentHeader struct {
	Merchant billing.Merchant
	Customer billing.Customer
	// MerchantEmail is the merchant's contact address.
	MerchantEmail string
	// Locale is the document's language (billing.PickLocale of the
	// customer's and the merchant's), Name what the document is called in
	// it and Test whether it is a test-mode document (marked as such).
	Locale string
	Name   billing.DocumentName
	Test   bool
	// Logo is the merchant's logo when it is a PNG (nil otherwise).
	Logo []byte
}

// InvoicePDFRenderer renders an invoice as a PDF (adapter:
// invoicepdf.Renderer). An error about a document that cannot be rendered
// matches ErrInvalidInput.
type InvoicePDFRenderer interface {
	RenderInvoicePDF(InvoiceDocument) ([]byte, error)
}

// CreditNoteDocument is what a credit note PDF shows.
type CreditNoteDocument struct {
	DocumentHeader
	Invoice    billing.Invoice // the invoice it corrects
	CreditNote billing.CreditNote
}

// CreditNotePDFRenderer renders a credit note as a PDF. The InvoicePDF
// port renders credit notes when it implements it too (invoicepdf's
// Renderer does), so that one adapter lays out every document.
type CreditNotePDFRenderer interface {
	RenderCreditNotePDF(CreditNoteDocument) ([]byte, error)
}

// Webhooks is webhook delivery (adapter: webhookout.Webhooks).
type Webhooks interface {
	// NewSecret returns a new random signing secret for an endpoint.
	NewSecret() (string, error)
	// Deliver makes one signed attempt (never retried, no redirect
	// followed) and classifies its outcome.
	Deliver(ctx context.Context, req WebhookRequest) WebhookResult
}

// WebhookRequest is one delivery attempt of one message to one endpoint.
type WebhookRequest struct {
	// URL is the endpoint, http or https.
	URL string
	// ID is the message id (the event id), the same on every attempt.
	ID string
	// Timestamp is the wall-clock time of this attempt; it is signed and
	// sent as webhook-timestamp. It must be the real time, not a test
	// clock, because receivers check it against their own clock.
	Timestamp time.Time
	// Body is the JSON payload, sent byte for byte as signed.
	Body []byte
	// Secrets sign the message, one signature each: normally one, two
	// (new and old) during a rotation.
	Secrets []string
	// Timeout bounds the attempt; 0 or less means the adapter's default.
	Timeout time.Duration
	// AllowPrivateNetworks lets the attempt reach loopback and private
	// addresses (test mode: a receiver on the merchant's own machine).
	// Live mode leaves it false: the SSRF guard.
	AllowPrivateNetworks bool
}

// WebhookErrorKind classifies a failed attempt. The values are stable
// strings, fit to be stored and shown to merchants (the adapter's
// constants name them all).
type WebhookErrorKind string

// The kinds of failure app itself acts on.
const (
	// WebhookErrorNone: the endpoint answered 2xx.
	WebhookErrorNone WebhookErrorKind = ""
	// WebhookErrorInvalidRequest: the request could not be built (bad URL,
	// secret, id or timestamp); nothing was sent. Retrying the same
	// request will fail the same way.
	WebhookErrorInvalidRequest WebhookErrorKind = "invalid_request"
	// WebhookErrorCanceled: the caller's context was canceled (for example
	// at shutdown); the outcome says nothing about the endpoint.
	WebhookErrorCanceled WebhookErrorKind = "canceled"
)

// WebhookResult is what one attempt produced.
type WebhookResult struct {
	// Success is true when the endpoint answered with a 2xx status.
	Success bool
	// StatusCode is the response status, 0 when no response arrived.
	StatusCode int
	// Latency runs from sending the request to having read the excerpt of
	// the response (or to the failure).
	Latency time.Duration
	// ResponseExcerpt is the start of the response body, as valid UTF-8
	// without NUL bytes, so that it can be stored in a text column.
	ResponseExcerpt string
	// ResponseTruncated is true when the body was longer than the excerpt.
	ResponseTruncated bool
	// Kind classifies the failure; WebhookErrorNone on success.
	Kind WebhookErrorKind
	// Err describes the failure; nil on success. It never contains the
	// endpoint URL (which may hold credentials) or a secret.
	Err error
}

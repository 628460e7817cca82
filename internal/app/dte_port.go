package app

import (
	"context"
	"errors"

	"github.com/cuota/cuota/internal/billing"
)

// DTEProvider is the port to a provider of Chilean electronic tax
// documents (adapter: internal/dte/openfactura). Every decision — which
// document, its lines and totals, its key, what an outcome means for the
// emission — is made before it is called (billing.ChooseDTE, BuildDTE,
// MoveDTE); an adapter only translates a billing.DTEDocument to its wire
// format and its answers back. Errors are *DTEError (errors.As), so the
// caller can tell a request that never arrived from one whose answer was
// lost.
type DTEProvider interface {
	// Issue sends doc under doc.Key, which the provider must use to
	// deduplicate (it never issues one key twice).
	Issue(ctx context.Context, creds DTECredentials, doc billing.DTEDocument) (DTEIssue, error)
	// LookUp finds the document issued under doc.Key after an answer was
	// lost. Found is false when the provider holds nothing under the key
	// and issued nothing by the lookup either; a provider whose only
	// lookup is a deduplicated replay of the same request (OpenFactura)
	// may issue it then, exactly once, and says so with Found.
	LookUp(ctx context.Context, creds DTECredentials, doc billing.DTEDocument) (DTEIssue, error)
	// Status reads the SII's decision on an issued document.
	Status(ctx context.Context, creds DTECredentials, providerID string) (DTEStatusReport, error)
	// File fetches an issued document's PDF or its signed XML.
	File(ctx context.Context, creds DTECredentials, providerID string, format DTEFormat) ([]byte, error)
	// IssueCreditNote issues a nota de crédito (doc.Type 61 with its
	// Reference), under doc.Key like Issue.
	IssueCreditNote(ctx context.Context, creds DTECredentials, doc billing.DTEDocument) (DTEIssue, error)
}

// DTECredentials are one merchant's access to its provider in one mode,
// opened from their sealed form just for the call.
type DTECredentials struct {
	APIKey string
	// BaseURL overrides the provider's address (test mode: dtesim);
	// empty means the provider's own for Mode.
	BaseURL string
	Mode    billing.Mode
}

// DTEIssue is what a provider says about a document it holds.
type DTEIssue struct {
	// Found is false only on a LookUp that found nothing.
	Found      bool
	ProviderID string // OpenFactura's TOKEN
	Folio      int64
	TrackID    string // the SII's envelope id, when the provider tells it
	Warning    string // remarks that did not stop the emission
}

// DTEStatusReport is the SII's decision as the provider reports it.
type DTEStatusReport struct {
	// Outcome is billing.DTESIIPending, DTESIIAccepted or DTESIIRejected.
	Outcome billing.DTEOutcome
	// Text is the provider's own words ("Aceptado con Reparo"), kept for
	// the merchant.
	Text string
}

// DTEFormat is a file an issued document can be fetched as.
type DTEFormat string

// The formats of DTEProvider.File.
const (
	DTEFormatPDF DTEFormat = "pdf"
	DTEFormatXML DTEFormat = "xml"
)

// DTEErrorKind says what a failed provider call means for the emission.
type DTEErrorKind string

// The kinds of DTEError.
const (
	// DTEErrNotSent: the request certainly did not reach the provider
	// or was refused before it did anything (connection refused, rate
	// limit, no folios left): the same request can be sent again later.
	DTEErrNotSent DTEErrorKind = "not_sent"
	// DTEErrAnswerLost: the request may have been acted on (timeout,
	// broken connection, 5xx): only a lookup tells.
	DTEErrAnswerLost DTEErrorKind = "answer_lost"
	// DTEErrRefused: the provider refused the document's data; nothing
	// was issued, and sending it again will fail the same way.
	DTEErrRefused DTEErrorKind = "refused"
	// DTEErrCredentials: the provider refused the credentials.
	DTEErrCredentials DTEErrorKind = "credentials"
)

// DTEError is a provider call's failure, classified.
type DTEError struct {
	Kind DTEErrorKind
	// Code is the provider's error code ("OF-10"), Message its text with
	// the fields it names; both are shown to the merchant.
	Code    string
	Message string
	// Err is the underlying transport error, if any; never shown.
	Err error
}

func (e *DTEError) Error() string {
	msg := string(e.Kind)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *DTEError) Unwrap() error { return e.Err }

// DTEErrorKindOf is err's kind; an error that is not a *DTEError counts
// as a lost answer, the one reading that can never issue a document twice.
func DTEErrorKindOf(err error) DTEErrorKind {
	var e *DTEError
	if errors.As(err, &e) {
		return e.Kind
	}
	return DTEErrAnswerLost
}

// DTEOutcomeOf translates a failed call's kind into the outcome
// billing.MoveDTE takes: credentials and not-sent leave the emission as
// it is (retried later), a refusal rejects it, anything else is a lost
// answer.
func DTEOutcomeOf(err error) billing.DTEOutcome {
	switch DTEErrorKindOf(err) {
	case DTEErrNotSent, DTEErrCredentials:
		return billing.DTENotSent
	case DTEErrRefused:
		return billing.DTEProviderRefused
	}
	return billing.DTEAnswerLost
}

package mail

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// The data structs below hold what each template shows. Amounts and dates
// are strings, already formatted for the reader (use Formatter, or the
// New… builders, which do it from billing objects). Every struct has JSON
// tags, so a send job can carry one in its arguments. Render checks the
// required fields and fails, naming the field, when one is empty.

// PaymentReceipt is the data of KindPaymentReceipt, sent to a customer when
// an invoice is paid.
type PaymentReceipt struct {
	MerchantName  string   `json:"merchant_name"`           // required; also the From display name
	CustomerName  string   `json:"customer_name,omitempty"` // for the greeting; may be empty
	Amount        string   `json:"amount"`                  // required: amount paid, e.g. "$5.000"
	InvoiceNumber string   `json:"invoice_number"`          // required
	PaidOn        string   `json:"paid_on"`                 // required: date of payment
	PeriodStart   string   `json:"period_start,omitempty"`  // the period paid for: both or neither
	PeriodEnd     string   `json:"period_end,omitempty"`    // its end
	PlanName      string   `json:"plan_name,omitempty"`     // e.g. "Plan Pro"; may be empty
	PortalURL     string   `json:"portal_url,omitempty"`    // where to see invoices; may be empty
	Taxes         []TaxRow `json:"taxes,omitempty"`         // the invoice's tax per rate ("IVA 19 %"); may be empty
	// InvoicePDF is attached when not empty, as PDFFilename or, by
	// default, "cobro-<number>.pdf" (Spanish) / "invoice-<number>.pdf".
	InvoicePDF  []byte `json:"invoice_pdf,omitempty"`
	PDFFilename string `json:"pdf_filename,omitempty"` // overrides the default name
	// DocumentTitle names the attached document (billing.DocumentName),
	// e.g. "Comprobante de pago"; the subject leads with it when set.
	DocumentTitle string `json:"document_title,omitempty"`
	// TaxDocument names the Chilean tax document issued for the payment
	// (billing.TaxDocumentTitle: "Boleta electrónica N.º 12"); may be empty.
	TaxDocument string `json:"tax_document,omitempty"`
	// TaxDocumentPDF is that document as the provider issued it, attached
	// when not empty as TaxDocumentFilename.
	TaxDocumentPDF      []byte `json:"tax_document_pdf,omitempty"`
	TaxDocumentFilename string `json:"tax_document_filename,omitempty"`
}

// TaxRow is one tax rate's line of an email: "IVA 19 %" and its amount,
// with Included set when the prices already include it.
type TaxRow struct {
	Label    string `json:"label"`
	Amount   string `json:"amount"`
	Included bool   `json:"included,omitempty"`
}

// PaymentFailed is the data of KindPaymentFailed, sent to a customer when a
// charge fails.
type PaymentFailed struct {
	MerchantName  string `json:"merchant_name"`            // required
	CustomerName  string `json:"customer_name,omitempty"`  // may be empty
	Amount        string `json:"amount"`                   // required: amount that could not be charged
	InvoiceNumber string `json:"invoice_number,omitempty"` // may be empty
	// Reason is the failure class, explained in plain words: customer
	// (the bank declined), hard (the card cannot be used any more) or
	// technical (nothing was charged). FailureUnknown is refused: money
	// may have moved, so there is nothing to tell the customer until
	// reconciliation decides.
	Reason billing.FailureClass `json:"reason"`
	// NextRetry is the date of the next automatic attempt; empty says
	// there will be none, so only a new payment method helps.
	NextRetry        string `json:"next_retry,omitempty"`
	UpdatePaymentURL string `json:"update_payment_url"` // required: where to update the card
}

// TrialEnding is the data of KindTrialEnding, sent to a customer some days
// before a trial ends.
type TrialEnding struct {
	MerchantName string `json:"merchant_name"`           // required
	CustomerName string `json:"customer_name,omitempty"` // may be empty
	PlanName     string `json:"plan_name,omitempty"`     // may be empty
	TrialEnd     string `json:"trial_end"`               // required: date the trial ends and the first charge is made
	Amount       string `json:"amount"`                  // required: what will be charged then
	// HasPaymentMethod says whether a payment method is saved; without
	// one, the email asks the customer to add one before TrialEnd.
	HasPaymentMethod bool   `json:"has_payment_method"`
	ManageURL        string `json:"manage_url"` // required: where to manage the subscription
}

// SubscriptionCanceled is the data of KindSubscriptionCanceled, sent to a
// customer when a subscription ends.
type SubscriptionCanceled struct {
	MerchantName string `json:"merchant_name"`           // required
	CustomerName string `json:"customer_name,omitempty"` // may be empty
	PlanName     string `json:"plan_name,omitempty"`     // may be empty
	CanceledOn   string `json:"canceled_on"`             // required: date the subscription ended
	// Reason is explained in plain words; empty gives no reason.
	Reason billing.CancellationReason `json:"reason,omitempty"`
	// ResubscribeURL is where to subscribe again (or the portal); may be
	// empty.
	ResubscribeURL string `json:"resubscribe_url,omitempty"`
}

// InvoiceToPay is the data of KindInvoiceToPay, sent to a customer who has
// to pay an invoice by hand (no saved payment method, or a one-off).
type InvoiceToPay struct {
	MerchantName  string   `json:"merchant_name"`           // required
	CustomerName  string   `json:"customer_name,omitempty"` // may be empty
	InvoiceNumber string   `json:"invoice_number"`          // required
	Amount        string   `json:"amount"`                  // required: amount due
	DueDate       string   `json:"due_date,omitempty"`      // may be empty
	PayURL        string   `json:"pay_url"`                 // required: where to pay
	Taxes         []TaxRow `json:"taxes,omitempty"`         // the invoice's tax per rate; may be empty
	// InvoicePDF is attached when not empty, named as in PaymentReceipt.
	InvoicePDF  []byte `json:"invoice_pdf,omitempty"`
	PDFFilename string `json:"pdf_filename,omitempty"` // overrides the default name
	// DocumentTitle names the document, as in PaymentReceipt.
	DocumentTitle string `json:"document_title,omitempty"`
}

// CreditNote is the data of KindCreditNote, sent to a customer when a
// credit note corrects one of their invoices.
type CreditNote struct {
	MerchantName     string `json:"merchant_name"`           // required
	CustomerName     string `json:"customer_name,omitempty"` // may be empty
	CreditNoteNumber string `json:"credit_note_number"`      // required
	InvoiceNumber    string `json:"invoice_number"`          // required: the invoice it corrects
	Amount           string `json:"amount"`                  // required: the note's total
	Tax              string `json:"tax,omitempty"`           // the tax it returns; empty for none
	// Taxes splits Tax per rate ("IVA 19 %"), as the note's tax_amounts
	// do; empty for a note that kept only its one figure.
	Taxes []TaxRow `json:"taxes,omitempty"`
	// Refunded, Credited and OutOfBand say where the money went: back to
	// the card, to the customer's balance for the next invoices, or
	// settled outside cuota; each is empty when nothing went there.
	Refunded  string `json:"refunded,omitempty"`
	Credited  string `json:"credited,omitempty"`
	OutOfBand string `json:"out_of_band,omitempty"`
	IssuedOn  string `json:"issued_on"` // required
	// PDF is the credit note's PDF, attached when not empty as
	// PDFFilename (app.CreditNoteFilename).
	PDF           []byte `json:"pdf,omitempty"`
	PDFFilename   string `json:"pdf_filename,omitempty"`
	DocumentTitle string `json:"document_title"` // required: "Comprobante de crédito"
	// TaxDocument names the nota de crédito issued for the note
	// (billing.TaxDocumentTitle: "Nota de crédito electrónica N.º 4");
	// may be empty. TaxDocumentPDF is it as the provider issued it,
	// attached when not empty as TaxDocumentFilename, as in
	// PaymentReceipt.
	TaxDocument         string `json:"tax_document,omitempty"`
	TaxDocumentPDF      []byte `json:"tax_document_pdf,omitempty"`
	TaxDocumentFilename string `json:"tax_document_filename,omitempty"`
}

// WebhookEndpointDisabled is the data of KindWebhookEndpointDisabled, sent
// to the merchant (From's display name is "cuota", not the merchant's)
// when cuota stops delivering to an endpoint that kept failing.
type WebhookEndpointDisabled struct {
	MerchantName string       `json:"merchant_name"`        // required
	EndpointURL  string       `json:"endpoint_url"`         // required; shown as text, never as a link
	FailingSince string       `json:"failing_since"`        // required: date and time of the first failure in a row
	LastError    string       `json:"last_error,omitempty"` // e.g. "HTTP 500" or "connection refused"; may be empty
	Mode         billing.Mode `json:"mode,omitempty"`       // test or live; may be empty
	ManageURL    string       `json:"manage_url,omitempty"` // where to re-enable it; may be empty
}

// AlertOpened is the data of KindAlertOpened, sent to the merchant's
// alert address once when an alert opens.
type AlertOpened struct {
	MerchantName string       `json:"merchant_name"`  // required
	Critical     bool         `json:"critical"`       // the alert's severity is critical (else warning)
	Message      string       `json:"message"`        // required: the alert's message in the email's language
	Object       string       `json:"object"`         // required: the object's type and id, e.g. "payment pay_…"
	FirstSeen    string       `json:"first_seen"`     // required: date and time it opened
	Mode         billing.Mode `json:"mode,omitempty"` // test or live; may be empty
	AlertID      string       `json:"alert_id"`       // required: what GET /v1/alerts/{id} takes
}

// field is one field check: its JSON name, its value, whether it is
// required and whether it is a link.
type field struct {
	name     string
	value    string
	required bool
	link     bool
}

func checkFields(fields ...field) error {
	for _, f := range fields {
		if f.required && strings.TrimSpace(f.value) == "" {
			return fmt.Errorf("%w: %s is required", ErrInvalidData, f.name)
		}
		if f.link && f.value != "" {
			if err := checkLink(f.value); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrInvalidData, f.name, err)
			}
		}
	}
	return nil
}

// checkLink accepts absolute http and https URLs only, so that a link in
// an email can never be javascript: or a relative path.
func checkLink(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

func (d PaymentReceipt) validate() error {
	if (d.PeriodStart == "") != (d.PeriodEnd == "") {
		return fmt.Errorf("%w: period_start and period_end go together", ErrInvalidData)
	}
	return checkFields(
		field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "amount", value: d.Amount, required: true},
		field{name: "invoice_number", value: d.InvoiceNumber, required: true},
		field{name: "paid_on", value: d.PaidOn, required: true},
		field{name: "portal_url", value: d.PortalURL, link: true},
	)
}

func (d PaymentFailed) validate() error {
	switch d.Reason {
	case billing.FailureCustomer, billing.FailureHard, billing.FailureTechnical:
	case billing.FailureUnknown:
		return fmt.Errorf("%w: reason %q: the outcome is not known yet, so there is no failure to report until reconciliation", ErrInvalidData, d.Reason)
	default:
		return fmt.Errorf("%w: reason %q is not a failure class (customer, hard, technical)", ErrInvalidData, d.Reason)
	}
	return checkFields(
		field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "amount", value: d.Amount, required: true},
		field{name: "update_payment_url", value: d.UpdatePaymentURL, required: true, link: true},
	)
}

func (d TrialEnding) validate() error {
	return checkFields(
		field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "trial_end", value: d.TrialEnd, required: true},
		field{name: "amount", value: d.Amount, required: true},
		field{name: "manage_url", value: d.ManageURL, required: true, link: true},
	)
}

func (d SubscriptionCanceled) validate() error {
	if d.Reason != "" && !d.Reason.Valid() {
		return fmt.Errorf("%w: reason %q is not a cancellation reason", ErrInvalidData, d.Reason)
	}
	return checkFields(
		field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "canceled_on", value: d.CanceledOn, required: true},
		field{name: "resubscribe_url", value: d.ResubscribeURL, link: true},
	)
}

func (d InvoiceToPay) validate() error {
	return checkFields(
		field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "invoice_number", value: d.InvoiceNumber, required: true},
		field{name: "amount", value: d.Amount, required: true},
		field{name: "pay_url", value: d.PayURL, required: true, link: true},
	)
}

func (d CreditNote) validate() error {
	return checkFields(
		field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "credit_note_number", value: d.CreditNoteNumber, required: true},
		field{name: "invoice_number", value: d.InvoiceNumber, required: true},
		field{name: "amount", value: d.Amount, required: true},
		field{name: "issued_on", value: d.IssuedOn, required: true},
		field{name: "document_title", value: d.DocumentTitle, required: true},
	)
}

func (d WebhookEndpointDisabled) validate() error {
	if d.Mode != "" && !d.Mode.Valid() {
		return fmt.Errorf("%w: mode %q is not test or live", ErrInvalidData, d.Mode)
	}
	return checkFields(
		field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "endpoint_url", value: d.EndpointURL, required: true},
		field{name: "failing_since", value: d.FailingSince, required: true},
		field{name: "manage_url", value: d.ManageURL, link: true},
	)
}

// pdfAttachment names an invoice PDF by language and invoice number.
func pdfAttachment(data []byte, filename, number, lang string) []Attachment {
	if len(data) == 0 {
		return nil
	}
	if filename == "" {
		prefix := "invoice-"
		if lang == LangSpanish {
			prefix = "cobro-"
		}
		filename = prefix + safeFilePart(number) + ".pdf"
	}
	return []Attachment{{Filename: filename, ContentType: "application/pdf", Data: data}}
}

// safeFilePart keeps letters, digits, '-', '_' and '.' of s and replaces
// anything else with '-'.
func safeFilePart(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			b[i] = '-'
		}
	}
	return string(b)
}

func (d AlertOpened) validate() error {
	if d.Mode != "" && !d.Mode.Valid() {
		return fmt.Errorf("%w: mode %q is not test or live", ErrInvalidData, d.Mode)
	}
	return checkFields(
		field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "message", value: d.Message, required: true},
		field{name: "object", value: d.Object, required: true},
		field{name: "first_seen", value: d.FirstSeen, required: true},
		field{name: "alert_id", value: d.AlertID, required: true},
	)
}

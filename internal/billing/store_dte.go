package billing

import (
	"context"
	"time"
)

// DTESettings is a merchant's electronic tax document setup in one mode
// (docs/dte.md). Sealed holds the provider credentials as the app sealed
// them (CUOTA_SECRET_KEY); the store never sees them in the clear, except
// test-mode values on a server without a key.
type DTESettings struct {
	Scope   Scope
	Enabled bool
	// Provider names the adapter ("openfactura").
	Provider string
	Sealed   string
	// ActivityCode is the merchant's SII economic activity code (Acteco),
	// which facturas carry.
	ActivityCode int64
	// IssueOn is when a document is issued: DTEIssueOnPaid or
	// DTEIssueOnFinalized.
	IssueOn string
	Created time.Time
	Updated time.Time
}

// When a tax document is issued.
const (
	// DTEIssueOnPaid: when the invoice is paid, the moment a Chilean sale
	// happens for a subscription charged by card.
	DTEIssueOnPaid = "paid"
	// DTEIssueOnFinalized: an invoice sent to be paid by hand
	// (send_invoice) is issued when it is finalized — a sale on credit,
	// whose factura the customer needs in order to pay it; invoices
	// charged automatically are still issued when paid.
	DTEIssueOnFinalized = "finalized"
)

// ValidDTEIssueOn reports whether s is a setting of when to issue.
func ValidDTEIssueOn(s string) bool { return s == DTEIssueOnPaid || s == DTEIssueOnFinalized }

// DTEMoment is a point in an invoice's life at which its tax document
// may be issued.
type DTEMoment string

// The moments.
const (
	DTEAtFinalized DTEMoment = "finalized"
	DTEAtPaid      DTEMoment = "paid"
)

// DTEIssuesAt reports whether an invoice's document is issued at moment,
// under the merchant's issueOn setting: every invoice when it is paid
// (unless issued before); a send_invoice invoice already when it is
// finalized, if the merchant issues on finalization.
func DTEIssuesAt(issueOn string, inv Invoice, at DTEMoment) bool {
	switch at {
	case DTEAtPaid:
		return inv.Status == InvoicePaid
	case DTEAtFinalized:
		return issueOn == DTEIssueOnFinalized && CollectionOf(inv) == CollectionSendInvoice &&
			(inv.Status == InvoiceOpen || inv.Status == InvoicePaid)
	}
	return false
}

// DTEProviderOpenFactura is the provider cuota speaks to.
const DTEProviderOpenFactura = "openfactura"

// DTETx stores DTE settings and emissions.
type DTETx interface {
	// PutDTESettings creates or replaces a scope's settings (Created is
	// kept on replace).
	PutDTESettings(ctx context.Context, s DTESettings) error
	// GetDTESettings returns a scope's settings (ErrNotFound when none).
	GetDTESettings(ctx context.Context, s Scope) (DTESettings, error)
	// CreateTaxDocument inserts d unless an emission with d.Key exists in
	// its scope; it reports whether it inserted. The key's uniqueness is
	// what makes an emission exactly once.
	CreateTaxDocument(ctx context.Context, d TaxDocument) (bool, error)
	// GetTaxDocument returns the emission with id in scope s.
	GetTaxDocument(ctx context.Context, s Scope, id string) (TaxDocument, error)
	// GetTaxDocumentByKey returns the emission with key in scope s.
	GetTaxDocumentByKey(ctx context.Context, s Scope, key string) (TaxDocument, error)
	// ListInvoiceTaxDocuments returns an invoice's emissions, oldest
	// first (rejected attempts, the one that stands, notas de crédito).
	ListInvoiceTaxDocuments(ctx context.Context, s Scope, invoiceID string) ([]TaxDocument, error)
	// ListInvoicesTaxDocuments returns the emissions of any of
	// invoiceIDs in one read (a page of invoices), each invoice's oldest
	// first as ListInvoiceTaxDocuments orders them.
	ListInvoicesTaxDocuments(ctx context.Context, s Scope, invoiceIDs []string) ([]TaxDocument, error)
	// UpdateTaxDocument writes d's outcome fields if the row's Updated is
	// still prevUpdated (compare and set); it reports whether it wrote.
	UpdateTaxDocument(ctx context.Context, d TaxDocument, prevUpdated time.Time) (bool, error)
	// ListDueTaxDocuments returns, across merchants, open emissions whose
	// NextTry is at or before due, soonest first.
	ListDueTaxDocuments(ctx context.Context, due time.Time, limit int) ([]TaxDocument, error)
}

package sqlite

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/dtedb"
)

// dteTx is the billing.DTETx of one transaction.
type dteTx struct{ *base }

var _ billing.DTETx = dteTx{}

// PutDTESettings creates or replaces s's row.
func (t dteTx) PutDTESettings(ctx context.Context, s billing.DTESettings) error {
	err := t.dte.PutDTESettings(ctx, dtedb.PutDTESettingsParams{MerchantID: s.Scope.MerchantID, Mode: string(s.Scope.Mode),
		Enabled: s.Enabled, Provider: s.Provider, Sealed: s.Sealed, ActivityCode: s.ActivityCode, IssueOn: s.IssueOn,
		Created: micros(s.Created), Updated: micros(s.Updated)})
	if err != nil {
		return dbError(err, "put dte settings of %s", s.Scope.MerchantID)
	}
	return nil
}

// GetDTESettings returns scope s's settings.
func (t dteTx) GetDTESettings(ctx context.Context, s billing.Scope) (billing.DTESettings, error) {
	r, err := t.dte.GetDTESettings(ctx, dtedb.GetDTESettingsParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return billing.DTESettings{}, dbError(err, "get dte settings of %s", s.MerchantID)
	}
	return billing.DTESettings{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Enabled: r.Enabled,
		Provider: r.Provider, Sealed: r.Sealed, ActivityCode: r.ActivityCode, IssueOn: r.IssueOn,
		Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}, nil
}

// CreateTaxDocument inserts d unless its key exists.
func (t dteTx) CreateTaxDocument(ctx context.Context, d billing.TaxDocument) (bool, error) {
	n, err := t.dte.CreateTaxDocument(ctx, dtedb.CreateTaxDocumentParams{ID: d.ID, MerchantID: d.Scope.MerchantID,
		Mode: string(d.Scope.Mode), InvoiceID: d.InvoiceID, CreditNoteID: d.CreditNoteID, Type: int64(d.Type),
		Attempt: int64(d.Attempt), Key: d.Key, Provider: d.Provider, Status: string(d.Status), Folio: d.Folio,
		ProviderID: d.ProviderID, TrackID: d.TrackID, SiiStatus: d.SIIStatus, Reason: d.Reason, Tries: int64(d.Tries),
		NextTry: nullMicros(d.NextTry), FirstSent: nullMicros(d.FirstSent), Created: micros(d.Created), Updated: micros(d.Updated)})
	if err != nil {
		return false, dbError(err, "create tax document %s", d.ID)
	}
	return n == 1, nil
}

// GetTaxDocument returns the emission with id.
func (t dteTx) GetTaxDocument(ctx context.Context, s billing.Scope, id string) (billing.TaxDocument, error) {
	r, err := t.dte.GetTaxDocument(ctx, dtedb.GetTaxDocumentParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.TaxDocument{}, dbError(err, "get tax document %s", id)
	}
	return taxDocumentFromRow(r), nil
}

// GetTaxDocumentByKey returns the emission with key.
func (t dteTx) GetTaxDocumentByKey(ctx context.Context, s billing.Scope, key string) (billing.TaxDocument, error) {
	r, err := t.dte.GetTaxDocumentByKey(ctx, dtedb.GetTaxDocumentByKeyParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Key: key})
	if err != nil {
		return billing.TaxDocument{}, dbError(err, "get tax document by key %s", key)
	}
	return taxDocumentFromRow(r), nil
}

// ListInvoiceTaxDocuments returns an invoice's emissions, oldest first.
func (t dteTx) ListInvoiceTaxDocuments(ctx context.Context, s billing.Scope, invoiceID string) ([]billing.TaxDocument, error) {
	rows, err := t.dte.ListInvoiceTaxDocuments(ctx, dtedb.ListInvoiceTaxDocumentsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), InvoiceID: invoiceID})
	if err != nil {
		return nil, dbError(err, "list tax documents of %s", invoiceID)
	}
	out := make([]billing.TaxDocument, 0, len(rows))
	for _, r := range rows {
		out = append(out, taxDocumentFromRow(r))
	}
	return out, nil
}

// ListInvoicesTaxDocuments returns the emissions of invoiceIDs, each
// invoice's oldest first.
func (t dteTx) ListInvoicesTaxDocuments(ctx context.Context, s billing.Scope, invoiceIDs []string) ([]billing.TaxDocument, error) {
	if len(invoiceIDs) == 0 {
		return nil, nil
	}
	rows, err := t.dte.ListInvoicesTaxDocuments(ctx, dtedb.ListInvoicesTaxDocumentsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), InvoiceIds: invoiceIDs})
	if err != nil {
		return nil, dbError(err, "list tax documents of invoices")
	}
	out := make([]billing.TaxDocument, 0, len(rows))
	for _, r := range rows {
		out = append(out, taxDocumentFromRow(r))
	}
	return out, nil
}

// UpdateTaxDocument writes d's outcome if the row is unchanged since
// prevUpdated.
func (t dteTx) UpdateTaxDocument(ctx context.Context, d billing.TaxDocument, prevUpdated time.Time) (bool, error) {
	n, err := t.dte.UpdateTaxDocument(ctx, dtedb.UpdateTaxDocumentParams{Status: string(d.Status), Folio: d.Folio,
		ProviderID: d.ProviderID, TrackID: d.TrackID, SiiStatus: d.SIIStatus, Reason: d.Reason, Tries: int64(d.Tries),
		NextTry: nullMicros(d.NextTry), FirstSent: nullMicros(d.FirstSent), Updated: micros(d.Updated),
		MerchantID: d.Scope.MerchantID, Mode: string(d.Scope.Mode), ID: d.ID, PrevUpdated: micros(prevUpdated)})
	if err != nil {
		return false, dbError(err, "update tax document %s", d.ID)
	}
	return n == 1, nil
}

// ListDueTaxDocuments returns open emissions due by due, across merchants.
func (t dteTx) ListDueTaxDocuments(ctx context.Context, due time.Time, limit int) ([]billing.TaxDocument, error) {
	rows, err := t.dte.ListDueTaxDocuments(ctx, dtedb.ListDueTaxDocumentsParams{Due: nullMicros(&due), RowLimit: rowLimit(limit)})
	if err != nil {
		return nil, dbError(err, "list due tax documents")
	}
	out := make([]billing.TaxDocument, 0, len(rows))
	for _, r := range rows {
		out = append(out, taxDocumentFromRow(r))
	}
	return out, nil
}

func taxDocumentFromRow(r dtedb.TaxDocument) billing.TaxDocument {
	return billing.TaxDocument{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		InvoiceID: r.InvoiceID, CreditNoteID: r.CreditNoteID, Type: billing.DTEType(r.Type), Attempt: int(r.Attempt), Key: r.Key,
		Provider: r.Provider, Status: billing.DTEStatus(r.Status), Folio: r.Folio, ProviderID: r.ProviderID, TrackID: r.TrackID,
		SIIStatus: r.SiiStatus, Reason: r.Reason, Tries: int(r.Tries), NextTry: fromNullMicros(r.NextTry),
		FirstSent: fromNullMicros(r.FirstSent), Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}
}

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// TaxDocumentFile fetches the PDF or XML of an invoice's tax document
// from its provider (resource_missing when the invoice has none issued).
func (a *Invoicing) TaxDocumentFile(ctx context.Context, s billing.Scope, invoiceID string, format DTEFormat) ([]byte, error) {
	return a.taxDocumentFile(ctx, s, invoiceID, format, func(tx billing.Tx) (*billing.TaxDocument, error) {
		inv, err := tx.Invoices.GetInvoice(ctx, s, invoiceID)
		if err != nil {
			return nil, notFound(err, "invoice", invoiceID)
		}
		one := []billing.Invoice{inv}
		if err := withTaxDocuments(ctx, tx, s, one); err != nil {
			return nil, err
		}
		return one[0].TaxDocument, nil
	})
}

// CreditNoteTaxDocumentFile fetches the PDF or XML of a credit note's nota
// de crédito from its provider (resource_missing when none was issued).
func (a *Invoicing) CreditNoteTaxDocumentFile(ctx context.Context, s billing.Scope, noteID string, format DTEFormat) ([]byte, error) {
	return a.taxDocumentFile(ctx, s, noteID, format, func(tx billing.Tx) (*billing.TaxDocument, error) {
		note, err := tx.Credits.GetCreditNote(ctx, s, noteID)
		if err != nil {
			return nil, notFound(err, "credit_note", noteID)
		}
		one := []billing.CreditNote{note}
		if err := withCreditNoteDocuments(ctx, tx, s, one); err != nil {
			return nil, err
		}
		return one[0].TaxDocument, nil
	})
}

// taxDocumentFile fetches the file of the document find reads (for the
// object id) from the provider, once the provider has issued it.
func (a *Invoicing) taxDocumentFile(ctx context.Context, s billing.Scope, id string, format DTEFormat,
	find func(tx billing.Tx) (*billing.TaxDocument, error)) ([]byte, error) {
	type found struct {
		doc   billing.TaxDocument
		creds DTECredentials
	}
	f, err := read(ctx, a.core, func(tx billing.Tx) (found, error) {
		d, err := find(tx)
		if err != nil {
			return found{}, err
		}
		if d == nil || d.ProviderID == "" {
			return found{}, billing.NotFound("tax_document", id)
		}
		settings, err := tx.DTE.GetDTESettings(ctx, s)
		if err != nil {
			return found{}, fmt.Errorf("read dte settings: %w", err)
		}
		creds, err := a.openDTECredentials(settings)
		if err != nil {
			return found{}, err
		}
		return found{doc: *d, creds: DTECredentials{APIKey: creds.APIKey, BaseURL: creds.BaseURL, Mode: s.Mode}}, nil
	})
	if err != nil {
		return nil, err
	}
	if a.ports.DTE == nil {
		return nil, billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable, "no DTE provider is configured")
	}
	b, err := a.ports.DTE.File(ctx, f.creds, f.doc.ProviderID, format)
	if err != nil {
		a.logger.Warn("tax document file unavailable", "object", id, "error", err)
		return nil, billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable, "the tax document provider did not answer; try again")
	}
	return b, nil
}

// withCreditNoteDocuments fills each credit note's TaxDocument: the
// latest nota de crédito recorded for it, if any.
func withCreditNoteDocuments(ctx context.Context, tx billing.Tx, s billing.Scope, notes []billing.CreditNote) error {
	byInvoice := map[string][]billing.TaxDocument{}
	for i := range notes {
		docs, ok := byInvoice[notes[i].InvoiceID]
		if !ok {
			var err error
			if docs, err = tx.DTE.ListInvoiceTaxDocuments(ctx, s, notes[i].InvoiceID); err != nil {
				return fmt.Errorf("read tax documents of %s: %w", notes[i].InvoiceID, err)
			}
			byInvoice[notes[i].InvoiceID] = docs
		}
		for j := len(docs) - 1; j >= 0; j-- {
			if docs[j].CreditNoteID == notes[i].ID {
				d := docs[j]
				notes[i].TaxDocument = &d
				break
			}
		}
	}
	return nil
}

// queueVoidDocument records, on invoice.voided, the nota de crédito that
// voids the invoice's tax document — one issued before payment (issue_on
// finalized) of an invoice that will now never be paid — and enqueues
// its job, in the dispatcher's transaction. An invoice without a
// standing document (none, or a rejected one) gets none.
func (a *core) queueVoidDocument(ctx context.Context, tx billing.Tx, inv billing.Invoice) error {
	if inv.Status != billing.InvoiceVoid {
		return nil
	}
	settings, err := tx.DTE.GetDTESettings(ctx, inv.Scope)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && !settings.Enabled) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read dte settings: %w", err)
	}
	one := []billing.Invoice{inv}
	if err := withTaxDocuments(ctx, tx, inv.Scope, one); err != nil {
		return err
	}
	if orig := one[0].TaxDocument; orig == nil || orig.Status == billing.DTERejected {
		return nil
	}
	return a.createEmission(ctx, tx, settings, inv, "", billing.DTENotaDeCredito, 1)
}

// voidingNote is the credit note a voided invoice's nota de crédito is
// laid out from: the invoice's whole total and tax, so that it voids the
// original (billing.CreditNoteReferenceCode).
func voidingNote(inv billing.Invoice) billing.CreditNote {
	return billing.CreditNote{Scope: inv.Scope, InvoiceID: inv.ID, CustomerID: inv.CustomerID, Number: inv.Number,
		Currency: inv.Currency, Total: inv.Total, Tax: inv.Tax, Created: derefTime(inv.VoidedAt, inv.Created)}
}

// derefTime is *t, or def when t is nil.
func derefTime(t *time.Time, def time.Time) time.Time {
	if t == nil {
		return def
	}
	return *t
}

package app

import (
	"context"
	"fmt"

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

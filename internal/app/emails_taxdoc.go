package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// receiptDocument is the tax document a payment receipt carries: the
// emission and its PDF (nil when the email is only recorded).
type receiptDocument struct {
	doc *billing.TaxDocument
	pdf []byte
}

// receiptTaxDocument decides, for a pending payment receipt, what it does
// about its invoice's tax document (billing.ReceiptTaxDocument): wait for
// it, or go with it — fetched from the provider when the email is to be
// sent (withPDF) — or without it. Any other email carries none.
func (a *Notifications) receiptTaxDocument(ctx context.Context, s billing.Scope, emailID string, withPDF bool) (receiptDocument, bool, error) {
	type found struct {
		doc   *billing.TaxDocument
		wait  bool
		creds DTECredentials
	}
	f, err := read(ctx, a.core, func(tx billing.Tx) (found, error) {
		e, err := tx.Notify.GetEmail(ctx, s, emailID)
		if err != nil || e.Status != billing.EmailPending || e.Template != billing.EmailPaymentReceipt || e.ObjectType != "invoice" {
			return found{}, ignoreNotFound(err, "read email")
		}
		inv, err := tx.Invoices.GetInvoice(ctx, s, e.ObjectID)
		if err != nil {
			return found{}, ignoreNotFound(err, "read invoice")
		}
		one := []billing.Invoice{inv}
		if err := withTaxDocuments(ctx, tx, s, one); err != nil {
			return found{}, err
		}
		attach, wait := billing.ReceiptTaxDocument(one[0].TaxDocument, e.Created, a.Now())
		if !attach {
			return found{wait: wait}, nil
		}
		out := found{doc: one[0].TaxDocument}
		if !withPDF {
			return out, nil
		}
		settings, err := tx.DTE.GetDTESettings(ctx, s)
		if err != nil {
			return found{}, fmt.Errorf("read dte settings: %w", err)
		}
		creds, err := a.openDTECredentials(settings)
		if err != nil {
			return found{}, err
		}
		out.creds = DTECredentials{APIKey: creds.APIKey, BaseURL: creds.BaseURL, Mode: s.Mode}
		return out, nil
	})
	if err != nil || f.doc == nil || !withPDF {
		return receiptDocument{doc: f.doc}, f.wait, err
	}
	if a.ports.DTE == nil {
		return receiptDocument{}, false, nil
	}
	pdf, err := a.ports.DTE.File(ctx, f.creds, f.doc.ProviderID, DTEFormatPDF)
	if err != nil {
		// The provider issued it but does not hand the file over now:
		// the receipt goes without it (the customer's page has it).
		a.logger.WarnContext(ctx, "tax document PDF unavailable for the receipt", "email", emailID, "error", err)
		return receiptDocument{}, false, nil
	}
	return receiptDocument{doc: f.doc, pdf: pdf}, false, nil
}

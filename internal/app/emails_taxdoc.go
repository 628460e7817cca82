package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// receiptDocument is what an email that carries a tax document does about
// it — a payment receipt its invoice's boleta or factura, a credit note's
// email its nota de crédito (61): wait for it, or carry doc (nil: none) —
// with its PDF, which fetch says is still to be read from the provider
// with creds.
type receiptDocument struct {
	doc   *billing.TaxDocument
	pdf   []byte
	wait  bool
	fetch bool
	creds DTECredentials
}

// emailTaxDocument returns the tax document pending email e carries, if
// any: a payment receipt's invoice's document, a credit note email's nota
// de crédito. carries is false for every other email.
func emailTaxDocument(ctx context.Context, tx billing.Tx, e billing.Email) (doc *billing.TaxDocument, carries bool, err error) {
	switch {
	case e.Template == billing.EmailPaymentReceipt && e.ObjectType == "invoice":
		inv, err := tx.Invoices.GetInvoice(ctx, e.Scope, e.ObjectID)
		if err != nil {
			return nil, false, ignoreNotFound(err, "read invoice")
		}
		one := []billing.Invoice{inv}
		if err := withTaxDocuments(ctx, tx, e.Scope, one); err != nil {
			return nil, false, err
		}
		return one[0].TaxDocument, true, nil
	case e.Template == billing.EmailCreditNote && e.ObjectType == "credit_note":
		note, err := tx.Credits.GetCreditNote(ctx, e.Scope, e.ObjectID)
		if err != nil {
			return nil, false, ignoreNotFound(err, "read credit note")
		}
		one := []billing.CreditNote{note}
		if err := withCreditNoteDocuments(ctx, tx, e.Scope, one); err != nil {
			return nil, false, err
		}
		return one[0].TaxDocument, true, nil
	}
	return nil, false, nil
}

// receiptTaxDocument decides, in the send's transaction, what pending
// email e does about the tax document it carries (emailTaxDocument), by
// the receipt's one rule (billing.ReceiptTaxDocument: wait up to 10
// minutes for the emission, then go without it). Its PDF is fetched
// (fetchReceiptDocument) only when the email is to be sent (withPDF).
func (a *Notifications) receiptTaxDocument(ctx context.Context, tx billing.Tx, e billing.Email, withPDF bool) (receiptDocument, error) {
	doc, carries, err := emailTaxDocument(ctx, tx, e)
	if err != nil || !carries {
		return receiptDocument{}, err
	}
	attach, wait := billing.ReceiptTaxDocument(doc, e.Created, a.Now())
	if !attach {
		return receiptDocument{wait: wait}, nil
	}
	out := receiptDocument{doc: doc}
	if !withPDF || a.ports.DTE == nil {
		return out, nil
	}
	settings, err := tx.DTE.GetDTESettings(ctx, e.Scope)
	if err != nil {
		return receiptDocument{}, fmt.Errorf("read dte settings: %w", err)
	}
	creds, err := a.openDTECredentials(settings)
	if err != nil {
		return receiptDocument{}, err
	}
	out.fetch, out.creds = true, DTECredentials{APIKey: creds.APIKey, BaseURL: creds.BaseURL, Mode: e.Scope.Mode}
	return out, nil
}

// fetchReceiptDocument reads the PDF of d's document from the provider.
// A provider that does not hand it over now leaves the email without the
// document (the customer's page and the API offer it).
func (a *Notifications) fetchReceiptDocument(ctx context.Context, e billing.Email, d receiptDocument) receiptDocument {
	pdf, err := a.ports.DTE.File(ctx, d.creds, d.doc.ProviderID, DTEFormatPDF)
	if err != nil {
		a.logger.WarnContext(ctx, "tax document PDF unavailable for the email", "email", e.ID, "error", err)
		return receiptDocument{}
	}
	return receiptDocument{doc: d.doc, pdf: pdf}
}

package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// receiptDocument is what a payment receipt does about its invoice's tax
// document: wait for it, or carry doc (nil: none) — with its PDF, which
// fetch says is still to be read from the provider with creds.
type receiptDocument struct {
	doc   *billing.TaxDocument
	pdf   []byte
	wait  bool
	fetch bool
	creds DTECredentials
}

// receiptTaxDocument decides, in the send's transaction, what pending
// email e does about its invoice's tax document
// (billing.ReceiptTaxDocument). Only a payment receipt carries one; its
// PDF is fetched (fetchReceiptDocument) only when the email is to be sent
// (withPDF).
func (a *Notifications) receiptTaxDocument(ctx context.Context, tx billing.Tx, e billing.Email, withPDF bool) (receiptDocument, error) {
	if e.Template != billing.EmailPaymentReceipt || e.ObjectType != "invoice" {
		return receiptDocument{}, nil
	}
	inv, err := tx.Invoices.GetInvoice(ctx, e.Scope, e.ObjectID)
	if err != nil {
		return receiptDocument{}, ignoreNotFound(err, "read invoice")
	}
	one := []billing.Invoice{inv}
	if err := withTaxDocuments(ctx, tx, e.Scope, one); err != nil {
		return receiptDocument{}, err
	}
	attach, wait := billing.ReceiptTaxDocument(one[0].TaxDocument, e.Created, a.Now())
	if !attach {
		return receiptDocument{wait: wait}, nil
	}
	out := receiptDocument{doc: one[0].TaxDocument}
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
// A provider that does not hand it over now leaves the receipt without
// the document (the customer's page offers it).
func (a *Notifications) fetchReceiptDocument(ctx context.Context, e billing.Email, d receiptDocument) receiptDocument {
	pdf, err := a.ports.DTE.File(ctx, d.creds, d.doc.ProviderID, DTEFormatPDF)
	if err != nil {
		a.logger.WarnContext(ctx, "tax document PDF unavailable for the receipt", "email", e.ID, "error", err)
		return receiptDocument{}
	}
	return receiptDocument{doc: d.doc, pdf: pdf}
}

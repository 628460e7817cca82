package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// InvoicePagePDF renders the PDF of the invoice an invoice link names: the
// invoice page's own link with "/pdf" added, opened by the same token, so
// whoever can see the page can download its document and nobody else can.
// Unknown invoices, drafts and wrong tokens are not found, as for the page.
func (a *PayPages) InvoicePagePDF(ctx context.Context, ref HostedRef) ([]byte, string, error) {
	var m billing.Merchant
	var c billing.Customer
	var inv billing.Invoice
	var logo []byte
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if m, inv, err = a.loadHostedInvoice(ctx, tx, ref); err != nil {
			return err
		}
		if c, err = tx.Customers.GetCustomer(ctx, ref.Scope, inv.CustomerID); err != nil {
			return fmt.Errorf("read customer %s: %w", inv.CustomerID, err)
		}
		logo, err = pngLogo(ctx, tx, m)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	pdf, err := a.invoicing.renderInvoicePDF(m, c, inv, logo)
	return pdf, InvoiceFilename(m, c, inv), err
}

// InvoicePageTaxDocument returns the PDF of the Chilean tax document of
// the invoice a page link names, fetched from the provider, with its file
// name. The link is checked as the page's own (not found otherwise); an
// invoice without an issued document is not found either.
func (a *PayPages) InvoicePageTaxDocument(ctx context.Context, ref HostedRef) ([]byte, string, error) {
	inv, err := read(ctx, a.core, func(tx billing.Tx) (billing.Invoice, error) {
		_, inv, err := a.loadHostedInvoice(ctx, tx, ref)
		if err != nil {
			return inv, err
		}
		one := []billing.Invoice{inv}
		err = withTaxDocuments(ctx, tx, ref.Scope, one)
		return one[0], err
	})
	if err != nil {
		return nil, "", err
	}
	td := inv.TaxDocument
	if td == nil || td.Folio <= 0 || (td.Status != billing.DTEIssued && td.Status != billing.DTEAccepted) {
		return nil, "", billing.NotFound("tax_document", ref.ID)
	}
	// The document was read above: the file is fetched for it as it is.
	pdf, err := a.invoicing.taxDocumentFile(ctx, ref.Scope, inv.ID, DTEFormatPDF,
		func(billing.Tx) (*billing.TaxDocument, error) { return td, nil })
	return pdf, billing.TaxDocumentFilename(*td), err
}

// invoicePDFURL is the customer's link to an invoice's PDF: its page's
// link with "/pdf" before the token.
func (a *PayPages) invoicePDFURL(m billing.Merchant, s billing.Scope, id string) (string, error) {
	tok, err := linkToken(m, s, "invoice", id)
	if err != nil {
		return "", err
	}
	return a.PublicURL() + hostedPath("invoice", s, id) + "/pdf?t=" + tok, nil
}

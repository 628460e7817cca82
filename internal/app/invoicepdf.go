package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// InvoicePDF renders an invoice of scope s as a PDF (a draft gets a DRAFT
// stamp) and returns it with the invoice and its file name
// (billing.DocumentFilename).
func (a *Invoicing) InvoicePDF(ctx context.Context, s billing.Scope, id string) ([]byte, billing.Invoice, string, error) {
	var m billing.Merchant
	var c billing.Customer
	var inv billing.Invoice
	var logo []byte
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if inv, err = tx.Invoices.GetInvoice(ctx, s, id); err != nil {
			return notFound(err, "invoice", id)
		}
		if m, err = tx.Merchants.GetMerchant(ctx, s.MerchantID); err != nil {
			return fmt.Errorf("read merchant: %w", err)
		}
		if c, err = tx.Customers.GetCustomer(ctx, s, inv.CustomerID); err != nil {
			return fmt.Errorf("read customer %s: %w", inv.CustomerID, err)
		}
		logo, err = pngLogo(ctx, tx, m)
		return err
	})
	if err != nil {
		return nil, billing.Invoice{}, "", err
	}
	pdf, err := a.renderInvoicePDF(m, c, inv, logo)
	return pdf, inv, InvoiceFilename(m, c, inv), err
}

// documentLocale is the language of the documents and emails c receives:
// c's, else the merchant's (billing.PickLocale).
func documentLocale(m billing.Merchant, c billing.Customer) string {
	return billing.PickLocale(c.Locale, m.Locale)
}

// InvoiceFilename is the file name of an invoice's PDF, in the language
// of the customer's documents.
func InvoiceFilename(m billing.Merchant, c billing.Customer, inv billing.Invoice) string {
	return billing.DocumentFilename(billing.InvoiceDocument(inv.Status), documentLocale(m, c), inv.Number, inv.Scope.Mode)
}

// CreditNoteFilename is the file name of a credit note's PDF, in the
// language of the customer's documents ("credito-AGEN-CN-000001.pdf").
func CreditNoteFilename(m billing.Merchant, c billing.Customer, note billing.CreditNote) string {
	return billing.DocumentFilename(billing.DocumentCreditNote, documentLocale(m, c), note.Number, note.Scope.Mode)
}

// pngLogo reads the merchant's logo when it is a PNG, the one kind a PDF
// embeds; nil otherwise. A logo gone missing is left out.
func pngLogo(ctx context.Context, tx billing.Tx, m billing.Merchant) ([]byte, error) {
	ref := m.Profile.Logo
	if ref == nil || ref.ContentType != billing.LogoPNG {
		return nil, nil
	}
	l, err := tx.Merchants.GetLogo(ctx, ref.SHA256)
	if errors.Is(err, billing.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read logo: %w", err)
	}
	return l.Data, nil
}

// renderInvoicePDF is the one place an invoice becomes a PDF (the API and
// the emails' attachments).
func (a *Invoicing) renderInvoicePDF(m billing.Merchant, c billing.Customer, inv billing.Invoice, logo []byte) ([]byte, error) {
	h := documentHeader(m, c, billing.InvoiceDocument(inv.Status), inv.Scope.Mode, logo)
	pdf, err := a.ports.InvoicePDF.RenderInvoicePDF(InvoiceDocument{DocumentHeader: h, Invoice: inv})
	if err != nil {
		return nil, fmt.Errorf("render invoice %s as PDF: %w", inv.ID, err)
	}
	return pdf, nil
}

// documentHeader is who a document of kind is from and to: the merchant's
// support address (else its notification address), the customer's
// language, the document's name in it, the test mark and the PNG logo.
func documentHeader(m billing.Merchant, c billing.Customer, kind billing.DocumentKind, mode billing.Mode, logo []byte) DocumentHeader {
	locale := documentLocale(m, c)
	email := m.Profile.SupportEmail
	if email == "" {
		email = m.Settings.Notifications.Email
	}
	return DocumentHeader{Merchant: m, Customer: c, MerchantEmail: email, Locale: locale, Name: kind.Name(locale),
		Test: mode == billing.ModeTest, Logo: logo}
}

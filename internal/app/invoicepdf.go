package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// InvoicePDF renders an invoice of scope s as a PDF (a draft gets a DRAFT
// stamp) and returns it with the invoice.
func (a *Invoicing) InvoicePDF(ctx context.Context, s billing.Scope, id string) ([]byte, billing.Invoice, error) {
	var m billing.Merchant
	var c billing.Customer
	var inv billing.Invoice
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
		return nil
	})
	if err != nil {
		return nil, billing.Invoice{}, err
	}
	pdf, err := a.renderInvoicePDF(m, c, inv)
	return pdf, inv, err
}

// renderInvoicePDF is the one place an invoice becomes a PDF (the API and
// the emails' attachments).
func (a *Invoicing) renderInvoicePDF(m billing.Merchant, c billing.Customer, inv billing.Invoice) ([]byte, error) {
	pdf, err := a.ports.InvoicePDF.RenderInvoicePDF(InvoiceDocument{Merchant: m, Customer: c, Invoice: inv,
		MerchantEmail: m.Settings.Notifications.Email})
	if err != nil {
		return nil, fmt.Errorf("render invoice %s as PDF: %w", inv.ID, err)
	}
	return pdf, nil
}

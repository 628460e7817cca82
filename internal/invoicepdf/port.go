package invoicepdf

import (
	"errors"

	"github.com/cuota/cuota/internal/app"
)

// Renderer implements app's InvoicePDFRenderer port with Render.
type Renderer struct{}

var (
	_ app.InvoicePDFRenderer    = Renderer{}
	_ app.CreditNotePDFRenderer = Renderer{}
)

// RenderInvoicePDF renders d; an error wrapping ErrInvalidInput matches
// app.ErrInvalidInput as well.
func (Renderer) RenderInvoicePDF(d app.InvoiceDocument) ([]byte, error) {
	pdf, err := Render(Input{Merchant: d.Merchant, Customer: d.Customer, Invoice: d.Invoice, MerchantEmail: d.MerchantEmail})
	if errors.Is(err, ErrInvalidInput) {
		return nil, app.InvalidInput(err)
	}
	return pdf, err
}

// RenderCreditNotePDF renders d with RenderCreditNote.
func (Renderer) RenderCreditNotePDF(d app.CreditNoteDocument) ([]byte, error) {
	pdf, err := RenderCreditNote(CreditNoteInput{Merchant: d.Merchant, Customer: d.Customer, Invoice: d.Invoice,
		CreditNote: d.CreditNote, MerchantEmail: d.MerchantEmail})
	if errors.Is(err, ErrInvalidInput) {
		return nil, app.InvalidInput(err)
	}
	return pdf, err
}

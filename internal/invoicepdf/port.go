package invoicepdf

import (
	"errors"

	"github.com/cuota/cuota/internal/app"
)

// Renderer implements app's InvoicePDFRenderer port with Render.
type Renderer struct{}

var _ app.InvoicePDFRenderer = Renderer{}

// RenderInvoicePDF renders d; an error wrapping ErrInvalidInput matches
// app.ErrInvalidInput as well.
func (Renderer) RenderInvoicePDF(d app.InvoiceDocument) ([]byte, error) {
	pdf, err := Render(Input{Merchant: d.Merchant, Customer: d.Customer, Invoice: d.Invoice, MerchantEmail: d.MerchantEmail})
	if errors.Is(err, ErrInvalidInput) {
		return nil, app.InvalidInput(err)
	}
	return pdf, err
}

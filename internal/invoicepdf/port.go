package invoicepdf

import (
	"errors"
	"strings"

	"github.com/cuota/cuota/internal/billing"

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
	pdf, err := Render(input(d))
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

// input lays an app.InvoiceDocument out as Render's Input: the merchant's
// profile above, the customer's tax profile in the bill-to block.
func input(d app.InvoiceDocument) Input {
	m, c := d.Merchant, d.Customer
	p := m.Profile
	in := Input{Merchant: m, Customer: c, Invoice: d.Invoice, MerchantEmail: d.MerchantEmail,
		MerchantAddress: strings.Join(p.Address.Lines(d.Locale), "\n"), Title: d.Name.Title, Logo: d.Logo}
	if d.Test {
		in.TestMark = d.Name.TestMark
	}
	if p.TaxID != "" {
		in.MerchantTaxID = billing.FormatRUT(p.TaxID)
		in.MerchantTaxIDLabel = "RUT"
	}
	if p.LegalName != "" && p.LegalName != m.Name {
		in.MerchantDetails = append(in.MerchantDetails, p.LegalName)
	}
	if p.Activity != "" {
		in.MerchantDetails = append(in.MerchantDetails, p.Activity)
	}
	if p.SupportPhone != "" {
		in.MerchantDetails = append(in.MerchantDetails, p.SupportPhone)
	}
	if c.TaxProfile.LegalName != "" {
		in.Customer.Name = c.TaxProfile.LegalName
	}
	for _, id := range c.TaxProfile.TaxIDs {
		in.CustomerDetails = append(in.CustomerDetails, billing.TaxIDLabel(id.Type)+" "+billing.FormatTaxID(id))
	}
	in.CustomerDetails = append(in.CustomerDetails, c.TaxProfile.Address.Lines(d.Locale)...)
	return in
}

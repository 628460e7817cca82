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
	p, c := parties(d.DocumentHeader)
	pdf, err := RenderCreditNote(CreditNoteInput{Merchant: d.Merchant, Customer: c, Invoice: d.Invoice,
		CreditNote: d.CreditNote, Parties: p})
	if errors.Is(err, ErrInvalidInput) {
		return nil, app.InvalidInput(err)
	}
	return pdf, err
}

// input lays an app.InvoiceDocument out as Render's Input.
func input(d app.InvoiceDocument) Input {
	p, c := parties(d.DocumentHeader)
	return Input{Merchant: d.Merchant, Customer: c, Invoice: d.Invoice, Parties: p, Title: d.Name.Title}
}

// parties lays a document's header out: the merchant's profile above, the
// customer's tax profile in the bill-to block (its legal name replacing
// its name), the logo and, in test mode, the test mark.
func parties(h app.DocumentHeader) (Parties, billing.Customer) {
	m, c := h.Merchant, h.Customer
	prof := m.Profile
	p := Parties{MerchantEmail: h.MerchantEmail, MerchantAddress: strings.Join(prof.Address.Lines(h.Locale), "\n"), Logo: h.Logo}
	if h.Test {
		p.TestMark = h.Name.TestMark
	}
	if prof.TaxID != "" {
		p.MerchantTaxID = billing.FormatRUT(prof.TaxID)
		p.MerchantTaxIDLabel = "RUT"
	}
	if prof.LegalName != "" && prof.LegalName != m.Name {
		p.MerchantDetails = append(p.MerchantDetails, prof.LegalName)
	}
	if prof.Activity != "" {
		p.MerchantDetails = append(p.MerchantDetails, prof.Activity)
	}
	if prof.SupportPhone != "" {
		p.MerchantDetails = append(p.MerchantDetails, prof.SupportPhone)
	}
	if c.TaxProfile.LegalName != "" {
		c.Name = c.TaxProfile.LegalName
	}
	for _, id := range c.TaxProfile.TaxIDs {
		p.CustomerDetails = append(p.CustomerDetails, billing.TaxIDLabel(id.Type)+" "+billing.FormatTaxID(id))
	}
	p.CustomerDetails = append(p.CustomerDetails, c.TaxProfile.Address.Lines(h.Locale)...)
	return p, c
}

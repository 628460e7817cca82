package invoicepdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// profileDocument is clpInput's invoice as app hands it over: a merchant
// with its profile and PNG logo, a customer with a tax profile, paid, in
// test mode.
func profileDocument(t *testing.T) app.InvoiceDocument {
	in := clpInput(t)
	m, c := in.Merchant, in.Customer
	m.Profile = billing.MerchantProfile{LegalName: "Agente Propiedades Limitada", TaxID: "76086428-5", Activity: "Servicios de software",
		Address:      billing.Address{Line1: "Av. Providencia 1234", District: "Providencia", City: "Santiago", Country: "CL"},
		SupportEmail: "soporte@agente.cl", SupportPhone: "+56 2 2345 6789"}
	c.TaxProfile = billing.CustomerTaxProfile{LegalName: "Inmobiliaria Los Aromos SpA",
		Address: billing.Address{Line1: "Los Aromos 55", District: "Ñuñoa", City: "Santiago", Country: "CL"},
		TaxIDs:  []billing.TaxID{{Type: billing.TaxIDChileRUT, Value: "10000013-K"}}}
	inv := in.Invoice
	inv.Scope.Mode = billing.ModeTest
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{R: 11, G: 95, B: 255, A: 255})
		}
	}
	var logo bytes.Buffer
	require.NoError(t, png.Encode(&logo, img))
	locale := billing.PickLocale(c.Locale, m.Locale)
	return app.InvoiceDocument{Invoice: inv, DocumentHeader: app.DocumentHeader{Merchant: m, Customer: c,
		MerchantEmail: m.Profile.SupportEmail, Locale: locale, Name: billing.InvoiceDocument(inv.Status).Name(locale), Test: true,
		Logo: logo.Bytes()}}
}

// TestMerchantAndCustomerProfiles reads the document app hands over: the
// merchant's legal details and logo, the customer's tax details, the
// honest name and the test mark.
func TestMerchantAndCustomerProfiles(t *testing.T) {
	d := profileDocument(t)
	pdf, err := Renderer{}.RenderInvoicePDF(d)
	require.NoError(t, err)
	if dir := os.Getenv("INVOICEPDF_KEEP"); dir != "" {
		require.NoError(t, os.WriteFile(dir+"/profile.pdf", pdf, 0o644))
	}
	text := pdftotext(t, pdf)
	for _, want := range []string{
		"Agente Propiedades SpA", "Agente Propiedades Limitada", "Servicios de software", "RUT: 76.086.428-5",
		"Av. Providencia 1234", "Providencia, Santiago", "soporte@agente.cl", "+56 2 2345 6789",
		"COMPROBANTE DE PAGO", "PRUEBA", "PAGADO",
		"CLIENTE", "Inmobiliaria Los Aromos SpA", "RUT 10.000.013-K", "Los Aromos 55", "Ñuñoa, Santiago",
	} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, "Factura")
	require.NotContains(t, text, "FACTURA")
	require.Contains(t, string(pdf), "/Subtype /Image", "the PNG logo is embedded")

	// Live mode: no mark; unpaid: a request for payment.
	d.Test = false
	d.Invoice.Status, d.Invoice.PaidAt, d.Invoice.AmountPaid = billing.InvoiceOpen, nil, 0
	d.Name = billing.InvoiceDocument(d.Invoice.Status).Name(d.Locale)
	pdf, err = Renderer{}.RenderInvoicePDF(d)
	require.NoError(t, err)
	text = pdftotext(t, pdf)
	require.Contains(t, text, "DOCUMENTO DE COBRO")
	require.NotContains(t, text, "PRUEBA")

	// A logo that is not a PNG fpdf can read is left out, not fatal.
	d.Logo = []byte("not a png")
	_, err = Renderer{}.RenderInvoicePDF(d)
	require.NoError(t, err)
}

// TestCreditNoteProfiles: a credit note carries the same identity as the
// invoice it corrects — the merchant's legal details and logo, the
// customer's tax details and, in test mode, the test mark.
func TestCreditNoteProfiles(t *testing.T) {
	d := profileDocument(t)
	d.Name = billing.DocumentCreditNote.Name(d.Locale)
	note := creditInput(t).CreditNote
	note.Scope = d.Invoice.Scope
	pdf, err := Renderer{}.RenderCreditNotePDF(app.CreditNoteDocument{DocumentHeader: d.DocumentHeader, Invoice: d.Invoice, CreditNote: note})
	require.NoError(t, err)
	if dir := os.Getenv("INVOICEPDF_KEEP"); dir != "" {
		require.NoError(t, os.WriteFile(dir+"/credit-note.pdf", pdf, 0o644))
	}
	text := pdftotext(t, pdf)
	for _, want := range []string{
		"COMPROBANTE DE CRÉDITO", "PRUEBA", "Agente Propiedades Limitada", "Servicios de software", "RUT: 76.086.428-5",
		"Av. Providencia 1234", "soporte@agente.cl", "Inmobiliaria Los Aromos SpA", "RUT 10.000.013-K", "Los Aromos 55",
	} {
		require.Contains(t, text, want)
	}
	require.Contains(t, string(pdf), "/Subtype /Image", "the PNG logo is embedded")

	d.Test = false
	pdf, err = Renderer{}.RenderCreditNotePDF(app.CreditNoteDocument{DocumentHeader: d.DocumentHeader, Invoice: d.Invoice, CreditNote: note})
	require.NoError(t, err)
	require.NotContains(t, pdftotext(t, pdf), "PRUEBA", "a live credit note has no test mark")
}

package mail_test

import (
	"html"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
)

// TestCustomerEmailCarriesMerchantAndDocument renders a receipt the way
// app hands it over: the subject and attachment name the document as its
// page and PDF do, test mode is marked, and the merchant's identity is at
// the foot.
func TestCustomerEmailCarriesMerchantAndDocument(t *testing.T) {
	paid := time.Date(2026, time.December, 6, 15, 0, 0, 0, time.UTC)
	m := billing.Merchant{ID: "mch_1", Name: "Agente", Timezone: "America/Santiago", Locale: "es-CL",
		Profile: billing.MerchantProfile{LegalName: "Agente Inmobiliario SpA", TaxID: "76086428-5", Activity: "Servicios de software",
			Address:      billing.Address{Line1: "Av. Providencia 1234", District: "Providencia", City: "Santiago", Country: "CL"},
			SupportEmail: "soporte@agente.cl", SupportPhone: "+56 2 2345 6789"}}
	scope := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	c := billing.Customer{ID: "cus_1", Scope: scope, Email: "ana@example.cl", Name: "Ana"}
	inv := billing.Invoice{ID: "in_1", Scope: scope, Number: "PYA-000005", Status: billing.InvoicePaid, Currency: "CLP",
		Total: 5000, AmountDue: 5000, AmountPaid: 5000, PaidAt: &paid}
	in := app.EmailContent{Template: billing.EmailPaymentReceipt, Locale: "es-CL", Merchant: m, Customer: c, Invoice: inv,
		PDF: []byte("%PDF-1.4"), LogoURL: "https://pagos.example.cl/logos/ab.png"}

	msg, err := mail.Renderer{}.RenderEmail(in)
	require.NoError(t, err)
	require.Equal(t, "[PRUEBA] Comprobante de pago PYA-000005 · Recibimos tu pago de $5.000", msg.Subject)
	require.Len(t, msg.Attachments, 1)
	require.Equal(t, "comprobante-PYA-000005-prueba.pdf", msg.Attachments[0].Filename)
	for _, want := range []string{"PRUEBA", "Agente Inmobiliario SpA · RUT 76.086.428-5", "Giro: Servicios de software",
		"Av. Providencia 1234, Providencia, Santiago, Chile", "Soporte: soporte@agente.cl · +56 2 2345 6789"} {
		require.Contains(t, msg.Text, want)
		require.Contains(t, html.UnescapeString(msg.HTML), want)
	}
	require.Contains(t, msg.HTML, `src="https://pagos.example.cl/logos/ab.png"`)
	require.NotContains(t, msg.Text, "actura")

	// Live mode and English: no mark, the English names.
	live := billing.Scope{MerchantID: m.ID, Mode: billing.ModeLive}
	in.Customer.Scope, in.Invoice.Scope, in.Locale = live, live, "en"
	in.Customer.Locale = "en"
	msg, err = mail.Renderer{}.RenderEmail(in)
	require.NoError(t, err)
	require.Equal(t, "Payment receipt PYA-000005 · Receipt for your payment of CLP 5,000", msg.Subject)
	require.Equal(t, "receipt-PYA-000005.pdf", msg.Attachments[0].Filename)
	require.NotContains(t, msg.Text, "TEST")
	require.Contains(t, msg.Text, "Business activity: Servicios de software")
}

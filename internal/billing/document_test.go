package billing_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestPickLocale(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"en", "es-CL", "es-CL"}, "en"},      // ?lang= wins
		{[]string{"", "en-US", "es-CL"}, "en-US"},     // then the customer's
		{[]string{"", "", "en"}, "en"},                // then the merchant's
		{[]string{"fr", "de-DE", "es-CL"}, "es-CL"},   // only languages cuota writes count
		{[]string{"", "", ""}, billing.DefaultLocale}, // nothing: Spanish (Chile)
		{[]string{" es_419 ", "en"}, "es_419"},        // trimmed
		{nil, billing.DefaultLocale},
	} {
		require.Equal(t, tc.want, billing.PickLocale(tc.in...), "%q", tc.in)
	}
}

func TestDocumentNames(t *testing.T) {
	require.Equal(t, billing.DocumentReceipt, billing.InvoiceDocument(billing.InvoicePaid))
	for _, s := range []billing.InvoiceStatus{billing.InvoiceOpen, billing.InvoiceDraft, billing.InvoiceVoid, billing.InvoiceUncollectible} {
		require.Equal(t, billing.DocumentPaymentRequest, billing.InvoiceDocument(s), s)
	}
	require.Equal(t, "Comprobante de pago", billing.DocumentReceipt.Name("es-CL").Title)
	require.Equal(t, "Documento de cobro", billing.DocumentPaymentRequest.Name("es").Title)
	require.Equal(t, "Payment receipt", billing.DocumentReceipt.Name("en-US").Title)
	require.Equal(t, "PRUEBA", billing.DocumentReceipt.Name("fr").TestMark, "a language cuota does not write gets Spanish")
	for _, kind := range []billing.DocumentKind{billing.DocumentReceipt, billing.DocumentPaymentRequest} {
		for _, loc := range []string{"es", "en"} {
			title := kind.Name(loc).Title
			require.NotContains(t, title, "actura", "never a Chilean tax document's name")
			require.NotContains(t, title, "nvoice")
		}
	}

	for _, tc := range []struct {
		kind   billing.DocumentKind
		locale string
		number string
		mode   billing.Mode
		want   string
	}{
		{billing.DocumentReceipt, "es-CL", "PYA-000005", billing.ModeLive, "comprobante-PYA-000005.pdf"},
		{billing.DocumentReceipt, "es-CL", "PYA-000005", billing.ModeTest, "comprobante-PYA-000005-prueba.pdf"},
		{billing.DocumentPaymentRequest, "es", "PYA-000006", billing.ModeLive, "cobro-PYA-000006.pdf"},
		{billing.DocumentPaymentRequest, "en", "PYA-000006", billing.ModeTest, "payment-request-PYA-000006-test.pdf"},
		{billing.DocumentCreditNote, "es-CL", "AGEN-CN-000001", billing.ModeTest, "credito-AGEN-CN-000001-prueba.pdf"},
		{billing.DocumentCreditNote, "en", "AGEN-CN-000001", billing.ModeLive, "credit-note-AGEN-CN-000001.pdf"},
		{billing.DocumentReceipt, "en", "../x\"y", billing.ModeLive, "receipt-xy.pdf"},
		{billing.DocumentPaymentRequest, "es", "", billing.ModeLive, "cobro-borrador.pdf"},
	} {
		require.Equal(t, tc.want, billing.DocumentFilename(tc.kind, tc.locale, tc.number, tc.mode))
	}
}

// A list of documents holds receipts and payment requests alike: it is
// named by neither, and never "facturas".
func TestDocumentListName(t *testing.T) {
	for _, tc := range []struct {
		locale string
		want   billing.DocumentList
	}{
		{"es-CL", billing.DocumentList{Heading: "Documentos", Empty: "Aún no hay documentos."}},
		{"es", billing.DocumentList{Heading: "Documentos", Empty: "Aún no hay documentos."}},
		{"en-US", billing.DocumentList{Heading: "Documents", Empty: "No documents yet."}},
		{"fr", billing.DocumentList{Heading: "Documentos", Empty: "Aún no hay documentos."}},
	} {
		got := billing.DocumentListName(tc.locale)
		require.Equal(t, tc.want, got, tc.locale)
		require.NotContains(t, strings.ToLower(got.Heading+got.Empty), "factura")
	}
}

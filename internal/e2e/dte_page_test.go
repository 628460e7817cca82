package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/dtesim"
)

// TestTaxDocumentOnTheInvoicePage issues a paid invoice's boleta through
// dtesim (the fake OpenFactura) and checks what the customer sees: the
// invoice page names the boleta and its folio, and its second download is
// the provider's own PDF; a wrong link gets nothing. The page fits at 375
// and 1280 px ($CUOTA_E2E_DOCS saves the shots). On both stores.
func TestTaxDocumentOnTheInvoicePage(t *testing.T) {
	t.Parallel()
	eachStore(t, testTaxDocumentOnTheInvoicePage)
}

func testTaxDocumentOnTheInvoicePage(t *testing.T, kind storeKind) {
	dir := os.Getenv("CUOTA_E2E_DOCS")
	if dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	dsim := dtesim.New(dtesim.Options{})
	ts := httptest.NewServer(dsim)
	t.Cleanup(ts.Close)
	t.Cleanup(dsim.Close)

	s := newStackOn(t, kind, app.Mailer{}).asMerchant("Agente IA", "es-CL")
	b := newTab(t)
	s.ok("PATCH", "/v1/merchant", map[string]any{"legal_name": "Agente IA SpA", "tax_id": "76.086.428-5",
		"activity": "Desarrollo de software",
		"address":  map[string]any{"line1": "Av. Providencia 1208", "district": "Providencia", "city": "Santiago", "country": "CL"}})
	s.ok("PUT", "/v1/merchant/dte", map[string]any{"enabled": true, "api_key": dsim.APIKey(), "base_url": ts.URL + "/v2/dte",
		"activity_code": 620200})
	iva := s.ok("POST", "/v1/tax_rates", map[string]any{"display_name": "IVA", "percentage": 19, "country": "CL"})
	s.ok("PATCH", "/v1/merchant", map[string]any{"default_tax_rates": []string{iva["id"].(string)}})
	month := s.price(s.product("Agente Pro", nil), 10000, "CLP", "month")
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "pedro@example.cl", "name": "Pedro Soto", "locale": "es-CL"})
	cusID := cus["id"].(string)
	pm := s.ok("POST", "/v1/customers/"+cusID+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	sub := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cusID, "payment_method": pm["id"],
		"items": []map[string]any{{"price": month}}})
	invs := s.ok("GET", "/v1/invoices?subscription="+sub["id"].(string), nil)["data"].([]any)
	require.Len(t, invs, 1)
	inv := invs[0].(map[string]any)
	invID := inv["id"].(string)

	// The dispatcher records the emission on invoice.paid; one step of
	// its job issues it (the scenario tests follow every other path).
	s.dispatchUntil("the paid invoice's emission", func(ctx context.Context) bool {
		inv, err := s.app.Invoicing.GetInvoice(ctx, s.scope, invID)
		return err == nil && inv.TaxDocument != nil
	})
	doc := s.ok("GET", "/v1/invoices/"+invID, nil)["tax_document"].(map[string]any)
	require.Equal(t, "pending", doc["status"])
	st, err := s.app.Invoicing.EmitTaxDocument(t.Context(), app.EmitTaxDocumentArgs{MerchantID: s.scope.MerchantID, Mode: s.scope.Mode,
		TaxDocumentID: doc["id"].(string)})
	require.NoError(t, err)
	require.Equal(t, billing.DTEIssued, st.Document.Status)

	b.visit(inv["hosted_invoice_url"].(string), "#invoice-number")
	require.Equal(t, "Boleta electrónica N.º 1", b.text("#tax-document"))
	require.Equal(t, "Descargar boleta electrónica (PDF)", b.text("#download-tax-document"))
	requireNoIDs(t, "the invoice page", pageText(b))
	b.checkPage()
	b.shoot(dir, "invoice-boleta-"+string(kind), "#invoice-number")

	link := evaluate[string](b, `document.querySelector("#download-tax-document").href`)
	res, pdf := fetch(t, link)
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
	require.Contains(t, res.Header.Get("Content-Disposition"), `filename="boleta-electronica-1.pdf"`)
	require.Contains(t, string(pdf), "BOLETA ELECTRONICA N. 1")
	res, _ = fetch(t, strings.Replace(link, "t=", "t=x", 1))
	require.Equal(t, 404, res.StatusCode, "a wrong link gets nothing")
}

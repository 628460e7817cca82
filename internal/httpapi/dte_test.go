package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/dtesim"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestTaxDocumentsAPI sets up tax documents over HTTP on both stores (bad
// input refused with its param, enabling refused until the profile is
// complete, the key redacted), then issues a paid invoice's boleta
// against dtesim and shows it on the invoice with its folio and files.
func TestTaxDocumentsAPI(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			_, b := setupOn(t, httpapi.Config{}, kind)
			b.withSim()
			dsim := dtesim.New(dtesim.Options{})
			ts := httptest.NewServer(dsim)
			t.Cleanup(ts.Close)
			t.Cleanup(dsim.Close)

			requireProblem(t, b.get(t, b.a, "/v1/merchant/dte"), http.StatusNotFound, "resource_missing", "id")
			for _, tc := range []struct {
				key         apiKey
				body        map[string]any
				status      int
				code, param string
			}{
				{b.a, map[string]any{"activity_code": 0}, http.StatusBadRequest, "parameter_invalid", "activity_code"},
				{b.a, map[string]any{"activity_code": 10000000}, http.StatusBadRequest, "parameter_invalid", "activity_code"},
				{b.a, map[string]any{"base_url": "ftp://x"}, http.StatusBadRequest, "parameter_invalid", "base_url"},
				{b.aLive, map[string]any{"base_url": "http://127.0.0.1:9"}, http.StatusBadRequest, "parameter_invalid", "base_url"},
				{b.a, map[string]any{"enabled": true}, http.StatusBadRequest, "parameter_missing", "api_key"},
				{b.a, map[string]any{"enabled": true, "api_key": "k"}, http.StatusBadRequest, "parameter_missing", "activity_code"},
				{b.a, map[string]any{"enabled": true, "api_key": "k", "activity_code": 620200}, http.StatusBadRequest, "dte_not_configured", "enabled"},
				{b.aLive, map[string]any{"api_key": "k"}, http.StatusBadRequest, "secret_key_missing", "api_key"},
			} {
				requireProblem(t, b.do(t, http.MethodPut, "/v1/merchant/dte", tc.key, tc.body), tc.status, tc.code, tc.param)
			}
			_ = ok[httpapi.MerchantJSON](t, b.do(t, http.MethodPatch, "/v1/merchant", b.a, map[string]any{
				"legal_name": "Agente SpA", "tax_id": "76.086.428-5", "activity": "Desarrollo de software",
				"address": map[string]any{"line1": "Av. Providencia 1234", "district": "Providencia", "country": "CL"}}))
			set := ok[httpapi.DTESettingsJSON](t, b.do(t, http.MethodPut, "/v1/merchant/dte", b.a, map[string]any{
				"enabled": true, "api_key": dsim.APIKey(), "base_url": ts.URL + "/v2/dte", "activity_code": 620200}))
			require.Equal(t, "dte_settings", set.Object)
			require.True(t, set.Enabled)
			require.Equal(t, "openfactura", set.Provider)
			require.Equal(t, "paid", set.IssueOn)
			require.NotContains(t, set.APIKey, dsim.APIKey())
			require.Equal(t, set, ok[httpapi.DTESettingsJSON](t, b.get(t, b.a, "/v1/merchant/dte")))

			prod := b.createProduct(t, b.a, map[string]any{"name": "Plan Pro"})
			price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 10_000, "currency": "CLP"})
			cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.cl"})
			pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods", map[string]any{"gateway": "sim", "token": "tok_visa"}))
			draft := ok[apiobj.InvoiceJSON](t, b.post(t, b.a, "/v1/invoices", map[string]any{"customer": cus.ID, "payment_method": pm.ID,
				"items": []map[string]any{{"price": price.ID}}}))
			require.Nil(t, draft.TaxDocument)
			requireProblem(t, b.post(t, b.a, "/v1/invoices/"+draft.ID+"/tax_document", nil), http.StatusConflict, "dte_not_applicable", "")
			inv := ok[apiobj.InvoiceJSON](t, b.post(t, b.a, "/v1/invoices/"+draft.ID+"/finalize", nil))
			require.Equal(t, "paid", inv.Status)

			td := ok[apiobj.TaxDocumentJSON](t, b.post(t, b.a, "/v1/invoices/"+inv.ID+"/tax_document", nil))
			require.Equal(t, "tax_document", td.Object)
			require.Equal(t, 41, td.Type, "no tax rate: an exempt product")
			require.Equal(t, "pending", td.Status)
			require.Nil(t, td.Folio)
			requireProblem(t, b.get(t, b.a, "/v1/invoices/"+inv.ID+"/tax_document/pdf"), http.StatusNotFound, "resource_missing", "id")

			step, err := b.app.Invoicing.EmitTaxDocument(t.Context(), app.EmitTaxDocumentArgs{MerchantID: b.merchantA, Mode: billing.ModeTest, TaxDocumentID: td.ID})
			require.NoError(t, err)
			require.Equal(t, billing.DTEIssued, step.Document.Status)
			got := ok[apiobj.InvoiceJSON](t, b.get(t, b.a, "/v1/invoices/"+inv.ID))
			require.NotNil(t, got.TaxDocument)
			require.Equal(t, "issued", got.TaxDocument.Status)
			require.Equal(t, int64(1), *got.TaxDocument.Folio)
			require.Equal(t, "Boleta exenta electrónica", got.TaxDocument.Name)
			require.Equal(t, "/v1/invoices/"+inv.ID+"/tax_document/pdf", *got.TaxDocument.PDFURL)

			pdf := b.get(t, b.a, *got.TaxDocument.PDFURL)
			require.Equal(t, http.StatusOK, pdf.Status, string(pdf.Body))
			require.True(t, strings.HasPrefix(string(pdf.Body), "%PDF"))
			xml := b.get(t, b.a, *got.TaxDocument.XMLURL)
			require.Equal(t, http.StatusOK, xml.Status)
			require.Contains(t, string(xml.Body), "<TipoDTE>41</TipoDTE><Folio>1</Folio>")
			// Asking again returns the same emission, never a second one.
			again := ok[apiobj.TaxDocumentJSON](t, b.post(t, b.a, "/v1/invoices/"+inv.ID+"/tax_document", nil))
			require.Equal(t, td.ID, again.ID)
			require.Len(t, dsim.Documents(), 1)
			requireProblem(t, b.get(t, b.a, "/v1/invoices/"+inv.ID+"/tax_document/html"), http.StatusBadRequest, "parameter_invalid", "format")
		})
	}
}

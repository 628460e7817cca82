package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestOneOffInvoicesAPI: POST /v1/invoices makes a draft or a finalized
// one-off invoice; finalize numbers it; bad input gets 4xx with a machine
// code and writes nothing; an Idempotency-Key replays the same invoice.
func TestOneOffInvoicesAPI(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	b.publicURL = "https://billing.example.test"
	prod := b.createProduct(t, b.a, map[string]any{"name": "Instalación"})
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 25_000, "currency": "CLP"})
	cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.cl", "locale": "es-CL"})

	draft := ok[apiobj.InvoiceJSON](t, b.post(t, b.a, "/v1/invoices", map[string]any{
		"customer": cus.ID, "collection": "send_invoice", "days_until_due": 10,
		"items": []map[string]any{{"price": price.ID, "quantity": 2}, {"amount": 1_990, "description": "Despacho"}},
	}))
	require.Equal(t, "draft", draft.Status)
	require.Nil(t, draft.Number)
	require.Nil(t, draft.Subscription)
	require.Nil(t, draft.HostedURL)
	require.Equal(t, "send_invoice", draft.Collection)
	require.Equal(t, "manual", draft.BillingReason)
	require.Equal(t, int64(51_990), draft.Total)
	require.Equal(t, []string{"Instalación × 2", "Despacho"}, []string{draft.Lines[0].Description, draft.Lines[1].Description})
	require.Equal(t, draft.Created+int64((10*24*time.Hour).Seconds()), *draft.DueDate)

	final := ok[apiobj.InvoiceJSON](t, b.post(t, b.a, "/v1/invoices/"+draft.ID+"/finalize", nil))
	require.Equal(t, "open", final.Status)
	require.NotNil(t, final.Number)
	require.NotNil(t, final.HostedURL)
	require.True(t, strings.HasPrefix(*final.HostedURL, "https://billing.example.test/invoice/"+b.merchantA+"/test/"+draft.ID+"?t="), *final.HostedURL)
	require.Equal(t, final, ok[apiobj.InvoiceJSON](t, b.get(t, b.a, "/v1/invoices/"+draft.ID)))
	res := b.post(t, b.a, "/v1/invoices/"+draft.ID+"/finalize", nil)
	requireProblem(t, res, http.StatusConflict, "invalid_state_transition", "")
	res = b.get(t, b.b, "/v1/invoices/"+draft.ID)
	requireProblem(t, res, http.StatusNotFound, "resource_missing", "id")

	body := map[string]any{"customer": cus.ID, "collection": "send_invoice", "auto_finalize": true,
		"items": []map[string]any{{"price": price.ID}}}
	first := b.post(t, b.a, "/v1/invoices", body, "Idempotency-Key", "inv-once")
	again := b.post(t, b.a, "/v1/invoices", body, "Idempotency-Key", "inv-once")
	one := ok[apiobj.InvoiceJSON](t, first)
	require.Equal(t, "open", one.Status)
	require.Equal(t, one, ok[apiobj.InvoiceJSON](t, again), "the same key replays the same invoice")

	for _, c := range []struct {
		body  map[string]any
		code  string
		param string
	}{
		{map[string]any{"customer": cus.ID, "items": []map[string]any{{"price": price.ID, "amount": 5}}}, "parameter_invalid", "items[0]"},
		{map[string]any{"customer": cus.ID, "items": []map[string]any{}}, "parameter_missing", "items"},
		{map[string]any{"customer": cus.ID, "items": []map[string]any{{"price": price.ID}}}, "parameter_missing", "payment_method"},
		{map[string]any{"customer": cus.ID, "collection": "send_invoice", "days_until_due": 400, "items": []map[string]any{{"price": price.ID}}}, "parameter_invalid", "days_until_due"},
		{map[string]any{"customer": cus.ID, "collection": "send_invoice", "currency": "USD", "items": []map[string]any{{"price": price.ID}}}, "currency_invalid", "items[0].price"},
	} {
		res := b.post(t, b.a, "/v1/invoices", c.body)
		requireProblem(t, res, http.StatusBadRequest, c.code, c.param)
	}
	res = b.post(t, b.a, "/v1/invoices", map[string]any{"customer": "cus_missing", "currency": "CLP",
		"items": []map[string]any{{"amount": 100, "description": "x"}}})
	requireProblem(t, res, http.StatusBadRequest, "resource_missing", "customer")
	res = b.post(t, b.a, "/v1/invoices", map[string]any{"customer": cus.ID, "collection": "cash",
		"items": []map[string]any{{"price": price.ID}}})
	require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
	list := ok[httpapi.ListJSON[apiobj.InvoiceJSON]](t, b.get(t, b.a, "/v1/invoices?customer="+cus.ID))
	require.Len(t, list.Data, 2, "refused requests wrote nothing")
}

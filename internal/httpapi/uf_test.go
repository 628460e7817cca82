package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestUFRatesAPI sets and reads UF values over HTTP on both stores: bad
// days and values are refused with their param and change nothing, a day
// without a value is 404, a value set by hand is read back and listed, and
// the other mode does not see it.
func TestUFRatesAPI(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			_, b := setupOn(t, httpapi.Config{}, kind)
			requireProblem(t, b.get(t, b.a, "/v1/uf_rates/2026-12-07"), http.StatusNotFound, "resource_missing", "id")
			for _, tc := range []struct {
				path        string
				body        map[string]any
				code, param string
			}{
				{"/v1/uf_rates/2026-12-32", map[string]any{"value": "39485.65"}, "parameter_invalid", "date"},
				{"/v1/uf_rates/07-12-2026", map[string]any{"value": "39485.65"}, "parameter_invalid", "date"},
				{"/v1/uf_rates/2026-12-07", map[string]any{"value": "39.485,65"}, "parameter_invalid", "value"},
				{"/v1/uf_rates/2026-12-07", map[string]any{"value": "0"}, "parameter_invalid", "value"},
				{"/v1/uf_rates/2026-12-07", map[string]any{"value": "39485.655"}, "parameter_invalid", "value"},
				{"/v1/uf_rates/2026-12-07", map[string]any{"value": "99999999999"}, "parameter_invalid", "value"},
				{"/v1/uf_rates/2026-12-07", map[string]any{}, "parameter_missing", "value"},
			} {
				requireProblem(t, b.do(t, http.MethodPut, tc.path, b.a, tc.body), http.StatusBadRequest, tc.code, tc.param)
			}
			requireProblem(t, b.get(t, b.a, "/v1/uf_rates/2026-12-07"), http.StatusNotFound, "resource_missing", "id")
			requireProblem(t, b.get(t, b.a, "/v1/uf_rates/tomorrow"), http.StatusBadRequest, "parameter_invalid", "date")

			set := ok[httpapi.UFRateJSON](t, b.do(t, http.MethodPut, "/v1/uf_rates/2026-12-07", b.a, map[string]any{"value": "39485.65"}))
			require.Equal(t, "uf_rate", set.Object)
			require.Equal(t, "2026-12-07", set.Date)
			require.Equal(t, "39485.65", set.Value)
			require.Equal(t, "manual", set.Source)
			require.False(t, set.Livemode)
			require.Contains(t, set.SetBy, "api_key:")
			require.Equal(t, set, ok[httpapi.UFRateJSON](t, b.get(t, b.a, "/v1/uf_rates/2026-12-07")))
			again := ok[httpapi.UFRateJSON](t, b.do(t, http.MethodPut, "/v1/uf_rates/2026-12-07", b.a, map[string]any{"value": "39485.6"}))
			require.Equal(t, "39485.60", again.Value)
			_ = ok[httpapi.UFRateJSON](t, b.do(t, http.MethodPut, "/v1/uf_rates/2026-12-06", b.a, map[string]any{"value": "39480"}))

			list := ok[httpapi.ListJSON[httpapi.UFRateJSON]](t, b.get(t, b.a, "/v1/uf_rates?limit=1"))
			require.Len(t, list.Data, 1)
			require.True(t, list.HasMore)
			require.Equal(t, "2026-12-07", list.Data[0].Date)
			list = ok[httpapi.ListJSON[httpapi.UFRateJSON]](t, b.get(t, b.a, "/v1/uf_rates?starting_after=2026-12-07"))
			require.Len(t, list.Data, 1)
			require.False(t, list.HasMore)
			require.Equal(t, "39480.00", list.Data[0].Value)
			requireProblem(t, b.get(t, b.a, "/v1/uf_rates?starting_after=ayer"), http.StatusBadRequest, "parameter_invalid", "starting_after")

			// The live mode has its own values.
			requireProblem(t, b.get(t, b.aLive, "/v1/uf_rates/2026-12-07"), http.StatusNotFound, "resource_missing", "id")
			require.Empty(t, ok[httpapi.ListJSON[httpapi.UFRateJSON]](t, b.get(t, b.aLive, "/v1/uf_rates")).Data)
		})
	}
}

// TestUFInvoiceAPI subscribes to a UF price over HTTP: without the day's
// value the request is 409 uf_rate_unavailable and nothing is made; with
// it the invoice's line shows its UF, the value and its day, in pesos; a
// UF price is refused on a one-off invoice.
func TestUFInvoiceAPI(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	b.withSim()
	prod := b.createProduct(t, b.a, map[string]any{"name": "Arriendo"})
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 25000, "currency": "clf",
		"recurring": map[string]any{"interval": "month"}})
	require.Equal(t, "CLF", price.Currency)
	cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.cl"})
	pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods", map[string]any{"gateway": "sim", "token": "tok_visa"}))
	body := map[string]any{"customer": cus.ID, "payment_method": pm.ID, "items": []map[string]any{{"price": price.ID}}}
	requireProblem(t, b.post(t, b.a, "/v1/subscriptions", body), http.StatusConflict, "uf_rate_unavailable", "")
	subs := ok[httpapi.ListJSON[apiobj.SubscriptionJSON]](t, b.get(t, b.a, "/v1/subscriptions"))
	require.Empty(t, subs.Data, "nothing was made")

	// The merchant's day, whatever its time zone: set the value of the
	// days around now.
	now := b.clock.Now()
	for _, d := range []time.Time{now.Add(-24 * time.Hour), now, now.Add(24 * time.Hour)} {
		_ = ok[httpapi.UFRateJSON](t, b.do(t, http.MethodPut, "/v1/uf_rates/"+d.UTC().Format(time.DateOnly), b.a, map[string]any{"value": "39485.65"}))
	}
	sub := ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, "/v1/subscriptions", body))
	require.Equal(t, "CLP", sub.Currency)
	invs := ok[httpapi.ListJSON[apiobj.InvoiceJSON]](t, b.get(t, b.a, "/v1/invoices?subscription="+sub.ID))
	require.Len(t, invs.Data, 1)
	inv := ok[apiobj.InvoiceJSON](t, b.get(t, b.a, "/v1/invoices/"+invs.Data[0].ID))
	require.Equal(t, "paid", inv.Status)
	require.Nil(t, inv.Waiting)
	require.Equal(t, int64(98714), inv.Lines[0].Amount)
	require.NotNil(t, inv.Lines[0].UF)
	require.Equal(t, int64(25000), inv.Lines[0].UF.AmountUF)
	require.Equal(t, "39485.65", *inv.Lines[0].UF.Rate)
	require.NotNil(t, inv.Lines[0].UF.RateDate)

	oneTime := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 10000, "currency": "clf"})
	requireProblem(t, b.post(t, b.a, "/v1/invoices", map[string]any{"customer": cus.ID, "payment_method": pm.ID,
		"items": []map[string]any{{"price": oneTime.ID}}}), http.StatusBadRequest, "currency_invalid", "items[0].price")
}

// TestUFCheckoutRefused: a hosted checkout does not take a UF price yet.
func TestUFCheckoutRefused(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	b.withSim()
	prod := b.createProduct(t, b.a, map[string]any{"name": "Arriendo"})
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 25000, "currency": "clf",
		"recurring": map[string]any{"interval": "month"}})
	requireProblem(t, b.post(t, b.a, "/v1/checkout_sessions", map[string]any{"mode": "subscription",
		"success_url": "https://example.cl/ok", "cancel_url": "https://example.cl/no",
		"line_items": []map[string]any{{"price": price.ID}}}), http.StatusBadRequest, "currency_invalid", "line_items")
}

package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestAnalyticsAPI serves the MRR series and the summary on both stores,
// refuses bad parameters with their code and param, and lists both
// operations in the OpenAPI document.
func TestAnalyticsAPI(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			_, b := setupOn(t, httpapi.Config{}, kind)
			b.withSim()
			prod := b.createProduct(t, b.a, map[string]any{"name": "Plan Anual"})
			// CLP 100002 a year: 8333.5 a month, rounded half away from zero.
			price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 100002, "currency": "CLP",
				"recurring": map[string]any{"interval": "year"}})
			cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.com"})
			pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods",
				map[string]any{"gateway": "sim", "token": billing.SimTokVisa}))
			ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, "/v1/subscriptions", map[string]any{"customer": cus.ID,
				"items": []map[string]any{{"price": price.ID}}, "payment_method": pm.ID}))

			rep := ok[apiobj.MRRReportJSON](t, b.get(t, b.a, "/v1/analytics/mrr?currency=clp&months=3"))
			require.Equal(t, "analytics.mrr", rep.Object)
			require.Equal(t, "CLP", rep.Currency)
			require.False(t, rep.Livemode)
			require.Len(t, rep.Months, 3)
			last := rep.Months[2]
			require.Equal(t, int64(8334), last.EndMRR)
			require.Equal(t, int64(8334), last.Movements.New)
			require.Equal(t, int64(1), last.EndCustomers)
			require.Equal(t, int64(0), rep.Months[0].EndMRR)

			sum := ok[apiobj.SummaryJSON](t, b.get(t, b.a, "/v1/analytics/summary?currency=CLP"))
			require.Equal(t, "analytics.summary", sum.Object)
			require.Equal(t, int64(8334), sum.MRR.EndMRR)
			require.Equal(t, some(int64(8334)), sum.ARPA)
			require.Equal(t, int64(100002), sum.RevenueCollected)
			require.Equal(t, some(int64(10000)), sum.PaymentSuccessBP)
			require.Nil(t, sum.LogoChurnBP, "no customer at the start: no rate")

			usd := ok[apiobj.MRRReportJSON](t, b.get(t, b.a, "/v1/analytics/mrr?currency=USD"))
			require.Len(t, usd.Months, 12)
			require.Equal(t, int64(0), usd.Months[11].EndMRR, "CLP never shows in USD")

			now := b.clock.Now().Unix()
			for _, c := range []struct {
				path        string
				status      int
				code, param string
				key         apiKey
			}{
				{"/v1/analytics/mrr", http.StatusBadRequest, billing.CodeParameterMissing, "currency", b.a},
				{"/v1/analytics/mrr?currency=XXX", http.StatusBadRequest, billing.CodeCurrencyInvalid, "currency", b.a},
				{"/v1/analytics/mrr?currency=CLP&months=37", http.StatusBadRequest, billing.CodeParameterInvalid, "months", b.a},
				{"/v1/analytics/mrr?currency=CLP&as_of=" + strconv.FormatInt(now+3600, 10), http.StatusBadRequest, billing.CodeParameterInvalid, "as_of", b.a},
				{"/v1/analytics/mrr?currency=CLP&test_clock=clock_x", http.StatusNotFound, billing.CodeResourceMissing, "test_clock", b.a},
				{"/v1/analytics/mrr?currency=CLP&test_clock=clock_x", http.StatusBadRequest, billing.CodeLivemodeNotAllowed, "test_clock", b.aLive},
				{fmt.Sprintf("/v1/analytics/summary?currency=CLP&from=%d&to=%d", now-10, now-20), http.StatusBadRequest, billing.CodeParameterInvalid, "to", b.a},
				{fmt.Sprintf("/v1/analytics/summary?currency=CLP&from=%d&to=%d", now-10, now+20), http.StatusBadRequest, billing.CodeParameterInvalid, "to", b.a},
				{"/v1/analytics/summary?currency=CLP&from=253402300800", http.StatusBadRequest, billing.CodeParameterInvalid, "from", b.a},
			} {
				requireProblem(t, b.get(t, c.key, c.path), c.status, c.code, c.param)
			}
		})
	}

	_, b := setup(t)
	res := b.get(t, apiKey{}, "/openapi.json")
	require.Equal(t, http.StatusOK, res.Status)
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &doc))
	require.Contains(t, doc.Paths, "/v1/analytics/mrr")
	require.Contains(t, doc.Paths, "/v1/analytics/summary")
}

package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

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

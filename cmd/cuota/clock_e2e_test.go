package main

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// onBothStores runs exercise against a real `cuota serve` on SQLite and on
// PostgreSQL.
func onBothStores(t *testing.T, exercise func(t *testing.T, p *program)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		exercise(t, startProgram(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db")))
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		exercise(t, startProgram(t, pgtest.URL(t)))
	})
}

// requireInvalid asserts a 400 parameter_invalid naming param.
func requireInvalid(t *testing.T, r response, param string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
	require.Equal(t, "parameter_invalid", r.body["code"], r.raw)
	require.Equal(t, param, r.body["param"], r.raw)
}

// TestClockBillingRange: instants outside the years 1 to 9999 are refused
// as bad input (400 naming the parameter), wherever they come from: a
// clock's frozen_time, an advance, a subscription whose first period would
// end in year 10000, a renewal the advance reaches whose period would.
func TestClockBillingRange(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, p *program) {
		key := p.key
		requireInvalid(t, p.do("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": 253402300800}), "frozen_time")
		requireInvalid(t, p.do("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": int64(-62135596801)}), "frozen_time")
		require.Empty(t, p.ok("GET", "/v1/test_clocks", key, nil)["data"], "nothing half-written")

		prod := p.ok("POST", "/v1/products", key, map[string]any{"name": "Agente Start"})
		price := p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": 5000, "currency": "CLP",
			"recurring": map[string]any{"interval": "month"}})
		subscribe := func(clockID string) response {
			cus := p.ok("POST", "/v1/customers", key, map[string]any{"email": "ana@example.cl", "test_clock": clockID})
			pm := p.ok("POST", "/v1/customers/"+cus["id"].(string)+"/payment_methods", key, map[string]any{"gateway": "sim", "token": "tok_visa"})
			return p.do("POST", "/v1/subscriptions", key, map[string]any{"customer": cus["id"], "items": []map[string]any{{"price": price["id"]}},
				"payment_method": pm["id"]})
		}

		// December 9999: the first month would end in January 10000.
		dec := p.ok("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": time.Date(9999, 12, 5, 0, 0, 0, 0, time.UTC).Unix()})
		requireInvalid(t, subscribe(dec["id"].(string)), "items")
		require.Empty(t, p.ok("GET", "/v1/subscriptions", key, nil)["data"], "nothing half-written")
		requireInvalid(t, p.do("POST", "/v1/test_clocks/"+dec["id"].(string)+"/advance", key,
			map[string]any{"frozen_time": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()}), "frozen_time")
		require.Equal(t, "ready", p.ok("GET", "/v1/test_clocks/"+dec["id"].(string), key, nil)["status"])

		// November 9999: the first month ends on Dec 1; its renewal would
		// end in year 10000, so an advance past Dec 1 stops there with 400.
		nov := p.ok("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": time.Date(9999, 11, 1, 0, 0, 0, 0, time.UTC).Unix()})
		novID := nov["id"].(string)
		r := subscribe(novID)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		subID := r.body["id"].(string)
		r = p.do("POST", "/v1/test_clocks/"+novID+"/advance", key, map[string]any{"frozen_time": time.Date(9999, 12, 15, 0, 0, 0, 0, time.UTC).Unix()})
		requireInvalid(t, r, "frozen_time")
		clock := p.ok("GET", "/v1/test_clocks/"+novID, key, nil)
		require.Equal(t, "ready", clock["status"])
		require.EqualValues(t, time.Date(9999, 12, 1, 0, 0, 0, 0, time.UTC).Unix(), clock["frozen_time"])
		sub := p.ok("GET", "/v1/subscriptions/"+subID, key, nil)
		require.Equal(t, "active", sub["status"])
		require.EqualValues(t, time.Date(9999, 12, 1, 0, 0, 0, 0, time.UTC).Unix(), sub["current_period_end"])
		require.Len(t, p.ok("GET", "/v1/invoices?subscription="+subID, key, nil)["data"], 1)
		// It stays refused, the same way, on every later try.
		requireInvalid(t, p.do("POST", "/v1/test_clocks/"+novID+"/advance", key, map[string]any{"frozen_time": time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()}), "frozen_time")
		require.Equal(t, "ready", p.ok("GET", "/v1/test_clocks/"+novID, key, nil)["status"])
	})
}

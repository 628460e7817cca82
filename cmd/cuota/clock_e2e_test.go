package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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

// clockWithDailySubscription creates a clock at t0 and a daily
// subscription on it, and returns the clock's and the subscription's ids.
func clockWithDailySubscription(t *testing.T, p *program, t0 time.Time) (clockID, subID string) {
	t.Helper()
	key := p.key
	clock := p.ok("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": t0.Unix()})
	prod := p.ok("POST", "/v1/products", key, map[string]any{"name": "Agente Diario"})
	price := p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": 100, "currency": "CLP",
		"recurring": map[string]any{"interval": "day"}})
	cus := p.ok("POST", "/v1/customers", key, map[string]any{"email": "ana@example.cl", "test_clock": clock["id"]})
	pm := p.ok("POST", "/v1/customers/"+cus["id"].(string)+"/payment_methods", key, map[string]any{"gateway": "sim", "token": "tok_visa"})
	sub := p.ok("POST", "/v1/subscriptions", key, map[string]any{"customer": cus["id"], "items": []map[string]any{{"price": price["id"]}},
		"payment_method": pm["id"]})
	return clock["id"].(string), sub["id"].(string)
}

// TestClockAdvanceSurvivesDisconnect: a client that gives up on an advance
// (here: its request context is canceled while the server is advancing,
// the connection closes) does not stop it. The advance finishes: the clock
// ends ready at the requested time with its subscription renewed up to
// it, and takes the next advance.
func TestClockAdvanceSurvivesDisconnect(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, p *program) {
		t0 := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
		target := t0.AddDate(2, 0, 0) // 731 daily renewals: long enough to be cut off
		clockID, subID := clockWithDailySubscription(t, p, t0)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		body, err := json.Marshal(map[string]any{"frozen_time": target.Unix()})
		require.NoError(t, err)
		req, err := http.NewRequestWithContext(ctx, "POST", p.base+"/v1/test_clocks/"+clockID+"/advance", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+p.key)
		req.Header.Set("Content-Type", "application/json")
		done := make(chan error, 1)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				_ = res.Body.Close()
			}
			done <- err
		}()
		// Disconnect once the server is visibly advancing.
		require.Eventually(t, func() bool {
			return p.ok("GET", "/v1/test_clocks/"+clockID, p.key, nil)["status"] == "advancing"
		}, time.Minute, 10*time.Millisecond)
		cancel()
		require.ErrorIs(t, <-done, context.Canceled, "the client gave up before the advance finished")

		require.Eventually(t, func() bool {
			return p.ok("GET", "/v1/test_clocks/"+clockID, p.key, nil)["status"] == "ready"
		}, 2*time.Minute, 20*time.Millisecond, "the clock must not stay advancing")
		clock := p.ok("GET", "/v1/test_clocks/"+clockID, p.key, nil)
		require.EqualValues(t, target.Unix(), clock["frozen_time"])
		sub := p.ok("GET", "/v1/subscriptions/"+subID, p.key, nil)
		require.Equal(t, "active", sub["status"])
		require.EqualValues(t, target.Unix(), sub["current_period_start"], "renewed every day up to the target")
		require.EqualValues(t, target.AddDate(0, 0, 1).Unix(), sub["current_period_end"])

		p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", p.key, map[string]any{"frozen_time": target.AddDate(0, 0, 2).Unix()})
		require.EqualValues(t, target.AddDate(0, 0, 3).Unix(), p.ok("GET", "/v1/subscriptions/"+subID, p.key, nil)["current_period_end"])
	})
}

// TestClockLeftAdvancingIsReleasedAtStart: a clock that a dead process left
// advancing (its row says advancing; nothing is running) is released by
// the next `cuota serve` at start: ready at the time it had reached, and
// the next advance runs the work still due.
func TestClockLeftAdvancingIsReleasedAtStart(t *testing.T) {
	t.Parallel()
	exercise := func(t *testing.T, databaseURL string, openDB func() (*sql.DB, error), placeholder string, oneProcess bool) {
		first := startProgram(t, databaseURL)
		t0 := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
		clockID, subID := clockWithDailySubscription(t, first, t0)
		key := first.key
		first.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": t0.AddDate(0, 0, 3).Unix()})

		// What a process killed mid-advance leaves behind.
		db, err := openDB()
		require.NoError(t, err)
		defer db.Close()
		_, err = db.Exec(`UPDATE test_clocks SET status = 'advancing' WHERE id = `+placeholder, clockID)
		require.NoError(t, err)
		r := first.do("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": t0.AddDate(0, 0, 5).Unix()})
		require.Equal(t, http.StatusConflict, r.status, r.raw)

		if oneProcess {
			require.NoError(t, first.shutdown()) // SQLite serves from one process at a time
		}
		second := startProgram(t, databaseURL)
		clock := second.ok("GET", "/v1/test_clocks/"+clockID, key, nil)
		require.Equal(t, "ready", clock["status"])
		require.EqualValues(t, t0.AddDate(0, 0, 3).Unix(), clock["frozen_time"])
		second.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": t0.AddDate(0, 0, 5).Unix()})
		require.EqualValues(t, t0.AddDate(0, 0, 6).Unix(), second.ok("GET", "/v1/subscriptions/"+subID, key, nil)["current_period_end"])
	}
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "cuota.db")
		exercise(t, "sqlite:"+path, func() (*sql.DB, error) { return sql.Open("sqlite", path) }, "?", true)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.URL(t)
		exercise(t, url, func() (*sql.DB, error) { return sql.Open("pgx", url) }, "$1", false)
	})
}

// TestClockAdvancedElsewhereIsNotReleasedAtStart: a clock that another
// live process is advancing (its row says advancing, with a lease that has
// not ended) is left alone by a `cuota serve` that starts on the same
// database: it stays advancing and refuses a second advance.
func TestClockAdvancedElsewhereIsNotReleasedAtStart(t *testing.T) {
	t.Parallel()
	exercise := func(t *testing.T, databaseURL string, openDB func() (*sql.DB, error), leaseUntil func(time.Time) any, ph func(int) string, oneProcess bool) {
		first := startProgram(t, databaseURL)
		t0 := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
		clockID, _ := clockWithDailySubscription(t, first, t0)
		key := first.key

		// What a live process advancing the clock shows: a lease it renews.
		db, err := openDB()
		require.NoError(t, err)
		defer db.Close()
		_, err = db.Exec(`UPDATE test_clocks SET status = 'advancing', advance_token = 'live', advancing_until = `+ph(1)+` WHERE id = `+ph(2),
			leaseUntil(time.Now().Add(time.Hour)), clockID)
		require.NoError(t, err)

		if oneProcess {
			// SQLite serves from one process at a time: the lease is one
			// that has not ended yet since that process stopped.
			require.NoError(t, first.shutdown())
		}
		second := startProgram(t, databaseURL)
		clock := second.ok("GET", "/v1/test_clocks/"+clockID, key, nil)
		require.Equal(t, "advancing", clock["status"])
		r := second.do("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": t0.AddDate(0, 0, 5).Unix()})
		require.Equal(t, http.StatusConflict, r.status, r.raw)
	}
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "cuota.db")
		exercise(t, "sqlite:"+path, func() (*sql.DB, error) { return sql.Open("sqlite", path) },
			func(u time.Time) any { return u.UnixMicro() }, func(int) string { return "?" }, true)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.URL(t)
		exercise(t, url, func() (*sql.DB, error) { return sql.Open("pgx", url) },
			func(u time.Time) any { return u }, func(i int) string { return fmt.Sprintf("$%d", i) }, false)
	})
}

package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestLifecycleOverHTTP drives a subscription through the real program's
// API on a test clock, once on each database: attach a sim card, subscribe,
// advance through renewals and a decline, and read back invoices, payments
// and events.
func TestLifecycleOverHTTP(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "cuota.db")
		exerciseLifecycle(t, startProgram(t, "sqlite:"+path))
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		exerciseLifecycle(t, startProgram(t, pgtest.URL(t)))
	})
}

func exerciseLifecycle(t *testing.T, p *program) {
	key := p.key
	t0 := time.Date(2024, 1, 31, 13, 0, 0, 0, time.UTC)
	clock := p.ok("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": t0.Unix(), "name": "e2e"})
	clockID := clock["id"].(string)
	prod := p.ok("POST", "/v1/products", key, map[string]any{"name": "Agente Start", "features": map[string]int{"properties": 5}})
	price := p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": 5000, "currency": "CLP",
		"recurring": map[string]any{"interval": "month"}})
	cus := p.ok("POST", "/v1/customers", key, map[string]any{"email": "ana@example.cl", "test_clock": clockID})
	cusID := cus["id"].(string)
	require.Equal(t, clockID, cus["test_clock"])

	// A card that pays once and then declines.
	pm := p.ok("POST", "/v1/customers/"+cusID+"/payment_methods", key, map[string]any{"gateway": "sim", "token": "tok_failAfterFirst"})
	require.Equal(t, "sim", pm["gateway"])
	require.NotContains(t, fmt.Sprint(pm), "simpm_", "the gateway token is never shown")

	sub := p.ok("POST", "/v1/subscriptions", key, map[string]any{"customer": cusID, "items": []map[string]any{{"price": price["id"]}},
		"payment_method": pm["id"]})
	subID := sub["id"].(string)
	require.Equal(t, "active", sub["status"])
	require.EqualValues(t, t0.Unix(), sub["current_period_start"])
	require.EqualValues(t, time.Date(2024, 2, 29, 13, 0, 0, 0, time.UTC).Unix(), sub["current_period_end"], "Jan 31 → Feb 29")

	ent := p.ok("GET", "/v1/customers/"+cusID+"/entitlements", key, nil)
	require.EqualValues(t, 5, ent["features"].(map[string]any)["properties"])

	// The renewal on Feb 29 declines: past_due, retried a day later.
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 2, 29, 14, 0, 0, 0, time.UTC).Unix()})
	sub = p.ok("GET", "/v1/subscriptions/"+subID, key, nil)
	require.Equal(t, "past_due", sub["status"])
	invs := p.ok("GET", "/v1/invoices?subscription="+subID, key, nil)["data"].([]any)
	require.Len(t, invs, 2)
	open := invs[0].(map[string]any)
	require.Equal(t, "open", open["status"])
	require.EqualValues(t, 5000, open["amount_due"])
	require.EqualValues(t, time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC).Unix(), open["next_payment_attempt"], "the first retry is 1 day later")

	// A new card retries at once and the subscription is active again.
	p.ok("POST", "/v1/customers/"+cusID+"/payment_methods", key, map[string]any{"gateway": "sim", "token": "tok_visa"})
	sub = p.ok("GET", "/v1/subscriptions/"+subID, key, nil)
	require.Equal(t, "active", sub["status"])
	inv := p.ok("GET", "/v1/invoices/"+open["id"].(string), key, nil)
	require.Equal(t, "paid", inv["status"])
	require.Equal(t, "DEFA-000002", inv["number"], "gapless numbers per merchant and mode")

	// Payments: one success, one decline, one success.
	pays := p.ok("GET", "/v1/payments?customer="+cusID+"&limit=10", key, nil)["data"].([]any)
	var statuses []string
	for i := len(pays) - 1; i >= 0; i-- {
		statuses = append(statuses, pays[i].(map[string]any)["status"].(string))
	}
	require.Equal(t, []string{"succeeded", "failed", "succeeded"}, statuses)

	// Each payment and refund can be read by id, in the shape lists give.
	for _, x := range pays {
		pay := x.(map[string]any)
		require.Equal(t, pay, p.ok("GET", "/v1/payments/"+pay["id"].(string), key, nil))
	}
	paidPay := pays[0].(map[string]any)
	refund := p.ok("POST", "/v1/refunds", key, map[string]any{"payment": paidPay["id"], "amount": 1000})
	refunds := p.ok("GET", "/v1/refunds?payment="+paidPay["id"].(string), key, nil)["data"].([]any)
	require.Len(t, refunds, 1)
	require.Equal(t, refunds[0], p.ok("GET", "/v1/refunds/"+refund["id"].(string), key, nil))
	require.EqualValues(t, 1000, p.ok("GET", "/v1/payments/"+paidPay["id"].(string), key, nil)["amount_refunded"])
	// Another merchant's key, or the live key, finds neither.
	out, err := p.cli("merchant", "create", "--name", "Otra Tienda")
	require.NoError(t, err, out)
	otherMerchant := strings.TrimSpace(out)
	out, err = p.cli("apikey", "create", "--merchant", otherMerchant, "--mode", "test")
	require.NoError(t, err, out)
	otherKey := keyRE.FindString(out)
	require.NotEmpty(t, otherKey, out)
	for _, path := range []string{"/v1/payments/" + paidPay["id"].(string), "/v1/refunds/" + refund["id"].(string), "/v1/payments/pay_nope", "/v1/refunds/re_nope"} {
		k := otherKey
		if strings.HasSuffix(path, "_nope") {
			k = key
		}
		r := p.do("GET", path, k, nil)
		require.Equal(t, http.StatusNotFound, r.status, "%s: %s", path, r.raw)
		require.Equal(t, "resource_missing", r.body["code"], r.raw)
	}

	// Cancel at period end, then the clock passes it: canceled, no new invoice.
	sub = p.ok("POST", "/v1/subscriptions/"+subID+"/cancel", key, map[string]any{"at_period_end": true})
	require.Equal(t, true, sub["cancel_at_period_end"])
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 4, 15, 0, 0, 0, 0, time.UTC).Unix()})
	sub = p.ok("GET", "/v1/subscriptions/"+subID, key, nil)
	require.Equal(t, "canceled", sub["status"])
	require.EqualValues(t, time.Date(2024, 3, 31, 13, 0, 0, 0, time.UTC).Unix(), sub["ended_at"])
	require.Len(t, p.ok("GET", "/v1/invoices?subscription="+subID, key, nil)["data"], 2)
	r := p.do("POST", "/v1/subscriptions/"+subID+"/reactivate", key, nil)
	require.Equal(t, http.StatusConflict, r.status, r.raw)
	require.Equal(t, "invalid_state_transition", r.body["code"])

	// Events tell the story, newest first, filterable by type.
	deleted := p.ok("GET", "/v1/events?type=customer.subscription.deleted", key, nil)["data"].([]any)
	require.Len(t, deleted, 1)
	data := deleted[0].(map[string]any)["data"].(map[string]any)
	require.Equal(t, subID, data["object_id"])
	obj := data["object"].(map[string]any)
	require.Equal(t, "subscription", obj["object"], "an event's object has the API's shape")
	require.Equal(t, "canceled", obj["status"])
	require.Equal(t, cusID, obj["customer"])
	paid := p.ok("GET", "/v1/events?type=invoice.paid&limit=100", key, nil)["data"].([]any)
	require.Len(t, paid, 2)

	// Backwards is refused; live keys cannot use test clocks.
	r = p.do("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": t0.Unix()})
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
}

package main

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestPendingUpdateOverHTTP checks that a downgrade scheduled for the period
// end shows as the subscription's pending_update (in the change's answer,
// GET, the list and the subscription.updated event), that it can be
// canceled, and that once a renewal applied it there is nothing to cancel.
// Once on each database.
func TestPendingUpdateOverHTTP(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		exercisePendingUpdate(t, startProgram(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db")))
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		exercisePendingUpdate(t, startProgram(t, pgtest.URL(t)))
	})
}

// downgradable is a monthly subscription to a CLP 25000 plan (pro) of a
// customer with a card, on a test clock, and a cheaper CLP 10000 plan
// (basic) to move it to.
type downgradable struct {
	clockID, cusID, subID, pro, basic string
	sub                               map[string]any // the subscription as created
}

// newDowngradable sets up a downgradable subscription on a clock frozen at t0.
func newDowngradable(p *program, t0 time.Time) downgradable {
	p.t.Helper()
	key := p.key
	var d downgradable
	d.clockID = p.ok("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": t0.Unix(), "name": "downgrade"})["id"].(string)
	prod := p.ok("POST", "/v1/products", key, map[string]any{"name": "Plan"})
	price := func(amount int) string {
		return p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": amount, "currency": "CLP",
			"recurring": map[string]any{"interval": "month"}})["id"].(string)
	}
	d.pro, d.basic = price(25000), price(10000)
	d.cusID = p.ok("POST", "/v1/customers", key, map[string]any{"email": "pending@example.cl", "test_clock": d.clockID})["id"].(string)
	pm := p.ok("POST", "/v1/customers/"+d.cusID+"/payment_methods", key, map[string]any{"gateway": "sim", "token": "tok_visa"})
	d.sub = p.ok("POST", "/v1/subscriptions", key, map[string]any{"customer": d.cusID, "items": []map[string]any{{"price": d.pro}},
		"payment_method": pm["id"]})
	d.subID = d.sub["id"].(string)
	return d
}

func exercisePendingUpdate(t *testing.T, p *program) {
	key := p.key
	t0 := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	t1 := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	d := newDowngradable(p, t0)
	clockID, cusID, subID, sub, pro, basic := d.clockID, d.cusID, d.subID, d.sub, d.pro, d.basic
	require.Contains(t, sub, "pending_update")
	require.Nil(t, sub["pending_update"], "nothing is scheduled yet")

	r := p.do("POST", "/v1/subscriptions/"+subID+"/pending_update/cancel", key, nil)
	require.Equal(t, http.StatusConflict, r.status, r.raw)
	require.Equal(t, "invalid_state_transition", r.body["code"])
	r = p.do("POST", "/v1/subscriptions/sub_missing/pending_update/cancel", key, nil)
	require.Equal(t, http.StatusNotFound, r.status, r.raw)

	wantPending := func(sub map[string]any) {
		t.Helper()
		pu, ok := sub["pending_update"].(map[string]any)
		require.True(t, ok, "pending_update is an object: %v", sub["pending_update"])
		require.EqualValues(t, t1.Unix(), pu["effective_at"], "it applies at the period end")
		require.Equal(t, "none", pu["proration_behavior"])
		items := pu["items"].([]any)
		require.Len(t, items, 1)
		require.Equal(t, basic, items[0].(map[string]any)["price"])
		require.EqualValues(t, 1, items[0].(map[string]any)["quantity"])
		require.Equal(t, pro, sub["items"].([]any)[0].(map[string]any)["price"], "the items stay until then")
	}
	changed := p.ok("POST", "/v1/subscriptions/"+subID+"/change", key, map[string]any{"items": []map[string]any{{"price": basic}}})
	wantPending(changed)
	wantPending(p.ok("GET", "/v1/subscriptions/"+subID, key, nil))
	list := p.ok("GET", "/v1/subscriptions?customer="+cusID, key, nil)["data"].([]any)
	require.Len(t, list, 1)
	wantPending(list[0].(map[string]any))
	updated := p.ok("GET", "/v1/events?type=customer.subscription.updated&limit=1", key, nil)["data"].([]any)
	require.Len(t, updated, 1)
	wantPending(updated[0].(map[string]any)["data"].(map[string]any)["object"].(map[string]any))

	canceled := p.ok("POST", "/v1/subscriptions/"+subID+"/pending_update/cancel", key, nil)
	require.Nil(t, canceled["pending_update"])
	require.Nil(t, p.ok("GET", "/v1/subscriptions/"+subID, key, nil)["pending_update"])
	updated = p.ok("GET", "/v1/events?type=customer.subscription.updated&limit=1", key, nil)["data"].([]any)
	require.Nil(t, updated[0].(map[string]any)["data"].(map[string]any)["object"].(map[string]any)["pending_update"],
		"the cancellation is an event too")

	// Scheduled again, the renewal applies it; then there is nothing to cancel.
	wantPending(p.ok("POST", "/v1/subscriptions/"+subID+"/change", key, map[string]any{"items": []map[string]any{{"price": basic}}}))
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": t1.Add(time.Hour).Unix()})
	sub = p.ok("GET", "/v1/subscriptions/"+subID, key, nil)
	require.Nil(t, sub["pending_update"])
	require.Equal(t, basic, sub["items"].([]any)[0].(map[string]any)["price"])
	r = p.do("POST", "/v1/subscriptions/"+subID+"/pending_update/cancel", key, nil)
	require.Equal(t, http.StatusConflict, r.status, r.raw)
	require.Equal(t, "invalid_state_transition", r.body["code"])
}

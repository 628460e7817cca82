package main

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestUpdateEventsOverHTTP checks, once on each database, that customers
// have events (customer.created, customer.updated, which endpoints can
// subscribe to) and that every update event carries previous_attributes:
// the fields that changed, with their values before, in the API's shape.
func TestUpdateEventsOverHTTP(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		exerciseUpdateEvents(t, startProgram(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db")))
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		exerciseUpdateEvents(t, startProgram(t, pgtest.URL(t)))
	})
}

// eventData is the data of the newest event of type typ.
func eventData(p *program, typ string) map[string]any {
	p.t.Helper()
	evs := p.ok("GET", "/v1/events?limit=1&type="+typ, p.key, nil)["data"].([]any)
	require.Len(p.t, evs, 1, "an event %s", typ)
	return evs[0].(map[string]any)["data"].(map[string]any)
}

func exerciseUpdateEvents(t *testing.T, p *program) {
	key := p.key
	ep := p.ok("POST", "/v1/webhook_endpoints", key, map[string]any{"url": "https://hooks.example.com/cuota",
		"enabled_events": []string{"customer.created", "customer.updated", "customer.subscription.updated"}})
	require.Equal(t, []any{"customer.created", "customer.updated", "customer.subscription.updated"}, ep["enabled_events"])

	cus := p.ok("POST", "/v1/customers", key, map[string]any{"email": "ana@example.cl", "name": "Ana"})
	cusID := cus["id"].(string)
	created := eventData(p, "customer.created")
	require.Equal(t, cusID, created["object_id"])
	require.Equal(t, "ana@example.cl", created["object"].(map[string]any)["email"], "the customer in the API's shape")
	require.NotContains(t, created, "previous_attributes", "only updates have previous_attributes")

	p.ok("POST", "/v1/customers/"+cusID, key, map[string]any{"email": "ana@agente.cl", "metadata": map[string]string{"crm": "42"}})
	updated := eventData(p, "customer.updated")
	require.Equal(t, "ana@agente.cl", updated["object"].(map[string]any)["email"])
	prev := updated["previous_attributes"].(map[string]any)
	require.Equal(t, "ana@example.cl", prev["email"])
	require.Equal(t, map[string]any{}, prev["metadata"])
	delete(prev, "updated") // the update's second may or may not differ from the creation's
	require.Len(t, prev, 2, "only what changed: %v", prev)

	// A scheduled downgrade, then its cancellation: the subscription's
	// update events say what each one changed.
	t0 := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	d := newDowngradable(p, t0)
	clockID, subID, basic := d.clockID, d.subID, d.basic

	p.ok("POST", "/v1/subscriptions/"+subID+"/change", key, map[string]any{"items": []map[string]any{{"price": basic}}})
	data := eventData(p, "customer.subscription.updated")
	require.Equal(t, subID, data["object_id"])
	require.Equal(t, map[string]any{"pending_update": nil}, data["previous_attributes"], "the downgrade is scheduled")

	p.ok("POST", "/v1/subscriptions/"+subID+"/pending_update/cancel", key, nil)
	data = eventData(p, "customer.subscription.updated")
	prev = data["previous_attributes"].(map[string]any)
	require.Equal(t, []string{"pending_update"}, keys(prev), "only the pending update changed")
	was := prev["pending_update"].(map[string]any)
	require.Equal(t, basic, was["items"].([]any)[0].(map[string]any)["price"], "its value before, in the API's shape")
	require.Nil(t, data["object"].(map[string]any)["pending_update"])

	// A renewal is an update too.
	end := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": end.Add(time.Hour).Unix()})
	data = eventData(p, "customer.subscription.updated")
	prev = data["previous_attributes"].(map[string]any)
	require.Equal(t, []string{"current_period_end", "current_period_start"}, keys(prev))
	require.EqualValues(t, t0.Unix(), prev["current_period_start"])
	require.EqualValues(t, end.Unix(), prev["current_period_end"])
}

// keys returns m's keys, sorted.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

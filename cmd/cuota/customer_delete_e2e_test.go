package main

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestCustomerDeleteOverHTTP checks, once on each database, that deleting a
// customer answers like Stripe, cancels its live subscriptions at once
// (requested_by_merchant, with their own events), writes customer.deleted
// with the customer as it was, and that afterwards the customer is gone
// from the API: not found, not listed, not updatable, not deletable again,
// refused as the customer of anything new; its external_id is free again.
func TestCustomerDeleteOverHTTP(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		exerciseCustomerDelete(t, startProgram(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db")))
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		exerciseCustomerDelete(t, startProgram(t, pgtest.URL(t)))
	})
}

func exerciseCustomerDelete(t *testing.T, p *program) {
	key := p.key
	ep := p.ok("POST", "/v1/webhook_endpoints", key, map[string]any{"url": "https://hooks.example.com/cuota",
		"enabled_events": []string{"customer.deleted"}})
	require.Equal(t, []any{"customer.deleted"}, ep["enabled_events"], "endpoints can subscribe to customer.deleted")

	t0 := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	d := newDowngradable(p, t0)
	cusID, subID := d.cusID, d.subID
	require.Equal(t, "active", d.sub["status"])
	p.ok("POST", "/v1/customers/"+cusID, key, map[string]any{"external_id": "crm_7", "name": "Ana"})
	other := p.ok("POST", "/v1/customers", key, map[string]any{"email": "otro@example.cl"})["id"].(string)
	draft := p.ok("POST", "/v1/invoices", key, map[string]any{"customer": cusID, "currency": "CLP",
		"items": []map[string]any{{"amount": 5000, "description": "Instalación"}}})["id"].(string)

	del := p.ok("DELETE", "/v1/customers/"+cusID, key, nil)
	require.Equal(t, map[string]any{"id": cusID, "object": "customer", "deleted": true}, del)

	// The event carries the customer as it was.
	data := eventData(p, "customer.deleted")
	require.Equal(t, cusID, data["object_id"])
	obj := data["object"].(map[string]any)
	require.Equal(t, cusID, obj["id"])
	require.Equal(t, "customer", obj["object"])
	require.Equal(t, "pending@example.cl", obj["email"])
	require.Equal(t, "Ana", obj["name"])
	require.Equal(t, "crm_7", obj["external_id"])
	require.NotContains(t, data, "previous_attributes")

	// Its subscription was canceled now, as by the merchant, with its event.
	sub := p.ok("GET", "/v1/subscriptions/"+subID, key, nil)
	require.Equal(t, "canceled", sub["status"])
	require.Equal(t, "requested_by_merchant", sub["cancellation_reason"])
	require.NotNil(t, sub["ended_at"])
	subDeleted := eventData(p, "customer.subscription.deleted")
	require.Equal(t, subID, subDeleted["object_id"])
	require.Equal(t, "canceled", subDeleted["object"].(map[string]any)["status"])

	// The audit log has the deletion and the detached card.
	actions := map[string]int{}
	for _, e := range p.ok("GET", "/v1/audit_log?limit=100", key, nil)["data"].([]any) {
		actions[e.(map[string]any)["action"].(string)]++
	}
	require.Equal(t, 1, actions["customer.delete"])
	require.Equal(t, 1, actions["payment_method.detach"])

	// Its card is detached: a draft made before cannot charge it.
	r := p.do("POST", "/v1/invoices/"+draft+"/finalize", key, nil)
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
	require.Equal(t, "payment_method", r.body["param"], r.raw)

	// Gone from the API.
	missing := func(r response, status int, param string) {
		t.Helper()
		require.Equal(t, status, r.status, r.raw)
		require.Equal(t, "resource_missing", r.body["code"], r.raw)
		if param != "" {
			require.Equal(t, param, r.body["param"], r.raw)
		}
	}
	missing(p.do("GET", "/v1/customers/"+cusID, key, nil), http.StatusNotFound, "")
	missing(p.do("POST", "/v1/customers/"+cusID, key, map[string]any{"name": "Otra"}), http.StatusNotFound, "")
	missing(p.do("DELETE", "/v1/customers/"+cusID, key, nil), http.StatusNotFound, "")
	missing(p.do("GET", "/v1/customers/"+cusID+"/payment_methods", key, nil), http.StatusNotFound, "")
	missing(p.do("POST", "/v1/customers/"+cusID+"/payment_methods", key, map[string]any{"gateway": "sim", "token": "tok_visa"}), http.StatusNotFound, "")
	missing(p.do("POST", "/v1/customers/"+cusID+"/payment_method_setups", key, map[string]any{"gateway": "sim",
		"return_url": "https://shop.example.cl/done"}), http.StatusNotFound, "")
	missing(p.do("POST", "/v1/subscriptions", key, map[string]any{"customer": cusID, "items": []map[string]any{{"price": d.pro}}}),
		http.StatusBadRequest, "customer")
	missing(p.do("POST", "/v1/invoices", key, map[string]any{"customer": cusID, "currency": "CLP",
		"items": []map[string]any{{"amount": 5000, "description": "Instalación"}}}), http.StatusBadRequest, "customer")
	missing(p.do("POST", "/v1/checkout_sessions", key, map[string]any{"mode": "setup", "customer": cusID,
		"success_url": "https://shop.example.cl/ok", "cancel_url": "https://shop.example.cl/no"}), http.StatusBadRequest, "customer")
	missing(p.do("POST", "/v1/portal_sessions", key, map[string]any{"customer": cusID, "return_url": "https://shop.example.cl/cuenta"}),
		http.StatusBadRequest, "customer")
	missing(p.do("DELETE", "/v1/customers/cus_missing", key, nil), http.StatusNotFound, "")

	listed := func(query string) []string {
		t.Helper()
		var ids []string
		for _, c := range p.ok("GET", "/v1/customers"+query, key, nil)["data"].([]any) {
			ids = append(ids, c.(map[string]any)["id"].(string))
		}
		return ids
	}
	require.Equal(t, []string{other}, listed(""), "lists leave deleted customers out")
	require.Empty(t, listed("?external_id=crm_7"))

	// Its external_id is free for a new customer.
	reuse := p.ok("POST", "/v1/customers", key, map[string]any{"email": "ana@example.cl", "external_id": "crm_7"})
	require.Equal(t, []string{reuse["id"].(string)}, listed("?external_id=crm_7"))
	r = p.do("POST", "/v1/customers", key, map[string]any{"external_id": "crm_7"})
	require.Equal(t, http.StatusConflict, r.status, "still unique among customers not deleted: %s", r.raw)

	// The invoices of the deleted customer are still there to read.
	invs := p.ok("GET", "/v1/invoices?subscription="+subID, key, nil)["data"].([]any)
	require.NotEmpty(t, invs)
	require.Equal(t, cusID, invs[0].(map[string]any)["customer"])
}

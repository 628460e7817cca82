package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// TestPortalMonthlyToAnnual: in the portal the customer switches a monthly
// plan to the same product's annual price; the preview's amount is what
// the switch's invoice then asks for, the customer's credit balance
// (20.000) counted in both.
func TestPortalMonthlyToAnnual(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	agente := s.product("Agente", map[string]int64{"properties": 5})
	month := s.price(agente, 10000, "CLP", "month")
	year := s.price(agente, 100000, "CLP", "year")
	t0 := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	clock := s.ok("POST", "/v1/test_clocks", map[string]any{"frozen_time": t0.Unix()})
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "ana@example.cl", "name": "Ana Soto", "locale": "es-CL", "test_clock": clock["id"]})
	cusID := cus["id"].(string)
	pm := s.ok("POST", "/v1/customers/"+cusID+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	sub := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cusID, "items": []map[string]any{{"price": month}}, "payment_method": pm["id"]})
	subID := sub["id"].(string)
	// Halfway through the 28-day February period.
	s.ok("POST", "/v1/test_clocks/"+clock["id"].(string)+"/advance", map[string]any{"frozen_time": t0.AddDate(0, 0, 14).Unix()})

	s.ok("POST", "/v1/customers/"+cusID+"/balance_transactions", map[string]any{"amount": -20000, "currency": "CLP"})

	portal := s.ok("POST", "/v1/portal_sessions", map[string]any{"customer": cusID, "return_url": s.merchant + "/account"})
	b.visit(portal["url"].(string), "#sub-"+subID)
	b.click("#change-"+subID, "#plan-"+year)
	require.Contains(t, b.text(`label[for="plan-`+year+`"]`), "$100.000 al año")
	b.choose("#plan-" + year)
	b.click("#preview", "#change-preview")
	b.checkPage()
	lines := b.text("#proration-lines")
	require.Contains(t, lines, "Crédito por el tiempo no usado de Agente")
	credit, err := money.Format(money.Amount{Minor: -5000, Currency: "CLP"}, "es-CL")
	require.NoError(t, err)
	require.Contains(t, lines, credit)
	require.Contains(t, lines, "Agente hasta el 14 de febrero de 2027")
	require.Contains(t, lines, "$100.000")
	require.Equal(t, "$-20.000", b.text("#balance-applied"), "the credit the switch uses")
	shown := b.text("#due-now")
	require.Equal(t, "$75.000", shown, "95.000 less the 20.000 of credit")
	// The API previews the same switch alike, and refuses to schedule it.
	preview := s.ok("POST", "/v1/subscriptions/"+subID+"/change/preview", map[string]any{"items": []map[string]any{{"price": year}}})
	require.EqualValues(t, 75000, preview["amount_due_now"])
	require.Len(t, preview["lines"], 2)
	code, body := s.do("POST", "/v1/subscriptions/"+subID+"/change/preview", map[string]any{"items": []map[string]any{{"price": year}}, "effective_at": "period_end"})
	require.Equal(t, 400, code)
	require.Equal(t, "effective_at", body["param"], "%v", body)

	b.click("#confirm-change", "#notice")
	got := s.ok("GET", "/v1/subscriptions/"+subID, nil)
	require.Equal(t, year, got["items"].([]any)[0].(map[string]any)["price"])
	invs := s.ok("GET", "/v1/invoices?subscription="+subID, nil)["data"].([]any)
	require.Len(t, invs, 2)
	latest := invs[0].(map[string]any) // newest first
	require.Equal(t, "subscription_update", latest["billing_reason"])
	var due string
	due, err = money.Format(money.Amount{Minor: int64(latest["amount_due"].(float64)), Currency: "CLP"}, "es-CL")
	require.NoError(t, err)
	require.Equal(t, shown, due, "the preview's amount is the invoice's amount due")
}

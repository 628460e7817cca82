package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestPortalShowsCreditBalance: a customer with credit on its balance sees
// it in the portal, and the next renewal's amount already uses it.
func TestPortalShowsCreditBalance(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	plan := s.product("Básico", map[string]int64{"properties": 5})
	month := s.price(plan, 5000, "CLP", "month")
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "tomas@example.cl", "name": "Tomás Rojas", "locale": "es-CL"})
	cusID := cus["id"].(string)
	pm := s.ok("POST", "/v1/customers/"+cusID+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	sub := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cusID, "items": []map[string]any{{"price": month}}, "payment_method": pm["id"]})
	s.ok("POST", "/v1/customers/"+cusID+"/balance_transactions", map[string]any{"amount": -1200, "currency": "CLP", "description": "Compensación"})

	portal := s.ok("POST", "/v1/portal_sessions", map[string]any{"customer": cusID, "return_url": s.merchant + "/account"})
	b.visit(portal["url"].(string), "#credit-balance")
	require.Equal(t, "Saldo a favor: $1.200", b.text("#credit-balance"))
	require.Contains(t, b.text("#renewal-"+sub["id"].(string)), "por $3.800", "the next renewal uses the credit")
	b.checkPage()
}

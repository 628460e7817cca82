package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// TestPricingTableToggleToSubscription: the pricing table of a publishable
// key shows monthly cards; the toggle switches to the annual ones (CSS
// only, no script); an annual card's button starts a checkout that ends on
// cuota's thank-you page with an active yearly subscription.
func TestPricingTableToggleToSubscription(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	basic := s.product("Básico", map[string]int64{"properties": 5})
	pro := s.product("Pro", map[string]int64{"properties": 20, "featured": 1})
	basicMonth := s.price(basic, 5000, "CLP", "month")
	basicYear := s.price(basic, 50000, "CLP", "year")
	proMonth := s.price(pro, 10000, "CLP", "month")
	proYear := s.price(pro, 100000, "CLP", "year")
	pk := s.ok("POST", "/v1/publishable_keys", map[string]any{})
	require.True(t, strings.HasPrefix(pk["id"].(string), "pk_test_"), pk)
	require.Equal(t, s.url+"/pricing/"+pk["id"].(string), pk["pricing_table_url"])
	listed := s.ok("GET", "/v1/publishable_keys", nil)["data"].([]any)
	require.Len(t, listed, 1)

	// The pricing table may be put in any site's iframe; nothing else may.
	res, err := http.Get(pk["pricing_table_url"].(string))
	require.NoError(t, err)
	res.Body.Close()
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "frame-ancestors *")
	require.Empty(t, res.Header.Get("X-Frame-Options"))

	b.visit(pk["pricing_table_url"].(string)+"?lang=es", "#plan-"+basicMonth)
	require.Equal(t, "$5.000 al mes", b.text("#plan-"+basicMonth+" .plan-price"))
	require.Equal(t, "$10.000 al mes", b.text("#plan-"+proMonth+" .plan-price"))
	b.hidden("#plan-" + proYear)
	b.checkPage()

	b.click(`label[for="cycle-year"]`, "#plan-"+proYear)
	require.Equal(t, "$100.000 al año", b.text("#plan-"+proYear+" .plan-price"))
	require.Equal(t, "$50.000 al año", b.text("#plan-"+basicYear+" .plan-price"))
	b.hidden("#plan-" + proMonth)
	b.hidden("#plan-" + basicMonth)
	b.click(`label[for="cycle-month"]`, "#plan-"+proMonth)
	b.hidden("#plan-" + proYear)
	b.click(`label[for="cycle-year"]`, "#plan-"+proYear)

	b.click("#subscribe-"+proYear, "#email")
	require.Equal(t, "Suscribirse a Pro", b.text("h1"))
	require.Contains(t, b.text(`label[for="price-`+proYear+`"]`), "$100.000 al año")
	b.typeInto("#email", "rosa@example.cl")
	b.click("#pay", "#card-"+billing.SimTokVisa)
	b.simCard(billing.SimTokVisa, "#thanks-title")
	require.Contains(t, b.location(), "/thanks?session_id=cs_test_")

	subs := s.ok("GET", "/v1/subscriptions?price="+proYear, nil)["data"].([]any)
	require.Len(t, subs, 1)
	sub := subs[0].(map[string]any)
	require.Equal(t, "active", sub["status"])

	// The thank-you page names the merchant, what was bought, what was
	// paid and the next charge, and opens the customer's portal.
	require.Equal(t, "¡Gracias por tu compra!", b.text("#thanks-title"))
	require.Equal(t, "Corredora Sur", b.text("#merchant"))
	require.Equal(t, "Tu suscripción con Corredora Sur está activa.", b.text("#thanks-body"))
	require.Equal(t, "Pro $100.000 al año", b.text("#bought"))
	require.Equal(t, "$100.000", b.text("#paid-today"))
	end := time.Unix(int64(sub["current_period_end"].(float64)), 0).UTC()
	months := []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
	require.Equal(t, fmt.Sprintf("Próximo cobro: %d de %s de %d por $100.000.", end.Day(), months[end.Month()-1], end.Year()), b.text("#next-charge"))
	b.checkPage()
	b.click("#to-portal", "#sub-"+sub["id"].(string))
	require.Contains(t, b.location(), "/portal/bps_")
	require.Equal(t, "Activa", b.text("#status-"+sub["id"].(string)))

	// A revoked key's table is gone.
	s.ok("POST", "/v1/publishable_keys/"+pk["id"].(string)+"/revoke", nil)
	b.visit(pk["pricing_table_url"].(string)+"?lang=es", "main h1")
	require.Equal(t, "Enlace no encontrado", b.text("main h1"))
}

// TestPortalCancelReactivateChange: in the portal the customer cancels at
// period end (after confirming), reactivates, upgrades with the exact
// proration the API previews, downgrades with a warning listing the
// features it reduces, and updates the card through the sim's card page.
func TestPortalCancelReactivateChange(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	basic := s.product("Básico", map[string]int64{"properties": 5})
	pro := s.product("Pro", map[string]int64{"properties": 20, "featured": 1})
	basicMonth := s.price(basic, 5000, "CLP", "month")
	proMonth := s.price(pro, 10000, "CLP", "month")
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := s.ok("POST", "/v1/test_clocks", map[string]any{"frozen_time": t0.Unix()})
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "rosa@example.cl", "name": "Rosa Díaz", "locale": "es-CL", "test_clock": clock["id"]})
	cusID := cus["id"].(string)
	pm := s.ok("POST", "/v1/customers/"+cusID+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	sub := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cusID, "items": []map[string]any{{"price": basicMonth}}, "payment_method": pm["id"]})
	subID := sub["id"].(string)
	// Ten days in, so that an upgrade prorates.
	s.ok("POST", "/v1/test_clocks/"+clock["id"].(string)+"/advance", map[string]any{"frozen_time": t0.AddDate(0, 0, 10).Unix()})

	portal := s.ok("POST", "/v1/portal_sessions", map[string]any{"customer": cusID, "return_url": s.merchant + "/account"})
	require.EqualValues(t, portal["created"].(float64)+3600, portal["expires_at"], "a portal link lasts one hour")

	b.visit(portal["url"].(string), "#sub-"+subID)
	require.Equal(t, "Activa", b.text("#status-"+subID))
	require.Equal(t, "Próxima renovación: 1 de abril de 2026 por $5.000.", b.text("#renewal-"+subID))
	require.Contains(t, b.text("#payment-method"), "•••• 4242")
	require.Contains(t, b.text(".invoices"), "$5.000")
	b.checkPage()

	// Cancel at period end, after a confirmation that says until when.
	b.click("#cancel-"+subID, "#confirm-cancel")
	require.Contains(t, b.text("#cancel-body"), "Seguirá activa hasta el 1 de abril de 2026")
	b.checkPage()
	b.choose("#feedback-unused")
	b.click("#confirm-cancel", "#notice")
	require.Contains(t, b.text("#cancels-"+subID), "Se cancela el 1 de abril de 2026")
	require.Equal(t, true, s.ok("GET", "/v1/subscriptions/"+subID, nil)["cancel_at_period_end"])

	// Reactivate.
	b.click("#reactivate-"+subID, "#renewal-"+subID)
	require.Contains(t, b.text("#notice"), "sigue activa")
	require.Equal(t, false, s.ok("GET", "/v1/subscriptions/"+subID, nil)["cancel_at_period_end"])

	// Upgrade: the page's proration is exactly the API's preview.
	b.click("#change-"+subID, "#plan-"+proMonth)
	b.checkPage()
	b.choose("#plan-" + proMonth)
	b.click("#preview", "#change-preview")
	preview := s.ok("POST", "/v1/subscriptions/"+subID+"/change/preview", map[string]any{"items": []map[string]any{{"price": proMonth}}})
	due, err := money.Format(money.Amount{Minor: int64(preview["amount_due_now"].(float64)), Currency: "CLP"}, "es-CL")
	require.NoError(t, err)
	require.Equal(t, due, b.text("#due-now"))
	require.Greater(t, preview["amount_due_now"].(float64), 0.0)
	lines := b.text("#proration-lines")
	for _, l := range preview["lines"].([]any) {
		amount, err := money.Format(money.Amount{Minor: int64(l.(map[string]any)["amount"].(float64)), Currency: "CLP"}, "es-CL")
		require.NoError(t, err)
		require.Contains(t, lines, amount)
	}
	b.absent("#downgrade-warning")
	b.click("#confirm-change", "#notice")
	require.Contains(t, b.text("#sub-"+subID+" h3"), "Pro")
	got := s.ok("GET", "/v1/subscriptions/"+subID, nil)
	require.Equal(t, proMonth, got["items"].([]any)[0].(map[string]any)["price"])

	// Downgrade: a warning lists what is reduced; it applies at period end.
	b.click("#change-"+subID, "#plan-"+basicMonth)
	b.choose("#plan-" + basicMonth)
	b.click("#preview", "#change-preview")
	warning := b.text("#downgrade-warning")
	require.Contains(t, warning, "featured: de 1 a 0")
	require.Contains(t, warning, "properties: de 20 a 5")
	require.Contains(t, b.text("#applies-at"), "1 de abril de 2026")
	b.click("#confirm-change", "#scheduled-"+subID)
	require.Contains(t, b.text("#renewal-"+subID), "$5.000", "the next renewal bills the lower plan")

	// Update the card through the sim's card page.
	b.click("#update-card", "#card-"+billing.SimTokFailAfterFirst)
	b.simCard(billing.SimTokFailAfterFirst, "#notice")
	require.Contains(t, b.text("#notice"), "Guardamos tu nueva tarjeta")
	require.NotContains(t, b.text("#payment-method"), "4242")
	b.checkPage()

	b.click("#return", "#merchant-page")
	require.Equal(t, s.merchant+"/account", b.location())
}

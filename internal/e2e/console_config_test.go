package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestConsoleConfig runs the catalog, webhooks, emails and settings pages
// as a merchant's owner: a product and a price typed in pesos, the price
// archived; a coupon and its promotion code; a webhook endpoint whose
// secret is shown once and rotated, a delivery with its attempts,
// redelivered; an email opened from the log; the merchant's time zone
// changed. Every page is checked at 375 and 1280 px; on both stores.
func TestConsoleConfig(t *testing.T) {
	t.Parallel()
	eachStore(t, testConsoleConfig)
}

func testConsoleConfig(t *testing.T, kind storeKind) {
	c := setupConsole(t, kind)
	s, b, owner := c.stack, c.b, c.owner
	ctx := t.Context()
	c.signInAs(ownerEmail, ownerPassword)

	// The catalog: a product, then a price typed in pesos with a thousands
	// dot; a price the currency cannot hold is refused with the reason.
	b.visit(s.url+"/console/catalog", "#new-product")
	b.configPage("catalog")
	b.typeInto("#product-name", "Plan Oficina")
	b.typeInto("#product-description", "Hasta tres usuarios")
	b.click("#create-product", "#new-price")
	require.Equal(t, "Plan Oficina", b.text("#title"))
	b.configPage("product")
	b.typeInto("#price-amount", "9,5")
	require.Equal(t, http.StatusBadRequest, b.status(chromedp.Click(chromedp.CSS("#create-price"), chromedp.NodeVisible)))
	require.Contains(t, b.text("#error"), "El monto no es válido para esa moneda")
	require.Equal(t, "9,5", b.value("#price-amount"), "the form comes back as typed")
	b.configPage("product-error")
	b.typeInto("#price-amount", "$9.990")
	b.typeInto("#price-nickname", "Mensual")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#create-price"), chromedp.NodeVisible)))
	require.Equal(t, "Precio creado.", b.text("#notice"))
	require.Contains(t, b.text("#prices"), "$9.990 · cada mes")
	prices := s.ok("GET", "/v1/prices?active=true", nil)["data"].([]any)
	require.Len(t, prices, 1)
	price := prices[0].(map[string]any)
	require.Equal(t, float64(9990), price["unit_amount"])
	require.Equal(t, "CLP", price["currency"])
	priceID := price["id"].(string)
	b.configPage("product-price")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#price-"+priceID+" button.archive"), chromedp.NodeVisible)))
	require.Contains(t, b.text("#notice"), "Archivado")
	require.Contains(t, b.text("#price-"+priceID+" .status"), "Archivado")
	require.Equal(t, false, s.ok("GET", "/v1/prices/"+priceID, nil)["active"])

	// A coupon and a promotion code for it.
	b.visit(s.url+"/console/catalog/coupons", "#new-coupon")
	b.typeInto("#coupon-name", "Bienvenida")
	b.typeInto("#coupon-value", "12,5")
	b.run(chromedp.SetValue(chromedp.CSS("#coupon-until"), "2099-12-31"))
	b.click("#create-coupon", "#coupons")
	require.Contains(t, b.text("#coupons"), "12,5 %")
	require.Contains(t, b.text("#coupons"), "31 de diciembre de 2099", "usable through the day chosen")
	b.typeInto("#code-code", "hola2026")
	b.click("#create-code", "#codes")
	require.Contains(t, b.text("#codes"), "HOLA2026")
	b.configPage("coupons")

	// A webhook endpoint: its secret is shown once, then rotated.
	var failing atomic.Bool
	failing.Store(true)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if failing.Load() {
			http.Error(w, "caído", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	b.visit(s.url+"/console/webhooks", "#new-endpoint")
	b.configPage("webhooks-empty")
	b.typeInto("#endpoint-url", receiver.URL+"/hooks")
	b.typeInto("#endpoint-description", "Servidor de la oficina")
	b.click("#create-endpoint", "#new-secret")
	first := b.text("#new-secret")
	require.True(t, strings.HasPrefix(first, "whsec_"), first)
	b.configPage("webhook-created")
	eps, err := s.app.Notifications.ListWebhookEndpoints(ctx, s.scope, billing.Page{})
	require.NoError(t, err)
	require.Len(t, eps.Data, 1)
	ep := eps.Data[0]
	b.visit(s.url+"/console/webhooks/"+ep.ID, "#endpoint-health")
	b.absent("#new-secret")
	b.click("#rotate-secret", "#new-secret")
	second := b.text("#new-secret")
	require.True(t, strings.HasPrefix(second, "whsec_"), second)
	require.NotEqual(t, first, second)
	b.configPage("webhook-rotated")

	// A subscription: events for the endpoint and a receipt to email. The
	// dispatcher and the jobs are run here, as the workers would.
	plan := s.price(s.product("Plan Pro", nil), 15000, "CLP", "month")
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "ana@example.cl", "name": "Ana Rojas"})
	pm := s.ok("POST", "/v1/customers/"+cus["id"].(string)+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cus["id"], "items": []map[string]any{{"price": plan}}, "payment_method": pm["id"]})
	// Everything up to the receipt's email: the subscription's events
	// come after the customer's.
	s.dispatchUntil("the receipt's email", func(ctx context.Context) bool {
		l, err := s.app.Notifications.ListEmails(ctx, s.scope, billing.EmailFilter{Template: billing.EmailPaymentReceipt}, billing.Page{})
		return err == nil && len(l.Data) > 0
	})
	ds, err := s.app.Notifications.ListWebhookDeliveries(ctx, s.scope, ep.ID, billing.DeliveryFilter{}, billing.Page{Limit: 100})
	require.NoError(t, err)
	require.NotEmpty(t, ds.Data)
	var created string // the delivery of customer.created
	for _, d := range ds.Data {
		if d.Delivery.EventType == "customer.created" {
			created = d.Delivery.ID
		}
	}
	require.NotEmpty(t, created)
	args := app.DeliverWebhookArgs{MerchantID: s.scope.MerchantID, Mode: s.scope.Mode, DeliveryID: created}
	_, err = s.app.Notifications.DeliverWebhook(ctx, args, 1, apiobj.EventObject)
	require.NoError(t, err)
	failing.Store(false)
	_, err = s.app.Notifications.DeliverWebhook(ctx, args, 2, apiobj.EventObject)
	require.NoError(t, err)

	b.visit(s.url+"/console/webhooks/"+ep.ID, "#deliveries")
	row := "#delivery-" + created
	require.Contains(t, b.text(row), "Cliente creado")
	require.Contains(t, b.text(row), "Entregado")
	require.Equal(t, 2, evaluate[int](b, `document.querySelectorAll('`+row+` tr.attempt').length`))
	require.Contains(t, b.text(row+" tr.attempt:nth-child(1)"), "HTTP 500")
	require.Contains(t, b.text(row+" tr.attempt:nth-child(1)"), "Respondió con un error")
	require.Contains(t, b.text(row+" tr.attempt:nth-child(2)"), "HTTP 204")
	b.configPage("webhook-deliveries")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS(row+" button.redeliver"), chromedp.NodeVisible)))
	require.Contains(t, b.text("#notice"), "Reenvío en cola")
	args.Manual = true
	_, err = s.app.Notifications.DeliverWebhook(ctx, args, 1, apiobj.EventObject)
	require.NoError(t, err)
	b.visit(s.url+"/console/webhooks/"+ep.ID, "#deliveries")
	require.Equal(t, 3, evaluate[int](b, `document.querySelectorAll('`+row+` tr.attempt').length`))
	require.Contains(t, b.text(row+" tr.attempt:nth-child(3)"), "a mano")
	b.visit(s.url+"/console/webhooks", "#endpoints")
	require.Contains(t, b.text("#endpoints"), "Activo")
	b.configPage("webhooks")

	// The email log, and one email's message.
	emails, err := s.app.Notifications.ListEmails(ctx, s.scope, billing.EmailFilter{}, billing.Page{Limit: 100})
	require.NoError(t, err)
	require.NotEmpty(t, emails.Data)
	for _, e := range emails.Data {
		_, err := s.app.Notifications.SendEmail(ctx, app.SendEmailArgs{MerchantID: s.scope.MerchantID, Mode: s.scope.Mode, EmailID: e.ID}, 1)
		require.NoError(t, err)
	}
	b.visit(s.url+"/console/emails", "#emails")
	require.Contains(t, b.text("#emails"), "ana@example.cl")
	require.Contains(t, b.text("#emails"), "Comprobante de pago")
	b.configPage("emails")
	b.click("#emails a.email-link", "#email-text")
	require.Contains(t, b.text("#email-to"), "ana@example.cl")
	require.Contains(t, b.text("#email-text"), "15.000")
	b.configPage("email")
	b.click("#email-html", "body")
	require.Contains(t, evaluate[string](b, `document.body.innerText`), "15.000")
	require.Equal(t, "null", evaluate[string](b, `window.origin`), "the message is sandboxed: an origin of its own, not the console's")

	// The merchant's time zone.
	b.visit(s.url+"/console/settings/profile", "#profile")
	b.configPage("profile")
	b.typeInto("#p-tz", "America/Punta_Arenas")
	b.typeInto("#p-legal", "Corredora Sur SpA")
	b.typeInto("#p-rut", "76.086.428-5")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#save-profile"), chromedp.NodeVisible)))
	require.Equal(t, "Cambios guardados.", b.text("#notice"))
	require.Equal(t, "America/Punta_Arenas", b.value("#p-tz"))
	m := s.ok("GET", "/v1/merchant", nil)
	require.Equal(t, "America/Punta_Arenas", m["timezone"])
	b.configPage("profile-saved")
	b.visit(s.url+"/console/settings/dunning", "#dunning")
	require.Equal(t, "1d, 3d, 5d, 7d", b.value("#d-schedule"))
	b.configPage("dunning")
	b.visit(s.url+"/console/settings/gateways", "#gateway-flow")
	b.configPage("gateways")
	b.visit(s.url+"/console/settings/tax-documents", "#dte")
	b.configPage("tax-documents")

	// The audit log names the user.
	byUser := map[string]bool{}
	for _, e := range c.audit() {
		byUser[e.Action] = byUser[e.Action] || e.Actor == "user:"+owner.ID
	}
	for _, action := range []string{"product.create", "price.create", "price.update", "coupon.create", "promotion_code.create",
		"webhook_endpoint.create", "webhook_endpoint.rotate_secret", "webhook_delivery.redeliver"} {
		require.True(t, byUser[action], action)
	}
}

package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/money"
)

// recovering is the sim whose declining card (tok_failAfterFirst: the
// first charge passes, later ones are declined) starts to pass once
// recovered is set — as when the customer's bank lifts a block — so that
// a past-due subscription can be collected by retrying its invoice.
type recovering struct {
	*sim.Gateway
	recovered atomic.Bool
}

func (g *recovering) fix(r billing.ChargeRequest) billing.ChargeRequest {
	// A sim card's reference is "<its id>:<token>".
	if ref, ok := strings.CutSuffix(r.PaymentMethod.Token, ":"+billing.SimTokFailAfterFirst); ok && g.recovered.Load() {
		r.PaymentMethod.Token = ref + ":" + billing.SimTokVisa
	}
	return r
}

func (g *recovering) Charge(ctx context.Context, r billing.ChargeRequest) (billing.ChargeResult, error) {
	return g.Gateway.Charge(ctx, g.fix(r))
}

func (g *recovering) ChargeMany(ctx context.Context, rs []billing.ChargeRequest) ([]billing.ChargeResult, []error) {
	fixed := make([]billing.ChargeRequest, len(rs))
	for i, r := range rs {
		fixed[i] = g.fix(r)
	}
	return g.Gateway.ChargeMany(ctx, fixed)
}

// TestConsoleSubscriptionActions runs a subscription's actions from its
// console page: a renewal declined by the sim's declining card leaves it
// past due; once the card recovers, retrying from the console pays the
// invoice. Then a plan change shows the API's exact preview and is
// confirmed, the subscription is paused and resumed, a portal link is made
// (and opens the portal), another subscription is canceled at the end of
// its period with a reason, and the list's CSV is downloaded with its
// filter. Every page is checked at 375 and 1280 px; on both stores.
func TestConsoleSubscriptionActions(t *testing.T) {
	t.Parallel()
	eachStore(t, testConsoleSubscriptionActions)
}

func testConsoleSubscriptionActions(t *testing.T, kind storeKind) {
	var gw *recovering
	c := setupConsole(t, kind, func(c *app.Config) {
		gw = &recovering{Gateway: c.Gateways[billing.GatewaySim].(*sim.Gateway)}
		c.Gateways[billing.GatewaySim] = gw
	})
	s, b := c.stack, c.b
	basic := s.price(s.product("Plan Básico", map[string]int64{"usuarios": 1}), 10000, "CLP", "month")
	pro := s.price(s.product("Plan Pro", map[string]int64{"usuarios": 5}), 30000, "CLP", "month")

	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	clock := s.ok("POST", "/v1/test_clocks", map[string]any{"frozen_time": t0.Unix()})
	ana := s.ok("POST", "/v1/customers", map[string]any{"email": "ana@example.cl", "name": "Ana Rojas", "test_clock": clock["id"]})
	pm := s.ok("POST", "/v1/customers/"+ana["id"].(string)+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokFailAfterFirst})
	subID := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": ana["id"], "items": []map[string]any{{"price": basic}},
		"payment_method": pm["id"]})["id"].(string)
	// The renewal a month later is declined: past due.
	s.ok("POST", "/v1/test_clocks/"+clock["id"].(string)+"/advance", map[string]any{"frozen_time": t0.AddDate(0, 1, 0).Add(time.Hour).Unix()})
	require.Equal(t, "past_due", s.ok("GET", "/v1/subscriptions/"+subID, nil)["status"])

	luis := s.ok("POST", "/v1/customers", map[string]any{"email": "luis@example.cl", "name": "Luis Soto"})
	pm2 := s.ok("POST", "/v1/customers/"+luis["id"].(string)+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	luisSub := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": luis["id"], "items": []map[string]any{{"price": pro}},
		"payment_method": pm2["id"]})["id"].(string)

	c.signInAs(ownerEmail, ownerPassword)
	b.visit(s.url+"/console/subscriptions?status=past_due", "#subscriptions")
	require.Contains(t, b.text("#subscriptions"), "Ana Rojas")
	require.NotContains(t, b.text("#subscriptions"), "Luis Soto", "filtered by status")
	b.consolePage("ops-subscriptions-past-due")
	b.click("#sub-"+subID+" a.open", "#sub-facts")
	require.Contains(t, b.text("#sub-status"), "Pago atrasado")
	require.Contains(t, b.text("#sub-dunning"), "Intentos de cobro: 1")
	require.Contains(t, b.text("#sub-dunning"), "Por pagar")
	b.consolePage("ops-subscription-past-due")

	// Retrying while the card still declines: the invoice stays open.
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#retry-payment"), chromedp.NodeVisible)))
	require.Equal(t, "El cobro se intentó y no pasó; el documento sigue por pagar.", b.text("#notice"))
	require.Contains(t, b.text("#sub-dunning"), "Intentos de cobro: 2")
	// The bank lifts the block: the retry pays the invoice.
	gw.recovered.Store(true)
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#retry-payment"), chromedp.NodeVisible)))
	require.Equal(t, "El cobro se hizo: el documento quedó pagado.", b.text("#notice"))
	require.Contains(t, b.text("#sub-status"), "Activa")
	require.Contains(t, b.text("#sub-dunning"), "No hay nada pendiente de pago.")
	invoices := s.ok("GET", "/v1/invoices?subscription="+subID, nil)["data"].([]any)
	require.Equal(t, "paid", invoices[0].(map[string]any)["status"], "the renewal's invoice")

	// Change to Pro: the preview is the API's, to the peso; then confirm.
	b.run(chromedp.SetValue(chromedp.CSS("#change-price"), pro))
	b.click("#preview-change", "#change-preview")
	api := s.ok("POST", "/v1/subscriptions/"+subID+"/change/preview", map[string]any{"items": []map[string]any{{"price": pro}}})
	due, err := money.Format(money.Amount{Minor: int64(api["amount_due_now"].(float64)), Currency: "CLP"}, "es-CL")
	require.NoError(t, err)
	require.Equal(t, due, b.text("#preview-due"))
	require.Len(t, api["lines"], evaluate[int](b, `document.querySelectorAll('#preview-lines tbody tr').length`))
	require.Contains(t, b.text("#change-preview"), "Mejora: se aplica de inmediato.")
	require.Contains(t, b.text("#change-preview"), "usuarios 1 → 5")
	b.consolePage("ops-subscription-preview")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#confirm-change"), chromedp.NodeVisible)))
	require.Equal(t, "El plan se cambió.", b.text("#notice"))
	require.Contains(t, b.text("#title"), "Plan Pro")

	// Pause and resume.
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#pause"), chromedp.NodeVisible)))
	require.Equal(t, "La suscripción quedó pausada.", b.text("#notice"))
	require.Contains(t, b.text("#sub-status"), "Pausada")
	require.Equal(t, "paused", s.ok("GET", "/v1/subscriptions/"+subID, nil)["status"])
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#resume"), chromedp.NodeVisible)))
	require.Contains(t, b.text("#sub-status"), "Activa")
	require.Equal(t, "active", s.ok("GET", "/v1/subscriptions/"+subID, nil)["status"])

	// A portal link, shown once, opens the customer's portal.
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#make-portal"), chromedp.NodeVisible)))
	link := b.text("#portal-url")
	require.True(t, strings.HasPrefix(link, s.url+"/portal/"), link)
	b.consolePage("ops-subscription-portal")
	b.visit(s.url+"/console/subscriptions/"+subID, "#sub-facts")
	b.absent("#portal-url")
	b.visit(link, "#sub-"+subID)

	// The customer's page: its entitlements now are Pro's.
	b.visit(s.url+"/console/customers/"+ana["id"].(string), "#entitlements")
	require.Contains(t, b.text("#entitlements"), "usuarios 5")
	// Its timeline holds the audit log's entries too, naming who acted.
	require.Contains(t, b.text("#timeline"), "Suscripción modificada · duena@example.cl")
	b.consolePage("ops-customer")

	// Cancel Luis's at the end of its period, with a reason.
	b.visit(s.url+"/console/subscriptions/"+luisSub, "#cancel")
	b.run(chromedp.SetValue(chromedp.CSS("#cancel-reason"), "requested_by_merchant"),
		chromedp.SetValue(chromedp.CSS("#cancel-when"), "period_end"))
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#cancel"), chromedp.NodeVisible)))
	require.Equal(t, "La suscripción se cancelará al final del período.", b.text("#notice"))
	require.Contains(t, b.text("#sub-renewal"), "No se renovará")
	got := s.ok("GET", "/v1/subscriptions/"+luisSub, nil)
	require.Equal(t, true, got["cancel_at_period_end"])
	require.Equal(t, "requested_by_merchant", got["cancellation_reason"])
	b.consolePage("ops-subscription-canceling")
	// Undone, then scheduled again.
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#reactivate"), chromedp.NodeVisible)))
	require.Equal(t, "La suscripción ya no se cancelará.", b.text("#notice"))
	require.Equal(t, false, s.ok("GET", "/v1/subscriptions/"+luisSub, nil)["cancel_at_period_end"])
	b.run(chromedp.SetValue(chromedp.CSS("#cancel-reason"), "requested_by_merchant"),
		chromedp.SetValue(chromedp.CSS("#cancel-when"), "period_end"))
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#cancel"), chromedp.NodeVisible)))
	require.Equal(t, true, s.ok("GET", "/v1/subscriptions/"+luisSub, nil)["cancel_at_period_end"])

	// The list's CSV, with the page's filter, downloaded by the browser.
	b.visit(s.url+"/console/subscriptions?price="+pro, "#export-csv")
	require.Equal(t, 2, evaluate[int](b, `document.querySelectorAll('#subscriptions > li').length`), "both are on Pro now")
	b.consolePage("ops-subscriptions")
	csv := b.download("#export-csv")
	lines := strings.Split(strings.TrimSpace(csv), "\r\n")
	require.Len(t, lines, 3, csv)
	require.True(t, strings.HasPrefix(lines[0], "id,customer,status,"), lines[0])
	require.Contains(t, csv, subID)
	require.Contains(t, csv, luisSub)
}

// TestConsoleAlerts: while a test webhook endpoint fails, its alert is in
// the banner of every page and on the alerts page (the endpoint named by
// its address); support acknowledges it, which takes it off the banner;
// once the endpoint answers 200 the next attempt resolves it. On both
// stores.
func TestConsoleAlerts(t *testing.T) {
	t.Parallel()
	eachStore(t, testConsoleAlerts)
}

func testConsoleAlerts(t *testing.T, kind storeKind) {
	c := setupConsole(t, kind, func(c *app.Config) { c.Webhooks.AlertAfter = time.Nanosecond })
	s, b := c.stack, c.b
	var failing atomic.Bool
	failing.Store(true)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if failing.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hook.Close)
	ep := s.ok("POST", "/v1/webhook_endpoints", map[string]any{"url": hook.URL + "/hooks", "enabled_events": []string{"customer.created"}})
	epID := ep["id"].(string)
	s.ok("POST", "/v1/customers", map[string]any{"email": "ana@example.cl", "name": "Ana Rojas"})

	// Deliver the event's webhook as the delivery job would, attempt by
	// attempt: each call returns once the attempt is recorded.
	ctx := t.Context()
	s.dispatchUntil("the customer's delivery", func(ctx context.Context) bool {
		ds, err := s.app.Notifications.ListWebhookDeliveries(ctx, s.scope, epID, billing.DeliveryFilter{}, billing.Page{})
		return err == nil && len(ds.Data) > 0
	})
	ds, err := s.app.Notifications.ListWebhookDeliveries(ctx, s.scope, epID, billing.DeliveryFilter{}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, ds.Data, 1)
	args := app.DeliverWebhookArgs{MerchantID: s.scope.MerchantID, Mode: s.scope.Mode, DeliveryID: ds.Data[0].Delivery.ID}
	_, err = s.app.Notifications.DeliverWebhook(ctx, args, 1, apiobj.EventObject)
	require.NoError(t, err)

	s.user(billing.RoleSupport, "soporte@example.cl", "una clave bien larga")
	c.signInAs("soporte@example.cl", "una clave bien larga")
	require.Contains(t, b.text("#alerts"), "Un destino de webhooks está fallando")
	b.consolePage("ops-overview-alert")
	// Every signed-in page carries it, a page shown with its form's
	// status (the webhooks page) as well as a plain one.
	for _, path := range []string{"/console/webhooks", "/console/catalog", "/console/settings/profile", "/console/invoices"} {
		b.visit(s.url+path, "#title")
		require.Contains(t, b.text("#alerts"), "Un destino de webhooks está fallando", path)
	}
	b.click("#alerts a", "#alert-list")
	alerts, err := s.app.Alerts.ListAlerts(ctx, s.scope, billing.AlertFilter{}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, alerts.Data, 1)
	row := "#alert-" + alerts.Data[0].ID
	require.Contains(t, b.text(row+" .kind"), "Un destino de webhooks está fallando")
	require.Contains(t, b.text(row+" .object"), "Destino "+hook.URL+"/hooks")
	require.Equal(t, "Abierta", b.text(row+" .state"))
	require.Equal(t, "Advertencia", b.text(row+" .severity"))
	require.NotContains(t, b.text("#alert-list"), epID, "the endpoint is named by its address")
	b.consolePage("ops-alerts-open")

	// A second failure counts on the same alert.
	_, err = s.app.Notifications.DeliverWebhook(ctx, args, 2, apiobj.EventObject)
	require.NoError(t, err)
	b.visit(s.url+"/console/alerts", row)
	require.Equal(t, "2", b.text(row+" .count"))

	// Support acknowledges it: it leaves the banner, and stays listed.
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS(row+" button.ack"), chromedp.NodeVisible)))
	require.Equal(t, "La alerta quedó marcada como vista.", b.text("#notice"))
	require.Equal(t, "Vista", b.text(row+" .state"))
	b.absent("#alerts")
	got := s.ok("GET", "/v1/alerts/"+alerts.Data[0].ID, nil)
	require.Equal(t, "acknowledged", got["status"])

	// The endpoint recovers: the next attempt resolves the alert.
	failing.Store(false)
	_, err = s.app.Notifications.DeliverWebhook(ctx, args, 3, apiobj.EventObject)
	require.NoError(t, err)
	b.visit(s.url+"/console/alerts?status=resolved", row)
	require.Equal(t, "Resuelta", b.text(row+" .state"))
	b.absent(row + " button.ack")
	b.consolePage("ops-alerts-resolved")

	// The same page in English.
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#lang-switch"), chromedp.NodeVisible)))
	require.Equal(t, "Resolved", b.text(row+" .state"))
	require.Equal(t, "A webhook endpoint is failing", b.text(row+" .kind"))
	require.Contains(t, b.text(row+" .object"), "Endpoint "+hook.URL+"/hooks")
	b.consolePage("ops-alerts-en")
}

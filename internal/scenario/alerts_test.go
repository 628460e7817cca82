package scenario_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
)

// movingClock is an App clock the test moves (alerts live on real time,
// never on a test clock).
type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *movingClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// alertHarness is a harness whose App clock moves, with an alert email set.
func alertHarness(t *testing.T, sk storeKind, configure func(c *app.Config)) (*harness, *movingClock) {
	t.Helper()
	t0 := ts("2026-01-05T10:00:00Z")
	clock := &movingClock{now: t0}
	h := newHarnessWith(t, sk.open(t), func(c *app.Config, _ *sim.Gateway) {
		c.Now = clock.Now
		if configure != nil {
			configure(c)
		}
	})
	h.begin("America/Santiago", t0)
	_, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{Locale: ptr("es-CL"),
		AlertEmail: ptr("alertas@agente.example")})
	require.NoError(t, err)
	return h, clock
}

// alerts lists the scope's alerts of a status ("" for all), newest first.
func (h *harness) alerts(status billing.AlertStatus) []billing.Alert {
	h.t.Helper()
	l, err := h.app.Alerts.ListAlerts(h.ctx, h.s, billing.AlertFilter{Status: status}, billing.Page{Limit: 100})
	require.NoError(h.t, err)
	return l.Data
}

// alertOf returns the one alert of kind, whatever its status.
func (h *harness) alertOf(kind billing.AlertKind) billing.Alert {
	h.t.Helper()
	var found []billing.Alert
	for _, a := range h.alerts("") {
		if a.Kind == kind {
			found = append(found, a)
		}
	}
	require.Len(h.t, found, 1, "alerts of kind %s", kind)
	return found[0]
}

// check runs the periodic alert check.
func (h *harness) check() app.AlertCheckResult {
	h.t.Helper()
	r, err := h.app.Alerts.CheckAlerts(h.ctx)
	require.NoError(h.t, err)
	return r
}

// countEvents counts the events of a type about objectID.
func (h *harness) countEvents(typ, objectID string) int {
	h.t.Helper()
	n := 0
	for _, e := range h.events() {
		if e.Type == typ && e.ObjectID == objectID {
			n++
		}
	}
	return n
}

// TestAlertLateSuccess: a gateway reports money for a payment cuota
// failed. One alert opens (alert.opened, one email to the alert address);
// a repeat bumps it without another email; acknowledging keeps it; it
// never resolves by itself.
func TestAlertLateSuccess(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			h, clock := alertHarness(t, sk, nil)
			price := h.price(5000, "CLP", billing.IntervalMonth, 0)
			cus := h.customer("ana@example.com")
			pm := h.attach(cus.ID, billing.SimTokChargeDeclined)
			sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
			pays := h.payments(h.invoices(sub.ID)[0].ID)
			require.Len(t, pays, 1)
			pay := pays[0]
			require.Equal(t, billing.PaymentFailed, pay.Status)

			late := billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: "ch_late"}
			require.NoError(t, h.app.Collection.SettleGatewayCharge(h.ctx, h.s, "sim", pay.IdempotencyKey, late))
			al := h.alertOf(billing.AlertPaymentLateSuccess)
			require.Equal(t, billing.AlertOpen, al.Status)
			require.Equal(t, billing.SeverityCritical, al.Severity)
			require.Equal(t, "payment", al.ObjectType)
			require.Equal(t, pay.ID, al.ObjectID)
			require.Equal(t, int64(1), al.Count)
			require.Contains(t, al.Message.ES, "cobró un pago que cuota registró como fallido")
			require.Contains(t, al.Message.EN, "money taken for a payment cuota recorded as failed")
			require.Equal(t, 1, h.countEvents(app.EventAlertOpened, al.ID))

			// The event's object is the API's alert.
			var got apiobj.AlertJSON
			for _, e := range h.events() {
				if e.Type == app.EventAlertOpened {
					require.NoError(t, json.Unmarshal(apiobj.Event(e).Data.Object, &got))
				}
			}
			require.Equal(t, "alert", got.Object)
			require.Equal(t, al.ID, got.ID)
			require.Equal(t, apiobj.AlertObjectJSON{Type: "payment", ID: pay.ID}, got.Concerns)

			clock.advance(time.Hour)
			require.NoError(t, h.app.Collection.SettleGatewayCharge(h.ctx, h.s, "sim", pay.IdempotencyKey, late))
			again := h.alertOf(billing.AlertPaymentLateSuccess)
			require.Equal(t, al.ID, again.ID, "the same alert")
			require.Equal(t, int64(2), again.Count)
			require.Equal(t, al.FirstSeen, again.FirstSeen)
			require.Equal(t, clock.Now(), again.LastSeen)
			require.Equal(t, 1, h.countEvents(app.EventAlertOpened, al.ID), "a repeat emits nothing")
			// Both events dispatched (PostgreSQL's dispatcher waits for older
			// transactions of parallel tests, so an empty read of events
			// proves nothing): wait for the opening's email, then dispatch
			// again and find still one.
			alertEmails := func() []billing.Email {
				_, err := h.app.Notifications.DispatchNotifications(h.ctx)
				require.NoError(t, err)
				l, err := h.app.Notifications.ListEmails(h.ctx, h.s, billing.EmailFilter{Template: billing.EmailAlertOpened}, billing.Page{})
				require.NoError(t, err)
				return l.Data
			}
			waitFor(t, func() bool { return len(alertEmails()) > 0 }, "the opening's email")
			emails := alertEmails()
			require.Len(t, emails, 1, "one email per opening")
			require.Equal(t, []string{"alertas@agente.example"}, emails[0].To)
			require.Equal(t, "es-CL", emails[0].Locale)

			ack, err := h.app.Alerts.AcknowledgeAlert(h.ctx, h.s, al.ID)
			require.NoError(t, err)
			require.Equal(t, billing.AlertAcknowledged, ack.Status)
			require.Equal(t, clock.Now(), *ack.AcknowledgedAt)
			ack2, err := h.app.Alerts.AcknowledgeAlert(h.ctx, h.s, al.ID)
			require.NoError(t, err)
			require.Equal(t, ack, ack2, "acknowledging twice changes nothing")

			// A fact, not a state: the check leaves it.
			clock.advance(30 * 24 * time.Hour)
			h.check()
			require.Equal(t, billing.AlertAcknowledged, h.alertOf(billing.AlertPaymentLateSuccess).Status)

			_, err = h.app.Alerts.GetAlert(h.ctx, billing.Scope{MerchantID: h.s.MerchantID, Mode: billing.ModeLive}, al.ID)
			require.Equal(t, billing.CodeResourceMissing, billing.AsError(err).Code, "another mode's")
			_, err = h.app.Alerts.ListAlerts(h.ctx, h.s, billing.AlertFilter{Status: "closed"}, billing.Page{})
			require.Equal(t, "status", billing.AsError(err).Param)
		})
	}
}

// TestAlertStates: the periodic check opens the alerts of states (an
// unknown payment, renewals behind, a stuck refund, failing emails) and
// resolves each once its condition clears, with alert.resolved.
func TestAlertStates(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			h, clock := alertHarness(t, sk, nil)
			require.Equal(t, app.AlertCheckResult{}, h.check(), "nothing to alert")

			// A payment whose outcome is unknown (the money moved, the
			// call timed out), on the scenario's test clock.
			price := h.price(5000, "CLP", billing.IntervalMonth, 0)
			cus := h.customer("ana@example.com")
			sub := h.subscribeTo(cus.ID, price.ID, h.attach(cus.ID, billing.SimTokTimeoutAfterCharge).ID)
			unknown := h.payments(h.invoices(sub.ID)[0].ID)[0]
			require.Equal(t, billing.PaymentUnknown, unknown.Status)

			// A real-time subscription (no test clock), paid.
			rt, err := h.app.Customers.CreateCustomer(h.ctx, h.s, app.CustomerParams{Email: ptr("rt@example.com")})
			require.NoError(t, err)
			rtSub := h.subscribeTo(rt.ID, price.ID, h.attach(rt.ID, billing.SimTokVisa).ID)
			require.Equal(t, billing.SubscriptionActive, rtSub.Status)
			paid := h.payments(h.invoices(rtSub.ID)[0].ID)[0]

			// A refund the gateway keeps pending, and three failed emails.
			now := clock.Now()
			refund := billing.Refund{ID: billing.NewID(billing.PrefixRefund, now), Scope: h.s, PaymentID: paid.ID, Amount: 1000,
				Currency: "CLP", Status: billing.RefundPending, Reason: "requested_by_customer", Created: now, Updated: now}
			email := func(status string, at time.Time) {
				e := billing.Email{ID: billing.NewID(billing.PrefixEmail, at), Scope: h.s, Template: billing.EmailPaymentReceipt,
					Locale: "es-CL", To: []string{"x@example.com"}, EventID: billing.NewID(billing.PrefixEvent, at),
					ObjectType: "invoice", ObjectID: "in_x", Params: json.RawMessage(`{}`), Status: status, Created: at, Updated: at}
				if status == billing.EmailSent {
					e.SentAt = &at
				}
				require.NoError(t, h.store.InTx(h.ctx, func(tx billing.Tx) error {
					_, err := tx.Notify.InsertEmail(h.ctx, e)
					return err
				}))
			}
			require.NoError(t, h.store.InTx(h.ctx, func(tx billing.Tx) error { return tx.Payments.CreateRefund(h.ctx, refund) }))
			for range billing.EmailFailureThreshold {
				email(billing.EmailFailed, now)
			}

			// The real-time renewal is a month and two hours overdue; the
			// payment has been unknown that long; the refund pending too.
			clock.advance(rtSub.CurrentPeriodEnd.Sub(now) + 2*time.Hour)
			r := h.check()
			require.Equal(t, 3, r.Opened, "unknown payment, renewals behind, stuck refund (the emails failed too long ago)")
			pu := h.alertOf(billing.AlertPaymentUnknown)
			require.Equal(t, unknown.ID, pu.ObjectID)
			require.Equal(t, billing.SeverityCritical, pu.Severity, "unknown for a month")
			rb := h.alertOf(billing.AlertRenewalsBehind)
			require.Equal(t, billing.AlertObjectMerchant, rb.ObjectType)
			require.Equal(t, h.m.ID, rb.ObjectID)
			require.Equal(t, billing.SeverityWarning, rb.Severity)
			require.Contains(t, rb.Message.ES, "1 suscripciones")
			rs := h.alertOf(billing.AlertRefundStuck)
			require.Equal(t, refund.ID, rs.ObjectID)

			// Seen again: bumped, nothing new opens.
			r = h.check()
			require.Equal(t, app.AlertCheckResult{}, r)
			require.Equal(t, int64(2), h.alertOf(billing.AlertRenewalsBehind).Count)

			// Failing emails, recent this time.
			for range billing.EmailFailureThreshold {
				email(billing.EmailFailed, clock.Now())
			}
			require.Equal(t, 1, h.check().Opened)
			require.Equal(t, billing.AlertOpen, h.alertOf(billing.AlertEmailsFailing).Status)

			// Everything clears: the sweep renews the subscription, the
			// clock's step asks the gateway about the payment, the refund
			// settles, an email goes out.
			_, err = h.app.Renewals.SweepAll(h.ctx, 100, app.SweepLanes, time.Now().Add(time.Minute))
			require.NoError(t, err)
			h.advance(2 * time.Minute)
			require.Equal(t, billing.PaymentSucceeded, h.payments(unknown.InvoiceID)[0].Status)
			refund.Status, refund.Updated = billing.RefundSucceeded, clock.Now()
			require.NoError(t, h.store.InTx(h.ctx, func(tx billing.Tx) error { return tx.Payments.UpdateRefund(h.ctx, refund) }))
			clock.advance(time.Minute)
			email(billing.EmailSent, clock.Now())

			r = h.check()
			require.Equal(t, 4, r.Resolved)
			require.Empty(t, h.alerts(billing.AlertOpen))
			require.Len(t, h.alerts(billing.AlertResolved), 4)
			for _, a := range h.alerts(billing.AlertResolved) {
				require.Equal(t, clock.Now(), *a.ResolvedAt)
				require.Equal(t, 1, h.countEvents(app.EventAlertResolved, a.ID))
			}
			_, err = h.app.Alerts.AcknowledgeAlert(h.ctx, h.s, rb.ID)
			require.Equal(t, billing.CodeAlertResolved, billing.AsError(err).Code)

			// A new overdue renewal opens a new alert.
			sub2 := h.sub(rtSub.ID)
			clock.advance(sub2.CurrentPeriodEnd.Sub(clock.Now()) + 2*time.Hour)
			require.Equal(t, 1, h.check().Opened)
			require.Len(t, h.alerts(billing.AlertOpen), 1)
		})
	}
}

// TestAlertWebhookEndpoint: an endpoint that keeps failing raises its alert
// as its attempts fail, and the alert resolves as soon as an attempt
// succeeds.
func TestAlertWebhookEndpoint(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			h, _ := alertHarness(t, sk, func(c *app.Config) { c.Webhooks.AlertAfter = time.Nanosecond })
			var failing atomic.Bool
			failing.Store(true)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if failing.Load() {
					http.Error(w, "down", http.StatusBadGateway)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			ep, _, err := h.app.Notifications.CreateWebhookEndpoint(h.ctx, h.s, app.WebhookEndpointParams{URL: ptr(srv.URL + "/hooks"),
				EnabledEvents: []string{app.EventCustomerCreated}})
			require.NoError(t, err)
			h.customer("ana@example.com")
			var ds app.List[app.DeliveryView]
			waitFor(t, func() bool {
				_, err := h.app.Notifications.DispatchNotifications(h.ctx)
				require.NoError(t, err)
				ds, err = h.app.Notifications.ListWebhookDeliveries(h.ctx, h.s, ep.ID, billing.DeliveryFilter{}, billing.Page{})
				require.NoError(t, err)
				return len(ds.Data) == 1
			}, "the delivery")
			args := app.DeliverWebhookArgs{MerchantID: h.s.MerchantID, Mode: h.s.Mode, DeliveryID: ds.Data[0].Delivery.ID}

			_, err = h.app.Notifications.DeliverWebhook(h.ctx, args, 1, apiobj.EventObject)
			require.NoError(t, err)
			al := h.alertOf(billing.AlertWebhookEndpointFailing)
			require.Equal(t, billing.AlertOpen, al.Status)
			require.Equal(t, ep.ID, al.ObjectID)
			require.Contains(t, al.Message.EN, srv.URL+"/hooks")
			_, err = h.app.Notifications.DeliverWebhook(h.ctx, args, 2, apiobj.EventObject)
			require.NoError(t, err)
			require.Equal(t, int64(2), h.alertOf(billing.AlertWebhookEndpointFailing).Count)
			h.check()
			require.Equal(t, int64(3), h.alertOf(billing.AlertWebhookEndpointFailing).Count, "the check sees it too")

			failing.Store(false)
			_, err = h.app.Notifications.DeliverWebhook(h.ctx, args, 3, apiobj.EventObject)
			require.NoError(t, err)
			require.Equal(t, billing.AlertResolved, h.alertOf(billing.AlertWebhookEndpointFailing).Status)
			require.Equal(t, 1, h.countEvents(app.EventAlertResolved, al.ID))
			require.Equal(t, app.AlertCheckResult{}, h.check())
		})
	}
}

// troubledGateway is the sim with a circuit breaker and credentials the
// test controls: while open, charges fail before anything is sent
// (billing.ErrCircuitOpen); while refused, the gateway answers that it
// does not accept the credentials.
type troubledGateway struct {
	*sim.Gateway
	open, refused atomic.Bool
}

func (g *troubledGateway) Charge(ctx context.Context, r billing.ChargeRequest) (billing.ChargeResult, error) {
	switch {
	case g.open.Load():
		return billing.ChargeResult{}, billing.ErrCircuitOpen
	case g.refused.Load():
		return billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureTechnical,
			FailureCode: billing.CodeGatewayCredentialsInvalid, FailureMessage: "the gateway does not accept the key"}, nil
	}
	return g.Gateway.Charge(ctx, r)
}

// Available is the breaker's state, as the real adapters report it.
func (g *troubledGateway) Available(billing.Scope) bool { return !g.open.Load() }

// TestAlertGateway: a charge that meets an open circuit raises
// gateway_unavailable, one whose credentials are refused raises
// gateway_credentials_refused; a later success at the gateway resolves
// both, and an open circuit alone clears once the breaker lets calls
// through and nobody saw it open for a quarter of an hour.
func TestAlertGateway(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			var gw *troubledGateway
			h, clock := alertHarness(t, sk, func(c *app.Config) {
				gw = &troubledGateway{Gateway: c.Gateways["sim"].(*sim.Gateway)}
				c.Gateways = app.Gateways{"sim": gw}
			})
			price := h.price(5000, "CLP", billing.IntervalMonth, 0)
			// Customers on real time: a success counts at its payment's
			// time, and a test clock's time is not the alerts' clock.
			charge := func() billing.Payment {
				cus, err := h.app.Customers.CreateCustomer(h.ctx, h.s, app.CustomerParams{})
				require.NoError(t, err)
				sub := h.subscribeTo(cus.ID, price.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
				return h.payments(h.invoices(sub.ID)[0].ID)[0]
			}

			gw.open.Store(true)
			p := charge()
			require.Equal(t, billing.PaymentFailed, p.Status)
			un := h.alertOf(billing.AlertGatewayUnavailable)
			require.Equal(t, billing.AlertOpen, un.Status)
			require.Equal(t, billing.AlertObjectGateway, un.ObjectType)
			require.Equal(t, "sim", un.ObjectID)
			require.Equal(t, billing.SeverityCritical, un.Severity)
			charge()
			require.Equal(t, int64(2), h.alertOf(billing.AlertGatewayUnavailable).Count)

			// Still open: the check keeps it; closed but seen minutes ago:
			// still kept; after a quiet quarter of an hour: resolved.
			require.Zero(t, h.check().Resolved)
			gw.open.Store(false)
			clock.advance(time.Minute)
			require.Zero(t, h.check().Resolved)
			clock.advance(billing.GatewayCircuitQuiet)
			require.Equal(t, 1, h.check().Resolved)
			require.Equal(t, billing.AlertResolved, h.alertOf(billing.AlertGatewayUnavailable).Status)

			gw.refused.Store(true)
			require.Equal(t, billing.PaymentFailed, charge().Status)
			cr := h.alertOf(billing.AlertGatewayCredentialsRefused)
			require.Equal(t, billing.AlertOpen, cr.Status)
			require.Contains(t, cr.Message.ES, "rechazó las credenciales")
			require.Zero(t, h.check().Resolved, "no success since")
			gw.refused.Store(false)
			clock.advance(time.Minute)
			require.Equal(t, billing.PaymentSucceeded, charge().Status)
			require.Equal(t, 1, h.check().Resolved, "a success at the gateway")
			require.Equal(t, billing.AlertResolved, h.alertOf(billing.AlertGatewayCredentialsRefused).Status)
		})
	}
}

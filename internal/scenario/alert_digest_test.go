package scenario_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestAlertDigest: an alert's opening has its own email; its repeats go
// into the next day's digest, which is recorded (before it is sent) once
// per merchant, mode and day however often the job runs, lists the alerts
// that repeated or stayed open, and stops listing one once someone
// acknowledges it.
func TestAlertDigest(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			h, clock := alertHarness(t, sk, func(c *app.Config) { c.Webhooks.AlertAfter = time.Nanosecond })
			down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "down", http.StatusBadGateway)
			}))
			t.Cleanup(down.Close)
			ep, _, err := h.app.Notifications.CreateWebhookEndpoint(h.ctx, h.s, app.WebhookEndpointParams{URL: ptr(down.URL + "/hooks"),
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
			attempt := 0
			fail := func() {
				attempt++
				_, err := h.app.Notifications.DeliverWebhook(h.ctx, args, attempt, apiobj.EventObject)
				require.NoError(t, err)
			}
			digests := func() []billing.Email {
				l, err := h.app.Notifications.ListEmails(h.ctx, h.s, billing.EmailFilter{Template: billing.EmailAlertDigest}, billing.Page{})
				require.NoError(t, err)
				return l.Data
			}
			send := func() int {
				n, err := h.app.Alerts.SendAlertDigests(h.ctx)
				require.NoError(t, err)
				return n
			}

			// Monday 5 January, 07:00 in Santiago: the alert opens.
			fail()
			al := h.alertOf(billing.AlertWebhookEndpointFailing)
			require.Zero(t, send(), "today's digest covers yesterday, when nothing was open")
			// It repeats that afternoon.
			clock.advance(6 * time.Hour)
			fail()
			require.Equal(t, int64(2), h.alertOf(billing.AlertWebhookEndpointFailing).Count)

			// Tuesday: the digest of Monday lists it, once.
			clock.advance(18 * time.Hour)
			require.Equal(t, 1, send())
			require.Zero(t, send(), "one digest a day")
			got := digests()
			require.Len(t, got, 1)
			d := got[0]
			require.Equal(t, []string{"alertas@agente.example"}, d.To)
			require.Equal(t, "es-CL", d.Locale)
			require.Equal(t, billing.EmailPending, d.Status, "recorded before it is sent")
			require.Equal(t, billing.AlertDigestKey(h.s, "2026-01-06"), d.EventID)
			out, err := h.app.Notifications.SendEmail(h.ctx, app.SendEmailArgs{MerchantID: h.s.MerchantID, Mode: h.s.Mode, EmailID: d.ID}, 1)
			require.NoError(t, err)
			require.False(t, out.Retry)
			d, err = h.app.Notifications.GetEmail(h.ctx, h.s, d.ID)
			require.NoError(t, err)
			require.Equal(t, billing.EmailSkipped, d.Status, "no mailer: recorded as rendered")
			require.Equal(t, "Resumen de alertas de "+h.m.Name+": 1 sin resolver (modo test)", d.Subject)
			require.Contains(t, d.TextBody, "el 5 de enero de 2026")
			require.Contains(t, d.TextBody, down.URL+"/hooks")
			require.Contains(t, d.TextBody, "Veces: 2")
			require.Contains(t, d.TextBody, "webhook_endpoint "+ep.ID)

			// Wednesday: it stayed open, so it is in Tuesday's digest too.
			clock.advance(24 * time.Hour)
			require.Equal(t, 1, send())
			require.Len(t, digests(), 2)

			// Acknowledged: someone is on it, the digests stop listing it.
			_, err = h.app.Alerts.AcknowledgeAlert(h.ctx, h.s, al.ID)
			require.NoError(t, err)
			clock.advance(24 * time.Hour)
			fail()
			require.Zero(t, send())
			require.Len(t, digests(), 2)
			// The opening itself had its own email, the only alert_opened.
			l, err := h.app.Notifications.ListEmails(h.ctx, h.s, billing.EmailFilter{Template: billing.EmailAlertOpened}, billing.Page{})
			require.NoError(t, err)
			require.LessOrEqual(t, len(l.Data), 1)
		})
	}
}

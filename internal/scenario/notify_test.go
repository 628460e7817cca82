package scenario_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/wiring"

	"github.com/riverqueue/river"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/jobs"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// workerStore is a store that runs River workers (both stores do).
type workerStore interface {
	testStore
	StartWorkers(ctx context.Context, workers *river.Workers, periodic []*river.PeriodicJob) error
	StopWorkers(ctx context.Context) error
}

// hookReceiver is the merchant's webhook endpoint: it verifies each
// request with the Standard Webhooks reference library and keeps the
// verified bodies by webhook-id.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	bodies map[string][][]byte
	bad    int
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	wh, whErr := standardwebhooks.NewWebhook(r.secret)
	if err != nil || whErr != nil || wh.Verify(body, req.Header) != nil {
		r.bad++
		http.Error(w, "invalid signature", http.StatusBadRequest)
		return
	}
	id := req.Header.Get("webhook-id")
	r.bodies[id] = append(r.bodies[id], body)
	w.WriteHeader(http.StatusNoContent)
}

func (r *hookReceiver) delivered() (map[string][][]byte, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][][]byte, len(r.bodies))
	for k, v := range r.bodies {
		out[k] = slices.Clone(v)
	}
	return out, r.bad
}

// TestLifecycleNotifications runs a subscription from trial to
// cancellation on a test clock — trial, first charge, a paid renewal, a
// declined renewal, a declined retry, cancellation — with River workers
// running, a webhook endpoint for every event and an SMTP server. Every
// event reaches the endpoint exactly once, verified; the customer gets,
// in Spanish, the trial notice, two receipts with their invoices attached,
// two payment failures and the cancellation.
func TestLifecycleNotifications(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			store := sk.open(t)
			smtp := mailtest.Start(t)
			sender, err := mail.NewSMTPSender(smtp.Config())
			require.NoError(t, err)
			h := newHarnessWith(t, store, func(c *app.Config, _ *sim.Gateway) {
				c.Mailer = app.Mailer{Sender: sender, From: "cobros@agente.example"}
			})
			ws, ok := store.(workerStore)
			require.True(t, ok)
			require.NoError(t, ws.StartWorkers(h.ctx, jobs.Workers(wiring.Workers(h.app)), jobs.PeriodicWith(jobs.Options{DispatchInterval: 50 * time.Millisecond})))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				require.NoError(t, ws.StopWorkers(ctx))
			})

			t0 := ts("2026-01-05T10:00:00Z")
			h.begin("America/Santiago", t0)
			// One retry a day after the renewal fails, then cancel.
			_, err = h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{Locale: ptr("es-CL"),
				Email: ptr("pagos@agente.example"), PortalURL: ptr("https://agente.example/cuenta"),
				Dunning: &app.DunningParams{Schedule: []string{"1d"}, MaxAttempts: ptr(2), FinalAction: ptr(billing.PolicyCancel)}})
			require.NoError(t, err)

			recv := &hookReceiver{bodies: map[string][][]byte{}}
			srv := httptest.NewServer(recv)
			t.Cleanup(srv.Close)
			ep, secret, err := h.app.Notifications.CreateWebhookEndpoint(h.ctx, h.s, app.WebhookEndpointParams{URL: ptr(srv.URL + "/cuota"),
				EnabledEvents: []string{billing.AllEvents}})
			require.NoError(t, err)
			recv.mu.Lock()
			recv.secret = secret
			recv.mu.Unlock()

			price := h.price(5000, "CLP", billing.IntervalMonth, 14)
			cus := h.customer("ana@example.com")
			_, err = h.app.Customers.UpdateCustomer(h.ctx, h.s, cus.ID, app.CustomerParams{Name: ptr("Ana Pérez")})
			require.NoError(t, err)
			pm := h.attach(cus.ID, billing.SimTokVisa)
			sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
			require.Equal(t, billing.SubscriptionTrialing, sub.Status)

			h.advanceTo(ts("2026-01-16T10:00:00Z"))        // the trial notice, 3 days before its end
			h.advanceTo(ts("2026-01-19T10:00:00Z"))        // the trial ends: first charge
			h.advanceTo(ts("2026-02-19T10:00:00Z"))        // renewal, paid
			h.attach(cus.ID, billing.SimTokChargeDeclined) // the new card declines
			h.advanceTo(ts("2026-03-19T10:00:00Z"))        // renewal, declined: past_due
			h.advanceTo(ts("2026-03-20T10:00:00Z"))        // the retry is declined too: canceled
			// (Periods keep their wall time in Santiago: April ends an hour later in UTC.)
			h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, Cycle: 3, PeriodStart: ts("2026-03-19T10:00:00Z"),
				PeriodEnd: ts("2026-04-19T11:00:00Z"), TrialStart: tp("2026-01-05T10:00:00Z"), TrialEnd: tp("2026-01-19T10:00:00Z"),
				CanceledAt: tp("2026-03-20T10:00:00Z"), EndedAt: tp("2026-03-20T10:00:00Z"), Reason: billing.CancelPaymentFailed})

			// Every event of the scope is delivered once, verified.
			events := h.events()
			var delivered map[string][][]byte
			var bad int
			waitFor(t, func() bool {
				delivered, bad = recv.delivered()
				return len(delivered) == len(events)
			}, "deliveries of %d events", len(events))
			require.Zero(t, bad, "every request verifies")
			// What each update changed, as delivered: type → previous_attributes.
			var changes []string
			for _, ev := range events {
				bodies := delivered[ev.ID]
				require.Len(t, bodies, 1, "event %s (%s) delivered once", ev.ID, ev.Type)
				var payload struct {
					Type      string `json:"type"`
					Timestamp string `json:"timestamp"`
					Data      struct {
						ID   string `json:"id"`
						Type string `json:"type"`
						Data struct {
							Object             map[string]json.RawMessage `json:"object"`
							PreviousAttributes map[string]json.RawMessage `json:"previous_attributes"`
						} `json:"data"`
					} `json:"data"`
				}
				require.NoError(t, json.Unmarshal(bodies[0], &payload))
				require.Equal(t, ev.Type, payload.Type)
				require.Equal(t, ev.ID, payload.Data.ID)
				require.Equal(t, ev.Created.UTC().Format(time.RFC3339), payload.Timestamp, "the event's test-clock time")
				prev := payload.Data.Data.PreviousAttributes
				if !strings.HasSuffix(ev.Type, ".updated") {
					require.Nil(t, prev, "%s has no previous_attributes", ev.Type)
					continue
				}
				require.NotNil(t, prev, "%s has previous_attributes", ev.Type)
				keys := slices.Sorted(maps.Keys(prev))
				for _, k := range keys {
					require.Contains(t, payload.Data.Data.Object, k, "%s: previous_attributes has the object's fields", ev.Type)
					require.NotEqual(t, string(payload.Data.Data.Object[k]), string(prev[k]), "%s: %s changed", ev.Type, k)
				}
				change := ev.Type + " " + strings.Join(keys, ",")
				for _, k := range []string{"status", "name"} {
					if was, ok := prev[k]; ok {
						change += " was " + string(was)
					}
				}
				changes = append(changes, change)
			}
			require.Equal(t, app.EventCustomerCreated, events[0].Type, "the customer's creation is an event")
			require.Equal(t, []string{
				app.EventCustomerUpdated + ` name was ""`,
				app.EventSubscriptionUpdated + " current_period_end,current_period_start", // the trial ends: first period
				app.EventSubscriptionUpdated + ` status was "trialing"`,                   // and it is paid
				app.EventSubscriptionUpdated + " current_period_end,current_period_start", // renewal, paid
				app.EventSubscriptionUpdated + " payment_method",                          // the new card
				app.EventSubscriptionUpdated + " current_period_end,current_period_start", // renewal, declined
				app.EventSubscriptionUpdated + ` status was "active"`,                     // past_due
			}, changes, "each update event says what changed")
			waitFor(t, func() bool { // the attempts are recorded just after the answer
				deliveries, err := h.app.Notifications.ListWebhookDeliveries(h.ctx, h.s, ep.ID, billing.DeliveryFilter{}, billing.Page{Limit: 100})
				require.NoError(t, err)
				require.Len(t, deliveries.Data, len(events))
				for _, d := range deliveries.Data {
					if d.Delivery.Status != billing.DeliverySucceeded {
						return false
					}
					require.Len(t, d.Attempts, 1)
				}
				return true
			}, "deliveries recorded as succeeded")

			// The emails, in order.
			var log []billing.Email
			waitFor(t, func() bool {
				l, err := h.app.Notifications.ListEmails(h.ctx, h.s, billing.EmailFilter{}, billing.Page{Limit: 100})
				require.NoError(t, err)
				log = l.Data
				if len(log) != 6 {
					return false
				}
				for _, e := range log {
					if e.Status == billing.EmailPending {
						return false
					}
				}
				return true
			}, "six emails sent")
			slices.Reverse(log)
			var templates []string
			for _, e := range log {
				templates = append(templates, e.Template)
				require.Equal(t, billing.EmailSent, e.Status, "%s: %s", e.Template, e.LastError)
				require.Equal(t, []string{"ana@example.com"}, e.To)
				require.Equal(t, "es-CL", e.Locale)
			}
			require.Equal(t, []string{billing.EmailTrialEnding, billing.EmailPaymentReceipt, billing.EmailPaymentReceipt,
				billing.EmailPaymentFailed, billing.EmailPaymentFailed, billing.EmailSubscriptionCanceled}, templates)

			msgs, err := smtp.Wait(h.ctx, 6)
			require.NoError(t, err)
			require.Len(t, msgs, 6)
			byID := map[string]mailtest.Message{}
			for _, m := range msgs {
				byID[m.MessageID] = m
			}
			got := func(i int) mailtest.Message {
				m, ok := byID[log[i].MessageID]
				require.True(t, ok, "message of %s", log[i].ID)
				require.Equal(t, []string{"ana@example.com"}, m.To)
				require.Equal(t, log[i].Subject, m.Subject)
				return m
			}
			trial := got(0)
			require.Equal(t, "[PRUEBA] Tu período de prueba termina el 19 de enero de 2026", trial.Subject, "a test-mode email says so")
			require.Contains(t, trial.Text, "$5.000")
			require.Contains(t, trial.Text, "https://agente.example/cuenta")
			for i, number := range map[int]string{1: number(1), 2: number(2)} {
				receipt := got(i)
				require.Equal(t, "[PRUEBA] Comprobante de pago "+number+" · Recibimos tu pago de $5.000", receipt.Subject)
				require.Len(t, receipt.Attachments, 1)
				require.Equal(t, "comprobante-"+number+"-prueba.pdf", receipt.Attachments[0].Filename)
				require.Equal(t, "application/pdf", receipt.Attachments[0].ContentType)
			}
			failed := got(3)
			require.Equal(t, "[PRUEBA] No pudimos procesar tu pago de $5.000", failed.Subject)
			require.Contains(t, failed.Text, "https://agente.example/cuenta", "a link to update the card")
			require.Contains(t, failed.Text, "20 de marzo de 2026", "the next retry")
			last := got(4)
			require.NotContains(t, last.Text, "20 de marzo de 2026", "no retry is left")
			canceled := got(5)
			require.Equal(t, "[PRUEBA] Tu suscripción a Plan month fue cancelada", canceled.Subject)
		})
	}
}

// waitFor polls cond until it holds or a minute passes.
func waitFor(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNowf(t, "timed out", "waiting for "+msg, args...)
		}
		time.Sleep(20 * time.Millisecond) // polling for River jobs, not synchronising
	}
}

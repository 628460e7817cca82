package jobs_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
	"github.com/cuota/cuota/internal/secretbox"
	"github.com/cuota/cuota/internal/webhookout"
)

// TestWebhookDeliveryVerifies checks what a receiver gets: one request per
// event, signed so that the Standard Webhooks reference library accepts
// it, with webhook-id the event id and the body {type, timestamp, data}
// where data is the event exactly as GET /v1/events/{id} shows it. Only
// subscribed event types are sent, and a replayed or tampered request fails
// verification.
func TestWebhookDeliveryVerifies(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		w := newWorld(t, sk, worldOptions{})
		rc := newReceiver(t)
		ep := w.endpoint(rc.srv.URL+"/hooks", app.EventPaymentMethodAttached)
		rc.setSecret(ep.Secret)
		other := newReceiver(t)
		otherEp := w.endpoint(other.srv.URL, app.EventSubscriptionCreated)
		other.setSecret(otherEp.Secret)

		cus := w.customer("ana@example.com", "es-CL")
		ids := []string{w.attachCard(cus.ID), w.attachCard(cus.ID)}
		ds := w.settled(ep.ID, 2)
		for _, d := range ds {
			require.Equal(t, billing.DeliverySucceeded, d.Status)
			require.Len(t, d.Attempts, 1)
			a := d.Attempts[0]
			require.True(t, a.Succeeded)
			require.Equal(t, int64(1), a.Number)
			require.Equal(t, ptr(int64(http.StatusNoContent)), a.StatusCode)
			require.Nil(t, a.ErrorKind)
		}
		require.ElementsMatch(t, ids, []string{ds[0].Event, ds[1].Event})

		for _, id := range ids {
			reqs := rc.requests(id)
			require.Len(t, reqs, 1, "one request per event")
			require.Equal(t, 1, rc.acks(id))
			got := reqs[0]
			require.Equal(t, id, got.Header.Get("webhook-id"), "webhook-id is the event id")
			require.Equal(t, "application/json", got.Header.Get("Content-Type"))
			sent := time.Unix(mustInt(t, got.Header.Get("webhook-timestamp")), 0)
			require.WithinDuration(t, time.Now(), sent, 5*time.Minute, "webhook-timestamp is real time")

			var body struct {
				Type      string          `json:"type"`
				Timestamp string          `json:"timestamp"`
				Data      json.RawMessage `json:"data"`
			}
			require.NoError(t, json.Unmarshal(got.Body, &body))
			require.Equal(t, app.EventPaymentMethodAttached, body.Type)
			status, api := w.call(http.MethodGet, "/v1/events/"+id, w.key, nil)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, strings.TrimSuffix(string(api), "\n"), string(body.Data), "data is the event as the API shows it")
			var ev apiobj.EventJSON
			require.NoError(t, json.Unmarshal(api, &ev))
			require.Equal(t, time.Unix(ev.Created, 0).UTC().Format(time.RFC3339), body.Timestamp)

			// Replays and tampering fail verification.
			wh, err := standardwebhooks.NewWebhook(ep.Secret)
			require.NoError(t, err)
			require.NoError(t, wh.Verify(got.Body, got.Header))
			tampered := append([]byte(nil), got.Body...)
			tampered[len(tampered)-2] ^= 1
			require.Error(t, wh.Verify(tampered, got.Header), "a changed body")
			otherID := got.Header.Clone()
			otherID.Set("webhook-id", "evt_other")
			require.Error(t, wh.Verify(got.Body, otherID), "another message id")
			fresh := got.Header.Clone()
			fresh.Set("webhook-timestamp", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
			require.Error(t, wh.Verify(got.Body, fresh), "a replay with a new timestamp")
			sentAt := time.Unix(mustInt(t, got.Header.Get("webhook-timestamp")), 0)
			require.NoError(t, webhookout.Verify([]string{ep.Secret}, got.Header, got.Body, sentAt.Add(time.Minute), webhookout.DefaultTolerance))
			require.Error(t, webhookout.Verify([]string{ep.Secret}, got.Header, got.Body, sentAt.Add(6*time.Minute), webhookout.DefaultTolerance),
				"the same request replayed six minutes later")
			require.Error(t, webhookout.Verify([]string{otherEp.Secret}, got.Header, got.Body, sentAt, webhookout.DefaultTolerance),
				"another endpoint's secret")
		}
		require.Zero(t, rc.invalid())
		require.Empty(t, w.deliveries(otherEp.ID), "an endpoint gets only the events it subscribes to")
	})
}

// TestWebhookReceiverFaults runs receivers that fail in three ways before
// they work. Each event ends with exactly one acknowledged request and one
// succeeded delivery whose attempts tell the story.
func TestWebhookReceiverFaults(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		t.Run("500_then_200", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, sk, worldOptions{})
			rc := newReceiver(t)
			rc.fault = func(_ string, n int, rw http.ResponseWriter, _ *http.Request) bool {
				if n == 1 {
					http.Error(rw, `{"error":"database down"}`, http.StatusInternalServerError)
					return true
				}
				return false
			}
			ep := w.endpoint(rc.srv.URL, app.EventPaymentMethodAttached)
			rc.setSecret(ep.Secret)
			cus := w.customer("ana@example.com", "es")
			ids := []string{w.attachCard(cus.ID), w.attachCard(cus.ID), w.attachCard(cus.ID)}
			ds := w.settled(ep.ID, 3)
			for _, d := range ds {
				require.Equal(t, billing.DeliverySucceeded, d.Status)
				require.Len(t, d.Attempts, 2)
				first, second := d.Attempts[0], d.Attempts[1]
				require.False(t, first.Succeeded)
				require.Equal(t, ptr(int64(500)), first.StatusCode)
				require.Equal(t, ptr(string(webhookout.ErrorHTTPStatus)), first.ErrorKind)
				require.Contains(t, first.ResponseExcerpt, "database down")
				require.True(t, second.Succeeded)
				require.Equal(t, []int64{1, 2}, []int64{first.Number, second.Number})
			}
			for _, id := range ids {
				require.Equal(t, 1, rc.acks(id), "one successful delivery of %s", id)
				reqs := rc.requests(id)
				require.Len(t, reqs, 2)
				require.Equal(t, reqs[0].Body, reqs[1].Body, "a retry sends the same body")
			}
			epNow := ok[apiobj.WebhookEndpointJSON](w, http.MethodGet, "/v1/webhook_endpoints/"+ep.ID, nil)
			require.Nil(t, epNow.FailingSince, "a success ends the run of failures")
			require.Empty(t, epNow.Secret, "the secret is never shown again")
		})

		t.Run("slower_than_the_timeout", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, sk, worldOptions{webhooks: app.WebhookOptions{Timeout: 300 * time.Millisecond}})
			rc := newReceiver(t)
			rc.fault = func(_ string, n int, _ http.ResponseWriter, r *http.Request) bool {
				if n == 1 {
					<-r.Context().Done() // answer only once cuota has given up
					return true
				}
				return false
			}
			ep := w.endpoint(rc.srv.URL, app.EventPaymentMethodAttached)
			rc.setSecret(ep.Secret)
			id := w.attachCard(w.customer("ana@example.com", "es").ID)
			ds := w.settled(ep.ID, 1)
			require.Equal(t, billing.DeliverySucceeded, ds[0].Status)
			require.Len(t, ds[0].Attempts, 2)
			require.Equal(t, ptr(string(webhookout.ErrorTimeout)), ds[0].Attempts[0].ErrorKind)
			require.Nil(t, ds[0].Attempts[0].StatusCode)
			require.True(t, ds[0].Attempts[1].Succeeded)
			require.Equal(t, 1, rc.acks(id))
		})

		t.Run("connection_refused_then_up", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, sk, worldOptions{webhooks: app.WebhookOptions{
				// A slower schedule, so the receiver is up before the
				// attempts run out.
				RetryDelays: slices.Repeat([]time.Duration{200 * time.Millisecond}, 11),
			}})
			// A port nobody listens on, for now.
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			addr := l.Addr().String()
			require.NoError(t, l.Close())
			rc := &receiver{t: t, got: map[string][]received{}, acked: map[string]int{}}
			ep := w.endpoint("http://"+addr+"/hooks", app.EventPaymentMethodAttached)
			rc.setSecret(ep.Secret)
			id := w.attachCard(w.customer("ana@example.com", "es").ID)

			eventually(t, func() bool {
				ds := w.deliveries(ep.ID)
				return len(ds) == 1 && len(ds[0].Attempts) >= 1
			}, "a first attempt")
			first := w.deliveries(ep.ID)[0].Attempts[0]
			require.Equal(t, ptr(string(webhookout.ErrorConnectionRefused)), first.ErrorKind)
			failing := ok[apiobj.WebhookEndpointJSON](w, http.MethodGet, "/v1/webhook_endpoints/"+ep.ID, nil)
			require.NotNil(t, failing.FailingSince, "the endpoint is failing")

			l, err = net.Listen("tcp", addr)
			require.NoError(t, err)
			rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
			rc.srv.Listener = l
			rc.srv.Start()
			t.Cleanup(rc.srv.Close)

			ds := w.settled(ep.ID, 1)
			require.Equal(t, billing.DeliverySucceeded, ds[0].Status)
			last := ds[0].Attempts[len(ds[0].Attempts)-1]
			require.True(t, last.Succeeded)
			for _, a := range ds[0].Attempts[:len(ds[0].Attempts)-1] {
				require.Equal(t, ptr(string(webhookout.ErrorConnectionRefused)), a.ErrorKind)
			}
			require.Equal(t, 1, rc.acks(id))
			require.Len(t, rc.requests(id), 1)
		})
	})
}

// TestWebhookRotationRedeliveryAndDisable covers the endpoint's life:
// during a rotation both secrets verify, a manual redelivery makes one more
// attempt, and an endpoint that keeps failing is disabled with a
// webhook_endpoint.disabled event, after which nothing more is sent.
func TestWebhookRotationRedeliveryAndDisable(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		t.Run("rotate_and_redeliver", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, sk, worldOptions{})
			rc := newReceiver(t)
			ep := w.endpoint(rc.srv.URL, app.EventPaymentMethodAttached)
			rc.setSecret(ep.Secret)
			cus := w.customer("ana@example.com", "es")
			before := w.attachCard(cus.ID)
			w.settled(ep.ID, 1)

			rotated := ok[apiobj.WebhookEndpointJSON](w, http.MethodPost, "/v1/webhook_endpoints/"+ep.ID+"/rotate_secret", nil)
			require.Regexp(t, `^whsec_`, rotated.Secret)
			require.NotEqual(t, ep.Secret, rotated.Secret)
			require.NotNil(t, rotated.PreviousSecretExpiresAt)
			require.InDelta(t, time.Now().Add(24*time.Hour).Unix(), *rotated.PreviousSecretExpiresAt, 60)

			after := w.attachCard(cus.ID)
			ds := w.settled(ep.ID, 2)
			require.Equal(t, billing.DeliverySucceeded, ds[0].Status)
			req := rc.requests(after)[0]
			require.Len(t, strings.Fields(req.Header.Get("webhook-signature")), 2, "two signatures during the rotation")
			for _, secret := range []string{ep.Secret, rotated.Secret} {
				wh, err := standardwebhooks.NewWebhook(secret)
				require.NoError(t, err)
				require.NoError(t, wh.Verify(req.Body, req.Header), "a receiver with either secret accepts it")
			}
			require.Len(t, strings.Fields(rc.requests(before)[0].Header.Get("webhook-signature")), 1)

			// A manual redelivery of the first event: one more attempt,
			// marked manual, verified with the new secret alone.
			rc.setSecret(rotated.Secret)
			var first httpapi.WebhookDeliveryJSON
			for _, d := range ds {
				if d.Event == before {
					first = d
				}
			}
			ok[httpapi.WebhookDeliveryJSON](w, http.MethodPost, "/v1/webhook_endpoints/"+ep.ID+"/deliveries/"+first.ID+"/redeliver", nil)
			eventually(t, func() bool { return rc.acks(before) == 2 }, "the redelivery")
			var again httpapi.WebhookDeliveryJSON
			eventually(t, func() bool {
				l := ok[httpapi.ListJSON[httpapi.WebhookDeliveryJSON]](w, http.MethodGet, "/v1/webhook_endpoints/"+ep.ID+"/deliveries?event="+before, nil)
				again = l.Data[0]
				return len(again.Attempts) == 2
			}, "the manual attempt recorded")
			require.True(t, again.Attempts[1].Manual)
			require.True(t, again.Attempts[1].Succeeded)
			require.Equal(t, rc.requests(before)[0].Body, rc.requests(before)[1].Body, "the same body, signed anew")

			// Deleting the endpoint takes its log; its deliveries are gone.
			status, _ := w.call(http.MethodDelete, "/v1/webhook_endpoints/"+ep.ID, w.key, nil)
			require.Equal(t, http.StatusOK, status)
			status, _ = w.call(http.MethodGet, "/v1/webhook_endpoints/"+ep.ID+"/deliveries", w.key, nil)
			require.Equal(t, http.StatusNotFound, status)
		})

		t.Run("disabled_after_failing", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, sk, worldOptions{webhooks: app.WebhookOptions{DisableAfter: 100 * time.Millisecond,
				RetryDelays: slices.Repeat([]time.Duration{60 * time.Millisecond}, 11)}})
			rc := newReceiver(t)
			rc.fault = func(_ string, _ int, rw http.ResponseWriter, _ *http.Request) bool {
				http.Error(rw, "nope", http.StatusBadGateway)
				return true
			}
			ep := w.endpoint(rc.srv.URL, app.EventPaymentMethodAttached)
			watcher := newReceiver(t)
			watch := w.endpoint(watcher.srv.URL, app.EventWebhookEndpointDisabled)
			watcher.setSecret(watch.Secret)
			rc.setSecret(ep.Secret)
			cus := w.customer("ana@example.com", "es")
			w.attachCard(cus.ID)

			ds := w.settled(ep.ID, 1)
			require.Equal(t, billing.DeliveryFailed, ds[0].Status)
			require.Less(t, len(ds[0].Attempts), len(fastRetries)+1, "disabling stops the retries")
			for _, a := range ds[0].Attempts {
				require.Equal(t, ptr(int64(http.StatusBadGateway)), a.StatusCode)
			}
			got := ok[apiobj.WebhookEndpointJSON](w, http.MethodGet, "/v1/webhook_endpoints/"+ep.ID, nil)
			require.True(t, got.Disabled)
			require.Equal(t, ptr(billing.DisabledFailing), got.DisabledReason)

			evs := ok[httpapi.ListJSON[apiobj.EventJSON]](w, http.MethodGet, "/v1/events?type="+app.EventWebhookEndpointDisabled, nil)
			require.Len(t, evs.Data, 1)
			require.Equal(t, ep.ID, evs.Data[0].Data.ObjectID)
			require.NotContains(t, string(evs.Data[0].Data.Object), "whsec_", "the event carries no secret")
			require.NotContains(t, string(evs.Data[0].Data.Object), `"secret"`)
			eventually(t, func() bool { return watcher.acks(evs.Data[0].ID) == 1 }, "the other endpoint hears of it")

			// Nothing more goes to a disabled endpoint; redelivery is refused.
			w.attachCard(cus.ID)
			eventually(t, func() bool {
				n, err := w.app.Notifications.DispatchNotifications(w.ctx)
				return err == nil && n == 0
			}, "the new event dispatched")
			require.Len(t, w.deliveries(ep.ID), 1)
			status, body := w.call(http.MethodPost, "/v1/webhook_endpoints/"+ep.ID+"/deliveries/"+ds[0].ID+"/redeliver", w.key, nil)
			require.Equal(t, http.StatusConflict, status, "%s", body)
			require.Contains(t, string(body), billing.CodeInvalidStateTransition)

			// Enabling it again forgets the failures.
			enabled := ok[apiobj.WebhookEndpointJSON](w, http.MethodPost, "/v1/webhook_endpoints/"+ep.ID, map[string]any{"disabled": false})
			require.False(t, enabled.Disabled)
			require.Nil(t, enabled.DisabledReason)
			require.Nil(t, enabled.FailingSince)
		})
	})
}

// TestWebhookSecretsAtRest checks that secrets are sealed under
// CUOTA_SECRET_KEY, kept as given in test mode without a key, and that
// live mode without a key refuses endpoints.
func TestWebhookSecretsAtRest(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		t.Run("sealed", func(t *testing.T) {
			t.Parallel()
			box, err := secretbox.New(secretbox.NewKey())
			require.NoError(t, err)
			w := newWorld(t, sk, worldOptions{prepare: func(c *app.Config) { c.Sealer = box }})
			for _, key := range []string{w.key, w.live} {
				status, body := w.call(http.MethodPost, "/v1/webhook_endpoints", key,
					map[string]any{"url": "https://hooks.example.cl/cuota", "enabled_events": []string{"*"}})
				require.Equal(t, http.StatusOK, status, "%s", body)
				var ep apiobj.WebhookEndpointJSON
				require.NoError(t, json.Unmarshal(body, &ep))
				s := billing.Scope{MerchantID: w.m.ID, Mode: billing.ModeTest}
				if ep.Livemode {
					s.Mode = billing.ModeLive
				}
				require.NoError(t, w.store.InTx(w.ctx, func(tx billing.Tx) error {
					stored, err := tx.Notify.GetWebhookEndpoint(w.ctx, s, ep.ID)
					require.NoError(t, err)
					require.True(t, secretbox.IsSealed(stored.Secret), "stored sealed")
					require.NotContains(t, stored.Secret, strings.TrimPrefix(ep.Secret, "whsec_"))
					return nil
				}))
			}
		})
		t.Run("no_key", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, sk, worldOptions{})
			status, body := w.call(http.MethodPost, "/v1/webhook_endpoints", w.live,
				map[string]any{"url": "https://hooks.example.cl/cuota", "enabled_events": []string{"*"}})
			require.Equal(t, http.StatusBadRequest, status)
			require.Contains(t, string(body), billing.CodeSecretKeyMissing)
			ep := w.endpoint("http://127.0.0.1:9/hooks", "*")
			require.NoError(t, w.store.InTx(w.ctx, func(tx billing.Tx) error {
				stored, err := tx.Notify.GetWebhookEndpoint(w.ctx, w.s, ep.ID)
				require.NoError(t, err)
				require.False(t, secretbox.IsSealed(stored.Secret))
				require.Contains(t, stored.Secret, ep.Secret, "test mode without a key keeps it as given")
				return nil
			}))
		})
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

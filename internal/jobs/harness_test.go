package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/httpapi"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/jobs"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/webhookout"
	"github.com/cuota/cuota/internal/wiring"
)

var discard = slog.New(slog.DiscardHandler)

// workerStore is a store that runs River workers (both stores do).
type workerStore interface {
	billing.Store
	sim.LedgerStore
	StartWorkers(ctx context.Context, workers *river.Workers, periodic []*river.PeriodicJob) error
	StopWorkers(ctx context.Context) error
}

type storeKind struct {
	name string
	open func(t *testing.T) workerStore
}

var storeKinds = []storeKind{
	{"sqlite", func(t *testing.T) workerStore {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "cuota.db"), discard)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, st.Close()) })
		require.NoError(t, st.Migrate(context.Background()))
		return st
	}},
	{"postgres", func(t *testing.T) workerStore {
		st, err := postgres.Open(context.Background(), pgtest.URL(t), discard)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, st.Close()) })
		require.NoError(t, st.Migrate(context.Background()))
		return st
	}},
}

// forEachStore runs fn on each store, in parallel.
func forEachStore(t *testing.T, fn func(t *testing.T, sk storeKind)) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			fn(t, sk)
		})
	}
}

// fastRetries is the delivery schedule of these tests: 12 attempts, a
// moment apart.
var fastRetries = []time.Duration{50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond,
	50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond,
	50 * time.Millisecond, 50 * time.Millisecond}

// world is one test's cuota: a store with River workers (dispatching every
// 50 ms), an App with the sim gateway, the API over real HTTP and one
// merchant with a test and a live key.
type world struct {
	t      *testing.T
	ctx    context.Context
	store  workerStore
	app    *app.App
	api    *httptest.Server
	m      billing.Merchant
	s      billing.Scope
	key    string // test mode
	live   string // live mode
	client *http.Client
}

type worldOptions struct {
	webhooks app.WebhookOptions
	mailer   *app.Mailer
	prepare  func(c *app.Config) // changes the App's configuration
}

func newWorld(t *testing.T, sk storeKind, o worldOptions) *world {
	t.Helper()
	ctx := context.Background()
	store := sk.open(t)
	if o.webhooks.RetryDelays == nil {
		o.webhooks.RetryDelays = fastRetries
	}
	cfg := app.Config{Store: store, Now: time.Now, Logger: discard, Webhooks: o.webhooks,
		PublicURL: func() string { return "http://cuota.test" },
		Ports:     app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
		Gateways:  app.Gateways{billing.GatewaySim: sim.New(store, time.Now)}}
	if o.mailer != nil {
		cfg.Mailer = *o.mailer
	}
	if o.prepare != nil {
		o.prepare(&cfg)
	}
	a, err := app.New(cfg)
	require.NoError(t, err)
	m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Agente"})
	require.NoError(t, err)
	_, key, err := a.Merchants.CreateAPIKey(ctx, m.ID, billing.ModeTest)
	require.NoError(t, err)
	_, live, err := a.Merchants.CreateAPIKey(ctx, m.ID, billing.ModeLive)
	require.NoError(t, err)
	api := httptest.NewServer(httpapi.New(wiring.API(a), store, httpapi.Config{}, discard, prometheus.NewRegistry()))
	t.Cleanup(api.Close)
	require.NoError(t, store.StartWorkers(ctx, jobs.Workers(wiring.Workers(a)), jobs.PeriodicWith(jobs.Options{DispatchInterval: 50 * time.Millisecond})))
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, store.StopWorkers(stopCtx))
	})
	return &world{t: t, ctx: ctx, store: store, app: a, api: api, m: m, s: billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest},
		key: key, live: live, client: api.Client()}
}

// call sends an API request with key and returns the status and body.
func (w *world) call(method, path, key string, body any) (int, []byte) {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(w.t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(w.ctx, method, w.api.URL+path, r)
	require.NoError(w.t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.client.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return resp.StatusCode, data
}

// ok sends a request that must answer 200 and decodes the answer.
func ok[T any](w *world, method, path string, body any) T {
	w.t.Helper()
	status, data := w.call(method, path, w.key, body)
	require.Equal(w.t, http.StatusOK, status, "%s %s: %s", method, path, data)
	var v T
	require.NoError(w.t, json.Unmarshal(data, &v), "%s", data)
	return v
}

// endpoint registers url for events through the API and returns the
// endpoint with its secret.
func (w *world) endpoint(url string, events ...string) apiobj.WebhookEndpointJSON {
	w.t.Helper()
	ep := ok[apiobj.WebhookEndpointJSON](w, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": url, "enabled_events": events})
	require.Regexp(w.t, `^whsec_`, ep.Secret)
	return ep
}

// attachCard writes a payment_method.attached event and returns its id.
func (w *world) attachCard(customerID string) string {
	w.t.Helper()
	pm, err := w.app.Customers.AttachPaymentMethod(w.ctx, w.s, customerID, app.AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: billing.SimTokVisa})
	require.NoError(w.t, err)
	evs, err := w.app.Notifications.ListEvents(w.ctx, w.s, billing.EventFilter{ObjectID: pm.ID}, billing.Page{Limit: 10})
	require.NoError(w.t, err)
	require.Len(w.t, evs.Data, 1)
	return evs.Data[0].ID
}

func (w *world) customer(email, locale string) billing.Customer {
	w.t.Helper()
	c, err := w.app.Customers.CreateCustomer(w.ctx, w.s, app.CustomerParams{Email: &email, Locale: &locale, Name: ptr("Ana Pérez")})
	require.NoError(w.t, err)
	return c
}

// deliveries lists an endpoint's deliveries (newest first).
func (w *world) deliveries(endpointID string) []httpapi.WebhookDeliveryJSON {
	w.t.Helper()
	return ok[httpapi.ListJSON[httpapi.WebhookDeliveryJSON]](w, http.MethodGet, "/v1/webhook_endpoints/"+endpointID+"/deliveries?limit=100", nil).Data
}

// settled waits until the endpoint has n deliveries, none pending, and
// returns them.
func (w *world) settled(endpointID string, n int) []httpapi.WebhookDeliveryJSON {
	w.t.Helper()
	var ds []httpapi.WebhookDeliveryJSON
	eventually(w.t, func() bool {
		ds = w.deliveries(endpointID)
		if len(ds) != n {
			return false
		}
		for _, d := range ds {
			if d.Status == billing.DeliveryPending {
				return false
			}
		}
		return true
	}, "%d settled deliveries to %s; have %+v", n, endpointID, &ds)
	return ds
}

// waitTimeout bounds every wait on jobs.
const waitTimeout = 60 * time.Second

// eventually polls cond until it holds or waitTimeout passes.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out waiting for "+fmt.Sprintf(msg, args...))
		}
		time.Sleep(20 * time.Millisecond) // polling for jobs, not synchronising
	}
}

func ptr[T any](v T) *T { return &v }

// received is one request a receiver verified.
type received struct {
	Header http.Header
	Body   []byte
}

// receiver is a merchant's webhook endpoint: it verifies every request
// with the Standard Webhooks reference library and answers as fault says
// (nil: 204 at once).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	fault  func(id string, n int, w http.ResponseWriter, r *http.Request) bool // true: it answered
	got    map[string][]received                                               // verified requests by webhook-id
	acked  map[string]int                                                      // 2xx answers by webhook-id
	bad    int                                                                 // requests that failed verification
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, got: map[string][]received{}, acked: map[string]int{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	secret, fault := rc.secret, rc.fault
	rc.mu.Unlock()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil || wh.Verify(body, r.Header) != nil {
		rc.mu.Lock()
		rc.bad++
		rc.mu.Unlock()
		http.Error(w, "invalid signature", http.StatusBadRequest)
		return
	}
	id := r.Header.Get("webhook-id")
	rc.mu.Lock()
	rc.got[id] = append(rc.got[id], received{Header: r.Header.Clone(), Body: body})
	n := len(rc.got[id])
	rc.mu.Unlock()
	if fault != nil && fault(id, n, w, r) {
		return
	}
	rc.mu.Lock()
	rc.acked[id]++ // before answering, so that it is counted once cuota records the success
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) setSecret(s string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secret = s
}

func (rc *receiver) requests(id string) []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got[id]...)
}

func (rc *receiver) acks(id string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.acked[id]
}

func (rc *receiver) invalid() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.bad
}

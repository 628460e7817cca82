package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/dte/openfactura"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/httpapi"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/webhookout"
	"github.com/cuota/cuota/internal/wiring"
)

// fakeClock is the App's clock in these tests. Every reading advances it by
// step, so ids (which encode the creation millisecond) sort in creation
// order without sleeping; Advance jumps forward.
type fakeClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), step: time.Millisecond}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.step)
	return t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// apiKey is a key created for a test merchant.
type apiKey struct {
	ID         string
	MerchantID string
	Secret     string
}

// testBundle holds what a test needs besides the server.
type testBundle struct {
	app *app.App
	// gateways and publicURL are the App's, which a test may fill in before
	// it makes requests (withSim).
	gateways  app.Gateways
	publicURL string
	store     testStore
	clock     *fakeClock
	reg       *prometheus.Registry
	url       string
	client    *http.Client

	merchantA, merchantB string
	a                    apiKey // merchant A, test mode
	aLive                apiKey // merchant A, live mode
	b                    apiKey // merchant B, test mode
}

func setup(t *testing.T) (*httpapi.Server, *testBundle) {
	t.Helper()
	return setupConfig(t, httpapi.Config{})
}

// setupConfig starts a server with cfg on a fresh SQLite store, with two
// merchants: A with a test and a live key, B with a test key.
func setupConfig(t *testing.T, cfg httpapi.Config) (*httpapi.Server, *testBundle) {
	t.Helper()
	return setupOn(t, cfg, "sqlite")
}

// setupOn is setupConfig on a store of kind (see openStore).
func setupOn(t *testing.T, cfg httpapi.Config, kind string) (*httpapi.Server, *testBundle) {
	t.Helper()
	srv, bundle := newServerOn(t, cfg, kind)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	bundle.url = ts.URL
	bundle.client = ts.Client()
	return srv, bundle
}

// testStore is what the tests need of a store: the App's store and the
// readiness checks.
type testStore interface {
	billing.Store
	httpapi.Pinger
	sim.LedgerStore
}

// storeKinds are the stores tests that reach a store run on.
var storeKinds = []string{"sqlite", "postgres"}

// openStore opens a fresh, migrated store of kind ("sqlite" or "postgres",
// each test on its own schema); tb's cleanup closes it.
func openStore(tb testing.TB, kind string) testStore {
	tb.Helper()
	ctx := tb.Context()
	logger := slog.New(slog.DiscardHandler)
	var store interface {
		testStore
		Migrate(context.Context) error
		Close() error
	}
	var err error
	switch kind {
	case "sqlite":
		store, err = sqlite.Open(ctx, filepath.Join(tb.TempDir(), "cuota.db"), logger)
	case "postgres":
		store, err = postgres.Open(ctx, pgtest.URL(tb), logger)
	default:
		tb.Fatalf("unknown store kind %q", kind)
	}
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, store.Close()) })
	require.NoError(tb, store.Migrate(ctx))
	return store
}

// newServer builds the server on SQLite without listening; fuzz targets
// serve it directly. tb's cleanup closes the store.
func newServer(tb testing.TB, cfg httpapi.Config) (*httpapi.Server, *testBundle) {
	tb.Helper()
	return newServerOn(tb, cfg, "sqlite")
}

// newServerOn is newServer on a store of kind (see openStore).
func newServerOn(tb testing.TB, cfg httpapi.Config, kind string) (*httpapi.Server, *testBundle) {
	tb.Helper()
	ctx := tb.Context()
	logger := slog.New(slog.DiscardHandler)
	store := openStore(tb, kind)

	clock := newFakeClock()
	bundle := &testBundle{store: store, clock: clock, reg: prometheus.NewRegistry(), gateways: app.Gateways{}}
	a, err := app.New(app.Config{Store: store, Now: clock.Now, Logger: logger, Gateways: bundle.gateways,
		PublicURL: func() string { return bundle.publicURL },
		Ports: app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{},
			DTE: &openfactura.Provider{Timeout: 5 * time.Second}}})
	require.NoError(tb, err)
	bundle.app = a

	ma, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Agente"})
	require.NoError(tb, err)
	mb, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Bodega"})
	require.NoError(tb, err)
	bundle.merchantA, bundle.merchantB = ma.ID, mb.ID
	bundle.a = newKey(tb, a, ma.ID, billing.ModeTest)
	bundle.aLive = newKey(tb, a, ma.ID, billing.ModeLive)
	bundle.b = newKey(tb, a, mb.ID, billing.ModeTest)

	srv := httpapi.New(wiring.API(a), store, cfg, logger, bundle.reg)
	return srv, bundle
}

func newKey(tb testing.TB, a *app.App, merchantID string, mode billing.Mode) apiKey {
	tb.Helper()
	k, secret, err := a.Merchants.CreateAPIKey(tb.Context(), merchantID, mode)
	require.NoError(tb, err)
	return apiKey{ID: k.ID, MerchantID: merchantID, Secret: secret}
}

// result is a response read in full.
type result struct {
	Status int
	Header http.Header
	Body   []byte
}

// raw is a request body sent as is (not JSON-encoded).
type raw string

// do sends a request with key (none if empty). body is nil (no body), raw
// or []byte (sent as is) or anything else (JSON-encoded). hdr holds header
// name/value pairs; Content-Type defaults to application/json with a body.
func (b *testBundle) do(t *testing.T, method, path string, key apiKey, body any, hdr ...string) result {
	t.Helper()
	var r io.Reader
	switch v := body.(type) {
	case nil:
	case raw:
		r = strings.NewReader(string(v))
	case []byte:
		r = bytes.NewReader(v)
	default:
		buf, err := json.Marshal(v)
		require.NoError(t, err)
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, b.url+path, r)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key.Secret != "" {
		req.Header.Set("Authorization", "Bearer "+key.Secret)
	}
	require.Zero(t, len(hdr)%2, "header pairs")
	for i := 0; i < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.send(t, req)
}

func (b *testBundle) send(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return result{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

func (b *testBundle) post(t *testing.T, key apiKey, path string, body any, hdr ...string) result {
	t.Helper()
	return b.do(t, http.MethodPost, path, key, body, hdr...)
}

func (b *testBundle) get(t *testing.T, key apiKey, path string) result {
	t.Helper()
	return b.do(t, http.MethodGet, path, key, nil)
}

// ok decodes a 200 response into T.
func ok[T any](t *testing.T, res result) T {
	t.Helper()
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"), "content type %q", res.Header.Get("Content-Type"))
	var v T
	require.NoError(t, json.Unmarshal(res.Body, &v), "body: %s", res.Body)
	return v
}

// requireProblem checks that res is a problem+json error with status, code
// and param (param "" means absent) whose request_id is the response's
// Request-Id header, and returns it.
func requireProblem(t *testing.T, res result, status int, code, param string) httpapi.Problem {
	t.Helper()
	p := checkProblem(t, res)
	require.Equal(t, status, res.Status, "body: %s", res.Body)
	require.Equal(t, status, p.Status, "body: %s", res.Body)
	require.Equal(t, code, p.Code, "body: %s", res.Body)
	require.Equal(t, param, p.Param, "body: %s", res.Body)
	return p
}

// checkProblem checks the shape every error response has.
func checkProblem(t *testing.T, res result) httpapi.Problem {
	t.Helper()
	require.GreaterOrEqual(t, res.Status, 400, "body: %s", res.Body)
	require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"), "body: %s", res.Body)
	var p httpapi.Problem
	require.NoError(t, json.Unmarshal(res.Body, &p), "body: %s", res.Body)
	require.NotEmpty(t, p.Code, "body: %s", res.Body)
	require.NotEmpty(t, p.Title, "body: %s", res.Body)
	require.NotEmpty(t, res.Header.Get("Request-Id"))
	require.Equal(t, res.Header.Get("Request-Id"), p.RequestID, "body: %s", res.Body)
	return p
}

// Object creation shortcuts; each requires success.

func (b *testBundle) createProduct(t *testing.T, key apiKey, body map[string]any) apiobj.ProductJSON {
	t.Helper()
	if body == nil {
		body = map[string]any{"name": "Plan Start"}
	}
	return ok[apiobj.ProductJSON](t, b.post(t, key, "/v1/products", body))
}

func (b *testBundle) createPrice(t *testing.T, key apiKey, body map[string]any) apiobj.PriceJSON {
	t.Helper()
	return ok[apiobj.PriceJSON](t, b.post(t, key, "/v1/prices", body))
}

func (b *testBundle) createCustomer(t *testing.T, key apiKey, body map[string]any) apiobj.CustomerJSON {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	return ok[apiobj.CustomerJSON](t, b.post(t, key, "/v1/customers", body))
}

func (b *testBundle) createCoupon(t *testing.T, key apiKey, body map[string]any) apiobj.CouponJSON {
	t.Helper()
	if body == nil {
		body = map[string]any{"percent_off": 10}
	}
	return ok[apiobj.CouponJSON](t, b.post(t, key, "/v1/coupons", body))
}

// ids returns the ids of a list page.
func ids[T any](page httpapi.ListJSON[T], id func(T) string) []string {
	out := make([]string, 0, len(page.Data))
	for _, v := range page.Data {
		out = append(out, id(v))
	}
	return out
}

func productID(p apiobj.ProductJSON) string   { return p.ID }
func priceID(p apiobj.PriceJSON) string       { return p.ID }
func customerID(c apiobj.CustomerJSON) string { return c.ID }

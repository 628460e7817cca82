// Package e2e drives cuota's hosted pages (checkout, pricing table,
// customer portal, the sim's and flowsim's card pages) in a real headless
// Chromium with chromedp, against the whole HTTP stack on loopback.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/console"
	"github.com/cuota/cuota/internal/dte/openfactura"
	"github.com/cuota/cuota/internal/gateway/flowgw"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/httpapi"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/secretbox"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/web"
	"github.com/cuota/cuota/internal/webhookin"
	"github.com/cuota/cuota/internal/webhookout"
	"github.com/cuota/cuota/internal/wiring"
)

// chromiumPath is Debian's Chromium (CI installs it); CUOTA_CHROMIUM
// overrides it.
func chromiumPath() string {
	if p := os.Getenv("CUOTA_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// browser is the one Chromium the package's tests share; each test opens
// its own tab.
var browser struct {
	once sync.Once
	ctx  context.Context
	err  error
}

// startBrowser starts Chromium once. A missing Chromium fails the test
// with instructions: the hosted pages must be proven in a real browser.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(func() {
		path := chromiumPath()
		if _, err := os.Stat(path); err != nil {
			browser.err = fmt.Errorf("chromium not found at %s (%w): install it (apt-get install -y chromium) or set CUOTA_CHROMIUM; browser tests never skip", path, err)
			return
		}
		dir, err := os.MkdirTemp("", "cuota-e2e-chromium-")
		if err != nil {
			browser.err = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Flag("headless", true),
			chromedp.Flag("no-sandbox", true),
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("no-first-run", true),
			chromedp.Flag("no-default-browser-check", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.UserDataDir(dir),
		}
		// The browser lives as long as the test binary.
		alloc, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, _ := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil {
			browser.err = fmt.Errorf("start chromium at %s: %w", path, err)
			return
		}
		browser.ctx = ctx
	})
	require.NoError(t, browser.err)
	return browser.ctx
}

// tab is one browser tab of a test, 375 px wide (a small phone). When the
// test fails it saves a screenshot and the page's HTML and logs where.
type tab struct {
	t   *testing.T
	ctx context.Context

	// store, when set, names the store the tab's pages come from; the
	// Postgres run's screenshots carry it so as not to overwrite SQLite's.
	store storeKind

	mu         sync.Mutex
	violations []string // CSP violations and uncaught errors reported by the page
	shots      int
}

// newTab opens the tab in a browser context of its own (what a fresh
// profile would be, without starting another Chromium): the servers of
// tests running side by side all listen on 127.0.0.1, and cookies do not
// tell ports apart, so a shared context would let one test's sign-in
// replace another's session.
func newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(startBrowser(t), chromedp.WithNewBrowserContext())
	b := &tab{t: t, ctx: ctx}
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(375, 812)))
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.report(m.String())
			}
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			b.saveFailure()
		}
	})
	return b
}

func (b *tab) report(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.violations = append(b.violations, msg)
}

// saveFailure writes a screenshot and the HTML of the page the test failed
// on to testdata/failures (or $CUOTA_E2E_FAILURES).
func (b *tab) saveFailure() {
	dir := os.Getenv("CUOTA_E2E_FAILURES")
	if dir == "" {
		dir = filepath.Join("testdata", "failures")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("save failure screenshot: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("save failure screenshot: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name())
	shot := filepath.Join(dir, name+".png")
	_ = os.WriteFile(shot, png, 0o644)
	_ = os.WriteFile(filepath.Join(dir, name+".html"), []byte(html), 0o644)
	b.t.Logf("browser was at %s; screenshot saved to %s (and the page's HTML next to it)", loc, shot)
}

// stepTimeout bounds one step of a test in the browser (a click and the
// page it leads to), so that a page that never shows what the test waits
// for fails the test, with the tab still open for the screenshot.
const stepTimeout = 15 * time.Second

// run runs browser actions, failing the test on error.
func (b *tab) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, steps...))
}

// get runs one browser action that returns a value.
func get[T any](b *tab, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(b.t, err)
	return v
}

func (b *tab) visit(url, waitFor string) {
	b.t.Helper()
	b.run(chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// click clicks sel and waits for next to be visible (on the next page).
func (b *tab) click(sel, next string) {
	b.t.Helper()
	b.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(next)))
}

// choose clicks a visible element (a radio button) and waits for nothing.
func (b *tab) choose(sel string) {
	b.t.Helper()
	b.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// hidden waits until sel is not visible.
func (b *tab) hidden(sel string) {
	b.t.Helper()
	b.run(chromedp.WaitNotVisible(chromedp.CSS(sel)))
}

// absent waits until sel is not in the page.
func (b *tab) absent(sel string) {
	b.t.Helper()
	b.run(chromedp.WaitNotPresent(chromedp.CSS(sel)))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	b.run(chromedp.WaitVisible(chromedp.CSS(sel)))
	return strings.Join(strings.Fields(get(b, chromedp.Text(chromedp.CSS(sel)))), " ")
}

func (b *tab) value(sel string) string {
	b.t.Helper()
	return get(b, chromedp.Value(chromedp.CSS(sel)))
}

func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

func (b *tab) location() string {
	b.t.Helper()
	return get(b, chromedp.Location())
}

func evaluate[T any](b *tab, expr string) T {
	b.t.Helper()
	return get(b, chromedp.Evaluate[T](expr))
}

// checkPage asserts what every hosted page must do: every visible input is
// labelled, nothing is wider than the 375 px screen, and the page reported
// no CSP violation or script error.
func (b *tab) checkPage() {
	b.t.Helper()
	unlabelled := evaluate[[]string](b, `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
		.map(e => e.id || e.name)`)
	scrollW := evaluate[int](b, `document.documentElement.scrollWidth`)
	// The visible width: a page taller than the screen gives part of the
	// 375 px to its scrollbar.
	innerW := evaluate[int](b, `document.documentElement.clientWidth`)
	require.Empty(b.t, unlabelled, "inputs without a label on %s", b.location())
	require.LessOrEqual(b.t, scrollW, innerW, "the page scrolls sideways at %d px: %s", innerW, b.location())
	b.mu.Lock()
	defer b.mu.Unlock()
	require.Empty(b.t, b.violations, "the page reported CSP violations or script errors")
	if dir := os.Getenv("CUOTA_E2E_SHOTS"); dir != "" {
		// For people: every checked page, as a 375 px phone shows it.
		b.shots++
		png := get(b, chromedp.FullScreenshot(100))
		name := fmt.Sprintf("%s-%02d.png", strings.ReplaceAll(b.t.Name(), "/", "_"), b.shots)
		require.NoError(b.t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	}
}

// stack is cuota's whole HTTP surface — the merchant API, the hosted
// pages and the console, mounted the way `cuota serve` mounts them — on a
// fresh store (SQLite unless made with newStackOn), with the sim and Flow gateways, plus a merchant's site whose
// success and cancel pages say where the browser arrived.
type stack struct {
	t        *testing.T
	app      *app.App
	url      string
	key      string // a test-mode secret API key
	scope    billing.Scope
	merchant string // the merchant site's base URL
	// frozen, when not zero, is the app's time (Unix nanoseconds) instead
	// of the real one: the console's sign-in waits and locks are tested
	// by moving it (freeze, advance) rather than by sleeping.
	frozen *atomic.Int64
}

// freeze stops the app's clock at the real time now.
func (s *stack) freeze() { s.frozen.Store(time.Now().UnixNano()) }

// advance moves the frozen app clock d ahead.
func (s *stack) advance(d time.Duration) {
	require.NotZero(s.t, s.frozen.Load(), "freeze the clock first")
	s.frozen.Add(int64(d))
}

func newStack(t *testing.T) *stack {
	t.Helper()
	return newStackWith(t, app.Mailer{})
}

// newStackWith is newStack with emails sent through mailer; opts change
// the app's configuration before it is built (a wrapped gateway, shorter
// webhook waits).
func newStackWith(t *testing.T, mailer app.Mailer, opts ...func(*app.Config)) *stack {
	t.Helper()
	return newStackOn(t, onSQLite, mailer, opts...)
}

// storeKind is a store a stack can run on; it names the subtest that runs
// on it (eachStore).
type storeKind string

const (
	onSQLite   storeKind = "SQLite"
	onPostgres storeKind = "Postgres"
)

// eachStore runs test twice, as the parallel subtests SQLite and
// Postgres: each builds its own stack and its tab its own browser
// context, so the two share nothing but the Chromium process, and the
// Postgres run does not double the package's time.
func eachStore(t *testing.T, test func(t *testing.T, kind storeKind)) {
	t.Helper()
	for _, kind := range []storeKind{onSQLite, onPostgres} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			test(t, kind)
		})
	}
}

// e2eStore is what a stack needs of its store.
type e2eStore interface {
	billing.Store
	sim.LedgerStore
	Migrate(context.Context) error
	Close() error
}

// openStore opens a fresh, migrated store of kind: a SQLite file in the
// test's directory, or an empty PostgreSQL schema of the test's own in the
// database of TEST_DATABASE_URL (pgtest.URL, which fails the test when
// PostgreSQL cannot be reached), dropped when the test ends.
func openStore(t *testing.T, kind storeKind, logger *slog.Logger) e2eStore {
	t.Helper()
	ctx := t.Context()
	var store e2eStore
	var err error
	switch kind {
	case onSQLite:
		store, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "cuota.db"), logger)
	case onPostgres:
		store, err = postgres.Open(ctx, pgtest.URL(t), logger)
	default:
		require.FailNow(t, "unknown store", "%q", kind)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(ctx))
	return store
}

// newStackOn is newStackWith on a store of kind.
func newStackOn(t *testing.T, kind storeKind, mailer app.Mailer, opts ...func(*app.Config)) *stack {
	t.Helper()
	ctx := t.Context()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("CUOTA_E2E_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	store := openStore(t, kind, logger)
	box, err := secretbox.New("")
	require.NoError(t, err)

	// The public URL is the test server's, known once it listens; the Flow
	// gateway reads credentials through the app it is part of.
	var publicURL string
	var a *app.App
	frozen := new(atomic.Int64)
	now := func() time.Time {
		if f := frozen.Load(); f != 0 {
			return time.Unix(0, f)
		}
		return time.Now()
	}
	flow := flowgw.New(flowgw.Options{Store: store, PublicURL: func() string { return publicURL }, Logger: logger,
		Credentials: func(ctx context.Context, s billing.Scope) (billing.GatewayCredentials, error) {
			return a.Merchants.GatewayCredentials(ctx, s, billing.GatewayFlow)
		}})
	cfg := app.Config{Store: store, Now: now, Logger: logger, Sealer: box, Mailer: mailer,
		PublicURL: func() string { return publicURL },
		Ports: app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{},
			DTE: &openfactura.Provider{}},
		Gateways: app.Gateways{billing.GatewaySim: sim.New(store, time.Now), billing.GatewayFlow: flow}}
	for _, o := range opts {
		o(&cfg)
	}
	a, err = app.New(cfg)
	require.NoError(t, err)

	api := httpapi.New(wiring.API(a), store, httpapi.Config{Version: "e2e"}, logger, prometheus.NewRegistry())
	pages := web.New(wiring.Pages(a), logger)
	mux := http.NewServeMux()
	mux.Handle("/", api)
	(&webhookin.Flow{Refunds: flow, Payments: flow, App: a.Collection, Logger: logger}).Register(mux)
	for _, prefix := range []string{"/sim/", "/return/", "/checkout/", "/pricing/", "/portal/", "/invoice/", "/logos/"} {
		mux.Handle(prefix, pages)
	}
	mux.Handle(console.Prefix, console.New(wiring.Console(a), func() string { return publicURL }, logger))
	mux.Handle("GET /{$}", http.RedirectHandler(console.Prefix, http.StatusFound))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	publicURL = srv.URL

	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>merchant</title><h1 id="merchant-page">%s</h1>`, strings.Trim(r.URL.Path, "/"))
	}))
	t.Cleanup(site.Close)

	m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Corredora Sur"})
	require.NoError(t, err)
	_, secret, err := a.Merchants.CreateAPIKey(ctx, m.ID, billing.ModeTest)
	require.NoError(t, err)
	return &stack{t: t, app: a, url: srv.URL, key: secret, scope: billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}, merchant: site.URL,
		frozen: frozen}
}

// dispatchUntil runs the outbox dispatcher, as its job would, until done
// reports what the test waits for. On PostgreSQL the dispatcher sees an
// event only once every older transaction in the database has ended —
// other tests' too — so one run may find nothing yet; on SQLite the first
// run does it. done runs on another goroutine: it reports, never fails
// the test.
func (s *stack) dispatchUntil(what string, done func(ctx context.Context) bool) {
	s.t.Helper()
	ctx := s.t.Context()
	require.EventuallyWithT(s.t, func(c *assert.CollectT) {
		_, err := s.app.Notifications.DispatchNotifications(ctx)
		if assert.NoError(c, err) {
			assert.True(c, done(ctx), "not yet: %s", what)
		}
	}, time.Minute, 20*time.Millisecond, "the dispatcher never got to %s", what)
}

// do calls the merchant API and returns the status and decoded body.
func (s *stack) do(method, path string, body any) (int, map[string]any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.url+path, rd)
	require.NoError(s.t, err)
	req.Header.Set("Authorization", "Bearer "+s.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer res.Body.Close()
	out := map[string]any{}
	require.NoError(s.t, json.NewDecoder(res.Body).Decode(&out))
	return res.StatusCode, out
}

// putLogo uploads the merchant's logo as the raw body.
func (s *stack) putLogo(data []byte, contentType string) map[string]any {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.t.Context(), http.MethodPut, s.url+"/v1/merchant/logo", bytes.NewReader(data))
	require.NoError(s.t, err)
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer res.Body.Close()
	out := map[string]any{}
	require.NoError(s.t, json.NewDecoder(res.Body).Decode(&out))
	require.Equal(s.t, http.StatusOK, res.StatusCode, "%v", out)
	return out
}

// ok calls the API and requires a 200.
func (s *stack) ok(method, path string, body any) map[string]any {
	s.t.Helper()
	status, out := s.do(method, path, body)
	require.Equal(s.t, http.StatusOK, status, "%s %s: %v", method, path, out)
	return out
}

// product makes a product with features and returns its id.
func (s *stack) product(name string, features map[string]int64) string {
	s.t.Helper()
	return s.ok("POST", "/v1/products", map[string]any{"name": name, "features": features})["id"].(string)
}

// price makes a recurring price and returns its id.
func (s *stack) price(product string, amount int64, currency, interval string) string {
	s.t.Helper()
	return s.ok("POST", "/v1/prices", map[string]any{"product": product, "unit_amount": amount, "currency": currency,
		"recurring": map[string]any{"interval": interval}})["id"].(string)
}

// checkout creates a checkout session and returns its id and URL.
func (s *stack) checkout(body map[string]any) (string, string) {
	s.t.Helper()
	body["success_url"] = s.merchant + "/success?plan=1"
	body["cancel_url"] = s.merchant + "/cancel"
	cs := s.ok("POST", "/v1/checkout_sessions", body)
	require.Equal(s.t, "open", cs["status"])
	return cs["id"].(string), cs["url"].(string)
}

// simCard picks a test card on the sim's card page and saves it; next is
// what to wait for on the page the browser comes back to.
func (b *tab) simCard(token, next string) {
	b.t.Helper()
	b.choose("#card-" + token)
	b.click(`button[value="save"]`, next)
}

package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/web"
	"github.com/cuota/cuota/internal/webhookout"
	"github.com/cuota/cuota/internal/wiring"
)

// clock is the App's clock: every reading moves it forward a millisecond
// (ids sort in creation order); Advance jumps.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(time.Millisecond)
	return t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// world is an App on a fresh SQLite store with the sim gateway, serving the
// hosted pages over real HTTP, with one test-mode merchant and customer.
type world struct {
	app   *app.App
	store interface {
		billing.Store
		sim.LedgerStore
	}
	clock    *clock
	url      string
	client   *http.Client // does not follow redirects
	scope    billing.Scope
	customer billing.Customer
	cfg      app.Config // what app was built from (restart)
	logger   *slog.Logger
	pages    *swapHandler
}

const returnURL = "https://merchant.example/billing/return?plan=start"

func newWorld(t *testing.T, customerLocale string) *world {
	t.Helper()
	return newWorldOn(t, customerLocale, "sqlite")
}

// newWorldOn is newWorld on a store of kind: "sqlite" or "postgres" (its
// own schema of the test database).
func newWorldOn(t *testing.T, customerLocale, kind string) *world {
	t.Helper()
	ctx := t.Context()
	logger := slog.New(slog.DiscardHandler)
	var store interface {
		billing.Store
		sim.LedgerStore
		Migrate(context.Context) error
		Close() error
	}
	var err error
	if kind == "postgres" {
		store, err = postgres.Open(ctx, pgtest.URL(t), logger)
	} else {
		store, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "cuota.db"), logger)
	}
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, store.Close()) })
	require.NoError(t, store.Migrate(ctx))

	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	var publicURL string
	cfg := app.Config{Store: store, Now: clk.Now, Logger: logger,
		PublicURL: func() string { return publicURL },
		Ports:     app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
		Gateways:  app.Gateways{billing.GatewaySim: sim.New(store, clk.Now)}}
	a, err := app.New(cfg)
	require.NoError(t, err)
	pages := &swapHandler{}
	pages.h.Store(web.New(wiring.Pages(a), logger))
	srv := httptest.NewServer(pages)
	t.Cleanup(srv.Close)
	publicURL = srv.URL

	m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Agente"})
	require.NoError(t, err)
	scope := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	p := app.CustomerParams{Email: ptr("ana@example.cl")}
	if customerLocale != "" {
		p.Locale = &customerLocale
	}
	c, err := a.Customers.CreateCustomer(ctx, scope, p)
	require.NoError(t, err)

	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &world{app: a, store: store, clock: clk, url: srv.URL, client: client, scope: scope, customer: c,
		cfg: cfg, logger: logger, pages: pages}
}

// swapHandler serves with the handler it holds, which restart replaces.
type swapHandler struct{ h atomic.Value }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.h.Load().(http.Handler).ServeHTTP(w, r)
}

// restart builds the world's App again from its configuration as changed
// by configure, and serves the pages from it at the same address, as a
// process restarted with other settings would.
func (w *world) restart(t *testing.T, configure func(*app.Config)) {
	t.Helper()
	configure(&w.cfg)
	a, err := app.New(w.cfg)
	require.NoError(t, err)
	w.app = a
	w.pages.h.Store(web.New(wiring.Pages(a), w.logger))
}

func ptr[T any](v T) *T { return &v }

// link is a setup's page: its path and secret.
type link struct {
	id, path, secret string
}

// newSetup starts a sim setup for the world's customer and returns its link.
func (w *world) newSetup(t *testing.T) link {
	t.Helper()
	st, u, err := w.app.Customers.CreateSetup(t.Context(), w.scope, w.customer.ID, app.CreateSetupParams{Gateway: billing.GatewaySim, ReturnURL: returnURL})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(u, w.url+"/sim/setup/"+st.ID+"?secret="), u)
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	return link{id: st.ID, path: parsed.Path, secret: parsed.Query().Get("secret")}
}

// response is an HTTP response read in full.
type response struct {
	status int
	header http.Header
	body   string
}

func (w *world) send(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := w.client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// get fetches path (with its query) sending header name/value pairs.
func (w *world) get(t *testing.T, path string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, w.url+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return w.send(t, req)
}

// page fetches a setup link's page.
func (w *world) page(t *testing.T, l link, hdr ...string) response {
	t.Helper()
	return w.get(t, l.path+"?secret="+url.QueryEscape(l.secret), hdr...)
}

// submit posts the setup form the way a same-origin browser does.
func (w *world) submit(t *testing.T, l link, form url.Values, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.url+l.path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return w.send(t, req)
}

func save(l link, token string) url.Values {
	return url.Values{"secret": {l.secret}, "action": {"save"}, "token": {token}}
}

func (w *world) setup(t *testing.T, id string) billing.PaymentMethodSetup {
	t.Helper()
	st, err := w.app.Customers.GetSetup(t.Context(), w.scope, id)
	require.NoError(t, err)
	return st
}

func (w *world) paymentMethods(t *testing.T) []billing.PaymentMethod {
	t.Helper()
	pms, err := w.app.Customers.ListPaymentMethods(t.Context(), w.scope, w.customer.ID)
	require.NoError(t, err)
	return pms
}

// requireSecure checks the headers every hosted response carries.
func requireSecure(t *testing.T, res response) {
	t.Helper()
	csp := res.header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "style-src 'self'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"} {
		require.Contains(t, csp, d)
	}
	require.NotContains(t, csp, "unsafe")
	require.NotContains(t, csp, "script-src")
	require.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
	require.Equal(t, "no-referrer", res.header.Get("Referrer-Policy"))
	require.Equal(t, "no-store", res.header.Get("Cache-Control"))
}

// requireRedirect checks a 303 back to returnURL with setup_id and status
// added to its query, keeping the merchant's own parameters.
func requireRedirect(t *testing.T, res response, id, status string) {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	requireSecure(t, res)
	loc, err := url.Parse(res.header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "https", loc.Scheme)
	require.Equal(t, "merchant.example", loc.Host)
	require.Equal(t, "/billing/return", loc.Path)
	require.Equal(t, url.Values{"plan": {"start"}, "setup_id": {id}, "status": {status}}, loc.Query())
}

var externalRE = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9]`)

func TestSetupPage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	res := w.page(t, l)
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Equal(t, "text/html; charset=utf-8", res.header.Get("Content-Type"))
	requireSecure(t, res)
	// The form redirects to the merchant: the browser must allow that
	// origin in form-action (Chromium checks the redirect chain).
	require.Contains(t, res.header.Get("Content-Security-Policy"), "form-action 'self' https://merchant.example;")

	body := res.body
	require.Contains(t, body, `<html lang="es-CL">`)
	require.Contains(t, body, "Tarjeta de prueba (modo test)")
	require.Contains(t, body, "no se mueve dinero real")
	require.Contains(t, body, ">Guardar tarjeta</button>")
	require.Contains(t, body, ">Cancelar</button>")
	require.Contains(t, body, `name="secret" value="`+l.secret+`"`)
	require.Contains(t, body, `action="`+l.id+`"`)
	require.NotEmpty(t, billing.SimTokens())
	for _, tok := range billing.SimTokens() {
		info, ok := billing.LookupSimToken(tok)
		require.True(t, ok)
		// Each card is a labelled radio button.
		require.Contains(t, body, `id="card-`+tok+`" value="`+tok+`"`)
		require.Contains(t, body, `<label for="card-`+tok+`">`)
		require.Contains(t, body, `<code class="token">`+tok+`</code>`)
		require.Contains(t, body, "•••• "+info.Last4)
	}
	require.Contains(t, body, `value="tok_visa" required checked>`, "the card that always succeeds is preselected")
	require.Contains(t, body, "Siempre se aprueba.")
	require.Contains(t, body, "Visa")
	require.Contains(t, body, "Mastercard")
	require.Contains(t, body, "American Express")

	// Nothing from another origin, and no scripts at all.
	require.NotRegexp(t, externalRE, body)
	require.NotContains(t, strings.ToLower(body), "<script")

	// The stylesheet link resolves to the embedded CSS.
	m := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(body)
	require.Len(t, m, 2)
	base, err := url.Parse(w.url + l.path)
	require.NoError(t, err)
	ref, err := url.Parse(m[1])
	require.NoError(t, err)
	css := base.ResolveReference(ref)
	require.Equal(t, "/sim/assets/style.css", css.Path)
	res = w.get(t, css.Path)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "text/css; charset=utf-8", res.header.Get("Content-Type"))
	require.Contains(t, res.body, "@media")
	require.NotRegexp(t, externalRE, res.body)
	require.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
	etag := res.header.Get("ETag")
	require.NotEmpty(t, etag)
	res = w.get(t, css.Path, "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, res.status)

	// Looking does not use the link up.
	require.Equal(t, billing.SetupPending, w.setup(t, l.id).Status)
	require.Equal(t, http.StatusOK, w.page(t, l).status)
}

func TestSetupSave(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	res := w.submit(t, l, save(l, billing.SimTokVisa))
	requireRedirect(t, res, l.id, billing.SetupSucceeded)

	pms := w.paymentMethods(t)
	require.Len(t, pms, 1)
	pm := pms[0]
	require.Equal(t, billing.GatewaySim, pm.Gateway)
	require.Equal(t, "visa", pm.Brand)
	require.Equal(t, "4242", pm.Last4)
	require.Equal(t, billing.PaymentMethodActive, pm.Status)

	st := w.setup(t, l.id)
	require.Equal(t, billing.SetupSucceeded, st.Status)
	require.Equal(t, pm.ID, st.PaymentMethodID)
	require.Empty(t, st.FailureMessage)

	// The link works once.
	res = w.page(t, l)
	require.Equal(t, http.StatusGone, res.status, res.body)
	requireSecure(t, res)
	require.Contains(t, res.body, "ya venció o ya se usó")
	res = w.submit(t, l, save(l, billing.SimTokVisa))
	require.Equal(t, http.StatusGone, res.status, res.body)
	require.Len(t, w.paymentMethods(t), 1)
}

func TestSetupSaveCardThatDeclinesLater(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	// Declining cards save fine: they decline when charged.
	requireRedirect(t, w.submit(t, l, save(l, billing.SimTokInsufficientFunds)), l.id, billing.SetupSucceeded)
	pms := w.paymentMethods(t)
	require.Len(t, pms, 1)
	require.Equal(t, "9995", pms[0].Last4)
}

func TestSetupCancel(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	// The cancel button submits the preselected card too; it is ignored.
	res := w.submit(t, l, url.Values{"secret": {l.secret}, "action": {"cancel"}, "token": {billing.SimTokVisa}})
	requireRedirect(t, res, l.id, billing.SetupFailed)

	st := w.setup(t, l.id)
	require.Equal(t, billing.SetupFailed, st.Status)
	require.Empty(t, st.PaymentMethodID)
	require.NotEmpty(t, st.FailureMessage)
	require.Empty(t, w.paymentMethods(t))
	require.Equal(t, http.StatusGone, w.page(t, l).status)
}

func TestSetupInvalidToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	res := w.submit(t, l, save(l, "tok_bogus"))
	requireRedirect(t, res, l.id, billing.SetupFailed)

	st := w.setup(t, l.id)
	require.Equal(t, billing.SetupFailed, st.Status)
	require.Contains(t, st.FailureMessage, "tok_bogus")
	require.Empty(t, w.paymentMethods(t))
}

func TestSetupBadForm(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	// Save with no card picked: the form again, with a message.
	res := w.submit(t, l, url.Values{"secret": {l.secret}, "action": {"save"}})
	require.Equal(t, http.StatusBadRequest, res.status, res.body)
	requireSecure(t, res)
	require.Contains(t, res.body, `role="alert">Elige una tarjeta para guardarla.</p>`)
	require.Contains(t, res.body, `name="secret" value="`+l.secret+`"`)

	// No action at all, or an unknown one.
	for _, action := range []string{"", "delete"} {
		res = w.submit(t, l, url.Values{"secret": {l.secret}, "action": {action}, "token": {billing.SimTokVisa}})
		require.Equal(t, http.StatusBadRequest, res.status, res.body)
		requireSecure(t, res)
	}

	// A body past the limit.
	res = w.submit(t, l, url.Values{"secret": {l.secret}, "action": {"save"}, "token": {strings.Repeat("x", 20<<10)}})
	require.Equal(t, http.StatusRequestEntityTooLarge, res.status, res.body)

	require.Equal(t, billing.SetupPending, w.setup(t, l.id).Status)
	require.Empty(t, w.paymentMethods(t))
}

func TestSetupUnknownLink(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	wrong := l
	wrong.secret = "pmss_WRONGWRONGWRONGWRONGWRONGWRONG"
	noSecret := l
	noSecret.secret = ""
	unknown := l
	unknown.path = "/sim/setup/pmsetup_nope"
	for name, bad := range map[string]link{"wrong secret": wrong, "no secret": noSecret, "unknown id": unknown} {
		res := w.page(t, bad)
		require.Equal(t, http.StatusNotFound, res.status, name)
		requireSecure(t, res)
		require.Contains(t, res.body, "Enlace no encontrado", name)
		require.NotContains(t, res.body, "tok_visa", name)

		res = w.submit(t, bad, save(bad, billing.SimTokVisa))
		require.Equal(t, http.StatusNotFound, res.status, name)
	}
	require.Equal(t, billing.SetupPending, w.setup(t, l.id).Status)
	require.Empty(t, w.paymentMethods(t))

	res := w.get(t, "/sim/nothing/here")
	require.Equal(t, http.StatusNotFound, res.status)
	requireSecure(t, res)
}

func TestSetupExpired(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	w.clock.Advance(app.SetupTTL)
	res := w.page(t, l)
	require.Equal(t, http.StatusGone, res.status, res.body)
	require.Contains(t, res.body, "Enlace vencido")
	res = w.submit(t, l, save(l, billing.SimTokVisa))
	require.Equal(t, http.StatusGone, res.status, res.body)
	require.Equal(t, billing.SetupExpired, w.setup(t, l.id).Status)
	require.Empty(t, w.paymentMethods(t))
}

func TestSetupCrossOrigin(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	l := w.newSetup(t)

	// A page on another site posting the form (even with the secret).
	cases := map[string][]string{
		"origin":         {"Origin", "https://evil.example", "Sec-Fetch-Site", ""},
		"sec-fetch-site": {"Sec-Fetch-Site", "cross-site"},
		"same-site":      {"Sec-Fetch-Site", "same-site", "Origin", "https://sub.merchant.example"},
	}
	for name, hdr := range cases {
		res := w.submit(t, l, save(l, billing.SimTokVisa), hdr...)
		require.Equal(t, http.StatusForbidden, res.status, name)
		requireSecure(t, res)
		require.Contains(t, res.body, "Solicitud rechazada", name)
	}
	require.Equal(t, billing.SetupPending, w.setup(t, l.id).Status)
	require.Empty(t, w.paymentMethods(t))

	// An older browser that sends only Origin, from this site, passes.
	res := w.submit(t, l, save(l, billing.SimTokVisa), "Sec-Fetch-Site", "")
	requireRedirect(t, res, l.id, billing.SetupSucceeded)
}

func TestSetupLanguage(t *testing.T) {
	t.Parallel()
	english := []string{`<html lang="en">`, "Test card (test mode)", "no real money moves", ">Save card</button>", ">Cancel</button>", "Always succeeds."}
	spanish := []string{`<html lang="es-CL">`, "Tarjeta de prueba (modo test)", ">Guardar tarjeta</button>", ">Cancelar</button>"}
	cases := []struct {
		name, locale, accept string
		want                 []string
	}{
		{"default", "", "", spanish},
		// The browser's language does not count: the customer's does.
		{"browser english", "", "en-US,en;q=0.9", spanish},
		{"browser unserved only", "", "de, fr", spanish},
		{"customer english", "en-US", "es-CL", english},
		{"customer spanish", "es-CL", "en-US", spanish},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, c.locale)
			l := w.newSetup(t)
			res := w.page(t, l, "Accept-Language", c.accept)
			require.Equal(t, http.StatusOK, res.status)
			for _, s := range c.want {
				require.Contains(t, res.body, s)
			}
		})
	}

	w := newWorld(t, "")
	l := w.newSetup(t)
	w.clock.Advance(2 * app.SetupTTL)
	res := w.get(t, l.path+"?lang=en&secret="+url.QueryEscape(l.secret), "Accept-Language", "es")
	require.Equal(t, http.StatusGone, res.status)
	require.Contains(t, res.body, "This card setup link has expired or was already used.", "?lang= chooses")
}

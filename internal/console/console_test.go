package console_test

import (
	"encoding/base32"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/console"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/wiring"
)

type bundle struct {
	t        *testing.T
	now      *atomic.Int64 // the app's clock, Unix nanoseconds: moved by advance, never by sleeping
	app      *app.App
	srv      *httptest.Server
	merchant string
	client   *http.Client
}

// setup serves the console alone on a fresh SQLite store whose public URL
// is publicURL.
func setup(t *testing.T, publicURL string) *bundle {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cuota.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(t.Context()))
	now := new(atomic.Int64)
	now.Store(time.Now().UnixNano())
	a, err := app.New(app.Config{Store: store, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	require.NoError(t, err)
	m, err := a.Merchants.CreateMerchant(t.Context(), app.CreateMerchantParams{Name: "Corredora Sur"})
	require.NoError(t, err)
	_, err = a.Users.CreateUser(t.Context(), app.CreateUserParams{MerchantID: m.ID, Email: "duena@example.cl",
		Role: billing.RoleOwner, Password: "una clave bien larga"})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, console.New(wiring.Console(a), func() string { return publicURL }, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &bundle{t: t, now: now, app: a, srv: srv, merchant: m.ID, client: newClient(t)}
}

// clock is the app's time.
func (b *bundle) clock() time.Time { return time.Unix(0, b.now.Load()) }

// newClient is a browser of its own: a cookie jar, redirects not followed.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (b *bundle) get(path string) (*http.Response, string) {
	b.t.Helper()
	res, err := b.client.Get(b.srv.URL + path)
	require.NoError(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return res, string(body)
}

func (b *bundle) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	res, err := b.client.PostForm(b.srv.URL+path, form)
	require.NoError(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return res, string(body)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	require.NotNil(t, m, "no csrf field in %s", body)
	return m[1]
}

// signIn signs the owner in and returns the session's CSRF token.
func (b *bundle) signIn() string {
	b.t.Helper()
	_, body := b.get("/console/sign-in")
	res, _ := b.post("/console/sign-in", url.Values{"csrf": {csrf(b.t, body)}, "email": {"duena@example.cl"},
		"password": {"una clave bien larga"}, "next": {"/console/customers"}})
	require.Equal(b.t, http.StatusSeeOther, res.StatusCode)
	require.Equal(b.t, "/console/customers", res.Header.Get("Location"))
	_, body = b.get("/console/customers")
	return csrf(b.t, body)
}

func TestCookiesAndHeaders(t *testing.T) {
	b := setup(t, "https://billing.example.cl")
	res, _ := b.get("/console/")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/console/sign-in", res.Header.Get("Location"))
	res, body := b.get("/console/sign-in")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")
	require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	pre := res.Header.Get("Set-Cookie")
	require.Contains(t, pre, "HttpOnly")
	require.Contains(t, pre, "Secure", "the public URL is https")
	require.Contains(t, pre, "SameSite=Strict")

	// The jar does not send Secure cookies over the test's http: post the
	// form with the cookie by hand.
	token := csrf(t, body)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.srv.URL+"/console/sign-in",
		strings.NewReader(url.Values{"csrf": {token}, "email": {"duena@example.cl"}, "password": {"una clave bien larga"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "cuota_console_pre", Value: token})
	res, err = b.client.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	session := res.Header.Get("Set-Cookie")
	require.Regexp(t, `^cuota_console=[A-Z2-7]{52}; Path=/console/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax$`, session)
}

func TestFormsRefusedWithoutTheirToken(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	// Sign-in without the double-submit token: 403, nothing counted.
	b.get("/console/sign-in")
	res, _ := b.post("/console/sign-in", url.Values{"email": {"duena@example.cl"}, "password": {"una clave bien larga"}})
	require.Equal(t, http.StatusForbidden, res.StatusCode)

	token := b.signIn()
	for _, path := range []string{"/console/settings/api-keys", "/console/sign-out", "/console/mode",
		"/console/settings/users/invite"} {
		res, _ = b.post(path, url.Values{"mode": {"live"}, "email": {"x@example.cl"}, "role": {"viewer"}})
		require.Equal(t, http.StatusForbidden, res.StatusCode, path)
		res, _ = b.post(path, url.Values{"csrf": {token + "x"}, "mode": {"live"}})
		require.Equal(t, http.StatusForbidden, res.StatusCode, path)
	}
	keys, err := b.app.Merchants.ListAPIKeys(t.Context(), b.merchant)
	require.NoError(t, err)
	require.Empty(t, keys, "nothing was created")
	res, _ = b.get("/console/customers")
	require.Equal(t, http.StatusOK, res.StatusCode, "still signed in")

	// With the token the same forms work.
	res, body := b.post("/console/settings/api-keys", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Regexp(t, `id="new-secret">sk_test_`, body)
	res, body = b.post("/console/settings/users/invite", url.Values{"csrf": {token}, "email": {"Nuevo@example.cl"}, "role": {"support"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	link := regexp.MustCompile(`id="invite-url">http://127\.0\.0\.1(/console/invitation/[A-Z2-7]+)<`).FindStringSubmatch(body)
	require.NotNil(t, link, body)

	// The invitation: a new browser accepts it once.
	other := &bundle{t: t, now: b.now, app: b.app, srv: b.srv, merchant: b.merchant, client: newClient(t)}
	res, body = other.get(link[1])
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "nuevo@example.cl")
	res, body = other.post(link[1], url.Values{"csrf": {csrf(t, body)}, "password": {"corta"}})
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body, "al menos 12 caracteres")
	res, _ = other.post(link[1], url.Values{"csrf": {csrf(t, body)}, "password": {"la clave de soporte"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = other.get("/console/settings/users")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "nuevo@example.cl")
	require.NotContains(t, body, `id="invite"`, "support does not invite")
	res, _ = other.post("/console/settings/users/invite", url.Values{"csrf": {csrf(t, body)}, "email": {"y@example.cl"}, "role": {"owner"}})
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	res, _ = other.get(link[1])
	require.Equal(t, http.StatusGone, res.StatusCode, "an invitation works once")

	// Signing out ends the session on the server.
	res, _ = b.post("/console/sign-out", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = b.get("/console/customers")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
}

// TestNoServerErrors sends what a user can type into the console's
// addresses and forms: a 4xx page, never a 5xx.
func TestNoServerErrors(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	token := b.signIn()
	for _, path := range []string{"/console/customers?q=%00", "/console/customers?q=" + strings.Repeat("a", 300),
		"/console/customers?after=nope", "/console/customers/cus_none", "/console/customers/%ff",
		"/console/subscriptions?status=bogus&after=x", "/console/?currency=XXX", "/console/?currency=%00",
		"/console/invitation/none", "/console/nope"} {
		res, _ := b.get(path)
		require.Less(t, res.StatusCode, 500, path)
	}
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/console/mode", url.Values{"mode": {"both"}}},
		{"/console/settings/users/invite", url.Values{"email": {"no es correo"}, "role": {"viewer"}}},
		{"/console/settings/users/invite", url.Values{"email": {"a@example.cl"}, "role": {"root"}}},
		{"/console/settings/users/usr_none/role", url.Values{"role": {"viewer"}}},
		{"/console/settings/users/usr_none/remove", nil},
		{"/console/settings/api-keys/key_none/revoke", nil},
		{"/console/subscriptions/sub_none/cancel", url.Values{"reason": {"requested_by_customer"}}},
		{"/console/subscriptions/sub_none/cancel", url.Values{"reason": {"x"}}},
		{"/console/settings/security/totp", url.Values{"secret": {"x"}, "code": {"1"}}},
		{"/console/settings/users/invite", url.Values{"email": {"a\x00@example.cl"}}},
	} {
		form := url.Values{"csrf": {token}}
		for k, v := range c.form {
			form[k] = v
		}
		res, _ := b.post(c.path, form)
		require.GreaterOrEqual(t, res.StatusCode, 300, c.path)
		require.Less(t, res.StatusCode, 500, "%s %v", c.path, c.form)
	}
	res, _ := b.post("/console/settings/api-keys", url.Values{"csrf": {token}, "pad": {strings.Repeat("x", 20<<10)}})
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
}

// TestTwoStepSignIn turns on the owner's second factor from the security
// page; signing in then needs the code. Signing out everywhere ends every
// session.
func TestTwoStepSignIn(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	b.signIn()
	_, body := b.get("/console/settings/security")
	secret := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(body)
	require.NotNil(t, secret)
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret[1])
	require.NoError(t, err)
	token := csrf(t, body)
	res, body := b.post("/console/settings/security/totp", url.Values{"csrf": {token}, "secret": {secret[1]}, "code": {"12345"}})
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body, "El código no coincide")
	code := billing.TOTPCode(raw, b.clock(), billing.TOTPDigits)
	res, body = b.post("/console/settings/security/totp", url.Values{"csrf": {token}, "secret": {secret[1]}, "code": {code}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "Tus códigos de recuperación", "the answer shows the recovery codes, once")
	require.Len(t, regexp.MustCompile(`<code class="secret">[a-z2-7]{5}-[a-z2-7]{5}</code>`).FindAllString(body, -1), billing.RecoveryCodeCount)
	_, body = b.get("/console/settings/security")
	require.Contains(t, body, "La verificación en dos pasos está activada.")
	require.Contains(t, body, "Te quedan 10 códigos sin usar.")
	require.NotContains(t, body, "Tus códigos de recuperación")

	// A second browser: the password alone is refused like a wrong one.
	other := &bundle{t: t, now: b.now, app: b.app, srv: b.srv, merchant: b.merchant, client: newClient(t)}
	_, page := other.get("/console/sign-in")
	res, page = other.post("/console/sign-in", url.Values{"csrf": {csrf(t, page)}, "email": {"duena@example.cl"}, "password": {"una clave bien larga"}})
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.Contains(t, page, "no son correctos")
	// Its wait over (one wrong try waits a second), the code lets it in.
	b.now.Add(int64(billing.SignInDelay(1)))
	res, _ = other.post("/console/sign-in", url.Values{"csrf": {csrf(t, page)}, "email": {"duena@example.cl"},
		"password": {"una clave bien larga"}, "code": {billing.TOTPCode(raw, b.clock(), billing.TOTPDigits)}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	// Signing out everywhere from the first browser ends the second's.
	res, _ = b.post("/console/settings/security/sign-out-everywhere", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = other.get("/console/customers")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = b.get("/console/customers")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
}

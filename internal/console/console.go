// Package console serves the merchant's console at /console/: the pages a
// merchant's owner, finance and support people sign in to and run the
// business from (docs/console.md). It is a transport like internal/web:
// server-rendered pages (html/template, embedded, no script, nothing
// loaded from elsewhere), es-CL and English, calling the same app use
// cases as the API through its UseCases.
//
// # Security
//
//   - Sessions: the browser holds a random token in an HttpOnly,
//     SameSite=Lax cookie (Secure when the public URL is https), scoped to
//     /console/; the database holds only its SHA-256 (app.Users.Session).
//   - CSRF: every form carries a token derived from the session's own
//     token (an HMAC under it), checked on every POST before anything else;
//     a POST without it is answered 403. The forms shown before signing in
//     (sign-in, an invitation) use a double-submit cookie instead. And the
//     whole handler runs behind net/http's CrossOriginProtection.
//   - Roles: every action is registered with the billing.Permission it
//     needs (action), and the pages ask the same table (pageData.Can) to
//     decide which buttons to show; a forged POST of an action the role
//     lacks is 403. billing.Role.Allows is the one table.
//   - Headers: a strict Content-Security-Policy (no script at all, styles
//     and images from this origin), no framing, no referrer, no caching.
package console

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

//go:embed templates/*.html static/console.css
var files embed.FS

// csp is every response's Content-Security-Policy: no script, nothing from
// another origin, forms post only here.
const csp = "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// maxForm caps a form body; the console's largest form is well under it.
const maxForm = 16 << 10

// Cookie names. Both are scoped to /console/.
const (
	sessionCookie = "cuota_console"
	// preCookie holds the double-submit token of the forms shown before a
	// session exists (sign-in, accepting an invitation).
	preCookie = "cuota_console_pre"
)

// Prefix is where the console is mounted.
const Prefix = "/console/"

type handler struct {
	app       UseCases
	logger    *slog.Logger
	publicURL func() string
	pages     map[string]*template.Template
	css       []byte
	cssETag   string
}

// pageNames are the console's templates, each rendered inside base.html.
// Each area's file adds its own list (moneyPages, configPages, opsPages).
var pageNames = []string{"message", "signin", "overview", "customers", "customer", "subscriptions",
	"apikeys", "users", "invitation", "security", "forgot", "reset"}

// New returns the console's handler, to be mounted at Prefix. publicURL is
// the address browsers reach cuota at: when it is https, the cookies are
// Secure.
func New(a UseCases, publicURL func() string, logger *slog.Logger) http.Handler {
	css, err := fs.ReadFile(files, "static/console.css")
	if err != nil {
		panic(err) // embedded at build time: a missing file is a broken build, not input
	}
	sum := sha256.Sum256(css)
	h := &handler{app: a, logger: logger, publicURL: publicURL, css: css, cssETag: `"` + hex.EncodeToString(sum[:8]) + `"`,
		pages: map[string]*template.Template{}}
	for _, name := range slices.Concat(pageNames, moneyPages, configPages, opsPages) {
		h.pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(files, "templates/base.html", "templates/"+name+".html"))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /console/assets/console.css", h.style)
	mux.HandleFunc("GET /console/sign-in", h.signInForm)
	mux.HandleFunc("POST /console/sign-in", h.signIn)
	mux.HandleFunc("GET /console/invitation/{token}", h.invitationForm)
	mux.HandleFunc("POST /console/invitation/{token}", h.acceptInvitation)
	mux.HandleFunc("GET /console/forgot", h.forgotForm)
	mux.HandleFunc("POST /console/forgot", h.forgot)
	mux.HandleFunc("GET "+app.PasswordResetPath+"{token}", h.resetForm)
	mux.HandleFunc("POST "+app.PasswordResetPath+"{token}", h.reset)

	mux.HandleFunc("GET /console/{$}", h.page(h.overview))
	mux.HandleFunc("GET /console/customers", h.page(h.customers))
	mux.HandleFunc("GET /console/customers/{id}", h.page(h.customer))
	mux.HandleFunc("GET /console/subscriptions", h.page(h.subscriptions))
	mux.HandleFunc("GET /console/settings/api-keys", h.page(h.apiKeys))
	mux.HandleFunc("GET /console/settings/users", h.page(h.users))
	mux.HandleFunc("GET /console/settings/security", h.page(h.security))

	// Every POST of a signed-in user names the permission it needs.
	mux.HandleFunc("POST /console/sign-out", h.action(billing.PermRead, h.signOut))
	mux.HandleFunc("POST /console/mode", h.action(billing.PermSwitchMode, h.switchMode))
	mux.HandleFunc("POST /console/lang", h.action(billing.PermRead, h.switchLang))
	mux.HandleFunc("POST /console/subscriptions/{id}/cancel", h.action(billing.PermCancel, h.cancelSubscription))
	mux.HandleFunc("POST /console/settings/api-keys", h.action(billing.PermAPIKeys, h.createAPIKey))
	mux.HandleFunc("POST /console/settings/api-keys/{id}/revoke", h.action(billing.PermAPIKeys, h.revokeAPIKey))
	mux.HandleFunc("POST /console/settings/users/invite", h.action(billing.PermManageUsers, h.invite))
	mux.HandleFunc("POST /console/settings/users/{id}/role", h.action(billing.PermManageUsers, h.changeRole))
	mux.HandleFunc("POST /console/settings/users/{id}/remove", h.action(billing.PermManageUsers, h.removeUser))
	mux.HandleFunc("POST /console/settings/security/totp", h.action(billing.PermOwnSecurity, h.enableTOTP))
	mux.HandleFunc("POST /console/settings/security/totp/off", h.action(billing.PermOwnSecurity, h.disableTOTP))
	mux.HandleFunc("POST /console/settings/security/recovery-codes", h.action(billing.PermOwnSecurity, h.regenerateRecoveryCodes))
	mux.HandleFunc("POST /console/settings/security/sign-out-everywhere", h.action(billing.PermRead, h.signOutEverywhere))
	// Each area registers its pages and actions in its own file.
	h.moneyRoutes(mux)
	h.configRoutes(mux)
	h.opsRoutes(mux)
	mux.HandleFunc("/console/", h.notFound)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := requestLang(r)
		h.message(w, r, http.StatusForbidden, l, nil, l.ForbiddenTitle, l.CSRFBody)
	}))
	return securityHeaders(cop.Handler(h.validInput(mux)))
}

// validInput reads a POST's form (at most maxForm bytes: 413 beyond) and
// refuses, with a 400 page, a request whose path, query or form holds text
// no store can hold (billing.ValidText: NUL characters or invalid UTF-8).
// PostgreSQL fails on such text where SQLite stores it, so the check runs
// before any handler and both stores answer alike.
func (h *handler) validInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := requestLang(r)
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				status := http.StatusBadRequest
				if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
					status = http.StatusRequestEntityTooLarge
				}
				h.message(w, r, status, l, nil, l.BadForm, l.BadForm)
				return
			}
		}
		query, _ := url.ParseQuery(r.URL.RawQuery) // pairs it cannot decode, no handler reads either
		if !billing.ValidText(r.URL.Path) || !validValues(query) || !validValues(r.PostForm) {
			h.message(w, r, http.StatusBadRequest, l, nil, l.BadForm, l.BadForm)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// validValues reports whether every name and value of v is ValidText.
func validValues(v url.Values) bool {
	for name, values := range v {
		if !billing.ValidText(name) {
			return false
		}
		for _, s := range values {
			if !billing.ValidText(s) {
				return false
			}
		}
	}
	return true
}

// securityHeaders sets the headers every console response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// style serves the console's one stylesheet (cacheable, revalidated by
// ETag: it holds nothing secret).
func (h *handler) style(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("ETag", h.cssETag)
	http.ServeContent(w, r, "console.css", time.Time{}, bytes.NewReader(h.css))
}

// secure reports whether cookies must be Secure: the public URL is https.
func (h *handler) secure() bool {
	return h.publicURL != nil && strings.HasPrefix(h.publicURL(), "https://")
}

func (h *handler) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration, sameSite http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: h.secure(), SameSite: sameSite})
}

func (h *handler) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, Secure: h.secure(),
		SameSite: http.SameSiteLaxMode})
}

// csrfFor is the CSRF token of a session: an HMAC under the session's own
// token, so it needs no storage and dies with the session.
func csrfFor(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("cuota console csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// req is one signed-in request.
type req struct {
	w     http.ResponseWriter
	r     *http.Request
	ctx   context.Context // carries the user as the audit log's actor
	cs    app.ConsoleSession
	token string
	l     *lang
}

// scope is the merchant and mode the session shows.
func (q *req) scope() billing.Scope { return q.cs.Scope() }

// requestInfo is what the audit log records of a request: the user, the
// client's address.
func requestInfo(r *http.Request, userID string) app.RequestInfo {
	return app.RequestInfo{Actor: app.UserActor(userID), ClientIP: clientIP(r)}
}

// session returns the request's session, or ok false when it has none
// that is live.
func (h *handler) session(w http.ResponseWriter, r *http.Request) (*req, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false, nil
	}
	cs, err := h.app.Users.Session(r.Context(), c.Value)
	if e := billing.AsError(err); e != nil && e.Code == billing.CodeConsoleSessionInvalid {
		h.clearCookie(w, sessionCookie)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ctx := app.WithRequestInfo(r.Context(), requestInfo(r, cs.User.ID))
	return &req{w: w, r: r, ctx: ctx, cs: cs, token: c.Value, l: langFor(cs.User.Locale)}, true, nil
}

// toSignIn sends the browser to the sign-in page, to come back to where it
// was going.
func toSignIn(w http.ResponseWriter, r *http.Request, ended bool) {
	u := "/console/sign-in"
	if r.Method == http.MethodGet && r.URL.Path != Prefix {
		u += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if ended {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "ended=1"
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// page wraps a page of a signed-in user: no session, sign in first.
func (h *handler) page(fn func(q *req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok, err := h.session(w, r)
		if err != nil {
			h.internal(w, r, requestLang(r), err)
			return
		}
		if !ok {
			// A cookie that opens no session any more: it ended.
			_, noCookie := r.Cookie(sessionCookie)
			toSignIn(w, r, noCookie == nil)
			return
		}
		fn(q)
	}
}

// action wraps a POST of a signed-in user. In this order: a session (or
// sign in first), the form's CSRF token (else 403), the role's permission
// (else 403). Only then does fn run, with the user as the actor.
func (h *handler) action(perm billing.Permission, fn func(q *req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok, err := h.session(w, r)
		if err != nil {
			h.internal(w, r, requestLang(r), err)
			return
		}
		if !ok {
			toSignIn(w, r, true)
			return
		}
		// validInput has read the form.
		if !sameToken(r.PostForm.Get("csrf"), csrfFor(q.token)) {
			h.message(w, r, http.StatusForbidden, q.l, q, q.l.ForbiddenTitle, q.l.CSRFBody)
			return
		}
		if !q.cs.User.Role.Allows(perm) {
			h.message(w, r, http.StatusForbidden, q.l, q, q.l.ForbiddenTitle, q.l.ForbiddenBody)
			return
		}
		fn(q)
	}
}

// preToken returns the double-submit token of the forms shown before a
// session exists, setting its cookie when the browser has none.
func (h *handler) preToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) >= 20 && len(c.Value) <= 64 {
		return c.Value
	}
	v := rand.Text()
	// Strict: the token is needed only by this site's own forms.
	h.setCookie(w, preCookie, v, 24*time.Hour, http.SameSiteStrictMode)
	return v
}

// checkPre checks a pre-session form's double-submit token.
func checkPre(r *http.Request) bool {
	c, err := r.Cookie(preCookie)
	return err == nil && sameToken(r.PostForm.Get("csrf"), c.Value)
}

// pageData is what the templates show.
type pageData struct {
	L     *lang
	Title string
	Nav   string // the section the page belongs to, marked in the menu
	// Path is the page's own address (path and query), where the header's
	// language and mode switches come back to.
	Path string
	// Sub marks the page in the settings menu ("api-keys", "users", …).
	Sub  string
	CSRF string
	// Session is the signed-in user's (nil on the pages before sign-in).
	Session *sessionView
	// Alerts are shown as a banner above every signed-in page: the open
	// alerts of the mode shown (show and message fill it, alerts.go).
	Alerts  []AlertBanner
	Notice  string
	Error   string
	Message string
	D       any
}

// AlertBanner is one open alert as the console's banner shows it.
type AlertBanner struct {
	Severity string // "warning" or "critical"
	Text     string
	Link     string
}

// sessionView is what every signed-in page shows of the session.
type sessionView struct {
	Merchant string
	Email    string
	Role     billing.Role
	Test     bool
}

// Can reports whether the signed-in user's role allows perm: the pages
// show an action's button only when its POST would be accepted.
func (p pageData) Can(perm string) bool {
	return p.Session != nil && p.Session.Role.Allows(billing.Permission(perm))
}

// data starts a signed-in page's data.
func (q *req) data(title, nav string) pageData {
	return pageData{L: q.l, Title: title, Nav: nav, Path: q.r.URL.RequestURI(), CSRF: csrfFor(q.token), Session: &sessionView{
		Merchant: q.cs.Merchant.Name, Email: q.cs.User.Email, Role: q.cs.User.Role, Test: q.cs.Session.Mode == billing.ModeTest}}
}

// render executes a page into a buffer first, so a template failure is a
// clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, name string, status int, d pageData) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "base", d); err != nil {
		h.logger.ErrorContext(r.Context(), "render console page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// show renders a signed-in page with status 200.
func (h *handler) show(q *req, name string, d pageData) { h.showStatus(q, name, http.StatusOK, d) }

// showStatus renders a signed-in page with status (a form sent back with
// its error is 4xx), under the open alerts' banner as every signed-in
// page.
func (h *handler) showStatus(q *req, name string, status int, d pageData) {
	d.Alerts = h.banner(q)
	h.render(q.w, q.r, name, status, d)
}

// message renders a short page with a title and one paragraph; q is the
// signed-in request, nil before sign-in.
func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, l *lang, q *req, title, msg string) {
	d := pageData{L: l, Title: title, Message: msg}
	if q != nil {
		d = q.data(title, "")
		d.Message = msg
		d.Alerts = h.banner(q)
	}
	h.render(w, r, "message", status, d)
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	h.message(w, r, http.StatusNotFound, l, nil, l.NotFoundTitle, l.NotFoundBody)
}

// internal logs an error the user cannot act on and answers 500.
func (h *handler) internal(w http.ResponseWriter, r *http.Request, l *lang, err error) {
	h.logger.ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "error", err)
	h.message(w, r, http.StatusInternalServerError, l, nil, l.ErrorTitle, l.ErrorBody)
}

// fail answers a use case's error: what the user can fix is shown in the
// page's language; a missing object is 404; anything else is logged and
// 500.
func (h *handler) fail(q *req, err error) {
	e := billing.AsError(err)
	if e == nil {
		h.internal(q.w, q.r, q.l, err)
		return
	}
	if e.Kind == billing.KindNotFound {
		h.message(q.w, q.r, http.StatusNotFound, q.l, q, q.l.NotFoundTitle, q.l.NotFoundBody)
		return
	}
	h.message(q.w, q.r, e.Kind.HTTPStatus(), q.l, q, q.l.ErrorTitle, userMessage(q.l, err))
}

// userMessage is a use case's error as the console says it, in l.
func userMessage(l *lang, err error) string {
	e := billing.AsError(err)
	if e == nil {
		return l.ErrorBody
	}
	switch {
	case e.Code == billing.CodeResourceExists:
		return l.Errors["exists"]
	case e.Code == billing.CodeLastOwner:
		return l.Errors["lastowner"]
	case e.Code == billing.CodeInvalidStateTransition:
		return l.Errors["state"]
	case e.Code == billing.CodeInvitationUnusable:
		return l.InvitationGone
	case e.Param == "email" || e.Param == "password" || e.Param == "code":
		return l.Errors[e.Param]
	}
	return l.ErrorBody
}

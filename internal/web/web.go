// Package web serves cuota's hosted pages: the pages a merchant's customers
// see in their browser — the checkout, the pricing table, the customer
// portal, an invoice's pay page, and the sim gateway's test-card pages of
// the payment-method setup and pay-page flows (test mode only). README.md
// describes them.
//
// # Security
//
// Every response carries a strict Content-Security-Policy (no scripts, no
// third-party anything: styles come from this origin's assets folders), no
// framing (except the pricing table, which is made to be embedded), X-Content-Type-Options nosniff, Referrer-Policy no-referrer
// (page URLs hold a secret that must not leak to the merchant's site in a
// Referer header) and Cache-Control no-store.
//
// Forms are protected against cross-site request forgery in two ways. The
// form carries the setup's secret, a capability taken from the link the
// customer was sent: a forged request from another site cannot know it, so
// it cannot complete anyone's setup. And the whole handler runs behind
// net/http's CrossOriginProtection, which refuses non-safe requests that the
// browser marks as cross-origin (Sec-Fetch-Site, or an Origin header that
// does not match Host) with 403, so a forged POST does not even reach the
// use case. There is no session cookie, so there is nothing else to ride.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

//go:embed templates/*.html static/style.css
var files embed.FS

// csp is the Content-Security-Policy of every response. Pages with a form
// that redirects to the merchant extend form-action (see setupCSP).
const csp = "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// maxForm caps a form body; the setup form is well under 1 KiB.
const maxForm = 16 << 10

type handler struct {
	app    UseCases
	logger *slog.Logger

	setupPage   *template.Template
	messagePage *template.Template
	pages       map[string]*template.Template // the checkout, pricing and portal pages, by name
	css         []byte
	cssETag     string
}

// New returns the hosted pages' handler. Mount it at the root of the
// public URL for the paths /sim/, /return/, /checkout/, /pricing/,
// /portal/ and /invoice/.
func New(a UseCases, logger *slog.Logger) http.Handler {
	css, err := fs.ReadFile(files, "static/style.css")
	if err != nil {
		panic(err) // embedded at build time: a missing file is a broken build, not input
	}
	sum := sha256.Sum256(css)
	h := &handler{
		app:         a,
		logger:      logger,
		setupPage:   template.Must(template.ParseFS(files, "templates/base.html", "templates/sim_setup.html")),
		messagePage: template.Must(template.ParseFS(files, "templates/base.html", "templates/message.html")),
		css:         css,
		cssETag:     `"` + hex.EncodeToString(sum[:8]) + `"`,
		pages:       map[string]*template.Template{},
	}
	for _, name := range []string{"checkout", "redirect", "pricing", "portal", "portal_cancel", "portal_change", "message", "invoice", "sim_pay", "checkout_thanks"} {
		h.pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(files, "templates/base.html", "templates/"+name+".html"))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sim/setup/{id}", h.simSetupForm)
	mux.HandleFunc("POST /sim/setup/{id}", h.simSetupSubmit)
	mux.HandleFunc("GET /sim/assets/style.css", h.style)
	// Pages under /return/{gateway}/setup/{id} (errors) load ../assets/.
	mux.HandleFunc("GET /return/{gateway}/assets/style.css", h.style)
	mux.HandleFunc("GET /return/{gateway}/setup/{id}", h.gatewaySetupReturn)
	mux.HandleFunc("POST /return/{gateway}/setup/{id}", h.gatewaySetupReturn)
	mux.HandleFunc("GET /logos/{file}", h.logo)
	h.routes(mux)
	h.invoiceRoutes(mux)
	mux.HandleFunc("GET /", h.notFound)

	cop := http.NewCrossOriginProtection()
	// A gateway's page posts the customer back from its own origin; the
	// token it carries is verified with the gateway, so the post needs no
	// same-origin proof.
	cop.AddInsecureBypassPattern("POST /return/{gateway}/setup/{id}")
	cop.AddInsecureBypassPattern("POST /return/pay/{merchant}/{mode}/{id}")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := pickLang(r)
		h.message(w, r, http.StatusForbidden, l, l.ForbiddenTitle, l.ForbiddenBody)
	}))
	return securityHeaders(cop.Handler(h.validText(mux)))
}

// securityHeaders sets the headers every hosted response carries. A handler
// may replace the Content-Security-Policy with a stricter-or-equal one.
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

// style serves the one stylesheet. It holds nothing secret, so unlike the
// pages it may be cached (revalidated by ETag).
func (h *handler) style(w http.ResponseWriter, r *http.Request) {
	// ?brand=rrggbb appends the merchant's colours (brandCSS): a
	// stylesheet, because the pages' policy allows no inline style.
	css, etag := h.css, h.cssETag
	if tail := brandCSS(r.URL.Query().Get("brand")); tail != nil {
		css = append(bytes.Clone(h.css), tail...)
		etag = strings.TrimSuffix(h.cssETag, `"`) + "-" + r.URL.Query().Get("brand") + `"`
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "style.css", time.Time{}, bytes.NewReader(css))
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	l := pickLang(r)
	h.message(w, r, http.StatusNotFound, l, l.NotFoundTitle, l.NotFoundBody)
}

// pageData is what the templates show.
type pageData struct {
	L      *lang
	Title  string
	Assets string // URL of the assets folder, ending in "/"

	// Message pages.
	Message string

	// The sim setup page.
	Action    string // where the form posts: relative, so a path prefix works
	Secret    string
	Cards     []card
	Error     string
	ExpiresAt string

	// The checkout, pricing and portal pages.
	Refresh string // send the browser on to this URL (a meta refresh)
	Wide    bool   // a wider layout (pricing table, portal)
	Test    bool   // show the test-mode banner
	Token   string // the link's secret, carried by forms and links
	D       any    // the page's own data
	// Brand is the merchant whose page it is (nil on pages of no
	// merchant, such as an unknown link's).
	Brand *brandView
}

// assetsFor returns the assets folder relative to r's path when r is a
// setup page (so cuota can sit under a path prefix), absolute otherwise.
func assetsFor(r *http.Request) string {
	if r.PathValue("id") != "" {
		return "../assets/"
	}
	return "/sim/assets/"
}

// message renders a short page with a title and one paragraph.
func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, l *lang, title, msg string) {
	h.render(w, r, h.messagePage, status, pageData{L: l, Title: title, Assets: assetsFor(r), Message: msg})
}

// render executes t into a buffer first, so a template failure becomes a
// clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, t *template.Template, status int, d pageData) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", d); err != nil {
		h.logger.ErrorContext(r.Context(), "render hosted page", "path", r.URL.Path, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the page for an error of the setup use cases: unknown link
// 404, finished or expired link 410 (a link in the wrong state is gone for
// good to a browser), unavailable for now 503 (hostedFail
// says why no error's message is shown), anything else 500 (logged).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, l *lang, err error) {
	e := billing.AsError(err)
	switch {
	case e != nil && e.Kind == billing.KindNotFound:
		h.message(w, r, e.Kind.HTTPStatus(), l, l.NotFoundTitle, l.NotFoundBody)
	case e != nil && e.Kind == billing.KindConflict:
		h.message(w, r, http.StatusGone, l, l.GoneTitle, l.GoneBody)
	case e != nil && e.Kind == billing.KindUnavailable:
		h.logUnavailable(r, e)
		h.message(w, r, e.Kind.HTTPStatus(), l, l.UnavailableTitle, l.UnavailableBody)
	default:
		// The URL's query holds the secret: log the path only.
		if errors.Is(err, context.Canceled) {
			h.logger.InfoContext(r.Context(), "hosted page request canceled", "path", r.URL.Path)
		} else {
			h.logger.ErrorContext(r.Context(), "hosted page", "path", r.URL.Path, "method", r.Method, "error", err)
		}
		h.message(w, r, billing.KindInternal.HTTPStatus(), l, l.ErrorTitle, l.ErrorBody)
	}
}

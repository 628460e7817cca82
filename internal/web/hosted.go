package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// routes adds the checkout, pricing-table and portal pages. Every link and
// form between them is relative, so cuota can sit under a path prefix.
func (h *handler) routes(mux *http.ServeMux) {
	for _, section := range []string{"checkout", "pricing", "portal"} {
		mux.HandleFunc("GET /"+section+"/assets/style.css", h.style)
	}
	mux.HandleFunc("GET /checkout/{id}", h.checkoutForm)
	mux.HandleFunc("POST /checkout/{id}", h.checkoutSubmit)
	mux.HandleFunc("GET /checkout/{id}/return", h.checkoutReturn)
	mux.HandleFunc("GET /checkout/{id}/thanks", h.checkoutThanks)
	mux.HandleFunc("POST /checkout/{id}/portal", h.checkoutPortal)

	mux.HandleFunc("GET /pricing/{pk}", h.pricingPage)
	mux.HandleFunc("POST /pricing/{pk}", h.pricingStart)
	mux.HandleFunc("GET /pricing/{pk}/thanks", h.pricingThanks)

	mux.HandleFunc("GET /portal/{id}", h.portalPage)
	mux.HandleFunc("GET /portal/{id}/cancel/{sub}", h.portalCancelForm)
	mux.HandleFunc("POST /portal/{id}/cancel/{sub}", h.portalCancel)
	mux.HandleFunc("POST /portal/{id}/reactivate/{sub}", h.portalReactivate)
	mux.HandleFunc("GET /portal/{id}/change/{sub}", h.portalChangeForm)
	mux.HandleFunc("POST /portal/{id}/change/{sub}", h.portalChange)
	mux.HandleFunc("POST /portal/{id}/card", h.portalCard)
	mux.HandleFunc("GET /portal/{id}/return", h.portalReturn)
}

// root is the relative path from r's page to its section's root (the
// "/checkout/", "/pricing/" or "/portal/" folder): "" for /portal/{id},
// "../../" for /portal/{id}/cancel/{sub}.
func root(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/")
	_, rest, _ := strings.Cut(p, "/")
	return strings.Repeat("../", strings.Count(rest, "/"))
}

// page is the common part of a hosted page's data.
func page(r *http.Request, l *lang, title string, s billing.Scope, token string, d any) pageData {
	return pageData{L: l, Title: title, Assets: root(r) + "assets/", Test: s.Mode == billing.ModeTest, Token: token, D: d}
}

// parseForm reads a form body within maxForm, answering a bad one itself.
func (h *handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		l := pickLang(r)
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		h.hostedMessage(w, r, status, l, l.BadTitle, l.BadForm)
		return false
	}
	return true
}

// hostedMessage renders a short message page of the hosted pages.
func (h *handler) hostedMessage(w http.ResponseWriter, r *http.Request, status int, l *lang, title, msg string) {
	d := page(r, l, title, billing.Scope{}, "", nil)
	d.Message = msg
	h.render(w, r, h.pages["message"], status, d)
}

// redirectPage renders a page that sends the browser on to dest with a
// meta refresh (and a button). A 303 would do, but the browser checks a
// form's whole redirect chain against the form page's CSP form-action, and
// the next hop (a gateway's page, the merchant's success_url) is another
// origin than the page the form was on.
func (h *handler) redirectPage(w http.ResponseWriter, r *http.Request, l *lang, s billing.Scope, title, msg, dest string) {
	d := page(r, l, title, s, "", nil)
	d.Message, d.Refresh = msg, dest
	h.render(w, r, h.pages["redirect"], http.StatusOK, d)
}

// hostedFail renders the page for an error that ends the visit: unknown
// link 404, expired link 410, unavailable for now 503, anything else 500
// (logged; the URL's query holds the link's secret, so only the path is
// logged). Statuses are the errors' own (billing's Kind.HTTPStatus, shared
// with the API) except for an expired link, which a browser is told is gone
// for good. Like every page here, it shows the customer texts of its own,
// never an error's message: those are written for the API's caller or the
// operator.
func (h *handler) hostedFail(w http.ResponseWriter, r *http.Request, l *lang, err error, expired string) {
	e := billing.AsError(err)
	switch {
	case e != nil && e.Kind == billing.KindNotFound:
		h.hostedMessage(w, r, e.Kind.HTTPStatus(), l, l.NotFoundTitle, l.NotFoundBody)
	case e != nil && e.Code == billing.CodeSessionExpired:
		h.hostedMessage(w, r, http.StatusGone, l, l.H.ExpiredTitle, expired)
	case e != nil && e.Kind == billing.KindConflict:
		h.hostedMessage(w, r, e.Kind.HTTPStatus(), l, l.BadTitle, l.ErrorBody)
	case e != nil && e.Kind == billing.KindUnavailable:
		h.logUnavailable(r, e)
		h.hostedMessage(w, r, e.Kind.HTTPStatus(), l, l.UnavailableTitle, l.UnavailableBody)
	default:
		if errors.Is(err, context.Canceled) {
			h.logger.InfoContext(r.Context(), "hosted page request canceled", "path", r.URL.Path)
		} else {
			h.logger.ErrorContext(r.Context(), "hosted page", "path", r.URL.Path, "method", r.Method, "error", err)
		}
		h.hostedMessage(w, r, billing.KindInternal.HTTPStatus(), l, l.ErrorTitle, l.ErrorBody)
	}
}

// logUnavailable logs, for the operator, why a page answered 503 (its
// message, which the customer does not see, says what to fix).
func (h *handler) logUnavailable(r *http.Request, e *billing.Error) {
	h.logger.WarnContext(r.Context(), "hosted page unavailable", "path", r.URL.Path, "code", e.Code, "error", e.Message)
}

// formError turns a use case's refusal into a message in l's language and
// the form field it is about. ok is false for errors that are not the
// customer's to fix (the caller fails the page instead). The message is
// always one of l's texts, chosen by the error's code or kind, never the
// error's own message (written for the API's caller or the operator): a
// temporary unavailability other than a gateway not answering (e.g.
// sealed credentials without CUOTA_SECRET_KEY) reads "payments are
// temporarily unavailable". status is the error's registered status
// (billing.CodeStatus, Kind.HTTPStatus), except that any other refusal
// re-shows the form as a plain 400.
func formError(l *lang, err error) (msg, field string, status int, ok bool) {
	e := billing.AsError(err)
	if e == nil || e.Kind == billing.KindNotFound || e.Code == billing.CodeSessionExpired {
		return "", "", 0, false
	}
	f := l.H.Failures
	switch {
	case e.Code == billing.CodeGatewayUnavailable:
		return f["gateway_unavailable"], "gateway", billing.CodeStatus(e.Code), true
	case e.Code == app.CodeFormExpired:
		return f["form_expired"], "", billing.CodeStatus(e.Code), true
	case e.Code == billing.CodeAlreadySubscribed:
		return f["already_subscribed"], "", billing.CodeStatus(e.Code), true
	case e.Code == app.CodeTrialAlreadyUsed:
		return f["trial_already_used"], "", billing.CodeStatus(e.Code), true
	case e.Kind == billing.KindInvalid && f[e.Param] != "":
		return f[e.Param], e.Param, e.Kind.HTTPStatus(), true
	case e.Kind == billing.KindUnavailable:
		return l.UnavailableBody, "", e.Kind.HTTPStatus(), true
	case e.Kind == billing.KindConflict:
		return l.ErrorBody, "", e.Kind.HTTPStatus(), true
	case e.Kind == billing.KindInvalid:
		return l.ErrorBody, "", http.StatusBadRequest, true
	}
	return "", "", 0, false
}

// withQuery returns u with key=value added to its query.
func withQuery(u, key, value string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + url.QueryEscape(key) + "=" + url.QueryEscape(value)
}

// frameable lets the pricing table be embedded in any site's iframe: its
// only actions start a checkout in the top window (clickjacking it gains
// nothing: the checkout asks for everything again on a page that cannot be
// framed).
func frameable(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "frame-ancestors 'none'", "frame-ancestors *", 1))
	w.Header().Del("X-Frame-Options")
}

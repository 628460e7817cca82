package console

import (
	"fmt"
	"net"
	"net/http"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// A forgotten password (docs/console.md, "Forgotten password"): the
// sign-in page links to a form that asks for the email; the emailed link
// opens a form that sets a new password, then sends the user to sign in.

// clientIP is the address a request comes from: the connection's. cuota
// has no setting for trusted proxies, so X-Forwarded-For and the like are
// never read (anyone could write them); behind a proxy every request
// counts as the proxy's address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// forgotView is the forgotten password page's data.
type forgotView struct {
	Email string
	Sent  bool // the request was taken: the neutral answer, no form
}

func (h *handler) forgotForm(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	h.render(w, r, "forgot", http.StatusOK, pageData{L: l, Title: l.ForgotTitle, CSRF: h.preToken(w, r)})
}

// forgot takes a reset request. Whatever the email, the answer is the same
// page and status: it never tells whether the email is a user's.
func (h *handler) forgot(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	if !checkPre(r) { // validInput has read the form
		h.message(w, r, http.StatusForbidden, l, nil, l.ForbiddenTitle, l.CSRFBody)
		return
	}
	email := r.PostForm.Get("email")
	ctx := app.WithRequestInfo(r.Context(), app.RequestInfo{ClientIP: clientIP(r)})
	if err := h.app.Users.RequestPasswordReset(ctx, email); err != nil {
		e := billing.AsError(err)
		if e == nil {
			h.internal(w, r, l, err)
			return
		}
		h.render(w, r, "forgot", e.Kind.HTTPStatus(), pageData{L: l, Title: l.ForgotTitle, CSRF: h.preToken(w, r),
			Error: l.Errors["email"], D: forgotView{Email: email}})
		return
	}
	h.render(w, r, "forgot", http.StatusOK, pageData{L: l, Title: l.ForgotTitle, D: forgotView{Sent: true}})
}

// resetView is the new password page's data.
type resetView struct {
	Intro string
	Gone  bool
}

// resetPage renders the new password page of a reset link, or its 404 or
// 410 page when the link is unknown or cannot be used.
func (h *handler) resetPage(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	l := requestLang(r)
	u, err := h.app.Users.OpenPasswordReset(r.Context(), r.PathValue("token"))
	d := pageData{L: l, Title: l.ResetTitle, Error: errMsg}
	if err != nil {
		h.resetUnusable(w, r, l, err)
		return
	}
	if r.URL.Query().Get("lang") == "" {
		d.L = langFor(u.Locale)
		d.Title = d.L.ResetTitle
	}
	d.CSRF = h.preToken(w, r)
	d.D = resetView{Intro: fmt.Sprintf(d.L.ResetIntro, u.Email)}
	h.render(w, r, "reset", status, d)
}

// resetUnusable answers a reset link that cannot be used (err from
// opening or using it): unknown is 404, used or expired its 410 page.
func (h *handler) resetUnusable(w http.ResponseWriter, r *http.Request, l *lang, err error) {
	switch e := billing.AsError(err); {
	case e == nil:
		h.internal(w, r, l, err)
	case e.Kind == billing.KindNotFound:
		h.notFound(w, r)
	default:
		h.render(w, r, "reset", http.StatusGone, pageData{L: l, Title: l.ResetTitle, D: resetView{Gone: true}})
	}
}

func (h *handler) resetForm(w http.ResponseWriter, r *http.Request) {
	h.resetPage(w, r, http.StatusOK, "")
}

// reset sets the new password of a reset link and sends the browser to
// sign in (the link proves only the mailbox; a second factor is still
// asked there).
func (h *handler) reset(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	if !checkPre(r) { // validInput has read the form
		h.message(w, r, http.StatusForbidden, l, nil, l.ForbiddenTitle, l.CSRFBody)
		return
	}
	ctx := app.WithRequestInfo(r.Context(), app.RequestInfo{ClientIP: clientIP(r)})
	u, err := h.app.Users.ResetPassword(ctx, r.PathValue("token"), r.PostForm.Get("password"))
	if err != nil {
		if e := billing.AsError(err); e != nil && e.Kind == billing.KindInvalid {
			// The password was refused before the link was used: the form
			// again, with why.
			h.resetPage(w, r, http.StatusBadRequest, userMessage(l, err))
			return
		}
		h.resetUnusable(w, r, l, err) // gone or missing: its page says so (410, 404)
		return
	}
	h.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/console/sign-in?reset=1&lang="+langFor(u.Locale).Tag, http.StatusSeeOther)
}

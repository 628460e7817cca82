package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// signInView is the sign-in page's data.
type signInView struct {
	Email string
	Next  string
}

// safeNext keeps a post-sign-in destination only when it is a console
// page, so that the sign-in link cannot send the browser elsewhere.
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix) && !strings.HasPrefix(next, "//") && !strings.Contains(next, `\`) {
		return next
	}
	return Prefix
}

func (h *handler) signInForm(w http.ResponseWriter, r *http.Request) {
	if _, ok, err := h.session(w, r); err == nil && ok {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	l := requestLang(r)
	d := pageData{L: l, Title: l.SignInTitle, CSRF: h.preToken(w, r),
		D: signInView{Next: safeNext(r.URL.Query().Get("next"))}}
	if r.URL.Query().Get("ended") != "" {
		d.Notice = l.SessionEnded
	}
	if r.URL.Query().Get("reset") != "" {
		d.Notice = l.ResetDone
	}
	h.render(w, r, "signin", http.StatusOK, d)
}

// signIn checks the form and starts a session. Every refusal is the same
// page with one message: wrong email, password or code alike, or the wait
// and lock of billing's sign-in throttle (counted per email and the
// connection's address, clientIP).
func (h *handler) signIn(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	if !checkPre(r) { // validInput has read the form
		h.message(w, r, http.StatusForbidden, l, nil, l.ForbiddenTitle, l.CSRFBody)
		return
	}
	view := signInView{Email: r.PostForm.Get("email"), Next: safeNext(r.PostForm.Get("next"))}
	in, err := h.app.Users.SignIn(r.Context(), app.SignInParams{Email: view.Email, Password: r.PostForm.Get("password"),
		Code: r.PostForm.Get("code"), ClientIP: clientIP(r)})
	if err != nil {
		var msg string
		var te *app.SignInThrottledError
		e := billing.AsError(err)
		switch {
		case errors.As(err, &te) && te.Locked:
			msg = fmt.Sprintf(l.SignInLocked, int((te.Wait+time.Minute-1)/time.Minute))
		case errors.As(err, &te):
			msg = fmt.Sprintf(l.SignInWait, int((te.Wait+time.Second-1)/time.Second))
		case e != nil && e.Code == billing.CodeSignInFailed:
			msg = l.SignInFailed
		default:
			h.internal(w, r, l, err)
			return
		}
		status := http.StatusUnauthorized
		if te != nil {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", fmt.Sprint(int((te.Wait+time.Second-1)/time.Second)))
		}
		h.render(w, r, "signin", status, pageData{L: l, Title: l.SignInTitle, CSRF: h.preToken(w, r), Error: msg, D: view})
		return
	}
	h.startSession(w, r, in, view.Next)
}

// startSession sets the session cookie and sends the browser on.
func (h *handler) startSession(w http.ResponseWriter, r *http.Request, in app.SignedIn, next string) {
	h.setCookie(w, sessionCookie, in.Token, billing.SessionMaxAge, http.SameSiteLaxMode)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *handler) signOut(q *req) {
	if err := h.app.Users.SignOut(q.ctx, q.token); err != nil {
		h.internal(q.w, q.r, q.l, err)
		return
	}
	h.clearCookie(q.w, sessionCookie)
	http.Redirect(q.w, q.r, "/console/sign-in", http.StatusSeeOther)
}

// signOutEverywhere ends every session of the user, this one included.
func (h *handler) signOutEverywhere(q *req) {
	if err := h.app.Users.SignOutEverywhere(q.ctx, q.cs.Merchant.ID, q.cs.User.ID); err != nil {
		h.fail(q, err)
		return
	}
	h.clearCookie(q.w, sessionCookie)
	http.Redirect(q.w, q.r, "/console/sign-in", http.StatusSeeOther)
}

// back sends the browser back to the console page the form was on.
func back(q *req) {
	http.Redirect(q.w, q.r, safeNext(q.r.PostForm.Get("back")), http.StatusSeeOther)
}

func (h *handler) switchMode(q *req) {
	mode := billing.Mode(q.r.PostForm.Get("mode"))
	if !mode.Valid() {
		h.message(q.w, q.r, http.StatusBadRequest, q.l, q, q.l.BadForm, q.l.BadForm)
		return
	}
	if err := h.app.Users.SetSessionMode(q.ctx, q.cs.Session.ID, mode); err != nil {
		h.fail(q, err)
		return
	}
	back(q)
}

func (h *handler) switchLang(q *req) {
	if _, err := h.app.Users.SetUserLocale(q.ctx, q.cs.Merchant.ID, q.cs.User.ID, q.l.Other); err != nil {
		h.fail(q, err)
		return
	}
	back(q)
}

// invitationView is the invitation page's data.
type invitationView struct {
	Intro string
	Gone  bool
}

func (h *handler) invitationForm(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	view, err := h.app.Users.OpenInvitation(r.Context(), r.PathValue("token"))
	d := pageData{L: l, Title: l.AcceptTitle, CSRF: h.preToken(w, r)}
	if err != nil {
		e := billing.AsError(err)
		if e == nil {
			h.internal(w, r, l, err)
			return
		}
		if e.Kind == billing.KindNotFound {
			h.notFound(w, r)
			return
		}
		d.D = invitationView{Gone: true}
		h.render(w, r, "invitation", http.StatusGone, d)
		return
	}
	l = langFor(view.Merchant.Locale)
	if r.URL.Query().Get("lang") != "" {
		l = requestLang(r)
	}
	d.L, d.Title = l, l.AcceptTitle
	d.D = invitationView{Intro: fmt.Sprintf(l.AcceptIntro, view.Merchant.Name, l.RoleNames[view.Invitation.Role], view.Invitation.Email)}
	h.render(w, r, "invitation", http.StatusOK, d)
}

func (h *handler) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	if !checkPre(r) { // validInput has read the form
		h.message(w, r, http.StatusForbidden, l, nil, l.ForbiddenTitle, l.CSRFBody)
		return
	}
	token := r.PathValue("token")
	in, err := h.app.Users.AcceptInvitation(r.Context(), token, r.PostForm.Get("password"))
	if err != nil {
		e := billing.AsError(err)
		switch {
		case e == nil:
			h.internal(w, r, l, err)
		case e.Kind == billing.KindNotFound:
			h.notFound(w, r)
		case e.Code == billing.CodeInvitationUnusable:
			h.render(w, r, "invitation", http.StatusGone, pageData{L: l, Title: l.AcceptTitle, D: invitationView{Gone: true}})
		default:
			view, oerr := h.app.Users.OpenInvitation(r.Context(), token)
			d := pageData{L: l, Title: l.AcceptTitle, CSRF: h.preToken(w, r), Error: userMessage(l, err)}
			if oerr == nil {
				d.D = invitationView{Intro: fmt.Sprintf(l.AcceptIntro, view.Merchant.Name, l.RoleNames[view.Invitation.Role], view.Invitation.Email)}
			}
			h.render(w, r, "invitation", e.Kind.HTTPStatus(), d)
		}
		return
	}
	h.startSession(w, r, in, Prefix)
}

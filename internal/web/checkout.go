package web

import (
	"net/http"
	"net/url"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// checkoutData is what the checkout template shows besides the view.
type checkoutData struct {
	View       app.CheckoutView
	Action     string // where the form posts (relative)
	Email      string
	Error      string
	ErrorField string
}

// checkoutLang picks the checkout page's language: ?lang=, else the
// session's locale (the merchant chose it for this checkout), else the
// customer's, else the merchant's.
func checkoutLang(r *http.Request, v app.CheckoutView) *lang {
	locale := ""
	if v.Customer != nil {
		locale = v.Customer.Locale
	}
	return pickLang(r, v.Session.Locale, locale, v.Merchant.Locale)
}

// checkoutForm shows a checkout link's page.
func (h *handler) checkoutForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	v, err := h.app.Checkout.OpenCheckout(r.Context(), r.PathValue("id"), token)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.ExpiredBody)
		return
	}
	h.showCheckout(w, r, http.StatusOK, checkoutLang(r, v), v, token, checkoutData{})
}

// showCheckout renders the checkout page of v (or, for a finished
// session, says so).
func (h *handler) showCheckout(w http.ResponseWriter, r *http.Request, status int, l *lang, v app.CheckoutView, token string, d checkoutData) {
	switch v.Session.Status {
	case billing.CheckoutComplete:
		h.hostedMessage(w, r, http.StatusOK, l, l.H.CompleteTitle, l.H.CompleteBody)
		return
	case billing.CheckoutExpired:
		h.hostedMessage(w, r, http.StatusGone, l, l.H.ExpiredTitle, l.H.ExpiredBody)
		return
	}
	d.View = v
	d.Action = root(r) + url.PathEscape(v.Session.ID)
	if d.Email == "" {
		d.Email = v.Session.CustomerEmail
	}
	title := l.H.CheckoutTitle
	if v.Session.Mode == billing.CheckoutModeSetup {
		title = l.H.SaveCardTitle
	}
	h.render(w, r, h.pages["checkout"], status, h.branded(page(r, l, title+" · "+v.Merchant.Name, v.Session.Scope, token, d), v.Merchant))
}

// checkoutSubmit takes the checkout form: op=apply applies the promotion
// code and billing cycle and shows the page again; op=pay goes on to the
// gateway's card page.
func (h *handler) checkoutSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id, f := r.PathValue("id"), r.PostForm
	token, op := f.Get("token"), f.Get("op")
	if op != "apply" && op != "pay" {
		l := pickLang(r)
		h.hostedMessage(w, r, http.StatusBadRequest, l, l.BadTitle, l.BadForm)
		return
	}
	in := app.CheckoutSubmit{Email: f.Get("email"), Price: f.Get("price"), PromotionCode: f.Get("promotion_code"),
		Gateway: f.Get("gateway"), ApplyOnly: op == "apply"}
	dest, err := h.app.Checkout.SubmitCheckout(r.Context(), id, token, in)
	v, verr := h.app.Checkout.OpenCheckout(r.Context(), id, token)
	if verr != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, verr, l.H.ExpiredBody)
		return
	}
	l := checkoutLang(r, v)
	if err != nil {
		msg, field, status, ok := formError(l, err)
		if !ok {
			h.hostedFail(w, r, l, err, l.H.ExpiredBody)
			return
		}
		h.showCheckout(w, r, status, l, v, token, checkoutData{Email: in.Email, Error: msg, ErrorField: field})
		return
	}
	if in.ApplyOnly {
		// Post/redirect/get: the applied code and cycle are on the session.
		http.Redirect(w, r, withQuery(url.PathEscape(id), "token", token), http.StatusSeeOther)
		return
	}
	h.redirectPage(w, r, l, v.Session.Scope, l.H.Redirecting, l.H.RedirectingBody, dest)
}

// checkoutReturn is where the gateway's card page sends the customer back
// (through cuota's setup return, which verified the card with the gateway).
// A completed checkout goes on to the merchant's success_url; a decline or
// a failed card shows the checkout page again with the reason.
func (h *handler) checkoutReturn(w http.ResponseWriter, r *http.Request) {
	id, token := r.PathValue("id"), r.URL.Query().Get("token")
	out, err := h.app.Checkout.ReturnCheckout(r.Context(), id, token)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.ExpiredBody)
		return
	}
	v, err := h.app.Checkout.OpenCheckout(r.Context(), id, token)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.ExpiredBody)
		return
	}
	l := checkoutLang(r, v)
	if out.Done {
		body := l.H.DoneBody
		if v.Session.Mode == billing.CheckoutModeSetup {
			body = l.H.SetupDoneBody
		}
		h.redirectPage(w, r, l, v.Session.Scope, l.H.DoneTitle, body, out.RedirectURL)
		return
	}
	if out.Failure == "" {
		http.Redirect(w, r, withQuery(root(r)+url.PathEscape(id), "token", token), http.StatusSeeOther)
		return
	}
	msg := l.H.Failures[out.Failure]
	if d := l.H.DeclineCodes[out.FailureCode]; d != "" && out.Failure == app.CheckoutFailDeclined {
		msg = d + " " + msg
	}
	if t := l.H.Failures[out.FailureCode]; t != "" && out.Failure == app.CheckoutFailRefused {
		msg = t
	}
	h.showCheckout(w, r, http.StatusOK, l, v, token, checkoutData{Error: msg})
}

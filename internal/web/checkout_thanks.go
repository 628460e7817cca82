package web

import (
	"net/http"
	"time"

	"github.com/cuota/cuota/internal/app"
)

// thanksData is what the thank-you page shows besides the view.
type thanksData struct {
	View   app.CheckoutThanksView
	Loc    *time.Location
	Portal string // where the portal button posts (relative to the page)
}

// checkoutThanks shows the thank-you page of a complete checkout (one that
// ends on cuota's page rather than the merchant's success_url).
func (h *handler) checkoutThanks(w http.ResponseWriter, r *http.Request) {
	id, token := r.PathValue("id"), r.URL.Query().Get("token")
	v, err := h.app.Checkout.CheckoutThanks(r.Context(), id, token)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.ExpiredBody)
		return
	}
	l := checkoutLang(r, v.Checkout)
	m := v.Checkout.Merchant
	d := thanksData{View: v, Loc: location(m), Portal: "portal"}
	h.render(w, r, h.pages["checkout_thanks"], http.StatusOK, h.branded(page(r, l, l.P.ThanksTitle+" · "+m.Name, v.Checkout.Session.Scope, token, d), m))
}

// checkoutPortal opens a fresh customer portal session from the thank-you
// page and sends the browser to it.
func (h *handler) checkoutPortal(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	dest, err := h.app.Checkout.CheckoutPortal(r.Context(), r.PathValue("id"), r.PostForm.Get("token"))
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.ExpiredBody)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

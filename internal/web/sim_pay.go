package web

import (
	"net/http"
	"net/url"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// simPayData is what the sim's pay page shows.
type simPayData struct {
	Page   app.SimPayPage
	Number string // the invoice's number
	Action string
	Cards  []card
	Error  string
	// Back, on a used or expired page, leads back to the invoice.
	Back string
}

// simPayPage shows the sim's pay page of a pay-page payment (test mode):
// the amount, the invoice and the test cards to pay with.
func (h *handler) simPayPage(w http.ResponseWriter, r *http.Request) {
	ref, ok := h.hostedRef(w, r, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	pg, err := h.app.PayPages.OpenSimPayPage(r.Context(), ref)
	if err != nil {
		h.simPayFail(w, r, ref, pg.Customer.Locale, err)
		return
	}
	h.showSimPay(w, r, http.StatusOK, ref, pg, "", "")
}

func (h *handler) showSimPay(w http.ResponseWriter, r *http.Request, status int, ref app.HostedRef, pg app.SimPayPage, selected, msg string) {
	l := pickLang(r, pg.Customer.Locale, pg.Merchant.Locale)
	d := simPayData{Page: pg, Number: pg.Invoice.Number, Action: url.PathEscape(ref.ID), Cards: cards(l, selected), Error: msg}
	pd := page(r, l, l.I.SimTitle+" · "+pg.Merchant.Name, ref.Scope, ref.Token, d)
	pd.Test = false // the page's own banner says more
	h.render(w, r, h.pages["sim_pay"], status, h.branded(pd, pg.Merchant))
}

// simPaySubmit takes the sim pay page's form: action=pay charges the test
// card picked, action=cancel gives up; either way the payment is settled
// and the browser goes back to the invoice's page, which says how it went.
func (h *handler) simPaySubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ref, ok := h.hostedRef(w, r, r.PostForm.Get("t"))
	if !ok {
		return
	}
	token := r.PostForm.Get("token")
	switch r.PostForm.Get("action") {
	case "cancel":
		token = ""
	case "pay":
		if token == "" {
			// Not a cancel: the page preselects a card, so only a
			// hand-made request gets here.
			h.simPayAgain(w, r, ref, "")
			return
		}
	default:
		l := pickLang(r)
		h.hostedMessage(w, r, http.StatusBadRequest, l, l.BadTitle, l.BadForm)
		return
	}
	dest, err := h.app.PayPages.PaySimPage(r.Context(), ref, token)
	if e := billing.AsError(err); e != nil && e.Kind == billing.KindInvalid {
		// Not a test card: nothing was charged; the page again.
		h.simPayAgain(w, r, ref, token)
		return
	}
	if err != nil {
		h.simPayFail(w, r, ref, "", err)
		return
	}
	if h.local(dest) {
		http.Redirect(w, r, dest, http.StatusSeeOther)
		return
	}
	l := pickLang(r)
	h.redirectPage(w, r, l, ref.Scope, l.H.Redirecting, l.H.RedirectingBody, dest)
}

// simPayAgain shows the sim pay page again asking for a card.
func (h *handler) simPayAgain(w http.ResponseWriter, r *http.Request, ref app.HostedRef, selected string) {
	pg, err := h.app.PayPages.OpenSimPayPage(r.Context(), ref)
	if err != nil {
		h.simPayFail(w, r, ref, pg.Customer.Locale, err)
		return
	}
	h.showSimPay(w, r, http.StatusBadRequest, ref, pg, selected, pickLang(r, pg.Customer.Locale, pg.Merchant.Locale).I.SimNoCard)
}

// simPayFail answers a sim pay link that cannot be paid: unknown (404), or
// used or expired (410, with the way back to the invoice through the pay
// return, which settles the payment with the gateway and shows the
// invoice). locale is the customer's, when known.
func (h *handler) simPayFail(w http.ResponseWriter, r *http.Request, ref app.HostedRef, locale string, err error) {
	l := pickLang(r, locale)
	if e := billing.AsError(err); e == nil || e.Code != billing.CodeInvalidStateTransition {
		h.hostedFail(w, r, l, err, l.I.SimGoneBody)
		return
	}
	back := root(r) + "../return/pay/" + url.PathEscape(ref.Scope.MerchantID) + "/" + string(ref.Scope.Mode) + "/" + url.PathEscape(ref.ID)
	d := simPayData{Back: withQuery(back, "t", ref.Token)}
	h.render(w, r, h.pages["sim_pay"], http.StatusGone, page(r, l, l.I.SimGoneTitle, ref.Scope, "", d))
}

package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// pricingData is what the pricing template shows.
type pricingData struct {
	View   app.PricingView
	Action string
	Error  string
}

// pricingLang picks the pricing table's language: ?lang= (the merchant
// embedding it chooses), else the merchant's default locale.
func pricingLang(r *http.Request, m billing.Merchant) *lang {
	return pickLang(r, m.Locale)
}

// pricingPage shows a publishable key's pricing table; ?product= (repeated
// or comma-separated) keeps only those products.
func (h *handler) pricingPage(w http.ResponseWriter, r *http.Request) {
	h.showPricing(w, r, http.StatusOK, "")
}

func (h *handler) showPricing(w http.ResponseWriter, r *http.Request, status int, msg string) {
	var products []string
	for _, p := range r.URL.Query()["product"] {
		for id := range strings.SplitSeq(p, ",") {
			if id = strings.TrimSpace(id); id != "" {
				products = append(products, id)
			}
		}
	}
	pk := r.PathValue("pk")
	v, err := h.app.Checkout.PricingTable(r.Context(), pk, products)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.NotFoundBody)
		return
	}
	l := pricingLang(r, v.Merchant)
	action := url.PathEscape(pk)
	if q := r.URL.RawQuery; q != "" {
		action += "?" + q // keep the language and product filter
	}
	frameable(w)
	d := page(r, l, l.H.PricingTitle+" · "+v.Merchant.Name, v.Key.Scope, "", pricingData{View: v, Action: action, Error: msg})
	d.Wide = true
	h.render(w, r, h.pages["pricing"], status, h.branded(d, v.Merchant))
}

// pricingStart starts a checkout for the price whose button was pressed
// and sends the top window to it.
func (h *handler) pricingStart(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	// The checkout takes the table's ?lang= when it has one; else it
	// follows the customer's and the merchant's locales itself.
	l, chosen := pickLang(r), ""
	if q := r.URL.Query().Get("lang"); billing.LocaleLanguage(q) != "" {
		chosen = l.HTMLLang
	}
	dest, err := h.app.Checkout.StartPricingCheckout(r.Context(), r.PathValue("pk"), r.PostForm.Get("price"), r.PostForm.Get("csrf"), chosen)
	if err != nil {
		msg, _, status, ok := formError(l, err)
		if !ok {
			h.hostedFail(w, r, l, err, l.NotFoundBody)
			return
		}
		h.showPricing(w, r, status, msg)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// pricingThanks is where pricing-table checkouts end when the merchant
// gave no success_url.
func (h *handler) pricingThanks(w http.ResponseWriter, r *http.Request) {
	l := pickLang(r)
	h.hostedMessage(w, r, http.StatusOK, l, l.H.ThanksTitle, l.H.ThanksBody)
}

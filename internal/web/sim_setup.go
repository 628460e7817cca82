package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// card is one test card on the sim setup page.
type card struct {
	Token       string
	Brand       string
	Last4       string
	Exp         string
	Description string
	Checked     bool
}

var brandNames = map[string]string{"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}

func cards(l *lang, selected string) []card {
	tokens := billing.SimTokens()
	if selected == "" && len(tokens) > 0 {
		selected = tokens[0]
	}
	out := make([]card, 0, len(tokens))
	for _, tok := range tokens {
		info, ok := billing.LookupSimToken(tok)
		if !ok {
			continue
		}
		brand := brandNames[info.Brand]
		if brand == "" {
			brand = info.Brand
		}
		out = append(out, card{Token: info.Token, Brand: brand, Last4: info.Last4,
			Exp:         fmt.Sprintf("%02d/%02d", info.ExpMonth, info.ExpYear%100),
			Description: l.describe(info), Checked: info.Token == selected})
	}
	return out
}

// simSetupForm shows the test-card page of a sim setup link.
func (h *handler) simSetupForm(w http.ResponseWriter, r *http.Request) {
	id, secret := r.PathValue("id"), r.URL.Query().Get("secret")
	st, err := h.app.Customers.OpenSimSetup(r.Context(), id, secret)
	l := h.langFor(r, st)
	if err != nil {
		h.fail(w, r, l, err)
		return
	}
	h.showSetup(w, r, http.StatusOK, l, st, secret, "", "")
}

// showSetup renders the card form, with an error message if the last
// submission could not be used.
func (h *handler) showSetup(w http.ResponseWriter, r *http.Request, status int, l *lang, st billing.PaymentMethodSetup, secret, selected, msg string) {
	// The form posts here and is answered with a 303 to the merchant's
	// return_url. Chromium and WebKit check form-action against every URL
	// of a form submission's redirect chain, so 'self' alone would block
	// that redirect: allow the return_url's origin too.
	w.Header().Set("Content-Security-Policy", setupCSP(st.ReturnURL))
	h.render(w, r, h.setupPage, status, pageData{
		L: l, Title: l.SetupTitle, Assets: assetsFor(r),
		Action: url.PathEscape(st.ID), Secret: secret, Cards: cards(l, selected), Error: msg,
		ExpiresAt: st.ExpiresAt.UTC().Format("2006-01-02 15:04") + " UTC",
	})
}

// originRE is what an origin may look like to be put in a CSP header:
// scheme, host (name, IPv4 or bracketed IPv6) and port, nothing that could
// end the directive.
var originRE = regexp.MustCompile(`^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// setupCSP is the policy of the setup page: the default one with the
// return_url's origin added to form-action.
func setupCSP(returnURL string) string {
	u, err := url.Parse(returnURL)
	if err != nil {
		return csp
	}
	origin := strings.ToLower(u.Scheme) + "://" + u.Host
	if !originRE.MatchString(origin) {
		return csp
	}
	return strings.Replace(csp, "form-action 'self'", "form-action 'self' "+origin, 1)
}

// simSetupSubmit takes the form: action=save with a token saves that test
// card, action=cancel gives up; either way the browser goes back to the
// merchant's return_url with 303 See Other.
func (h *handler) simSetupSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	secret, action, token := r.PostForm.Get("secret"), r.PostForm.Get("action"), r.PostForm.Get("token")
	switch action {
	case "cancel":
		token = ""
	case "save":
		if token == "" {
			// Not a cancel: show the form again instead of ending the
			// setup (the page preselects a card, so only a hand-made
			// request gets here).
			st, err := h.app.Customers.OpenSimSetup(r.Context(), id, secret)
			l := h.langFor(r, st)
			if err != nil {
				h.fail(w, r, l, err)
				return
			}
			h.showSetup(w, r, http.StatusBadRequest, l, st, secret, "", l.NoCard)
			return
		}
	default:
		l := pickLang(r)
		h.message(w, r, http.StatusBadRequest, l, l.BadTitle, l.BadForm)
		return
	}
	dest, err := h.app.Customers.CompleteSimSetup(r.Context(), id, secret, token)
	if err != nil {
		st, _ := h.app.Customers.OpenSimSetup(r.Context(), id, secret)
		h.fail(w, r, h.langFor(r, st), err)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// langFor picks the language for a page about st (which may be the zero
// setup when the link is unknown).
func (h *handler) langFor(r *http.Request, st billing.PaymentMethodSetup) *lang {
	locale := ""
	if st.CustomerID != "" {
		if c, err := h.app.Customers.GetCustomer(r.Context(), st.Scope, st.CustomerID); err == nil {
			locale = c.Locale
		}
	}
	return pickLang(r, locale)
}

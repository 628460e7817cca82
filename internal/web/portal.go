package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// portalData is what the portal's main page shows besides the view.
type portalData struct {
	View   app.PortalView
	Loc    *time.Location
	Root   string
	Notice string
	Error  string
}

// portalLang picks the portal's language: ?lang=, else the customer's,
// else the merchant's.
func portalLang(r *http.Request, c billing.Customer, m billing.Merchant) *lang {
	return pickLang(r, c.Locale, m.Locale)
}

// portalHome is the relative URL of the portal's main page, with a notice.
func portalHome(r *http.Request, id, token, notice string) string {
	u := withQuery(root(r)+url.PathEscape(id), "token", token)
	if notice != "" {
		u = withQuery(u, "notice", notice)
	}
	return u
}

// portalPage shows the portal: subscriptions, card, invoices.
func (h *handler) portalPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	v, err := h.app.Portal.OpenPortal(r.Context(), r.PathValue("id"), token)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.PortalExpired)
		return
	}
	l := portalLang(r, v.Customer, v.Merchant)
	h.showPortal(w, r, http.StatusOK, l, v, token, l.H.Notices[r.URL.Query().Get("notice")], "")
}

func (h *handler) showPortal(w http.ResponseWriter, r *http.Request, status int, l *lang, v app.PortalView, token, notice, msg string) {
	d := page(r, l, l.H.PortalTitle+" · "+v.Merchant.Name, v.Session.Scope, token,
		portalData{View: v, Loc: location(v.Merchant), Root: root(r), Notice: notice, Error: msg})
	d.Wide = true
	h.render(w, r, h.pages["portal"], status, h.branded(d, v.Merchant))
}

// portalFail shows the portal again with an error about an action, or
// fails the page when the error is not the customer's to fix.
func (h *handler) portalFail(w http.ResponseWriter, r *http.Request, token string, err error) {
	v, verr := h.app.Portal.OpenPortal(r.Context(), r.PathValue("id"), token)
	if verr != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, verr, l.H.PortalExpired)
		return
	}
	l := portalLang(r, v.Customer, v.Merchant)
	msg, _, status, ok := formError(l, err)
	if !ok {
		h.hostedFail(w, r, l, err, l.H.PortalExpired)
		return
	}
	h.showPortal(w, r, status, l, v, token, "", msg)
}

// portalCancelData is the cancel confirmation page.
type portalCancelData struct {
	Merchant, Product, Until string
	Action, Back             string
	Reasons                  []cancelReason
	Comment                  string
	MaxComment               int
	Error, ErrorField        string
}

// cancelReason is one choice of the cancel form's reasons.
type cancelReason struct {
	Value   billing.CancellationFeedback
	Label   string
	Checked bool
}

// portalCancelForm asks the customer why they cancel and to confirm a
// cancellation at period end, saying until when the subscription stays
// active.
func (h *handler) portalCancelForm(w http.ResponseWriter, r *http.Request) {
	h.showCancel(w, r, http.StatusOK, r.URL.Query().Get("token"), "", "", nil)
}

// showCancel renders the cancel form, with what was sent and why it was
// refused when actErr is set.
func (h *handler) showCancel(w http.ResponseWriter, r *http.Request, status int, token string, picked billing.CancellationFeedback, comment string, actErr error) {
	subID := r.PathValue("sub")
	v, err := h.app.Portal.OpenPortal(r.Context(), r.PathValue("id"), token)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.PortalExpired)
		return
	}
	l := portalLang(r, v.Customer, v.Merchant)
	for _, ps := range v.Subscriptions {
		if ps.Sub.ID != subID || !ps.CanChange {
			continue
		}
		until := ps.Sub.CurrentPeriodEnd
		if ps.Sub.Status == billing.SubscriptionTrialing && ps.Sub.TrialEnd != nil {
			until = *ps.Sub.TrialEnd
		}
		d := portalCancelData{Merchant: v.Merchant.Name, Product: ps.Items[0].Product.Name,
			Until: fmtDate(l, location(v.Merchant), until), Action: url.PathEscape(subID),
			Back: portalHome(r, v.Session.ID, token, ""), Comment: comment, MaxComment: billing.MaxCancellationComment}
		for _, f := range billing.CancellationFeedbacks {
			d.Reasons = append(d.Reasons, cancelReason{Value: f, Label: l.P.Feedback[f], Checked: f == picked})
		}
		if actErr != nil {
			e := billing.AsError(actErr)
			if e == nil || l.P.CancelFailures[e.Param] == "" {
				h.portalFail(w, r, token, actErr)
				return
			}
			d.Error, d.ErrorField = l.P.CancelFailures[e.Param], e.Param
		}
		h.render(w, r, h.pages["portal_cancel"], status, h.branded(page(r, l, l.H.CancelSub+" · "+v.Merchant.Name, v.Session.Scope, token, d), v.Merchant))
		return
	}
	if actErr != nil {
		h.portalFail(w, r, token, actErr)
		return
	}
	h.hostedMessage(w, r, http.StatusNotFound, l, l.NotFoundTitle, l.NotFoundBody)
}

// portalCancel cancels at period end, as confirmed, with the reason
// given; a missing reason or a comment too long shows the form again.
func (h *handler) portalCancel(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id, f := r.PathValue("id"), r.PostForm
	token, feedback, comment := f.Get("token"), billing.CancellationFeedback(f.Get("feedback")), f.Get("comment")
	if _, err := h.app.Portal.PortalCancel(r.Context(), id, token, r.PathValue("sub"), feedback, comment); err != nil {
		h.showCancel(w, r, http.StatusBadRequest, token, feedback, comment, err)
		return
	}
	http.Redirect(w, r, portalHome(r, id, token, "canceled"), http.StatusSeeOther)
}

// portalReactivate undoes a scheduled cancellation.
func (h *handler) portalReactivate(w http.ResponseWriter, r *http.Request) {
	h.portalPost(w, r, "reactivated", func(id, token string) error {
		_, err := h.app.Portal.PortalReactivate(r.Context(), id, token, r.PathValue("sub"))
		return err
	})
}

// portalPost runs a portal form's action and sends the browser back to the
// portal with a notice (post/redirect/get).
func (h *handler) portalPost(w http.ResponseWriter, r *http.Request, notice string, act func(id, token string) error) {
	if !h.parseForm(w, r) {
		return
	}
	id, token := r.PathValue("id"), r.PostForm.Get("token")
	if err := act(id, token); err != nil {
		h.portalFail(w, r, token, err)
		return
	}
	http.Redirect(w, r, portalHome(r, id, token, notice), http.StatusSeeOther)
}

// portalChangeData is the plan-change page.
type portalChangeData struct {
	View     app.PortalChangeView
	Loc      *time.Location
	Currency string
	Action   string
	Back     string
	Error    string
}

// portalChangeForm lists the plans a subscription can change to and, with
// ?price=, previews that change exactly.
func (h *handler) portalChangeForm(w http.ResponseWriter, r *http.Request) {
	h.showChange(w, r, r.URL.Query().Get("token"), r.URL.Query().Get("price"), nil)
}

func (h *handler) showChange(w http.ResponseWriter, r *http.Request, token, price string, actErr error) {
	id, subID := r.PathValue("id"), r.PathValue("sub")
	cv, err := h.app.Portal.PortalChangeOptions(r.Context(), id, token, subID, price)
	if e := billing.AsError(err); e != nil && price != "" && e.Kind == billing.KindInvalid {
		// Not a plan this subscription can take: show the plans, with why.
		actErr = err
		cv, err = h.app.Portal.PortalChangeOptions(r.Context(), id, token, subID, "")
	}
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.PortalExpired)
		return
	}
	l := portalLang(r, cv.Portal.Customer, cv.Portal.Merchant)
	status, msg := http.StatusOK, ""
	if actErr != nil {
		var ok bool
		if msg, _, status, ok = formError(l, actErr); !ok {
			h.hostedFail(w, r, l, actErr, l.H.PortalExpired)
			return
		}
	}
	d := portalChangeData{View: cv, Loc: location(cv.Portal.Merchant), Currency: cv.Current.Sub.Currency,
		Action: url.PathEscape(subID), Back: portalHome(r, id, token, ""), Error: msg}
	h.render(w, r, h.pages["portal_change"], status, h.branded(page(r, l, l.H.ChangeTitle+" · "+cv.Portal.Merchant.Name, cv.Portal.Session.Scope, token, d), cv.Portal.Merchant))
}

// portalChange makes the previewed change.
func (h *handler) portalChange(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id, token, price := r.PathValue("id"), r.PostForm.Get("token"), r.PostForm.Get("price")
	if _, err := h.app.Portal.PortalChange(r.Context(), id, token, r.PathValue("sub"), price); err != nil {
		h.showChange(w, r, token, "", err)
		return
	}
	http.Redirect(w, r, portalHome(r, id, token, "changed"), http.StatusSeeOther)
}

// portalCard starts saving a new card on the gateway's page.
func (h *handler) portalCard(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id, token := r.PathValue("id"), r.PostForm.Get("token")
	dest, err := h.app.Portal.PortalUpdateCard(r.Context(), id, token, r.PostForm.Get("gateway"))
	if err != nil {
		h.portalFail(w, r, token, err)
		return
	}
	v, err := h.app.Portal.OpenPortal(r.Context(), id, token)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.PortalExpired)
		return
	}
	l := portalLang(r, v.Customer, v.Merchant)
	h.redirectPage(w, r, l, v.Session.Scope, l.H.Redirecting, l.H.RedirectingBody, dest)
}

// portalReturn is where a card setup started in the portal comes back; the
// card was verified with the gateway before the browser got here.
func (h *handler) portalReturn(w http.ResponseWriter, r *http.Request) {
	id, q := r.PathValue("id"), r.URL.Query()
	token := q.Get("token")
	st, err := h.app.Portal.PortalSetupResult(r.Context(), id, token, q.Get("setup_id"))
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.H.PortalExpired)
		return
	}
	notice := "card_failed"
	if st.Status == billing.SetupSucceeded {
		notice = "card_updated"
	}
	http.Redirect(w, r, portalHome(r, id, token, notice), http.StatusSeeOther)
}

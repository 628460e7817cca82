package console

import (
	"net/http"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// One subscription's page (/console/subscriptions/{id}): its period, next
// renewal, scheduled change and dunning state, and the actions support and
// above take on it. Each action calls the use case the API calls for it.

// subscriptionView is one subscription's page.
type subscriptionView struct {
	Sub      billing.Subscription
	Customer billing.Customer
	Amount   int64  // one period's price before discounts and taxes
	UF       string // the UF prices' part of it ("UF 2,5000"), never added to Amount
	Interval string
	// NextRenewal is when the next period starts and is charged (nil when
	// none comes: canceled, paused, or canceling at the end).
	NextRenewal *time.Time
	// Pending names the items of the scheduled change.
	Pending []string
	// Dunning is the subscription's latest unpaid invoice and its latest
	// payment (nil when nothing is owed).
	Dunning *collectionView
	// Plans are the prices it can change to: active, recurring, in its
	// currency, other than its own.
	Plans []planOption
	// Preview is the exact effect of changing to the plan chosen (the
	// API's preview), waiting for the user to confirm.
	Preview *previewView
	// PortalURL is a portal link just made, shown once.
	PortalURL string
	Loc       *time.Location
}

// collectionView is the invoice a subscription owes and where its collection
// stands.
type collectionView struct {
	Invoice billing.Invoice
	Payment *billing.Payment
}

// planOption is a price to change to, named for people.
type planOption struct {
	ID, Name string
}

// previewView is a change's preview for confirmation.
type previewView struct {
	Plan    planOption
	Preview app.ChangePreview
}

func (h ops) subscription(q *req) {
	h.showSubscription(q, "")
}

// showSubscription renders the subscription's page; portalURL is a portal
// link just made ("" when none).
func (h ops) showSubscription(q *req, portalURL string) {
	id, s := q.r.PathValue("id"), q.scope()
	sub, err := h.app.Subscriptions.GetSubscription(q.ctx, s, id)
	if err != nil {
		h.fail(q, err)
		return
	}
	c, err := h.app.Customers.GetCustomer(q.ctx, s, sub.CustomerID)
	if err != nil {
		h.fail(q, err)
		return
	}
	view := subscriptionView{Sub: sub, Customer: c, Loc: merchantLoc(q), PortalURL: portalURL,
		Interval: cycleText(q.l, sub.Recurring)}
	view.Amount, view.UF = periodAmounts(q.l, sub.Items)
	if !sub.Status.Terminal() && sub.Status != billing.SubscriptionPaused && !sub.CancelAtPeriodEnd {
		end := sub.CurrentPeriodEnd
		if sub.Status == billing.SubscriptionTrialing && sub.TrialEnd != nil {
			end = *sub.TrialEnd
		}
		view.NextRenewal = &end
	}
	if sub.PendingChange != nil {
		for _, it := range sub.PendingChange.Items {
			view.Pending = append(view.Pending, it.ProductName)
		}
	}
	if view.Dunning, err = h.dunning(q, sub); err != nil {
		h.fail(q, err)
		return
	}
	if view.Plans, err = h.plans(q, sub); err != nil {
		h.fail(q, err)
		return
	}
	if price := q.r.URL.Query().Get("change"); price != "" && q.cs.User.Role.Allows(billing.PermCancel) {
		for _, p := range view.Plans {
			if p.ID != price {
				continue
			}
			pv, err := h.app.Subscriptions.PreviewChange(q.ctx, s, id, app.ChangeParams{Items: []app.ItemParams{{Price: p.ID}}})
			if err != nil {
				h.fail(q, err)
				return
			}
			view.Preview = &previewView{Plan: p, Preview: pv}
		}
	}
	title := q.l.SubTitle
	d := q.data(title, "subscriptions")
	d.Path = "/console/subscriptions/" + id // an action's answer switches back to the page
	if n := q.l.SubDone[q.r.URL.Query().Get("done")]; n != "" {
		d.Notice = n
	}
	d.D = view
	h.show(q, "subscription", d)
}

// dunning returns the subscription's latest open or uncollectible invoice
// with its latest payment, or nil when it owes nothing.
func (h ops) dunning(q *req, sub billing.Subscription) (*collectionView, error) {
	for _, st := range []billing.InvoiceStatus{billing.InvoiceOpen, billing.InvoiceUncollectible} {
		l, err := h.app.Invoicing.ListInvoices(q.ctx, q.scope(), billing.InvoiceFilter{SubscriptionID: sub.ID, Status: st}, billing.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(l.Data) == 0 {
			continue
		}
		v := &collectionView{Invoice: l.Data[0]}
		pays, err := h.app.Collection.ListPayments(q.ctx, q.scope(), billing.PaymentFilter{InvoiceID: v.Invoice.ID}, billing.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(pays.Data) > 0 {
			v.Payment = &pays.Data[0]
		}
		return v, nil
	}
	return nil, nil
}

// plansAtMost bounds the prices and products read for the plan choices.
const plansAtMost = 100

// plans are the active recurring prices of the scope, each named by its
// product, amount and interval; those of sub's currency other than its own
// price when sub is given.
func (h ops) plans(q *req, sub billing.Subscription) ([]planOption, error) {
	active := true
	prices, err := h.app.Catalog.ListPrices(q.ctx, q.scope(), billing.PriceFilter{Active: &active, Type: "recurring"}, billing.Page{Limit: plansAtMost})
	if err != nil {
		return nil, err
	}
	products, err := h.app.Catalog.ListProducts(q.ctx, q.scope(), billing.ProductFilter{}, billing.Page{Limit: plansAtMost})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, p := range products.Data {
		names[p.ID] = p.Name
	}
	own := map[string]bool{}
	for _, it := range sub.Items {
		own[it.PriceID] = true
	}
	var out []planOption
	for _, p := range prices.Data {
		if p.Recurring == nil || own[p.ID] || (sub.Currency != "" && billing.ChargeCurrency(p.Currency) != sub.Currency) {
			continue
		}
		name := orRaw(names[p.ProductID], p.Nickname)
		out = append(out, planOption{ID: p.ID, Name: name + " · " + fmtMoney(q.l, p.UnitAmount, p.Currency) + " " + cycleText(q.l, *p.Recurring)})
	}
	return out, nil
}

// toSubscription is where an action on a subscription returns: its page, with a
// notice.
func toSubscription(q *req, done string) {
	http.Redirect(q.w, q.r, "/console/subscriptions/"+q.r.PathValue("id")+"?done="+done, http.StatusSeeOther)
}

// cancelSubscription cancels, at the end of the period or now, with the
// reason chosen: the API's cancel. From the list it returns to the list.
func (h *handler) cancelSubscription(q *req) {
	reason := q.r.PostForm.Get("reason")
	when := q.r.PostForm.Get("when")
	if (reason != "requested_by_customer" && reason != "requested_by_merchant") || (when != "" && when != "now" && when != "period_end") {
		h.message(q.w, q.r, http.StatusBadRequest, q.l, q, q.l.BadForm, q.l.BadForm)
		return
	}
	_, err := h.app.Subscriptions.CancelSubscription(q.ctx, q.scope(), q.r.PathValue("id"), app.CancelParams{AtPeriodEnd: when != "now", Reason: reason})
	if err != nil {
		h.fail(q, err)
		return
	}
	switch {
	case q.r.PostForm.Get("from") == "list":
		http.Redirect(q.w, q.r, "/console/subscriptions?done=canceled", http.StatusSeeOther)
	case when == "now":
		toSubscription(q, "canceled_now")
	default:
		toSubscription(q, "canceled")
	}
}

// pauseSubscription and resumeSubscription are the API's pause and resume.
func (h ops) pauseSubscription(q *req) {
	if _, err := h.app.Subscriptions.PauseSubscription(q.ctx, q.scope(), q.r.PathValue("id")); err != nil {
		h.fail(q, err)
		return
	}
	toSubscription(q, "paused")
}

func (h ops) resumeSubscription(q *req) {
	if _, err := h.app.Subscriptions.ResumeSubscription(q.ctx, q.scope(), q.r.PathValue("id")); err != nil {
		h.fail(q, err)
		return
	}
	toSubscription(q, "resumed")
}

// reactivateSubscription undoes a cancellation scheduled for the end of
// the period: the API's reactivate.
func (h ops) reactivateSubscription(q *req) {
	if _, err := h.app.Subscriptions.ReactivateSubscription(q.ctx, q.scope(), q.r.PathValue("id")); err != nil {
		h.fail(q, err)
		return
	}
	toSubscription(q, "reactivated")
}

// changeSubscription makes the change the user confirmed after its
// preview: the API's change with one item of the chosen price, with the
// API's defaults (an upgrade now, invoiced at once; a downgrade at the end
// of the period) — the same request the preview showed.
func (h ops) changeSubscription(q *req) {
	price := q.r.PostForm.Get("price")
	if price == "" {
		h.message(q.w, q.r, http.StatusBadRequest, q.l, q, q.l.BadForm, q.l.BadForm)
		return
	}
	_, err := h.app.Subscriptions.ChangeSubscription(q.ctx, q.scope(), q.r.PathValue("id"), app.ChangeParams{Items: []app.ItemParams{{Price: price}}})
	if err != nil {
		h.fail(q, err)
		return
	}
	toSubscription(q, "changed")
}

// retryPayment charges the subscription's unpaid invoice now: the API's
// POST /v1/invoices/{id}/pay.
func (h ops) retryPayment(q *req) {
	inv, err := h.app.Invoicing.GetInvoice(q.ctx, q.scope(), q.r.PostForm.Get("invoice"))
	if err != nil && !isNotFound(err) {
		h.fail(q, err)
		return
	}
	// Only an invoice of this subscription is retried from its page.
	if err != nil || inv.SubscriptionID != q.r.PathValue("id") {
		h.message(q.w, q.r, http.StatusNotFound, q.l, q, q.l.NotFoundTitle, q.l.NotFoundBody)
		return
	}
	inv, err = h.app.Collection.PayInvoice(q.ctx, q.scope(), inv.ID)
	if err != nil {
		h.fail(q, err)
		return
	}
	if inv.Status == billing.InvoicePaid {
		toSubscription(q, "paid")
		return
	}
	toSubscription(q, "retry_failed")
}

// portalLink makes a customer portal link for the subscription's customer
// (the API's portal session) and shows it once, in the answer itself. The
// portal's back link goes to the merchant's portal_url, else to cuota.
func (h ops) portalLink(q *req) {
	sub, err := h.app.Subscriptions.GetSubscription(q.ctx, q.scope(), q.r.PathValue("id"))
	if err != nil {
		h.fail(q, err)
		return
	}
	ret := q.cs.Merchant.Settings.Notifications.PortalURL
	if ret == "" && h.publicURL != nil {
		ret = h.publicURL() + "/"
	}
	_, link, err := h.app.Portal.CreatePortalSession(q.ctx, q.scope(), sub.CustomerID, ret)
	if err != nil {
		h.fail(q, err)
		return
	}
	h.showSubscription(q, link)
}

// periodAmounts is what items cost per period (billing.PeriodAmounts):
// the amount in the subscription's currency and the UF part written out
// ("UF 2,5000"), "" when there is none.
func periodAmounts(l *lang, items []billing.SubscriptionItem) (int64, string) {
	amount, uf := billing.PeriodAmounts(items)
	if uf == 0 {
		return amount, ""
	}
	return amount, fmtMoney(l, uf, billing.CurrencyUF)
}

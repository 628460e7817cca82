package console

import (
	"net/url"
	"slices"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// subscriptionsView is the subscriptions list: a status filter and one
// page.
type subscriptionsView struct {
	Status   string
	Statuses []billing.SubscriptionStatus
	// Price is the plan filter (a price's id) and Plans its choices.
	Price string
	Plans []planOption
	// ExportURL downloads the list's CSV with its filters; FirstURL is
	// the list's first page with them.
	ExportURL, FirstURL string
	Rows                []subscriptionRow
	NextURL             string
	Paged               bool
	Loc                 *time.Location
}

// subscriptionRow is one subscription with its customer's name.
type subscriptionRow struct {
	Sub      billing.Subscription
	Customer billing.Customer
	Amount   int64  // one period's price before discounts and taxes
	UF       string // the UF prices' part of it ("UF 2,5000"), never added to Amount
}

// subscriptionStatuses are the filter's choices.
var subscriptionStatuses = []billing.SubscriptionStatus{billing.SubscriptionActive, billing.SubscriptionTrialing,
	billing.SubscriptionPastDue, billing.SubscriptionUnpaid, billing.SubscriptionPaused, billing.SubscriptionIncomplete,
	billing.SubscriptionCanceled, billing.SubscriptionIncompleteExpired}

const subscriptionsPage = 25

func (h *handler) subscriptions(q *req) {
	status := billing.SubscriptionStatus(q.r.URL.Query().Get("status"))
	valid := status == ""
	for _, s := range subscriptionStatuses {
		valid = valid || s == status
	}
	if !valid {
		status = ""
	}
	plans, err := ops{h}.plans(q, billing.Subscription{})
	if err != nil {
		h.fail(q, err)
		return
	}
	price := q.r.URL.Query().Get("price")
	if !slices.ContainsFunc(plans, func(p planOption) bool { return p.ID == price }) {
		price = ""
	}
	filters := url.Values{}
	if status != "" {
		filters.Set("status", string(status))
	}
	if price != "" {
		filters.Set("price", price)
	}
	after := q.r.URL.Query().Get("after")
	list, err := h.app.Subscriptions.ListSubscriptions(q.ctx, q.scope(), billing.SubscriptionFilter{Status: status, PriceID: price},
		billing.Page{Limit: subscriptionsPage, StartingAfter: after})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := subscriptionsView{Status: string(status), Statuses: subscriptionStatuses, Paged: after != "", Loc: merchantLoc(q),
		Price: price, Plans: plans, ExportURL: "/console/exports/subscriptions.csv?" + filters.Encode(),
		FirstURL: "/console/subscriptions?" + filters.Encode()}
	customers, err := h.app.Customers.GetCustomers(q.ctx, q.scope(), idsOf(list.Data, func(sub billing.Subscription) string { return sub.CustomerID }))
	if err != nil {
		h.fail(q, err)
		return
	}
	for _, sub := range list.Data {
		amount, uf := periodAmounts(q.l, sub.Items)
		view.Rows = append(view.Rows, subscriptionRow{Sub: sub, Customer: customers[sub.CustomerID], Amount: amount, UF: uf})
	}
	if list.HasMore && len(list.Data) > 0 {
		v := url.Values{"after": {list.Data[len(list.Data)-1].ID}}
		for k := range filters {
			v.Set(k, filters.Get(k))
		}
		view.NextURL = "/console/subscriptions?" + v.Encode()
	}
	d := q.data(q.l.SubsTitle, "subscriptions")
	if q.r.URL.Query().Get("done") == "canceled" {
		d.Notice = q.l.Canceled
	}
	d.D = view
	h.show(q, "subscriptions", d)
}

package console

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// customersView is the customer list: a search and one page of results.
type customersView struct {
	Query     string
	Customers []billing.Customer
	// NextURL is the next page's address ("" on the last page).
	NextURL string
	// Paged is set on a page after the first.
	Paged bool
	Loc   *time.Location
	// ExportURL downloads the list's CSV (customerExportFilter).
	ExportURL string
}

// customersPage is how many customers a page lists.
const customersPage = 25

func (h *handler) customers(q *req) {
	query := q.r.URL.Query().Get("q")
	after := q.r.URL.Query().Get("after")
	list, err := h.app.Customers.SearchCustomers(q.ctx, q.scope(), query, billing.Page{Limit: customersPage, StartingAfter: after})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := customersView{Query: query, Customers: list.Data, Paged: after != "", Loc: merchantLoc(q),
		ExportURL: "/console/exports/customers.csv"}
	if query != "" {
		view.ExportURL += "?" + url.Values{"q": {query}}.Encode()
	}
	if list.HasMore && len(list.Data) > 0 {
		v := url.Values{"after": {list.Data[len(list.Data)-1].ID}}
		if query != "" {
			v.Set("q", query)
		}
		view.NextURL = "/console/customers?" + v.Encode()
	}
	d := q.data(q.l.CustomersTitle, "customers")
	d.D = view
	h.show(q, "customers", d)
}

// merchantLoc is the merchant's time zone, in which the console shows
// dates: of the merchant the session read, from app's cache of loaded
// zones (time.LoadLocation would read and parse the zone's file on every
// page).
func merchantLoc(q *req) *time.Location { return app.MerchantLocation(q.cs.Merchant) }

// customerView is one customer's page.
type customerView struct {
	Customer      billing.Customer
	Subscriptions []billing.Subscription
	Invoices      []billing.Invoice
	Payments      []billing.Payment
	Methods       []billing.PaymentMethod
	// Entitlements are the features its live subscriptions grant (the
	// API's entitlements), by name.
	Entitlements []entitlement
	Timeline     []timelineItem
	// OnClock: the customer lives on a test clock, so its events' times
	// are the clock's and its audit entries' are real.
	OnClock bool
	Loc     *time.Location
}

// entitlement is one feature a customer is entitled to.
type entitlement struct {
	Name  string
	Value int64
}

// timelineItem is one event of the customer's activity.
type timelineItem struct {
	ID    string // the event's id: of two events at one time, the later one's is larger
	At    time.Time
	Label string
	Type  string // the event type, when the console has no name for it
	// Who did it, for an audit entry ("" for an event).
	Who string
	// Clock: At is a test clock's time (an event of a customer on one).
	Clock bool
}

// How much of a customer's history its page shows.
const (
	customerListLimit = 10
	timelineObjects   = 5 // subscriptions and invoices whose events are read
	// timelineItemsAtMost is how many items the timeline shows: the newest
	// of the objects' events and audit entries, each read at most that many.
	timelineItemsAtMost = 30
)

func (h *handler) customer(q *req) {
	id, s := q.r.PathValue("id"), q.scope()
	c, err := h.app.Customers.GetCustomer(q.ctx, s, id)
	if err != nil {
		h.fail(q, err)
		return
	}
	view := customerView{Customer: c, Loc: merchantLoc(q)}
	page := billing.Page{Limit: customerListLimit}
	subs, err := h.app.Subscriptions.ListSubscriptions(q.ctx, s, billing.SubscriptionFilter{CustomerID: id}, page)
	if err != nil {
		h.fail(q, err)
		return
	}
	invoices, err := h.app.Invoicing.ListInvoices(q.ctx, s, billing.InvoiceFilter{CustomerID: id}, page)
	if err != nil {
		h.fail(q, err)
		return
	}
	payments, err := h.app.Collection.ListPayments(q.ctx, s, billing.PaymentFilter{CustomerID: id}, page)
	if err != nil {
		h.fail(q, err)
		return
	}
	if view.Methods, err = h.app.Customers.ListPaymentMethods(q.ctx, s, id); err != nil {
		h.fail(q, err)
		return
	}
	view.Subscriptions, view.Invoices, view.Payments = subs.Data, invoices.Data, payments.Data
	ents, err := h.app.Subscriptions.Entitlements(q.ctx, s, id)
	if err != nil {
		h.fail(q, err)
		return
	}
	for name, v := range ents {
		view.Entitlements = append(view.Entitlements, entitlement{Name: name, Value: v})
	}
	slices.SortFunc(view.Entitlements, func(a, b entitlement) int { return strings.Compare(a.Name, b.Name) })

	// The timeline: the events of the customer, of its latest
	// subscriptions and of its latest invoices, newest first.
	objects := []string{id}
	for i, sub := range subs.Data {
		if i < timelineObjects {
			objects = append(objects, sub.ID)
		}
	}
	for i, inv := range invoices.Data {
		if i < timelineObjects {
			objects = append(objects, inv.ID)
		}
	}
	// Two reads, whatever the objects: their newest events, their newest
	// audit entries (and the users' emails when a user acted).
	events, err := h.app.Notifications.ListObjectsEvents(q.ctx, s, objects, timelineItemsAtMost)
	if err != nil {
		h.fail(q, err)
		return
	}
	for _, e := range events {
		item := timelineItem{ID: e.ID, At: e.Created, Label: q.l.Events[e.Type], Clock: c.TestClockID != "" && onClockTime(e.ID, e.Created)}
		if item.Label == "" {
			item.Type = e.Type
		}
		view.Timeline = append(view.Timeline, item)
	}
	audit, err := ops{h}.auditTimeline(q, objects)
	if err != nil {
		h.fail(q, err)
		return
	}
	view.Timeline = append(view.Timeline, audit...)
	view.OnClock = c.TestClockID != ""
	slices.SortFunc(view.Timeline, func(a, b timelineItem) int {
		if view.OnClock {
			// A clock's times and real times do not compare: the ids,
			// made from the real time, give the order things happened.
			if c := idTime(b.ID).Compare(idTime(a.ID)); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		}
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if len(view.Timeline) > timelineItemsAtMost {
		view.Timeline = view.Timeline[:timelineItemsAtMost]
	}
	title := c.Name
	if title == "" {
		title = c.Email
	}
	d := q.data(title, "customers")
	d.D = view
	h.show(q, "customer", d)
}

// idTime is when an id was made (billing.IDTime): the real time, even
// for an object dated by a test clock.
func idTime(id string) time.Time {
	t, _ := billing.IDTime(id)
	return t
}

// onClockTime reports whether an event of a test clock's customer carries
// the clock's time: a time away from when its id was made. (A change the
// API makes is stamped with the real time; what the clock runs, with the
// clock's.)
func onClockTime(id string, at time.Time) bool {
	made, ok := billing.IDTime(id)
	return ok && (at.Sub(made) > time.Minute || made.Sub(at) > time.Minute)
}

package console

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// The merchant's alerts in the console (docs/alerts.md): the banner every
// signed-in page shows and the alerts page, where support and above
// acknowledge one (the API's POST /v1/alerts/{id}/acknowledge).

// bannerAlerts is how many open alerts the banner names; past that it
// says there are more.
const bannerAlerts = 3

// banner returns the open alerts of the session's scope as the banner
// shows them: one read of the alerts' (merchant, mode, status, id) index,
// newest first. An alert someone acknowledged leaves the banner (it stays
// on the alerts page until it resolves). A failed read leaves the banner
// out rather than the page: the alerts page shows the error.
func (h *handler) banner(q *req) []AlertBanner {
	list, err := h.app.Alerts.ListAlerts(q.ctx, q.scope(), billing.AlertFilter{Status: billing.AlertOpen},
		billing.Page{Limit: bannerAlerts})
	if err != nil {
		h.logger.ErrorContext(q.ctx, "read open alerts for the banner", "error", err)
		return nil
	}
	var out []AlertBanner
	for _, al := range list.Data {
		out = append(out, AlertBanner{Severity: string(al.Severity), Text: q.l.AlertKinds[al.Kind] + ". " + q.l.AlertSee,
			Link: "/console/alerts#alert-" + al.ID})
	}
	if list.HasMore {
		out = append(out, AlertBanner{Severity: string(billing.SeverityWarning), Text: q.l.AlertMore, Link: "/console/alerts?status=open"})
	}
	return out
}

// alertsView is the alerts page: a status filter and one page.
type alertsView struct {
	Status   string
	Statuses []billing.AlertStatus
	Rows     []alertRow
	NextURL  string
	Paged    bool
	Loc      *time.Location
}

// alertRow is one alert with its object named for people.
type alertRow struct {
	Alert   billing.Alert
	Kind    string // the kind in words
	Message string // the rule's message in the page's language
	Object  string // the object, by number, email, address or name
	Link    string // the object's console page ("" when it has none)
}

var alertStatuses = []billing.AlertStatus{billing.AlertOpen, billing.AlertAcknowledged, billing.AlertResolved}

const alertsPage = 25

func (h ops) alerts(q *req) {
	status := billing.AlertStatus(q.r.URL.Query().Get("status"))
	if !billing.ValidAlertStatus(status) {
		status = ""
	}
	after := q.r.URL.Query().Get("after")
	list, err := h.app.Alerts.ListAlerts(q.ctx, q.scope(), billing.AlertFilter{Status: status}, billing.Page{Limit: alertsPage, StartingAfter: after})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := alertsView{Status: string(status), Statuses: alertStatuses, Paged: after != "", Loc: merchantLoc(q)}
	objects, err := h.alertObjects(q, list.Data)
	if err != nil {
		h.fail(q, err)
		return
	}
	for _, al := range list.Data {
		row := alertRow{Alert: al, Kind: orRaw(q.l.AlertKinds[al.Kind], string(al.Kind)), Message: al.Message.In(q.l.Tag)}
		row.Object, row.Link = objects.name(q.l, al)
		view.Rows = append(view.Rows, row)
	}
	if list.HasMore && len(list.Data) > 0 {
		v := url.Values{"after": {list.Data[len(list.Data)-1].ID}}
		if status != "" {
			v.Set("status", string(status))
		}
		view.NextURL = "/console/alerts?" + v.Encode()
	}
	d := q.data(q.l.AlertsTitle, "alerts")
	if q.r.URL.Query().Get("done") == "acknowledged" {
		d.Notice = q.l.AlertAcked
	}
	d.D = view
	h.show(q, "alerts", d)
}

// alertPage is what a page of alerts names, read at once: the refunds,
// the payments (of the payment alerts and of those refunds), their
// customers, the webhook endpoints.
type alertPage struct {
	refunds   map[string]billing.Refund
	payments  map[string]billing.Payment
	customers map[string]billing.Customer
	endpoints map[string]billing.WebhookEndpoint
}

// alertObjects reads the objects a page of alerts names: at most four
// reads (refunds, payments, customers, webhook endpoints), whatever the
// page's length.
func (h ops) alertObjects(q *req, alerts []billing.Alert) (alertPage, error) {
	s := q.scope()
	var out alertPage
	var refundIDs, paymentIDs []string
	endpoints := false
	for _, al := range alerts {
		switch al.ObjectType {
		case "refund":
			refundIDs = append(refundIDs, al.ObjectID)
		case "payment":
			paymentIDs = append(paymentIDs, al.ObjectID)
		case "webhook_endpoint":
			endpoints = true
		}
	}
	var err error
	if out.refunds, err = h.app.Collection.GetRefunds(q.ctx, s, refundIDs); err != nil {
		return out, err
	}
	for _, r := range out.refunds {
		paymentIDs = append(paymentIDs, r.PaymentID)
	}
	if out.payments, err = h.app.Collection.GetPayments(q.ctx, s, paymentIDs); err != nil {
		return out, err
	}
	var customerIDs []string
	for _, p := range out.payments {
		customerIDs = append(customerIDs, p.CustomerID)
	}
	if out.customers, err = h.app.Customers.GetCustomers(q.ctx, s, customerIDs); err != nil {
		return out, err
	}
	out.endpoints = map[string]billing.WebhookEndpoint{}
	if endpoints {
		// A mode has at most app.MaxWebhookEndpoints endpoints: one page
		// holds them all.
		list, err := h.app.Notifications.ListWebhookEndpoints(q.ctx, s, billing.Page{Limit: app.MaxWebhookEndpoints})
		if err != nil {
			return out, err
		}
		for _, e := range list.Data {
			out.endpoints[e.ID] = e
		}
	}
	return out, nil
}

// name names an alert's object for people, with the console page it is
// on: a payment or refund by its amount and customer's email, a webhook
// endpoint by its address, a gateway by its name. An object that is gone
// is named by its kind alone.
func (p alertPage) name(l *lang, al billing.Alert) (string, string) {
	payment := func(id string) (billing.Payment, billing.Customer, bool) {
		pay, ok := p.payments[id]
		if !ok {
			return pay, billing.Customer{}, false
		}
		c, ok := p.customers[pay.CustomerID]
		return pay, c, ok
	}
	switch al.ObjectType {
	case "payment":
		pay, c, ok := payment(al.ObjectID)
		if !ok {
			return l.AlertObjectGone, ""
		}
		return fmt.Sprintf(l.AlertPayment, fmtMoney(l, pay.Amount, pay.Currency), c.Email), "/console/customers/" + c.ID
	case "refund":
		r, ok := p.refunds[al.ObjectID]
		if !ok {
			return l.AlertObjectGone, ""
		}
		_, c, ok := payment(r.PaymentID)
		if !ok {
			return l.AlertObjectGone, ""
		}
		return fmt.Sprintf(l.AlertRefund, fmtMoney(l, r.Amount, r.Currency), c.Email), "/console/customers/" + c.ID
	case "webhook_endpoint":
		e, ok := p.endpoints[al.ObjectID]
		if !ok {
			return l.AlertObjectGone, ""
		}
		return fmt.Sprintf(l.AlertEndpoint, e.URL), "/console/webhooks"
	case billing.AlertObjectGateway:
		return fmt.Sprintf(l.AlertGateway, brandName(al.ObjectID)), ""
	case billing.AlertObjectUFRate:
		if day, err := time.Parse(time.DateOnly, al.ObjectID); err == nil {
			return fmt.Sprintf(l.AlertUFDay, fmtDate(l, time.UTC, day)), ""
		}
	}
	return l.AlertAccount, ""
}

// isNotFound reports whether err is a use case's not-found error.
func isNotFound(err error) bool {
	e := billing.AsError(err)
	return e != nil && e.Kind == billing.KindNotFound
}

// acknowledgeAlert says the user saw an alert: the API's acknowledge.
func (h ops) acknowledgeAlert(q *req) {
	if _, err := h.app.Alerts.AcknowledgeAlert(q.ctx, q.scope(), q.r.PathValue("id")); err != nil {
		if e := billing.AsError(err); e != nil && e.Code == billing.CodeAlertResolved {
			h.message(q.w, q.r, http.StatusConflict, q.l, q, q.l.ErrorTitle, q.l.AlertGoneResolved)
			return
		}
		h.fail(q, err)
		return
	}
	http.Redirect(q.w, q.r, "/console/alerts?done=acknowledged", http.StatusSeeOther)
}

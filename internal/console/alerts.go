package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

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
	for _, al := range list.Data {
		row := alertRow{Alert: al, Kind: orRaw(q.l.AlertKinds[al.Kind], string(al.Kind)), Message: al.Message.In(q.l.Tag)}
		if row.Object, row.Link, err = h.alertObject(q, al); err != nil {
			h.fail(q, err)
			return
		}
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

// alertObject names an alert's object for people, with the console page
// it is on: a payment or refund by its amount and customer's email, a
// webhook endpoint by its address, a gateway by its name. An object that
// is gone is named by its kind alone.
func (h ops) alertObject(q *req, al billing.Alert) (string, string, error) {
	s, l := q.scope(), q.l
	gone := func(err error) bool { return errors.Is(err, billing.ErrNotFound) || isNotFound(err) }
	payment := func(id string) (billing.Payment, billing.Customer, error) {
		p, err := h.app.Collection.GetPayment(q.ctx, s, id)
		if err != nil {
			return p, billing.Customer{}, err
		}
		c, err := h.app.Customers.GetCustomer(q.ctx, s, p.CustomerID)
		return p, c, err
	}
	switch al.ObjectType {
	case "payment":
		p, c, err := payment(al.ObjectID)
		if gone(err) {
			return l.AlertObjectGone, "", nil
		} else if err != nil {
			return "", "", err
		}
		return fmt.Sprintf(l.AlertPayment, fmtMoney(l, p.Amount, p.Currency), c.Email), "/console/customers/" + c.ID, nil
	case "refund":
		r, err := h.app.Collection.GetRefund(q.ctx, s, al.ObjectID)
		if gone(err) {
			return l.AlertObjectGone, "", nil
		} else if err != nil {
			return "", "", err
		}
		_, c, err := payment(r.PaymentID)
		if gone(err) {
			return l.AlertObjectGone, "", nil
		} else if err != nil {
			return "", "", err
		}
		return fmt.Sprintf(l.AlertRefund, fmtMoney(l, r.Amount, r.Currency), c.Email), "/console/customers/" + c.ID, nil
	case "webhook_endpoint":
		e, err := h.app.Notifications.GetWebhookEndpoint(q.ctx, s, al.ObjectID)
		if gone(err) {
			return l.AlertObjectGone, "", nil
		} else if err != nil {
			return "", "", err
		}
		return fmt.Sprintf(l.AlertEndpoint, e.URL), "/console/webhooks", nil
	case billing.AlertObjectGateway:
		return fmt.Sprintf(l.AlertGateway, brandName(al.ObjectID)), "", nil
	case billing.AlertObjectUFRate:
		if day, err := time.Parse(time.DateOnly, al.ObjectID); err == nil {
			return fmt.Sprintf(l.AlertUFDay, fmtDate(l, time.UTC, day)), "", nil
		}
	}
	return l.AlertAccount, "", nil
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

package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// healthWindow is how many of an endpoint's latest deliveries its health
// is read from.
const healthWindow = 20

// endpointHealth is what the pages say of an endpoint: its state, its
// latest delivery, and how many of its latest deliveries failed or are
// failing.
type endpointHealth struct {
	Endpoint billing.WebhookEndpoint
	Last     *billing.WebhookDelivery // the delivery attempted last, nil before any attempt
	Failures int                      // of the latest healthWindow deliveries, those not delivered whose last attempt failed
	Window   int
	L        *lang          // the page's language, for the "health" template
	Loc      *time.Location // the merchant's time zone
}

// health reads an endpoint's latest deliveries and sums them up.
func (h configArea) health(q *req, ep billing.WebhookEndpoint) (endpointHealth, []app.DeliveryView, bool, error) {
	list, err := h.app.Notifications.ListWebhookDeliveries(q.ctx, q.scope(), ep.ID, billing.DeliveryFilter{},
		billing.Page{Limit: healthWindow, StartingAfter: q.r.URL.Query().Get("after")})
	if err != nil {
		return endpointHealth{}, nil, false, err
	}
	out := endpointHealth{Endpoint: ep, Window: len(list.Data), L: q.l, Loc: merchantLoc(q)}
	for i, d := range list.Data {
		// The last delivery is the one last attempted: newer ones may
		// still wait for their first attempt.
		if at := d.Delivery.LastAttemptAt; at != nil && (out.Last == nil || at.After(*out.Last.LastAttemptAt)) {
			out.Last = &list.Data[i].Delivery
		}
		if n := len(d.Attempts); d.Delivery.Status != billing.DeliverySucceeded && n > 0 && !d.Attempts[n-1].Succeeded {
			out.Failures++
		}
	}
	return out, list.Data, list.HasMore, nil
}

// webhooksView is the list of endpoints with the form of a new one.
type webhooksView struct {
	Endpoints []endpointHealth
	Events    []eventChoice // the event types the form offers
	Loc       *time.Location
	Form      url.Values
}

func (h configArea) webhooks(q *req) { h.showWebhooks(q, http.StatusOK, "", nil) }

func (h configArea) showWebhooks(q *req, status int, errMsg string, form url.Values) {
	list, err := h.app.Notifications.ListWebhookEndpoints(q.ctx, q.scope(), billing.Page{Limit: app.MaxWebhookEndpoints})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := webhooksView{Loc: merchantLoc(q), Form: form, Events: eventChoices(q.l)}
	for _, ep := range list.Data {
		hl, _, _, err := h.health(q, ep)
		if err != nil {
			h.fail(q, err)
			return
		}
		view.Endpoints = append(view.Endpoints, hl)
	}
	d := q.data(q.l.Cfg.WebhooksTitle, "webhooks")
	d.Error, d.D = errMsg, view
	h.showStatus(q, "webhooks", status, d)
}

// eventChoice is an event type an endpoint may subscribe to, named.
type eventChoice struct{ Type, Name string }

// eventChoices are the event types an endpoint may subscribe to, by name.
func eventChoices(l *lang) []eventChoice {
	types := app.WebhookEventTypes()
	out := make([]eventChoice, len(types))
	for i, t := range types {
		out[i] = eventChoice{Type: t, Name: eventName(l, t)}
	}
	slices.SortFunc(out, func(a, b eventChoice) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// createWebhook makes an endpoint for every event or the ones ticked, and
// shows its signing secret on the endpoint's page this once.
func (h configArea) createWebhook(q *req) {
	u, desc := formValue(q, "url"), formValue(q, "description")
	events := q.r.PostForm["events"]
	if len(events) == 0 || formValue(q, "all") == "1" {
		events = []string{billing.AllEvents}
	}
	ep, secret, err := h.app.Notifications.CreateWebhookEndpoint(q.ctx, q.scope(), app.WebhookEndpointParams{URL: &u,
		Description: &desc, EnabledEvents: events})
	if err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showWebhooks(q, status, msg, q.r.PostForm) })
		return
	}
	q.r.SetPathValue("id", ep.ID)
	h.showWebhook(q, http.StatusOK, "", secret, q.l.Cfg.EndpointCreated)
}

// webhookView is one endpoint's page: its health and its deliveries with
// every attempt.
type webhookView struct {
	Health     endpointHealth
	Deliveries []app.DeliveryView
	Secret     string // right after creating or rotating: shown this once
	NextURL    string
	Paged      bool
	Loc        *time.Location
}

func (h configArea) webhook(q *req) {
	notice := ""
	switch q.r.URL.Query().Get("done") {
	case "redeliver":
		notice = q.l.Cfg.Redelivered
	case "enabled":
		notice = q.l.Cfg.EndpointOn
	case "disabled":
		notice = q.l.Cfg.EndpointOff
	}
	h.showWebhook(q, http.StatusOK, "", "", notice)
}

func (h configArea) showWebhook(q *req, status int, errMsg, secret, notice string) {
	id := q.r.PathValue("id")
	ep, err := h.app.Notifications.GetWebhookEndpoint(q.ctx, q.scope(), id)
	if err != nil {
		h.fail(q, err)
		return
	}
	hl, deliveries, more, err := h.health(q, ep)
	if err != nil {
		h.fail(q, err)
		return
	}
	view := webhookView{Health: hl, Deliveries: deliveries, Secret: secret, Loc: merchantLoc(q),
		Paged: q.r.URL.Query().Get("after") != ""}
	if more && len(deliveries) > 0 {
		view.NextURL = "/console/webhooks/" + url.PathEscape(id) + "?" +
			url.Values{"after": {deliveries[len(deliveries)-1].Delivery.ID}}.Encode()
	}
	d := q.data(q.l.Cfg.EndpointTitle, "webhooks")
	d.Error, d.Notice, d.D = errMsg, notice, view
	h.showStatus(q, "webhook", status, d)
}

// rotateWebhookSecret gives the endpoint a new secret and shows it this
// once; the old one keeps signing for a day (app.SecretRotationOverlap).
func (h configArea) rotateWebhookSecret(q *req) {
	_, secret, err := h.app.Notifications.RotateWebhookSecret(q.ctx, q.scope(), q.r.PathValue("id"))
	if err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showWebhook(q, status, msg, "", "") })
		return
	}
	h.showWebhook(q, http.StatusOK, "", secret, q.l.Cfg.SecretRotated)
}

// setWebhookEnabled turns an endpoint off or on again.
func (h configArea) setWebhookEnabled(q *req) {
	var disabled bool
	switch q.r.PostForm.Get("enabled") {
	case "true":
	case "false":
		disabled = true
	default:
		h.message(q.w, q.r, http.StatusBadRequest, q.l, q, q.l.BadForm, q.l.BadForm)
		return
	}
	id := q.r.PathValue("id")
	if _, err := h.app.Notifications.UpdateWebhookEndpoint(q.ctx, q.scope(), id, app.WebhookEndpointParams{Disabled: &disabled}); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showWebhook(q, status, msg, "", "") })
		return
	}
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	http.Redirect(q.w, q.r, "/console/webhooks/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}

// redeliver queues one more attempt at a delivery.
func (h configArea) redeliver(q *req) {
	id := q.r.PathValue("id")
	if _, err := h.app.Notifications.RedeliverWebhook(q.ctx, q.scope(), id, q.r.PathValue("delivery")); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showWebhook(q, status, msg, "", "") })
		return
	}
	http.Redirect(q.w, q.r, "/console/webhooks/"+url.PathEscape(id)+"?done=redeliver", http.StatusSeeOther)
}

package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// DeletedEndpointJSON answers the deletion of a webhook endpoint.
type DeletedEndpointJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

type webhookEndpointBody struct {
	URL           *string          `json:"url,omitempty" maxLength:"2048" doc:"https in live mode; http is allowed in test mode (loopback too)."`
	EnabledEvents []string         `json:"enabled_events,omitempty" maxItems:"50" doc:"Event types to receive, or [\"*\"] for all."`
	Description   *string          `json:"description,omitempty"`
	Metadata      billing.Metadata `json:"metadata,omitempty"`
	Disabled      *bool            `json:"disabled,omitempty" doc:"Update only: true stops deliveries; false resumes them (events meanwhile are not sent)."`
}

func (b webhookEndpointBody) params() app.WebhookEndpointParams {
	return app.WebhookEndpointParams{URL: b.URL, EnabledEvents: b.EnabledEvents, Description: b.Description, Metadata: b.Metadata,
		Disabled: b.Disabled}
}

func (h *accountHandlers) createWebhookEndpoint(ctx context.Context, in *struct {
	Body webhookEndpointBody
}) (*out[apiobj.WebhookEndpointJSON], error) {
	ep, secret, err := h.app.Notifications.CreateWebhookEndpoint(ctx, scopeOf(ctx), in.Body.params())
	if err != nil {
		return nil, err
	}
	j := apiobj.WebhookEndpoint(ep)
	j.Secret = secret
	return reply(j), nil
}

func (h *accountHandlers) listWebhookEndpoints(ctx context.Context, in *struct{ PageQuery }) (*out[ListJSON[apiobj.WebhookEndpointJSON]], error) {
	l, err := h.app.Notifications.ListWebhookEndpoints(ctx, scopeOf(ctx), in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/webhook_endpoints", l.Data, l.HasMore, apiobj.WebhookEndpoint)), nil
}

func (h *accountHandlers) getWebhookEndpoint(ctx context.Context, in *IDPath) (*out[apiobj.WebhookEndpointJSON], error) {
	ep, err := h.app.Notifications.GetWebhookEndpoint(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.WebhookEndpoint(ep)), nil
}

func (h *accountHandlers) updateWebhookEndpoint(ctx context.Context, in *struct {
	IDPath
	Body webhookEndpointBody
}) (*out[apiobj.WebhookEndpointJSON], error) {
	ep, err := h.app.Notifications.UpdateWebhookEndpoint(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.WebhookEndpoint(ep)), nil
}

func (h *accountHandlers) deleteWebhookEndpoint(ctx context.Context, in *IDPath) (*out[DeletedEndpointJSON], error) {
	ep, err := h.app.Notifications.DeleteWebhookEndpoint(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(DeletedEndpointJSON{ID: ep.ID, Object: "webhook_endpoint", Deleted: true}), nil
}

func (h *accountHandlers) rotateWebhookSecret(ctx context.Context, in *IDPath) (*out[apiobj.WebhookEndpointJSON], error) {
	ep, secret, err := h.app.Notifications.RotateWebhookSecret(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	j := apiobj.WebhookEndpoint(ep)
	j.Secret = secret
	return reply(j), nil
}

// WebhookAttemptJSON is one HTTP attempt at a delivery.
type WebhookAttemptJSON struct {
	ID              string  `json:"id"`
	Number          int64   `json:"number"`
	Manual          bool    `json:"manual" doc:"A redelivery you asked for."`
	Succeeded       bool    `json:"succeeded"`
	StatusCode      *int64  `json:"status_code" doc:"The endpoint's HTTP status; null when no response came."`
	LatencyMS       int64   `json:"latency_ms"`
	ErrorKind       *string `json:"error_kind" enum:"timeout,connection_refused,dns,tls,connection,redirect,http_status,blocked_address,invalid_request"`
	Error           *string `json:"error"`
	ResponseExcerpt string  `json:"response_excerpt" doc:"The first 1 KiB of the response body."`
	Created         int64   `json:"created"`
}

// WebhookDeliveryJSON is one event sent to one endpoint, with its attempts.
type WebhookDeliveryJSON struct {
	ID          string               `json:"id"`
	Object      string               `json:"object" enum:"webhook_delivery"`
	Livemode    bool                 `json:"livemode"`
	Endpoint    string               `json:"endpoint"`
	Event       string               `json:"event"`
	EventType   string               `json:"event_type"`
	Status      string               `json:"status" enum:"pending,succeeded,failed"`
	Attempts    []WebhookAttemptJSON `json:"attempts" doc:"Oldest first."`
	NextAttempt *int64               `json:"next_attempt" doc:"When the next automatic attempt is due."`
	LastAttempt *int64               `json:"last_attempt"`
	Created     int64                `json:"created"`
}

func webhookDeliveryJSON(v app.DeliveryView) WebhookDeliveryJSON {
	d := v.Delivery
	out := WebhookDeliveryJSON{ID: d.ID, Object: "webhook_delivery", Livemode: d.Scope.Mode.Livemode(), Endpoint: d.EndpointID,
		Event: d.EventID, EventType: d.EventType, Status: d.Status, Attempts: make([]WebhookAttemptJSON, 0, len(v.Attempts)),
		LastAttempt: apiobj.UnixPtr(d.LastAttemptAt), Created: d.Created.Unix()}
	if d.Status == billing.DeliveryPending {
		out.NextAttempt = apiobj.UnixPtr(d.NextAttemptAt)
	}
	for _, a := range v.Attempts {
		out.Attempts = append(out.Attempts, WebhookAttemptJSON{ID: a.ID, Number: a.Number, Manual: a.Manual, Succeeded: a.Succeeded,
			StatusCode: apiobj.Positive(a.StatusCode), LatencyMS: a.LatencyMS, ErrorKind: apiobj.NonEmpty(a.ErrorKind), Error: apiobj.NonEmpty(a.Error),
			ResponseExcerpt: a.ResponseExcerpt, Created: a.Created.Unix()})
	}
	return out
}

func (h *accountHandlers) listWebhookDeliveries(ctx context.Context, in *struct {
	IDPath
	PageQuery
	Event string `query:"event" maxLength:"100" doc:"Only the delivery of this event."`
}) (*out[ListJSON[WebhookDeliveryJSON]], error) {
	l, err := h.app.Notifications.ListWebhookDeliveries(ctx, scopeOf(ctx), in.ID, billing.DeliveryFilter{EventID: in.Event}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/webhook_endpoints/"+in.ID+"/deliveries", l.Data, l.HasMore, webhookDeliveryJSON)), nil
}

func (h *accountHandlers) redeliverWebhook(ctx context.Context, in *struct {
	IDPath
	Delivery string `path:"delivery" maxLength:"100"`
}) (*out[WebhookDeliveryJSON], error) {
	v, err := h.app.Notifications.RedeliverWebhook(ctx, scopeOf(ctx), in.ID, in.Delivery)
	if err != nil {
		return nil, err
	}
	return reply(webhookDeliveryJSON(v)), nil
}

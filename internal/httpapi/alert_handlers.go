package httpapi

import (
	"context"
	"net/http"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/billing"
)

// alertHandlers serve the merchant's alerts (docs/alerts.md).
type alertHandlers struct {
	app UseCases
}

// routes registers the alert operations.
func (h *alertHandlers) routes(r registrar) {
	register(r, op("list-alerts", http.MethodGet, "/v1/alerts", "List alerts, newest first"), h.listAlerts)
	register(r, op("get-alert", http.MethodGet, "/v1/alerts/{id}", "Retrieve an alert"), h.getAlert)
	register(r, op("acknowledge-alert", http.MethodPost, "/v1/alerts/{id}/acknowledge", "Acknowledge an open alert (it stays until its condition clears)"), h.acknowledgeAlert)
}

func (h *alertHandlers) listAlerts(ctx context.Context, in *struct {
	PageQuery
	Status string `query:"status" enum:"open,acknowledged,resolved," doc:"Only alerts of this status."`
}) (*out[ListJSON[apiobj.AlertJSON]], error) {
	l, err := h.app.Alerts.ListAlerts(ctx, scopeOf(ctx), billing.AlertFilter{Status: billing.AlertStatus(in.Status)}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/alerts", l.Data, l.HasMore, apiobj.Alert)), nil
}

func (h *alertHandlers) getAlert(ctx context.Context, in *IDPath) (*out[apiobj.AlertJSON], error) {
	a, err := h.app.Alerts.GetAlert(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Alert(a)), nil
}

func (h *alertHandlers) acknowledgeAlert(ctx context.Context, in *IDPath) (*out[apiobj.AlertJSON], error) {
	a, err := h.app.Alerts.AcknowledgeAlert(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Alert(a)), nil
}

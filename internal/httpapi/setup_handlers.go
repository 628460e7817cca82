package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
)

// --- payment method setups

type createSetupBody struct {
	Gateway   string `json:"gateway,omitempty" doc:"sim (test mode), flow or stripe."`
	ReturnURL string `json:"return_url,omitempty" doc:"Absolute http(s) URL the customer comes back to, with setup_id and status added to its query."`
}

func (h *customerHandlers) createPaymentMethodSetup(ctx context.Context, in *struct {
	IDPath
	Body createSetupBody
}) (*out[apiobj.PaymentMethodSetupJSON], error) {
	st, u, err := h.app.Customers.CreateSetup(ctx, scopeOf(ctx), in.ID, app.CreateSetupParams{Gateway: in.Body.Gateway, ReturnURL: in.Body.ReturnURL})
	if err != nil {
		return nil, err
	}
	j := apiobj.PaymentMethodSetup(st)
	j.URL = u
	return reply(j), nil
}

func (h *customerHandlers) getPaymentMethodSetup(ctx context.Context, in *IDPath) (*out[apiobj.PaymentMethodSetupJSON], error) {
	st, err := h.app.Customers.GetSetup(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PaymentMethodSetup(st)), nil
}

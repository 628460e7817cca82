package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// --- gateway configuration (part of the merchant settings)

// GatewayConfigJSON is a gateway's configuration for the key's mode, with
// the credentials redacted.
type GatewayConfigJSON struct {
	Object string `json:"object" enum:"gateway_config"`
	app.GatewayConfigView
}

func gatewayConfigJSON(v app.GatewayConfigView) GatewayConfigJSON {
	return GatewayConfigJSON{Object: "gateway_config", GatewayConfigView: v}
}

// GatewayPath names a configurable gateway.
type GatewayPath struct {
	Gateway string `path:"gateway" enum:"flow,stripe"`
}

type gatewayConfigBody struct {
	APIKey        string `json:"api_key,omitempty" maxLength:"500" doc:"Flow: your apiKey. Stripe: your secret key (sk_…)."`
	Secret        string `json:"secret,omitempty" maxLength:"500" doc:"Flow: your secretKey. Never shown again."`
	WebhookSecret string `json:"webhook_secret,omitempty" maxLength:"500" doc:"Stripe: the endpoint's signing secret (whsec_…)."`
	Environment   string `json:"environment,omitempty" enum:"sandbox,production" doc:"Flow only; default sandbox in test mode, production in live mode."`
	BaseURL       string `json:"base_url,omitempty" maxLength:"500" doc:"Test mode only: talk to another address (flowsim, stripe-mock)."`
}

type gatewayConfigList struct {
	Object string              `json:"object" enum:"list"`
	Data   []GatewayConfigJSON `json:"data"`
}

func (h *accountHandlers) listGatewayConfigs(ctx context.Context, _ *struct{}) (*out[gatewayConfigList], error) {
	views, err := h.app.Merchants.ListGatewayConfigs(ctx, scopeOf(ctx))
	if err != nil {
		return nil, err
	}
	l := gatewayConfigList{Object: "list", Data: []GatewayConfigJSON{}}
	for _, v := range views {
		l.Data = append(l.Data, gatewayConfigJSON(v))
	}
	return reply(l), nil
}

func (h *accountHandlers) putGatewayConfig(ctx context.Context, in *struct {
	GatewayPath
	Body gatewayConfigBody
}) (*out[GatewayConfigJSON], error) {
	v, err := h.app.Merchants.SetGatewayConfig(ctx, scopeOf(ctx), in.Gateway, billing.GatewayCredentials{APIKey: in.Body.APIKey,
		Secret: in.Body.Secret, WebhookSecret: in.Body.WebhookSecret, Environment: in.Body.Environment, BaseURL: in.Body.BaseURL})
	if err != nil {
		return nil, err
	}
	return reply(gatewayConfigJSON(v)), nil
}

type deletedJSON struct {
	Object  string `json:"object" enum:"gateway_config"`
	Gateway string `json:"gateway"`
	Deleted bool   `json:"deleted"`
}

func (h *accountHandlers) deleteGatewayConfig(ctx context.Context, in *GatewayPath) (*out[deletedJSON], error) {
	if err := h.app.Merchants.DeleteGatewayConfig(ctx, scopeOf(ctx), in.Gateway); err != nil {
		return nil, err
	}
	return reply(deletedJSON{Object: "gateway_config", Gateway: in.Gateway, Deleted: true}), nil
}

package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// hostedHandlers serves what opens cuota's hosted pages: checkout sessions,
// portal sessions and the publishable keys of pricing tables.
type hostedHandlers struct {
	app UseCases
}

// --- checkout sessions, portal sessions, publishable keys (hosted pages)

type createCheckoutBody struct {
	Mode                string                        `json:"mode" enum:"subscription,setup,payment" doc:"subscription starts a subscription; setup saves a card; payment takes a one-off payment of one-time prices on a gateway's pay page."`
	Customer            string                        `json:"customer,omitempty" maxLength:"100" doc:"An existing customer. Without it (and without customer_email) the page asks for an email and makes a new customer."`
	CustomerEmail       string                        `json:"customer_email,omitempty" maxLength:"512" doc:"Prefills the email of a new customer."`
	LineItems           []apiobj.CheckoutLineItemJSON `json:"line_items,omitempty" maxItems:"20" doc:"Subscription mode: recurring prices (a plan and add-ons) in one currency and cycle. Payment mode: one-time prices in one currency."`
	SuccessURL          string                        `json:"success_url,omitempty" maxLength:"2000" doc:"Where the customer goes once done, with session_id added to its query. Omit it (subscription and payment modes) to end on cuota's thank-you page."`
	CancelURL           string                        `json:"cancel_url" maxLength:"2000" doc:"Where the page's back link goes."`
	AllowPromotionCodes bool                          `json:"allow_promotion_codes,omitempty" doc:"Show a promotion code field."`
	TrialPeriodDays     *int64                        `json:"trial_period_days,omitempty" minimum:"0" maximum:"730" doc:"Overrides the prices' trial; 0 for none."`
	Locale              string                        `json:"locale,omitempty" maxLength:"20" doc:"es, es-CL, en…; default auto (the customer's, else the browser's)."`
	Gateway             string                        `json:"gateway,omitempty" maxLength:"20" doc:"Require this gateway (sim in test mode, flow, stripe). Default: the customer picks among the configured gateways that take the currency."`
}

func (h *hostedHandlers) createCheckoutSession(ctx context.Context, in *struct{ Body createCheckoutBody }) (*out[apiobj.CheckoutSessionJSON], error) {
	b := in.Body
	p := app.CreateCheckoutParams{Mode: b.Mode, Customer: b.Customer, CustomerEmail: b.CustomerEmail, SuccessURL: b.SuccessURL,
		CancelURL: b.CancelURL, AllowPromotionCodes: b.AllowPromotionCodes, TrialPeriodDays: b.TrialPeriodDays,
		Locale: b.Locale, Gateway: b.Gateway}
	for _, li := range b.LineItems {
		p.LineItems = append(p.LineItems, app.ItemParams{Price: li.Price, Quantity: li.Quantity})
	}
	cs, u, err := h.app.Checkout.CreateCheckoutSession(ctx, scopeOf(ctx), p)
	if err != nil {
		return nil, err
	}
	j := apiobj.CheckoutSession(cs)
	j.URL = u
	return reply(j), nil
}

func (h *hostedHandlers) getCheckoutSession(ctx context.Context, in *IDPath) (*out[apiobj.CheckoutSessionJSON], error) {
	cs, err := h.app.Checkout.GetCheckoutSession(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.CheckoutSession(cs)), nil
}

func (h *hostedHandlers) expireCheckoutSession(ctx context.Context, in *IDPath) (*out[apiobj.CheckoutSessionJSON], error) {
	cs, err := h.app.Checkout.ExpireCheckoutSession(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.CheckoutSession(cs)), nil
}

// PortalSessionJSON is a customer portal link.
type PortalSessionJSON struct {
	ID        string `json:"id"`
	Object    string `json:"object" enum:"billing_portal.session"`
	Livemode  bool   `json:"livemode"`
	Customer  string `json:"customer"`
	ReturnURL string `json:"return_url"`
	URL       string `json:"url" doc:"Where to send the customer's browser; usable for one hour."`
	ExpiresAt int64  `json:"expires_at"`
	Created   int64  `json:"created"`
}

type createPortalBody struct {
	Customer  string `json:"customer" maxLength:"100"`
	ReturnURL string `json:"return_url" maxLength:"2000" doc:"Where the portal's back link goes."`
}

func (h *hostedHandlers) createPortalSession(ctx context.Context, in *struct{ Body createPortalBody }) (*out[PortalSessionJSON], error) {
	p, u, err := h.app.Portal.CreatePortalSession(ctx, scopeOf(ctx), in.Body.Customer, in.Body.ReturnURL)
	if err != nil {
		return nil, err
	}
	return reply(PortalSessionJSON{ID: p.ID, Object: "billing_portal.session", Livemode: p.Scope.Mode.Livemode(),
		Customer: p.CustomerID, ReturnURL: p.ReturnURL, URL: u, ExpiresAt: p.ExpiresAt.Unix(), Created: p.Created.Unix()}), nil
}

// PublishableKeyJSON is a publishable key: public, for pricing tables.
type PublishableKeyJSON struct {
	ID              string  `json:"id" doc:"The key itself (pk_test_… or pk_live_…): safe to put in a web page."`
	Object          string  `json:"object" enum:"publishable_key"`
	Livemode        bool    `json:"livemode"`
	PricingTableURL string  `json:"pricing_table_url" doc:"The hosted pricing table: link to it or put it in an iframe."`
	SuccessURL      *string `json:"success_url"`
	CancelURL       *string `json:"cancel_url"`
	Revoked         *int64  `json:"revoked"`
	Created         int64   `json:"created"`
}

func (h *hostedHandlers) publishableKeyJSON(k billing.PublishableKey) PublishableKeyJSON {
	return PublishableKeyJSON{ID: k.ID, Object: "publishable_key", Livemode: k.Scope.Mode.Livemode(),
		PricingTableURL: h.app.Checkout.PublicURL() + "/pricing/" + k.ID, SuccessURL: apiobj.NonEmpty(k.SuccessURL),
		CancelURL: apiobj.NonEmpty(k.CancelURL), Revoked: apiobj.UnixPtr(k.Revoked), Created: k.Created.Unix()}
}

type createPublishableKeyBody struct {
	SuccessURL string `json:"success_url,omitempty" maxLength:"2000" doc:"Where checkouts from the pricing table end (session_id added). Default: cuota's thank-you page."`
	CancelURL  string `json:"cancel_url,omitempty" maxLength:"2000" doc:"Where the checkout's back link goes. Default: the pricing table."`
}

func (h *hostedHandlers) createPublishableKey(ctx context.Context, in *struct{ Body createPublishableKeyBody }) (*out[PublishableKeyJSON], error) {
	k, err := h.app.Checkout.CreatePublishableKey(ctx, scopeOf(ctx), app.PublishableKeyParams{SuccessURL: in.Body.SuccessURL, CancelURL: in.Body.CancelURL})
	if err != nil {
		return nil, err
	}
	return reply(h.publishableKeyJSON(k)), nil
}

type publishableKeyList struct {
	Object string               `json:"object" enum:"list"`
	Data   []PublishableKeyJSON `json:"data"`
}

func (h *hostedHandlers) listPublishableKeys(ctx context.Context, _ *struct{}) (*out[publishableKeyList], error) {
	keys, err := h.app.Checkout.ListPublishableKeys(ctx, scopeOf(ctx))
	if err != nil {
		return nil, err
	}
	l := publishableKeyList{Object: "list", Data: []PublishableKeyJSON{}}
	for _, k := range keys {
		l.Data = append(l.Data, h.publishableKeyJSON(k))
	}
	return reply(l), nil
}

func (h *hostedHandlers) revokePublishableKey(ctx context.Context, in *IDPath) (*out[PublishableKeyJSON], error) {
	k, err := h.app.Checkout.RevokePublishableKey(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(h.publishableKeyJSON(k)), nil
}

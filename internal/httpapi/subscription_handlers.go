package httpapi

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// subscriptionHandlers serves subscriptions, their plan changes, and test
// clocks.
type subscriptionHandlers struct {
	app UseCases
}

// --- test clocks

type createTestClockBody struct {
	FrozenTime int64  `json:"frozen_time" doc:"Unix time the clock starts at."`
	Name       string `json:"name,omitempty"`
}

func (h *subscriptionHandlers) createTestClock(ctx context.Context, in *struct{ Body createTestClockBody }) (*out[apiobj.TestClockJSON], error) {
	c, err := h.app.Renewals.CreateTestClock(ctx, scopeOf(ctx), in.Body.Name, time.Unix(in.Body.FrozenTime, 0))
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TestClock(c)), nil
}

func (h *subscriptionHandlers) getTestClock(ctx context.Context, in *IDPath) (*out[apiobj.TestClockJSON], error) {
	c, err := h.app.Renewals.GetTestClock(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TestClock(c)), nil
}

func (h *subscriptionHandlers) listTestClocks(ctx context.Context, in *struct{ PageQuery }) (*out[ListJSON[apiobj.TestClockJSON]], error) {
	l, err := h.app.Renewals.ListTestClocks(ctx, scopeOf(ctx), in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/test_clocks", l.Data, l.HasMore, apiobj.TestClock)), nil
}

func (h *subscriptionHandlers) advanceTestClock(ctx context.Context, in *struct {
	IDPath
	Body struct {
		FrozenTime int64 `json:"frozen_time" doc:"Unix time to move the clock to; never backwards."`
	}
}) (*out[apiobj.TestClockJSON], error) {
	c, err := h.app.Renewals.AdvanceTestClock(ctx, scopeOf(ctx), in.ID, time.Unix(in.Body.FrozenTime, 0))
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TestClock(c)), nil
}

// --- subscriptions

type subscriptionItemBody struct {
	Price    string `json:"price"`
	Quantity int64  `json:"quantity,omitempty"`
}

type createSubscriptionBody struct {
	Customer        string                 `json:"customer,omitempty"`
	Items           []subscriptionItemBody `json:"items,omitempty"`
	PaymentMethod   string                 `json:"payment_method,omitempty"`
	TrialPeriodDays *int64                 `json:"trial_period_days,omitempty" doc:"Overrides the price's trial; 0 for none."`
	Coupon          string                 `json:"coupon,omitempty"`
	PromotionCode   string                 `json:"promotion_code,omitempty"`
	MaxCycles       int64                  `json:"max_cycles,omitempty" doc:"End after this many paid periods."`
	EndDate         int64                  `json:"end_date,omitempty" doc:"Unix time: no period starts at or after it; the subscription completes at the end of the period it falls in."`
	Fingerprint     string                 `json:"fingerprint,omitempty" doc:"Your identity for one-trial-per-customer, e.g. a device hash."`
	DefaultTaxRates []string               `json:"default_tax_rates,omitempty" maxItems:"5" doc:"Tax rates of every item, before the prices' and your default (docs/taxes.md)."`
	Metadata        billing.Metadata       `json:"metadata,omitempty"`
	// Anchor and proration of a partial first period.
	BillingCycleAnchor int64  `json:"billing_cycle_anchor,omitempty" doc:"Unix time of the first renewal (at most one period away); periods repeat from it, e.g. on the 1st of each month."`
	ProrationBehavior  string `json:"proration_behavior,omitempty" enum:"create_prorations,always_invoice,none" doc:"With billing_cycle_anchor: charge the partial first period prorated now (create_prorations, the default; always_invoice is the same at creation) or not at all (none)."`
}

func (h *subscriptionHandlers) createSubscription(ctx context.Context, in *struct{ Body createSubscriptionBody }) (*out[apiobj.SubscriptionJSON], error) {
	b := in.Body
	p := app.CreateSubscriptionParams{Customer: b.Customer, PaymentMethod: b.PaymentMethod, TrialPeriodDays: b.TrialPeriodDays,
		Coupon: b.Coupon, PromotionCode: b.PromotionCode, MaxCycles: b.MaxCycles, EndDate: unixTime(b.EndDate),
		Fingerprint: b.Fingerprint, Metadata: b.Metadata, BillingCycleAnchor: unixTime(b.BillingCycleAnchor),
		ProrationBehavior: b.ProrationBehavior, DefaultTaxRates: b.DefaultTaxRates}
	for _, it := range b.Items {
		p.Items = append(p.Items, app.ItemParams{Price: it.Price, Quantity: it.Quantity})
	}
	sub, err := h.app.Subscriptions.CreateSubscription(ctx, scopeOf(ctx), p)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (h *subscriptionHandlers) getSubscription(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := h.app.Subscriptions.GetSubscription(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (h *subscriptionHandlers) listSubscriptions(ctx context.Context, in *struct {
	PageQuery
	Customer string `query:"customer" maxLength:"100"`
	Status   string `query:"status" maxLength:"30"`
	Price    string `query:"price" maxLength:"100"`
}) (*out[ListJSON[apiobj.SubscriptionJSON]], error) {
	f := billing.SubscriptionFilter{CustomerID: in.Customer, Status: billing.SubscriptionStatus(in.Status), PriceID: in.Price}
	l, err := h.app.Subscriptions.ListSubscriptions(ctx, scopeOf(ctx), f, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/subscriptions", l.Data, l.HasMore, apiobj.Subscription)), nil
}

func (h *subscriptionHandlers) cancelSubscription(ctx context.Context, in *struct {
	IDPath
	Body struct {
		AtPeriodEnd bool   `json:"at_period_end,omitempty"`
		Reason      string `json:"reason,omitempty" enum:"requested_by_customer,requested_by_merchant"`
		// CancellationDetails is what the customer said about why.
		CancellationDetails *cancellationDetailsBody `json:"cancellation_details,omitempty"`
	}
}) (*out[apiobj.SubscriptionJSON], error) {
	p := app.CancelParams{AtPeriodEnd: in.Body.AtPeriodEnd, Reason: in.Body.Reason}
	if d := in.Body.CancellationDetails; d != nil {
		p.Feedback, p.Comment = billing.CancellationFeedback(d.Feedback), d.Comment
	}
	sub, err := h.app.Subscriptions.CancelSubscription(ctx, scopeOf(ctx), in.ID, p)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

// cancellationDetailsBody is the customer's feedback given with a
// cancellation (Stripe's cancellation_details on cancel).
type cancellationDetailsBody struct {
	Feedback string `json:"feedback,omitempty" enum:"too_expensive,missing_features,switched_service,unused,customer_service,too_complex,low_quality,other" doc:"The customer's reason, from a fixed list."`
	Comment  string `json:"comment,omitempty" maxLength:"500" doc:"The customer's own words (at most 500 characters)."`
}

func (h *subscriptionHandlers) reactivateSubscription(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := h.app.Subscriptions.ReactivateSubscription(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (h *subscriptionHandlers) cancelPendingUpdate(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := h.app.Subscriptions.CancelPendingUpdate(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

// --- plan changes

type changeBody struct {
	Items             []subscriptionItemBody `json:"items"`
	ProrationBehavior string                 `json:"proration_behavior,omitempty" enum:"create_prorations,always_invoice,none"`
	EffectiveAt       string                 `json:"effective_at,omitempty" enum:"now,period_end" doc:"Default: now for an upgrade, period_end for a downgrade."`
}

func (b changeBody) params() app.ChangeParams {
	p := app.ChangeParams{ProrationBehavior: b.ProrationBehavior, EffectiveAt: b.EffectiveAt}
	for _, it := range b.Items {
		p.Items = append(p.Items, app.ItemParams{Price: it.Price, Quantity: it.Quantity})
	}
	return p
}

// FeatureChangeJSON is one entitlement a change alters.
type FeatureChangeJSON struct {
	Feature string `json:"feature"`
	Old     int64  `json:"old"`
	New     int64  `json:"new"`
	Reduced bool   `json:"reduced"`
}

// ChangePreviewJSON is the exact effect of a plan change.
type ChangePreviewJSON struct {
	Object            string                        `json:"object" enum:"subscription_change_preview"`
	Upgrade           bool                          `json:"upgrade"`
	EffectiveAt       int64                         `json:"effective_at"`
	Timing            string                        `json:"timing" enum:"now,period_end"`
	ProrationBehavior string                        `json:"proration_behavior"`
	Lines             []apiobj.InvoiceLineJSON      `json:"lines"`
	AmountDueNow      int64                         `json:"amount_due_now" doc:"Tax included."`
	Tax               int64                         `json:"tax" doc:"The tax of the lines (docs/taxes.md)."`
	Currency          string                        `json:"currency"`
	FeatureChanges    []FeatureChangeJSON           `json:"feature_changes"`
	Items             []apiobj.SubscriptionItemJSON `json:"items"`
}

func changePreviewJSON(p app.ChangePreview) ChangePreviewJSON {
	out := ChangePreviewJSON{Object: "subscription_change_preview", Upgrade: p.Upgrade, EffectiveAt: p.EffectiveAt.Unix(),
		Timing: p.Timing, ProrationBehavior: p.ProrationBehavior, AmountDueNow: p.AmountDueNow, Tax: p.Tax, Currency: p.Currency,
		Lines: []apiobj.InvoiceLineJSON{}, FeatureChanges: []FeatureChangeJSON{}, Items: []apiobj.SubscriptionItemJSON{}}
	for _, l := range p.Lines {
		out.Lines = append(out.Lines, apiobj.InvoiceLineJSON{ID: l.ID, Type: l.Type, Description: l.Description, Price: apiobj.NonEmpty(l.PriceID),
			Quantity: l.Quantity, Amount: l.Amount, PeriodStart: l.PeriodStart.Unix(), PeriodEnd: l.PeriodEnd.Unix(),
			TaxRates: apiobj.TaxRateIDs(l.TaxRates)})
	}
	for _, f := range p.FeatureChanges {
		out.FeatureChanges = append(out.FeatureChanges, FeatureChangeJSON{Feature: f.Name, Old: f.Old, New: f.New, Reduced: f.Reduced()})
	}
	for _, it := range p.Items {
		out.Items = append(out.Items, apiobj.SubscriptionItemJSON{ID: it.ID, Price: it.PriceID, Product: it.ProductID, Quantity: it.Quantity,
			UnitAmount: it.UnitAmount, TaxRates: apiobj.TaxRateIDs(it.TaxRates)})
	}
	return out
}

func (h *subscriptionHandlers) previewChange(ctx context.Context, in *struct {
	IDPath
	Body changeBody
}) (*out[ChangePreviewJSON], error) {
	p, err := h.app.Subscriptions.PreviewChange(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(changePreviewJSON(p)), nil
}

func (h *subscriptionHandlers) changeSubscription(ctx context.Context, in *struct {
	IDPath
	Body changeBody
}) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := h.app.Subscriptions.ChangeSubscription(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (h *subscriptionHandlers) pauseSubscription(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := h.app.Subscriptions.PauseSubscription(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (h *subscriptionHandlers) resumeSubscription(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := h.app.Subscriptions.ResumeSubscription(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

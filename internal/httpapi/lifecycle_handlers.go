package httpapi

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// --- test clocks

type createTestClockBody struct {
	FrozenTime int64  `json:"frozen_time" doc:"Unix time the clock starts at."`
	Name       string `json:"name,omitempty"`
}

func (s *Server) createTestClock(ctx context.Context, in *struct{ Body createTestClockBody }) (*out[apiobj.TestClockJSON], error) {
	c, err := s.app.Renewals.CreateTestClock(ctx, scopeOf(ctx), in.Body.Name, time.Unix(in.Body.FrozenTime, 0))
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TestClock(c)), nil
}

func (s *Server) getTestClock(ctx context.Context, in *IDPath) (*out[apiobj.TestClockJSON], error) {
	c, err := s.app.Renewals.GetTestClock(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TestClock(c)), nil
}

func (s *Server) listTestClocks(ctx context.Context, in *struct{ PageQuery }) (*out[ListJSON[apiobj.TestClockJSON]], error) {
	l, err := s.app.Renewals.ListTestClocks(ctx, scopeOf(ctx), in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/test_clocks", l.Data, l.HasMore, apiobj.TestClock)), nil
}

func (s *Server) advanceTestClock(ctx context.Context, in *struct {
	IDPath
	Body struct {
		FrozenTime int64 `json:"frozen_time" doc:"Unix time to move the clock to; never backwards."`
	}
}) (*out[apiobj.TestClockJSON], error) {
	c, err := s.app.Renewals.AdvanceTestClock(ctx, scopeOf(ctx), in.ID, time.Unix(in.Body.FrozenTime, 0))
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TestClock(c)), nil
}

// --- payment methods

type attachPaymentMethodBody struct {
	Gateway string `json:"gateway" doc:"sim (test mode), flow or stripe."`
	Token   string `json:"token" doc:"A gateway token, e.g. tok_visa on the sim gateway."`
}

func (s *Server) attachPaymentMethod(ctx context.Context, in *struct {
	IDPath
	Body attachPaymentMethodBody
}) (*out[apiobj.PaymentMethodJSON], error) {
	pm, err := s.app.Subscriptions.AttachPaymentMethod(ctx, scopeOf(ctx), in.ID, app.AttachPaymentMethodParams{Gateway: in.Body.Gateway, Token: in.Body.Token})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PaymentMethod(pm)), nil
}

func (s *Server) listPaymentMethods(ctx context.Context, in *IDPath) (*out[ListJSON[apiobj.PaymentMethodJSON]], error) {
	l, err := s.app.Subscriptions.ListPaymentMethods(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/customers/"+in.ID+"/payment_methods", l, false, apiobj.PaymentMethod)), nil
}

func (s *Server) entitlements(ctx context.Context, in *IDPath) (*out[EntitlementsJSON], error) {
	f, err := s.app.Subscriptions.Entitlements(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(EntitlementsJSON{Object: "entitlements", Customer: in.ID, Features: f}), nil
}

// EntitlementsJSON is what a customer is entitled to now.
type EntitlementsJSON struct {
	Object   string           `json:"object" enum:"entitlements"`
	Customer string           `json:"customer"`
	Features map[string]int64 `json:"features"`
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
	Metadata        billing.Metadata       `json:"metadata,omitempty"`
	// Anchor and proration of a partial first period.
	BillingCycleAnchor int64  `json:"billing_cycle_anchor,omitempty" doc:"Unix time of the first renewal (at most one period away); periods repeat from it, e.g. on the 1st of each month."`
	ProrationBehavior  string `json:"proration_behavior,omitempty" enum:"create_prorations,always_invoice,none" doc:"With billing_cycle_anchor: charge the partial first period prorated now (create_prorations, the default; always_invoice is the same at creation) or not at all (none)."`
}

func (s *Server) createSubscription(ctx context.Context, in *struct{ Body createSubscriptionBody }) (*out[apiobj.SubscriptionJSON], error) {
	b := in.Body
	p := app.CreateSubscriptionParams{Customer: b.Customer, PaymentMethod: b.PaymentMethod, TrialPeriodDays: b.TrialPeriodDays,
		Coupon: b.Coupon, PromotionCode: b.PromotionCode, MaxCycles: b.MaxCycles, EndDate: unixTime(b.EndDate),
		Fingerprint: b.Fingerprint, Metadata: b.Metadata, BillingCycleAnchor: unixTime(b.BillingCycleAnchor),
		ProrationBehavior: b.ProrationBehavior}
	for _, it := range b.Items {
		p.Items = append(p.Items, app.ItemParams{Price: it.Price, Quantity: it.Quantity})
	}
	sub, err := s.app.Subscriptions.CreateSubscription(ctx, scopeOf(ctx), p)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (s *Server) getSubscription(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := s.app.Subscriptions.GetSubscription(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (s *Server) listSubscriptions(ctx context.Context, in *struct {
	PageQuery
	Customer string `query:"customer" maxLength:"100"`
	Status   string `query:"status" maxLength:"30"`
	Price    string `query:"price" maxLength:"100"`
}) (*out[ListJSON[apiobj.SubscriptionJSON]], error) {
	f := billing.SubscriptionFilter{CustomerID: in.Customer, Status: billing.SubscriptionStatus(in.Status), PriceID: in.Price}
	l, err := s.app.Subscriptions.ListSubscriptions(ctx, scopeOf(ctx), f, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/subscriptions", l.Data, l.HasMore, apiobj.Subscription)), nil
}

func (s *Server) cancelSubscription(ctx context.Context, in *struct {
	IDPath
	Body struct {
		AtPeriodEnd bool   `json:"at_period_end,omitempty"`
		Reason      string `json:"reason,omitempty" enum:"requested_by_customer,requested_by_merchant"`
	}
}) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := s.app.Subscriptions.CancelSubscription(ctx, scopeOf(ctx), in.ID, app.CancelParams{AtPeriodEnd: in.Body.AtPeriodEnd, Reason: in.Body.Reason})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (s *Server) reactivateSubscription(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := s.app.Subscriptions.ReactivateSubscription(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (s *Server) cancelPendingUpdate(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := s.app.Subscriptions.CancelPendingUpdate(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

// --- invoices, payments, events

func (s *Server) getInvoice(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := s.app.Subscriptions.GetInvoice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (s *Server) listInvoices(ctx context.Context, in *struct {
	PageQuery
	Customer     string `query:"customer" maxLength:"100"`
	Subscription string `query:"subscription" maxLength:"100"`
	Status       string `query:"status" enum:"draft,open,paid,void,uncollectible,"`
}) (*out[ListJSON[apiobj.InvoiceJSON]], error) {
	f := billing.InvoiceFilter{CustomerID: in.Customer, SubscriptionID: in.Subscription, Status: in.Status}
	l, err := s.app.Subscriptions.ListInvoices(ctx, scopeOf(ctx), f, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/invoices", l.Data, l.HasMore, apiobj.Invoice)), nil
}

func (s *Server) listPayments(ctx context.Context, in *struct {
	PageQuery
	Invoice  string `query:"invoice" maxLength:"100"`
	Customer string `query:"customer" maxLength:"100"`
	Status   string `query:"status" enum:"pending,succeeded,failed,unknown,"`
}) (*out[ListJSON[apiobj.PaymentJSON]], error) {
	l, err := s.app.Subscriptions.ListPayments(ctx, scopeOf(ctx), billing.PaymentFilter{InvoiceID: in.Invoice, CustomerID: in.Customer, Status: in.Status}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/payments", l.Data, l.HasMore, apiobj.Payment)), nil
}

func (s *Server) getPayment(ctx context.Context, in *IDPath) (*out[apiobj.PaymentJSON], error) {
	p, err := s.app.Subscriptions.GetPayment(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Payment(p)), nil
}

func (s *Server) getEvent(ctx context.Context, in *IDPath) (*out[apiobj.EventJSON], error) {
	e, err := s.app.Subscriptions.GetEvent(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Event(e)), nil
}

func (s *Server) listEvents(ctx context.Context, in *struct {
	PageQuery
	Type   string `query:"type" maxLength:"100"`
	Object string `query:"object" maxLength:"100" doc:"Only events about this object id."`
}) (*out[ListJSON[apiobj.EventJSON]], error) {
	l, err := s.app.Subscriptions.ListEvents(ctx, scopeOf(ctx), billing.EventFilter{Type: in.Type, ObjectID: in.Object}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/events", l.Data, l.HasMore, apiobj.Event)), nil
}

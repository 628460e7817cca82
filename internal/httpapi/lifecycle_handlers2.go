package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

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
	AmountDueNow      int64                         `json:"amount_due_now"`
	Currency          string                        `json:"currency"`
	FeatureChanges    []FeatureChangeJSON           `json:"feature_changes"`
	Items             []apiobj.SubscriptionItemJSON `json:"items"`
}

func changePreviewJSON(p app.ChangePreview) ChangePreviewJSON {
	out := ChangePreviewJSON{Object: "subscription_change_preview", Upgrade: p.Upgrade, EffectiveAt: p.EffectiveAt.Unix(),
		Timing: p.Timing, ProrationBehavior: p.ProrationBehavior, AmountDueNow: p.AmountDueNow, Currency: p.Currency,
		Lines: []apiobj.InvoiceLineJSON{}, FeatureChanges: []FeatureChangeJSON{}, Items: []apiobj.SubscriptionItemJSON{}}
	for _, l := range p.Lines {
		out.Lines = append(out.Lines, apiobj.InvoiceLineJSON{ID: l.ID, Type: l.Type, Description: l.Description, Price: apiobj.NonEmpty(l.PriceID),
			Quantity: l.Quantity, Amount: l.Amount, PeriodStart: l.PeriodStart.Unix(), PeriodEnd: l.PeriodEnd.Unix()})
	}
	for _, f := range p.FeatureChanges {
		out.FeatureChanges = append(out.FeatureChanges, FeatureChangeJSON{Feature: f.Name, Old: f.Old, New: f.New, Reduced: f.Reduced()})
	}
	for _, it := range p.Items {
		out.Items = append(out.Items, apiobj.SubscriptionItemJSON{ID: it.ID, Price: it.PriceID, Product: it.ProductID, Quantity: it.Quantity, UnitAmount: it.UnitAmount})
	}
	return out
}

func (s *Server) previewChange(ctx context.Context, in *struct {
	IDPath
	Body changeBody
}) (*out[ChangePreviewJSON], error) {
	p, err := s.app.Subscriptions.PreviewChange(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(changePreviewJSON(p)), nil
}

func (s *Server) changeSubscription(ctx context.Context, in *struct {
	IDPath
	Body changeBody
}) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := s.app.Subscriptions.ChangeSubscription(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (s *Server) pauseSubscription(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := s.app.Subscriptions.PauseSubscription(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

func (s *Server) resumeSubscription(ctx context.Context, in *IDPath) (*out[apiobj.SubscriptionJSON], error) {
	sub, err := s.app.Subscriptions.ResumeSubscription(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Subscription(sub)), nil
}

// --- invoice actions and refunds

// invoiceItemBody is one item of a one-off invoice.
type invoiceItemBody struct {
	Price       string  `json:"price,omitempty" maxLength:"100" doc:"A price; its product names the line."`
	Quantity    int64   `json:"quantity,omitempty" doc:"Default 1."`
	Amount      *Amount `json:"amount,omitempty" doc:"Instead of a price: an amount in minor units (CLP 5000 is $5.000), with a description."`
	Description string  `json:"description,omitempty" maxLength:"250"`
}

type createInvoiceBody struct {
	Customer      string            `json:"customer" maxLength:"100"`
	Currency      string            `json:"currency,omitempty" maxLength:"3" doc:"Required when no item names a price."`
	Items         []invoiceItemBody `json:"items" maxItems:"100"`
	Collection    string            `json:"collection,omitempty" enum:"charge_automatically,send_invoice" doc:"charge_automatically (default): charged to a saved card when finalized; send_invoice: the customer is emailed a link to pay it."`
	DaysUntilDue  *int64            `json:"days_until_due,omitempty" doc:"send_invoice: days from creation until it is due (default 30)."`
	PaymentMethod string            `json:"payment_method,omitempty" maxLength:"100" doc:"charge_automatically: the card to charge (default: the customer's most recent)."`
	AutoFinalize  bool              `json:"auto_finalize,omitempty" doc:"Finalize and collect at once instead of leaving a draft."`
}

func (s *Server) createInvoice(ctx context.Context, in *struct{ Body createInvoiceBody }) (*out[apiobj.InvoiceJSON], error) {
	b := in.Body
	p := app.CreateInvoiceParams{Customer: b.Customer, Currency: b.Currency, Collection: b.Collection, DaysUntilDue: b.DaysUntilDue,
		PaymentMethod: b.PaymentMethod, Finalize: b.AutoFinalize}
	for _, it := range b.Items {
		p.Items = append(p.Items, app.InvoiceItemParams{Price: it.Price, Quantity: it.Quantity, Amount: amountMinor(it.Amount), Description: it.Description})
	}
	inv, err := s.app.Invoicing.CreateInvoice(ctx, scopeOf(ctx), p)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (s *Server) finalizeInvoice(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := s.app.Invoicing.FinalizeInvoice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (s *Server) payInvoice(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := s.app.Collection.PayInvoice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (s *Server) voidInvoice(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := s.app.Collection.VoidInvoice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (s *Server) markUncollectible(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := s.app.Collection.MarkUncollectible(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (s *Server) createRefund(ctx context.Context, in *struct {
	Body struct {
		Payment string  `json:"payment"`
		Amount  *Amount `json:"amount,omitempty" doc:"Minor units; default: all that is left to refund."`
		Reason  string  `json:"reason,omitempty"`
	}
}) (*out[apiobj.RefundJSON], error) {
	r, err := s.app.Collection.CreateRefund(ctx, scopeOf(ctx), app.CreateRefundParams{Payment: in.Body.Payment, Amount: amountMinor(in.Body.Amount), Reason: in.Body.Reason})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Refund(r)), nil
}

func (s *Server) getRefund(ctx context.Context, in *IDPath) (*out[apiobj.RefundJSON], error) {
	r, err := s.app.Collection.GetRefund(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Refund(r)), nil
}

func (s *Server) listRefunds(ctx context.Context, in *struct {
	PageQuery
	Payment string `query:"payment" maxLength:"100"`
}) (*out[ListJSON[apiobj.RefundJSON]], error) {
	l, err := s.app.Collection.ListRefunds(ctx, scopeOf(ctx), in.Payment, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/refunds", l.Data, l.HasMore, apiobj.Refund)), nil
}

// --- merchant settings

// DunningJSON is a merchant's retry policy.
type DunningJSON struct {
	Schedule    []string         `json:"schedule,omitempty" doc:"Wait after each failed attempt, e.g. [\"1d\",\"3d\",\"5d\",\"7d\"]."`
	Exponential *ExponentialJSON `json:"exponential,omitempty"`
	MaxAttempts *int             `json:"max_attempts,omitempty" doc:"Attempts in all, the first charge included."`
	FinalAction *string          `json:"final_action,omitempty" enum:"cancel,unpaid,leave_past_due"`
}

// ExponentialJSON is an exponential retry schedule.
type ExponentialJSON struct {
	Base   string `json:"base" doc:"e.g. 12h"`
	Factor int64  `json:"factor"`
	Cap    string `json:"cap" doc:"e.g. 7d"`
}

// MerchantJSON is the merchant as the API shows it.
type MerchantJSON struct {
	ID               string      `json:"id"`
	Object           string      `json:"object" enum:"merchant"`
	Name             string      `json:"name"`
	Timezone         string      `json:"timezone"`
	Locale           string      `json:"locale"`
	InvoicePrefix    string      `json:"invoice_prefix"`
	Dunning          DunningJSON `json:"dunning"`
	TrialEndBehavior string      `json:"trial_end_behavior"`
	SystemFailure    string      `json:"system_failure"`
	Email            *string     `json:"email" doc:"Where notices to you go (a webhook endpoint disabled)."`
	PortalURL        *string     `json:"portal_url" doc:"Your page where customers manage billing; emails link to it."`
	Created          int64       `json:"created"`
}

func merchantJSON(m billing.Merchant) MerchantJSON {
	d := m.Settings.Dunning
	dj := DunningJSON{MaxAttempts: &d.MaxAttempts, FinalAction: &d.FinalAction, Schedule: []string{}}
	for _, x := range d.Schedule {
		dj.Schedule = append(dj.Schedule, billing.FormatDelay(x))
	}
	if e := d.Exponential; e != nil {
		dj.Exponential = &ExponentialJSON{Base: billing.FormatDelay(e.Base), Factor: e.Factor, Cap: billing.FormatDelay(e.Cap)}
	}
	t := m.Settings.Transition
	trial, sys := t.TrialEndNoPaymentMethod, t.SystemFailure
	if trial == "" {
		trial = billing.PolicyCancel
	}
	if sys == "" {
		sys = billing.PolicyPastDue
	}
	return MerchantJSON{ID: m.ID, Object: "merchant", Name: m.Name, Timezone: m.Timezone, Locale: m.Locale,
		InvoicePrefix: m.InvoicePrefix, Dunning: dj, TrialEndBehavior: trial, SystemFailure: sys,
		Email: apiobj.NonEmpty(m.Settings.Notifications.Email), PortalURL: apiobj.NonEmpty(m.Settings.Notifications.PortalURL), Created: m.Created.Unix()}
}

func (s *Server) getMerchant(ctx context.Context, _ *struct{}) (*out[MerchantJSON], error) {
	m, err := s.app.Merchants.GetMerchant(ctx, scopeOf(ctx).MerchantID)
	if err != nil {
		return nil, err
	}
	return reply(merchantJSON(m)), nil
}

func (s *Server) updateMerchant(ctx context.Context, in *struct {
	Body struct {
		Name             *string      `json:"name,omitempty"`
		Timezone         *string      `json:"timezone,omitempty" doc:"IANA zone for billing calendars, e.g. America/Santiago."`
		Locale           *string      `json:"locale,omitempty"`
		InvoicePrefix    *string      `json:"invoice_prefix,omitempty"`
		Dunning          *DunningJSON `json:"dunning,omitempty"`
		TrialEndBehavior *string      `json:"trial_end_behavior,omitempty" enum:"cancel,pause"`
		SystemFailure    *string      `json:"system_failure,omitempty" enum:"past_due,cancel"`
		Email            *string      `json:"email,omitempty" maxLength:"254" doc:"Where notices to you go; \"\" removes it."`
		PortalURL        *string      `json:"portal_url,omitempty" maxLength:"2048" doc:"Your page where customers update their card and see invoices; \"\" removes it."`
	}
}) (*out[MerchantJSON], error) {
	b := in.Body
	p := app.UpdateMerchantParams{Name: b.Name, Timezone: b.Timezone, Locale: b.Locale, InvoicePrefix: b.InvoicePrefix,
		TrialEndBehavior: b.TrialEndBehavior, SystemFailure: b.SystemFailure, Email: b.Email, PortalURL: b.PortalURL}
	if d := b.Dunning; d != nil {
		p.Dunning = &app.DunningParams{Schedule: d.Schedule, MaxAttempts: d.MaxAttempts, FinalAction: d.FinalAction}
		if e := d.Exponential; e != nil {
			p.Dunning.Exponential = &app.ExponentialParams{Base: e.Base, Factor: e.Factor, Cap: e.Cap}
		}
	}
	m, err := s.app.Merchants.UpdateMerchant(ctx, scopeOf(ctx).MerchantID, p)
	if err != nil {
		return nil, err
	}
	return reply(merchantJSON(m)), nil
}

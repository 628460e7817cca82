package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// When a change takes effect.
const (
	ChangeNow       = "now"
	ChangePeriodEnd = "period_end"
)

// ChangeParams replace a subscription's items.
type ChangeParams struct {
	Items             []ItemParams
	ProrationBehavior string // create_prorations, always_invoice, none; default always_invoice for changes now
	EffectiveAt       string // now or period_end; default: now for an upgrade, period_end for a downgrade
}

// ChangePreview is what a change would do, exactly.
type ChangePreview struct {
	Upgrade           bool
	EffectiveAt       time.Time
	Timing            string
	ProrationBehavior string
	Lines             []billing.InvoiceLine // the proration lines (credits negative)
	AmountDueNow      int64                 // what would be charged at once, tax included
	Tax               int64                 // the tax of the proration lines (billing.ComputeInvoiceTax)
	TaxAmounts        []billing.TaxAmount   // Tax per rate
	// Total is the change's invoice total, tax included, and
	// BalanceApplied what the customer's balance adds to it to make
	// AmountDueNow (negative: credit used; billing.ApplyBalance).
	Total          int64
	BalanceApplied int64
	Currency       string
	FeatureChanges []billing.FeatureChange
	Items          []billing.SubscriptionItem
}

// changePlan is a computed change and the subscription it would produce.
type changePlan struct {
	preview ChangePreview
	sub     billing.Subscription
	// invoiceNow says the change is invoiced and charged at once: an
	// always_invoice change now with lines, or any change of billing
	// cycle (its new period starts, and is billed, at the change).
	invoiceNow bool
	// merchant is the subscription's merchant, read once for the change.
	merchant billing.Merchant
}

// PreviewChange returns the exact effect of a change without making it.
func (a *Subscriptions) PreviewChange(ctx context.Context, s billing.Scope, id string, p ChangeParams) (ChangePreview, error) {
	preview := func(tx billing.Tx) (ChangePreview, error) {
		sub, err := tx.Subscriptions.GetSubscription(ctx, s, id)
		if err != nil {
			return ChangePreview{}, notFound(err, "subscription", id)
		}
		now, err := a.clockNow(ctx, tx, s, sub.TestClockID)
		if err != nil {
			return ChangePreview{}, err
		}
		plan, err := a.planChange(ctx, tx, sub, p, now)
		return plan.preview, err
	}
	var out ChangePreview
	err := a.withUFRate(ctx, func() (err error) { out, err = read(ctx, a.core, preview); return err })
	return out, err
}

// ChangeSubscription changes a subscription's items. An upgrade applies at
// once and, by default, invoices and charges the proration now; a
// downgrade waits for the end of the period. The preview of the same
// request at the same time gives the same lines.
func (a *Subscriptions) ChangeSubscription(ctx context.Context, s billing.Scope, id string, p ChangeParams) (billing.Subscription, error) {
	var paymentID string
	apply := func(tx billing.Tx) error {
		paymentID = ""
		sub, m, now, err := a.loadSubscription(ctx, tx, s, id)
		if err != nil {
			return err
		}
		plan, err := a.planChange(ctx, tx, sub, p, now)
		if err != nil {
			return err
		}
		before, after := sub, plan.sub
		if plan.invoiceNow {
			inv := a.changeInvoice(after, plan.preview.Lines, now)
			if inv, err = a.invoicing.writeInvoice(ctx, tx, m, &after, inv, now); errors.Is(err, errAlreadyInvoiced) {
				return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
					"subscription %s already has an invoice for a period starting now; change it a moment later", sub.ID)
			} else if err != nil {
				return err
			}
			if after.PaymentMethodID != "" {
				pay, err := a.invoicing.startPayment(ctx, tx, &inv, &after, now)
				if err != nil {
					return err
				}
				if pay != nil {
					paymentID = pay.ID
				}
			}
		}
		open, err := a.collection.openInvoices(ctx, tx, &after)
		if err != nil {
			return err
		}
		after.NextActionAt = nextAction(after, open)
		return a.saveSubscription(ctx, tx, &before, &after, EventSubscriptionUpdated, now)
	}
	err := a.withUFRate(ctx, func() error { return a.store.InTx(ctx, apply) })
	if err != nil {
		return billing.Subscription{}, err
	}
	if paymentID != "" {
		if err := a.collection.executePayment(ctx, s, paymentID, false); err != nil {
			return billing.Subscription{}, err
		}
	}
	return a.GetSubscription(ctx, s, id)
}

// CancelPendingUpdate drops the change a subscription was scheduled to
// make at the end of its period (a downgrade, by default): the period
// renews with the items it has now. It runs in one transaction with the
// optimistic version check of every subscription write, so it and the
// renewal that would apply the change cannot both win: once the renewal
// has applied it there is nothing left to cancel (a conflict).
func (a *Subscriptions) CancelPendingUpdate(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
	return a.manage(ctx, s, id, func(_ billing.Merchant, sub *billing.Subscription, _ time.Time) (string, error) {
		if sub.PendingChange == nil {
			return "", billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
				"subscription %s has no pending update: none was scheduled, or it was already applied or canceled", sub.ID)
		}
		sub.PendingChange = nil
		return EventSubscriptionUpdated, nil
	})
}

// planChange computes a change at now: the new items, whether it is an
// upgrade, when it applies, the proration lines (billing.Prorate, the one
// proration rule) and the features that change.
func (a *Subscriptions) planChange(ctx context.Context, tx billing.Tx, sub billing.Subscription, p ChangeParams, now time.Time) (changePlan, error) {
	var plan changePlan
	switch sub.Status {
	case billing.SubscriptionActive, billing.SubscriptionTrialing, billing.SubscriptionPastDue:
	default:
		return plan, billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "cannot change a subscription that is %s", sub.Status)
	}
	if len(p.Items) == 0 {
		return plan, billing.Invalid("items", billing.CodeParameterMissing, "items needs at least one price")
	}
	behavior := billing.ProrationBehavior(p.ProrationBehavior)
	if behavior == "" {
		behavior = billing.ProrationAlwaysInvoice
	}
	if !behavior.Valid() {
		return plan, billing.Invalid("proration_behavior", billing.CodeParameterInvalid, "proration_behavior must be create_prorations, always_invoice or none")
	}
	if p.EffectiveAt != "" && p.EffectiveAt != ChangeNow && p.EffectiveAt != ChangePeriodEnd {
		return plan, billing.Invalid("effective_at", billing.CodeParameterInvalid, "effective_at must be now or period_end")
	}
	m, err := tx.Merchants.GetMerchant(ctx, sub.Scope.MerchantID)
	if err != nil {
		return plan, fmt.Errorf("read merchant: %w", err)
	}
	plan.merchant = m
	taxes, err := subscriptionTaxes(ctx, tx, sub)
	if err != nil {
		return plan, err
	}
	items, recurring, currency, _, err := a.resolveItems(ctx, tx, sub.Scope, p.Items, taxes)
	if err != nil {
		return plan, err
	}
	if currency != sub.Currency {
		return plan, billing.Invalid("items", billing.CodeParameterInvalid, "the new prices are in %s, the subscription in %s", currency, sub.Currency)
	}
	// Keep item ids for prices the subscription already has.
	for i := range items {
		for _, old := range sub.Items {
			if old.PriceID == items[i].PriceID {
				items[i].ID = old.ID
			}
		}
	}
	oldTotal, err := billing.ItemsTotal(prorationItems(sub.Items))
	if err != nil {
		return plan, err
	}
	newTotal, err := billing.ItemsTotal(prorationItems(items))
	if err != nil {
		return plan, err
	}
	if mixesUF(sub.Items, items) {
		// UF and peso items compare in pesos, at the change's day's value.
		if oldTotal, newTotal, err = pesoTotals(ctx, tx, m, sub.Scope, sub.Items, items, now); err != nil {
			return plan, err
		}
	}
	upgrade := billing.IsUpgrade(oldTotal, sub.Recurring, newTotal, recurring)
	timing := p.EffectiveAt
	if timing == "" {
		timing = ChangePeriodEnd
		if upgrade {
			timing = ChangeNow
		}
	}
	features, err := a.featureChanges(ctx, tx, sub.Scope, sub.Items, items)
	if err != nil {
		return plan, err
	}
	plan.preview = ChangePreview{Upgrade: upgrade, Timing: timing, ProrationBehavior: string(behavior),
		Currency: sub.Currency, FeatureChanges: features, Items: items, Lines: []billing.InvoiceLine{}}
	plan.sub = sub
	if recurring != sub.Recurring {
		return a.planCycleChange(ctx, tx, plan, p, recurring, now)
	}
	switch {
	case sub.Status == billing.SubscriptionTrialing && sub.CycleIndex == 0:
		// Nothing has been charged during a trial: the new items simply
		// apply, and the first invoice will charge them.
		plan.preview.Timing, plan.preview.EffectiveAt = ChangeNow, now
		plan.sub.Items, plan.sub.PendingChange = items, nil
	case timing == ChangePeriodEnd:
		plan.preview.EffectiveAt = sub.CurrentPeriodEnd
		plan.sub.PendingChange = &billing.PendingChange{Items: items, EffectiveAt: sub.CurrentPeriodEnd}
	default:
		plan.preview.EffectiveAt = now
		plan.sub.Items, plan.sub.PendingChange = items, nil
		if behavior != billing.ProrationNone {
			start, err := prorationStart(sub, m)
			if err != nil {
				return plan, err
			}
			lines, err := billing.Prorate(prorationItems(sub.Items), prorationItems(items), start, sub.CurrentPeriodEnd, now)
			if err != nil {
				return plan, err
			}
			names, text := productNames(sub.Items, items), lineText(m)
			for _, l := range lines {
				desc := text.Proration(names[l.PriceID], l.Quantity, l.Amount < 0)
				// A credit returns tax at the rates the old item was
				// charged; a charge is taxed at the new item's.
				rates := itemTaxRates(items, l.PriceID)
				if l.Amount < 0 {
					rates = itemTaxRates(sub.Items, l.PriceID)
				}
				plan.preview.Lines = append(plan.preview.Lines, billing.InvoiceLine{ID: billing.NewID(billing.PrefixInvoiceLine, a.Now()),
					Type: billing.LineProration, Description: desc, PriceID: l.PriceID, Quantity: l.Quantity, Amount: l.Amount,
					PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd, TaxRates: rates})
				oldOrNew := items
				if l.Amount < 0 {
					oldOrNew = sub.Items
				}
				markUFProration(&plan.preview.Lines[len(plan.preview.Lines)-1], l, start, sub.CurrentPeriodEnd, oldOrNew)
			}
			// UF prorations are converted at the change's day (docs/uf.md).
			if err := convertLines(ctx, tx, m, sub.Scope, plan.preview.Lines, now); err != nil {
				return plan, err
			}
		}
		due, err := a.previewDue(ctx, tx, plan.merchant, plan.sub, &plan.preview, now)
		if err != nil {
			return plan, err
		}
		switch behavior {
		case billing.ProrationAlwaysInvoice:
			plan.preview.AmountDueNow = due
			plan.invoiceNow = len(plan.preview.Lines) > 0
		case billing.ProrationCreateProrations:
			plan.sub.PendingLines = append(plan.sub.PendingLines, plan.preview.Lines...)
		}
	}
	return plan, nil
}

// prorationStart is where the period a change prorates on starts: the
// current period's start, except in a first period that ends at a billing
// anchor, which was billed as a part of the full period ending at the
// anchor, so it prorates on that full period too.
func prorationStart(sub billing.Subscription, m billing.Merchant) (time.Time, error) {
	if sub.CycleIndex != 0 {
		return sub.CurrentPeriodStart, nil
	}
	return periodBoundary("", sub.BillingAnchor, sub.Recurring, -1, merchantLocation(m))
}

// changeInvoice is the draft of the invoice a change invoiced at once
// makes for after, the subscription as the change leaves it: the change's
// lines, from now to the end of after's period. ChangeSubscription writes
// it and previewDue prices it, so the preview is that invoice.
func (a *Subscriptions) changeInvoice(after billing.Subscription, lines []billing.InvoiceLine, now time.Time) billing.Invoice {
	inv := billing.Invoice{ID: billing.NewID(billing.PrefixInvoice, a.Now()), Scope: after.Scope, CustomerID: after.CustomerID,
		SubscriptionID: after.ID, Status: billing.InvoiceDraft, BillingReason: billing.ReasonSubscriptionUpdate,
		Currency: after.Currency, PeriodStart: now, PeriodEnd: after.CurrentPeriodEnd, Lines: lines,
		Created: now, Updated: now}
	for _, l := range inv.Lines {
		inv.Subtotal += l.Amount
	}
	return inv
}

// previewDue prices the invoice the change would make (changeInvoice)
// exactly as the change prices it (priceForCustomer: tax by
// billing.ComputeInvoiceTax, none for an exempt customer, and the
// customer's balance by billing.ApplyBalance), sets p.Tax to its tax and
// returns its amount due: what the change charges at once. after is the
// subscription as the change leaves it; pricing notes on it what the
// invoice used (a coupon, a carried credit), which a preview must not
// keep, so it works on a copy.
func (a *Subscriptions) previewDue(ctx context.Context, tx billing.Tx, m billing.Merchant, after billing.Subscription, p *ChangePreview, now time.Time) (int64, error) {
	inv := a.changeInvoice(after, p.Lines, now)
	after.PendingLines = append([]billing.InvoiceLine(nil), after.PendingLines...)
	if _, err := a.invoicing.priceForCustomer(ctx, tx, m, &after, &inv); err != nil {
		return 0, err
	}
	p.Tax, p.TaxAmounts, p.Total = inv.Tax, inv.TaxAmounts, inv.Total
	p.BalanceApplied = inv.StartingBalance - inv.EndingBalance
	return inv.AmountDue, nil
}

func prorationItems(items []billing.SubscriptionItem) []billing.ProrationItem {
	out := make([]billing.ProrationItem, 0, len(items))
	for _, it := range items {
		out = append(out, billing.ProrationItem{PriceID: it.PriceID, UnitAmount: it.UnitAmount, Quantity: it.Quantity})
	}
	return out
}

// featureChanges compares the merged features of the old and new items'
// products.
func (a *Subscriptions) featureChanges(ctx context.Context, tx billing.Tx, s billing.Scope, oldItems, newItems []billing.SubscriptionItem) ([]billing.FeatureChange, error) {
	merged := func(items []billing.SubscriptionItem) (map[string]int64, error) {
		out := map[string]int64{}
		return out, mergeFeatures(ctx, tx, s, items, out)
	}
	oldF, err := merged(oldItems)
	if err != nil {
		return nil, err
	}
	newF, err := merged(newItems)
	if err != nil {
		return nil, err
	}
	changes := billing.FeaturesDiff(oldF, newF)
	sort.Slice(changes, func(i, j int) bool { return changes[i].Name < changes[j].Name })
	return changes, nil
}

// PauseSubscription pauses an active subscription: no invoices while paused.
func (a *Subscriptions) PauseSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
	return a.manage(ctx, s, id, func(m billing.Merchant, sub *billing.Subscription, _ time.Time) (string, error) {
		if err := a.transition(sub, billing.SubEventPause, m.Settings); err != nil {
			return "", err
		}
		return EventSubscriptionUpdated, nil
	})
}

// ResumeSubscription resumes a paused subscription with a new period that
// starts now: it is invoiced and charged at once.
func (a *Subscriptions) ResumeSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
	var paymentID string
	resume := func(tx billing.Tx) error {
		paymentID = ""
		sub, m, now, err := a.loadSubscription(ctx, tx, s, id)
		if err != nil {
			return err
		}
		before := sub
		if err := a.transition(&sub, billing.SubEventResume, m.Settings); err != nil {
			return err
		}
		if done, err := a.renewals.cyclesDone(ctx, tx, &sub); err != nil {
			return err
		} else if done {
			// Every cycle it was bought for is billed: it ends instead.
			if err := a.transition(&sub, billing.SubEventCyclesCompleted, m.Settings); err != nil {
				return err
			}
			sub.CancellationReason, sub.CanceledAt, sub.EndedAt, sub.NextActionAt = billing.CancelCompleted, &now, &now, nil
			return a.saveSubscription(ctx, tx, &before, &sub, EventSubscriptionDeleted, now)
		}
		sub.BillingAnchor = now
		if err := sub.MoveToCycle(1, merchantLocation(m)); err != nil {
			return err
		}
		call, err := a.renewals.startCycle(ctx, tx, m, &sub, before, now, billing.ReasonSubscriptionCycle)
		if call != nil {
			paymentID = call.paymentID
		}
		return err
	}
	err := a.withUFRate(ctx, func() error { return a.store.InTx(ctx, resume) })
	if err != nil {
		return billing.Subscription{}, err
	}
	if paymentID != "" {
		if err := a.collection.executePayment(ctx, s, paymentID, false); err != nil {
			return billing.Subscription{}, err
		}
	}
	return a.GetSubscription(ctx, s, id)
}

// mergeFeatures adds the features of items' products to into; a feature
// several products grant gets the highest value (the one merge rule for
// entitlements and plan-change previews).
func mergeFeatures(ctx context.Context, tx billing.Tx, s billing.Scope, items []billing.SubscriptionItem, into map[string]int64) error {
	for _, it := range items {
		p, err := tx.Catalog.GetProduct(ctx, s, it.ProductID)
		if err != nil {
			return fmt.Errorf("read product %s: %w", it.ProductID, err)
		}
		for k, v := range p.Features {
			into[k] = max(into[k], v)
		}
	}
	return nil
}

// loadSubscription reads a subscription with its merchant and the time on
// its clock, for a change made in tx.
func (a *Subscriptions) loadSubscription(ctx context.Context, tx billing.Tx, s billing.Scope, id string) (billing.Subscription, billing.Merchant, time.Time, error) {
	sub, err := tx.Subscriptions.GetSubscription(ctx, s, id)
	if err != nil {
		return sub, billing.Merchant{}, time.Time{}, notFound(err, "subscription", id)
	}
	m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
	if err != nil {
		return sub, m, time.Time{}, fmt.Errorf("read merchant: %w", err)
	}
	now, err := a.clockNow(ctx, tx, s, sub.TestClockID)
	return sub, m, now, err
}

package app

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// planCycleChange completes plan, a change to items that bill on another
// cycle (monthly ↔ annual), as Stripe makes it: at once, with the billing
// anchor reset to now, the unused time of the current period credited and
// the new items' first full period charged on one invoice
// (billing.ProrateCycleChange). A credit larger than the charge goes to the
// customer's balance when the invoice is priced (priceInvoice). There is no
// scheduling it for the period end, no pending prorations and no change of
// cycle during a trial (its first period is not billed yet).
func (a *Subscriptions) planCycleChange(ctx context.Context, tx billing.Tx, plan changePlan, p ChangeParams, recurring billing.Recurring, now time.Time) (changePlan, error) {
	sub := plan.sub
	if hasUFItems(sub.Items) || hasUFItems(plan.preview.Items) {
		return plan, billing.Invalid("items", billing.CodeParameterInvalid,
			"the billing interval of a subscription with UF prices cannot change yet (docs/uf.md)")
	}
	if sub.Status == billing.SubscriptionTrialing {
		return plan, billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
			"the billing interval of a subscription cannot change during its trial")
	}
	if p.EffectiveAt == ChangePeriodEnd {
		return plan, billing.Invalid("effective_at", billing.CodeParameterInvalid,
			"a change of billing interval takes effect now: effective_at must be now")
	}
	behavior := billing.ProrationBehavior(plan.preview.ProrationBehavior)
	if behavior == billing.ProrationCreateProrations {
		return plan, billing.Invalid("proration_behavior", billing.CodeParameterInvalid,
			"a change of billing interval is invoiced at once: proration_behavior must be always_invoice or none")
	}
	m := plan.merchant
	start, err := prorationStart(sub, m)
	if err != nil {
		return plan, err
	}
	next := sub
	next.Items, next.PendingChange, next.Recurring, next.BillingAnchor = plan.preview.Items, nil, recurring, now
	if err := next.MoveToCycle(1, merchantLocation(m)); err != nil {
		return plan, err
	}
	oldItems := prorationItems(sub.Items)
	if behavior == billing.ProrationNone {
		oldItems = nil // nothing credited: the unused time is forfeited
	}
	change, err := billing.ProrateCycleChange(oldItems, prorationItems(next.Items), start, sub.CurrentPeriodEnd, now, next.CurrentPeriodEnd)
	if err != nil {
		return plan, err
	}
	names, text := productNames(sub.Items, next.Items), lineText(m)
	for _, l := range change.Credits {
		plan.preview.Lines = append(plan.preview.Lines, billing.InvoiceLine{ID: billing.NewID(billing.PrefixInvoiceLine, a.Now()),
			Type: billing.LineProration, Description: text.Proration(names[l.PriceID], l.Quantity, true), PriceID: l.PriceID,
			Quantity: l.Quantity, Amount: l.Amount, PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd,
			TaxRates: itemTaxRates(sub.Items, l.PriceID)})
	}
	for _, l := range change.Charges {
		plan.preview.Lines = append(plan.preview.Lines, billing.InvoiceLine{ID: billing.NewID(billing.PrefixInvoiceLine, a.Now()),
			Type: billing.LineSubscription, Description: text.Subscription(names[l.PriceID], l.Quantity, next.CurrentPeriodStart, next.CurrentPeriodEnd),
			PriceID: l.PriceID, Quantity: l.Quantity, Amount: l.Amount, PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd,
			TaxRates: itemTaxRates(next.Items, l.PriceID)})
	}
	due, err := a.previewDue(ctx, tx, m, next, &plan.preview, now)
	if err != nil {
		return plan, err
	}
	plan.preview.Timing, plan.preview.EffectiveAt, plan.preview.AmountDueNow = ChangeNow, now, due
	plan.sub, plan.invoiceNow = next, true
	return plan, nil
}

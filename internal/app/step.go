package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// maxStepsPerCall bounds the work one step call does for one subscription,
// so that a bug that fails to move NextActionAt cannot spin forever.
const maxStepsPerCall = 1000

// gatewayCall is a payment to execute (or reconcile) once the transaction
// that decided it has committed.
type gatewayCall struct {
	paymentID string
	recover   bool
}

// stepSubscription runs every piece of work of one subscription that is
// due at or before at, one piece per transaction, in order: trial notice,
// trial end, renewals, retries and reconciliations. Gateway calls happen
// between transactions, never inside one.
func (a *Renewals) stepSubscription(ctx context.Context, s billing.Scope, subID string, at time.Time) error {
	for range maxStepsPerCall {
		var call *gatewayCall
		done := false
		err := a.store.InTx(ctx, func(tx billing.Tx) error {
			sub, err := tx.Subscriptions.GetSubscription(ctx, s, subID)
			if err != nil {
				return fmt.Errorf("read subscription %s: %w", subID, err)
			}
			if sub.NextActionAt == nil || sub.NextActionAt.After(at) {
				done = true
				return nil
			}
			call, err = a.stepOnce(ctx, tx, &sub, *sub.NextActionAt)
			return err
		})
		if errors.Is(err, billing.ErrVersionConflict) || errors.Is(err, errAlreadyInvoiced) {
			continue // another process moved it; look again
		}
		var miss *ufMissing
		if errors.As(err, &miss) && !ufWaiting(ctx) {
			// A renewal needs a UF value the store lacks: ask the source
			// outside the transaction, then run the step again, letting
			// the invoice wait if there is still none (docs/uf.md).
			a.fetchUF(ctx, miss.scope, miss.date)
			ctx = context.WithValue(ctx, ufWaitKey{}, true)
			continue
		}
		if err != nil {
			return err
		}
		if call != nil {
			if err := a.collection.executePayment(ctx, s, call.paymentID, call.recover); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
	return fmt.Errorf("subscription %s: more than %d steps due at once", subID, maxStepsPerCall)
}

// stepOnce does the one piece of work due at `due` (sub.NextActionAt). It
// returns a gateway call to make after commit, if any.
func (a *Renewals) stepOnce(ctx context.Context, tx billing.Tx, sub *billing.Subscription, due time.Time) (*gatewayCall, error) {
	s := sub.Scope
	m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
	if err != nil {
		return nil, fmt.Errorf("read merchant: %w", err)
	}
	before := *sub
	open, err := a.collection.openInvoices(ctx, tx, sub)
	if err != nil {
		return nil, err
	}
	// A retry or reconciliation of an open invoice.
	for i := range open {
		inv := &open[i]
		if inv.NextAttemptAt == nil || inv.NextAttemptAt.After(due) {
			continue
		}
		return a.collect(ctx, tx, m, sub, inv, due)
	}
	event := ""
	switch {
	case sub.Status == billing.SubscriptionTrialing && sub.CycleIndex == 0 && !sub.TrialWillEndSent &&
		!due.Before(sub.TrialEnd.Add(-trialNotice)) && due.Before(*sub.TrialEnd):
		sub.TrialWillEndSent = true
		event = EventSubscriptionTrialWillEnd
	case sub.Status == billing.SubscriptionTrialing && sub.CycleIndex == 0 && !due.Before(*sub.TrialEnd):
		return a.endTrial(ctx, tx, m, sub, before, due)
	case (sub.Status == billing.SubscriptionActive || sub.Status == billing.SubscriptionPastDue ||
		sub.Status == billing.SubscriptionUnpaid) && !due.Before(sub.CurrentPeriodEnd):
		return a.renew(ctx, tx, m, sub, before, due)
	}
	sub.NextActionAt = nextAction(*sub, open)
	if sub.NextActionAt != nil && !sub.NextActionAt.After(due) && event == "" {
		return nil, fmt.Errorf("subscription %s: due at %s but nothing to do", sub.ID, due)
	}
	return nil, a.saveSubscription(ctx, tx, &before, sub, event, due)
}

// collect resolves or retries an open invoice whose next attempt is due.
func (a *Renewals) collect(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, inv *billing.Invoice, due time.Time) (*gatewayCall, error) {
	l, _, err := tx.Payments.ListPayments(ctx, sub.Scope, billing.PaymentFilter{InvoiceID: inv.ID}, billing.Page{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("list payments of %s: %w", inv.ID, err)
	}
	if latest := billing.LatestPayment(l); billing.CanCharge(*inv, latest) == billing.ChargeUnresolved {
		// Nothing charges an invoice with an unresolved payment: ask first.
		// The step moves the invoice's clock on so the loop does not spin
		// if the gateway cannot answer now.
		base := a.invoicing.processingTime(sub, due)
		at := base.Add(billing.ReconcileDelay(base.Sub(latest.Updated)))
		inv.NextAttemptAt = &at
		if err := a.touchInvoice(ctx, tx, sub, inv, due); err != nil {
			return nil, err
		}
		return &gatewayCall{paymentID: latest.ID, recover: true}, nil
	}
	if sub.PaymentMethodID == "" || sub.Status.Terminal() {
		inv.NextAttemptAt = nil
		return nil, a.touchInvoice(ctx, tx, sub, inv, due)
	}
	pay, err := a.invoicing.startPayment(ctx, tx, inv, sub, due)
	if err != nil {
		return nil, err
	}
	if err := a.touchInvoice(ctx, tx, sub, inv, due); err != nil {
		return nil, err
	}
	if pay == nil {
		return nil, nil
	}
	return &gatewayCall{paymentID: pay.ID}, nil
}

// touchInvoice saves inv and recomputes the subscription's next action.
func (a *Renewals) touchInvoice(ctx context.Context, tx billing.Tx, sub *billing.Subscription, inv *billing.Invoice, now time.Time) error {
	inv.Updated = now
	if err := tx.Invoices.UpdateInvoice(ctx, *inv); err != nil {
		return fmt.Errorf("update invoice %s: %w", inv.ID, err)
	}
	if sub == nil {
		return nil // a one-off invoice
	}
	before := *sub
	open, err := a.collection.openInvoices(ctx, tx, sub)
	if err != nil {
		return err
	}
	sub.NextActionAt = nextAction(*sub, open)
	return a.saveSubscription(ctx, tx, &before, sub, "", now)
}

// endTrial ends a trial: without a payment method the merchant's policy
// cancels or pauses; with one, the first period is invoiced and charged.
func (a *Renewals) endTrial(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, before billing.Subscription, due time.Time) (*gatewayCall, error) {
	if sub.CancelAtPeriodEnd {
		// Canceled during the trial: it ends with the trial, uncharged.
		if err := a.transition(sub, billing.SubEventCancelNow, m.Settings); err != nil {
			return nil, err
		}
		end := *sub.TrialEnd
		sub.EndedAt, sub.NextActionAt = &end, nil
		return nil, a.saveSubscription(ctx, tx, &before, sub, EventSubscriptionDeleted, end)
	}
	if sub.PaymentMethodID == "" {
		if err := a.transition(sub, billing.SubEventTrialEndedNoPaymentMethod, m.Settings); err != nil {
			return nil, err
		}
		event := EventSubscriptionUpdated
		if sub.Status == billing.SubscriptionCanceled {
			reason, _ := billing.CancellationReasonFor(billing.SubEventTrialEndedNoPaymentMethod)
			sub.CancellationReason, sub.CanceledAt, sub.EndedAt = reason, &due, &due
			event = EventSubscriptionDeleted
		}
		sub.NextActionAt = nil
		return nil, a.saveSubscription(ctx, tx, &before, sub, event, due)
	}
	if err := sub.MoveToCycle(1, merchantLocation(m)); err != nil {
		return nil, err
	}
	return a.startCycle(ctx, tx, m, sub, before, due, billing.ReasonSubscriptionCycle)
}

// renew handles the end of the current period: a scheduled cancellation,
// the last cycle, or the next period's invoice and charge.
func (a *Renewals) renew(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, before billing.Subscription, due time.Time) (*gatewayCall, error) {
	end := sub.CurrentPeriodEnd
	finish := func(ev billing.SubscriptionEvent, reason billing.CancellationReason) (*gatewayCall, error) {
		if sub.Status != billing.SubscriptionActive {
			ev = billing.SubEventCancelNow
		}
		if err := a.transition(sub, ev, m.Settings); err != nil {
			return nil, err
		}
		if sub.CancellationReason == "" {
			sub.CancellationReason = reason
		}
		if sub.CanceledAt == nil {
			sub.CanceledAt = &end
		}
		sub.EndedAt = &end
		sub.NextActionAt = nil
		return nil, a.saveSubscription(ctx, tx, &before, sub, EventSubscriptionDeleted, end)
	}
	switch {
	case sub.CancelAtPeriodEnd:
		return finish(billing.SubEventPeriodEndWithCancel, billing.CancelRequestedByCustomer)
	}
	if done, err := a.cyclesDone(ctx, tx, sub); err != nil {
		return nil, err
	} else if done || (sub.EndDate != nil && !sub.EndDate.After(end)) {
		return finish(billing.SubEventCyclesCompleted, billing.CancelCompleted)
	}
	if err := sub.Renew(merchantLocation(m)); err != nil {
		return nil, err
	}
	return a.startCycle(ctx, tx, m, sub, before, end, billing.ReasonSubscriptionCycle)
}

// startCycle invoices the period sub was just moved to and records the
// charge.
func (a *Renewals) startCycle(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, before billing.Subscription, at time.Time, reason string) (*gatewayCall, error) {
	inv, err := a.invoicing.invoicePeriod(ctx, tx, m, sub, reason, at)
	if err != nil {
		return nil, err
	}
	if inv.Status == billing.InvoicePaid && sub.Status == billing.SubscriptionTrialing {
		// Nothing to charge at the trial's end (a coupon covered it).
		if err := a.transition(sub, billing.SubEventTrialEndedPaid, m.Settings); err != nil {
			return nil, err
		}
	}
	var call *gatewayCall
	if sub.Status != billing.SubscriptionUnpaid && sub.PaymentMethodID != "" && inv.Status != billing.InvoiceDraft {
		pay, err := a.invoicing.startPayment(ctx, tx, &inv, sub, at)
		if err != nil {
			return nil, err
		}
		if pay != nil {
			call = &gatewayCall{paymentID: pay.ID}
		}
	}
	open, err := a.collection.openInvoices(ctx, tx, sub)
	if err != nil {
		return nil, err
	}
	sub.NextActionAt = nextAction(*sub, open)
	return call, a.saveSubscription(ctx, tx, &before, sub, EventSubscriptionUpdated, at)
}

// chargesFullPeriod reports whether a period invoice bills a whole cycle
// (a partial first period before a billing anchor does not count as one).
func chargesFullPeriod(inv billing.Invoice) bool {
	for _, l := range inv.Lines {
		if l.Type == billing.LineSubscription {
			return true
		}
	}
	return false
}

// cyclesDone reports whether a subscription with max_cycles has billed all
// of them. Cycles are counted from its period invoices, not from the cycle
// index, which a resume restarts.
func (a *Renewals) cyclesDone(ctx context.Context, tx billing.Tx, sub *billing.Subscription) (bool, error) {
	if sub.MaxCycles == 0 {
		return false, nil
	}
	invs, _, err := tx.Invoices.ListInvoices(ctx, sub.Scope, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{})
	if err != nil {
		return false, fmt.Errorf("count cycles of %s: %w", sub.ID, err)
	}
	billed := int64(0)
	for _, inv := range invs {
		if (inv.BillingReason == billing.ReasonSubscriptionCreate || inv.BillingReason == billing.ReasonSubscriptionCycle) &&
			inv.Status != billing.InvoiceVoid && chargesFullPeriod(inv) {
			billed++
		}
	}
	return billed >= sub.MaxCycles, nil
}

// periodBoundary is billing.PeriodBoundary with param, the request field
// that led to the boundary, named in its error.
func periodBoundary(param string, anchor time.Time, r billing.Recurring, n int64, loc *time.Location) (time.Time, error) {
	b, err := billing.PeriodBoundary(anchor, r, n, loc)
	if e := billing.AsError(err); e != nil && e.Param == "" {
		named := *e
		named.Param = param
		return b, &named
	}
	return b, err
}

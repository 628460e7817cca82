package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// CancelParams say how to cancel a subscription.
type CancelParams struct {
	AtPeriodEnd bool
	Reason      string // requested_by_customer (default) or requested_by_merchant
	// Feedback and Comment are what the customer said about why
	// (cancellation_details; both optional, billing.CheckCancellationDetails).
	Feedback billing.CancellationFeedback
	Comment  string
}

// CancelSubscription cancels now, or at the end of the current period
// (which ReactivateSubscription can undo until then).
func (a *Subscriptions) CancelSubscription(ctx context.Context, s billing.Scope, id string, p CancelParams) (billing.Subscription, error) {
	reason := billing.CancellationReason(p.Reason)
	if reason == "" {
		reason = billing.CancelRequestedByCustomer
	}
	if reason != billing.CancelRequestedByCustomer && reason != billing.CancelRequestedByMerchant {
		return billing.Subscription{}, billing.Invalid("reason", billing.CodeParameterInvalid, "reason must be requested_by_customer or requested_by_merchant")
	}
	if err := billing.CheckCancellationDetails(p.Feedback, p.Comment); err != nil {
		return billing.Subscription{}, err
	}
	if !p.AtPeriodEnd {
		cancel := a.cancelNow(reason)
		return a.manage(ctx, s, id, func(m billing.Merchant, sub *billing.Subscription, now time.Time) (string, error) {
			ev, err := cancel(m, sub, now)
			if err == nil {
				sub.CancellationFeedback, sub.CancellationComment = p.Feedback, p.Comment
			}
			return ev, err
		})
	}
	return a.manage(ctx, s, id, func(_ billing.Merchant, sub *billing.Subscription, now time.Time) (string, error) {
		if sub.Status != billing.SubscriptionActive && sub.Status != billing.SubscriptionTrialing && sub.Status != billing.SubscriptionPastDue {
			return "", billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
				"cannot cancel at period end a subscription that is %s", sub.Status)
		}
		sub.CancelAtPeriodEnd, sub.CancellationReason, sub.CanceledAt = true, reason, &now
		sub.CancellationFeedback, sub.CancellationComment = p.Feedback, p.Comment
		if sub.Status == billing.SubscriptionTrialing {
			end := *sub.TrialEnd
			sub.CancelAt = &end
		} else {
			end := sub.CurrentPeriodEnd
			sub.CancelAt = &end
		}
		return EventSubscriptionUpdated, nil
	})
}

// cancelNow is the change (for manage) that cancels a subscription at once
// for reason: CancelSubscription's, and DeleteCustomer's for each live
// subscription of the customer.
func (a *Subscriptions) cancelNow(reason billing.CancellationReason) func(m billing.Merchant, sub *billing.Subscription, now time.Time) (string, error) {
	return func(m billing.Merchant, sub *billing.Subscription, now time.Time) (string, error) {
		if err := a.transition(sub, billing.SubEventCancelNow, m.Settings); err != nil {
			return "", err
		}
		sub.CancellationReason, sub.CanceledAt, sub.EndedAt = reason, &now, &now
		return EventSubscriptionDeleted, nil
	}
}

// ReactivateSubscription clears a scheduled cancellation before the
// period ends. After it ends, a new subscription is needed.
func (a *Subscriptions) ReactivateSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
	return a.manage(ctx, s, id, func(_ billing.Merchant, sub *billing.Subscription, _ time.Time) (string, error) {
		if !sub.CancelAtPeriodEnd || sub.Status.Terminal() {
			return "", billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
				"only a subscription scheduled to cancel at period end can be reactivated; this one is %s", sub.Status)
		}
		sub.CancelAtPeriodEnd, sub.CancelAt, sub.CanceledAt, sub.CancellationReason = false, nil, nil, ""
		sub.CancellationFeedback, sub.CancellationComment = "", ""
		return EventSubscriptionUpdated, nil
	})
}

// manage runs a change to one subscription in a transaction — fn gets the
// merchant and the time on the subscription's clock — then saves it with
// its audit entry and event.
//
// When another process wrote the subscription between the read and the
// write (a renewal, a payment), the whole change is tried again on the new
// row, so that fn decides on what is really there (and refuses what is no
// longer possible) instead of the caller getting a version conflict.
func (a *Subscriptions) manage(ctx context.Context, s billing.Scope, id string, fn func(m billing.Merchant, sub *billing.Subscription, now time.Time) (string, error)) (billing.Subscription, error) {
	return retryOnConflict(manageAttempts, func() (billing.Subscription, error) { return a.manageOnce(ctx, s, id, fn) })
}

// retryOnConflict runs attempt again while it fails with a version
// conflict (another process wrote a row it read, so its transaction was
// refused and changed nothing), at most attempts times in all, and returns
// the last outcome.
func retryOnConflict[T any](attempts int, attempt func() (T, error)) (T, error) {
	for n := 1; ; n++ {
		v, err := attempt()
		if !errors.Is(err, billing.ErrVersionConflict) || n >= attempts {
			return v, err
		}
	}
}

// manageAttempts bounds the retries of manage: a subscription written by
// others this often in a row is busy enough for the caller to retry.
const manageAttempts = 3

// manageOnce is one attempt of manage.
func (a *Subscriptions) manageOnce(ctx context.Context, s billing.Scope, id string, fn func(m billing.Merchant, sub *billing.Subscription, now time.Time) (string, error)) (billing.Subscription, error) {
	var sub billing.Subscription
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		sub, err = a.manageIn(ctx, tx, s, id, fn)
		return err
	})
	return sub, err
}

// manageIn is the body of manageOnce, in the caller's transaction: it
// reads the subscription, applies fn and saves the result with its audit
// entry and event.
func (a *Subscriptions) manageIn(ctx context.Context, tx billing.Tx, s billing.Scope, id string, fn func(m billing.Merchant, sub *billing.Subscription, now time.Time) (string, error)) (billing.Subscription, error) {
	sub, m, now, err := a.loadSubscription(ctx, tx, s, id)
	if err != nil {
		return sub, err
	}
	before := sub
	event, err := fn(m, &sub, now)
	if err != nil {
		return sub, err
	}
	open, err := a.collection.openInvoices(ctx, tx, &sub)
	if err != nil {
		return sub, err
	}
	sub.NextActionAt = nextAction(sub, open)
	return sub, a.saveSubscription(ctx, tx, &before, &sub, event, now)
}

// Entitlements merges the features of the products of a customer's
// trialing, active and past-due subscriptions (the highest value of each
// feature wins).
func (a *Subscriptions) Entitlements(ctx context.Context, s billing.Scope, customerID string) (map[string]int64, error) {
	if _, err := a.customers.GetCustomer(ctx, s, customerID); err != nil {
		return nil, err
	}
	return read(ctx, a.core, func(tx billing.Tx) (map[string]int64, error) {
		subs, _, err := tx.Subscriptions.ListSubscriptions(ctx, s, billing.SubscriptionFilter{CustomerID: customerID}, billing.Page{})
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		out := map[string]int64{}
		for _, sub := range subs {
			if !sub.Status.Entitled() {
				continue
			}
			if err := mergeFeatures(ctx, tx, s, sub.Items, out); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Gateways are the payment gateways an App can use, by name.
type Gateways map[string]billing.Gateway

func (a *core) gateway(name string) (billing.Gateway, error) {
	g, ok := a.gateways[name]
	if !ok {
		return nil, billing.Invalid("gateway", billing.CodeParameterInvalid, "gateway %q is not configured", name)
	}
	return g, nil
}

// clockNow is the current time for objects on test clock clockID: its
// frozen time, or real time when clockID is "". Real time and test clocks
// never mix (docs/architecture.md, "Money and time").
func (a *core) clockNow(ctx context.Context, tx billing.Tx, s billing.Scope, clockID string) (time.Time, error) {
	if clockID == "" {
		return a.Now(), nil
	}
	c, err := tx.Clocks.GetTestClock(ctx, s, clockID)
	if err != nil {
		return time.Time{}, fmt.Errorf("read test clock %s: %w", clockID, err)
	}
	return c.FrozenTime, nil
}

// emit writes an event in the caller's transaction, with a snapshot of the
// object after the change. An update event needs emitChange.
func (a *core) emit(ctx context.Context, tx billing.Tx, s billing.Scope, typ, objectType, objectID string, data any, at time.Time) error {
	return a.emitChange(ctx, tx, s, typ, objectType, objectID, nil, data, at)
}

// emitChange is emit with the object before the change, which an update
// event keeps (newChangeEvent).
func (a *core) emitChange(ctx context.Context, tx billing.Tx, s billing.Scope, typ, objectType, objectID string, before, data any, at time.Time) error {
	e, err := a.newChangeEvent(s, typ, objectType, objectID, before, data, at)
	if err != nil {
		return err
	}
	if err := tx.Events.CreateEvent(ctx, e); err != nil {
		return fmt.Errorf("write %s event: %w", typ, err)
	}
	return nil
}

// newEvent builds an event with a snapshot of data. An update event needs
// newChangeEvent.
func (a *core) newEvent(s billing.Scope, typ, objectType, objectID string, data any, at time.Time) (billing.Event, error) {
	return a.newChangeEvent(s, typ, objectType, objectID, nil, data, at)
}

// newChangeEvent builds an event with a snapshot of data, the object after
// the change. Every update event (*.updated) is built here and keeps a
// snapshot of before too, from which the API renders its
// previous_attributes in one place (httpapi's event rendering); an update
// event without before is a programming error, refused so that none goes
// out without what changed.
func (a *core) newChangeEvent(s billing.Scope, typ, objectType, objectID string, before, data any, at time.Time) (billing.Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return billing.Event{}, fmt.Errorf("encode %s event: %w", typ, err)
	}
	e := billing.Event{ID: billing.NewID(billing.PrefixEvent, a.Now()), Scope: s, Type: typ,
		ObjectType: objectType, ObjectID: objectID, Data: b, Created: at}
	if strings.HasSuffix(typ, ".updated") {
		if before == nil {
			return billing.Event{}, fmt.Errorf("%s event of %s without the object before the change", typ, objectID)
		}
		if e.Previous, err = json.Marshal(before); err != nil {
			return billing.Event{}, fmt.Errorf("encode %s event: %w", typ, err)
		}
	}
	return e, nil
}

// Event types (Stripe's names, so merchants recognise them).
const (
	EventSubscriptionCreated      = "customer.subscription.created"
	EventSubscriptionUpdated      = "customer.subscription.updated"
	EventSubscriptionDeleted      = "customer.subscription.deleted"
	EventSubscriptionTrialWillEnd = "customer.subscription.trial_will_end"
	EventInvoiceCreated           = "invoice.created"
	EventInvoiceFinalized         = "invoice.finalized"
	EventInvoicePaid              = "invoice.paid"
	EventInvoicePaymentFailed     = "invoice.payment_failed"
	EventInvoiceVoided            = "invoice.voided"
	EventInvoiceUncollectible     = "invoice.marked_uncollectible"
	EventPaymentCreated           = "payment.created"
	EventPaymentSucceeded         = "payment.succeeded"
	EventPaymentFailed            = "payment.failed"
	EventPaymentUnknown           = "payment.unknown"
	EventPaymentMethodAttached    = "payment_method.attached"
)

// trialNotice is how long before a trial ends the trial_will_end event is
// written.
const trialNotice = 72 * time.Hour

// transition moves sub through the status machine and writes the
// subscription event when the status changes.
func (a *core) transition(sub *billing.Subscription, ev billing.SubscriptionEvent, settings billing.MerchantSettings) error {
	p := settings.Transition
	p.RetriesExhausted = settings.Dunning.FinalAction
	next, err := billing.NextStatus(sub.Status, ev, p)
	if err != nil {
		return err
	}
	sub.Status = next
	return nil
}

// saveSubscription writes sub (optimistic version check), then its audit
// entry and event. A version conflict means another process handled it.
func (a *core) saveSubscription(ctx context.Context, tx billing.Tx, before, after *billing.Subscription, eventType string, at time.Time) error {
	after.Updated = a.Now()
	if before == nil {
		after.Version = 1
		if err := tx.Subscriptions.CreateSubscription(ctx, *after); err != nil {
			return fmt.Errorf("create subscription: %w", err)
		}
	} else {
		if err := tx.Subscriptions.UpdateSubscription(ctx, *after); err != nil {
			return fmt.Errorf("update subscription %s: %w", after.ID, err)
		}
		after.Version++
	}
	if err := a.recordMRR(ctx, tx, before, after, at); err != nil {
		return err
	}
	action := "subscription.update"
	if before == nil {
		action = "subscription.create"
	}
	var b any
	if before != nil {
		b = before
	}
	if err := a.audit(ctx, tx, change{merchantID: after.Scope.MerchantID, mode: after.Scope.Mode, action: action,
		objectType: "subscription", objectID: after.ID, before: b, after: after}); err != nil {
		return err
	}
	if eventType != "" {
		return a.emitChange(ctx, tx, after.Scope, eventType, "subscription", after.ID, b, after, at)
	}
	return nil
}

// nextAction is the earliest time something is due for sub, given its open
// invoice (if any): the trial notice, the trial end, the period end, a
// retry, a reconciliation. nil for a subscription with nothing left to do.
func nextAction(sub billing.Subscription, open []billing.Invoice) *time.Time {
	var best *time.Time
	consider := func(t *time.Time) {
		if t != nil && (best == nil || t.Before(*best)) {
			v := *t
			best = &v
		}
	}
	// An ended subscription has nothing due but the resolution of its open
	// invoices' payments (reconciliation never stops: docs/architecture.md,
	// "Charging exactly once").
	if sub.Status.Terminal() {
		for i := range open {
			if open[i].Status == billing.InvoiceOpen {
				consider(open[i].NextAttemptAt)
			}
		}
		return best
	}
	if sub.Status == billing.SubscriptionTrialing && sub.TrialEnd != nil && sub.CycleIndex == 0 {
		if !sub.TrialWillEndSent {
			notice := sub.TrialEnd.Add(-trialNotice)
			if sub.TrialStart != nil && notice.Before(*sub.TrialStart) {
				notice = *sub.TrialStart // a trial shorter than the notice: tell at once
			}
			consider(&notice)
		}
		consider(sub.TrialEnd)
	}
	if sub.Status == billing.SubscriptionActive || sub.Status == billing.SubscriptionPastDue ||
		sub.Status == billing.SubscriptionUnpaid {
		end := sub.CurrentPeriodEnd
		consider(&end)
	}
	for i := range open {
		if open[i].Status == billing.InvoiceOpen {
			consider(open[i].NextAttemptAt)
		}
	}
	return best
}

package billing

import "time"

// FailureFacts is what DecideFailure needs to know about a payment of a
// subscription's invoice that did not succeed.
type FailureFacts struct {
	// Unknown is set when the outcome is unknown (the payment is
	// PaymentUnknown): only reconciliation with the gateway can tell.
	Unknown bool
	// UnknownFor is how long the payment had been unknown at the previous
	// look (0 when it has just become unknown).
	UnknownFor time.Duration
	// Class is the failed payment's class (for a failed payment).
	Class FailureClass
	// TechnicalFailures counts the invoice's failed payments of class
	// technical, this one included.
	TechnicalFailures int
	// Attempts counts the invoice's failed payments that consumed a
	// dunning attempt (FailureClass.ConsumesAttempt), this one included.
	Attempts int
	// Subscription is the subscription's status before the failure.
	Subscription SubscriptionStatus
	// Policy is the merchant's dunning policy.
	Policy DunningPolicy
	// At is when the failure was recorded.
	At time.Time
}

// FailureAction is what a payment that did not succeed leads to.
type FailureAction int

// The failure actions.
const (
	// FailureReconcile: the outcome is unknown; ask the gateway again at
	// RetryAt, and charge nothing meanwhile.
	FailureReconcile FailureAction = iota + 1
	// FailureTechnicalRetry: a technical error; charge again at RetryAt
	// without consuming a dunning attempt.
	FailureTechnicalRetry
	// FailureSystem: technical errors went on past MaxTechnicalRetries; no
	// more retries, the merchant is alerted and the subscription gets
	// system_failure (SubEvents), never treated as a decline.
	FailureSystem
	// FailureFirstPayment: the first payment of an incomplete subscription
	// failed; the subscription expires and its invoice is voided.
	FailureFirstPayment
	// FailureRetry: a decline with dunning attempts left; retry at RetryAt
	// on the policy's schedule.
	FailureRetry
	// FailureFinal: a hard decline or the last attempt failed; no more
	// retries, and the policy's final action applies (SubEvents,
	// MarkUncollectible).
	FailureFinal
)

// String names the action, for logs and test failures.
func (a FailureAction) String() string {
	switch a {
	case FailureReconcile:
		return "reconcile"
	case FailureTechnicalRetry:
		return "technical_retry"
	case FailureSystem:
		return "system_failure"
	case FailureFirstPayment:
		return "first_payment_failed"
	case FailureRetry:
		return "retry"
	case FailureFinal:
		return "final"
	}
	return "unknown"
}

// FailureDecision is what DecideFailure decided; the caller carries it
// out (writes the invoice, applies the events, emits what follows).
type FailureDecision struct {
	Action FailureAction
	// RetryAt is the invoice's next attempt (a charge, or a look at the
	// gateway for FailureReconcile); nil when nothing is attempted again.
	RetryAt *time.Time
	// SubEvents are the subscription events to apply, in order, through
	// NextStatus (with the dunning policy's final action as
	// RetriesExhausted).
	SubEvents []SubscriptionEvent
	// VoidInvoice: the invoice is no longer owed (FailureFirstPayment).
	VoidInvoice bool
	// MarkUncollectible: the invoice is marked uncollectible (the final
	// action is not leave_past_due).
	MarkUncollectible bool
}

// DecideFailure decides what a subscription invoice's payment that did not
// succeed leads to (docs/architecture.md, "Dunning"): an unknown outcome is reconciled on
// ReconcileDelay; technical failures retry on TechnicalRetryDelay, up to
// MaxTechnicalRetries, then are a system failure; a failed first payment
// expires an incomplete subscription; a decline puts an active or trialing
// subscription past_due and retries on the policy's schedule, except a
// hard decline, which is never retried on the same method; when no retry
// is left the policy's final action applies.
func DecideFailure(f FailureFacts) FailureDecision {
	at := func(t time.Time) *time.Time { return &t }
	if f.Unknown {
		return FailureDecision{Action: FailureReconcile, RetryAt: at(f.At.Add(ReconcileDelay(f.UnknownFor)))}
	}
	if f.Class == FailureTechnical {
		if f.TechnicalFailures <= MaxTechnicalRetries {
			return FailureDecision{Action: FailureTechnicalRetry, RetryAt: at(f.At.Add(TechnicalRetryDelay(f.TechnicalFailures)))}
		}
		d := FailureDecision{Action: FailureSystem}
		if f.Subscription.Live() {
			d.SubEvents = []SubscriptionEvent{SubEventSystemFailure}
		}
		return d
	}
	if f.Subscription == SubscriptionIncomplete {
		return FailureDecision{Action: FailureFirstPayment, SubEvents: []SubscriptionEvent{SubEventFirstPaymentFailed}, VoidInvoice: true}
	}
	var d FailureDecision
	pastDue := f.Subscription == SubscriptionPastDue
	if f.Subscription == SubscriptionActive || f.Subscription == SubscriptionTrialing {
		d.SubEvents = append(d.SubEvents, SubEventRenewalFailed)
		pastDue = true
	}
	if next, retry := f.Policy.NextAttempt(f.At, f.Attempts); retry && f.Class != FailureHard {
		d.Action, d.RetryAt = FailureRetry, &next
		return d
	}
	d.Action = FailureFinal
	if pastDue {
		d.SubEvents = append(d.SubEvents, SubEventRetriesExhausted)
	}
	d.MarkUncollectible = f.Policy.FinalAction != PolicyLeavePastDue
	return d
}

// reconcileDelays is when an unknown payment is asked about again, after
// the first, second… unanswered lookup; the last delay repeats. It also
// bounds how long a payment left pending by a crash waits to be resolved.
var reconcileDelays = []time.Duration{time.Minute, 5 * time.Minute, time.Hour, 24 * time.Hour}

// ReconcileDelay is how long to wait before asking the gateway again about
// an unresolved payment, given the wait before the previous look (0 at
// first): 1 minute, 5 minutes, 1 hour, then daily. ReconcileDelay(0) is
// also how long after a charge is sent a payment still pending is
// recovered (never while the original call may be in flight).
func ReconcileDelay(elapsed time.Duration) time.Duration {
	for _, d := range reconcileDelays {
		if elapsed < d {
			return d
		}
	}
	return reconcileDelays[len(reconcileDelays)-1]
}

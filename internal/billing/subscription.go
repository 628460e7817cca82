package billing

// SubscriptionStatus is where a subscription is in its life
// (docs/architecture.md, "Status machines"). The values are Stripe's, so
// merchants recognise them.
type SubscriptionStatus string

// The subscription statuses. SubscriptionNone is the "—" of the status table of
// docs/architecture.md: a subscription that does not exist yet, from which only
// the creation events lead.
const (
	SubscriptionNone              SubscriptionStatus = ""
	SubscriptionIncomplete        SubscriptionStatus = "incomplete"
	SubscriptionIncompleteExpired SubscriptionStatus = "incomplete_expired"
	SubscriptionTrialing          SubscriptionStatus = "trialing"
	SubscriptionActive            SubscriptionStatus = "active"
	SubscriptionPastDue           SubscriptionStatus = "past_due"
	SubscriptionCanceled          SubscriptionStatus = "canceled"
	SubscriptionUnpaid            SubscriptionStatus = "unpaid"
	SubscriptionPaused            SubscriptionStatus = "paused"
)

// subscriptionStatuses lists every real status (not SubscriptionNone), for
// exhaustive tests.
var subscriptionStatuses = []SubscriptionStatus{
	SubscriptionIncomplete, SubscriptionIncompleteExpired, SubscriptionTrialing, SubscriptionActive,
	SubscriptionPastDue, SubscriptionCanceled, SubscriptionUnpaid, SubscriptionPaused,
}

// Valid reports whether s is a real status (SubscriptionNone is not).
func (s SubscriptionStatus) Valid() bool {
	switch s {
	case SubscriptionIncomplete, SubscriptionIncompleteExpired, SubscriptionTrialing, SubscriptionActive,
		SubscriptionPastDue, SubscriptionCanceled, SubscriptionUnpaid, SubscriptionPaused:
		return true
	}
	return false
}

// Terminal reports whether s is final: canceled and incomplete_expired
// accept no event, and a customer who wants to come back needs a new
// subscription.
func (s SubscriptionStatus) Terminal() bool {
	return s == SubscriptionCanceled || s == SubscriptionIncompleteExpired
}

// Live reports whether the subscription has started and not ended: trialing,
// active, past_due, unpaid or paused. These are the "any live state" of the
// status table of docs/architecture.md, where a permanent system failure
// applies. incomplete is not live, because it has not started: its first
// payment is still pending, and its way out is expiry, not cancellation.
func (s SubscriptionStatus) Live() bool {
	switch s {
	case SubscriptionTrialing, SubscriptionActive, SubscriptionPastDue, SubscriptionUnpaid, SubscriptionPaused:
		return true
	}
	return false
}

// Entitled reports whether the customer gets the product's features:
// trialing, active and past_due. past_due keeps access while dunning
// retries (the customer usually just needs to update a card); unpaid and
// paused lose it, as do incomplete and the terminal states.
func (s SubscriptionStatus) Entitled() bool {
	return s == SubscriptionTrialing || s == SubscriptionActive || s == SubscriptionPastDue
}

// SubscriptionEvent is something that happens to a subscription and may
// change its status; NextStatus decides how. One event per row of the
// status table of docs/architecture.md.
type SubscriptionEvent string

// The subscription events.
const (
	// SubEventCreatedWithTrial: created with a trial period.
	SubEventCreatedWithTrial SubscriptionEvent = "created_with_trial"
	// SubEventFirstPaymentSucceeded: created and the first charge succeeded.
	SubEventFirstPaymentSucceeded SubscriptionEvent = "first_payment_succeeded"
	// SubEventFirstPaymentPending: created and the first charge awaits a
	// redirect or an asynchronous answer.
	SubEventFirstPaymentPending SubscriptionEvent = "first_payment_pending"
	// SubEventPaymentSucceeded: the pending first charge, a dunning retry or
	// a charge on a new payment method succeeded.
	SubEventPaymentSucceeded SubscriptionEvent = "payment_succeeded"
	// SubEventFirstPaymentFailed: the pending first charge failed.
	SubEventFirstPaymentFailed SubscriptionEvent = "first_payment_failed"
	// SubEventIncompleteWindowPassed: the window to complete the first
	// payment (default 0, i.e. at once) is over.
	SubEventIncompleteWindowPassed SubscriptionEvent = "incomplete_window_passed"
	// SubEventTrialEndedPaid: the trial ended and its first charge succeeded.
	SubEventTrialEndedPaid SubscriptionEvent = "trial_ended_paid"
	// SubEventTrialEndedNoPaymentMethod: the trial ended with nothing to
	// charge.
	SubEventTrialEndedNoPaymentMethod SubscriptionEvent = "trial_ended_no_payment_method"
	// SubEventRenewalFailed: a renewal charge (or the charge at the end of a
	// trial) failed with a customer decline; dunning starts.
	SubEventRenewalFailed SubscriptionEvent = "renewal_failed"
	// SubEventRetriesExhausted: the dunning schedule ran out.
	SubEventRetriesExhausted SubscriptionEvent = "retries_exhausted"
	// SubEventSystemFailure: a permanent system failure (the gateway says
	// the token or customer is gone, or the data is inconsistent).
	SubEventSystemFailure SubscriptionEvent = "system_failure"
	// SubEventCancelNow: the customer or the merchant cancels immediately.
	SubEventCancelNow SubscriptionEvent = "cancel_now"
	// SubEventPeriodEndWithCancel: the period ended with
	// cancel_at_period_end set.
	SubEventPeriodEndWithCancel SubscriptionEvent = "period_end_with_cancel"
	// SubEventCyclesCompleted: max_cycles reached or the end date passed.
	SubEventCyclesCompleted SubscriptionEvent = "cycles_completed"
	// SubEventPause: the merchant pauses the subscription.
	SubEventPause SubscriptionEvent = "pause"
	// SubEventResume: the merchant resumes it; a new period starts then.
	SubEventResume SubscriptionEvent = "resume"
)

// subscriptionEvents lists every event, for exhaustive tests.
var subscriptionEvents = []SubscriptionEvent{
	SubEventCreatedWithTrial, SubEventFirstPaymentSucceeded, SubEventFirstPaymentPending,
	SubEventPaymentSucceeded, SubEventFirstPaymentFailed, SubEventIncompleteWindowPassed,
	SubEventTrialEndedPaid, SubEventTrialEndedNoPaymentMethod, SubEventRenewalFailed,
	SubEventRetriesExhausted, SubEventSystemFailure, SubEventCancelNow,
	SubEventPeriodEndWithCancel, SubEventCyclesCompleted, SubEventPause, SubEventResume,
}

// subEventVerbs phrases each event for error messages: "cannot <verb> that
// is <status>".
var subEventVerbs = map[SubscriptionEvent]string{
	SubEventCreatedWithTrial:          "start a trial on a subscription",
	SubEventFirstPaymentSucceeded:     "record a first payment on a subscription",
	SubEventFirstPaymentPending:       "record a pending first payment on a subscription",
	SubEventPaymentSucceeded:          "record a successful payment on a subscription",
	SubEventFirstPaymentFailed:        "record a failed first payment on a subscription",
	SubEventIncompleteWindowPassed:    "expire a subscription",
	SubEventTrialEndedPaid:            "end the trial of a subscription",
	SubEventTrialEndedNoPaymentMethod: "end the trial of a subscription",
	SubEventRenewalFailed:             "record a failed renewal on a subscription",
	SubEventRetriesExhausted:          "end the payment retries of a subscription",
	SubEventSystemFailure:             "record a system failure on a subscription",
	SubEventCancelNow:                 "cancel a subscription",
	SubEventPeriodEndWithCancel:       "cancel at period end a subscription",
	SubEventCyclesCompleted:           "complete a subscription",
	SubEventPause:                     "pause a subscription",
	SubEventResume:                    "resume a subscription",
}

// Valid reports whether e is a known event.
func (e SubscriptionEvent) Valid() bool {
	_, ok := subEventVerbs[e]
	return ok
}

// Policy values for TransitionPolicy and DunningPolicy.FinalAction. The
// same word means the same outcome wherever it appears.
const (
	PolicyCancel       = "cancel"         // → canceled
	PolicyPause        = "pause"          // → paused
	PolicyUnpaid       = "unpaid"         // → unpaid: kept, not entitled, no more retries
	PolicyLeavePastDue = "leave_past_due" // stay past_due: entitled, no more retries
	PolicyPastDue      = "past_due"       // → past_due and alert the merchant
)

// TransitionPolicy holds a merchant's choices for the rows of the status table
// of docs/architecture.md whose outcome is "per policy". An empty field takes
// the default that DefaultTransitionPolicy shows.
type TransitionPolicy struct {
	// TrialEndNoPaymentMethod is PolicyCancel (default) or PolicyPause.
	TrialEndNoPaymentMethod string
	// RetriesExhausted is PolicyCancel (default), PolicyUnpaid or
	// PolicyLeavePastDue; it is the dunning policy's FinalAction.
	RetriesExhausted string
	// SystemFailure is PolicyPastDue (default) or PolicyCancel.
	SystemFailure string
}

// DefaultTransitionPolicy returns the defaults: cancel a trial that ends
// without a payment method and a subscription whose retries ran out (as
// Stripe does), but never cancel a paying customer because of a failure on
// our side or the gateway's: mark it past_due and alert the merchant.
func DefaultTransitionPolicy() TransitionPolicy {
	return TransitionPolicy{
		TrialEndNoPaymentMethod: PolicyCancel,
		RetriesExhausted:        PolicyCancel,
		SystemFailure:           PolicyPastDue,
	}
}

// withDefaults fills the empty fields of p.
func (p TransitionPolicy) withDefaults() TransitionPolicy {
	d := DefaultTransitionPolicy()
	if p.TrialEndNoPaymentMethod == "" {
		p.TrialEndNoPaymentMethod = d.TrialEndNoPaymentMethod
	}
	if p.RetriesExhausted == "" {
		p.RetriesExhausted = d.RetriesExhausted
	}
	if p.SystemFailure == "" {
		p.SystemFailure = d.SystemFailure
	}
	return p
}

// Validate reports an unknown value in p as an invalid-parameter *Error
// naming the field (trial_end_no_payment_method, retries_exhausted or
// system_failure). Empty fields are valid: they take the defaults.
func (p TransitionPolicy) Validate() error {
	p = p.withDefaults()
	switch p.TrialEndNoPaymentMethod {
	case PolicyCancel, PolicyPause:
	default:
		return Invalid("trial_end_no_payment_method", CodeParameterInvalid,
			"trial_end_no_payment_method must be cancel or pause, not %q", p.TrialEndNoPaymentMethod)
	}
	switch p.RetriesExhausted {
	case PolicyCancel, PolicyUnpaid, PolicyLeavePastDue:
	default:
		return Invalid("retries_exhausted", CodeParameterInvalid,
			"retries_exhausted must be cancel, unpaid or leave_past_due, not %q", p.RetriesExhausted)
	}
	switch p.SystemFailure {
	case PolicyCancel, PolicyPastDue:
	default:
		return Invalid("system_failure", CodeParameterInvalid,
			"system_failure must be cancel or past_due, not %q", p.SystemFailure)
	}
	return nil
}

// NextStatus is the subscription status machine, the only place that decides a
// subscription's next status (docs/architecture.md, "Status machines"). Given
// the current status (SubscriptionNone for a subscription being created), an
// event and the merchant's policy, it returns the new status, or a conflict
// *Error with code invalid_state_transition whose message names the current
// status ("cannot resume a subscription that is active"). An unknown policy
// value is an invalid-parameter *Error (see TransitionPolicy.Validate).
//
// The table, with the policy rows resolved as TransitionPolicy says:
//
//	—                          created_with_trial             → trialing
//	—                          first_payment_succeeded        → active
//	—                          first_payment_pending          → incomplete
//	incomplete                 payment_succeeded              → active
//	incomplete                 first_payment_failed           → incomplete_expired
//	incomplete                 incomplete_window_passed       → incomplete_expired
//	trialing                   trial_ended_paid               → active
//	trialing                   trial_ended_no_payment_method  → canceled | paused
//	trialing, active           renewal_failed                 → past_due
//	past_due                   payment_succeeded              → active
//	past_due                   retries_exhausted              → canceled | unpaid | past_due
//	any live status            system_failure                 → canceled | past_due (*)
//	trialing, active, past_due cancel_now                     → canceled
//	active                     period_end_with_cancel         → canceled
//	active                     cycles_completed               → canceled
//	active                     pause                          → paused
//	paused                     resume                         → active
//
// Three rows go beyond the status table of docs/architecture.md, because
// without them unpaid and paused would be dead ends:
//
//	unpaid                     payment_succeeded              → active (as in Stripe)
//	unpaid, paused             cancel_now                     → canceled
//
// (*) With SystemFailure = past_due, unpaid and paused keep their status:
// nothing is being collected from them, so moving them to past_due would
// only restart dunning on a payment method known to be gone; the engine
// still alerts the merchant.
//
// A returned status equal to from (retries exhausted with leave_past_due,
// or (*)) is a valid transition with no status change; the engine still
// records the event.
func NextStatus(from SubscriptionStatus, ev SubscriptionEvent, p TransitionPolicy) (SubscriptionStatus, error) {
	if err := p.Validate(); err != nil {
		return from, err
	}
	p = p.withDefaults()

	switch ev {
	case SubEventCreatedWithTrial:
		if from == SubscriptionNone {
			return SubscriptionTrialing, nil
		}
	case SubEventFirstPaymentSucceeded:
		if from == SubscriptionNone {
			return SubscriptionActive, nil
		}
	case SubEventFirstPaymentPending:
		if from == SubscriptionNone {
			return SubscriptionIncomplete, nil
		}
	case SubEventPaymentSucceeded:
		switch from {
		case SubscriptionIncomplete, SubscriptionPastDue, SubscriptionUnpaid:
			return SubscriptionActive, nil
		}
	case SubEventFirstPaymentFailed, SubEventIncompleteWindowPassed:
		if from == SubscriptionIncomplete {
			return SubscriptionIncompleteExpired, nil
		}
	case SubEventTrialEndedPaid:
		if from == SubscriptionTrialing {
			return SubscriptionActive, nil
		}
	case SubEventTrialEndedNoPaymentMethod:
		if from == SubscriptionTrialing {
			if p.TrialEndNoPaymentMethod == PolicyPause {
				return SubscriptionPaused, nil
			}
			return SubscriptionCanceled, nil
		}
	case SubEventRenewalFailed:
		if from == SubscriptionTrialing || from == SubscriptionActive {
			return SubscriptionPastDue, nil
		}
	case SubEventRetriesExhausted:
		if from == SubscriptionPastDue {
			switch p.RetriesExhausted {
			case PolicyUnpaid:
				return SubscriptionUnpaid, nil
			case PolicyLeavePastDue:
				return SubscriptionPastDue, nil
			default:
				return SubscriptionCanceled, nil
			}
		}
	case SubEventSystemFailure:
		if from.Live() {
			switch {
			case p.SystemFailure == PolicyCancel:
				return SubscriptionCanceled, nil
			case from == SubscriptionUnpaid || from == SubscriptionPaused:
				return from, nil
			default:
				return SubscriptionPastDue, nil
			}
		}
	case SubEventCancelNow:
		switch from {
		case SubscriptionTrialing, SubscriptionActive, SubscriptionPastDue, SubscriptionUnpaid, SubscriptionPaused:
			return SubscriptionCanceled, nil
		}
	case SubEventPeriodEndWithCancel, SubEventCyclesCompleted:
		if from == SubscriptionActive {
			return SubscriptionCanceled, nil
		}
	case SubEventPause:
		if from == SubscriptionActive {
			return SubscriptionPaused, nil
		}
	case SubEventResume:
		if from == SubscriptionPaused {
			return SubscriptionActive, nil
		}
	}
	return from, invalidTransition(from, ev)
}

// invalidTransition builds the error for an event the status machine does
// not accept in from, naming from so that the caller sees why.
func invalidTransition(from SubscriptionStatus, ev SubscriptionEvent) *Error {
	state := "in status " + string(from)
	switch {
	case from == SubscriptionNone:
		state = "not created yet"
	case from.Valid():
		state = string(from)
	}
	verb, ok := subEventVerbs[ev]
	if !ok {
		return Errorf(KindConflict, CodeInvalidStateTransition,
			"cannot apply unknown event %q to a subscription that is %s", ev, state)
	}
	return Errorf(KindConflict, CodeInvalidStateTransition, "cannot %s that is %s", verb, state)
}

// CancellationReason says why a subscription was canceled; the values are
// part of the API (cancellation_reason).
type CancellationReason string

// The cancellation reasons.
const (
	CancelRequestedByCustomer CancellationReason = "requested_by_customer"
	CancelRequestedByMerchant CancellationReason = "requested_by_merchant"
	CancelPaymentFailed       CancellationReason = "payment_failed"
	CancelSystemError         CancellationReason = "system_error"
	CancelCompleted           CancellationReason = "completed"
)

// Valid reports whether r is a known reason.
func (r CancellationReason) Valid() bool {
	switch r {
	case CancelRequestedByCustomer, CancelRequestedByMerchant, CancelPaymentFailed, CancelSystemError, CancelCompleted:
		return true
	}
	return false
}

// CancellationReasonFor returns the reason an event implies when NextStatus
// turns it into canceled: retries_exhausted → payment_failed, system_failure →
// system_error, cycles_completed → completed, and trial_ended_no_payment_method
// → payment_failed (the trial could not be paid for; a decision of ours, the
// status table of docs/architecture.md names none). cancel_now and
// period_end_with_cancel return false: who asked (requested_by_customer or
// requested_by_merchant) is known only to the caller.
func CancellationReasonFor(ev SubscriptionEvent) (CancellationReason, bool) {
	switch ev {
	case SubEventRetriesExhausted, SubEventTrialEndedNoPaymentMethod:
		return CancelPaymentFailed, true
	case SubEventSystemFailure:
		return CancelSystemError, true
	case SubEventCyclesCompleted:
		return CancelCompleted, true
	}
	return "", false
}

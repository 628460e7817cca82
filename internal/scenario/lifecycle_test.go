package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
)

// Event types, short.
const (
	evPMAttached   = app.EventPaymentMethodAttached
	evSubCreated   = app.EventSubscriptionCreated
	evSubUpdated   = app.EventSubscriptionUpdated
	evSubDeleted   = app.EventSubscriptionDeleted
	evTrialWillEnd = app.EventSubscriptionTrialWillEnd
	evInvCreated   = app.EventInvoiceCreated
	evInvFinalized = app.EventInvoiceFinalized
	evInvPaid      = app.EventInvoicePaid
	evInvFailed    = app.EventInvoicePaymentFailed
	evInvVoided    = app.EventInvoiceVoided
	evInvUncollect = app.EventInvoiceUncollectible
	evPayCreated   = app.EventPaymentCreated
	evPaySucceeded = app.EventPaymentSucceeded
	evPayFailed    = app.EventPaymentFailed
	evPayUnknown   = app.EventPaymentUnknown
)

// Event sequences that recur.
var (
	// A subscription without trial whose first charge succeeds at once.
	seqCreatedPaid = []string{evSubCreated, evInvCreated, evInvFinalized, evPayCreated, evPaySucceeded, evInvPaid, evSubUpdated}
	// A renewal whose charge succeeds.
	seqRenewalPaid = []string{evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPaySucceeded, evInvPaid}
	// A renewal whose charge is declined (active → past_due).
	seqRenewalDeclined = []string{evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPayFailed, evInvFailed, evSubUpdated}
	// A dunning retry that is declined again.
	seqRetryDeclined = []string{evPayCreated, evPayFailed, evInvFailed}
)

func repeat(seq []string, n int) []string {
	var out []string
	for range n {
		out = append(out, seq...)
	}
	return out
}

func TestLifecycle(t *testing.T) {
	runScenarios(t, []scenario{
		{"monthly_anchor_jan31_leap_year", scenarioMonthlyJan31},
		{"annual_anchor_feb29", scenarioAnnual},
		{"trial_to_active_and_one_trial_per_customer", scenarioTrialToActive},
		{"trial_end_without_payment_method", scenarioTrialNoPaymentMethod},
		{"trial_end_declined_dunning", scenarioTrialEndDeclined},
		{"trial_shorter_than_notice", scenarioShortTrial},
		{"first_payment_declined_incomplete_expired", scenarioFirstPaymentDeclined},
		{"renewal_declined_dunning_then_canceled", scenarioDunningExhausted},
		{"renewal_declined_then_new_card", scenarioNewCardRetry},
		{"renewal_hard_decline", scenarioHardDecline},
		{"timeout_after_charge_reconciled", scenarioTimeoutAfterCharge},
		{"gateway_error_reconciled_and_retried", scenarioGatewayError},
		{"cancel_now_while_payment_unknown", scenarioCancelDuringUnknown},
		{"cancel_at_period_end_then_reactivate", scenarioCancelReactivate},
		{"cancel_at_period_end_ends", scenarioCancelAtPeriodEnd},
		{"cancel_now", scenarioCancelNow},
		{"trial_cancel_at_period_end", scenarioTrialCancelAtPeriodEnd},
		{"max_cycles_3", scenarioMaxCycles},
		{"coupon_repeating_3_months_20pct", scenarioCouponRepeating},
		{"coupon_once", scenarioCouponOnce},
		{"coupon_amount_off_forever", scenarioCouponAmountOff},
		{"coupon_covers_first_invoice", scenarioCouponFreeFirstInvoice},
		{"coupon_covers_invoice_at_trial_end", scenarioCouponFreeAfterTrial},
		{"coupon_max_redemptions", scenarioCouponMaxRedemptions},
		{"santiago_dst_monthly", scenarioSantiagoMonthly},
		{"santiago_dst_gap_and_overlap", scenarioSantiagoGapOverlap},
		{"santiago_trial_across_dst", scenarioSantiagoTrial},
		{"entitlements", scenarioEntitlements},
	})
}

// 1. A monthly CLP 5000 price anchored on Jan 31 2024 (a leap year): the
// periods clamp to the end of short months without drifting, 13 invoices
// numbered without gaps, all paid.
func scenarioMonthlyJan31(t *testing.T, h *harness) {
	h.begin("UTC", ts("2024-01-31T10:00:00Z"))
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("ana@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	require.True(t, sub.BillingAnchor.Equal(ts("2024-01-31T10:00:00Z")))

	bounds := []time.Time{
		ts("2024-01-31T10:00:00Z"), ts("2024-02-29T10:00:00Z"), ts("2024-03-31T10:00:00Z"), ts("2024-04-30T10:00:00Z"),
		ts("2024-05-31T10:00:00Z"), ts("2024-06-30T10:00:00Z"), ts("2024-07-31T10:00:00Z"), ts("2024-08-31T10:00:00Z"),
		ts("2024-09-30T10:00:00Z"), ts("2024-10-31T10:00:00Z"), ts("2024-11-30T10:00:00Z"), ts("2024-12-31T10:00:00Z"),
		ts("2025-01-31T10:00:00Z"), ts("2025-02-28T10:00:00Z"),
	}
	// Just before the 14th period would start.
	h.advanceTo(ts("2025-02-28T09:59:59Z"))

	var want []inv
	for i := 1; i <= 13; i++ {
		reason := billing.ReasonSubscriptionCycle
		if i == 1 {
			reason = billing.ReasonSubscriptionCreate
		}
		want = append(want, inv{Number: number(i), Status: billing.InvoicePaid, Reason: reason, Start: bounds[i-1], End: bounds[i],
			Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(bounds[i-1])}})
	}
	h.requireInvoices(sub.ID, want...)
	got := h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 13, PeriodStart: bounds[12], PeriodEnd: bounds[13], NextActionAt: &bounds[13]})
	require.True(t, got.BillingAnchor.Equal(bounds[0]), "anchor kept")
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, repeat(seqRenewalPaid, 12))
}

// 2. An annual USD 12000 price anchored on Feb 29 2024: renewals on Feb 28
// in common years, back to Feb 29 in 2028, the anchor's time of day kept.
func scenarioAnnual(t *testing.T, h *harness) {
	h.begin("UTC", ts("2024-02-29T12:34:56Z"))
	price := h.price(12000, "USD", billing.IntervalYear, 0)
	cus := h.customer("")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)

	b := []time.Time{ts("2024-02-29T12:34:56Z"), ts("2025-02-28T12:34:56Z"), ts("2026-02-28T12:34:56Z"),
		ts("2027-02-28T12:34:56Z"), ts("2028-02-29T12:34:56Z"), ts("2029-02-28T12:34:56Z")}
	annual := func(n int) inv {
		reason := billing.ReasonSubscriptionCycle
		if n == 1 {
			reason = billing.ReasonSubscriptionCreate
		}
		return inv{Number: number(n), Status: billing.InvoicePaid, Reason: reason, Start: b[n-1], End: b[n],
			Subtotal: 12000, Total: 12000, Paid: 12000, Payments: []pay{paid(b[n-1])}}
	}

	// Two years: two renewals.
	h.advanceTo(ts("2026-03-01T00:00:00Z"))
	h.requireInvoices(sub.ID, annual(1), annual(2), annual(3))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 3, PeriodStart: b[2], PeriodEnd: b[3], NextActionAt: &b[3]})

	// Two more: the leap day comes back.
	h.advanceTo(ts("2028-03-01T00:00:00Z"))
	h.requireInvoices(sub.ID, annual(1), annual(2), annual(3), annual(4), annual(5))
	got := h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 5, PeriodStart: b[4], PeriodEnd: b[5], NextActionAt: &b[5]})
	require.True(t, got.BillingAnchor.Equal(b[0]), "anchor kept: %s", got.BillingAnchor)
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, repeat(seqRenewalPaid, 4))
}

// 3. A 14-day trial from the price: trial_will_end three days before, the
// first invoice charged at the trial's end, active; the same email cannot
// start a second trial, whatever the customer object.
func scenarioTrialToActive(t *testing.T, h *harness) {
	t0 := ts("2024-05-01T09:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 14)
	cus := h.customer("Ana@Example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)

	trialEnd, notice := ts("2024-05-15T09:00:00Z"), ts("2024-05-12T09:00:00Z")
	trialing := subState{Status: billing.SubscriptionTrialing, PeriodStart: t0, PeriodEnd: trialEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &notice}
	h.requireSub(sub.ID, trialing)
	h.requireInvoices(sub.ID)

	// One trial per customer identity: another customer object with the
	// same email (in another case) is refused, and nothing is written.
	other := h.customer("ana@example.com")
	otherPM := h.attach(other.ID, billing.SimTokVisa)
	_, err := h.app.Subscriptions.CreateSubscription(h.ctx, h.s, app.CreateSubscriptionParams{Customer: other.ID,
		Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: otherPM.ID})
	requireAppError(t, err, billing.KindConflict, app.CodeTrialAlreadyUsed, "email")
	subs, err := h.app.Subscriptions.ListSubscriptions(h.ctx, h.s, billing.SubscriptionFilter{CustomerID: other.ID}, billing.Page{})
	require.NoError(t, err)
	require.Empty(t, subs.Data)
	// Without a trial, the same customer can subscribe (and pays at once).
	noTrial := h.subscribe(app.CreateSubscriptionParams{Customer: other.ID, Items: []app.ItemParams{{Price: price.ID}},
		PaymentMethod: otherPM.ID, TrialPeriodDays: ptr(int64(0))})
	require.Equal(t, billing.SubscriptionActive, noTrial.Status)
	h.requireInvoices(noTrial.ID, inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate,
		Start: t0, End: ts("2024-06-01T09:00:00Z"), Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(t0)}})

	// A device fingerprint is an identity too. The refused claim rolls
	// back entirely: the email it claimed first stays free.
	zoe := h.customer("zoe@example.com")
	fp := app.CreateSubscriptionParams{Customer: zoe.ID, Items: []app.ItemParams{{Price: price.ID}}, Fingerprint: "device-1"}
	zoeTrial := h.subscribe(fp)
	require.Equal(t, billing.SubscriptionTrialing, zoeTrial.Status)
	yan := h.customer("yan@example.com")
	fp.Customer = yan.ID
	_, err = h.app.Subscriptions.CreateSubscription(h.ctx, h.s, fp)
	requireAppError(t, err, billing.KindConflict, app.CodeTrialAlreadyUsed, "fingerprint")
	fp.Fingerprint = ""
	yanTrial := h.subscribe(fp)
	require.Equal(t, billing.SubscriptionTrialing, yanTrial.Status)

	// The notice, exactly 72 hours before the end.
	h.advanceTo(notice)
	trialing.NextActionAt = &trialEnd
	got := h.requireSub(sub.ID, trialing)
	require.True(t, got.TrialWillEndSent)
	require.Equal(t, notice, h.eventAt(evTrialWillEnd, sub.ID))
	h.requireInvoices(sub.ID)

	// The trial ends: the first period is invoiced and paid.
	h.advanceTo(ts("2024-05-20T00:00:00Z"))
	periodEnd := ts("2024-06-15T09:00:00Z")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: trialEnd, PeriodEnd: periodEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &periodEnd})
	h.requireInvoices(sub.ID, inv{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: trialEnd, End: periodEnd, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(trialEnd)}})
	// The three trials' notices and ends all fall on May 12 and May 15 (the
	// two without a payment method are canceled at their end); the
	// customer without a trial renews on Jun 1, after the clock stops.
	h.requireEvents([]string{evPMAttached, evSubCreated, evPMAttached}, seqCreatedPaid, []string{evSubCreated, evSubCreated},
		[]string{evTrialWillEnd, evTrialWillEnd, evTrialWillEnd},
		[]string{evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPaySucceeded, evInvPaid, evSubUpdated},
		[]string{evSubDeleted, evSubDeleted})
	require.Equal(t, billing.SubscriptionCanceled, h.sub(zoeTrial.ID).Status)
	require.Equal(t, billing.SubscriptionCanceled, h.sub(yanTrial.ID).Status)
}

// 3b. A trial whose first charge is declined: trialing → past_due, the
// default retries, then canceled (payment_failed).
func scenarioTrialEndDeclined(t *testing.T, h *harness) {
	t0 := ts("2024-05-01T09:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 14)
	cus := h.customer("olga@example.com")
	pm := h.attach(cus.ID, billing.SimTokChargeDeclined)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
	trialEnd, periodEnd := ts("2024-05-15T09:00:00Z"), ts("2024-06-15T09:00:00Z")

	h.advanceTo(trialEnd)
	retry := ts("2024-05-16T09:00:00Z")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionPastDue, Cycle: 1, PeriodStart: trialEnd, PeriodEnd: periodEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &retry})
	require.Equal(t, map[string]int64{}, h.entitlements(cus.ID))

	h.advanceTo(ts("2024-06-10T00:00:00Z"))
	fails := []time.Time{trialEnd, retry, ts("2024-05-19T09:00:00Z"), ts("2024-05-24T09:00:00Z"), ts("2024-05-31T09:00:00Z")}
	var declines []pay
	for _, at := range fails {
		declines = append(declines, declined(at))
	}
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, Cycle: 1, PeriodStart: trialEnd, PeriodEnd: periodEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, CanceledAt: &fails[4], EndedAt: &fails[4], Reason: billing.CancelPaymentFailed})
	h.requireInvoices(sub.ID, inv{Number: number(1), Status: billing.InvoiceUncollectible, Reason: billing.ReasonSubscriptionCycle,
		Start: trialEnd, End: periodEnd, Subtotal: 5000, Total: 5000, Payments: declines})
	h.requireEvents([]string{evPMAttached, evSubCreated, evTrialWillEnd}, seqRenewalDeclined, repeat(seqRetryDeclined, 4),
		[]string{evInvUncollect, evSubDeleted})
}

// 3c. A trial shorter than the 72-hour notice: trial_will_end is due at
// once (at the trial's start), never dated before the subscription existed.
func scenarioShortTrial(t *testing.T, h *harness) {
	t0 := ts("2024-05-01T09:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("rita@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}},
		PaymentMethod: pm.ID, TrialPeriodDays: ptr(int64(2))})
	trialEnd, periodEnd := ts("2024-05-03T09:00:00Z"), ts("2024-06-03T09:00:00Z")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionTrialing, PeriodStart: t0, PeriodEnd: trialEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &t0})

	h.advanceTo(ts("2024-05-01T10:00:00Z"))
	require.Equal(t, t0, h.eventAt(evTrialWillEnd, sub.ID))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionTrialing, PeriodStart: t0, PeriodEnd: trialEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &trialEnd})

	h.advanceTo(ts("2024-05-04T00:00:00Z"))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: trialEnd, PeriodEnd: periodEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &periodEnd})
	h.requireInvoices(sub.ID, inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: trialEnd, End: periodEnd, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(trialEnd)}})
	h.requireEvents([]string{evPMAttached, evSubCreated, evTrialWillEnd},
		[]string{evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPaySucceeded, evInvPaid, evSubUpdated})
}

// 4. A trial that ends without a payment method is canceled (the default
// policy), with no invoice.
func scenarioTrialNoPaymentMethod(t *testing.T, h *harness) {
	t0 := ts("2024-05-01T09:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 14)
	cus := h.customer("bea@example.com")
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}})
	trialEnd, notice := ts("2024-05-15T09:00:00Z"), ts("2024-05-12T09:00:00Z")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionTrialing, PeriodStart: t0, PeriodEnd: trialEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &notice})

	h.advanceTo(ts("2024-07-01T00:00:00Z"))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, PeriodStart: t0, PeriodEnd: trialEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, CanceledAt: &trialEnd, EndedAt: &trialEnd,
		Reason: billing.CancelPaymentFailed}) // the engine's reason (billing.CancellationReasonFor)
	h.requireInvoices(sub.ID)
	require.Equal(t, trialEnd, h.eventAt(evSubDeleted, sub.ID))
	require.Equal(t, map[string]int64{}, h.entitlements(cus.ID))
	h.requireEvents([]string{evSubCreated, evTrialWillEnd, evSubDeleted})
}

// 5a. A declined first charge expires the subscription at once: invoice
// void, incomplete_expired, nothing retried, trial claims released.
func scenarioFirstPaymentDeclined(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("bob@example.com")
	pm := h.attach(cus.ID, billing.SimTokChargeDeclined)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
	require.Equal(t, billing.SubscriptionIncompleteExpired, sub.Status)

	end := ts("2024-07-01T12:00:00Z")
	expired := subState{Status: billing.SubscriptionIncompleteExpired, Cycle: 1, PeriodStart: t0, PeriodEnd: end, EndedAt: &t0}
	h.requireSub(sub.ID, expired)
	void := inv{Number: number(1), Status: billing.InvoiceVoid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: end,
		Subtotal: 5000, Total: 5000, Payments: []pay{declined(t0)}}
	h.requireInvoices(sub.ID, void)

	// Nothing retries an expired subscription.
	h.advanceTo(ts("2024-06-20T00:00:00Z"))
	h.requireSub(sub.ID, expired)
	h.requireInvoices(sub.ID, void)

	// The same email can still start a trial.
	trial := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}, TrialPeriodDays: ptr(int64(30))})
	require.Equal(t, billing.SubscriptionTrialing, trial.Status)
	require.Equal(t, map[string]int64{}, h.entitlements(cus.ID)) // the plan's product has no features
	h.requireEvents([]string{evPMAttached, evSubCreated, evInvCreated, evInvFinalized, evPayCreated, evPayFailed, evInvFailed,
		evInvVoided, evSubDeleted, evSubCreated})
}

// 5b. A renewal declined (tok_failAfterFirst): past_due, retries 1, 3, 5
// and 7 days after each failure, then canceled (payment_failed) with the
// invoice uncollectible.
func scenarioDunningExhausted(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("carla@example.com")
	pm := h.attach(cus.ID, billing.SimTokFailAfterFirst)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
	require.Equal(t, billing.SubscriptionActive, sub.Status)

	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	first := inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
		Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(t0)}}
	// Failure k happens at fails[k-1]; the retry after it waits 1d, 3d, 5d, 7d.
	fails := []time.Time{t1, ts("2024-07-02T12:00:00Z"), ts("2024-07-05T12:00:00Z"), ts("2024-07-10T12:00:00Z"), ts("2024-07-17T12:00:00Z")}
	for k := 1; k <= 4; k++ {
		h.advanceTo(fails[k-1])
		var pays []pay
		for _, at := range fails[:k] {
			pays = append(pays, declined(at))
		}
		invs := h.requireInvoices(sub.ID, first, inv{Number: number(2), Status: billing.InvoiceOpen, Reason: billing.ReasonSubscriptionCycle,
			Start: t1, End: t2, Subtotal: 5000, Total: 5000, Payments: pays})
		require.NotNil(t, invs[1].NextAttemptAt, "after failure %d", k)
		require.Equal(t, fails[k], invs[1].NextAttemptAt.UTC(), "retry after failure %d", k)
		h.requireSub(sub.ID, subState{Status: billing.SubscriptionPastDue, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &fails[k]})
		// The event says when the next attempt is, as the invoice does.
		got := h.lastInvoiceEvent(evInvFailed, invs[1].ID)
		require.NotNil(t, got.NextAttemptAt, "invoice.payment_failed after failure %d", k)
		require.Equal(t, fails[k], got.NextAttemptAt.UTC(), "invoice.payment_failed after failure %d", k)
	}

	// The fifth attempt fails: retries exhausted.
	h.advanceTo(fails[4])
	last := h.lastInvoiceEvent(evInvFailed, "")
	require.Nil(t, last.NextAttemptAt, "no retry after the last failure")
	require.Equal(t, billing.InvoiceOpen, last.Status, "payment_failed comes before uncollectible")
	final := inv{Number: number(2), Status: billing.InvoiceUncollectible, Reason: billing.ReasonSubscriptionCycle,
		Start: t1, End: t2, Subtotal: 5000, Total: 5000}
	for _, at := range fails {
		final.Payments = append(final.Payments, declined(at))
	}
	h.requireInvoices(sub.ID, first, final)
	canceled := subState{Status: billing.SubscriptionCanceled, Cycle: 2, PeriodStart: t1, PeriodEnd: t2,
		CanceledAt: &fails[4], EndedAt: &fails[4], Reason: billing.CancelPaymentFailed}
	h.requireSub(sub.ID, canceled)

	// Nothing more: no renewal, no retry.
	h.advanceTo(ts("2024-10-01T00:00:00Z"))
	h.requireInvoices(sub.ID, first, final)
	h.requireSub(sub.ID, canceled)
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, seqRenewalDeclined, repeat(seqRetryDeclined, 4),
		[]string{evInvUncollect, evSubDeleted})
}

// 6. A renewal declined, then a new card: it is charged at once, the
// subscription is active again, and no scheduled retry runs afterwards.
func scenarioNewCardRetry(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("dani@example.com")
	bad := h.attach(cus.ID, billing.SimTokFailAfterFirst)
	sub := h.subscribeTo(cus.ID, price.ID, bad.ID)

	t1, t2, t3 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z"), ts("2024-09-01T12:00:00Z")
	h.advanceTo(t1)
	retryAt := ts("2024-07-02T12:00:00Z")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionPastDue, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &retryAt})

	// Six hours later the customer adds a card that works.
	fixAt := ts("2024-07-01T18:00:00Z")
	h.advanceTo(fixAt)
	good := h.attach(cus.ID, billing.SimTokVisa)
	got := h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	require.Equal(t, good.ID, got.PaymentMethodID)
	first := inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
		Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(t0)}}
	second := inv{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2,
		Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{declined(t1), paid(fixAt)}}
	invs := h.requireInvoices(sub.ID, first, second)
	pays := h.payments(invs[1].ID)
	require.Equal(t, bad.ID, pays[0].PaymentMethodID)
	require.Equal(t, good.ID, pays[1].PaymentMethodID)

	// The old retry schedule (Jul 2, 5, 10, 17) does nothing.
	h.advanceTo(ts("2024-07-31T00:00:00Z"))
	h.requireInvoices(sub.ID, first, second)

	// The next renewal charges the new card.
	h.advanceTo(t2)
	invs = h.requireInvoices(sub.ID, first, second, inv{Number: number(3), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: t2, End: t3, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(t2)}})
	require.Equal(t, good.ID, h.payments(invs[2].ID)[0].PaymentMethodID)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 3, PeriodStart: t2, PeriodEnd: t3, NextActionAt: &t3})
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, seqRenewalDeclined,
		[]string{evPMAttached, evSubUpdated, evPayCreated, evPaySucceeded, evInvPaid, evSubUpdated}, seqRenewalPaid)
}

// 6b. A hard decline at renewal (lost card) is never retried: the engine takes
// the final action at once (docs/architecture.md, "Dunning": hard declines skip
// retries), canceling with payment_failed.
func scenarioHardDecline(t *testing.T, h *harness) {
	sub, cus := activeSub(t, h)
	h.advanceTo(ts("2024-06-15T00:00:00Z"))
	lost := h.attach(cus.ID, billing.SimTokLostCard) // becomes the subscription's card
	require.Equal(t, lost.ID, h.sub(sub.ID).PaymentMethodID)

	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	h.advanceTo(ts("2024-08-15T00:00:00Z"))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, Cycle: 2, PeriodStart: t1, PeriodEnd: t2,
		CanceledAt: &t1, EndedAt: &t1, Reason: billing.CancelPaymentFailed})
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), inv{Number: number(2), Status: billing.InvoiceUncollectible,
		Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2, Subtotal: 5000, Total: 5000,
		Payments: []pay{{Status: billing.PaymentFailed, Class: billing.FailureHard, Code: sim.FailLostCard, At: t1}}})
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evPMAttached, evSubUpdated},
		[]string{evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPayFailed, evInvFailed, evInvUncollect, evSubDeleted})
}

// 7. The gateway charges and then times out: the payment is unknown and
// the subscription incomplete until reconciliation a minute later finds
// the charge. Nothing charges twice.
func scenarioTimeoutAfterCharge(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("eva@example.com")
	pm := h.attach(cus.ID, billing.SimTokTimeoutAfterCharge)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
	require.Equal(t, billing.SubscriptionIncomplete, sub.Status)

	t1 := ts("2024-07-01T12:00:00Z")
	reconcileAt := t0.Add(time.Minute)
	incomplete := subState{Status: billing.SubscriptionIncomplete, Cycle: 1, PeriodStart: t0, PeriodEnd: t1, NextActionAt: &reconcileAt}
	h.requireSub(sub.ID, incomplete)
	open := inv{Number: number(1), Status: billing.InvoiceOpen, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
		Subtotal: 5000, Total: 5000, Payments: []pay{{Status: billing.PaymentUnknown, At: t0}}}
	invs := h.requireInvoices(sub.ID, open)
	require.Equal(t, reconcileAt, invs[0].NextAttemptAt.UTC())
	require.Equal(t, map[string]int64{}, h.entitlements(cus.ID))

	// Thirty seconds later: still unknown, nothing charged again.
	h.advance(30 * time.Second)
	h.requireSub(sub.ID, incomplete)
	h.requireInvoices(sub.ID, open)

	// A minute after the charge, reconciliation finds it.
	h.advanceTo(reconcileAt)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: t0, PeriodEnd: t1, NextActionAt: &t1})
	invs = h.requireInvoices(sub.ID, inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate,
		Start: t0, End: t1, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(t0)}})
	require.Equal(t, reconcileAt, invs[0].PaidAt.UTC())
	ledger, err := h.sim.Ledger(h.ctx)
	require.NoError(t, err)
	require.Len(t, ledger, 1, "one call to the gateway, no second charge")
	require.Equal(t, sim.OutcomeSucceeded, ledger[0].Outcome)
	h.requireEvents([]string{evPMAttached, evSubCreated, evInvCreated, evInvFinalized, evPayCreated, evPayUnknown,
		evPaySucceeded, evInvPaid, evSubUpdated})
}

// 8. A 502 (tok_gatewayError): unknown; reconciliation finds the gateway's
// error entry (nothing moved) and makes it a technical failure; a technical
// retry a minute later succeeds. The renewal goes the same way.
func scenarioGatewayError(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("fer@example.com")
	pm := h.attach(cus.ID, billing.SimTokGatewayError)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
	require.Equal(t, billing.SubscriptionIncomplete, sub.Status)

	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	m1, m2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	technical := func(at time.Time) pay {
		return pay{Status: billing.PaymentFailed, Class: billing.FailureTechnical, Code: sim.FailProcessingError, At: at}
	}

	h.advanceTo(m1)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionIncomplete, Cycle: 1, PeriodStart: t0, PeriodEnd: t1, NextActionAt: &m2})
	invs := h.requireInvoices(sub.ID, inv{Number: number(1), Status: billing.InvoiceOpen, Reason: billing.ReasonSubscriptionCreate,
		Start: t0, End: t1, Subtotal: 5000, Total: 5000, Payments: []pay{technical(t0)}})
	require.Equal(t, m2, invs[0].NextAttemptAt.UTC())

	h.advanceTo(m2)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: t0, PeriodEnd: t1, NextActionAt: &t1})
	first := inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate,
		Start: t0, End: t1, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{technical(t0), paid(m2)}}
	h.requireInvoices(sub.ID, first)

	// The renewal: 502, reconciled a minute later, retried a minute after.
	h.advanceTo(t1.Add(10 * time.Minute))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	h.requireInvoices(sub.ID, first, inv{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: t1, End: t2, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{technical(t1), paid(t1.Add(2 * time.Minute))}})

	ledger, err := h.sim.Ledger(h.ctx)
	require.NoError(t, err)
	var outcomes []string
	for _, c := range ledger {
		outcomes = append(outcomes, c.Outcome)
	}
	require.Equal(t, []string{sim.OutcomeError, sim.OutcomeSucceeded, sim.OutcomeError, sim.OutcomeSucceeded}, outcomes)
	h.requireEvents([]string{evPMAttached, evSubCreated, evInvCreated, evInvFinalized, evPayCreated, evPayUnknown,
		evPayFailed, evInvFailed, evPayCreated, evPaySucceeded, evInvPaid, evSubUpdated},
		[]string{evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPayUnknown, evPayFailed, evInvFailed,
			evPayCreated, evPaySucceeded, evInvPaid})
}

// 8b. Canceled while a renewal's outcome is unknown (the gateway charged,
// then timed out): reconciliation must still resolve the payment, and the
// money the canceled subscription can no longer take is refunded — the
// reversal path of docs/architecture.md ("Charging exactly once").
func scenarioCancelDuringUnknown(t *testing.T, h *harness) {
	sub, cus := activeSub(t, h)
	h.advanceTo(ts("2024-06-15T00:00:00Z"))
	h.attach(cus.ID, billing.SimTokTimeoutAfterCharge) // becomes the subscription's card

	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	h.advanceTo(t1)
	invs := h.requireInvoices(sub.ID, monthly(1, 5000, 0), inv{Number: number(2), Status: billing.InvoiceOpen,
		Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2, Subtotal: 5000, Total: 5000,
		Payments: []pay{{Status: billing.PaymentUnknown, At: t1}}})
	_, err := h.app.Subscriptions.CancelSubscription(h.ctx, h.s, sub.ID, app.CancelParams{})
	require.NoError(t, err)

	h.advanceTo(ts("2024-07-02T00:00:00Z"))
	pays := h.payments(invs[1].ID)
	require.Len(t, pays, 1, "nothing charges the invoice again")
	require.Equal(t, billing.PaymentSucceeded, pays[0].Status, "the unknown payment is reconciled after the cancellation")
	require.Equal(t, int64(5000), pays[0].AmountRefunded, "the reversal path refunds it")
	refunds, err := h.app.Collection.ListRefunds(h.ctx, h.s, pays[0].ID, billing.Page{})
	require.NoError(t, err)
	require.Len(t, refunds.Data, 1)
	require.Equal(t, billing.RefundSucceeded, refunds.Data[0].Status)
	require.Equal(t, int64(5000), refunds.Data[0].Amount)
	ledger, err := h.sim.Ledger(h.ctx)
	require.NoError(t, err)
	var refunded int64
	for _, c := range ledger {
		if c.Outcome == sim.OutcomeRefund && c.Token == pays[0].IdempotencyKey {
			refunded += c.Amount
		}
	}
	require.Equal(t, int64(5000), refunded, "refunded at the gateway")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, Cycle: 2, PeriodStart: t1, PeriodEnd: t2,
		CanceledAt: &t1, EndedAt: &t1, Reason: billing.CancelRequestedByCustomer})
}

// activeSub starts a CLP 5000 monthly subscription paid by tok_visa at
// 2024-06-01 12:00 UTC.
func activeSub(t *testing.T, h *harness, opts ...func(*app.CreateSubscriptionParams)) (billing.Subscription, billing.Customer) {
	h.begin("UTC", ts("2024-06-01T12:00:00Z"))
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("gabi@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	p := app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID}
	for _, o := range opts {
		o(&p)
	}
	sub := h.subscribe(p)
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	return sub, cus
}

// monthly is invoice n of a CLP 5000 subscription started on
// 2024-06-01 12:00 UTC, paid at its start.
func monthly(n int, subtotal, discount int64) inv {
	start := time.Date(2024, time.Month(6+n-1), 1, 12, 0, 0, 0, time.UTC)
	end := time.Date(2024, time.Month(6+n), 1, 12, 0, 0, 0, time.UTC)
	reason := billing.ReasonSubscriptionCycle
	if n == 1 {
		reason = billing.ReasonSubscriptionCreate
	}
	total := subtotal - discount
	return inv{Number: number(n), Status: billing.InvoicePaid, Reason: reason, Start: start, End: end,
		Subtotal: subtotal, Discount: discount, Total: total, Paid: total, Payments: []pay{paid(start)}}
}

// 9a. Cancel at period end, then reactivate before the end: it renews.
func scenarioCancelReactivate(t *testing.T, h *harness) {
	sub, _ := activeSub(t, h)
	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	h.advanceTo(ts("2024-06-10T08:00:00Z"))
	s, err := h.app.Subscriptions.CancelSubscription(h.ctx, h.s, sub.ID, app.CancelParams{AtPeriodEnd: true})
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionActive, s.Status)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: ts("2024-06-01T12:00:00Z"), PeriodEnd: t1,
		CancelAtPeriodEnd: true, CancelAt: &t1, CanceledAt: tp("2024-06-10T08:00:00Z"), Reason: billing.CancelRequestedByCustomer, NextActionAt: &t1})

	h.advanceTo(ts("2024-06-20T08:00:00Z"))
	_, err = h.app.Subscriptions.ReactivateSubscription(h.ctx, h.s, sub.ID)
	require.NoError(t, err)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: ts("2024-06-01T12:00:00Z"), PeriodEnd: t1, NextActionAt: &t1})

	h.advanceTo(ts("2024-07-02T00:00:00Z"))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), monthly(2, 5000, 0))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evSubUpdated, evSubUpdated}, seqRenewalPaid)
}

// 9b. Cancel at period end and let it end: canceled at the period end, no
// new invoice; too late to reactivate.
func scenarioCancelAtPeriodEnd(t *testing.T, h *harness) {
	sub, cus := activeSub(t, h)
	t1 := ts("2024-07-01T12:00:00Z")
	h.advanceTo(ts("2024-06-10T08:00:00Z"))
	_, err := h.app.Subscriptions.CancelSubscription(h.ctx, h.s, sub.ID, app.CancelParams{AtPeriodEnd: true})
	require.NoError(t, err)

	h.advanceTo(ts("2024-09-01T00:00:00Z"))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, Cycle: 1, PeriodStart: ts("2024-06-01T12:00:00Z"), PeriodEnd: t1,
		CancelAtPeriodEnd: true, CancelAt: &t1, CanceledAt: tp("2024-06-10T08:00:00Z"), EndedAt: &t1, Reason: billing.CancelRequestedByCustomer})
	h.requireInvoices(sub.ID, monthly(1, 5000, 0))
	require.Equal(t, t1, h.eventAt(evSubDeleted, sub.ID))
	require.Equal(t, map[string]int64{}, h.entitlements(cus.ID))

	_, err = h.app.Subscriptions.ReactivateSubscription(h.ctx, h.s, sub.ID)
	requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evSubUpdated, evSubDeleted})
}

// 9c. Cancel now (by the merchant): canceled at once, nothing more billed.
func scenarioCancelNow(t *testing.T, h *harness) {
	sub, _ := activeSub(t, h)
	at := ts("2024-06-10T08:00:00Z")
	h.advanceTo(at)
	s, err := h.app.Subscriptions.CancelSubscription(h.ctx, h.s, sub.ID, app.CancelParams{Reason: string(billing.CancelRequestedByMerchant)})
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionCanceled, s.Status)
	canceled := subState{Status: billing.SubscriptionCanceled, Cycle: 1, PeriodStart: ts("2024-06-01T12:00:00Z"), PeriodEnd: ts("2024-07-01T12:00:00Z"),
		CanceledAt: &at, EndedAt: &at, Reason: billing.CancelRequestedByMerchant}
	h.requireSub(sub.ID, canceled)

	h.advanceTo(ts("2024-09-01T00:00:00Z"))
	h.requireSub(sub.ID, canceled)
	h.requireInvoices(sub.ID, monthly(1, 5000, 0))
	_, err = h.app.Subscriptions.CancelSubscription(h.ctx, h.s, sub.ID, app.CancelParams{})
	requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evSubDeleted})
}

// 9d. A trial canceled at period end ends with its trial: no invoice, no
// charge (the engine sets cancel_at to the trial end).
func scenarioTrialCancelAtPeriodEnd(t *testing.T, h *harness) {
	t0 := ts("2024-05-01T09:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 14)
	cus := h.customer("hana@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
	trialEnd := ts("2024-05-15T09:00:00Z")
	h.advanceTo(ts("2024-05-05T09:00:00Z"))
	_, err := h.app.Subscriptions.CancelSubscription(h.ctx, h.s, sub.ID, app.CancelParams{AtPeriodEnd: true})
	require.NoError(t, err)

	h.advanceTo(ts("2024-07-01T00:00:00Z"))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, PeriodStart: t0, PeriodEnd: trialEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, CancelAtPeriodEnd: true, CancelAt: &trialEnd,
		CanceledAt: tp("2024-05-05T09:00:00Z"), EndedAt: &trialEnd, Reason: billing.CancelRequestedByCustomer})
	h.requireInvoices(sub.ID)
	h.requireEvents([]string{evPMAttached, evSubCreated, evSubUpdated, evTrialWillEnd, evSubDeleted})
}

// 10. max_cycles 3: three paid invoices, then canceled (completed) at the
// end of the third period.
func scenarioMaxCycles(t *testing.T, h *harness) {
	sub, _ := activeSub(t, h, func(p *app.CreateSubscriptionParams) { p.MaxCycles = 3 })
	h.advanceTo(ts("2024-11-01T00:00:00Z"))
	end := ts("2024-09-01T12:00:00Z")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, Cycle: 3, PeriodStart: ts("2024-08-01T12:00:00Z"), PeriodEnd: end,
		CanceledAt: &end, EndedAt: &end, Reason: billing.CancelCompleted})
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), monthly(2, 5000, 0), monthly(3, 5000, 0))
	require.Equal(t, end, h.eventAt(evSubDeleted, sub.ID))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, repeat(seqRenewalPaid, 2), []string{evSubDeleted})
}

func (h *harness) coupon(p app.CreateCouponParams) billing.Coupon {
	h.t.Helper()
	c, err := h.app.Catalog.CreateCoupon(h.ctx, h.s, p)
	require.NoError(h.t, err)
	return c
}

// 11a. 20 % off for 3 months: CLP 4000 for the first three monthly
// invoices, then 5000.
func scenarioCouponRepeating(t *testing.T, h *harness) {
	var sub billing.Subscription
	sub, _ = activeSub(t, h, func(p *app.CreateSubscriptionParams) {
		p.Coupon = h.coupon(app.CreateCouponParams{PercentOff: ptr(20.0), Duration: billing.DurationRepeating, DurationInMonths: 3}).ID
	})
	h.advanceTo(ts("2024-11-15T00:00:00Z"))
	invs := h.requireInvoices(sub.ID, monthly(1, 5000, 1000), monthly(2, 5000, 1000), monthly(3, 5000, 1000),
		monthly(4, 5000, 0), monthly(5, 5000, 0), monthly(6, 5000, 0))
	require.Len(t, invs[0].Lines, 2)
	require.Equal(t, billing.LineDiscount, invs[0].Lines[1].Type)
	require.Equal(t, int64(-1000), invs[0].Lines[1].Amount)
	require.Len(t, invs[3].Lines, 1)
	got := h.sub(sub.ID)
	require.NotNil(t, got.DiscountEnd)
	require.Equal(t, ts("2024-09-01T12:00:00Z"), got.DiscountEnd.UTC())
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, repeat(seqRenewalPaid, 5))
}

// 11b. 20 % off once: only the first invoice.
func scenarioCouponOnce(t *testing.T, h *harness) {
	sub, _ := activeSub(t, h, func(p *app.CreateSubscriptionParams) {
		p.Coupon = h.coupon(app.CreateCouponParams{PercentOff: ptr(20.0), Duration: billing.DurationOnce}).ID
	})
	h.advanceTo(ts("2024-08-15T00:00:00Z"))
	h.requireInvoices(sub.ID, monthly(1, 5000, 1000), monthly(2, 5000, 0), monthly(3, 5000, 0))
	require.True(t, h.sub(sub.ID).DiscountUsed)
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, repeat(seqRenewalPaid, 2))
}

// 11c. CLP 1500 off forever: 3500 every month.
func scenarioCouponAmountOff(t *testing.T, h *harness) {
	sub, _ := activeSub(t, h, func(p *app.CreateSubscriptionParams) {
		p.Coupon = h.coupon(app.CreateCouponParams{AmountOff: ptr(int64(1500)), Currency: "CLP", Duration: billing.DurationForever}).ID
	})
	h.advanceTo(ts("2024-08-15T00:00:00Z"))
	h.requireInvoices(sub.ID, monthly(1, 5000, 1500), monthly(2, 5000, 1500), monthly(3, 5000, 1500))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, repeat(seqRenewalPaid, 2))
}

// 11d. A coupon that covers the whole first invoice: it is paid at
// finalization with no charge, the subscription is active, and the next
// invoice is charged in full.
func scenarioCouponFreeFirstInvoice(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("ines@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	c := h.coupon(app.CreateCouponParams{PercentOff: ptr(100.0), Duration: billing.DurationOnce})
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID, Coupon: c.ID})
	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: t0, PeriodEnd: t1, NextActionAt: &t1})
	free := inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
		Subtotal: 5000, Discount: 5000, Total: 0, Paid: 0}
	h.requireInvoices(sub.ID, free)

	h.advanceTo(t1)
	h.requireInvoices(sub.ID, free, monthly(2, 5000, 0))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	h.requireEvents([]string{evPMAttached, evSubCreated, evInvCreated, evInvFinalized, evInvPaid, evSubUpdated}, seqRenewalPaid)
}

// 11e. A trial with a coupon that covers the first invoice: at the
// trial's end the invoice is paid at finalization with no charge and the
// subscription is active; the next month is charged in full.
func scenarioCouponFreeAfterTrial(t *testing.T, h *harness) {
	t0 := ts("2024-05-01T09:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 14)
	cus := h.customer("pia@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	c := h.coupon(app.CreateCouponParams{PercentOff: ptr(100.0), Duration: billing.DurationOnce})
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID, Coupon: c.ID})
	trialEnd, e1, e2 := ts("2024-05-15T09:00:00Z"), ts("2024-06-15T09:00:00Z"), ts("2024-07-15T09:00:00Z")

	h.advanceTo(ts("2024-05-20T00:00:00Z"))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: trialEnd, PeriodEnd: e1,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &e1})
	free := inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: trialEnd, End: e1,
		Subtotal: 5000, Discount: 5000}
	h.requireInvoices(sub.ID, free)

	h.advanceTo(ts("2024-06-20T00:00:00Z"))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: e1, PeriodEnd: e2,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &e2})
	h.requireInvoices(sub.ID, free, inv{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: e1, End: e2, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(e1)}})
	h.requireEvents([]string{evPMAttached, evSubCreated, evTrialWillEnd, evInvCreated, evInvFinalized, evInvPaid, evSubUpdated},
		seqRenewalPaid)
}

// 11f. A coupon with max_redemptions 1 is redeemed once: a second
// subscription cannot use it.
func scenarioCouponMaxRedemptions(t *testing.T, h *harness) {
	var c billing.Coupon
	activeSub(t, h, func(p *app.CreateSubscriptionParams) {
		c = h.coupon(app.CreateCouponParams{PercentOff: ptr(10.0), Duration: billing.DurationForever, MaxRedemptions: 1})
		p.Coupon = c.ID
	})
	got, err := h.app.Catalog.GetCoupon(h.ctx, h.s, c.ID)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.TimesRedeemed, "times_redeemed after one subscription")

	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("juan@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	_, err = h.app.Subscriptions.CreateSubscription(h.ctx, h.s, app.CreateSubscriptionParams{Customer: cus.ID,
		Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID, Coupon: c.ID})
	requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "coupon")
}

// 12a. A merchant in America/Santiago bills monthly at 09:00 local time:
// the UTC instants move by an hour across the April (−03 → −04) and
// September (−04 → −03) changes, the wall time stays.
func scenarioSantiagoMonthly(t *testing.T, h *harness) {
	t0 := ts("2024-03-15T12:00:00Z") // 09:00 −03
	h.begin("America/Santiago", t0)
	require.Equal(t, "America/Santiago", h.m.Timezone)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("kika@example.cl")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)

	b := []time.Time{
		t0,                         // Mar 15 09:00 −03
		ts("2024-04-15T13:00:00Z"), // Apr 15 09:00 −04
		ts("2024-05-15T13:00:00Z"),
		ts("2024-06-15T13:00:00Z"),
		ts("2024-07-15T13:00:00Z"),
		ts("2024-08-15T13:00:00Z"),
		ts("2024-09-15T12:00:00Z"), // Sep 15 09:00 −03
		ts("2024-10-15T12:00:00Z"),
		ts("2024-11-15T12:00:00Z"),
	}
	h.advanceTo(ts("2024-10-20T00:00:00Z"))
	var want []inv
	for i := 1; i <= 8; i++ {
		reason := billing.ReasonSubscriptionCycle
		if i == 1 {
			reason = billing.ReasonSubscriptionCreate
		}
		want = append(want, inv{Number: number(i), Status: billing.InvoicePaid, Reason: reason, Start: b[i-1], End: b[i],
			Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(b[i-1])}})
	}
	invs := h.requireInvoices(sub.ID, want...)
	for _, in := range invs {
		local := in.PeriodStart.In(h.loc)
		require.Equal(t, "15 09:00", local.Format("02 15:04"), "%s starts %s local", in.Number, local)
	}
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 8, PeriodStart: b[7], PeriodEnd: b[8], NextActionAt: &b[8]})
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, repeat(seqRenewalPaid, 7))
}

// 12b. Santiago wall times that fall in the September gap or the April
// overlap resolve by RFC 5545: 00:30 on Sep 8 2024 does not exist and
// moves forward by the gap's hour to 01:30 −03, keeping the date; 23:30 on
// Apr 6 2024 exists twice and takes the first (−03) reading.
func scenarioSantiagoGapOverlap(t *testing.T, h *harness) {
	h.begin("America/Santiago", ts("2024-03-07T02:30:00Z")) // Mar 6 23:30 −03
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	overlapCus := h.customer("")
	overlap := h.subscribeTo(overlapCus.ID, price.ID, h.attach(overlapCus.ID, billing.SimTokVisa).ID)

	h.advanceTo(ts("2024-08-08T04:30:00Z")) // Aug 8 00:30 −04
	gapCus := h.customer("")
	gap := h.subscribeTo(gapCus.ID, price.ID, h.attach(gapCus.ID, billing.SimTokVisa).ID)

	h.advanceTo(ts("2024-09-10T00:00:00Z"))
	periods := func(subID string) [][2]time.Time {
		var out [][2]time.Time
		for _, in := range h.invoices(subID) {
			require.Equal(t, billing.InvoicePaid, in.Status)
			out = append(out, [2]time.Time{in.PeriodStart.UTC(), in.PeriodEnd.UTC()})
		}
		return out
	}
	require.Equal(t, [][2]time.Time{
		{ts("2024-03-07T02:30:00Z"), ts("2024-04-07T02:30:00Z")}, // Apr 6 23:30, first reading (−03)
		{ts("2024-04-07T02:30:00Z"), ts("2024-05-07T03:30:00Z")}, // May 6 23:30 −04
		{ts("2024-05-07T03:30:00Z"), ts("2024-06-07T03:30:00Z")},
		{ts("2024-06-07T03:30:00Z"), ts("2024-07-07T03:30:00Z")},
		{ts("2024-07-07T03:30:00Z"), ts("2024-08-07T03:30:00Z")},
		{ts("2024-08-07T03:30:00Z"), ts("2024-09-07T03:30:00Z")}, // Sep 6 23:30, still −04
		{ts("2024-09-07T03:30:00Z"), ts("2024-10-07T02:30:00Z")}, // Oct 6 23:30 −03
	}, periods(overlap.ID))
	require.Equal(t, [][2]time.Time{
		{ts("2024-08-08T04:30:00Z"), ts("2024-09-08T04:30:00Z")}, // Sep 8 00:30 is in the gap: 01:30 −03, same date (RFC 5545)
		{ts("2024-09-08T04:30:00Z"), ts("2024-10-08T03:30:00Z")}, // Oct 8 00:30 −03
	}, periods(gap.ID))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, repeat(seqRenewalPaid, 5), // overlap: Mar 7 … Aug 7
		[]string{evPMAttached}, seqCreatedPaid, // gap: Aug 8
		seqRenewalPaid, seqRenewalPaid) // overlap Sep 7, gap Sep 8
}

// 12c. A 14-day trial in Santiago that crosses the April change keeps its
// wall time: it lasts 14 days and one hour.
func scenarioSantiagoTrial(t *testing.T, h *harness) {
	t0 := ts("2024-04-01T13:00:00Z") // Apr 1 10:00 −03
	h.begin("America/Santiago", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 14)
	cus := h.customer("lola@example.cl")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
	trialEnd := ts("2024-04-15T14:00:00Z") // Apr 15 10:00 −04
	notice := trialEnd.Add(-72 * time.Hour)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionTrialing, PeriodStart: t0, PeriodEnd: trialEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &notice})
	h.advanceTo(ts("2024-04-20T00:00:00Z"))
	periodEnd := ts("2024-05-15T14:00:00Z")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: trialEnd, PeriodEnd: periodEnd,
		TrialStart: &t0, TrialEnd: &trialEnd, NextActionAt: &periodEnd})
	require.Equal(t, notice, h.eventAt(evTrialWillEnd, sub.ID))
	h.requireInvoices(sub.ID, inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: trialEnd, End: periodEnd, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(trialEnd)}})
	h.requireEvents([]string{evPMAttached, evSubCreated, evTrialWillEnd},
		[]string{evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPaySucceeded, evInvPaid, evSubUpdated})
}

// 13. Entitlements merge the features of trialing, active and past_due
// subscriptions (highest value wins) and leave out canceled ones.
func scenarioEntitlements(t *testing.T, h *harness) {
	t0 := ts("2024-03-01T12:00:00Z")
	h.begin("UTC", t0)
	prodA := h.product("Starter", map[string]int64{"seats": 3, "featured": 1})
	prodB := h.product("Pro", map[string]int64{"seats": 10})
	prodC := h.product("API", map[string]int64{"api": 1})
	priceA := h.priceOf(prodA.ID, 3000, "CLP", billing.IntervalMonth, 0)
	priceB := h.priceOf(prodB.ID, 9000, "CLP", billing.IntervalMonth, 0)
	priceC := h.priceOf(prodC.ID, 2000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("mara@example.com")
	require.Equal(t, map[string]int64{}, h.entitlements(cus.ID))

	visa := h.attach(cus.ID, billing.SimTokVisa)
	subA := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: priceA.ID}},
		PaymentMethod: visa.ID, TrialPeriodDays: ptr(int64(30))})
	subB := h.subscribeTo(cus.ID, priceB.ID, visa.ID)
	subC := h.subscribeTo(cus.ID, priceC.ID, visa.ID)
	require.Equal(t, billing.SubscriptionTrialing, subA.Status)
	require.Equal(t, billing.SubscriptionActive, subB.Status)
	require.Equal(t, billing.SubscriptionActive, subC.Status)
	require.Equal(t, map[string]int64{"seats": 10, "featured": 1, "api": 1}, h.entitlements(cus.ID))

	_, err := h.app.Subscriptions.CancelSubscription(h.ctx, h.s, subC.ID, app.CancelParams{})
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"seats": 10, "featured": 1}, h.entitlements(cus.ID))

	// A card whose later charges fail: A's trial ends on Mar 31 and its
	// first charge succeeds; B's renewal on Apr 1 is declined.
	h.attach(cus.ID, billing.SimTokFailAfterFirst)
	h.advanceTo(ts("2024-04-01T13:00:00Z"))
	require.Equal(t, billing.SubscriptionActive, h.sub(subA.ID).Status)
	require.Equal(t, billing.SubscriptionPastDue, h.sub(subB.ID).Status)
	require.Equal(t, billing.SubscriptionCanceled, h.sub(subC.ID).Status)
	require.Equal(t, map[string]int64{"seats": 10, "featured": 1}, h.entitlements(cus.ID))

	// B's retries run out on Apr 17: canceled, its seats go.
	h.advanceTo(ts("2024-04-20T00:00:00Z"))
	require.Equal(t, billing.SubscriptionCanceled, h.sub(subB.ID).Status)
	require.Equal(t, map[string]int64{"seats": 3, "featured": 1}, h.entitlements(cus.ID))
	t1, t2 := ts("2024-04-01T12:00:00Z"), ts("2024-05-01T12:00:00Z")
	fails := []time.Time{t1, ts("2024-04-02T12:00:00Z"), ts("2024-04-05T12:00:00Z"), ts("2024-04-10T12:00:00Z"), ts("2024-04-17T12:00:00Z")}
	var declines []pay
	for _, at := range fails {
		declines = append(declines, declined(at))
	}
	h.requireInvoices(subB.ID,
		inv{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
			Subtotal: 9000, Total: 9000, Paid: 9000, Payments: []pay{paid(t0)}},
		inv{Number: number(4), Status: billing.InvoiceUncollectible, Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2,
			Subtotal: 9000, Total: 9000, Payments: declines})
	h.requireInvoices(subA.ID, inv{Number: number(3), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: ts("2024-03-31T12:00:00Z"), End: ts("2024-04-30T12:00:00Z"), Subtotal: 3000, Total: 3000, Paid: 3000,
		Payments: []pay{paid(ts("2024-03-31T12:00:00Z"))}})
	h.requireEvents([]string{evPMAttached, evSubCreated}, seqCreatedPaid, seqCreatedPaid, []string{evSubDeleted},
		[]string{evPMAttached, evSubUpdated, evSubUpdated}, // the new card becomes A's and B's
		[]string{evTrialWillEnd, evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPaySucceeded, evInvPaid, evSubUpdated},
		seqRenewalDeclined, repeat(seqRetryDeclined, 3),
		[]string{evPayCreated, evPayFailed, evInvFailed, evInvUncollect, evSubDeleted})
}

package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Refunds, manual invoice actions, merchant dunning policies and refused
// transitions, on both stores.
func TestPayments(t *testing.T) {
	runScenarios(t, []scenario{
		{"refunds_partial_full_and_over", scenarioRefunds},
		{"mark_uncollectible_then_pay_with_new_card", scenarioUncollectibleThenPay},
		{"void_invoice", scenarioVoidInvoice},
		{"invoice_actions_while_payment_unknown", scenarioActionsWhileUnknown},
		{"dunning_schedule_final_action_unpaid", scenarioDunningUnpaid},
		{"dunning_exponential_leave_past_due", scenarioDunningExponential},
		{"invalid_transitions", scenarioInvalidTransitions},
	})
}

// 6. Refunds of a paid invoice's payment: partial, partial, then the rest;
// more than what is left is refused (400 amount_invalid) and writes
// nothing; the sim's ledger returned exactly the refunds; one event per
// refund, dated by the customer's test clock.
func scenarioRefunds(t *testing.T, h *harness) {
	sub, _ := activeSub(t, h)
	invs := h.requireInvoices(sub.ID, monthly(1, 5000, 0))
	pays := h.payments(invs[0].ID)
	require.Len(t, pays, 1)
	p := pays[0]
	base := len(h.events())

	at := ts("2024-06-05T09:00:00Z")
	h.advanceTo(at)
	refund := func(amount *int64) billing.Refund {
		t.Helper()
		r, err := h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: p.ID, Amount: amount, Reason: "requested_by_customer"})
		require.NoError(t, err)
		require.Equal(t, billing.RefundSucceeded, r.Status)
		require.Equal(t, p.ID, r.PaymentID)
		require.Equal(t, "CLP", r.Currency)
		require.NotEmpty(t, r.GatewayRef)
		return r
	}
	refused := func(amount *int64) {
		t.Helper()
		_, err := h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: p.ID, Amount: amount})
		requireAppError(t, err, billing.KindInvalid, billing.CodeAmountInvalid, "amount")
	}
	refundedSoFar := func() int64 {
		t.Helper()
		got, err := h.app.Collection.ListPayments(h.ctx, h.s, billing.PaymentFilter{InvoiceID: invs[0].ID}, billing.Page{})
		require.NoError(t, err)
		require.Len(t, got.Data, 1)
		return got.Data[0].AmountRefunded
	}

	r1 := refund(ptr(int64(1500)))
	require.Equal(t, int64(1500), r1.Amount)
	require.Equal(t, int64(1500), refundedSoFar())
	refused(ptr(int64(3501))) // 3500 left
	refused(ptr(int64(0)))
	refused(ptr(int64(-1)))
	r2 := refund(ptr(int64(2000)))
	require.Equal(t, int64(3500), refundedSoFar())
	refused(ptr(int64(1501))) // 1500 left
	r3 := refund(nil)         // the rest
	require.Equal(t, int64(1500), r3.Amount)
	require.Equal(t, int64(5000), refundedSoFar())
	refused(nil) // nothing left
	refused(ptr(int64(1)))

	list, err := h.app.Collection.ListRefunds(h.ctx, h.s, p.ID, billing.Page{})
	require.NoError(t, err)
	var ids []string
	var amounts []int64
	for _, r := range list.Data {
		ids, amounts = append(ids, r.ID), append(amounts, r.Amount)
		require.Equal(t, billing.RefundSucceeded, r.Status)
	}
	require.Equal(t, []string{r3.ID, r2.ID, r1.ID}, ids, "newest first")
	require.Equal(t, []int64{1500, 2000, 1500}, amounts)

	// The gateway returned exactly the refunds, once each.
	entries, charge := h.ledgerRefunds(p.IdempotencyKey)
	var ledgerAmounts []int64
	var refs []string
	for _, e := range entries {
		ledgerAmounts, refs = append(ledgerAmounts, e.Amount), append(refs, e.Ref)
	}
	require.Equal(t, []int64{1500, 2000, 1500}, ledgerAmounts)
	require.Equal(t, []string{r1.GatewayRef, r2.GatewayRef, r3.GatewayRef}, refs)
	require.Equal(t, int64(5000), charge.Refunded)
	require.Equal(t, int64(5000), charge.Amount)

	// The invoice stays paid; each refund issued a credit note of the
	// invoice (numbered in their own sequence) and the refunds are events
	// of their own, at the customer's (test-clock) time like every other
	// event of its life.
	h.requireInvoices(sub.ID, monthly(1, 5000, 0))
	require.Equal(t, []string{evCreditNoteCreated, evRefundSucceeded, evCreditNoteCreated, evRefundSucceeded,
		evCreditNoteCreated, evRefundSucceeded}, h.eventsSince(base))
	events := h.events()[base:]
	notes, err := h.app.Collection.ListCreditNotes(h.ctx, h.s, billing.CreditNoteFilter{InvoiceID: invs[0].ID}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, notes.Data, 3)
	for i, r := range []billing.Refund{r1, r2, r3} {
		require.Equal(t, r.ID, events[2*i+1].ObjectID)
		require.Equal(t, "refund", events[2*i+1].ObjectType)
		require.Equal(t, at, events[2*i+1].Created.UTC(), "refund event %d is dated by the test clock", i+1)
		require.Equal(t, at, r.Created.UTC(), "refund %d is created at the test clock's time", i+1)
		note := notes.Data[2-i]
		require.Equal(t, note.ID, events[2*i].ObjectID)
		require.Equal(t, []string{"AGEN-CN-000001", "AGEN-CN-000002", "AGEN-CN-000003"}[i], note.Number)
		require.Equal(t, r.ID, note.RefundID)
		require.Equal(t, r.Amount, note.Total)
		require.Equal(t, r.Amount, note.RefundAmount)
		require.Zero(t, note.Tax, "the invoice has no tax")
	}

	// A payment that did not succeed cannot be refunded.
	other := h.customer("nope@example.com")
	declinedSub := h.subscribeTo(other.ID, h.price(3000, "CLP", billing.IntervalMonth, 0).ID, h.attach(other.ID, billing.SimTokChargeDeclined).ID)
	failed := h.payments(h.invoices(declinedSub.ID)[0].ID)
	require.Len(t, failed, 1)
	_, err = h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: failed[0].ID})
	requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "payment")
	_, err = h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: "pay_missing"})
	requireAppError(t, err, billing.KindInvalid, billing.CodeResourceMissing, "payment")
}

// failingRenewal starts a CLP 5000 monthly subscription at Jun 1 12:00 UTC
// on tok_failAfterFirst: the first charge succeeds, the Jul 1 renewal is
// declined and the subscription is past_due with a retry due Jul 2.
func failingRenewal(t *testing.T, h *harness, email string) (billing.Subscription, billing.Customer) {
	h.begin("UTC", ts("2024-06-01T12:00:00Z"))
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer(email)
	sub := h.subscribeTo(cus.ID, price.ID, h.attach(cus.ID, billing.SimTokFailAfterFirst).ID)
	t1, t2, retry := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z"), ts("2024-07-02T12:00:00Z")
	h.advanceTo(t1)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionPastDue, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &retry})
	return sub, cus
}

// 7a. Marking a past_due invoice uncollectible stops its retries; it can
// still be paid: a new card and PayInvoice collect it and the subscription
// is active again.
func scenarioUncollectibleThenPay(t *testing.T, h *harness) {
	sub, cus := failingRenewal(t, h, "lia@example.com")
	t1, t2, t3 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z"), ts("2024-09-01T12:00:00Z")
	h.advanceTo(ts("2024-07-01T18:00:00Z"))
	invs := h.invoices(sub.ID)
	got, err := h.app.Collection.MarkUncollectible(h.ctx, h.s, invs[1].ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceUncollectible, got.Status)
	require.Nil(t, got.NextAttemptAt)
	uncollectible := inv{Number: number(2), Status: billing.InvoiceUncollectible, Reason: billing.ReasonSubscriptionCycle,
		Start: t1, End: t2, Subtotal: 5000, Total: 5000, Payments: []pay{declined(t1)}}
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), uncollectible)
	pastDue := subState{Status: billing.SubscriptionPastDue, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2}
	h.requireSub(sub.ID, pastDue)

	// The Jul 2, 5, 10 and 17 retries do not happen.
	h.advanceTo(ts("2024-07-20T09:00:00Z"))
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), uncollectible)
	h.requireSub(sub.ID, pastDue)
	_, err = h.app.Collection.MarkUncollectible(h.ctx, h.s, invs[1].ID)
	requireRefused(t, err, string(billing.InvoiceUncollectible))

	// A new card: it becomes the subscription's, but the uncollectible
	// invoice is not retried on its own; PayInvoice collects it.
	fixAt := ts("2024-07-20T09:00:00Z")
	good := h.attach(cus.ID, billing.SimTokVisa)
	require.Equal(t, good.ID, h.sub(sub.ID).PaymentMethodID)
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), uncollectible)
	payed, err := h.app.Collection.PayInvoice(h.ctx, h.s, invs[1].ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, payed.Status)
	second := inv{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: t1, End: t2, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{declined(t1), paid(fixAt)}}
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), second)
	require.Equal(t, fixAt, h.payments(invs[1].ID)[1].Created.UTC())
	require.Equal(t, good.ID, h.payments(invs[1].ID)[1].PaymentMethodID)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})

	// Paid is final.
	_, err = h.app.Collection.PayInvoice(h.ctx, h.s, invs[1].ID)
	requireRefused(t, err, string(billing.InvoicePaid))
	_, err = h.app.Collection.VoidInvoice(h.ctx, h.s, invs[1].ID)
	requireRefused(t, err, string(billing.InvoicePaid))
	_, err = h.app.Collection.MarkUncollectible(h.ctx, h.s, invs[1].ID)
	requireRefused(t, err, string(billing.InvoicePaid))

	h.advanceTo(t2)
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), second, monthly(3, 5000, 0))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 3, PeriodStart: t2, PeriodEnd: t3, NextActionAt: &t3})
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, seqRenewalDeclined, []string{evInvUncollect},
		[]string{evPMAttached, evSubUpdated}, []string{evPayCreated, evPaySucceeded, evInvPaid, evSubUpdated}, seqRenewalPaid)
}

// 7b. A past_due invoice marked uncollectible and then voided: it is no
// longer owed, nothing retries it, and a void invoice accepts no action.
func scenarioVoidInvoice(t *testing.T, h *harness) {
	sub, _ := failingRenewal(t, h, "vera@example.com")
	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	invs := h.invoices(sub.ID)
	markAt, voidAt := ts("2024-07-01T15:00:00Z"), ts("2024-07-01T18:00:00Z")
	h.advanceTo(markAt)
	_, err := h.app.Collection.MarkUncollectible(h.ctx, h.s, invs[1].ID)
	require.NoError(t, err)
	h.advanceTo(voidAt)
	got, err := h.app.Collection.VoidInvoice(h.ctx, h.s, invs[1].ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceVoid, got.Status)
	require.NotNil(t, got.VoidedAt)
	require.Equal(t, voidAt, got.VoidedAt.UTC())
	void := inv{Number: number(2), Status: billing.InvoiceVoid, Reason: billing.ReasonSubscriptionCycle,
		Start: t1, End: t2, Subtotal: 5000, Total: 5000, Payments: []pay{declined(t1)}}
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), void)

	h.advanceTo(ts("2024-07-25T00:00:00Z"))
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), void)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionPastDue, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	_, err = h.app.Collection.PayInvoice(h.ctx, h.s, invs[1].ID)
	requireRefused(t, err, string(billing.InvoiceVoid))
	_, err = h.app.Collection.VoidInvoice(h.ctx, h.s, invs[1].ID)
	requireRefused(t, err, string(billing.InvoiceVoid))
	_, err = h.app.Collection.MarkUncollectible(h.ctx, h.s, invs[1].ID)
	requireRefused(t, err, string(billing.InvoiceVoid))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, seqRenewalDeclined, []string{evInvUncollect, evInvVoided})
}

// 7c. While a renewal's payment is unknown (the gateway charged and timed
// out), nothing may act on the invoice: pay, void and mark uncollectible
// are 409 invalid_state_transition; reconciliation then finds the charge.
func scenarioActionsWhileUnknown(t *testing.T, h *harness) {
	sub, cus := activeSub(t, h)
	h.advanceTo(ts("2024-06-15T00:00:00Z"))
	h.attach(cus.ID, billing.SimTokTimeoutAfterCharge)
	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	h.advanceTo(t1)
	unknown := inv{Number: number(2), Status: billing.InvoiceOpen, Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2,
		Subtotal: 5000, Total: 5000, Payments: []pay{{Status: billing.PaymentUnknown, At: t1}}}
	invs := h.requireInvoices(sub.ID, monthly(1, 5000, 0), unknown)
	base := len(h.events())

	for name, act := range map[string]func(string) (billing.Invoice, error){
		"pay":           func(id string) (billing.Invoice, error) { return h.app.Collection.PayInvoice(h.ctx, h.s, id) },
		"void":          func(id string) (billing.Invoice, error) { return h.app.Collection.VoidInvoice(h.ctx, h.s, id) },
		"uncollectible": func(id string) (billing.Invoice, error) { return h.app.Collection.MarkUncollectible(h.ctx, h.s, id) },
	} {
		_, err := act(invs[1].ID)
		requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")
		require.Contains(t, billing.AsError(err).Message, billing.PaymentUnknown, "%s: the error says why", name)
	}
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), unknown)
	require.Empty(t, h.eventsSince(base), "refused actions write nothing")

	reconcileAt := t1.Add(time.Minute)
	h.advanceTo(reconcileAt)
	invs = h.requireInvoices(sub.ID, monthly(1, 5000, 0), inv{Number: number(2), Status: billing.InvoicePaid,
		Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2, Subtotal: 5000, Total: 5000, Paid: 5000, Payments: []pay{paid(t1)}})
	require.Equal(t, reconcileAt, invs[1].PaidAt.UTC())
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evPMAttached, evSubUpdated},
		[]string{evInvCreated, evInvFinalized, evPayCreated, evSubUpdated, evPayUnknown, evPaySucceeded, evInvPaid})
}

// 8a. A merchant's own dunning policy (UpdateMerchant): retry 1 day, then
// 2 days after each failure, then unpaid. The unpaid subscription is not
// entitled; its next period is invoiced but not charged. A new card
// collects the open invoice at once (active again), and PayInvoice the
// uncollectible one.
func scenarioDunningUnpaid(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	// Bad policies are refused, naming the field.
	_, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{Dunning: &app.DunningParams{Schedule: []string{"1d", "2x"}}})
	requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "schedule")
	_, err = h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{Dunning: &app.DunningParams{FinalAction: ptr("forgive")}})
	requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "final_action")
	m, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{Dunning: &app.DunningParams{
		Schedule: []string{"1d", "2d"}, FinalAction: ptr(billing.PolicyUnpaid)}})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{24 * time.Hour, 48 * time.Hour}, m.Settings.Dunning.Schedule)
	require.Nil(t, m.Settings.Dunning.Exponential)
	require.Equal(t, billing.PolicyUnpaid, m.Settings.Dunning.FinalAction)

	prod := h.product("Plan", map[string]int64{"seats": 5})
	price := h.priceOf(prod.ID, 5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("uma@example.com")
	sub := h.subscribeTo(cus.ID, price.ID, h.attach(cus.ID, billing.SimTokFailAfterFirst).ID)
	t1, t2, t3 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z"), ts("2024-09-01T12:00:00Z")
	fails := []time.Time{t1, ts("2024-07-02T12:00:00Z"), ts("2024-07-04T12:00:00Z")}

	h.advanceTo(fails[1])
	invs := h.invoices(sub.ID)
	require.Equal(t, fails[2], invs[1].NextAttemptAt.UTC(), "2 days after the second failure")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionPastDue, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &fails[2]})
	require.Equal(t, map[string]int64{"seats": 5}, h.entitlements(cus.ID), "past_due keeps access")

	// The third failure exhausts the schedule: unpaid.
	h.advanceTo(ts("2024-07-31T00:00:00Z"))
	exhausted := inv{Number: number(2), Status: billing.InvoiceUncollectible, Reason: billing.ReasonSubscriptionCycle,
		Start: t1, End: t2, Subtotal: 5000, Total: 5000, Payments: []pay{declined(fails[0]), declined(fails[1]), declined(fails[2])}}
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), exhausted)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionUnpaid, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	require.Equal(t, map[string]int64{}, h.entitlements(cus.ID), "unpaid is not entitled")

	// The next period is invoiced, not charged.
	h.advanceTo(ts("2024-08-05T09:00:00Z"))
	open := inv{Number: number(3), Status: billing.InvoiceOpen, Reason: billing.ReasonSubscriptionCycle, Start: t2, End: t3,
		Subtotal: 5000, Total: 5000}
	invs = h.requireInvoices(sub.ID, monthly(1, 5000, 0), exhausted, open)
	require.Nil(t, invs[2].NextAttemptAt, "nothing retries an unpaid subscription's invoice")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionUnpaid, Cycle: 3, PeriodStart: t2, PeriodEnd: t3, NextActionAt: &t3})

	// A new card retries the open invoice at once: paid, active.
	fixAt := ts("2024-08-05T09:00:00Z")
	h.attach(cus.ID, billing.SimTokVisa)
	paidOpen := open
	paidOpen.Status, paidOpen.Paid, paidOpen.Payments = billing.InvoicePaid, 5000, []pay{paid(fixAt)}
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), exhausted, paidOpen)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 3, PeriodStart: t2, PeriodEnd: t3, NextActionAt: &t3})
	require.Equal(t, map[string]int64{"seats": 5}, h.entitlements(cus.ID))

	// PayInvoice collects the uncollectible one with the new card.
	_, err = h.app.Collection.PayInvoice(h.ctx, h.s, invs[1].ID)
	require.NoError(t, err)
	exhausted.Status, exhausted.Paid = billing.InvoicePaid, 5000
	exhausted.Payments = append(exhausted.Payments, paid(fixAt))
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), exhausted, paidOpen)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 3, PeriodStart: t2, PeriodEnd: t3, NextActionAt: &t3})

	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, seqRenewalDeclined, seqRetryDeclined,
		[]string{evPayCreated, evPayFailed, evInvFailed, evInvUncollect, evSubUpdated}, // unpaid
		[]string{evInvCreated, evInvFinalized, evSubUpdated},                           // Aug 1: invoiced, not charged
		[]string{evPMAttached, evSubUpdated, evPayCreated, evPaySucceeded, evInvPaid, evSubUpdated},
		[]string{evPayCreated, evPaySucceeded, evInvPaid})
}

// 8b. Exponential backoff (12 h × 2ⁿ, capped at 2 days, 5 attempts) with
// final action leave_past_due: the retries come at 12 h, 24 h, 48 h, 48 h;
// then the invoice stays open with no retry and the subscription past_due
// (still entitled).
func scenarioDunningExponential(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	m, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{Dunning: &app.DunningParams{
		Exponential: &app.ExponentialParams{Base: "12h", Factor: 2, Cap: "2d"}, MaxAttempts: ptr(5),
		FinalAction: ptr(billing.PolicyLeavePastDue)}})
	require.NoError(t, err)
	require.Equal(t, &billing.ExponentialBackoff{Base: 12 * time.Hour, Factor: 2, Cap: 48 * time.Hour}, m.Settings.Dunning.Exponential)
	require.Empty(t, m.Settings.Dunning.Schedule)
	require.Equal(t, 5, m.Settings.Dunning.MaxAttempts)

	prod := h.product("Plan", map[string]int64{"seats": 5})
	price := h.priceOf(prod.ID, 5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("eli@example.com")
	sub := h.subscribeTo(cus.ID, price.ID, h.attach(cus.ID, billing.SimTokFailAfterFirst).ID)
	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	fails := []time.Time{t1, ts("2024-07-02T00:00:00Z"), ts("2024-07-03T00:00:00Z"), ts("2024-07-05T00:00:00Z"), ts("2024-07-07T00:00:00Z")}
	for k := 1; k <= 4; k++ {
		h.advanceTo(fails[k-1])
		invs := h.invoices(sub.ID)
		require.Len(t, h.payments(invs[1].ID), k)
		require.NotNil(t, invs[1].NextAttemptAt, "after failure %d", k)
		require.Equal(t, fails[k], invs[1].NextAttemptAt.UTC(), "retry after failure %d", k)
	}

	h.advanceTo(ts("2024-07-31T00:00:00Z"))
	var declines []pay
	for _, at := range fails {
		declines = append(declines, declined(at))
	}
	h.requireInvoices(sub.ID, monthly(1, 5000, 0), inv{Number: number(2), Status: billing.InvoiceOpen, Reason: billing.ReasonSubscriptionCycle,
		Start: t1, End: t2, Subtotal: 5000, Total: 5000, Payments: declines})
	require.Nil(t, h.invoices(sub.ID)[1].NextAttemptAt, "no retry left")
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionPastDue, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	require.Equal(t, map[string]int64{"seats": 5}, h.entitlements(cus.ID), "leave_past_due keeps access")
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, seqRenewalDeclined, repeat(seqRetryDeclined, 4))
}

// 9. Transitions the status machine refuses are 409 invalid_state_transition
// naming the current state, and change nothing.
func scenarioInvalidTransitions(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("tina@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	trial := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}},
		PaymentMethod: pm.ID, TrialPeriodDays: ptr(int64(14))})
	active := h.subscribeTo(cus.ID, price.ID, pm.ID)
	ended := h.subscribeTo(cus.ID, price.ID, pm.ID)
	_, err := h.app.Subscriptions.CancelSubscription(h.ctx, h.s, ended.ID, app.CancelParams{})
	require.NoError(t, err)
	h.advanceTo(ts("2024-06-05T00:00:00Z"))
	paused := h.subscribeTo(cus.ID, price.ID, pm.ID)
	_, err = h.app.Subscriptions.PauseSubscription(h.ctx, h.s, paused.ID)
	require.NoError(t, err)

	before := map[string]billing.Subscription{}
	for _, id := range []string{trial.ID, active.ID, ended.ID, paused.ID} {
		before[id] = h.sub(id)
	}
	base := len(h.events())
	up := h.price(9000, "CLP", billing.IntervalMonth, 0)

	_, err = h.app.Subscriptions.PauseSubscription(h.ctx, h.s, trial.ID)
	requireRefused(t, err, string(billing.SubscriptionTrialing))
	_, err = h.app.Subscriptions.ResumeSubscription(h.ctx, h.s, active.ID)
	requireRefused(t, err, string(billing.SubscriptionActive))
	_, err = h.app.Subscriptions.ReactivateSubscription(h.ctx, h.s, ended.ID)
	requireRefused(t, err, string(billing.SubscriptionCanceled))
	_, err = h.app.Subscriptions.CancelSubscription(h.ctx, h.s, ended.ID, app.CancelParams{})
	requireRefused(t, err, string(billing.SubscriptionCanceled))
	_, err = h.app.Subscriptions.CancelSubscription(h.ctx, h.s, ended.ID, app.CancelParams{AtPeriodEnd: true})
	requireRefused(t, err, string(billing.SubscriptionCanceled))
	_, err = h.app.Subscriptions.PauseSubscription(h.ctx, h.s, ended.ID)
	requireRefused(t, err, string(billing.SubscriptionCanceled))
	_, err = h.app.Subscriptions.ResumeSubscription(h.ctx, h.s, ended.ID)
	requireRefused(t, err, string(billing.SubscriptionCanceled))
	_, err = h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, ended.ID, changeTo(up.ID, "", ""))
	requireRefused(t, err, string(billing.SubscriptionCanceled))
	_, err = h.app.Subscriptions.PreviewChange(h.ctx, h.s, ended.ID, changeTo(up.ID, "", ""))
	requireRefused(t, err, string(billing.SubscriptionCanceled))
	_, err = h.app.Subscriptions.PauseSubscription(h.ctx, h.s, paused.ID)
	requireRefused(t, err, string(billing.SubscriptionPaused))
	_, err = h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, paused.ID, changeTo(up.ID, "", ""))
	requireRefused(t, err, string(billing.SubscriptionPaused))
	_, err = h.app.Subscriptions.ReactivateSubscription(h.ctx, h.s, active.ID) // not scheduled to cancel
	requireRefused(t, err, string(billing.SubscriptionActive))

	for id, b := range before {
		got := h.sub(id)
		require.Equal(t, b.Version, got.Version, "%s (%s) unchanged", id, b.Status)
		require.Equal(t, b.Status, got.Status)
	}
	require.Empty(t, h.eventsSince(base), "refused transitions write no event")
}

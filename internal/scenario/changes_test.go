package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Plan changes (docs/architecture.md, "Money and time") and pause/resume
// (docs/architecture.md, "Status machines"), on both stores.
func TestChanges(t *testing.T) {
	runScenarios(t, []scenario{
		{"upgrade_clp_utc", scenarioUpgradeCLPUTC},
		{"upgrade_clp_santiago", scenarioUpgradeCLPSantiago},
		{"upgrade_usd_half_cent", scenarioUpgradeUSD},
		{"downgrade_at_period_end", scenarioDowngradePeriodEnd},
		{"downgrade_pending_update_canceled", scenarioPendingUpdateCanceled},
		{"upgrade_create_prorations", scenarioCreateProrations},
		{"upgrade_proration_none", scenarioProrationNone},
		{"downgrade_now_credit_to_balance", scenarioDowngradeNowCredit},
		{"upgrade_preview_uses_balance", scenarioUpgradePreviewBalance},
		{"pause_then_resume", scenarioPauseResume},
		{"pause_resume_keeps_max_cycles", scenarioPauseMaxCycles},
	})
}

// upgradePlans makes the two plans of the upgrade scenarios: Basic (seats 3)
// and Pro (seats 10, api 1), monthly, at the given prices.
func upgradePlans(h *harness, currency string, basicAmount, proAmount int64) (basic, pro billing.Price) {
	h.t.Helper()
	b := h.product("Basic", map[string]int64{"seats": 3})
	p := h.product("Pro", map[string]int64{"seats": 10, "api": 1})
	return h.priceOf(b.ID, basicAmount, currency, billing.IntervalMonth, 0), h.priceOf(p.ID, proAmount, currency, billing.IntervalMonth, 0)
}

// upgradeNow runs the upgrade of docs/architecture.md ("Money and time") with
// the defaults (now, always_invoice) from a monthly `from` to `to` subscribed
// at s, whose first period is [s, e) and second [e, e2), at the instant at; it
// checks the preview against the rule computed here, the subscription_update
// invoice against the preview, and the next renewal at the new price. It
// returns the expected credit and debit.
func upgradeNow(t *testing.T, h *harness, currency string, from, to int64, s, e, e2, at time.Time) (credit, debit int64) {
	basic, pro := upgradePlans(h, currency, from, to)
	cus := h.customer("up@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, basic.ID, pm.ID)
	require.Equal(t, e, sub.CurrentPeriodEnd.UTC(), "the first period's end")
	first := bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: s, End: e,
		Lines: []line{subLine(basic.ID, from, s, e)}, Subtotal: from, Total: from, Due: from, Paid: from, Payments: []pay{paid(s)}}
	require.Equal(t, map[string]int64{"seats": 3}, h.entitlements(cus.ID))

	h.advanceTo(at)
	// The rule, in whole seconds: credit the unused part of the old price,
	// debit the remaining part of the new one.
	total, remaining := e.Unix()-s.Unix(), e.Unix()-at.Unix()
	credit, debit = -prorata(from, remaining, total), prorata(to, remaining, total)
	want := []line{prorationLine(basic.ID, credit, at, e), prorationLine(pro.ID, debit, at, e)}

	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: pro.ID}}})
	require.NoError(t, err)
	require.True(t, pv.Upgrade)
	require.Equal(t, app.ChangeNow, pv.Timing, "an upgrade applies now by default")
	require.Equal(t, string(billing.ProrationAlwaysInvoice), pv.ProrationBehavior, "an upgrade invoices now by default")
	require.Equal(t, at, pv.EffectiveAt.UTC())
	require.Equal(t, currency, pv.Currency)
	require.Equal(t, credit+debit, pv.AmountDueNow)
	requireSame(t, want, linesOf(pv.Lines), "preview lines")
	require.Equal(t, []billing.FeatureChange{{Name: "api", Old: 0, New: 1}, {Name: "seats", Old: 3, New: 10}}, pv.FeatureChanges)
	for _, f := range pv.FeatureChanges {
		require.False(t, f.Reduced(), "an upgrade reduces nothing: %+v", f)
	}
	require.Equal(t, []string{pro.ID}, itemPrices(pv.Items))
	// A preview changes nothing.
	h.requireBills(sub.ID, first)
	require.Equal(t, []string{basic.ID}, itemPrices(h.sub(sub.ID).Items))

	changed, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: pro.ID}}})
	require.NoError(t, err)
	require.Equal(t, []string{pro.ID}, itemPrices(changed.Items))
	require.Nil(t, changed.PendingChange)
	require.Empty(t, changed.PendingLines)
	net := credit + debit
	upgrade := bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionUpdate, Start: at, End: e,
		Lines: want, Subtotal: net, Total: net, Due: net, Paid: net, Payments: []pay{paid(at)}}
	invs := h.requireBills(sub.ID, first, upgrade)
	requireSame(t, withoutIDs(pv.Lines), withoutIDs(invs[1].Lines), "the invoice's lines are the preview's")
	require.Equal(t, pv.AmountDueNow, invs[1].Total, "amount_due_now is the invoice's total")
	require.Equal(t, map[string]int64{"seats": 10, "api": 1}, h.entitlements(cus.ID))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: s, PeriodEnd: e, NextActionAt: &e})

	// The renewal charges the new price; the anchor does not move.
	h.advanceTo(e)
	h.requireBills(sub.ID, first, upgrade, cycleBill(3, pro.ID, to, e, e2))
	got := h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: e, PeriodEnd: e2, NextActionAt: &e2})
	require.True(t, got.BillingAnchor.Equal(s), "anchor kept")
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, seqRenewalPaid, seqRenewalPaid)
	return credit, debit
}

// 1a. CLP 10000 → 25000 ten days (and a few hours) into a 31-day period in
// UTC: the proration is exact to the peso, invoiced and paid at once.
func scenarioUpgradeCLPUTC(t *testing.T, h *harness) {
	s, e, e2 := ts("2024-05-01T12:00:00Z"), ts("2024-06-01T12:00:00Z"), ts("2024-07-01T12:00:00Z")
	h.begin("UTC", s)
	at := ts("2024-05-11T15:25:17Z")
	credit, debit := upgradeNow(t, h, "CLP", 10000, 25000, s, e, e2, at)
	// 1 802 083 of 2 678 400 seconds remain: 6728.21 and 16820.52.
	require.Equal(t, int64(-6728), credit)
	require.Equal(t, int64(16821), debit)
}

// 1b. The same in America/Santiago, across the April DST change: the
// period is 31 local days (Mar 20 10:00 −03 → Apr 20 10:00 −04), one hour
// longer than 31 × 24 h, and proration counts its real seconds.
func scenarioUpgradeCLPSantiago(t *testing.T, h *harness) {
	s, e, e2 := ts("2024-03-20T13:00:00Z"), ts("2024-04-20T14:00:00Z"), ts("2024-05-20T14:00:00Z")
	h.begin("America/Santiago", s)
	require.Equal(t, "20 10:00", e.In(h.loc).Format("02 15:04"))
	require.Equal(t, int64(31*86400+3600), e.Unix()-s.Unix())
	at := ts("2024-03-30T17:41:07Z") // 10 days, 4 h 41 min 7 s in
	credit, debit := upgradeNow(t, h, "CLP", 10000, 25000, s, e, e2, at)
	// 1 801 133 of 2 682 000 seconds remain: 6715.6 and 16789.1.
	require.Equal(t, int64(-6716), credit)
	require.Equal(t, int64(16789), debit)
}

// 2. USD 9.99 → 29.99, changed when exactly 41/54 of a 31-day period
// remains: the credit is 758.5 cents, which rounds half away from zero to
// 759 (banker's rounding would say 758).
func scenarioUpgradeUSD(t *testing.T, h *harness) {
	s, e, e2 := ts("2024-01-01T00:00:00Z"), ts("2024-02-01T00:00:00Z"), ts("2024-03-01T00:00:00Z")
	h.begin("UTC", s)
	at := s.Add(644800 * time.Second) // Jan 8 11:06:40: 2 033 600 of 2 678 400 s remain
	total, remaining := e.Unix()-s.Unix(), e.Unix()-at.Unix()
	require.Zero(t, 2*999*remaining%total, "999 × remaining / total is a whole or half cent")
	require.Equal(t, int64(1517), 2*999*remaining/total, "… and it is 758.5")
	credit, debit := upgradeNow(t, h, "USD", 999, 2999, s, e, e2, at)
	require.Equal(t, int64(-759), credit)
	require.Equal(t, int64(2277), debit)
}

// 3. A downgrade waits for the period end by default: a pending change,
// nothing invoiced now, the preview warns about the features that go; at
// the boundary the new items apply and the invoice charges the lower price.
func scenarioDowngradePeriodEnd(t *testing.T, h *harness) {
	t0, t1, t2 := ts("2024-06-01T12:00:00Z"), ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	h.begin("UTC", t0)
	proProd := h.product("Pro", map[string]int64{"seats": 10, "api": 1})
	basicProd := h.product("Basic", map[string]int64{"seats": 3, "export": 1})
	pro := h.priceOf(proProd.ID, 25000, "CLP", billing.IntervalMonth, 0)
	basic := h.priceOf(basicProd.ID, 10000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("down@example.com")
	sub := h.subscribeTo(cus.ID, pro.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	first := bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
		Lines: []line{subLine(pro.ID, 25000, t0, t1)}, Subtotal: 25000, Total: 25000, Due: 25000, Paid: 25000, Payments: []pay{paid(t0)}}

	h.advanceTo(ts("2024-06-11T08:00:00Z"))
	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: basic.ID}}})
	require.NoError(t, err)
	require.False(t, pv.Upgrade)
	require.Equal(t, app.ChangePeriodEnd, pv.Timing, "a downgrade waits for the period end by default")
	require.Equal(t, t1, pv.EffectiveAt.UTC())
	require.Empty(t, pv.Lines)
	require.Zero(t, pv.AmountDueNow)
	require.Equal(t, []billing.FeatureChange{{Name: "api", Old: 1, New: 0}, {Name: "export", Old: 0, New: 1},
		{Name: "seats", Old: 10, New: 3}}, pv.FeatureChanges)
	var reduced []string
	for _, f := range pv.FeatureChanges {
		if f.Reduced() {
			reduced = append(reduced, f.Name)
		}
	}
	require.Equal(t, []string{"api", "seats"}, reduced)

	changed, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: basic.ID}}})
	require.NoError(t, err)
	require.Equal(t, []string{pro.ID}, itemPrices(changed.Items), "the items stay until the period ends")
	require.NotNil(t, changed.PendingChange)
	require.Equal(t, []string{basic.ID}, itemPrices(changed.PendingChange.Items))
	require.Equal(t, t1, changed.PendingChange.EffectiveAt.UTC())
	require.Empty(t, changed.PendingLines)
	h.requireBills(sub.ID, first)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: t0, PeriodEnd: t1, NextActionAt: &t1})
	require.Equal(t, map[string]int64{"seats": 10, "api": 1}, h.entitlements(cus.ID))

	h.advanceTo(ts("2024-07-01T12:00:01Z"))
	got := h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	require.Equal(t, []string{basic.ID}, itemPrices(got.Items))
	require.Nil(t, got.PendingChange)
	h.requireBills(sub.ID, first, cycleBill(2, basic.ID, 10000, t1, t2))
	require.Equal(t, map[string]int64{"seats": 3, "export": 1}, h.entitlements(cus.ID))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evSubUpdated}, seqRenewalPaid)
}

// 3b. A scheduled downgrade can be canceled before the period ends: the
// renewal then keeps the old items. Scheduled again, the next renewal
// applies it, and once applied there is nothing left to cancel.
func scenarioPendingUpdateCanceled(t *testing.T, h *harness) {
	t0, t1, t2, t3 := ts("2024-06-01T12:00:00Z"), ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z"), ts("2024-09-01T12:00:00Z")
	h.begin("UTC", t0)
	pro := h.price(25000, "CLP", billing.IntervalMonth, 0)
	basic := h.price(10000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("undo@example.com")
	sub := h.subscribeTo(cus.ID, pro.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	first := bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
		Lines: []line{subLine(pro.ID, 25000, t0, t1)}, Subtotal: 25000, Total: 25000, Due: 25000, Paid: 25000, Payments: []pay{paid(t0)}}

	_, err := h.app.Subscriptions.CancelPendingUpdate(h.ctx, h.s, sub.ID)
	requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")

	h.advanceTo(ts("2024-06-11T08:00:00Z"))
	changed, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: basic.ID}}})
	require.NoError(t, err)
	require.NotNil(t, changed.PendingChange)
	canceled, err := h.app.Subscriptions.CancelPendingUpdate(h.ctx, h.s, sub.ID)
	require.NoError(t, err)
	require.Nil(t, canceled.PendingChange)
	require.Equal(t, []string{pro.ID}, itemPrices(canceled.Items))
	require.Nil(t, h.sub(sub.ID).PendingChange, "the cancellation is saved")
	_, err = h.app.Subscriptions.CancelPendingUpdate(h.ctx, h.s, sub.ID)
	requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")

	h.advanceTo(ts("2024-07-01T12:00:01Z"))
	got := h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 2, PeriodStart: t1, PeriodEnd: t2, NextActionAt: &t2})
	require.Equal(t, []string{pro.ID}, itemPrices(got.Items), "the canceled downgrade did not apply")
	h.requireBills(sub.ID, first, cycleBill(2, pro.ID, 25000, t1, t2))

	h.advanceTo(ts("2024-07-15T00:00:00Z"))
	changed, err = h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: basic.ID}}})
	require.NoError(t, err)
	require.NotNil(t, changed.PendingChange)
	require.Equal(t, t2, changed.PendingChange.EffectiveAt.UTC())
	h.advanceTo(ts("2024-08-01T12:00:01Z"))
	got = h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 3, PeriodStart: t2, PeriodEnd: t3, NextActionAt: &t3})
	require.Equal(t, []string{basic.ID}, itemPrices(got.Items), "the downgrade applied at the renewal")
	require.Nil(t, got.PendingChange)
	h.requireBills(sub.ID, first, cycleBill(2, pro.ID, 25000, t1, t2), cycleBill(3, basic.ID, 10000, t2, t3))
	_, err = h.app.Subscriptions.CancelPendingUpdate(h.ctx, h.s, sub.ID)
	requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")
	require.Equal(t, []string{basic.ID}, itemPrices(h.sub(sub.ID).Items), "a refused cancel changes nothing")
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evSubUpdated, evSubUpdated}, seqRenewalPaid,
		[]string{evSubUpdated}, seqRenewalPaid)
}

// prorationSetup subscribes a customer to Basic CLP 10000 at Jun 1 12:00
// UTC (a 30-day period) and moves the clock to Jun 11 08:00, 20 days and
// 4 hours before the period ends.
func prorationSetup(t *testing.T, h *harness) (sub billing.Subscription, basic, pro billing.Price, first bill) {
	t0, t1 := ts("2024-06-01T12:00:00Z"), ts("2024-07-01T12:00:00Z")
	h.begin("UTC", t0)
	basic, pro = upgradePlans(h, "CLP", 10000, 25000)
	cus := h.customer("pro@example.com")
	sub = h.subscribeTo(cus.ID, basic.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	first = bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
		Lines: []line{subLine(basic.ID, 10000, t0, t1)}, Subtotal: 10000, Total: 10000, Due: 10000, Paid: 10000, Payments: []pay{paid(t0)}}
	h.advanceTo(ts("2024-06-11T08:00:00Z"))
	return sub, basic, pro, first
}

// 4a. create_prorations: the upgrade applies now, nothing is invoiced now,
// and the proration lines join the next renewal invoice.
func scenarioCreateProrations(t *testing.T, h *harness) {
	sub, basic, pro, first := prorationSetup(t, h)
	at, t1, t2 := ts("2024-06-11T08:00:00Z"), ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	total, remaining := int64(30*86400), t1.Unix()-at.Unix()
	credit, debit := -prorata(10000, remaining, total), prorata(25000, remaining, total)
	require.Equal(t, []int64{-6722, 16806}, []int64{credit, debit}) // 1 742 400 of 2 592 000 s remain
	want := []line{prorationLine(basic.ID, credit, at, t1), prorationLine(pro.ID, debit, at, t1)}

	p := changeTo(pro.ID, string(billing.ProrationCreateProrations), "")
	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	require.Equal(t, app.ChangeNow, pv.Timing)
	require.Equal(t, string(billing.ProrationCreateProrations), pv.ProrationBehavior)
	requireSame(t, want, linesOf(pv.Lines), "preview lines")
	require.Zero(t, pv.AmountDueNow, "nothing is charged now")

	changed, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	require.Equal(t, []string{pro.ID}, itemPrices(changed.Items))
	requireSame(t, want, linesOf(changed.PendingLines), "pending lines")
	h.requireBills(sub.ID, first)

	h.advanceTo(t1)
	renewal := bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2,
		Lines:    []line{subLine(pro.ID, 25000, t1, t2), want[0], want[1]},
		Subtotal: 25000 + credit + debit, Total: 25000 + credit + debit, Due: 25000 + credit + debit, Paid: 25000 + credit + debit,
		Payments: []pay{paid(t1)}}
	h.requireBills(sub.ID, first, renewal)
	require.Empty(t, h.sub(sub.ID).PendingLines, "the lines were used once")

	// The month after, the new price alone.
	t3 := ts("2024-09-01T12:00:00Z")
	h.advanceTo(t2)
	h.requireBills(sub.ID, first, renewal, cycleBill(3, pro.ID, 25000, t2, t3))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evSubUpdated}, seqRenewalPaid, seqRenewalPaid)
}

// 4b. proration_behavior none: no lines at all; the new price applies from
// the next invoice.
func scenarioProrationNone(t *testing.T, h *harness) {
	sub, _, pro, first := prorationSetup(t, h)
	t1, t2 := ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z")
	p := changeTo(pro.ID, string(billing.ProrationNone), "")
	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	require.Equal(t, app.ChangeNow, pv.Timing)
	require.Empty(t, pv.Lines)
	require.Zero(t, pv.AmountDueNow)

	changed, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	require.Equal(t, []string{pro.ID}, itemPrices(changed.Items))
	require.Empty(t, changed.PendingLines)
	h.requireBills(sub.ID, first)

	h.advanceTo(t1)
	h.requireBills(sub.ID, first, cycleBill(2, pro.ID, 25000, t1, t2))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evSubUpdated}, seqRenewalPaid)
}

// 4c. A downgrade made effective now with always_invoice: the invoice is a
// credit (negative total, nothing due) that goes to the customer's balance,
// which the next invoices use until it is used up; nothing is lost and
// nothing is charged twice.
func scenarioDowngradeNowCredit(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	b := []time.Time{t0, ts("2024-07-01T12:00:00Z"), ts("2024-08-01T12:00:00Z"), ts("2024-09-01T12:00:00Z"),
		ts("2024-10-01T12:00:00Z"), ts("2024-11-01T12:00:00Z"), ts("2024-12-01T12:00:00Z")}
	h.begin("UTC", t0)
	basic, pro := upgradePlans(h, "CLP", 5000, 25000)
	cus := h.customer("credit@example.com")
	sub := h.subscribeTo(cus.ID, pro.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	first := bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: b[1],
		Lines: []line{subLine(pro.ID, 25000, t0, b[1])}, Subtotal: 25000, Total: 25000, Due: 25000, Paid: 25000, Payments: []pay{paid(t0)}}

	at := ts("2024-06-08T12:00:00Z") // 23 of 30 days remain
	h.advanceTo(at)
	credit, debit := -prorata(25000, 23*86400, 30*86400), prorata(5000, 23*86400, 30*86400)
	require.Equal(t, []int64{-19167, 3833}, []int64{credit, debit})
	net := credit + debit // −15334
	want := []line{prorationLine(pro.ID, credit, at, b[1]), prorationLine(basic.ID, debit, at, b[1])}

	p := changeTo(basic.ID, string(billing.ProrationAlwaysInvoice), app.ChangeNow)
	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	require.False(t, pv.Upgrade)
	require.Equal(t, app.ChangeNow, pv.Timing)
	require.Equal(t, at, pv.EffectiveAt.UTC())
	requireSame(t, want, linesOf(pv.Lines), "preview lines")
	require.Zero(t, pv.AmountDueNow, "a credit is never charged")

	changed, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	require.Equal(t, []string{basic.ID}, itemPrices(changed.Items))
	require.Nil(t, changed.PendingChange)
	credited := bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionUpdate, Start: at, End: b[1],
		Lines: want, Subtotal: net, Total: net, EndBal: net}
	invs := h.requireBills(sub.ID, first, credited)
	requireSame(t, withoutIDs(pv.Lines), withoutIDs(invs[1].Lines), "the invoice's lines are the preview's")
	require.Empty(t, h.sub(sub.ID).PendingLines, "no credit line waits: the credit is the customer's balance")
	require.Equal(t, net, h.balance(cus.ID), "the credit is on the customer's balance")
	require.Equal(t, map[string]int64{"seats": 3}, h.entitlements(cus.ID), "the downgrade applies now")

	// Each renewal uses the balance: 5000 of 15334, of 10334, of 5334,
	// then the last 334 (4666 charged), then nothing is left.
	h.advanceTo(b[6].Add(-time.Second))
	renewal := func(n int, startBal int64) bill {
		used := min(-startBal, 5000)
		out := bill{Number: number(n), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: b[n-2], End: b[n-1],
			Lines: []line{subLine(basic.ID, 5000, b[n-2], b[n-1])}, Subtotal: 5000, Total: 5000,
			StartBal: startBal, EndBal: startBal + used, Due: 5000 - used, Paid: 5000 - used}
		if used == 0 {
			out.StartBal = 0
		}
		if out.Due > 0 {
			out.Payments = []pay{paid(b[n-2])}
		}
		return out
	}
	h.requireBills(sub.ID, first, credited,
		renewal(3, -15334), renewal(4, -10334), renewal(5, -5334), renewal(6, -334), renewal(7, 0))
	require.Zero(t, h.balance(cus.ID), "the credit is used up")
	txns, err := h.app.Customers.ListBalanceTransactions(h.ctx, h.s, cus.ID, billing.Page{})
	require.NoError(t, err)
	var moves, endings []int64
	for _, bt := range txns.Data {
		require.Equal(t, billing.BalanceAppliedToInvoice, bt.Type)
		moves, endings = append(moves, bt.Amount), append(endings, bt.EndingBalance)
	}
	require.Equal(t, []int64{334, 5000, 5000, 5000, net}, moves, "newest first")
	require.Equal(t, []int64{0, -334, -5334, -10334, net}, endings)
	// Charged in all: 25000 + 4666 + 5000 = the five months of Basic and the
	// seven days of Pro, prorated.
	var charged int64
	for _, p := range h.payments("") {
		if p.Status == billing.PaymentSucceeded {
			charged += p.Amount
		}
	}
	require.Equal(t, int64(25000+4666+5000), charged)
	zero := []string{evInvCreated, evInvFinalized, evInvPaid, evSubUpdated}
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, zero, repeat(zero, 3), repeat(seqRenewalPaid, 2))
}

// 4d. The preview of a change counts the customer's balance as the
// change's invoice does (billing.ApplyBalance). IVA 19 % exclusive, CLP
// Basic 10.000 → Pro 40.000 a third into a 30-day period: −6.667 + 26.667
// = 20.000, IVA 3.800, total 23.800. With 5.000 of credit the preview and
// the invoice ask 18.800 and the balance ends at 0; a second upgrade
// (Pro → Max 100.000, 40.000 more: −26.667 + 66.667 = 40.000, IVA 7.600,
// total 47.600) with 60.000 of credit asks nothing, and 12.400 of credit
// is left.
func scenarioUpgradePreviewBalance(t *testing.T, h *harness) {
	t0, at := ts("2026-06-01T00:00:00Z"), ts("2026-06-11T00:00:00Z")
	h.begin("UTC", t0)
	iva := h.taxRate("IVA", "19", false)
	basic, pro, max := h.priceTaxed(10000, "CLP", iva), h.priceTaxed(40000, "CLP", iva), h.priceTaxed(100000, "CLP", iva)
	cus := h.customer("saldo@example.com")
	sub := h.subscribeTo(cus.ID, basic.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	credit := func(amount int64) {
		_, err := h.app.Customers.AdjustBalance(h.ctx, h.s, cus.ID, app.BalanceParams{Amount: -amount, Currency: "CLP"})
		require.NoError(t, err)
	}

	h.advanceTo(at)
	credit(5000)
	up := app.ChangeParams{Items: []app.ItemParams{{Price: pro.ID}}}
	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, up)
	require.NoError(t, err)
	require.Equal(t, int64(3800), pv.Tax)
	require.Equal(t, int64(18800), pv.AmountDueNow, "23.800 less the 5.000 of credit")
	require.Equal(t, []int64{23800, -5000}, []int64{pv.Total, pv.BalanceApplied})
	_, err = h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, up)
	require.NoError(t, err)
	invs := h.invoices(sub.ID)
	require.Len(t, invs, 2)
	require.Equal(t, []int64{23800, -5000, 0, 18800}, []int64{invs[1].Total, invs[1].StartingBalance, invs[1].EndingBalance, invs[1].AmountDue})
	require.Equal(t, pv.AmountDueNow, invs[1].AmountDue, "the preview asks what the invoice asks")
	require.Zero(t, h.balance(cus.ID))

	credit(60000)
	up = app.ChangeParams{Items: []app.ItemParams{{Price: max.ID}}}
	pv, err = h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, up)
	require.NoError(t, err)
	require.Equal(t, int64(7600), pv.Tax)
	require.Zero(t, pv.AmountDueNow, "the credit covers the whole 47.600")
	require.Equal(t, []int64{47600, -47600}, []int64{pv.Total, pv.BalanceApplied})
	_, err = h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, up)
	require.NoError(t, err)
	invs = h.invoices(sub.ID)
	require.Len(t, invs, 3)
	require.Equal(t, []int64{47600, -60000, -12400, 0}, []int64{invs[2].Total, invs[2].StartingBalance, invs[2].EndingBalance, invs[2].AmountDue})
	require.Equal(t, billing.InvoicePaid, invs[2].Status)
	require.Equal(t, int64(-12400), h.balance(cus.ID))
}

// 5. Pause, then resume: nothing is invoiced while paused, across the
// period boundary; resuming starts a new period at the resume time and
// charges it at once.
func scenarioPauseResume(t *testing.T, h *harness) {
	t0, t1 := ts("2024-06-01T12:00:00Z"), ts("2024-07-01T12:00:00Z")
	h.begin("UTC", t0)
	prod := h.product("Plan", map[string]int64{"seats": 5})
	price := h.priceOf(prod.ID, 5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("pausa@example.com")
	sub := h.subscribeTo(cus.ID, price.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	first := bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
		Lines: []line{subLine(price.ID, 5000, t0, t1)}, Subtotal: 5000, Total: 5000, Due: 5000, Paid: 5000, Payments: []pay{paid(t0)}}

	h.advanceTo(ts("2024-06-10T08:00:00Z"))
	paused, err := h.app.Subscriptions.PauseSubscription(h.ctx, h.s, sub.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionPaused, paused.Status)
	pausedState := subState{Status: billing.SubscriptionPaused, Cycle: 1, PeriodStart: t0, PeriodEnd: t1}
	h.requireSub(sub.ID, pausedState)
	require.Equal(t, map[string]int64{}, h.entitlements(cus.ID), "paused is not entitled")

	// Two period boundaries pass: nothing.
	h.advanceTo(ts("2024-08-20T10:30:00Z"))
	h.requireSub(sub.ID, pausedState)
	h.requireBills(sub.ID, first)

	r, e := ts("2024-08-20T10:30:00Z"), ts("2024-09-20T10:30:00Z")
	resumed, err := h.app.Subscriptions.ResumeSubscription(h.ctx, h.s, sub.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionActive, resumed.Status)
	require.True(t, resumed.BillingAnchor.Equal(r), "the anchor moves to the resume time: %s", resumed.BillingAnchor)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: r, PeriodEnd: e, NextActionAt: &e})
	h.requireBills(sub.ID, first, cycleBill(2, price.ID, 5000, r, e))
	require.Equal(t, map[string]int64{"seats": 5}, h.entitlements(cus.ID))

	e2 := ts("2024-10-20T10:30:00Z")
	h.advanceTo(e)
	h.requireBills(sub.ID, first, cycleBill(2, price.ID, 5000, r, e), cycleBill(3, price.ID, 5000, e, e2))
	h.requireEvents([]string{evPMAttached}, seqCreatedPaid, []string{evSubUpdated}, seqRenewalPaid, seqRenewalPaid)
}

// 5b. max_cycles counts billed cycles: a subscription of 2 cycles paused
// during the first and resumed bills one more period, then completes. A
// pause must not give it extra cycles.
func scenarioPauseMaxCycles(t *testing.T, h *harness) {
	t0 := ts("2024-06-01T12:00:00Z")
	h.begin("UTC", t0)
	price := h.price(5000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("ciclos@example.com")
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}},
		PaymentMethod: h.attach(cus.ID, billing.SimTokVisa).ID, MaxCycles: 2})
	h.advanceTo(ts("2024-06-10T08:00:00Z"))
	_, err := h.app.Subscriptions.PauseSubscription(h.ctx, h.s, sub.ID)
	require.NoError(t, err)
	r, e := ts("2024-06-20T08:00:00Z"), ts("2024-07-20T08:00:00Z")
	h.advanceTo(r)
	_, err = h.app.Subscriptions.ResumeSubscription(h.ctx, h.s, sub.ID)
	require.NoError(t, err)

	h.advanceTo(ts("2024-10-01T00:00:00Z"))
	got := h.sub(sub.ID)
	var periods []string
	for _, in := range h.invoices(sub.ID) {
		periods = append(periods, in.PeriodStart.UTC().Format(time.RFC3339)+" "+in.BillingReason)
	}
	require.Equal(t, []string{"2024-06-01T12:00:00Z subscription_create", "2024-06-20T08:00:00Z subscription_cycle"}, periods,
		"two cycles billed: the first and the resumed one")
	require.Equal(t, billing.SubscriptionCanceled, got.Status)
	require.Equal(t, billing.CancelCompleted, got.CancellationReason)
	require.NotNil(t, got.EndedAt)
	require.Equal(t, e, got.EndedAt.UTC(), "completed at the end of the resumed period")
}

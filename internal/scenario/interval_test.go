package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Switching between a product's monthly and annual prices (docs/subscriptions.md,
// "Changing the billing interval"), on both stores, with IVA-free CLP prices.
func TestIntervalChange(t *testing.T) {
	runScenarios(t, []scenario{
		{"monthly_to_annual_month_end", scenarioMonthlyToAnnual},
		{"annual_to_monthly_credit_to_balance", scenarioAnnualToMonthly},
	})
}

// intervalPlans makes one product with a monthly and an annual CLP price.
func intervalPlans(h *harness, monthly, annual int64) (m, y billing.Price) {
	h.t.Helper()
	p := h.product("Agente", map[string]int64{"seats": 3})
	return h.priceOf(p.ID, monthly, "CLP", billing.IntervalMonth, 0), h.priceOf(p.ID, annual, "CLP", billing.IntervalYear, 0)
}

// A monthly subscription begun on January 31 has a 28-day February period
// (Jan 31 → Feb 28). Switched to annual on Feb 14, halfway: 5000 of the
// 10000 is credited, the year 100000 is charged, and the new year starts
// at the switch: one invoice of 95000, paid at once.
func scenarioMonthlyToAnnual(t *testing.T, h *harness) {
	t0, feb28, at := ts("2025-01-31T12:00:00Z"), ts("2025-02-28T12:00:00Z"), ts("2025-02-14T12:00:00Z")
	yearEnd, next := ts("2026-02-14T12:00:00Z"), ts("2027-02-14T12:00:00Z")
	h.begin("UTC", t0)
	monthly, annual := intervalPlans(h, 10000, 100000)
	cus := h.customer("anual@example.com")
	sub := h.subscribeTo(cus.ID, monthly.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	require.Equal(t, feb28, sub.CurrentPeriodEnd.UTC(), "a month from January 31 ends on February 28")
	first := cycleBillCreate(monthly.ID, 10000, t0, feb28)

	h.advanceTo(at)
	want := []line{prorationLine(monthly.ID, -5000, at, feb28), subLine(annual.ID, 100000, at, yearEnd)}
	p := app.ChangeParams{Items: []app.ItemParams{{Price: annual.ID}}}
	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	require.True(t, pv.Upgrade, "a longer cycle is an upgrade")
	require.Equal(t, app.ChangeNow, pv.Timing)
	require.Equal(t, at, pv.EffectiveAt.UTC())
	requireSame(t, want, linesOf(pv.Lines), "preview lines")
	require.Zero(t, pv.Tax, "IVA-free prices")
	require.Equal(t, int64(95000), pv.AmountDueNow)
	h.requireBills(sub.ID, first)

	changed, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	require.Equal(t, []string{annual.ID}, itemPrices(changed.Items))
	require.Equal(t, billing.Recurring{Interval: billing.IntervalYear, IntervalCount: 1}, changed.Recurring)
	require.True(t, changed.BillingAnchor.Equal(at), "the billing anchor resets to the switch")
	switched := bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionUpdate, Start: at, End: yearEnd,
		Lines: want, Subtotal: 95000, Total: 95000, Due: 95000, Paid: 95000, Payments: []pay{paid(at)}}
	invs := h.requireBills(sub.ID, first, switched)
	requireSame(t, withoutIDs(pv.Lines), withoutIDs(invs[1].Lines), "the invoice's lines are the preview's")
	require.Equal(t, pv.AmountDueNow, invs[1].AmountDue)
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: at, PeriodEnd: yearEnd, NextActionAt: &yearEnd})

	// The next invoice is a year later, for the annual price only.
	h.advanceTo(yearEnd)
	h.requireBills(sub.ID, first, switched, cycleBill(3, annual.ID, 100000, yearEnd, next))
}

// An annual subscription of 120000 switched to monthly 10000 with 31 of its
// 365 days left: 10192 is credited, 10000 charged, and the 192 left over is
// the customer's balance, which the next month's invoice uses.
func scenarioAnnualToMonthly(t *testing.T, h *harness) {
	t0, yearEnd, at := ts("2025-01-31T12:00:00Z"), ts("2026-01-31T12:00:00Z"), ts("2025-12-31T12:00:00Z")
	h.begin("UTC", t0)
	monthly, annual := intervalPlans(h, 10000, 120000)
	cus := h.customer("mensual@example.com")
	sub := h.subscribeTo(cus.ID, annual.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	first := cycleBillCreate(annual.ID, 120000, t0, yearEnd)

	h.advanceTo(at)
	// A shorter cycle is a downgrade, which would wait for the period end:
	// an interval change cannot wait, so it is asked for now.
	_, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, changeTo(monthly.ID, "", app.ChangePeriodEnd))
	require.Equal(t, "effective_at", billing.AsError(err).Param)
	_, err = h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, changeTo(monthly.ID, string(billing.ProrationCreateProrations), app.ChangeNow))
	require.Equal(t, "proration_behavior", billing.AsError(err).Param)

	p := changeTo(monthly.ID, "", app.ChangeNow)
	want := []line{prorationLine(annual.ID, -10192, at, yearEnd), subLine(monthly.ID, 10000, at, yearEnd)}
	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	requireSame(t, want, linesOf(pv.Lines), "preview lines")
	require.Zero(t, pv.AmountDueNow, "a credit is never charged")

	_, err = h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, p)
	require.NoError(t, err)
	switched := bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionUpdate, Start: at, End: yearEnd,
		Lines: want, Subtotal: -192, Total: -192, EndBal: -192}
	h.requireBills(sub.ID, first, switched)
	require.Equal(t, int64(-192), h.balance(cus.ID))
	h.requireSub(sub.ID, subState{Status: billing.SubscriptionActive, Cycle: 1, PeriodStart: at, PeriodEnd: yearEnd, NextActionAt: &yearEnd})

	feb28 := ts("2026-02-28T12:00:00Z")
	h.advanceTo(yearEnd)
	h.requireBills(sub.ID, first, switched, bill{Number: number(3), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle,
		Start: yearEnd, End: feb28, Lines: []line{subLine(monthly.ID, 10000, yearEnd, feb28)}, Subtotal: 10000, Total: 10000,
		StartBal: -192, EndBal: 0, Due: 9808, Paid: 9808, Payments: []pay{paid(yearEnd)}})
	require.Zero(t, h.balance(cus.ID))
}

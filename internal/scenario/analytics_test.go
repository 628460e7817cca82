package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Analytics (docs/analytics.md) against figures computed by hand, on both
// stores, on a test clock.
func TestAnalytics(t *testing.T) {
	runScenarios(t, []scenario{
		{"mrr_movements_and_summary", scenarioAnalytics},
		{"trials_and_repeating_coupons_santiago", scenarioAnalyticsTrials},
	})
}

// scenarioAnalytics runs one merchant (UTC) from 2024-01-01 12:00 to
// 2024-04-30:
//
//	A  monthly CLP 10000, upgraded on Feb 10 to CLP 25000 (applies now)
//	B  annual CLP 120000: MRR 120000 / 12 = 10000
//	C  monthly CLP 20000 with a forever 25 % coupon: MRR 15000; on Feb 15 a
//	   downgrade to CLP 8000 for period end (Mar 1 12:00): 8000 × 0.75 = 6000
//	D  monthly CLP 5000, cancelled now on Mar 10, subscribes again on Apr 5
//	F  monthly CLP 7000 whose card fails after the first charge: the Feb 1
//	   renewal and its Feb 2 retry are declined (past_due keeps its MRR), a
//	   new card on Feb 5 pays it (a recovered renewal)
//	E  monthly USD 1500 (15.00), in its own currency
func scenarioAnalytics(t *testing.T, h *harness) {
	h.begin("UTC", ts("2024-01-01T12:00:00Z"))
	month := func(amount int64, currency string) billing.Price {
		return h.price(amount, currency, billing.IntervalMonth, 0)
	}
	a10, a25, c20, c8, d5, f7 := month(10000, "CLP"), month(25000, "CLP"), month(20000, "CLP"), month(8000, "CLP"),
		month(5000, "CLP"), month(7000, "CLP")
	e15 := month(1500, "USD")
	b120 := h.price(120000, "CLP", billing.IntervalYear, 0)
	quarter := 25.0
	coupon := h.coupon(app.CreateCouponParams{Name: "Socio", PercentOff: &quarter, Duration: billing.DurationForever})

	newCustomer := func(email, token string) (billing.Customer, billing.PaymentMethod) {
		c := h.customer(email)
		return c, h.attach(c.ID, token)
	}
	a, apm := newCustomer("a@example.cl", billing.SimTokVisa)
	subA := h.subscribeTo(a.ID, a10.ID, apm.ID)
	b, bpm := newCustomer("b@example.cl", billing.SimTokVisa)
	h.subscribeTo(b.ID, b120.ID, bpm.ID)
	c, cpm := newCustomer("c@example.cl", billing.SimTokVisa)
	subC := h.subscribe(app.CreateSubscriptionParams{Customer: c.ID, Items: []app.ItemParams{{Price: c20.ID}},
		PaymentMethod: cpm.ID, Coupon: coupon.ID})
	d, dpm := newCustomer("d@example.cl", billing.SimTokVisa)
	subD := h.subscribeTo(d.ID, d5.ID, dpm.ID)
	f, fpm := newCustomer("f@example.cl", billing.SimTokFailAfterFirst)
	subF := h.subscribeTo(f.ID, f7.ID, fpm.ID)
	e, epm := newCustomer("e@example.cl", billing.SimTokVisa)
	h.subscribeTo(e.ID, e15.ID, epm.ID)

	h.advanceTo(ts("2024-02-05T09:00:00Z"))
	require.Equal(t, billing.SubscriptionPastDue, h.sub(subF.ID).Status, "F's Feb 1 renewal was declined")
	h.attach(f.ID, billing.SimTokVisa) // collects the open invoice at once
	require.Equal(t, billing.SubscriptionActive, h.sub(subF.ID).Status)

	h.advanceTo(ts("2024-02-10T12:00:00Z"))
	_, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, subA.ID, changeTo(a25.ID, "", app.ChangeNow))
	require.NoError(t, err)
	h.advanceTo(ts("2024-02-15T12:00:00Z"))
	changed, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, subC.ID, app.ChangeParams{Items: []app.ItemParams{{Price: c8.ID}}})
	require.NoError(t, err)
	require.NotNil(t, changed.PendingChange, "a downgrade waits for the period's end")

	h.advanceTo(ts("2024-03-10T12:00:00Z"))
	// A part of A's Mar 1 payment goes back.
	aMar := h.invoices(subA.ID)
	last := aMar[len(aMar)-1]
	require.Equal(t, int64(25000), last.AmountPaid)
	refund, err := h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: h.payments(last.ID)[0].ID, Amount: ptr(int64(2000))})
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, refund.Status)
	_, err = h.app.Subscriptions.CancelSubscription(h.ctx, h.s, subD.ID, app.CancelParams{})
	require.NoError(t, err)
	h.advanceTo(ts("2024-04-05T12:00:00Z"))
	h.subscribeTo(d.ID, d5.ID, dpm.ID)
	h.advanceTo(ts("2024-04-30T00:00:00Z"))

	rep, err := h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "clp", Months: 4, AsOfParams: app.AsOfParams{TestClock: h.clock}})
	require.NoError(t, err)
	require.Equal(t, "CLP", rep.Currency)
	type row struct {
		Month            string
		End, Subs, Custs int64
		Mv               billing.MRRMovements
	}
	var got []row
	for _, m := range rep.Months {
		require.Equal(t, m.EndMRR, m.StartMRR+m.Movements.Net(), m.Month)
		got = append(got, row{m.Month, m.EndMRR, m.EndSubscriptions, m.EndCustomers, m.Movements})
	}
	requireSame(t, []row{
		// January: A 10000 + B 10000 + C 15000 + D 5000 + F 7000, all new.
		{"2024-01", 47000, 5, 5, billing.MRRMovements{New: 47000, NewCustomers: 5}},
		// February: A 10000 → 25000; F's failed renewal changes nothing.
		{"2024-02", 62000, 5, 5, billing.MRRMovements{Expansion: 15000, ExpansionCustomers: 1}},
		// March: C 15000 → 6000 at its period end; D cancels (−5000).
		{"2024-03", 48000, 4, 4, billing.MRRMovements{Contraction: -9000, Churn: -5000, ContractionCustomers: 1, ChurnedCustomers: 1}},
		// April: D comes back with a new subscription: a reactivation.
		{"2024-04", 53000, 5, 5, billing.MRRMovements{Reactivation: 5000, ReactivatedCustomers: 1}},
	}, got)

	usd, err := h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "USD", Months: 2, AsOfParams: app.AsOfParams{TestClock: h.clock}})
	require.NoError(t, err)
	require.Len(t, usd.Months, 2)
	require.Equal(t, int64(1500), usd.Months[0].StartMRR, "March starts with E's 15.00, never mixed with CLP")
	require.Equal(t, int64(1500), usd.Months[1].EndMRR)
	require.Equal(t, int64(1), usd.Months[1].EndCustomers)

	// March 1 00:00 to April 1 00:00.
	sum, err := h.app.Analytics.Summary(h.ctx, h.s, app.SummaryParams{Currency: "CLP", From: ts("2024-03-01T00:00:00Z"),
		To: ts("2024-04-01T00:00:00Z"), AsOfParams: app.AsOfParams{TestClock: h.clock}})
	require.NoError(t, err)
	require.Equal(t, int64(62000), sum.MRR.StartMRR)
	require.Equal(t, int64(48000), sum.MRR.EndMRR)
	require.Equal(t, int64(5), sum.MRR.StartCustomers)
	require.Equal(t, ptr(int64(2000)), sum.LogoChurnBP, "1 of 5 customers")
	require.Equal(t, ptr(int64(2258)), sum.RevenueChurnBP, "(5000 + 9000) / 62000 = 22.58 %")
	require.Equal(t, ptr(int64(2258)), sum.NetRevenueChurnBP, "no expansion to offset it")
	require.Equal(t, ptr(int64(12000)), sum.ARPA, "48000 / 4 customers")
	// Mar 1 renewals: A 25000, C 6000 (8000 less 25 %), D 5000, F 7000.
	require.Equal(t, billing.PaymentTotals{Succeeded: 4, Collected: 43000}, sum.Payments)
	require.Equal(t, ptr(int64(10000)), sum.PaymentSuccessBP)
	require.Equal(t, billing.RecoveredRenewals{}, sum.Recovered)
	require.Equal(t, billing.RefundTotals{Count: 1, Amount: 2000}, sum.Refunds)
	require.Equal(t, int64(41000), sum.NetRevenue, "43000 collected less 2000 refunded")
	require.Nil(t, sum.TrialConversionBP, "no trial ended")

	// February: F's renewal recovered; 7 attempts, 2 declined (Feb 1 and
	// the Feb 2 retry).
	feb, err := h.app.Analytics.Summary(h.ctx, h.s, app.SummaryParams{Currency: "CLP", From: ts("2024-02-01T00:00:00Z"),
		To: ts("2024-03-01T00:00:00Z"), AsOfParams: app.AsOfParams{TestClock: h.clock}})
	require.NoError(t, err)
	require.Equal(t, billing.RecoveredRenewals{Count: 1, Amount: 7000}, feb.Recovered)
	require.Equal(t, int64(2), feb.Payments.Failed)
	// A, C, D renew; F pays on its new card; A's upgrade is invoiced.
	require.Equal(t, int64(5), feb.Payments.Succeeded)
	require.Equal(t, ptr(int64(7143)), feb.PaymentSuccessBP, "5 of 7 = 71.43 %")

	requireOverviewAgrees(t, h, "CLP", ts("2024-01-01T12:00:00Z"), ts("2024-04-30T00:00:00Z"))
	requireOverviewAgrees(t, h, "USD", ts("2024-04-01T00:00:00Z"), ts("2024-04-30T00:00:00Z"))

	// Bad requests are refused with their parameter.
	_, err = h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "XXX"})
	requireAppError(t, err, billing.KindInvalid, billing.CodeCurrencyInvalid, "currency")
	_, err = h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "CLP", Months: 37})
	requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "months")
	_, err = h.app.Analytics.Summary(h.ctx, h.s, app.SummaryParams{Currency: "CLP", From: ts("2024-03-01T00:00:00Z"),
		To: ts("2024-02-01T00:00:00Z"), AsOfParams: app.AsOfParams{TestClock: h.clock}})
	requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "to")
	future := ts("2024-05-01T00:00:00Z")
	_, err = h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "CLP", AsOfParams: app.AsOfParams{TestClock: h.clock, AsOf: &future}})
	requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "as_of")
	_, err = h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "CLP", AsOfParams: app.AsOfParams{TestClock: "clock_missing"}})
	requireAppError(t, err, billing.KindNotFound, billing.CodeResourceMissing, "test_clock")
}

// scenarioAnalyticsTrials runs a merchant in America/Santiago (UTC−3 until
// April 7, 2024) from 2024-01-10 15:00 UTC to 2024-03-31:
//
//	T1 monthly CLP 9000 with a 14-day trial and a card: no MRR while
//	   trialing, 9000 from the trial's end on Jan 24
//	T2 the same trial without a payment method: cancelled at its end,
//	   never any MRR
//	R  monthly CLP 10000 with 50 % off for 2 months (repeating): 5000 until
//	   the period starting Mar 10 15:00 UTC, 10000 from then on
//	Y  annual CLP 120000 with 50 % off for 3 months: its first (yearly)
//	   invoice is discounted whole, so 60000 / 12 = 5000 all year
func scenarioAnalyticsTrials(t *testing.T, h *harness) {
	h.begin("America/Santiago", ts("2024-01-10T15:00:00Z"))
	half := 50.0
	two := h.coupon(app.CreateCouponParams{Name: "Dos meses", PercentOff: &half, Duration: billing.DurationRepeating, DurationInMonths: 2})
	three := h.coupon(app.CreateCouponParams{Name: "Tres meses", PercentOff: &half, Duration: billing.DurationRepeating, DurationInMonths: 3})
	trial := h.price(9000, "CLP", billing.IntervalMonth, 14)
	monthly := h.price(10000, "CLP", billing.IntervalMonth, 0)
	annual := h.price(120000, "CLP", billing.IntervalYear, 0)

	t1 := h.customer("t1@example.cl")
	h.subscribeTo(t1.ID, trial.ID, h.attach(t1.ID, billing.SimTokVisa).ID)
	t2 := h.customer("t2@example.cl")
	h.subscribe(app.CreateSubscriptionParams{Customer: t2.ID, Items: []app.ItemParams{{Price: trial.ID}}})
	r := h.customer("r@example.cl")
	h.subscribe(app.CreateSubscriptionParams{Customer: r.ID, Items: []app.ItemParams{{Price: monthly.ID}},
		PaymentMethod: h.attach(r.ID, billing.SimTokVisa).ID, Coupon: two.ID})
	y := h.customer("y@example.cl")
	h.subscribe(app.CreateSubscriptionParams{Customer: y.ID, Items: []app.ItemParams{{Price: annual.ID}},
		PaymentMethod: h.attach(y.ID, billing.SimTokVisa).ID, Coupon: three.ID})
	h.advanceTo(ts("2024-03-31T12:00:00Z"))

	asOf := app.AsOfParams{TestClock: h.clock}
	rep, err := h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "CLP", Months: 3, AsOfParams: asOf})
	require.NoError(t, err)
	require.Equal(t, "America/Santiago", rep.Timezone)
	require.Len(t, rep.Months, 3)
	// January starts at local midnight: 03:00 UTC.
	require.Equal(t, ts("2024-01-01T03:00:00Z"), rep.Months[0].Start)
	// January: T1 9000 (after its trial) + R 5000 + Y 5000, all new.
	require.Equal(t, "2024-01", rep.Months[0].Month)
	require.Equal(t, billing.MRRMovements{New: 19000, NewCustomers: 3}, rep.Months[0].Movements)
	require.Equal(t, int64(19000), rep.Months[1].EndMRR, "February: no change")
	// March: R's discount ends (+5000); Y's lasts its whole first year.
	require.Equal(t, billing.MRRMovements{Expansion: 5000, ExpansionCustomers: 1}, rep.Months[2].Movements)
	require.Equal(t, int64(24000), rep.Months[2].EndMRR)

	jan, err := h.app.Analytics.Summary(h.ctx, h.s, app.SummaryParams{Currency: "CLP", From: ts("2024-01-01T03:00:00Z"),
		To: ts("2024-02-01T03:00:00Z"), AsOfParams: asOf})
	require.NoError(t, err)
	require.Equal(t, billing.TrialTotals{Ended: 2, Converted: 1}, jan.Trials, "T1 converted, T2 did not")
	require.Equal(t, ptr(int64(5000)), jan.TrialConversionBP)
	// Without from, a to at local midnight on Feb 1 reports January.
	jan2, err := h.app.Analytics.Summary(h.ctx, h.s, app.SummaryParams{Currency: "CLP", To: ts("2024-02-01T03:00:00Z"), AsOfParams: asOf})
	require.NoError(t, err)
	require.Equal(t, ts("2024-01-01T03:00:00Z"), jan2.From)
	require.Equal(t, jan.Trials, jan2.Trials)

	mar, err := h.app.Analytics.Summary(h.ctx, h.s, app.SummaryParams{Currency: "CLP", From: ts("2024-03-01T03:00:00Z"), AsOfParams: asOf})
	require.NoError(t, err)
	require.Equal(t, ts("2024-03-31T12:00:00Z"), mar.To, "to defaults to the clock's time")
	require.Equal(t, ptr(int64(0)), mar.RevenueChurnBP)
	require.Equal(t, ptr(int64(-2632)), mar.NetRevenueChurnBP, "−5000 / 19000 = −26.32 %")
	require.Equal(t, ptr(int64(8000)), mar.ARPA, "24000 / 3")
	// Mar 10: R's renewal at the full price; T1's on Mar 24 at 9000.
	require.Equal(t, billing.PaymentTotals{Succeeded: 2, Collected: 19000}, mar.Payments)

	requireOverviewAgrees(t, h, "CLP", ts("2024-01-10T15:00:00Z"), ts("2024-03-31T12:00:00Z"))
}

// requireOverviewAgrees: the console's Overview returns, at as-of times
// every 6 hours from first to last (and at each instant a record was
// written, which falls on one of them or is checked at the clock's
// time), exactly what MRR and the two Summary calls it replaces return,
// and what MRR computes from the records alone, without kept months.
func requireOverviewAgrees(t *testing.T, h *harness, currency string, first, last time.Time) {
	t.Helper()
	check := func(at time.Time) {
		asOf := app.AsOfParams{TestClock: h.clock, AsOf: &at}
		ov, err := h.app.Analytics.Overview(h.ctx, h.s, app.OverviewParams{Currency: currency, AsOfParams: asOf})
		require.NoError(t, err)
		rep, err := h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: currency, Months: 12, AsOfParams: asOf})
		require.NoError(t, err)
		require.Equal(t, rep, ov.MRR, "series at %s", at)
		// Both may have read months kept by earlier reports: with every
		// kept month forgotten, the records give the same series.
		h.forgetKeptMonths()
		fresh, err := h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: currency, Months: 12, AsOfParams: asOf})
		require.NoError(t, err)
		require.Equal(t, fresh, rep, "series at %s computed from the records alone", at)
		loc, err := time.LoadLocation(rep.Timezone)
		require.NoError(t, err)
		l := at.In(loc)
		monthStart := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		prevStart := time.Date(l.Year(), l.Month()-1, 1, 0, 0, 0, 0, loc)
		prev, err := h.app.Analytics.Summary(h.ctx, h.s, app.SummaryParams{Currency: currency, From: prevStart, To: monthStart, AsOfParams: asOf})
		require.NoError(t, err)
		require.Equal(t, prev, ov.LastMonth, "last month at %s", at)
		this := app.Summary{}
		if at.After(monthStart) {
			this, err = h.app.Analytics.Summary(h.ctx, h.s, app.SummaryParams{Currency: currency, From: monthStart, To: at, AsOfParams: asOf})
			require.NoError(t, err)
		}
		require.Equal(t, this, ov.ThisMonth, "this month at %s", at)
	}
	for at := first; !at.After(last); at = at.Add(6 * time.Hour) {
		check(at)
	}
	check(last)
}

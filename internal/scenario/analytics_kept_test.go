package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestAnalyticsKeptMonths: a report keeps the months that are over
// (docs/analytics.md, "Closed months are kept"), the next report reads
// them, and a record written into one of them by another test clock makes
// the reports compute it again, on both stores.
func TestAnalyticsKeptMonths(t *testing.T) {
	runScenarios(t, []scenario{{"kept_months_follow_writes_into_the_past", scenarioAnalyticsKept}})
}

// scenarioAnalyticsKept: A subscribes at CLP 10000 a month on 2024-01-01;
// the clock reaches 2024-04-10. Then B, on a second clock frozen at
// 2024-02-15, subscribes at CLP 20000: a record in February, which the
// first report kept.
func scenarioAnalyticsKept(t *testing.T, h *harness) {
	h.begin("UTC", ts("2024-01-01T12:00:00Z"))
	plan, big := h.price(10000, "CLP", billing.IntervalMonth, 0), h.price(20000, "CLP", billing.IntervalMonth, 0)
	a := h.customer("a@example.cl")
	h.subscribeTo(a.ID, plan.ID, h.attach(a.ID, billing.SimTokVisa).ID)
	h.advanceTo(ts("2024-04-10T12:00:00Z"))

	type row struct {
		Month              string
		Start, End         int64
		EndSubs, EndCustom int64
		Mv                 billing.MRRMovements
	}
	report := func() []row {
		t.Helper()
		rep, err := h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "CLP", Months: 4, AsOfParams: app.AsOfParams{TestClock: h.clock}})
		require.NoError(t, err)
		var out []row
		for _, m := range rep.Months {
			out = append(out, row{m.Month, m.StartMRR, m.EndMRR, m.EndSubscriptions, m.EndCustomers, m.Movements})
		}
		return out
	}
	onlyA := []row{
		{"2024-01", 0, 10000, 1, 1, billing.MRRMovements{New: 10000, NewCustomers: 1}},
		{"2024-02", 10000, 10000, 1, 1, billing.MRRMovements{}},
		{"2024-03", 10000, 10000, 1, 1, billing.MRRMovements{}},
		{"2024-04", 10000, 10000, 1, 1, billing.MRRMovements{}},
	}
	requireSame(t, onlyA, report(), "computed from the records")
	requireSame(t, onlyA, report(), "January to March read as kept")
	kept := h.keptMonths("CLP")
	require.Equal(t, []string{"2024-01", "2024-02", "2024-03"}, kept, "the whole months are kept, April (under way) is not")

	// B lives on a clock of its own, in February.
	second, err := h.app.Renewals.CreateTestClock(h.ctx, h.s, "febrero", ts("2024-02-15T12:00:00Z"))
	require.NoError(t, err)
	b, err := h.app.Customers.CreateCustomer(h.ctx, h.s, app.CustomerParams{TestClock: &second.ID})
	require.NoError(t, err)
	h.subscribeTo(b.ID, big.ID, h.attach(b.ID, billing.SimTokVisa).ID)
	require.Empty(t, h.keptMonths("CLP"), "a record in a kept month retires what was kept")

	withB := []row{
		{"2024-01", 0, 10000, 1, 1, billing.MRRMovements{New: 10000, NewCustomers: 1}},
		{"2024-02", 10000, 30000, 2, 2, billing.MRRMovements{New: 20000, NewCustomers: 1}},
		{"2024-03", 30000, 30000, 2, 2, billing.MRRMovements{}},
		{"2024-04", 30000, 30000, 2, 2, billing.MRRMovements{}},
	}
	requireSame(t, withB, report(), "February counts B")
	requireSame(t, withB, report(), "and so do the months kept again")
	requireOverviewAgrees(t, h, "CLP", ts("2024-04-01T00:00:00Z"), ts("2024-04-10T12:00:00Z"))

	// The hourly job keeps the closed months of a report at now (the
	// App's clock: 2030-01-01), once.
	computed, err := h.app.Analytics.KeepClosedMonths(h.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, computed, "one scope and currency with records")
	var of2029 []string
	for _, m := range h.keptMonths("CLP") {
		if m >= "2029" {
			of2029 = append(of2029, m)
		}
	}
	require.Equal(t, []string{"2029-02", "2029-03", "2029-04", "2029-05", "2029-06", "2029-07", "2029-08", "2029-09", "2029-10", "2029-11"},
		of2029, "December 2029 ended at now: not two hours ago yet")
	computed, err = h.app.Analytics.KeepClosedMonths(h.ctx)
	require.NoError(t, err)
	require.Zero(t, computed, "nothing left to keep")
	rep, err := h.app.Analytics.MRR(h.ctx, h.s, app.MRRParams{Currency: "CLP"})
	require.NoError(t, err)
	require.Len(t, rep.Months, 12)
	for _, m := range rep.Months {
		require.Equal(t, int64(30000), m.EndMRR, m.Month)
		require.Equal(t, billing.MRRMovements{}, m.Movements, m.Month)
	}
}

// keptMonths lists the months (YYYY-MM in the merchant's zone) kept in
// the scope's current epoch for currency.
func (h *harness) keptMonths(currency string) []string {
	h.t.Helper()
	var out []string
	err := h.store.InTx(h.ctx, func(tx billing.Tx) error {
		epoch, err := tx.Analytics.MRREpoch(h.ctx, h.s)
		if err != nil {
			return err
		}
		kept, err := tx.Analytics.KeptMRRMonths(h.ctx, h.s, currency, epoch, time.Time{}, wallClock())
		for _, p := range kept {
			out = append(out, p.Start.In(h.loc).Format("2006-01"))
		}
		return err
	})
	require.NoError(h.t, err)
	return out
}

// forgetKeptMonths moves the scope's epoch on, as a write into the past
// does: the next report computes every month from the records.
func (h *harness) forgetKeptMonths() {
	h.t.Helper()
	require.NoError(h.t, h.store.InTx(h.ctx, func(tx billing.Tx) error { return tx.Analytics.BumpMRREpoch(h.ctx, h.s) }))
}

package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseAnalytics checks the MRR records and the reports' reads: what a
// report sums before its start, what it reads within, each scope and
// currency apart.
func exerciseAnalytics(t *testing.T, setup setupFunc) {
	t.Helper()

	day := func(d int) time.Time { return time.Date(2024, time.January, d, 12, 0, 0, 0, time.UTC) }
	change := func(b *testBundle, s billing.Scope, sub, cus, currency string, at time.Time, amount, delta int64) billing.MRRChange {
		return billing.MRRChange{ID: billing.NewID(billing.PrefixMRRChange, b.clock.next()), Scope: s, SubscriptionID: sub,
			CustomerID: cus, Currency: currency, At: at, Amount: amount, Delta: delta, Created: b.clock.next()}
	}

	t.Run("RecordsAndReads", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		clp := func(d0, d1 int) billing.ReportRange {
			return billing.ReportRange{Currency: "CLP", From: day(d0), To: day(d1)}
		}

		tx := begin(t, b.store)
		records := []billing.MRRChange{
			change(b, b.scope, "sub_1", "cus_1", "CLP", day(1), 5000, 5000),
			change(b, b.scope, "sub_2", "cus_2", "CLP", day(2), 3000, 3000),
			change(b, b.scope, "sub_1", "cus_1", "CLP", day(10), 8000, 3000),
			change(b, b.scope, "sub_2", "cus_2", "CLP", day(12), 0, -3000),
			change(b, b.scope, "sub_3", "cus_1", "USD", day(3), 1500, 1500),
			change(b, b.live, "sub_4", "cus_4", "CLP", day(3), 9999, 9999),
			change(b, b.other, "sub_5", "cus_5", "CLP", day(3), 7777, 7777),
		}
		for _, c := range records {
			require.NoError(t, tx.Analytics.InsertMRRChange(ctx, c))
		}
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.rollback(t)
		last, err := tx.Analytics.LastMRRBefore(ctx, b.scope, "sub_1", day(10))
		require.NoError(t, err)
		require.Equal(t, int64(5000), last, "before, not at")
		last, err = tx.Analytics.LastMRRBefore(ctx, b.scope, "sub_1", day(11))
		require.NoError(t, err)
		require.Equal(t, int64(8000), last)
		last, err = tx.Analytics.LastMRRBefore(ctx, b.scope, "sub_1", day(1))
		require.NoError(t, err)
		require.Zero(t, last, "no record: zero")
		last, err = tx.Analytics.LastMRRBefore(ctx, b.other, "sub_1", day(11))
		require.NoError(t, err)
		require.Zero(t, last, "another scope's")

		total, subs, err := tx.Analytics.MRRTotalsBefore(ctx, b.scope, "CLP", day(11))
		require.NoError(t, err)
		require.Equal(t, int64(11000), total, "8000 + 3000")
		require.Equal(t, int64(2), subs)
		total, subs, err = tx.Analytics.MRRTotalsBefore(ctx, b.scope, "CLP", day(13))
		require.NoError(t, err)
		require.Equal(t, int64(8000), total)
		require.Equal(t, int64(1), subs, "sub_2 brings nothing any more")
		n, err := tx.Analytics.CountCustomersWithMRR(ctx, b.scope, "CLP", day(13))
		require.NoError(t, err)
		require.Equal(t, int64(1), n)
		n, err = tx.Analytics.CountCustomersWithMRR(ctx, b.scope, "USD", day(13))
		require.NoError(t, err)
		require.Equal(t, int64(1), n)

		// More ids than one statement may take on SQLite.
		ids := []string{"cus_1", "cus_2"}
		for i := range 1200 {
			ids = append(ids, fmt.Sprintf("cus_none_%d", i))
		}
		ids = append(ids, "cus_5")
		byCus, err := tx.Analytics.CustomerMRRBefore(ctx, b.scope, "CLP", ids, day(13))
		require.NoError(t, err)
		require.Equal(t, map[string]billing.CustomerMRR{"cus_1": {Amount: 8000, EverPaid: true}, "cus_2": {Amount: 0, EverPaid: true}}, byCus)
		byCus, err = tx.Analytics.CustomerMRRBefore(ctx, b.scope, "CLP", nil, day(13))
		require.NoError(t, err)
		require.Empty(t, byCus)

		got, err := tx.Analytics.MRRChangesBetween(ctx, b.scope, clp(2, 12))
		require.NoError(t, err)
		require.Equal(t, []billing.MRRChange{records[1], records[2]}, got, "[from, to), by time")

		require.NoError(t, tx.Analytics.DeleteMRRChangesFrom(ctx, b.scope, "sub_1", day(10)))
		got, err = tx.Analytics.MRRChangesBetween(ctx, b.scope, clp(1, 31))
		require.NoError(t, err)
		require.Equal(t, []billing.MRRChange{records[0], records[1], records[3]}, got, "sub_1's record of day 10 is gone")
		require.NoError(t, tx.Analytics.DeleteMRRChangesFrom(ctx, b.other, "sub_2", day(1)))
		got, err = tx.Analytics.MRRChangesBetween(ctx, b.scope, clp(1, 31))
		require.NoError(t, err)
		require.Len(t, got, 3, "another scope deletes nothing of this one")
	})

	t.Run("EmptyTotals", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		r := billing.ReportRange{Currency: "CLP", From: day(1), To: day(31)}
		tx := begin(t, b.store)
		defer tx.rollback(t)
		p, err := tx.Analytics.PaymentTotals(ctx, b.scope, r)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentTotals{}, p)
		rf, err := tx.Analytics.RefundTotals(ctx, b.scope, r)
		require.NoError(t, err)
		require.Equal(t, billing.RefundTotals{}, rf)
		rec, err := tx.Analytics.RecoveredRenewals(ctx, b.scope, r)
		require.NoError(t, err)
		require.Equal(t, billing.RecoveredRenewals{}, rec)
		tr, err := tx.Analytics.TrialTotals(ctx, b.scope, r)
		require.NoError(t, err)
		require.Equal(t, billing.TrialTotals{}, tr)
		co, err := tx.Analytics.CheckoutTotals(ctx, b.scope, r)
		require.NoError(t, err)
		require.Equal(t, billing.CheckoutTotals{}, co)
		total, subs, err := tx.Analytics.MRRTotalsBefore(ctx, b.scope, "CLP", day(31))
		require.NoError(t, err)
		require.Zero(t, total)
		require.Zero(t, subs)
	})

	t.Run("CheckoutTotals", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		for i, c := range []struct {
			s      billing.Scope
			at     time.Time
			status string
		}{
			{b.scope, day(2), billing.CheckoutOpen},
			{b.scope, day(3), billing.CheckoutComplete},
			{b.scope, day(4), billing.CheckoutExpired},
			{b.scope, day(20), billing.CheckoutComplete}, // after the range
			{b.live, day(3), billing.CheckoutComplete},   // another mode
			{b.other, day(3), billing.CheckoutComplete},  // another merchant
		} {
			cs := buildCheckoutSession(c.s, b.clock.next())
			cs.Status, cs.Created = c.status, c.at
			require.NoError(t, tx.Checkout.CreateCheckoutSession(ctx, cs), "session %d", i)
		}
		tx.commit(t)
		tx = begin(t, b.store)
		defer tx.rollback(t)
		got, err := tx.Analytics.CheckoutTotals(ctx, b.scope, billing.ReportRange{Currency: "CLP", From: day(1), To: day(10)})
		require.NoError(t, err)
		require.Equal(t, billing.CheckoutTotals{Started: 3, Completed: 1}, got)
	})
}

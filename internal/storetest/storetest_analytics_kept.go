package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseKeptMRRMonths checks the kept months of MRR reports: kept per
// scope, currency and epoch, read back exactly within a range, kept once,
// and retired by moving the epoch.
func exerciseKeptMRRMonths(t *testing.T, setup setupFunc) {
	t.Helper()
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	month := func(m int) time.Time { return time.Date(2026, time.Month(m), 1, 3, 0, 0, 0, time.UTC) }
	period := func(m int, end int64) billing.MRRPeriod {
		return billing.MRRPeriod{Start: month(m), End: month(m + 1), StartMRR: end - 100, EndMRR: end, StartSubscriptions: 3,
			EndSubscriptions: 4, StartCustomers: 2, EndCustomers: 3,
			Movements: billing.MRRMovements{New: 150, Churn: -50, NewCustomers: 1, ChurnedCustomers: 1}}
	}
	now := month(12)

	tx := begin(t, b.store)
	epoch, err := tx.Analytics.MRREpoch(ctx, b.scope)
	require.NoError(t, err)
	require.Zero(t, epoch, "a scope starts at epoch 0")
	require.NoError(t, tx.Analytics.KeepMRRMonths(ctx, b.scope, "CLP", 0, []billing.MRRPeriod{period(3, 1000), period(1, 800), period(2, 900)}, now))
	require.NoError(t, tx.Analytics.KeepMRRMonths(ctx, b.scope, "USD", 0, []billing.MRRPeriod{period(1, 15)}, now))
	require.NoError(t, tx.Analytics.KeepMRRMonths(ctx, b.live, "CLP", 0, []billing.MRRPeriod{period(1, 1)}, now))
	require.NoError(t, tx.Analytics.KeepMRRMonths(ctx, b.other, "CLP", 0, []billing.MRRPeriod{period(1, 2)}, now))
	// Kept again, with other figures: the first stays.
	require.NoError(t, tx.Analytics.KeepMRRMonths(ctx, b.scope, "CLP", 0, []billing.MRRPeriod{period(1, 12345)}, now))
	tx.commit(t)

	tx = begin(t, b.store)
	kept, err := tx.Analytics.KeptMRRMonths(ctx, b.scope, "CLP", 0, month(1), month(4))
	require.NoError(t, err)
	require.Equal(t, []billing.MRRPeriod{period(1, 800), period(2, 900), period(3, 1000)}, kept, "by start, figures exact")
	kept, err = tx.Analytics.KeptMRRMonths(ctx, b.scope, "CLP", 0, month(2), month(3))
	require.NoError(t, err)
	require.Equal(t, []billing.MRRPeriod{period(2, 900)}, kept, "only periods wholly within the range")
	kept, err = tx.Analytics.KeptMRRMonths(ctx, b.scope, "CLP", 1, month(1), month(4))
	require.NoError(t, err)
	require.Empty(t, kept, "another epoch's")
	kept, err = tx.Analytics.KeptMRRMonths(ctx, b.other, "CLP", 0, month(1), month(4))
	require.NoError(t, err)
	require.Equal(t, []billing.MRRPeriod{period(1, 2)}, kept, "each merchant its own")

	require.NoError(t, tx.Analytics.BumpMRREpoch(ctx, b.scope))
	require.NoError(t, tx.Analytics.BumpMRREpoch(ctx, b.scope))
	epoch, err = tx.Analytics.MRREpoch(ctx, b.scope)
	require.NoError(t, err)
	require.Equal(t, int64(2), epoch)
	kept, err = tx.Analytics.KeptMRRMonths(ctx, b.scope, "USD", 0, month(1), month(4))
	require.NoError(t, err)
	require.Empty(t, kept, "moving the epoch forgets every currency's months")
	epoch, err = tx.Analytics.MRREpoch(ctx, b.live)
	require.NoError(t, err)
	require.Zero(t, epoch, "the live mode's epoch did not move")
	kept, err = tx.Analytics.KeptMRRMonths(ctx, b.live, "CLP", 0, month(1), month(4))
	require.NoError(t, err)
	require.Equal(t, []billing.MRRPeriod{period(1, 1)}, kept, "nor its months")
	tx.commit(t)
}

// exerciseReadRefusesWrites: Store.Read is for reads; a write in it fails
// on both stores and leaves nothing, so a use case that writes in a read is
// caught by the SQLite tests as PostgreSQL would catch it.
func exerciseReadRefusesWrites(t *testing.T, setup setupFunc) {
	t.Helper()
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	err := b.store.Read(ctx, func(tx billing.Tx) error { return tx.Analytics.BumpMRREpoch(ctx, b.scope) })
	require.Error(t, err)
	tx := begin(t, b.store)
	defer tx.rollback(t)
	epoch, err := tx.Analytics.MRREpoch(ctx, b.scope)
	require.NoError(t, err)
	require.Zero(t, epoch, "nothing written")
	// And the connection is writable again afterwards.
	require.NoError(t, tx.Analytics.BumpMRREpoch(ctx, b.scope))
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func testClockKind() kind[billing.TestClock] {
	return kind[billing.TestClock]{
		table: "test_clocks",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.TestClock {
			return buildBillingTestClock(s, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.TestClock, error) {
			return tx.Clocks.GetTestClock(ctx, s, id)
		},
		id: idOfTestClock,
		insert: func(tx billing.Tx, ctx context.Context, c billing.TestClock) error {
			return tx.Clocks.CreateTestClock(ctx, c)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.TestClock, bool, error) {
			return tx.Clocks.ListTestClocks(ctx, s, page)
		},
		setID:    func(v *billing.TestClock, id string) { v.ID = id },
		setScope: func(v *billing.TestClock, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.TestClock) {
			v.FrozenTime = v.FrozenTime.Add(time.Hour)
			v.Status = billing.TestClockAdvancing
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, c billing.TestClock) error {
			return tx.Clocks.UpdateTestClock(ctx, c)
		},
	}
}

func exerciseTestClock(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("UpdateWritesOnlyMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newBillingTestClock(t, tx.Tx, b.scope, b.clock.next())
		unnamed := newBillingTestClock(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.TestClock) { c.Name = "" })
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Clocks.GetTestClock(ctx, b.scope, unnamed.ID)
		require.NoError(t, err)
		require.Equal(t, unnamed, got)
		tx.commit(t)

		u := c
		// Mutable.
		u.FrozenTime = c.FrozenTime.Add(31*24*time.Hour + 3*time.Microsecond)
		u.Status = billing.TestClockAdvancing
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.Name = "Renamed"
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Clocks.UpdateTestClock(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.Clocks.GetTestClock(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.Clocks.GetTestClock(ctx, b.scope, unnamed.ID)
		require.NoError(t, err)
		require.Equal(t, unnamed, got, "updating one clock leaves the others alone")
		tx.commit(t)

		// Back to ready, frozen time moving on.
		want.Status = billing.TestClockReady
		want.FrozenTime = want.FrozenTime.Add(time.Microsecond)
		want.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Clocks.UpdateTestClock(ctx, want))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.Clocks.GetTestClock(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		tx.commit(t)
	})
}

// buildBillingTestClock returns a billing.TestClock (not to be confused with
// the suite's own testClock, which hands out times).
func buildBillingTestClock(s billing.Scope, at time.Time) billing.TestClock {
	return billing.TestClock{
		ID:         billing.NewID(billing.PrefixTestClock, at),
		Scope:      s,
		Name:       "Renovación mensual",
		FrozenTime: at.Add(-72*time.Hour + 11*time.Microsecond),
		Status:     billing.TestClockReady,
		Created:    at,
		Updated:    at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newBillingTestClock(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.TestClock)) billing.TestClock {
	t.Helper()

	c := buildBillingTestClock(s, at)
	for _, m := range mutate {
		m(&c)
	}
	require.NoError(t, tx.Clocks.CreateTestClock(t.Context(), c))
	return c
}

package storetest

import (
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
		get:      billing.Tx.GetTestClock,
		id:       idOfTestClock,
		insert:   billing.Tx.CreateTestClock,
		list:     billing.Tx.ListTestClocks,
		setID:    func(v *billing.TestClock, id string) { v.ID = id },
		setScope: func(v *billing.TestClock, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.TestClock) {
			v.FrozenTime = v.FrozenTime.Add(time.Hour)
			v.Status = billing.TestClockAdvancing
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdateTestClock,
	}
}

func exerciseTestClock(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("UpdateWritesOnlyMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newBillingTestClock(t, tx, b.scope, b.clock.next())
		unnamed := newBillingTestClock(t, tx, b.scope, b.clock.next(), func(c *billing.TestClock) { c.Name = "" })
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetTestClock(ctx, b.scope, unnamed.ID)
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
		require.NoError(t, tx.UpdateTestClock(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.GetTestClock(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.GetTestClock(ctx, b.scope, unnamed.ID)
		require.NoError(t, err)
		require.Equal(t, unnamed, got, "updating one clock leaves the others alone")
		tx.commit(t)

		// Back to ready, frozen time moving on.
		want.Status = billing.TestClockReady
		want.FrozenTime = want.FrozenTime.Add(time.Microsecond)
		want.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateTestClock(ctx, want))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.GetTestClock(ctx, b.scope, c.ID)
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
	require.NoError(t, tx.CreateTestClock(t.Context(), c))
	return c
}

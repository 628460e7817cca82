package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// redeemKind describes a redeemable object (a coupon, a promotion code) to
// exerciseRedemption.
type redeemKind[T any] struct {
	// create inserts an object allowing maxRedemptions (0 = unlimited) that
	// was redeemed timesRedeemed times.
	create   func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, maxRedemptions, timesRedeemed int64) T
	id       func(v T) string
	get      func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (T, error)
	redeem   func(tx billing.Tx, ctx context.Context, s billing.Scope, id string, delta int64) error
	setTimes func(v *T, n int64)
}

func exerciseRedemption[T any](t *testing.T, setup setupFunc, name string, k redeemKind[T]) {
	t.Helper()

	t.Run(name, func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		limited := k.create(t, tx.Tx, b.scope, b.clock.next(), 3, 1)
		unlimited := k.create(t, tx.Tx, b.scope, b.clock.next(), 0, 0)
		unused := k.create(t, tx.Tx, b.scope, b.clock.next(), 5, 0)
		sibling := k.create(t, tx.Tx, b.scope, b.clock.next(), 3, 1)
		tx.commit(t)

		// requireTimes checks that the store holds v redeemed n times and
		// otherwise unchanged.
		requireTimes := func(msg string, v T, n int64) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := k.get(tx.Tx, ctx, b.scope, k.id(v))
			require.NoError(t, err)
			want := v
			k.setTimes(&want, n)
			require.Equal(t, want, got, msg)
			tx.commit(t)
		}
		requireExhausted := func(err error, msg string) {
			t.Helper()
			require.ErrorIs(t, err, billing.ErrExhausted, msg)
			require.NotErrorIs(t, err, billing.ErrNotFound, msg)
		}

		tx = begin(t, b.store)
		require.NoError(t, k.redeem(tx.Tx, ctx, b.scope, k.id(limited), 1))
		require.NoError(t, k.redeem(tx.Tx, ctx, b.scope, k.id(limited), 1))
		requireExhausted(k.redeem(tx.Tx, ctx, b.scope, k.id(limited), 1), "one past MaxRedemptions")
		tx.commit(t)
		requireTimes("redeemed up to MaxRedemptions, not past it", limited, 3)

		tx = begin(t, b.store)
		require.NoError(t, k.redeem(tx.Tx, ctx, b.scope, k.id(limited), -1))
		tx.commit(t)
		requireTimes("a redemption given back", limited, 2)

		tx = begin(t, b.store)
		requireExhausted(k.redeem(tx.Tx, ctx, b.scope, k.id(unused), -1), "below zero")
		tx.commit(t)
		requireTimes("never below zero", unused, 0)

		tx = begin(t, b.store)
		for range 7 {
			require.NoError(t, k.redeem(tx.Tx, ctx, b.scope, k.id(unlimited), 1))
		}
		tx.commit(t)
		requireTimes("MaxRedemptions 0 is unlimited", unlimited, 7)

		tx = begin(t, b.store)
		require.NoError(t, k.redeem(tx.Tx, ctx, b.scope, k.id(limited), 1))
		tx.rollback(t)
		requireTimes("a rolled-back redemption", limited, 2)

		// Other scopes and unknown ids are not found, not exhausted.
		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			for _, delta := range []int64{1, -1} {
				err := k.redeem(tx.Tx, ctx, s, k.id(limited), delta)
				require.ErrorIs(t, err, billing.ErrNotFound, "redeem %+d in scope %+v", delta, s)
				require.NotErrorIs(t, err, billing.ErrExhausted)
			}
		}
		for _, delta := range []int64{1, -1} {
			err := k.redeem(tx.Tx, ctx, b.scope, "unknown_0123456789", delta)
			require.ErrorIs(t, err, billing.ErrNotFound, "redeem %+d of an unknown id", delta)
			require.NotErrorIs(t, err, billing.ErrExhausted)
		}
		tx.commit(t)

		requireTimes("redemptions through another scope changed nothing", limited, 2)
		requireTimes("redeeming one leaves the others alone", sibling, 1)
	})
}

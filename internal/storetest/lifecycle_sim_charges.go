package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
)

func exerciseSimCharge(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("InsertGetUpdate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		c := buildSimCharge("in_0001-1", "tok_visa", b.clock.next())
		declined := buildSimCharge("in_0002-1", "tok_chargeDeclined", b.clock.next())
		declined.Outcome = "declined"
		declined.Code = "card_declined"
		declined.Ref = ""

		tx := beginLedger(t, b.store)
		for _, want := range []sim.Charge{c, declined} {
			got, inserted, err := tx.InsertCharge(ctx, want)
			require.NoError(t, err)
			require.True(t, inserted)
			require.Equal(t, want, got)
		}
		tx.commit(t)

		// A retry with the same key gets the recorded charge, whatever it
		// says itself.
		retry := buildSimCharge(c.Key, "tok_other", b.clock.next())
		retry.Amount = 1
		retry.Currency = "USD"
		retry.Outcome = "error"
		retry.Code = "processing_error"
		retry.Ref = "sim_ch_retry"
		retry.Refunded = 1
		tx = beginLedger(t, b.store)
		got, inserted, err := tx.InsertCharge(ctx, retry)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, c, got)
		tx.commit(t)

		tx = beginLedger(t, b.store)
		got, err = tx.GetCharge(ctx, c.Key)
		require.NoError(t, err)
		require.Equal(t, c, got, "the retry changed nothing")
		got, err = tx.GetCharge(ctx, declined.Key)
		require.NoError(t, err)
		require.Equal(t, declined, got)
		_, err = tx.GetCharge(ctx, "in_9999-1")
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)

		u := c
		u.Refunded = 4000
		want := u
		// Only refunded is written.
		u.Token = "tok_changed"
		u.Amount = 1
		u.Currency = "USD"
		u.Outcome = "declined"
		u.Code = "changed"
		u.Ref = "changed"
		u.Created = b.clock.next()
		tx = beginLedger(t, b.store)
		require.NoError(t, tx.UpdateCharge(ctx, u))
		unknown := buildSimCharge("in_9999-1", "tok_visa", b.clock.next())
		require.ErrorIs(t, tx.UpdateCharge(ctx, unknown), billing.ErrNotFound)
		tx.commit(t)

		tx = beginLedger(t, b.store)
		got, err = tx.GetCharge(ctx, c.Key)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.GetCharge(ctx, declined.Key)
		require.NoError(t, err)
		require.Equal(t, declined, got, "updating one charge leaves the others alone")
		tx.commit(t)
	})

	t.Run("InsertMany", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		first := buildSimCharge("in_m-1", "tok_visa", b.clock.next())
		tx := beginLedger(t, b.store)
		recorded, inserted, err := tx.InsertCharges(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, recorded)
		require.Empty(t, inserted)
		_, ok, err := tx.InsertCharge(ctx, first)
		require.NoError(t, err)
		require.True(t, ok)
		tx.commit(t)

		// A batch of new keys around one already recorded: the recorded
		// entry wins over what the batch says about it.
		again := buildSimCharge(first.Key, "tok_other", b.clock.next())
		again.Amount = 1
		batch := []sim.Charge{
			buildSimCharge("in_z-1", "tok_visa", b.clock.next()),
			again,
			buildSimCharge("in_a-1", "tok_chargeDeclined", b.clock.next()),
			buildSimCharge("in_q-1", "tok_visa", b.clock.next()),
		}
		batch[2].Outcome, batch[2].Code, batch[2].Ref = "declined", "card_declined", ""
		tx = beginLedger(t, b.store)
		recorded, inserted, err = tx.InsertCharges(ctx, slices.Clone(batch))
		require.NoError(t, err)
		require.Equal(t, []bool{true, false, true, true}, inserted)
		require.Equal(t, []sim.Charge{batch[0], first, batch[2], batch[3]}, recorded)
		tx.commit(t)

		tx = beginLedger(t, b.store)
		all, err := tx.ListCharges(ctx)
		require.NoError(t, err)
		tx.commit(t)
		require.Len(t, all, 4)
		require.Equal(t, first, all[0], "a batch lists after what was there before it")
		require.ElementsMatch(t, []sim.Charge{batch[0], batch[2], batch[3]}, all[1:])
		for _, c := range []sim.Charge{batch[0], batch[2], batch[3]} {
			tx = beginLedger(t, b.store)
			got, err := tx.GetCharge(ctx, c.Key)
			require.NoError(t, err)
			tx.commit(t)
			require.Equal(t, c, got)
		}
	})

	t.Run("CountAndListInInsertionOrder", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := beginLedger(t, b.store)
		all, err := tx.ListCharges(ctx)
		require.NoError(t, err)
		require.Empty(t, all)
		n, err := tx.CountCharges(ctx, "tok_a", "succeeded")
		require.NoError(t, err)
		require.Equal(t, int64(0), n)
		tx.commit(t)

		// Neither keys nor creation times follow the insertion order.
		times := make([]time.Time, 7)
		for i := range times {
			times[len(times)-1-i] = b.clock.next()
		}
		charge := func(i int, key, token, outcome string) sim.Charge {
			c := buildSimCharge(key, token, times[i])
			c.Outcome = outcome
			if outcome != "succeeded" {
				c.Code = "card_declined"
				c.Ref = ""
			}
			return c
		}
		ledger := []sim.Charge{
			charge(0, "in_c-1", "tok_a", "succeeded"),
			charge(1, "in_a-1", "tok_a", "declined"),
			charge(2, "in_e-1", "tok_b", "succeeded"),
		}
		later := []sim.Charge{
			charge(3, "in_a-2", "tok_a", "succeeded"),
			charge(4, "in_0-1", "tok_a", "error"),
		}
		rolledBack := charge(5, "in_b-1", "tok_a", "succeeded")
		last := charge(6, "in_d-1", "tok_b", "declined")

		insert := func(tx sim.Ledger, c sim.Charge, wantInserted bool) {
			t.Helper()
			_, inserted, err := tx.InsertCharge(ctx, c)
			require.NoError(t, err)
			require.Equal(t, wantInserted, inserted, "insert %s", c.Key)
		}

		tx = beginLedger(t, b.store)
		for _, c := range ledger {
			insert(tx.Ledger, c, true)
		}
		tx.commit(t)

		tx = beginLedger(t, b.store)
		insert(tx.Ledger, later[0], true)
		insert(tx.Ledger, ledger[0], false) // a retry does not move the charge
		insert(tx.Ledger, later[1], true)
		tx.commit(t)

		tx = beginLedger(t, b.store)
		insert(tx.Ledger, rolledBack, true)
		tx.rollback(t)

		tx = beginLedger(t, b.store)
		insert(tx.Ledger, last, true)
		refunded := ledger[2]
		refunded.Refunded = 500
		require.NoError(t, tx.UpdateCharge(ctx, refunded)) // nor does a refund
		tx.commit(t)

		want := []sim.Charge{ledger[0], ledger[1], refunded, later[0], later[1], last}

		tx = beginLedger(t, b.store)
		all, err = tx.ListCharges(ctx)
		require.NoError(t, err)
		require.Equal(t, want, all, "the whole ledger in insertion order")
		_, err = tx.GetCharge(ctx, rolledBack.Key)
		require.ErrorIs(t, err, billing.ErrNotFound, "the rolled-back charge left nothing")

		for _, tc := range []struct {
			token, outcome string
			want           int64
		}{
			{"tok_a", "succeeded", 2},
			{"tok_a", "declined", 1},
			{"tok_a", "error", 1},
			{"tok_b", "succeeded", 1},
			{"tok_b", "declined", 1},
			{"tok_b", "error", 0},
			{"tok_c", "succeeded", 0},
			{"tok_a", "", 0},
			{"", "succeeded", 0},
		} {
			n, err := tx.CountCharges(ctx, tc.token, tc.outcome)
			require.NoError(t, err)
			require.Equal(t, tc.want, n, "count of %q %q", tc.token, tc.outcome)
		}
		tx.commit(t)
	})
}

func buildSimCharge(key, token string, at time.Time) sim.Charge {
	return sim.Charge{
		Key:      key,
		Token:    token,
		Amount:   9900,
		Currency: "CLP",
		Outcome:  "succeeded",
		Code:     "",
		Ref:      "sim_ch_" + key,
		Refunded: 0,
		Created:  at,
	}
}

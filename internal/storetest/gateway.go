package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseGateway checks gateway configuration and gateway references.
func exerciseGateway(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("ConfigPutGetListDelete", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		at := b.clock.next()
		flow := billing.GatewayConfig{Scope: b.scope, Gateway: billing.GatewayFlow, Sealed: "v1:sealed-flow", Created: at, Updated: at}
		stripe := billing.GatewayConfig{Scope: b.scope, Gateway: billing.GatewayStripe, Sealed: "v1:sealed-stripe", Created: at, Updated: at}
		live := billing.GatewayConfig{Scope: b.live, Gateway: billing.GatewayFlow, Sealed: "v1:live", Created: at, Updated: at}
		tx := begin(t, b.store)
		for _, c := range []billing.GatewayConfig{stripe, flow, live} {
			require.NoError(t, tx.Gateways.PutGatewayConfig(ctx, c))
		}
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Gateways.GetGatewayConfig(ctx, b.scope, billing.GatewayFlow)
		require.NoError(t, err)
		require.Equal(t, flow, got)
		all, err := tx.Gateways.ListGatewayConfigs(ctx, b.scope)
		require.NoError(t, err)
		require.Equal(t, []billing.GatewayConfig{flow, stripe}, all, "by gateway name")
		none, err := tx.Gateways.ListGatewayConfigs(ctx, b.other)
		require.NoError(t, err)
		require.Empty(t, none)
		_, err = tx.Gateways.GetGatewayConfig(ctx, b.other, billing.GatewayFlow)
		require.ErrorIs(t, err, billing.ErrNotFound, "another merchant's configuration is not found")
		got, err = tx.Gateways.GetGatewayConfig(ctx, b.live, billing.GatewayFlow)
		require.NoError(t, err)
		require.Equal(t, live, got, "each mode has its own")
		tx.commit(t)

		// Replacing keeps the creation time.
		replaced := flow
		replaced.Sealed, replaced.Created, replaced.Updated = "v1:rotated", b.clock.next(), b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Gateways.PutGatewayConfig(ctx, replaced))
		got, err = tx.Gateways.GetGatewayConfig(ctx, b.scope, billing.GatewayFlow)
		require.NoError(t, err)
		want := replaced
		want.Created = flow.Created
		require.Equal(t, want, got)
		require.NoError(t, tx.Gateways.DeleteGatewayConfig(ctx, b.scope, billing.GatewayFlow))
		require.ErrorIs(t, tx.Gateways.DeleteGatewayConfig(ctx, b.scope, billing.GatewayFlow), billing.ErrNotFound)
		_, err = tx.Gateways.GetGatewayConfig(ctx, b.scope, billing.GatewayFlow)
		require.ErrorIs(t, err, billing.ErrNotFound)
		got, err = tx.Gateways.GetGatewayConfig(ctx, b.live, billing.GatewayFlow)
		require.NoError(t, err)
		require.Equal(t, live, got, "deleting one mode leaves the other")
		tx.commit(t)
	})

	t.Run("CustomerReserveThenSet", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		tx.commit(t)

		at := b.clock.next()
		reservation := billing.GatewayCustomer{Scope: b.scope, CustomerID: cus.ID, Gateway: billing.GatewayFlow, Created: at, Updated: at}
		tx = begin(t, b.store)
		got, inserted, err := tx.Gateways.ReserveGatewayCustomer(ctx, reservation)
		require.NoError(t, err)
		require.True(t, inserted)
		require.Equal(t, reservation, got)
		again := reservation
		again.GatewayCustomerID, again.Updated = "cus_other", b.clock.next()
		got, inserted, err = tx.Gateways.ReserveGatewayCustomer(ctx, again)
		require.NoError(t, err)
		require.False(t, inserted, "one row per customer and gateway")
		require.Equal(t, reservation, got, "the first reservation stands")
		tx.commit(t)

		set := reservation
		set.GatewayCustomerID, set.Updated = "cus_onoolldvec", b.clock.next()
		tx = begin(t, b.store)
		ok, err := tx.Gateways.UpdateGatewayCustomer(ctx, set, b.clock.next())
		require.NoError(t, err)
		require.False(t, ok, "a stale compare-and-set writes nothing")
		ok, err = tx.Gateways.UpdateGatewayCustomer(ctx, set, reservation.Updated)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = tx.Gateways.UpdateGatewayCustomer(ctx, set, reservation.Updated)
		require.NoError(t, err)
		require.False(t, ok, "the row moved: the same compare-and-set does not win twice")
		got, err = tx.Gateways.GetGatewayCustomer(ctx, b.scope, cus.ID, billing.GatewayFlow)
		require.NoError(t, err)
		require.Equal(t, set, got)
		_, err = tx.Gateways.GetGatewayCustomer(ctx, b.scope, cus.ID, billing.GatewayStripe)
		require.ErrorIs(t, err, billing.ErrNotFound, "per gateway")
		_, err = tx.Gateways.GetGatewayCustomer(ctx, b.live, cus.ID, billing.GatewayFlow)
		require.ErrorIs(t, err, billing.ErrNotFound, "per mode")
		tx.commit(t)
	})

	t.Run("NotificationsRecordedOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		first, err := tx.Gateways.RecordGatewayNotification(ctx, billing.GatewayFlow, "tok_1", b.scope, b.clock.next())
		require.NoError(t, err)
		require.True(t, first)
		dup, err := tx.Gateways.RecordGatewayNotification(ctx, billing.GatewayFlow, "tok_1", b.scope, b.clock.next())
		require.NoError(t, err)
		require.False(t, dup)
		otherGateway, err := tx.Gateways.RecordGatewayNotification(ctx, billing.GatewayStripe, "tok_1", b.scope, b.clock.next())
		require.NoError(t, err)
		require.True(t, otherGateway, "ids are per gateway")
		tx.rollback(t)

		tx = begin(t, b.store)
		again, err := tx.Gateways.RecordGatewayNotification(ctx, billing.GatewayFlow, "tok_1", b.scope, b.clock.next())
		require.NoError(t, err)
		require.True(t, again, "a rolled-back record is not a record")
		tx.commit(t)
	})

	t.Run("SetupGatewayRef", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		st := newSetup(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(st *billing.PaymentMethodSetup) { st.Gateway = billing.GatewayFlow })
		done := newSetup(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(st *billing.PaymentMethodSetup) { st.Status = billing.SetupFailed })
		require.NoError(t, tx.Gateways.SetSetupGatewayRef(ctx, b.scope, st.ID, "a1b2c3register"))
		require.ErrorIs(t, tx.Gateways.SetSetupGatewayRef(ctx, b.scope, done.ID, "x"), billing.ErrNotFound, "only a pending setup")
		require.ErrorIs(t, tx.Gateways.SetSetupGatewayRef(ctx, b.other, st.ID, "x"), billing.ErrNotFound, "only in its scope")
		got, err := tx.Setups.GetSetup(ctx, b.scope, st.ID)
		require.NoError(t, err)
		st.GatewayRef = "a1b2c3register"
		require.Equal(t, st, got)
		tx.commit(t)
	})

	t.Run("RefundByGatewayRef", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		pay := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		ref := newRefund(t, tx.Tx, b.scope, pay.ID, b.clock.next(), func(r *billing.Refund) { r.GatewayRef = "flow-refund-token-1" })
		newRefund(t, tx.Tx, b.scope, pay.ID, b.clock.next(), func(r *billing.Refund) { r.GatewayRef = "flow-refund-token-2" })
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Gateways.GetRefundByGatewayRef(ctx, b.scope, "flow-refund-token-1")
		require.NoError(t, err)
		require.Equal(t, ref, got)
		_, err = tx.Gateways.GetRefundByGatewayRef(ctx, b.other, "flow-refund-token-1")
		require.ErrorIs(t, err, billing.ErrNotFound, "only in its scope")
		_, err = tx.Gateways.GetRefundByGatewayRef(ctx, b.scope, "unknown")
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("PendingRefundsOldestFirst", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		pay := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		t1, t2, t3 := b.clock.next(), b.clock.next(), b.clock.next()
		older := newRefund(t, tx.Tx, b.scope, pay.ID, t1, func(r *billing.Refund) { r.GatewayRef, r.Updated = "tok_b", t2 })
		oldest := newRefund(t, tx.Tx, b.scope, pay.ID, t1, func(r *billing.Refund) { r.GatewayRef, r.Updated = "tok_a", t1 })
		newRefund(t, tx.Tx, b.scope, pay.ID, t1, func(r *billing.Refund) { r.GatewayRef, r.Updated = "tok_c", t3 }) // too recent
		newRefund(t, tx.Tx, b.scope, pay.ID, t1, func(r *billing.Refund) { r.Updated = t1 })                        // not at a gateway yet
		newRefund(t, tx.Tx, b.scope, pay.ID, t1, func(r *billing.Refund) {
			r.GatewayRef, r.Updated, r.Status = "tok_d", t1, billing.RefundSucceeded
		})
		livePay := newSucceededPayment(t, tx.Tx, b.live, b.clock.next())
		live := newRefund(t, tx.Tx, b.live, livePay.ID, t1, func(r *billing.Refund) { r.GatewayRef, r.Updated = "tok_e", t2 })
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Gateways.ListPendingRefunds(ctx, t3, 10)
		require.NoError(t, err)
		require.Len(t, got, 3)
		require.Equal(t, oldest, got[0])
		require.ElementsMatch(t, []billing.Refund{older, live}, got[1:], "every merchant and mode")
		got, err = tx.Gateways.ListPendingRefunds(ctx, t3, 1)
		require.NoError(t, err)
		require.Equal(t, []billing.Refund{oldest}, got)

		later := b.clock.next()
		require.NoError(t, tx.Gateways.TouchRefund(ctx, b.scope, oldest.ID, later))
		require.ErrorIs(t, tx.Gateways.TouchRefund(ctx, b.other, oldest.ID, later), billing.ErrNotFound)
		got, err = tx.Gateways.ListPendingRefunds(ctx, t3, 10)
		require.NoError(t, err)
		require.Len(t, got, 2, "a touched refund waits")
		tx.commit(t)
	})

	t.Run("PaymentByIdempotencyKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		pay := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		other := newSucceededPayment(t, tx.Tx, b.other, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Gateways.GetPaymentByIdempotencyKey(ctx, b.scope, pay.IdempotencyKey)
		require.NoError(t, err)
		require.Equal(t, pay, got)
		_, err = tx.Gateways.GetPaymentByIdempotencyKey(ctx, b.scope, other.IdempotencyKey)
		require.ErrorIs(t, err, billing.ErrNotFound, "another merchant's key is not found")
		_, err = tx.Gateways.GetPaymentByIdempotencyKey(ctx, b.live, pay.IdempotencyKey)
		require.ErrorIs(t, err, billing.ErrNotFound, "nor another mode's")
		_, err = tx.Gateways.GetPaymentByIdempotencyKey(ctx, b.scope, "in_unknown-1")
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})
}

package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func exerciseSetup(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetAndGetByID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		st := newSetup(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		failed := newSetup(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(st *billing.PaymentMethodSetup) {
			st.Gateway = billing.GatewayFlow
			st.ReturnURL = ""
			st.Status = billing.SetupFailed
			st.FailureMessage = "tarjeta rechazada por el emisor"
			st.GatewayRef = "7c1f0a9e2b3d4f5a6b7c8d9e0f1a2b3c4d5e6f7a" // Flow's register token
		})
		liveCus := newCustomer(t, tx.Tx, b.live, b.clock.next())
		live := newSetup(t, tx.Tx, b.live, liveCus.ID, b.clock.next())
		otherCus := newCustomer(t, tx.Tx, b.other, b.clock.next())
		other := newSetup(t, tx.Tx, b.other, otherCus.ID, b.clock.next())
		tx.commit(t)

		unknown := buildSetup(b.scope, cus.ID, b.clock.next()).ID

		tx = begin(t, b.store)
		for _, want := range []billing.PaymentMethodSetup{st, failed, live, other} {
			got, err := tx.Setups.GetSetup(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, "the secret hash is stored too")

			got, err = tx.Setups.GetSetupByID(ctx, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, "found by id in any scope")
		}
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := tx.Setups.GetSetup(ctx, s, st.ID)
			require.ErrorIs(t, err, billing.ErrNotFound, "get in scope %+v", s)
		}
		_, err := tx.Setups.GetSetup(ctx, b.scope, unknown)
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.Setups.GetSetupByID(ctx, unknown)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)

		// Ids are unique across scopes.
		for _, s := range []billing.Scope{b.scope, b.live, b.other} {
			tx = begin(t, b.store)
			c := newCustomer(t, tx.Tx, s, b.clock.next())
			dup := buildSetup(s, c.ID, b.clock.next())
			dup.ID = st.ID
			requireUniqueViolation(t, tx.Setups.CreateSetup(ctx, dup), "payment_method_setups_pkey")
			tx.rollback(t)
		}
	})

	t.Run("UpdateOnlyWhilePending", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		pm := newPaymentMethod(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		st := newSetup(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		toFail := newSetup(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		toExpire := newSetup(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		sibling := newSetup(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		tx.commit(t)

		requireSetup := func(msg string, want billing.PaymentMethodSetup) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := tx.Setups.GetSetup(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, msg)
			tx.commit(t)
		}

		u := st
		// Mutable.
		u.Status = billing.SetupSucceeded
		u.PaymentMethodID = pm.ID
		u.FailureMessage = ""
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.CustomerID = otherCus.ID
		u.Gateway = billing.GatewayStripe
		u.ReturnURL = "https://evil.example.com/"
		u.SecretHash = strings.Repeat("0", 64)
		u.ExpiresAt = b.clock.next()
		u.Created = b.clock.next()

		f := toFail
		f.Status = billing.SetupFailed
		f.FailureMessage = "fondos insuficientes"
		f.Updated = b.clock.next()

		e := toExpire
		e.Status = billing.SetupExpired
		e.Updated = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Setups.UpdateSetup(ctx, u))
		require.NoError(t, tx.Setups.UpdateSetup(ctx, f))
		require.NoError(t, tx.Setups.UpdateSetup(ctx, e))
		tx.commit(t)
		requireSetup("succeeded", want)
		requireSetup("failed", f)
		requireSetup("expired", e)

		// Once it is no longer pending, a setup is final.
		tx = begin(t, b.store)
		for _, done := range []billing.PaymentMethodSetup{want, f, e} {
			again := done
			again.Status = billing.SetupPending
			again.PaymentMethodID = ""
			again.FailureMessage = "again"
			again.Updated = b.clock.next()
			require.ErrorIs(t, tx.Setups.UpdateSetup(ctx, again), billing.ErrNotFound, "update of a %s setup", done.Status)
			again.Status = billing.SetupSucceeded
			again.PaymentMethodID = pm.ID
			require.ErrorIs(t, tx.Setups.UpdateSetup(ctx, again), billing.ErrNotFound, "update of a %s setup", done.Status)
		}
		tx.commit(t)
		requireSetup("a succeeded setup is final", want)
		requireSetup("a failed setup is final", f)
		requireSetup("an expired setup is final", e)

		// Other scopes and unknown ids are not found.
		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			moved := sibling
			moved.Scope = s
			moved.Status = billing.SetupSucceeded
			moved.PaymentMethodID = pm.ID
			require.ErrorIs(t, tx.Setups.UpdateSetup(ctx, moved), billing.ErrNotFound, "update in scope %+v", s)
		}
		require.ErrorIs(t, tx.Setups.UpdateSetup(ctx, buildSetup(b.scope, cus.ID, b.clock.next())), billing.ErrNotFound)
		tx.commit(t)
		requireSetup("updating one setup leaves the others alone", sibling)
	})
}

func exercisePaymentMethod(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetUpdate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		pm := newPaymentMethod(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		sibling := newPaymentMethod(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(pm *billing.PaymentMethod) {
			pm.Gateway = billing.GatewayFlow
			pm.Token = "flow_tok_9f8e7d6c5b4a"
			pm.Brand = ""
			pm.Last4 = ""
			pm.ExpMonth = 0
			pm.ExpYear = 0
			pm.Status = billing.PaymentMethodDetached
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.PaymentMethod{pm, sibling} {
			got, err := tx.PaymentMethods.GetPaymentMethod(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, "the token is stored too")
		}
		_, err := tx.PaymentMethods.GetPaymentMethod(ctx, b.scope, buildPaymentMethod(b.scope, cus.ID, b.clock.next()).ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := tx.PaymentMethods.GetPaymentMethod(ctx, s, pm.ID)
			require.ErrorIs(t, err, billing.ErrNotFound, "get in scope %+v", s)
		}
		tx.commit(t)

		u := pm
		// Mutable.
		u.Status = billing.PaymentMethodDetached
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.CustomerID = otherCus.ID
		u.Gateway = billing.GatewayStripe
		u.Token = "tok_changed"
		u.Brand = "amex"
		u.Last4 = "0005"
		u.ExpMonth = 1
		u.ExpYear = 2040
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.PaymentMethods.UpdatePaymentMethod(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			moved := want
			moved.Scope = s
			moved.Status = billing.PaymentMethodActive
			require.ErrorIs(t, tx.PaymentMethods.UpdatePaymentMethod(ctx, moved), billing.ErrNotFound, "update in scope %+v", s)
		}
		unsaved := buildPaymentMethod(b.scope, cus.ID, b.clock.next())
		require.ErrorIs(t, tx.PaymentMethods.UpdatePaymentMethod(ctx, unsaved), billing.ErrNotFound)
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.PaymentMethods.GetPaymentMethod(ctx, b.scope, pm.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.PaymentMethods.GetPaymentMethod(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one payment method leaves the others alone")
		tx.commit(t)

		// Ids are unique across scopes.
		for _, s := range []billing.Scope{b.scope, b.live, b.other} {
			tx = begin(t, b.store)
			c := newCustomer(t, tx.Tx, s, b.clock.next())
			dup := buildPaymentMethod(s, c.ID, b.clock.next())
			dup.ID = pm.ID
			requireUniqueViolation(t, tx.PaymentMethods.CreatePaymentMethod(ctx, dup), "payment_methods_pkey")
			tx.rollback(t)
		}
	})

	t.Run("ListPerCustomer", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		liveCus := newCustomer(t, tx.Tx, b.live, b.clock.next())
		empty := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		// Made in id order, inserted out of it.
		mine := make([]billing.PaymentMethod, 4)
		for i := range mine {
			mine[i] = buildPaymentMethod(b.scope, c1.ID, b.clock.next())
		}
		mine[1].Status = billing.PaymentMethodDetached // detached ones are listed too
		theirs := newPaymentMethod(t, tx.Tx, b.scope, c2.ID, b.clock.next())
		for _, i := range []int{2, 0, 3, 1} {
			require.NoError(t, tx.PaymentMethods.CreatePaymentMethod(ctx, mine[i]))
		}
		livePM := newPaymentMethod(t, tx.Tx, b.live, liveCus.ID, b.clock.next())
		tx.commit(t)

		want := slices.Clone(mine)
		slices.Reverse(want)

		tx = begin(t, b.store)
		got, err := tx.PaymentMethods.ListPaymentMethods(ctx, b.scope, c1.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "newest first, whole")

		got, err = tx.PaymentMethods.ListPaymentMethods(ctx, b.scope, c2.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.PaymentMethod{theirs}, got)

		got, err = tx.PaymentMethods.ListPaymentMethods(ctx, b.live, liveCus.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.PaymentMethod{livePM}, got)

		for _, tc := range []struct {
			name       string
			scope      billing.Scope
			customerID string
		}{
			{"CustomerWithout", b.scope, empty.ID},
			{"UnknownCustomer", b.scope, billing.NewID(billing.PrefixCustomer, b.clock.next())},
			{"LiveModeOfCustomer", b.live, c1.ID},
			{"OtherMerchantOfCustomer", b.other, c1.ID},
			{"CustomerOfLiveMode", b.scope, liveCus.ID},
		} {
			got, err := tx.PaymentMethods.ListPaymentMethods(ctx, tc.scope, tc.customerID)
			require.NoError(t, err, tc.name)
			require.Empty(t, got, tc.name)
		}
		tx.commit(t)
	})
}

// buildSetup returns a pending setup, expiring in an hour.
func buildSetup(s billing.Scope, customerID string, at time.Time) billing.PaymentMethodSetup {
	id := billing.NewID(billing.PrefixSetup, at)
	sum := sha256.Sum256([]byte(billing.PrefixSetupSecret + id))
	return billing.PaymentMethodSetup{
		ID:         id,
		Scope:      s,
		CustomerID: customerID,
		Gateway:    billing.GatewaySim,
		ReturnURL:  "https://propiedades.example.cl/cuenta/tarjeta?volver=1&nota=sí",
		SecretHash: hex.EncodeToString(sum[:]),
		Status:     billing.SetupPending,
		ExpiresAt:  at.Add(time.Hour + 3*time.Microsecond),
		Created:    at,
		Updated:    at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newSetup(t *testing.T, tx billing.Tx, s billing.Scope, customerID string, at time.Time, mutate ...func(*billing.PaymentMethodSetup)) billing.PaymentMethodSetup {
	t.Helper()

	st := buildSetup(s, customerID, at)
	for _, m := range mutate {
		m(&st)
	}
	require.NoError(t, tx.Setups.CreateSetup(t.Context(), st))
	return st
}

func buildPaymentMethod(s billing.Scope, customerID string, at time.Time) billing.PaymentMethod {
	id := billing.NewID(billing.PrefixPaymentMethod, at)
	return billing.PaymentMethod{
		ID:         id,
		Scope:      s,
		CustomerID: customerID,
		Gateway:    billing.GatewaySim,
		Token:      "tok_sim_" + id[len(id)-10:],
		Brand:      "visa",
		Last4:      "4242",
		ExpMonth:   12,
		ExpYear:    2031,
		Status:     billing.PaymentMethodActive,
		Created:    at,
		Updated:    at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newPaymentMethod(t *testing.T, tx billing.Tx, s billing.Scope, customerID string, at time.Time, mutate ...func(*billing.PaymentMethod)) billing.PaymentMethod {
	t.Helper()

	pm := buildPaymentMethod(s, customerID, at)
	for _, m := range mutate {
		m(&pm)
	}
	require.NoError(t, tx.PaymentMethods.CreatePaymentMethod(t.Context(), pm))
	return pm
}

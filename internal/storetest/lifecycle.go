package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// This file holds the tests of billing.LifecycleTx: merchants' settings,
// coupon and promotion code redemptions, payment method setups, test clocks,
// payment methods, subscriptions, trial claims, invoices, payments, refunds,
// events and the simulated gateway's ledger.

// exerciseLifecycle runs the lifecycle groups. Like the groups in Exercise,
// each is a plain subtest whose leaves run in parallel.
//
// To keep the Postgres run short (every store is a schema, migrated), the
// leaves of a group share one store and each gets two merchants of its own
// (see shareStore): what a leaf checks is confined to its merchants' scopes.
// The few leaves that look at state shared by every merchant (due
// subscriptions, the sim ledger, the list of merchants) get a store of
// their own from setup.
func exerciseLifecycle(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("MerchantSettings", func(t *testing.T) { exerciseMerchantSettings(t, setup, shareStore(t, setup)) })
	t.Run("Redemption", func(t *testing.T) {
		shared := shareStore(t, setup)
		exerciseRedemption(t, shared, "Coupon", redeemKind[billing.Coupon]{
			create: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, maxRedemptions, timesRedeemed int64) billing.Coupon {
				t.Helper()
				return newCoupon(t, tx, s, at, func(c *billing.Coupon) {
					c.MaxRedemptions = maxRedemptions
					c.TimesRedeemed = timesRedeemed
				})
			},
			id:       func(v billing.Coupon) string { return v.ID },
			get:      billing.Tx.GetCoupon,
			redeem:   billing.Tx.RedeemCoupon,
			setTimes: func(v *billing.Coupon, n int64) { v.TimesRedeemed = n },
		})
		exerciseRedemption(t, shared, "PromotionCode", redeemKind[billing.PromotionCode]{
			create: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, maxRedemptions, timesRedeemed int64) billing.PromotionCode {
				t.Helper()
				c := newCoupon(t, tx, s, at)
				return newPromotionCode(t, tx, s, c.ID, at, func(p *billing.PromotionCode) {
					p.MaxRedemptions = maxRedemptions
					p.TimesRedeemed = timesRedeemed
				})
			},
			id:       func(v billing.PromotionCode) string { return v.ID },
			get:      billing.Tx.GetPromotionCode,
			redeem:   billing.Tx.RedeemPromotionCode,
			setTimes: func(v *billing.PromotionCode, n int64) { v.TimesRedeemed = n },
		})
	})
	t.Run("Setup", func(t *testing.T) { exerciseSetup(t, shareStore(t, setup)) })
	t.Run("TestClock", func(t *testing.T) {
		shared := shareStore(t, setup)
		exerciseScoped(t, shared, testClockKind())
		exerciseTestClock(t, shared)
	})
	t.Run("PaymentMethod", func(t *testing.T) { exercisePaymentMethod(t, shareStore(t, setup)) })
	t.Run("Subscription", func(t *testing.T) {
		shared := shareStore(t, setup)
		exerciseScoped(t, shared, subscriptionKind())
		exerciseSubscription(t, setup, shared)
	})
	t.Run("Trial", func(t *testing.T) { exerciseTrial(t, shareStore(t, setup)) })
	t.Run("Invoice", func(t *testing.T) {
		shared := shareStore(t, setup)
		exerciseScoped(t, shared, invoiceKind())
		exerciseInvoice(t, shared)
	})
	t.Run("Payment", func(t *testing.T) {
		shared := shareStore(t, setup)
		exerciseScoped(t, shared, paymentKind())
		exercisePayment(t, shared)
	})
	t.Run("Refund", func(t *testing.T) {
		shared := shareStore(t, setup)
		exerciseScoped(t, shared, refundKind())
		exerciseRefund(t, shared)
	})
	t.Run("Event", func(t *testing.T) { exerciseEvent(t, shareStore(t, setup)) })
	t.Run("SimCharge", func(t *testing.T) { exerciseSimCharge(t, setup) })
}

// shareStore makes one store for the leaves of the group t and returns a
// setup function giving each leaf a bundle on it with two new merchants,
// hence three scopes no other leaf uses. The store lives until the group's
// leaves have all finished. Call it from the group's goroutine, before
// t.Run of its leaves.
func shareStore(t *testing.T, setup setupFunc) setupFunc {
	t.Helper()

	store := setup(t).store
	return func(t *testing.T) *testBundle {
		t.Helper()

		b := &testBundle{clock: newTestClock(), store: store}
		tx := begin(t, store)
		b.merchantA = newMerchant(t, tx, b.clock.next())
		b.merchantB = newMerchant(t, tx, b.clock.next())
		tx.commit(t)

		b.scope = billing.Scope{MerchantID: b.merchantA.ID, Mode: billing.ModeTest}
		b.live = billing.Scope{MerchantID: b.merchantA.ID, Mode: billing.ModeLive}
		b.other = billing.Scope{MerchantID: b.merchantB.ID, Mode: billing.ModeTest}
		return b
	}
}

// pageIDs adapts a list of T to requireList.
func pageIDs[T any](list func(page billing.Page) ([]T, bool, error), id func(T) string) func(billing.Page) ([]string, bool, error) {
	return func(page billing.Page) ([]string, bool, error) {
		items, more, err := list(page)
		return idsOf(items, id), more, err
	}
}

func idOfTestClock(v billing.TestClock) string         { return v.ID }
func idOfPaymentMethod(v billing.PaymentMethod) string { return v.ID }
func idOfSubscription(v billing.Subscription) string   { return v.ID }
func idOfInvoice(v billing.Invoice) string             { return v.ID }
func idOfPayment(v billing.Payment) string             { return v.ID }
func idOfRefund(v billing.Refund) string               { return v.ID }
func idOfEvent(v billing.Event) string                 { return v.ID }

//
// Merchant settings
//

// exerciseMerchantSettings takes setup for the leaf that lists every
// merchant and shared for the others.
func exerciseMerchantSettings(t *testing.T, setup, shared setupFunc) {
	t.Helper()

	t.Run("NewMerchantHasDefaults", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		// app.CreateMerchant leaves Settings zero: such a merchant never
		// saved settings, so it has the defaults.
		bare := buildMerchant(b.clock.next())
		bare.Settings = billing.MerchantSettings{}
		require.NoError(t, tx.CreateMerchant(ctx, bare))
		custom := buildMerchant(b.clock.next())
		custom.Settings = customMerchantSettings()
		require.NoError(t, tx.CreateMerchant(ctx, custom))
		tx.commit(t)

		wantBare := bare
		wantBare.Settings = billing.DefaultMerchantSettings()

		tx = begin(t, b.store)
		got, err := tx.GetMerchant(ctx, bare.ID)
		require.NoError(t, err)
		require.Equal(t, wantBare, got, "a merchant created without settings has DefaultMerchantSettings()")

		got, err = tx.GetMerchant(ctx, custom.ID)
		require.NoError(t, err)
		require.Equal(t, custom, got, "settings given at creation are kept")

		all, err := tx.ListMerchants(ctx)
		require.NoError(t, err)
		require.ElementsMatch(t, []billing.Merchant{b.merchantA, b.merchantB, wantBare, custom}, all)
		tx.commit(t)
	})

	t.Run("UpdateMerchant", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		u := b.merchantA
		// Mutable.
		u.Name = "Propiedades del Norte Ltda."
		u.Timezone = "America/Punta_Arenas"
		u.Locale = "en-US"
		u.InvoicePrefix = "PDN"
		u.Settings = customMerchantSettings()
		want := u
		// Immutable: the store must ignore it.
		u.Created = b.clock.next()

		tx := begin(t, b.store)
		require.NoError(t, tx.UpdateMerchant(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetMerchant(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.GetMerchant(ctx, b.merchantB.ID)
		require.NoError(t, err)
		require.Equal(t, b.merchantB, got, "updating one merchant leaves the others alone")
		tx.commit(t)

		// Settings are written too: back to the defaults.
		u = want
		u.Settings = billing.DefaultMerchantSettings()
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateMerchant(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.GetMerchant(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)
		require.ErrorIs(t, tx.UpdateMerchant(ctx, buildMerchant(b.clock.next())), billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("UpdateSettings", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		requireSettings := func(msg string, wantA, wantB billing.MerchantSettings) {
			t.Helper()
			tx := begin(t, b.store)
			a, err := tx.GetMerchant(ctx, b.merchantA.ID)
			require.NoError(t, err)
			want := b.merchantA
			want.Settings = wantA
			require.Equal(t, want, a, msg)
			other, err := tx.GetMerchant(ctx, b.merchantB.ID)
			require.NoError(t, err)
			want = b.merchantB
			want.Settings = wantB
			require.Equal(t, want, other, msg+": the other merchant")
			tx.commit(t)
		}

		defaults := billing.DefaultMerchantSettings()
		requireSettings("before any update", defaults, defaults)

		tx := begin(t, b.store)
		require.NoError(t, tx.UpdateMerchantSettings(ctx, b.merchantA.ID, customMerchantSettings()))
		tx.commit(t)
		requireSettings("after the first update", customMerchantSettings(), defaults)

		// Replaced whole: the schedule goes, exponential backoff comes.
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateMerchantSettings(ctx, b.merchantA.ID, exponentialMerchantSettings()))
		tx.commit(t)
		requireSettings("after the second update", exponentialMerchantSettings(), defaults)

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateMerchantSettings(ctx, b.merchantA.ID, customMerchantSettings()))
		tx.rollback(t)
		requireSettings("after a rolled-back update", exponentialMerchantSettings(), defaults)

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateMerchantSettings(ctx, b.merchantA.ID, defaults))
		tx.commit(t)
		requireSettings("after going back to the defaults", defaults, defaults)

		tx = begin(t, b.store)
		err := tx.UpdateMerchantSettings(ctx, billing.NewID(billing.PrefixMerchant, b.clock.next()), customMerchantSettings())
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.rollback(t)
	})
}

//
// Coupon and promotion code redemptions
//

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
		limited := k.create(t, tx, b.scope, b.clock.next(), 3, 1)
		unlimited := k.create(t, tx, b.scope, b.clock.next(), 0, 0)
		unused := k.create(t, tx, b.scope, b.clock.next(), 5, 0)
		sibling := k.create(t, tx, b.scope, b.clock.next(), 3, 1)
		tx.commit(t)

		// requireTimes checks that the store holds v redeemed n times and
		// otherwise unchanged.
		requireTimes := func(msg string, v T, n int64) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := k.get(tx, ctx, b.scope, k.id(v))
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
		require.NoError(t, k.redeem(tx, ctx, b.scope, k.id(limited), 1))
		require.NoError(t, k.redeem(tx, ctx, b.scope, k.id(limited), 1))
		requireExhausted(k.redeem(tx, ctx, b.scope, k.id(limited), 1), "one past MaxRedemptions")
		tx.commit(t)
		requireTimes("redeemed up to MaxRedemptions, not past it", limited, 3)

		tx = begin(t, b.store)
		require.NoError(t, k.redeem(tx, ctx, b.scope, k.id(limited), -1))
		tx.commit(t)
		requireTimes("a redemption given back", limited, 2)

		tx = begin(t, b.store)
		requireExhausted(k.redeem(tx, ctx, b.scope, k.id(unused), -1), "below zero")
		tx.commit(t)
		requireTimes("never below zero", unused, 0)

		tx = begin(t, b.store)
		for range 7 {
			require.NoError(t, k.redeem(tx, ctx, b.scope, k.id(unlimited), 1))
		}
		tx.commit(t)
		requireTimes("MaxRedemptions 0 is unlimited", unlimited, 7)

		tx = begin(t, b.store)
		require.NoError(t, k.redeem(tx, ctx, b.scope, k.id(limited), 1))
		tx.rollback(t)
		requireTimes("a rolled-back redemption", limited, 2)

		// Other scopes and unknown ids are not found, not exhausted.
		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			for _, delta := range []int64{1, -1} {
				err := k.redeem(tx, ctx, s, k.id(limited), delta)
				require.ErrorIs(t, err, billing.ErrNotFound, "redeem %+d in scope %+v", delta, s)
				require.NotErrorIs(t, err, billing.ErrExhausted)
			}
		}
		for _, delta := range []int64{1, -1} {
			err := k.redeem(tx, ctx, b.scope, "unknown_0123456789", delta)
			require.ErrorIs(t, err, billing.ErrNotFound, "redeem %+d of an unknown id", delta)
			require.NotErrorIs(t, err, billing.ErrExhausted)
		}
		tx.commit(t)

		requireTimes("redemptions through another scope changed nothing", limited, 2)
		requireTimes("redeeming one leaves the others alone", sibling, 1)
	})
}

//
// Payment method setups
//

func exerciseSetup(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetAndGetByID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		st := newSetup(t, tx, b.scope, cus.ID, b.clock.next())
		failed := newSetup(t, tx, b.scope, cus.ID, b.clock.next(), func(st *billing.PaymentMethodSetup) {
			st.Gateway = billing.GatewayFlow
			st.ReturnURL = ""
			st.Status = billing.SetupFailed
			st.FailureMessage = "tarjeta rechazada por el emisor"
			st.GatewayRef = "7c1f0a9e2b3d4f5a6b7c8d9e0f1a2b3c4d5e6f7a" // Flow's register token
		})
		liveCus := newCustomer(t, tx, b.live, b.clock.next())
		live := newSetup(t, tx, b.live, liveCus.ID, b.clock.next())
		otherCus := newCustomer(t, tx, b.other, b.clock.next())
		other := newSetup(t, tx, b.other, otherCus.ID, b.clock.next())
		tx.commit(t)

		unknown := buildSetup(b.scope, cus.ID, b.clock.next()).ID

		tx = begin(t, b.store)
		for _, want := range []billing.PaymentMethodSetup{st, failed, live, other} {
			got, err := tx.GetSetup(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, "the secret hash is stored too")

			got, err = tx.GetSetupByID(ctx, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, "found by id in any scope")
		}
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := tx.GetSetup(ctx, s, st.ID)
			require.ErrorIs(t, err, billing.ErrNotFound, "get in scope %+v", s)
		}
		_, err := tx.GetSetup(ctx, b.scope, unknown)
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.GetSetupByID(ctx, unknown)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)

		// Ids are unique across scopes.
		for _, s := range []billing.Scope{b.scope, b.live, b.other} {
			tx = begin(t, b.store)
			c := newCustomer(t, tx, s, b.clock.next())
			dup := buildSetup(s, c.ID, b.clock.next())
			dup.ID = st.ID
			requireUniqueViolation(t, tx.CreateSetup(ctx, dup), "payment_method_setups_pkey")
			tx.rollback(t)
		}
	})

	t.Run("UpdateOnlyWhilePending", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx, b.scope, b.clock.next())
		pm := newPaymentMethod(t, tx, b.scope, cus.ID, b.clock.next())
		st := newSetup(t, tx, b.scope, cus.ID, b.clock.next())
		toFail := newSetup(t, tx, b.scope, cus.ID, b.clock.next())
		toExpire := newSetup(t, tx, b.scope, cus.ID, b.clock.next())
		sibling := newSetup(t, tx, b.scope, cus.ID, b.clock.next())
		tx.commit(t)

		requireSetup := func(msg string, want billing.PaymentMethodSetup) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := tx.GetSetup(ctx, want.Scope, want.ID)
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
		require.NoError(t, tx.UpdateSetup(ctx, u))
		require.NoError(t, tx.UpdateSetup(ctx, f))
		require.NoError(t, tx.UpdateSetup(ctx, e))
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
			require.ErrorIs(t, tx.UpdateSetup(ctx, again), billing.ErrNotFound, "update of a %s setup", done.Status)
			again.Status = billing.SetupSucceeded
			again.PaymentMethodID = pm.ID
			require.ErrorIs(t, tx.UpdateSetup(ctx, again), billing.ErrNotFound, "update of a %s setup", done.Status)
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
			require.ErrorIs(t, tx.UpdateSetup(ctx, moved), billing.ErrNotFound, "update in scope %+v", s)
		}
		require.ErrorIs(t, tx.UpdateSetup(ctx, buildSetup(b.scope, cus.ID, b.clock.next())), billing.ErrNotFound)
		tx.commit(t)
		requireSetup("updating one setup leaves the others alone", sibling)
	})
}

//
// Test clocks
//

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

//
// Payment methods
//

func exercisePaymentMethod(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetUpdate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx, b.scope, b.clock.next())
		pm := newPaymentMethod(t, tx, b.scope, cus.ID, b.clock.next())
		sibling := newPaymentMethod(t, tx, b.scope, cus.ID, b.clock.next(), func(pm *billing.PaymentMethod) {
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
			got, err := tx.GetPaymentMethod(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, "the token is stored too")
		}
		_, err := tx.GetPaymentMethod(ctx, b.scope, buildPaymentMethod(b.scope, cus.ID, b.clock.next()).ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := tx.GetPaymentMethod(ctx, s, pm.ID)
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
		require.NoError(t, tx.UpdatePaymentMethod(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			moved := want
			moved.Scope = s
			moved.Status = billing.PaymentMethodActive
			require.ErrorIs(t, tx.UpdatePaymentMethod(ctx, moved), billing.ErrNotFound, "update in scope %+v", s)
		}
		unsaved := buildPaymentMethod(b.scope, cus.ID, b.clock.next())
		require.ErrorIs(t, tx.UpdatePaymentMethod(ctx, unsaved), billing.ErrNotFound)
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetPaymentMethod(ctx, b.scope, pm.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.GetPaymentMethod(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one payment method leaves the others alone")
		tx.commit(t)

		// Ids are unique across scopes.
		for _, s := range []billing.Scope{b.scope, b.live, b.other} {
			tx = begin(t, b.store)
			c := newCustomer(t, tx, s, b.clock.next())
			dup := buildPaymentMethod(s, c.ID, b.clock.next())
			dup.ID = pm.ID
			requireUniqueViolation(t, tx.CreatePaymentMethod(ctx, dup), "payment_methods_pkey")
			tx.rollback(t)
		}
	})

	t.Run("ListPerCustomer", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx, b.scope, b.clock.next())
		liveCus := newCustomer(t, tx, b.live, b.clock.next())
		empty := newCustomer(t, tx, b.scope, b.clock.next())
		// Made in id order, inserted out of it.
		mine := make([]billing.PaymentMethod, 4)
		for i := range mine {
			mine[i] = buildPaymentMethod(b.scope, c1.ID, b.clock.next())
		}
		mine[1].Status = billing.PaymentMethodDetached // detached ones are listed too
		theirs := newPaymentMethod(t, tx, b.scope, c2.ID, b.clock.next())
		for _, i := range []int{2, 0, 3, 1} {
			require.NoError(t, tx.CreatePaymentMethod(ctx, mine[i]))
		}
		livePM := newPaymentMethod(t, tx, b.live, liveCus.ID, b.clock.next())
		tx.commit(t)

		want := slices.Clone(mine)
		slices.Reverse(want)

		tx = begin(t, b.store)
		got, err := tx.ListPaymentMethods(ctx, b.scope, c1.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "newest first, whole")

		got, err = tx.ListPaymentMethods(ctx, b.scope, c2.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.PaymentMethod{theirs}, got)

		got, err = tx.ListPaymentMethods(ctx, b.live, liveCus.ID)
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
			got, err := tx.ListPaymentMethods(ctx, tc.scope, tc.customerID)
			require.NoError(t, err, tc.name)
			require.Empty(t, got, tc.name)
		}
		tx.commit(t)
	})
}

//
// Subscriptions
//

func subscriptionKind() kind[billing.Subscription] {
	return kind[billing.Subscription]{
		table: "subscriptions",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Subscription {
			t.Helper()
			c := newCustomer(t, tx, s, at)
			return buildSubscription(s, c.ID, at)
		},
		get:    billing.Tx.GetSubscription,
		id:     idOfSubscription,
		insert: billing.Tx.CreateSubscription,
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Subscription, bool, error) {
			return tx.ListSubscriptions(ctx, s, billing.SubscriptionFilter{}, page)
		},
		setID:    func(v *billing.Subscription, id string) { v.ID = id },
		setScope: func(v *billing.Subscription, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Subscription) {
			v.Status = billing.SubscriptionPastDue
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdateSubscription,
	}
}

// exerciseSubscription takes setup for the leaf that sweeps every merchant's
// due subscriptions and shared for the others.
func exerciseSubscription(t *testing.T, setup, shared setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		clock := newBillingTestClock(t, tx, b.scope, b.clock.next())
		cus := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.TestClockID = clock.ID })
		at := b.clock.next()
		full := buildSubscription(b.scope, cus.ID, at)
		full.Version = 0 // CreateSubscription stores 1 whatever it is given
		full.TestClockID = clock.ID
		full.Status = billing.SubscriptionTrialing
		full.Items = []billing.SubscriptionItem{
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_pro", ProductID: "prod_pro", Quantity: 3, UnitAmount: 9_007_199_254_740_993},
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_addon", ProductID: "prod_addon", Quantity: 0, UnitAmount: 0},
		}
		full.Currency = "USD"
		full.Recurring = billing.Recurring{Interval: billing.IntervalWeek, IntervalCount: 2}
		full.CycleIndex = 0
		full.TrialStart = ptr(at.Add(-24*time.Hour + 1*time.Microsecond))
		full.TrialEnd = ptr(at.Add(13*24*time.Hour + 2*time.Microsecond))
		full.TrialWillEndSent = true
		full.CancelAtPeriodEnd = true
		full.CancelAt = ptr(at.Add(40*24*time.Hour + 3*time.Microsecond))
		full.CanceledAt = ptr(at.Add(4 * time.Microsecond))
		full.CancellationReason = billing.CancelRequestedByCustomer
		full.EndedAt = ptr(at.Add(41*24*time.Hour + 5*time.Microsecond))
		full.MaxCycles = 12
		full.EndDate = ptr(at.Add(365*24*time.Hour + 6*time.Microsecond))
		full.PendingChange = &billing.PendingChange{
			Items: []billing.SubscriptionItem{
				{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_basic", ProductID: "prod_basic", Quantity: 1, UnitAmount: 4900},
			},
			EffectiveAt: at.Add(14*24*time.Hour + 7*time.Microsecond),
		}
		full.PendingLines = []billing.InvoiceLine{
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineProration, Description: "Tiempo restante de Plan Pro",
				PriceID: "price_pro", Quantity: 3, Amount: 4567, PeriodStart: at.Add(20 * time.Microsecond), PeriodEnd: at.Add(7*24*time.Hour + 21*time.Microsecond)},
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineProration, Description: "Tiempo no usado de Plan Básico",
				Quantity: 1, Amount: -1234, PeriodStart: at.Add(20 * time.Microsecond), PeriodEnd: at.Add(7*24*time.Hour + 21*time.Microsecond)},
		}
		full.CouponID = billing.NewID(billing.PrefixCoupon, at)
		full.DiscountEnd = ptr(at.Add(90*24*time.Hour + 8*time.Microsecond))
		full.DiscountUsed = true
		full.NextActionAt = ptr(at.Add(13*24*time.Hour + 2*time.Microsecond))
		full.Metadata = billing.Metadata{"nota": "cliente con ñ y emoji 🙂", "empty": ""}

		bare := buildSubscription(b.scope, cus.ID, b.clock.next())
		bare.Version = 7
		bare.Status = billing.SubscriptionIncomplete
		bare.PaymentMethodID = ""
		bare.TrialStart = nil
		bare.TrialEnd = nil
		bare.CancelAt = nil
		bare.CanceledAt = nil
		bare.EndedAt = nil
		bare.EndDate = nil
		bare.PendingChange = nil
		bare.PendingLines = nil // none waiting: reads back empty, like the other lists
		bare.CouponID = ""
		bare.DiscountEnd = nil
		bare.NextActionAt = nil
		bare.Metadata = billing.Metadata{}

		require.NoError(t, tx.CreateSubscription(ctx, full))
		require.NoError(t, tx.CreateSubscription(ctx, bare))
		tx.commit(t)

		full.Version = 1
		bare.Version = 1
		bare.PendingLines = []billing.InvoiceLine{}

		tx = begin(t, b.store)
		for _, want := range []billing.Subscription{full, bare} {
			got, err := tx.GetSubscription(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.NotNil(t, got.Metadata)
		}
		got, err := tx.GetSubscription(ctx, b.scope, bare.ID)
		require.NoError(t, err)
		require.Nil(t, got.PendingChange)
		require.NotNil(t, got.PendingLines)
		require.Nil(t, got.NextActionAt)

		items, more, err := tx.ListSubscriptions(ctx, b.scope, billing.SubscriptionFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []billing.Subscription{bare, full}, items, "listed whole")
		tx.commit(t)
	})

	t.Run("UpdateVersioning", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx, b.scope, b.clock.next())
		sub := newSubscription(t, tx, b.scope, cus.ID, b.clock.next(), func(s *billing.Subscription) {
			s.Status = billing.SubscriptionTrialing
			s.CycleIndex = 0
			s.TrialStart = ptr(s.Created.Add(time.Microsecond))
			s.TrialEnd = ptr(s.Created.Add(14*24*time.Hour + time.Microsecond))
			s.NextActionAt = s.TrialEnd
		})
		sibling := newSubscription(t, tx, b.scope, cus.ID, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetSubscription(ctx, b.scope, sub.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), got.Version, "a new subscription has version 1")
		require.Equal(t, sub, got)
		tx.commit(t)

		// Every mutable field changes: nullable times nil → set and set →
		// nil, the pending change nil → set.
		at := b.clock.next()
		u := sub
		u.Status = billing.SubscriptionPastDue
		u.Items = []billing.SubscriptionItem{
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_pro", ProductID: "prod_pro", Quantity: 2, UnitAmount: 19900},
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_seat", ProductID: "prod_seat", Quantity: 10, UnitAmount: 1500},
		}
		u.Currency = "USD"
		u.Recurring = billing.Recurring{Interval: billing.IntervalYear, IntervalCount: 1}
		u.PaymentMethodID = billing.NewID(billing.PrefixPaymentMethod, at)
		u.BillingAnchor = at.Add(11 * time.Microsecond)
		u.CycleIndex = 2
		u.CurrentPeriodStart = at.Add(12 * time.Microsecond)
		u.CurrentPeriodEnd = at.Add(365*24*time.Hour + 13*time.Microsecond)
		u.TrialStart = nil
		u.TrialEnd = nil
		u.TrialWillEndSent = true
		u.CancelAtPeriodEnd = true
		u.CancelAt = ptr(at.Add(30*24*time.Hour + 14*time.Microsecond))
		u.CanceledAt = ptr(at.Add(15 * time.Microsecond))
		u.CancellationReason = billing.CancelRequestedByMerchant
		u.EndedAt = ptr(at.Add(30*24*time.Hour + 16*time.Microsecond))
		u.MaxCycles = 24
		u.EndDate = ptr(at.Add(700*24*time.Hour + 17*time.Microsecond))
		u.PendingChange = &billing.PendingChange{
			Items:       []billing.SubscriptionItem{{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_basic", ProductID: "prod_basic", Quantity: 1, UnitAmount: 4900}},
			EffectiveAt: at.Add(365*24*time.Hour + 13*time.Microsecond),
		}
		u.PendingLines = []billing.InvoiceLine{
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineProration, Description: "Plan Pro × 2, resto del período",
				PriceID: "price_pro", Quantity: 2, Amount: 12345, PeriodStart: at.Add(20 * time.Microsecond), PeriodEnd: at.Add(30*24*time.Hour + 21*time.Microsecond)},
		}
		u.CouponID = billing.NewID(billing.PrefixCoupon, at)
		u.DiscountEnd = ptr(at.Add(60*24*time.Hour + 18*time.Microsecond))
		u.DiscountUsed = true
		u.NextActionAt = ptr(at.Add(24*time.Hour + 19*time.Microsecond))
		u.Metadata = billing.Metadata{"upgraded": "yes"}
		u.Updated = at
		want := u
		want.Version = 2
		// Immutable: the store must ignore these.
		u.CustomerID = otherCus.ID
		u.TestClockID = billing.NewID(billing.PrefixTestClock, at)
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateSubscription(ctx, u)) // u.Version is 1
		tx.commit(t)

		requireSubscription := func(msg string, want billing.Subscription) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := tx.GetSubscription(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, msg)
			tx.commit(t)
		}
		requireSubscription("after the first update", want)

		// Another update still carrying version 1 lost the race.
		stale := u
		stale.Status = billing.SubscriptionCanceled
		stale.Updated = b.clock.next()
		tx = begin(t, b.store)
		err = tx.UpdateSubscription(ctx, stale)
		require.ErrorIs(t, err, billing.ErrVersionConflict)
		require.NotErrorIs(t, err, billing.ErrNotFound)
		tx.rollback(t)
		requireSubscription("a conflicting update changes nothing", want)

		// Updates carrying the current version succeed, several in one
		// transaction too; set → nil this time.
		u2 := want
		u2.PendingChange = nil
		u2.NextActionAt = nil
		u2.CancelAt = nil
		u2.PendingLines = nil // none waiting: reads back empty
		u2.Status = billing.SubscriptionActive
		u2.Updated = b.clock.next()
		u3 := u2
		u3.Version = 3
		u3.Status = billing.SubscriptionCanceled
		u3.Metadata = billing.Metadata{}
		u3.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateSubscription(ctx, u2))
		got, err = tx.GetSubscription(ctx, b.scope, sub.ID)
		require.NoError(t, err)
		require.Equal(t, int64(3), got.Version, "the new version is visible in the transaction")
		require.ErrorIs(t, tx.UpdateSubscription(ctx, u2), billing.ErrVersionConflict, "version 2 is already taken")
		require.NoError(t, tx.UpdateSubscription(ctx, u3))
		tx.commit(t)

		want = u3
		want.Version = 4
		want.PendingLines = []billing.InvoiceLine{}
		requireSubscription("after two updates in one transaction", want)

		tx = begin(t, b.store)
		missing := buildSubscription(b.scope, cus.ID, b.clock.next())
		err = tx.UpdateSubscription(ctx, missing)
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.NotErrorIs(t, err, billing.ErrVersionConflict)
		// Another scope's view of the row is not found, whatever the version.
		for _, s := range []billing.Scope{b.live, b.other} {
			moved := want
			moved.Scope = s
			for _, v := range []int64{3, 4} {
				moved.Version = v
				err := tx.UpdateSubscription(ctx, moved)
				require.ErrorIs(t, err, billing.ErrNotFound, "update in scope %+v at version %d", s, v)
				require.NotErrorIs(t, err, billing.ErrVersionConflict)
			}
		}
		tx.commit(t)

		requireSubscription("failed updates change nothing", want)
		requireSubscription("updating one subscription leaves the others alone", sibling)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		prices := func(ids ...string) func(*billing.Subscription) {
			return func(s *billing.Subscription) {
				s.Items = nil
				for i, id := range ids {
					s.Items = append(s.Items, billing.SubscriptionItem{
						ID: s.ID + "_" + string(rune('a'+i)), PriceID: id, ProductID: "prod_x", Quantity: 1, UnitAmount: 1000,
					})
				}
			}
		}
		status := func(st billing.SubscriptionStatus) func(*billing.Subscription) {
			return func(s *billing.Subscription) { s.Status = st }
		}

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx, b.scope, b.clock.next())
		liveCus := newCustomer(t, tx, b.live, b.clock.next())
		s1 := newSubscription(t, tx, b.scope, c1.ID, b.clock.next(), status(billing.SubscriptionActive), prices("price_a"))
		s2 := newSubscription(t, tx, b.scope, c1.ID, b.clock.next(), status(billing.SubscriptionTrialing), prices("price_ab"))
		s3 := newSubscription(t, tx, b.scope, c2.ID, b.clock.next(), status(billing.SubscriptionActive), prices("price_b", "price_a"))
		// Would match "price_a" if "_" were a LIKE wildcard.
		s4 := newSubscription(t, tx, b.scope, c2.ID, b.clock.next(), status(billing.SubscriptionCanceled), prices("pricexa"))
		// Would match "price_a" if the comparison ignored case.
		s5 := newSubscription(t, tx, b.scope, c1.ID, b.clock.next(), status(billing.SubscriptionActive), prices("PRICE_A"))
		// The same price and status elsewhere: never listed.
		newSubscription(t, tx, b.live, liveCus.ID, b.clock.next(), status(billing.SubscriptionActive), prices("price_a"))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.SubscriptionFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Subscription, bool, error) {
				return tx.ListSubscriptions(ctx, b.scope, f, page)
			}, idOfSubscription)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.SubscriptionFilter
			want   []billing.Subscription
		}{
			{"None", billing.SubscriptionFilter{}, []billing.Subscription{s5, s4, s3, s2, s1}},
			{"CustomerID", billing.SubscriptionFilter{CustomerID: c1.ID}, []billing.Subscription{s5, s2, s1}},
			{"CustomerIDOther", billing.SubscriptionFilter{CustomerID: c2.ID}, []billing.Subscription{s4, s3}},
			{"CustomerIDOfAnotherScope", billing.SubscriptionFilter{CustomerID: liveCus.ID}, nil},
			{"Status", billing.SubscriptionFilter{Status: billing.SubscriptionActive}, []billing.Subscription{s5, s3, s1}},
			{"StatusOther", billing.SubscriptionFilter{Status: billing.SubscriptionTrialing}, []billing.Subscription{s2}},
			{"StatusNone", billing.SubscriptionFilter{Status: billing.SubscriptionPaused}, nil},
			{"PriceID", billing.SubscriptionFilter{PriceID: "price_a"}, []billing.Subscription{s3, s1}},
			{"PriceIDLonger", billing.SubscriptionFilter{PriceID: "price_ab"}, []billing.Subscription{s2}},
			{"PriceIDFirstOfTwo", billing.SubscriptionFilter{PriceID: "price_b"}, []billing.Subscription{s3}},
			{"PriceIDPrefix", billing.SubscriptionFilter{PriceID: "price"}, nil},
			{"PriceIDSuffix", billing.SubscriptionFilter{PriceID: "rice_a"}, nil},
			{"PriceIDPercent", billing.SubscriptionFilter{PriceID: "price_%"}, nil},
			{"PriceIDUnderscoreLiteral", billing.SubscriptionFilter{PriceID: "pricexa"}, []billing.Subscription{s4}},
			{"PriceIDCase", billing.SubscriptionFilter{PriceID: "PRICE_A"}, []billing.Subscription{s5}},
			{"PriceIDTwoItems", billing.SubscriptionFilter{PriceID: "price_b,price_a"}, nil},
			{"Combined", billing.SubscriptionFilter{CustomerID: c1.ID, Status: billing.SubscriptionActive, PriceID: "price_a"}, []billing.Subscription{s1}},
			{"CombinedOther", billing.SubscriptionFilter{CustomerID: c2.ID, PriceID: "price_a"}, []billing.Subscription{s3}},
			{"CombinedEmpty", billing.SubscriptionFilter{CustomerID: c2.ID, Status: billing.SubscriptionActive, PriceID: "price_ab"}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, idOfSubscription), list(tx, tc.filter))
		}

		items, _, err := tx.ListSubscriptions(ctx, b.scope, billing.SubscriptionFilter{PriceID: "price_ab"}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{s2}, items, "filtered items come back whole")
		tx.commit(t)

		// The price filter follows the items an update writes.
		u := s2
		prices("price_c", "price_a")(&u)
		u.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateSubscription(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		requireList(t, []string{}, list(tx, billing.SubscriptionFilter{PriceID: "price_ab"}))
		requireList(t, []string{s2.ID}, list(tx, billing.SubscriptionFilter{PriceID: "price_c"}))
		requireList(t, []string{s3.ID, s2.ID, s1.ID}, list(tx, billing.SubscriptionFilter{PriceID: "price_a"}))
		tx.commit(t)
	})

	t.Run("DueSubscriptions", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		clock := newBillingTestClock(t, tx, b.scope, b.clock.next())
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		clockCus := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.TestClockID = clock.ID })
		liveCus := newCustomer(t, tx, b.live, b.clock.next())
		otherCus := newCustomer(t, tx, b.other, b.clock.next())
		tx.commit(t)

		now := b.clock.next()
		due := func(d time.Duration) func(*billing.Subscription) {
			return func(s *billing.Subscription) { s.NextActionAt = ptr(now.Add(d)) }
		}
		never := func(s *billing.Subscription) { s.NextActionAt = nil }
		onClock := func(s *billing.Subscription) { s.TestClockID = clock.ID }
		build := func(s billing.Scope, customerID string, mutate ...func(*billing.Subscription)) billing.Subscription {
			sub := buildSubscription(s, customerID, b.clock.next())
			for _, m := range mutate {
				m(&sub)
			}
			return sub
		}

		// Built in id order; the due ones are due in another order.
		late := build(b.scope, cus.ID, due(0))                                    // exactly at now
		tieFirst := build(b.scope, cus.ID, due(-time.Minute))                     // same time as tieSecond,
		tieSecond := build(b.other, otherCus.ID, due(-time.Minute))               // of another merchant
		live := build(b.live, liveCus.ID, due(-30*time.Second))                   // live mode
		oldest := build(b.scope, cus.ID, due(-40*24*time.Hour))                   // long overdue
		notYet := build(b.scope, cus.ID, due(time.Microsecond))                   // just after now
		idle := build(b.other, otherCus.ID, never)                                // nothing due
		clockDue := build(b.scope, clockCus.ID, onClock, due(-time.Hour))         // due, but on a clock
		clockLater := build(b.scope, clockCus.ID, onClock, due(10*time.Minute))   // on a clock, later
		clockIdle := build(b.scope, clockCus.ID, onClock, never)                  // on a clock, nothing due
		clockEarly := build(b.scope, clockCus.ID, onClock, due(-30*24*time.Hour)) // on a clock, long due

		tx = begin(t, b.store)
		for _, sub := range []billing.Subscription{clockIdle, tieSecond, notYet, live, clockLater, late, idle, oldest, clockDue, tieFirst, clockEarly} {
			require.NoError(t, tx.CreateSubscription(ctx, sub))
		}
		tx.commit(t)

		tx = begin(t, b.store)
		wantReal := []billing.Subscription{oldest, tieFirst, tieSecond, live, late}
		got, err := tx.DueSubscriptions(ctx, "", now, 100)
		require.NoError(t, err)
		require.Equal(t, wantReal, got, "real time: every merchant and mode, earliest first, then by id, whole")

		got, err = tx.DueSubscriptions(ctx, "", now.In(time.FixedZone("CLT", -3*60*60)), 100)
		require.NoError(t, err)
		require.Equal(t, wantReal, got, "t is compared as an instant, whatever its zone")

		for _, limit := range []int{1, 3, 5} {
			got, err = tx.DueSubscriptions(ctx, "", now, limit)
			require.NoError(t, err)
			require.Equal(t, wantReal[:limit], got, "limit %d", limit)
		}

		got, err = tx.DueSubscriptions(ctx, "", now.Add(-time.Microsecond), 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{oldest, tieFirst, tieSecond, live}, got, "a microsecond earlier")

		got, err = tx.DueSubscriptions(ctx, "", oldest.NextActionAt.Add(-time.Microsecond), 100)
		require.NoError(t, err)
		require.Empty(t, got, "before anything is due")

		got, err = tx.DueSubscriptions(ctx, "", now.Add(100*365*24*time.Hour), 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{oldest, tieFirst, tieSecond, live, late, notYet}, got, "far future: never nil NextActionAt, never clock subscriptions")

		got, err = tx.DueSubscriptions(ctx, clock.ID, now, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{clockEarly, clockDue}, got, "on the clock")

		got, err = tx.DueSubscriptions(ctx, clock.ID, now.Add(10*time.Minute), 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{clockEarly, clockDue, clockLater}, got, "on the clock, later")

		got, err = tx.DueSubscriptions(ctx, clock.ID, now.Add(10*time.Minute), 2)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{clockEarly, clockDue}, got, "on the clock, limit 2")

		got, err = tx.DueSubscriptions(ctx, billing.NewID(billing.PrefixTestClock, b.clock.next()), now.Add(100*365*24*time.Hour), 100)
		require.NoError(t, err)
		require.Empty(t, got, "an unknown clock")
		tx.commit(t)

		// An update that clears NextActionAt takes a subscription out; one
		// that sets it brings it in.
		u := tieFirst
		u.NextActionAt = nil
		u.Updated = b.clock.next()
		v := idle
		v.NextActionAt = ptr(now.Add(-2 * time.Minute))
		v.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateSubscription(ctx, u))
		require.NoError(t, tx.UpdateSubscription(ctx, v))
		tx.commit(t)

		v.Version = 2
		tx = begin(t, b.store)
		got, err = tx.DueSubscriptions(ctx, "", now, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{oldest, v, tieSecond, live, late}, got, "after updates")
		tx.commit(t)
	})
}

//
// Trial claims
//

func exerciseTrial(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("ClaimAndRelease", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		sub := func() string { return billing.NewID(billing.PrefixSubscription, b.clock.next()) }
		sub1, sub2, sub3, sub4 := sub(), sub(), sub(), sub()

		type claim struct {
			scope          billing.Scope
			kind, value    string
			subscriptionID string
		}
		claimAll := func(msg string, claims ...claim) {
			t.Helper()
			tx := begin(t, b.store)
			for _, c := range claims {
				require.NoError(t, tx.ClaimTrial(ctx, c.scope, c.kind, c.value, c.subscriptionID), "%s: %+v", msg, c)
			}
			tx.commit(t)
		}
		requireTaken := func(msg string, claims ...claim) {
			t.Helper()
			for _, c := range claims {
				tx := begin(t, b.store)
				err := tx.ClaimTrial(ctx, c.scope, c.kind, c.value, c.subscriptionID)
				require.Error(t, err, "%s: %+v", msg, c)
				requireUniqueViolation(t, err, "trial_redemptions_pkey")
				tx.rollback(t)
			}
		}

		claimAll("first claims",
			claim{b.scope, "email", "ana@example.cl", sub1},
			claim{b.scope, "external_id", "user_1", sub1},
			claim{b.scope, "fingerprint", "fp_4242", sub1},
			claim{b.scope, "email", "beto@example.cl", sub2},
		)
		requireTaken("a second claim of an identity",
			claim{b.scope, "email", "ana@example.cl", sub2},
			claim{b.scope, "email", "ana@example.cl", sub1}, // even by the same subscription
			claim{b.scope, "external_id", "user_1", sub3},
			claim{b.scope, "fingerprint", "fp_4242", sub3},
			claim{b.scope, "email", "beto@example.cl", sub1},
		)
		// The same value under another kind, and the same identity in
		// another mode or merchant, are other identities.
		claimAll("independent identities",
			claim{b.scope, "external_id", "ana@example.cl", sub3},
			claim{b.scope, "fingerprint", "user_1", sub3},
			claim{b.live, "email", "ana@example.cl", sub3},
			claim{b.other, "email", "ana@example.cl", sub3},
			claim{b.other, "external_id", "user_1", sub3},
		)

		// Releasing in another scope leaves this scope's claims.
		tx := begin(t, b.store)
		require.NoError(t, tx.ReleaseTrials(ctx, b.live, sub1))
		require.NoError(t, tx.ReleaseTrials(ctx, b.other, sub1))
		tx.commit(t)
		requireTaken("after releasing elsewhere", claim{b.scope, "email", "ana@example.cl", sub4})

		// Releasing a subscription frees its claims, and only its.
		tx = begin(t, b.store)
		require.NoError(t, tx.ReleaseTrials(ctx, b.scope, sub1))
		tx.commit(t)
		claimAll("after the release",
			claim{b.scope, "email", "ana@example.cl", sub4},
			claim{b.scope, "external_id", "user_1", sub4},
			claim{b.scope, "fingerprint", "fp_4242", sub4},
		)
		requireTaken("claims of other subscriptions stay",
			claim{b.scope, "email", "beto@example.cl", sub1},
			claim{b.scope, "external_id", "ana@example.cl", sub1},
			claim{b.live, "email", "ana@example.cl", sub1},
			claim{b.other, "external_id", "user_1", sub1},
		)

		// sub3 holds claims in three scopes; releasing it in live mode
		// frees only the live one.
		tx = begin(t, b.store)
		require.NoError(t, tx.ReleaseTrials(ctx, b.live, sub3))
		tx.commit(t)
		claimAll("after releasing in live mode", claim{b.live, "email", "ana@example.cl", sub4})
		requireTaken("claims of the released subscription in other scopes stay",
			claim{b.scope, "external_id", "ana@example.cl", sub4},
			claim{b.other, "email", "ana@example.cl", sub4},
		)

		// Releasing a subscription without claims is fine; a rolled-back
		// claim leaves nothing behind.
		tx = begin(t, b.store)
		require.NoError(t, tx.ReleaseTrials(ctx, b.scope, sub()))
		tx.commit(t)
		tx = begin(t, b.store)
		require.NoError(t, tx.ClaimTrial(ctx, b.scope, "email", "carla@example.cl", sub()))
		tx.rollback(t)
		claimAll("after a rolled-back claim", claim{b.scope, "email", "carla@example.cl", sub()})
	})
}

//
// Invoices
//

func invoiceKind() kind[billing.Invoice] {
	return kind[billing.Invoice]{
		table: "invoices",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Invoice {
			t.Helper()
			c := newCustomer(t, tx, s, at)
			return buildInvoice(s, c.ID, at)
		},
		get:    billing.Tx.GetInvoice,
		id:     idOfInvoice,
		insert: billing.Tx.CreateInvoice,
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Invoice, bool, error) {
			return tx.ListInvoices(ctx, s, billing.InvoiceFilter{}, page)
		},
		setID:    func(v *billing.Invoice, id string) { v.ID = id },
		setScope: func(v *billing.Invoice, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Invoice) {
			v.AttemptCount++
			v.NextAttemptAt = nil
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdateInvoice,
	}
}

func exerciseInvoice(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		open := newInvoice(t, tx, b.scope, cus.ID, b.clock.next())
		draft := newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), func(inv *billing.Invoice) {
			inv.Number = ""
			inv.Status = billing.InvoiceDraft
			inv.BillingReason = billing.ReasonSubscriptionCreate
			inv.Lines = []billing.InvoiceLine{}
			inv.Subtotal, inv.Discount, inv.Tax, inv.Total, inv.AmountDue, inv.AmountPaid = 0, 0, 0, 0, 0, 0
			inv.AttemptCount = 0
			inv.NextAttemptAt = nil
			inv.FinalizedAt = nil
			inv.PaidAt = nil
			inv.VoidedAt = nil
		})
		paid := newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), func(inv *billing.Invoice) {
			inv.SubscriptionID = "" // a manual invoice
			inv.BillingReason = billing.ReasonManual
			inv.Status = billing.InvoicePaid
			inv.Currency = "USD"
			inv.AmountPaid = inv.AmountDue
			inv.NextAttemptAt = nil
			inv.PaidAt = ptr(inv.Created.Add(3*time.Minute + 9*time.Microsecond))
		})
		void := newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), func(inv *billing.Invoice) {
			inv.Status = billing.InvoiceVoid
			inv.BillingReason = billing.ReasonSubscriptionUpdate
			inv.NextAttemptAt = nil
			inv.VoidedAt = ptr(inv.Created.Add(time.Hour + 10*time.Microsecond))
			inv.Lines = inv.Lines[:1]
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Invoice{open, draft, paid, void} {
			got, err := tx.GetInvoice(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.NotNil(t, got.Lines)
		}
		items, _, err := tx.ListInvoices(ctx, b.scope, billing.InvoiceFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Invoice{void, paid, draft, open}, items, "listed whole")
		tx.commit(t)
	})

	t.Run("UpdateWritesMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), func(inv *billing.Invoice) {
			inv.Number = ""
			inv.Status = billing.InvoiceDraft
			inv.AttemptCount = 0
			inv.NextAttemptAt = nil
			inv.FinalizedAt = nil
		})
		sibling := newInvoice(t, tx, b.scope, cus.ID, b.clock.next())
		tx.commit(t)

		requireInvoice := func(msg string, want billing.Invoice) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := tx.GetInvoice(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, msg)
			tx.commit(t)
		}

		// Finalized: draft → open.
		at := b.clock.next()
		u := inv
		u.Number = "PDS-0007"
		u.Status = billing.InvoiceOpen
		u.Lines = append(slices.Clone(inv.Lines), billing.InvoiceLine{
			ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineOneOff, Description: "Instalación",
			Quantity: 1, Amount: 15000, PeriodStart: at, PeriodEnd: at,
		})
		u.Subtotal = 24900
		u.Discount = 2490
		u.Tax = 4258
		u.Total = 26668
		u.AmountDue = 26668
		u.AmountPaid = 0
		u.AttemptCount = 1
		u.NextAttemptAt = ptr(at.Add(24*time.Hour + time.Microsecond))
		u.FinalizedAt = ptr(at.Add(2 * time.Microsecond))
		u.Updated = at
		want := u
		// Immutable: the store must ignore these.
		u.CustomerID = otherCus.ID
		u.SubscriptionID = billing.NewID(billing.PrefixSubscription, at)
		u.BillingReason = billing.ReasonManual
		u.Currency = "USD"
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateInvoice(ctx, u))
		tx.commit(t)
		requireInvoice("finalized", want)

		// Paid: open → paid, the retry time cleared.
		u = want
		u.Status = billing.InvoicePaid
		u.AmountPaid = u.AmountDue
		u.AttemptCount = 2
		u.NextAttemptAt = nil
		u.PaidAt = ptr(b.clock.next())
		u.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateInvoice(ctx, u))
		tx.commit(t)
		requireInvoice("paid", u)

		// Every remaining status and time.
		u.Status = billing.InvoiceUncollectible
		u.Lines = []billing.InvoiceLine{}
		u.PaidAt = nil
		u.VoidedAt = ptr(b.clock.next())
		u.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateInvoice(ctx, u))
		tx.commit(t)
		requireInvoice("uncollectible", u)

		requireInvoice("updating one invoice leaves the others alone", sibling)
	})

	t.Run("SubscriptionPeriodUnique", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		subID := billing.NewID(billing.PrefixSubscription, b.clock.next())
		periodStart := b.clock.next()
		forPeriod := func(reason string, start time.Time) func(*billing.Invoice) {
			return func(inv *billing.Invoice) {
				inv.SubscriptionID = subID
				inv.PeriodStart = start
				inv.BillingReason = reason
				inv.Number = ""
				inv.Status = billing.InvoiceDraft
			}
		}
		newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), forPeriod(billing.ReasonSubscriptionCreate, periodStart))
		tx.commit(t)

		for _, reason := range []string{billing.ReasonSubscriptionCreate, billing.ReasonSubscriptionCycle} {
			tx = begin(t, b.store)
			dup := buildInvoice(b.scope, cus.ID, b.clock.next())
			forPeriod(reason, periodStart)(&dup)
			requireUniqueViolation(t, tx.CreateInvoice(ctx, dup), "invoices_subscription_period_key")
			tx.rollback(t)
		}

		// Proration and manual invoices may share the period, any number of
		// times; other periods and subscriptions are free.
		tx = begin(t, b.store)
		for _, reason := range []string{billing.ReasonSubscriptionUpdate, billing.ReasonSubscriptionUpdate, billing.ReasonManual, billing.ReasonManual} {
			newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), forPeriod(reason, periodStart))
		}
		next := newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), forPeriod(billing.ReasonSubscriptionCycle, periodStart.Add(time.Microsecond)))
		newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), forPeriod(billing.ReasonSubscriptionCycle, periodStart), func(inv *billing.Invoice) {
			inv.SubscriptionID = billing.NewID(billing.PrefixSubscription, b.clock.next())
		})
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildInvoice(b.scope, cus.ID, b.clock.next())
		forPeriod(billing.ReasonSubscriptionCycle, next.PeriodStart)(&dup)
		requireUniqueViolation(t, tx.CreateInvoice(ctx, dup), "invoices_subscription_period_key")
		tx.rollback(t)
	})

	t.Run("NumberUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		number := func(n string) func(*billing.Invoice) {
			return func(inv *billing.Invoice) { inv.Number = n }
		}

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), number("PDS-0001"))
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildInvoice(b.scope, cus.ID, b.clock.next())
		number("PDS-0001")(&dup)
		requireUniqueViolation(t, tx.CreateInvoice(ctx, dup), "invoices_number_key")
		tx.rollback(t)

		// The same number in another mode or merchant is fine; any number
		// of invoices may have none.
		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			c := newCustomer(t, tx, s, b.clock.next())
			newInvoice(t, tx, s, c.ID, b.clock.next(), number("PDS-0001"))
		}
		var drafts []billing.Invoice
		for range 3 {
			drafts = append(drafts, newInvoice(t, tx, b.scope, cus.ID, b.clock.next(), number("")))
		}
		tx.commit(t)

		tx = begin(t, b.store)
		taken := drafts[0]
		taken.Number = "PDS-0001"
		requireUniqueViolation(t, tx.UpdateInvoice(ctx, taken), "invoices_number_key")
		tx.rollback(t)

		tx = begin(t, b.store)
		free := drafts[0]
		free.Number = "PDS-0002"
		require.NoError(t, tx.UpdateInvoice(ctx, free))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetInvoice(ctx, b.scope, free.ID)
		require.NoError(t, err)
		require.Equal(t, free, got)
		tx.commit(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		sub := func(id string) func(*billing.Invoice) {
			return func(inv *billing.Invoice) { inv.SubscriptionID = id }
		}
		status := func(st string) func(*billing.Invoice) {
			return func(inv *billing.Invoice) { inv.Status = st }
		}

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx, b.scope, b.clock.next())
		liveCus := newCustomer(t, tx, b.live, b.clock.next())
		subA := billing.NewID(billing.PrefixSubscription, b.clock.next())
		subB := billing.NewID(billing.PrefixSubscription, b.clock.next())
		i1 := newInvoice(t, tx, b.scope, c1.ID, b.clock.next(), sub(subA), status(billing.InvoiceOpen))
		i2 := newInvoice(t, tx, b.scope, c1.ID, b.clock.next(), sub(subA), status(billing.InvoicePaid))
		i3 := newInvoice(t, tx, b.scope, c2.ID, b.clock.next(), sub(subB), status(billing.InvoiceOpen))
		i4 := newInvoice(t, tx, b.scope, c1.ID, b.clock.next(), sub(""), status(billing.InvoiceDraft), func(inv *billing.Invoice) {
			inv.BillingReason = billing.ReasonManual
			inv.Number = ""
		})
		i5 := newInvoice(t, tx, b.scope, c2.ID, b.clock.next(), sub(subB), status(billing.InvoiceVoid))
		liveSub := billing.NewID(billing.PrefixSubscription, b.clock.next())
		newInvoice(t, tx, b.live, liveCus.ID, b.clock.next(), sub(liveSub), status(billing.InvoiceOpen))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.InvoiceFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Invoice, bool, error) {
				return tx.ListInvoices(ctx, b.scope, f, page)
			}, idOfInvoice)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.InvoiceFilter
			want   []billing.Invoice
		}{
			{"None", billing.InvoiceFilter{}, []billing.Invoice{i5, i4, i3, i2, i1}},
			{"CustomerID", billing.InvoiceFilter{CustomerID: c1.ID}, []billing.Invoice{i4, i2, i1}},
			{"CustomerIDOther", billing.InvoiceFilter{CustomerID: c2.ID}, []billing.Invoice{i5, i3}},
			{"CustomerIDOfAnotherScope", billing.InvoiceFilter{CustomerID: liveCus.ID}, nil},
			{"SubscriptionID", billing.InvoiceFilter{SubscriptionID: subA}, []billing.Invoice{i2, i1}},
			{"SubscriptionIDOther", billing.InvoiceFilter{SubscriptionID: subB}, []billing.Invoice{i5, i3}},
			{"SubscriptionIDOfAnotherScope", billing.InvoiceFilter{SubscriptionID: liveSub}, nil},
			{"Status", billing.InvoiceFilter{Status: billing.InvoiceOpen}, []billing.Invoice{i3, i1}},
			{"StatusDraft", billing.InvoiceFilter{Status: billing.InvoiceDraft}, []billing.Invoice{i4}},
			{"StatusNone", billing.InvoiceFilter{Status: billing.InvoiceUncollectible}, nil},
			{"Combined", billing.InvoiceFilter{CustomerID: c1.ID, SubscriptionID: subA, Status: billing.InvoiceOpen}, []billing.Invoice{i1}},
			{"CombinedOther", billing.InvoiceFilter{CustomerID: c2.ID, Status: billing.InvoiceVoid}, []billing.Invoice{i5}},
			{"CombinedEmpty", billing.InvoiceFilter{CustomerID: c2.ID, SubscriptionID: subA}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, idOfInvoice), list(tx, tc.filter))
		}

		items, _, err := tx.ListInvoices(ctx, b.scope, billing.InvoiceFilter{Status: billing.InvoiceDraft}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Invoice{i4}, items, "filtered items come back whole")
		tx.commit(t)
	})

	t.Run("NextInvoiceNumber", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		next := func(tx billing.Tx, s billing.Scope, want int64) {
			t.Helper()
			n, err := tx.NextInvoiceNumber(ctx, s)
			require.NoError(t, err)
			require.Equal(t, want, n, "next number in %+v", s)
		}

		tx := begin(t, b.store)
		next(tx, b.scope, 1)
		next(tx, b.scope, 2)
		tx.commit(t)

		tx = begin(t, b.store)
		next(tx, b.scope, 3)
		next(tx, b.live, 1)
		tx.commit(t)

		// A rolled-back transaction gives its numbers back.
		tx = begin(t, b.store)
		next(tx, b.scope, 4)
		next(tx, b.scope, 5)
		next(tx, b.other, 1)
		tx.rollback(t)

		tx = begin(t, b.store)
		next(tx, b.scope, 4)
		next(tx, b.other, 1)
		next(tx, b.live, 2)
		tx.commit(t)

		tx = begin(t, b.store)
		next(tx, b.scope, 5)
		next(tx, billing.Scope{MerchantID: b.merchantB.ID, Mode: billing.ModeLive}, 1)
		tx.commit(t)
	})
}

//
// Payments
//

func paymentKind() kind[billing.Payment] {
	return kind[billing.Payment]{
		table: "payments",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Payment {
			t.Helper()
			c := newCustomer(t, tx, s, at)
			inv := newInvoice(t, tx, s, c.ID, at)
			return buildPayment(s, inv, 1, at)
		},
		get:    billing.Tx.GetPayment,
		id:     idOfPayment,
		insert: billing.Tx.CreatePayment,
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Payment, bool, error) {
			return tx.ListPayments(ctx, s, billing.PaymentFilter{}, page)
		},
		setID:    func(v *billing.Payment, id string) { v.ID = id },
		setScope: func(v *billing.Payment, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Payment) {
			v.GatewayRef = "touched"
			v.FailureMessage = "touched"
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdatePayment,
	}
}

func exercisePayment(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx, b.scope, cus.ID, b.clock.next())
		failed := newPayment(t, tx, b.scope, inv, 1, b.clock.next())
		unknown := newPayment(t, tx, b.scope, inv, 2, b.clock.next(), func(p *billing.Payment) {
			p.Gateway = billing.GatewayFlow
			p.GatewayRef = ""
			p.Status = billing.PaymentUnknown
			p.FailureClass = billing.FailureUnknown
			p.FailureCode = "timeout"
			p.FailureMessage = "sin respuesta del gateway"
		})
		pending := newPayment(t, tx, b.scope, inv, 3, b.clock.next(), func(p *billing.Payment) {
			p.GatewayRef = ""
			p.Status = billing.PaymentPending
			p.FailureClass = ""
			p.FailureCode = ""
			p.FailureMessage = ""
		})
		succeeded := newPayment(t, tx, b.scope, inv, 4, b.clock.next(), func(p *billing.Payment) {
			p.Gateway = billing.GatewayStripe
			p.Status = billing.PaymentSucceeded
			p.FailureClass = ""
			p.FailureCode = ""
			p.FailureMessage = ""
			p.Amount = 9_007_199_254_740_993
			p.AmountRefunded = 2500
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Payment{failed, unknown, pending, succeeded} {
			got, err := tx.GetPayment(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		items, _, err := tx.ListPayments(ctx, b.scope, billing.PaymentFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Payment{succeeded, pending, unknown, failed}, items, "listed whole")
		tx.commit(t)
	})

	t.Run("UpdateWritesOnlyDocumentedFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx, b.scope, cus.ID, b.clock.next())
		otherInv := newInvoice(t, tx, b.scope, otherCus.ID, b.clock.next())
		p := newPayment(t, tx, b.scope, inv, 1, b.clock.next(), func(p *billing.Payment) {
			p.GatewayRef = ""
			p.Status = billing.PaymentPending
			p.FailureClass = ""
			p.FailureCode = ""
			p.FailureMessage = ""
		})
		sibling := newPayment(t, tx, b.scope, inv, 2, b.clock.next())
		tx.commit(t)

		requirePayment := func(msg string, want billing.Payment) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := tx.GetPayment(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, msg)
			tx.commit(t)
		}
		ignored := func(u *billing.Payment) {
			u.InvoiceID = otherInv.ID
			u.CustomerID = otherCus.ID
			u.Attempt = 9
			u.Gateway = billing.GatewayStripe
			u.PaymentMethodID = billing.NewID(billing.PrefixPaymentMethod, b.clock.next())
			u.Amount = p.Amount + 1000
			u.Currency = "USD"
			u.IdempotencyKey = "changed"
			u.Created = b.clock.next()
		}

		// pending → unknown, failure fields set.
		u := p
		u.GatewayRef = "sim_ch_0001"
		u.Status = billing.PaymentUnknown
		u.FailureClass = billing.FailureTechnical
		u.FailureCode = "gateway_timeout"
		u.FailureMessage = "el gateway no respondió"
		u.Updated = b.clock.next()
		want := u
		ignored(&u)
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdatePayment(ctx, u))
		tx.commit(t)
		requirePayment("unknown", want)

		// unknown → succeeded, failure fields cleared, then partly refunded.
		u = want
		u.GatewayRef = "sim_ch_0002"
		u.Status = billing.PaymentSucceeded
		u.FailureClass = ""
		u.FailureCode = ""
		u.FailureMessage = ""
		u.AmountRefunded = p.Amount - 1
		u.Updated = b.clock.next()
		want = u
		ignored(&u)
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdatePayment(ctx, u))
		tx.commit(t)
		requirePayment("succeeded and refunded", want)

		requirePayment("updating one payment leaves the others alone", sibling)
	})

	t.Run("IdempotencyKeyUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx, b.scope, cus.ID, b.clock.next())
		otherInv := newInvoice(t, tx, b.scope, cus.ID, b.clock.next())
		p := newPayment(t, tx, b.scope, inv, 1, b.clock.next())
		tx.commit(t)

		// The key is unique in the scope, whichever invoice claims it.
		for _, target := range []billing.Invoice{inv, otherInv} {
			tx = begin(t, b.store)
			dup := buildPayment(b.scope, target, 7, b.clock.next())
			dup.IdempotencyKey = p.IdempotencyKey
			requireUniqueViolation(t, tx.CreatePayment(ctx, dup), "payments_idempotency_key_key")
			tx.rollback(t)
		}

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			c := newCustomer(t, tx, s, b.clock.next())
			i := newInvoice(t, tx, s, c.ID, b.clock.next())
			newPayment(t, tx, s, i, 1, b.clock.next(), func(q *billing.Payment) { q.IdempotencyKey = p.IdempotencyKey })
		}
		newPayment(t, tx, b.scope, inv, 2, b.clock.next())
		tx.commit(t)
	})

	t.Run("OneSuccessPerInvoice", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		status := func(st string) func(*billing.Payment) {
			return func(p *billing.Payment) { p.Status = st }
		}

		tx := begin(t, b.store)
		cus := newCustomer(t, tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx, b.scope, cus.ID, b.clock.next())
		inv2 := newInvoice(t, tx, b.scope, cus.ID, b.clock.next())
		newPayment(t, tx, b.scope, inv, 1, b.clock.next(), status(billing.PaymentFailed))
		pending := newPayment(t, tx, b.scope, inv, 2, b.clock.next(), status(billing.PaymentPending))
		won := newPayment(t, tx, b.scope, inv, 3, b.clock.next(), status(billing.PaymentSucceeded))
		pending2 := newPayment(t, tx, b.scope, inv2, 1, b.clock.next(), status(billing.PaymentPending))
		tx.commit(t)

		tx = begin(t, b.store)
		second := buildPayment(b.scope, inv, 4, b.clock.next())
		second.Status = billing.PaymentSucceeded
		requireUniqueViolation(t, tx.CreatePayment(ctx, second), "payments_one_success_key")
		tx.rollback(t)

		tx = begin(t, b.store)
		u := pending
		u.Status = billing.PaymentSucceeded
		u.Updated = b.clock.next()
		requireUniqueViolation(t, tx.UpdatePayment(ctx, u), "payments_one_success_key")
		tx.rollback(t)

		// The succeeded payment itself may be updated; another invoice has
		// its own success.
		tx = begin(t, b.store)
		refunded := won
		refunded.AmountRefunded = 100
		refunded.Updated = b.clock.next()
		require.NoError(t, tx.UpdatePayment(ctx, refunded))
		u2 := pending2
		u2.Status = billing.PaymentSucceeded
		u2.Updated = b.clock.next()
		require.NoError(t, tx.UpdatePayment(ctx, u2))
		failedAgain := buildPayment(b.scope, inv, 5, b.clock.next())
		failedAgain.Status = billing.PaymentFailed
		require.NoError(t, tx.CreatePayment(ctx, failedAgain))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetPayment(ctx, b.scope, pending.ID)
		require.NoError(t, err)
		require.Equal(t, pending, got, "the rejected update changed nothing")
		got, err = tx.GetPayment(ctx, b.scope, u2.ID)
		require.NoError(t, err)
		require.Equal(t, u2, got)
		tx.commit(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		status := func(st string) func(*billing.Payment) {
			return func(p *billing.Payment) { p.Status = st }
		}

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx, b.scope, b.clock.next())
		i1 := newInvoice(t, tx, b.scope, c1.ID, b.clock.next())
		i2 := newInvoice(t, tx, b.scope, c1.ID, b.clock.next())
		i3 := newInvoice(t, tx, b.scope, c2.ID, b.clock.next())
		p1 := newPayment(t, tx, b.scope, i1, 1, b.clock.next(), status(billing.PaymentFailed))
		p2 := newPayment(t, tx, b.scope, i1, 2, b.clock.next(), status(billing.PaymentSucceeded))
		p3 := newPayment(t, tx, b.scope, i2, 1, b.clock.next(), status(billing.PaymentPending))
		p4 := newPayment(t, tx, b.scope, i3, 1, b.clock.next(), status(billing.PaymentFailed))
		p5 := newPayment(t, tx, b.scope, i3, 2, b.clock.next(), status(billing.PaymentUnknown))
		liveCus := newCustomer(t, tx, b.live, b.clock.next())
		liveInv := newInvoice(t, tx, b.live, liveCus.ID, b.clock.next())
		newPayment(t, tx, b.live, liveInv, 1, b.clock.next(), status(billing.PaymentFailed))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.PaymentFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Payment, bool, error) {
				return tx.ListPayments(ctx, b.scope, f, page)
			}, idOfPayment)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.PaymentFilter
			want   []billing.Payment
		}{
			{"None", billing.PaymentFilter{}, []billing.Payment{p5, p4, p3, p2, p1}},
			{"InvoiceID", billing.PaymentFilter{InvoiceID: i1.ID}, []billing.Payment{p2, p1}},
			{"InvoiceIDOther", billing.PaymentFilter{InvoiceID: i3.ID}, []billing.Payment{p5, p4}},
			{"InvoiceIDOfAnotherScope", billing.PaymentFilter{InvoiceID: liveInv.ID}, nil},
			{"CustomerID", billing.PaymentFilter{CustomerID: c1.ID}, []billing.Payment{p3, p2, p1}},
			{"CustomerIDOther", billing.PaymentFilter{CustomerID: c2.ID}, []billing.Payment{p5, p4}},
			{"CustomerIDOfAnotherScope", billing.PaymentFilter{CustomerID: liveCus.ID}, nil},
			{"StatusFailed", billing.PaymentFilter{Status: billing.PaymentFailed}, []billing.Payment{p4, p1}},
			{"StatusSucceeded", billing.PaymentFilter{Status: billing.PaymentSucceeded}, []billing.Payment{p2}},
			{"StatusPending", billing.PaymentFilter{Status: billing.PaymentPending}, []billing.Payment{p3}},
			{"StatusUnknown", billing.PaymentFilter{Status: billing.PaymentUnknown}, []billing.Payment{p5}},
			{"Combined", billing.PaymentFilter{InvoiceID: i1.ID, CustomerID: c1.ID, Status: billing.PaymentFailed}, []billing.Payment{p1}},
			{"CombinedEmpty", billing.PaymentFilter{CustomerID: c2.ID, Status: billing.PaymentSucceeded}, nil},
			{"CombinedMismatch", billing.PaymentFilter{InvoiceID: i1.ID, CustomerID: c2.ID}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, idOfPayment), list(tx, tc.filter))
		}

		items, _, err := tx.ListPayments(ctx, b.scope, billing.PaymentFilter{Status: billing.PaymentUnknown}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Payment{p5}, items, "filtered items come back whole")
		tx.commit(t)
	})
}

//
// Refunds
//

func refundKind() kind[billing.Refund] {
	return kind[billing.Refund]{
		table: "refunds",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Refund {
			t.Helper()
			p := newSucceededPayment(t, tx, s, at)
			return buildRefund(s, p.ID, at)
		},
		get:    billing.Tx.GetRefund,
		id:     idOfRefund,
		insert: billing.Tx.CreateRefund,
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Refund, bool, error) {
			return tx.ListRefunds(ctx, s, "", page)
		},
		setID:    func(v *billing.Refund, id string) { v.ID = id },
		setScope: func(v *billing.Refund, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Refund) {
			v.Status = billing.RefundFailed
			v.GatewayRef = "touched"
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdateRefund,
	}
}

func exerciseRefund(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripAndUpdate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p := newSucceededPayment(t, tx, b.scope, b.clock.next())
		otherP := newSucceededPayment(t, tx, b.scope, b.clock.next())
		r := newRefund(t, tx, b.scope, p.ID, b.clock.next())
		sibling := newRefund(t, tx, b.scope, p.ID, b.clock.next(), func(r *billing.Refund) {
			r.Amount = 1
			r.Status = billing.RefundSucceeded
			r.Reason = ""
			r.GatewayRef = "sim_re_0002"
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Refund{r, sibling} {
			got, err := tx.GetRefund(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		tx.commit(t)

		u := r
		// Mutable.
		u.Status = billing.RefundSucceeded
		u.GatewayRef = "sim_re_0001"
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.PaymentID = otherP.ID
		u.Amount = r.Amount + 1
		u.Currency = "USD"
		u.Reason = "changed"
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateRefund(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetRefund(ctx, b.scope, r.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.GetRefund(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one refund leaves the others alone")
		tx.commit(t)
	})

	t.Run("ListByPayment", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p1 := newSucceededPayment(t, tx, b.scope, b.clock.next())
		p2 := newSucceededPayment(t, tx, b.scope, b.clock.next())
		p3 := newSucceededPayment(t, tx, b.scope, b.clock.next())
		liveP := newSucceededPayment(t, tx, b.live, b.clock.next())
		refunds := make([]billing.Refund, 5)
		for i, paymentID := range []string{p1.ID, p2.ID, p1.ID, p1.ID, p2.ID} {
			refunds[i] = buildRefund(b.scope, paymentID, b.clock.next())
		}
		for _, i := range []int{3, 1, 4, 0, 2} {
			require.NoError(t, tx.CreateRefund(ctx, refunds[i]))
		}
		newRefund(t, tx, b.live, liveP.ID, b.clock.next())
		tx.commit(t)

		r0, r1, r2, r3, r4 := refunds[0], refunds[1], refunds[2], refunds[3], refunds[4]
		list := func(tx billing.Tx, paymentID string) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Refund, bool, error) {
				return tx.ListRefunds(ctx, b.scope, paymentID, page)
			}, idOfRefund)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name      string
			paymentID string
			want      []billing.Refund
		}{
			{"All", "", []billing.Refund{r4, r3, r2, r1, r0}},
			{"Payment", p1.ID, []billing.Refund{r3, r2, r0}},
			{"PaymentOther", p2.ID, []billing.Refund{r4, r1}},
			{"PaymentWithout", p3.ID, nil},
			{"PaymentOfAnotherScope", liveP.ID, nil},
		} {
			t.Logf("payment %s", tc.name)
			requireList(t, idsOf(tc.want, idOfRefund), list(tx, tc.paymentID))
		}

		items, _, err := tx.ListRefunds(ctx, b.scope, p2.ID, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Refund{r4, r1}, items, "listed whole")
		tx.commit(t)
	})
}

//
// Events
//

func exerciseEvent(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetAndDuplicate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		e := newEvent(t, tx, b.scope, b.clock.next())
		compact := newEvent(t, tx, b.scope, b.clock.next(), func(e *billing.Event) {
			e.Type = "invoice.paid"
			e.ObjectType = "invoice"
			e.ObjectID = billing.NewID(billing.PrefixInvoice, e.Created)
			e.Data = json.RawMessage(`{}`)
		})
		array := newEvent(t, tx, b.scope, b.clock.next(), func(e *billing.Event) {
			e.Data = json.RawMessage("[ 1,\n\t2 ]")
		})
		updated := newEvent(t, tx, b.scope, b.clock.next(), func(e *billing.Event) {
			e.Type = "customer.subscription.updated"
			e.Previous = json.RawMessage(`{ "status" : "trialing" }`)
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Event{e, compact, array, updated} {
			got, err := tx.GetEvent(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.Equal(t, string(want.Data), string(got.Data), "data is kept byte for byte")
			require.Equal(t, string(want.Previous), string(got.Previous), "the previous object is kept byte for byte")
		}
		listed, _, err := tx.ListEvents(ctx, b.scope, billing.EventFilter{ObjectID: updated.ObjectID, Type: updated.Type}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Event{updated}, listed, "listed whole")
		_, err = tx.GetEvent(ctx, b.scope, buildEvent(b.scope, b.clock.next()).ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := tx.GetEvent(ctx, s, e.ID)
			require.ErrorIs(t, err, billing.ErrNotFound, "get in scope %+v", s)
		}
		tx.commit(t)

		for _, s := range []billing.Scope{b.scope, b.live, b.other} {
			tx = begin(t, b.store)
			dup := buildEvent(s, b.clock.next())
			dup.ID = e.ID
			requireUniqueViolation(t, tx.CreateEvent(ctx, dup), "events_pkey")
			tx.rollback(t)
		}
	})

	t.Run("ListOrderScopeAndFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		subA := billing.NewID(billing.PrefixSubscription, b.clock.next())
		subB := billing.NewID(billing.PrefixSubscription, b.clock.next())
		invA := billing.NewID(billing.PrefixInvoice, b.clock.next())
		invB := billing.NewID(billing.PrefixInvoice, b.clock.next())
		about := func(typ, objectID string) func(*billing.Event) {
			return func(e *billing.Event) {
				e.Type = typ
				e.ObjectType = "subscription"
				if strings.HasPrefix(typ, "invoice.") {
					e.ObjectType = "invoice"
				}
				e.ObjectID = objectID
			}
		}
		build := func(s billing.Scope, mutate func(*billing.Event)) billing.Event {
			e := buildEvent(s, b.clock.next())
			mutate(&e)
			return e
		}

		e1 := build(b.scope, about("customer.subscription.created", subA))
		e2 := build(b.scope, about("invoice.created", invA))
		e3 := build(b.scope, about("customer.subscription.updated", subA))
		e4 := build(b.scope, about("invoice.paid", invA))
		e5 := build(b.scope, about("customer.subscription.updated", subB))
		e6 := build(b.scope, about("invoice.created", invB))
		liveE := build(b.live, about("customer.subscription.updated", subA))
		otherE := build(b.other, about("invoice.created", invA))

		tx := begin(t, b.store)
		requireList(t, []string{}, pageIDs(func(page billing.Page) ([]billing.Event, bool, error) {
			return tx.ListEvents(ctx, b.scope, billing.EventFilter{}, page)
		}, idOfEvent))
		for _, e := range []billing.Event{e4, otherE, e2, e6, e1, liveE, e5, e3} {
			require.NoError(t, tx.CreateEvent(ctx, e))
		}
		tx.commit(t)

		list := func(tx billing.Tx, s billing.Scope, f billing.EventFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Event, bool, error) {
				return tx.ListEvents(ctx, s, f, page)
			}, idOfEvent)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			scope  billing.Scope
			filter billing.EventFilter
			want   []billing.Event
		}{
			{"None", b.scope, billing.EventFilter{}, []billing.Event{e6, e5, e4, e3, e2, e1}},
			{"LiveMode", b.live, billing.EventFilter{}, []billing.Event{liveE}},
			{"OtherMerchant", b.other, billing.EventFilter{}, []billing.Event{otherE}},
			{"Type", b.scope, billing.EventFilter{Type: "customer.subscription.updated"}, []billing.Event{e5, e3}},
			{"TypeOther", b.scope, billing.EventFilter{Type: "invoice.created"}, []billing.Event{e6, e2}},
			{"TypePrefix", b.scope, billing.EventFilter{Type: "invoice"}, nil},
			{"TypeUnknown", b.scope, billing.EventFilter{Type: "invoice.voided"}, nil},
			{"ObjectID", b.scope, billing.EventFilter{ObjectID: subA}, []billing.Event{e3, e1}},
			{"ObjectIDOther", b.scope, billing.EventFilter{ObjectID: invA}, []billing.Event{e4, e2}},
			{"ObjectIDUnknown", b.scope, billing.EventFilter{ObjectID: billing.NewID(billing.PrefixInvoice, b.clock.next())}, nil},
			{"Both", b.scope, billing.EventFilter{Type: "customer.subscription.updated", ObjectID: subA}, []billing.Event{e3}},
			{"BothEmpty", b.scope, billing.EventFilter{Type: "invoice.paid", ObjectID: invB}, nil},
			{"BothLiveMode", b.live, billing.EventFilter{Type: "customer.subscription.updated", ObjectID: subA}, []billing.Event{liveE}},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, idOfEvent), list(tx, tc.scope, tc.filter))
		}

		items, _, err := tx.ListEvents(ctx, b.scope, billing.EventFilter{ObjectID: invA}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Event{e4, e2}, items, "listed whole")
		tx.commit(t)
	})
}

//
// The simulated gateway's ledger
//

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

		tx := begin(t, b.store)
		for _, want := range []billing.SimCharge{c, declined} {
			got, inserted, err := tx.InsertSimCharge(ctx, want)
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
		tx = begin(t, b.store)
		got, inserted, err := tx.InsertSimCharge(ctx, retry)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, c, got)
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.GetSimCharge(ctx, c.Key)
		require.NoError(t, err)
		require.Equal(t, c, got, "the retry changed nothing")
		got, err = tx.GetSimCharge(ctx, declined.Key)
		require.NoError(t, err)
		require.Equal(t, declined, got)
		_, err = tx.GetSimCharge(ctx, "in_9999-1")
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
		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateSimCharge(ctx, u))
		unknown := buildSimCharge("in_9999-1", "tok_visa", b.clock.next())
		require.ErrorIs(t, tx.UpdateSimCharge(ctx, unknown), billing.ErrNotFound)
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.GetSimCharge(ctx, c.Key)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.GetSimCharge(ctx, declined.Key)
		require.NoError(t, err)
		require.Equal(t, declined, got, "updating one charge leaves the others alone")
		tx.commit(t)
	})

	t.Run("InsertMany", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		first := buildSimCharge("in_m-1", "tok_visa", b.clock.next())
		tx := begin(t, b.store)
		recorded, inserted, err := tx.InsertSimCharges(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, recorded)
		require.Empty(t, inserted)
		_, ok, err := tx.InsertSimCharge(ctx, first)
		require.NoError(t, err)
		require.True(t, ok)
		tx.commit(t)

		// A batch of new keys around one already recorded: the recorded
		// entry wins over what the batch says about it.
		again := buildSimCharge(first.Key, "tok_other", b.clock.next())
		again.Amount = 1
		batch := []billing.SimCharge{
			buildSimCharge("in_z-1", "tok_visa", b.clock.next()),
			again,
			buildSimCharge("in_a-1", "tok_chargeDeclined", b.clock.next()),
			buildSimCharge("in_q-1", "tok_visa", b.clock.next()),
		}
		batch[2].Outcome, batch[2].Code, batch[2].Ref = "declined", "card_declined", ""
		tx = begin(t, b.store)
		recorded, inserted, err = tx.InsertSimCharges(ctx, slices.Clone(batch))
		require.NoError(t, err)
		require.Equal(t, []bool{true, false, true, true}, inserted)
		require.Equal(t, []billing.SimCharge{batch[0], first, batch[2], batch[3]}, recorded)
		tx.commit(t)

		tx = begin(t, b.store)
		all, err := tx.ListSimCharges(ctx)
		require.NoError(t, err)
		tx.commit(t)
		require.Len(t, all, 4)
		require.Equal(t, first, all[0], "a batch lists after what was there before it")
		require.ElementsMatch(t, []billing.SimCharge{batch[0], batch[2], batch[3]}, all[1:])
		for _, c := range []billing.SimCharge{batch[0], batch[2], batch[3]} {
			tx = begin(t, b.store)
			got, err := tx.GetSimCharge(ctx, c.Key)
			require.NoError(t, err)
			tx.commit(t)
			require.Equal(t, c, got)
		}
	})

	t.Run("CountAndListInInsertionOrder", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		all, err := tx.ListSimCharges(ctx)
		require.NoError(t, err)
		require.Empty(t, all)
		n, err := tx.CountSimCharges(ctx, "tok_a", "succeeded")
		require.NoError(t, err)
		require.Equal(t, int64(0), n)
		tx.commit(t)

		// Neither keys nor creation times follow the insertion order.
		times := make([]time.Time, 7)
		for i := range times {
			times[len(times)-1-i] = b.clock.next()
		}
		charge := func(i int, key, token, outcome string) billing.SimCharge {
			c := buildSimCharge(key, token, times[i])
			c.Outcome = outcome
			if outcome != "succeeded" {
				c.Code = "card_declined"
				c.Ref = ""
			}
			return c
		}
		ledger := []billing.SimCharge{
			charge(0, "in_c-1", "tok_a", "succeeded"),
			charge(1, "in_a-1", "tok_a", "declined"),
			charge(2, "in_e-1", "tok_b", "succeeded"),
		}
		later := []billing.SimCharge{
			charge(3, "in_a-2", "tok_a", "succeeded"),
			charge(4, "in_0-1", "tok_a", "error"),
		}
		rolledBack := charge(5, "in_b-1", "tok_a", "succeeded")
		last := charge(6, "in_d-1", "tok_b", "declined")

		insert := func(tx billing.Tx, c billing.SimCharge, wantInserted bool) {
			t.Helper()
			_, inserted, err := tx.InsertSimCharge(ctx, c)
			require.NoError(t, err)
			require.Equal(t, wantInserted, inserted, "insert %s", c.Key)
		}

		tx = begin(t, b.store)
		for _, c := range ledger {
			insert(tx, c, true)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		insert(tx, later[0], true)
		insert(tx, ledger[0], false) // a retry does not move the charge
		insert(tx, later[1], true)
		tx.commit(t)

		tx = begin(t, b.store)
		insert(tx, rolledBack, true)
		tx.rollback(t)

		tx = begin(t, b.store)
		insert(tx, last, true)
		refunded := ledger[2]
		refunded.Refunded = 500
		require.NoError(t, tx.UpdateSimCharge(ctx, refunded)) // nor does a refund
		tx.commit(t)

		want := []billing.SimCharge{ledger[0], ledger[1], refunded, later[0], later[1], last}

		tx = begin(t, b.store)
		all, err = tx.ListSimCharges(ctx)
		require.NoError(t, err)
		require.Equal(t, want, all, "the whole ledger in insertion order")
		_, err = tx.GetSimCharge(ctx, rolledBack.Key)
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
			n, err := tx.CountSimCharges(ctx, tc.token, tc.outcome)
			require.NoError(t, err)
			require.Equal(t, tc.want, n, "count of %q %q", tc.token, tc.outcome)
		}
		tx.commit(t)
	})
}

//
// Factories
//

// customMerchantSettings are settings unlike the defaults in every field.
func customMerchantSettings() billing.MerchantSettings {
	return billing.MerchantSettings{
		Dunning: billing.DunningPolicy{
			Schedule:    []time.Duration{2 * time.Hour, 2 * 24 * time.Hour, 90*time.Minute + time.Second + 7},
			MaxAttempts: 3,
			FinalAction: billing.PolicyUnpaid,
		},
		Transition: billing.TransitionPolicy{
			TrialEndNoPaymentMethod: billing.PolicyPause,
			RetriesExhausted:        billing.PolicyUnpaid,
			SystemFailure:           billing.PolicyCancel,
		},
	}
}

// exponentialMerchantSettings use exponential backoff instead of a schedule.
func exponentialMerchantSettings() billing.MerchantSettings {
	return billing.MerchantSettings{
		Dunning: billing.DunningPolicy{
			Exponential: &billing.ExponentialBackoff{Base: 6 * time.Hour, Factor: 3, Cap: 72 * time.Hour},
			MaxAttempts: 8,
			FinalAction: billing.PolicyLeavePastDue,
		},
		Transition: billing.TransitionPolicy{
			TrialEndNoPaymentMethod: billing.PolicyCancel,
			RetriesExhausted:        billing.PolicyLeavePastDue,
			SystemFailure:           billing.PolicyPastDue,
		},
	}
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
	require.NoError(t, tx.CreateSetup(t.Context(), st))
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
	require.NoError(t, tx.CreatePaymentMethod(t.Context(), pm))
	return pm
}

// buildSubscription returns an active monthly subscription in its first
// period, at version 1 (what the store gives back after creating it).
func buildSubscription(s billing.Scope, customerID string, at time.Time) billing.Subscription {
	anchor := at.Add(-10*24*time.Hour + 3*time.Microsecond)
	end := anchor.AddDate(0, 1, 0)
	return billing.Subscription{
		ID:         billing.NewID(billing.PrefixSubscription, at),
		Scope:      s,
		Version:    1,
		CustomerID: customerID,
		Status:     billing.SubscriptionActive,
		Items: []billing.SubscriptionItem{
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_basic", ProductID: "prod_basic", Quantity: 1, UnitAmount: 9900},
		},
		Currency:           "CLP",
		Recurring:          billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
		PaymentMethodID:    billing.NewID(billing.PrefixPaymentMethod, at),
		BillingAnchor:      anchor,
		CycleIndex:         1,
		CurrentPeriodStart: anchor,
		CurrentPeriodEnd:   end,
		NextActionAt:       ptr(end),
		PendingLines:       []billing.InvoiceLine{},
		Metadata:           billing.Metadata{"plan": "basic"},
		Created:            at,
		Updated:            at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newSubscription(t *testing.T, tx billing.Tx, s billing.Scope, customerID string, at time.Time, mutate ...func(*billing.Subscription)) billing.Subscription {
	t.Helper()

	sub := buildSubscription(s, customerID, at)
	for _, m := range mutate {
		m(&sub)
	}
	require.NoError(t, tx.CreateSubscription(t.Context(), sub))
	return sub
}

// buildInvoice returns an open cycle invoice with a number, awaiting its
// second attempt. Its subscription id and number are its own, so invoices
// built separately never collide.
func buildInvoice(s billing.Scope, customerID string, at time.Time) billing.Invoice {
	id := billing.NewID(billing.PrefixInvoice, at)
	start := at.Add(-30*24*time.Hour + 5*time.Microsecond)
	end := at.Add(5 * time.Microsecond)
	return billing.Invoice{
		ID:             id,
		Scope:          s,
		CustomerID:     customerID,
		SubscriptionID: billing.NewID(billing.PrefixSubscription, at),
		Number:         "PDS-" + strings.ToUpper(id[len(id)-8:]),
		Status:         billing.InvoiceOpen,
		BillingReason:  billing.ReasonSubscriptionCycle,
		Currency:       "CLP",
		PeriodStart:    start,
		PeriodEnd:      end,
		Lines: []billing.InvoiceLine{
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineSubscription, Description: "Plan Pro × 1",
				PriceID: "price_pro", Quantity: 1, Amount: 9900, PeriodStart: start, PeriodEnd: end},
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineProration, Description: "Tiempo no usado de Plan Básico",
				PriceID: "price_basic", Quantity: 1, Amount: -2450, PeriodStart: start.Add(time.Microsecond), PeriodEnd: end},
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineDiscount, Description: "Verano (12,5 %)",
				Quantity: 1, Amount: -931, PeriodStart: start, PeriodEnd: end},
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineTax, Description: "IVA 19 %",
				Quantity: 0, Amount: 1239, PeriodStart: start, PeriodEnd: end},
		},
		Subtotal:      7450,
		Discount:      931,
		Tax:           1239,
		Total:         7758,
		AmountDue:     7758,
		AmountPaid:    0,
		AttemptCount:  1,
		NextAttemptAt: ptr(at.Add(24*time.Hour + time.Microsecond)),
		FinalizedAt:   ptr(at.Add(2 * time.Microsecond)),
		Created:       at,
		Updated:       at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newInvoice(t *testing.T, tx billing.Tx, s billing.Scope, customerID string, at time.Time, mutate ...func(*billing.Invoice)) billing.Invoice {
	t.Helper()

	inv := buildInvoice(s, customerID, at)
	for _, m := range mutate {
		m(&inv)
	}
	require.NoError(t, tx.CreateInvoice(t.Context(), inv))
	return inv
}

// buildPayment returns attempt number attempt at paying inv, declined.
func buildPayment(s billing.Scope, inv billing.Invoice, attempt int64, at time.Time) billing.Payment {
	id := billing.NewID(billing.PrefixPayment, at)
	return billing.Payment{
		ID:              id,
		Scope:           s,
		InvoiceID:       inv.ID,
		CustomerID:      inv.CustomerID,
		Attempt:         attempt,
		Gateway:         billing.GatewaySim,
		PaymentMethodID: billing.NewID(billing.PrefixPaymentMethod, at),
		Amount:          inv.AmountDue,
		Currency:        inv.Currency,
		IdempotencyKey:  billing.PaymentIdempotencyKey(inv.ID, attempt),
		GatewayRef:      "sim_ch_" + id[len(id)-10:],
		Status:          billing.PaymentFailed,
		FailureClass:    billing.FailureCustomer,
		FailureCode:     "card_declined",
		FailureMessage:  "La tarjeta fue rechazada",
		Created:         at,
		Updated:         at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newPayment(t *testing.T, tx billing.Tx, s billing.Scope, inv billing.Invoice, attempt int64, at time.Time, mutate ...func(*billing.Payment)) billing.Payment {
	t.Helper()

	p := buildPayment(s, inv, attempt, at)
	for _, m := range mutate {
		m(&p)
	}
	require.NoError(t, tx.CreatePayment(t.Context(), p))
	return p
}

// newSucceededPayment creates a customer, an invoice and a payment that
// collected it, all in s.
func newSucceededPayment(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Payment {
	t.Helper()

	c := newCustomer(t, tx, s, at)
	inv := newInvoice(t, tx, s, c.ID, at)
	return newPayment(t, tx, s, inv, 1, at, func(p *billing.Payment) {
		p.Status = billing.PaymentSucceeded
		p.FailureClass = ""
		p.FailureCode = ""
		p.FailureMessage = ""
	})
}

func buildRefund(s billing.Scope, paymentID string, at time.Time) billing.Refund {
	return billing.Refund{
		ID:         billing.NewID(billing.PrefixRefund, at),
		Scope:      s,
		PaymentID:  paymentID,
		Amount:     2500,
		Currency:   "CLP",
		Status:     billing.RefundPending,
		Reason:     "requested_by_customer",
		GatewayRef: "",
		Created:    at,
		Updated:    at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newRefund(t *testing.T, tx billing.Tx, s billing.Scope, paymentID string, at time.Time, mutate ...func(*billing.Refund)) billing.Refund {
	t.Helper()

	r := buildRefund(s, paymentID, at)
	for _, m := range mutate {
		m(&r)
	}
	require.NoError(t, tx.CreateRefund(t.Context(), r))
	return r
}

// buildEvent returns an event whose data is deliberately unsorted and
// spaced: it must come back byte for byte.
func buildEvent(s billing.Scope, at time.Time) billing.Event {
	subID := billing.NewID(billing.PrefixSubscription, at)
	return billing.Event{
		ID:         billing.NewID(billing.PrefixEvent, at),
		Scope:      s,
		Type:       "customer.subscription.created",
		ObjectType: "subscription",
		ObjectID:   subID,
		Data:       json.RawMessage(`{ "id": "` + subID + `",  "status":"active", "items": [ {"z": 1, "a": 2} ], "nota": "ñ 🙂" }`),
		Created:    at,
	}
}

func newEvent(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.Event)) billing.Event {
	t.Helper()

	e := buildEvent(s, at)
	for _, m := range mutate {
		m(&e)
	}
	require.NoError(t, tx.CreateEvent(t.Context(), e))
	return e
}

func buildSimCharge(key, token string, at time.Time) billing.SimCharge {
	return billing.SimCharge{
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

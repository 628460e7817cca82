package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// This file and the lifecycle_*.go files hold the tests of the lifecycle
// areas of billing.Tx: merchants' settings, coupon and promotion code
// redemptions, payment method setups, test clocks, payment methods,
// subscriptions, trial claims, invoices, payments, refunds, events and the
// simulated gateway's ledger.

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
			id: func(v billing.Coupon) string { return v.ID },
			get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Coupon, error) {
				return tx.Coupons.GetCoupon(ctx, s, id)
			},
			redeem: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string, delta int64) error {
				return tx.Coupons.RedeemCoupon(ctx, s, id, delta)
			},
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
			id: func(v billing.PromotionCode) string { return v.ID },
			get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.PromotionCode, error) {
				return tx.Coupons.GetPromotionCode(ctx, s, id)
			},
			redeem: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string, delta int64) error {
				return tx.Coupons.RedeemPromotionCode(ctx, s, id, delta)
			},
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
	t.Run("Credits", func(t *testing.T) { exerciseCredits(t, shareStore(t, setup)) })
	t.Run("DTE", func(t *testing.T) { exerciseDTE(t, shareStore(t, setup)) })
	t.Run("BatchReads", func(t *testing.T) { exerciseBatchReads(t, shareStore(t, setup)) })
	t.Run("UF", func(t *testing.T) { exerciseUF(t, shareStore(t, setup)) })
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
		b.merchantA = newMerchant(t, tx.Tx, b.clock.next())
		b.merchantB = newMerchant(t, tx.Tx, b.clock.next())
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

//
// Coupon and promotion code redemptions
//

//
// Payment method setups
//

//
// Test clocks
//

//
// Payment methods
//

//
// Subscriptions
//

//
// Trial claims
//

//
// Invoices
//

//
// Payments
//

//
// Refunds
//

//
// Events
//

//
// The simulated gateway's ledger
//

//
// Factories
//

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// recordMRR keeps the subscription's MRR records (billing.MRRChange) true
// after a save at `at` (its customer's clock time): when the save changes
// the MRR schedule billing.MRRSchedule computes (a status that stops or
// starts revenue, other items or quantities, a coupon, a scheduled
// change), the records from `at` on are replaced by the new schedule's.
// A save that changes no MRR (a plain renewal, a new period, a retry)
// writes nothing, which is why the batched renewal path, which only makes
// such saves, needs no records.
func (a *core) recordMRR(ctx context.Context, tx billing.Tx, before, after *billing.Subscription, at time.Time) error {
	coupon, err := a.mrrCoupon(ctx, tx, after)
	if err != nil {
		return err
	}
	loc := time.UTC
	if coupon != nil && coupon.Duration == billing.DurationRepeating && after.DiscountEnd != nil {
		m, err := tx.Merchants.GetMerchant(ctx, after.Scope.MerchantID)
		if err != nil {
			return fmt.Errorf("mrr: read merchant: %w", err)
		}
		loc = merchantLocation(m)
	}
	next, err := billing.MRRSchedule(*after, coupon, loc, at)
	if err != nil {
		return fmt.Errorf("mrr of %s: %w", after.ID, err)
	}
	if before != nil {
		prevCoupon := coupon
		if before.CouponID != after.CouponID {
			if prevCoupon, err = a.mrrCoupon(ctx, tx, before); err != nil {
				return err
			}
		}
		prev, err := billing.MRRSchedule(*before, prevCoupon, loc, at)
		if err != nil {
			return fmt.Errorf("mrr of %s: %w", before.ID, err)
		}
		if billing.SameMRRSchedule(prev, next) {
			return nil
		}
	}
	s := after.Scope
	if billing.MRRWriteIntoPast(at, a.Now()) {
		// A test clock in the past: the months reports kept may change.
		if err := tx.Analytics.BumpMRREpoch(ctx, s); err != nil {
			return err
		}
	}
	last, err := tx.Analytics.LastMRRBefore(ctx, s, after.ID, at)
	if err != nil {
		return err
	}
	if before != nil {
		if err := tx.Analytics.DeleteMRRChangesFrom(ctx, s, after.ID, at); err != nil {
			return err
		}
	}
	for _, c := range billing.MRRChanges(last, next) {
		c.ID, c.Scope, c.SubscriptionID, c.CustomerID, c.Currency, c.Created =
			billing.NewID(billing.PrefixMRRChange, a.Now()), s, after.ID, after.CustomerID, after.Currency, a.Now()
		if err := tx.Analytics.InsertMRRChange(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// mrrCoupon is the coupon of sub, nil when it has none (or it is gone).
func (a *core) mrrCoupon(ctx context.Context, tx billing.Tx, sub *billing.Subscription) (*billing.Coupon, error) {
	if sub.CouponID == "" {
		return nil, nil
	}
	c, err := tx.Coupons.GetCoupon(ctx, sub.Scope, sub.CouponID)
	if errors.Is(err, billing.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mrr: read coupon %s: %w", sub.CouponID, err)
	}
	return &c, nil
}

package billing

import (
	"fmt"
	"math/big"
	"slices"
	"time"
)

// MRR (monthly recurring revenue) is what a subscription brings in per
// calendar month at its current prices, in minor units of its currency
// (docs/analytics.md, "MRR"). These rules are the only place that decides
// it; the use cases record their answers (MRRChange) when they change, and
// the reports add those records up.

// MRRPoint is a subscription's MRR from At on (until the next point).
type MRRPoint struct {
	At     time.Time
	Amount int64
}

// mrrMonthFactor is how many months' worth one period of r is, inverted:
// the factor that turns one period's amount into a month's. Annual ÷ 12,
// weekly × 52/12, daily × 365/12, each divided by the interval count.
func mrrMonthFactor(r Recurring) (*big.Rat, error) {
	n := r.IntervalCount
	if n <= 0 {
		n = 1
	}
	switch r.Interval {
	case IntervalMonth:
		return big.NewRat(1, n), nil
	case IntervalYear:
		return big.NewRat(1, 12*n), nil
	case IntervalWeek:
		return big.NewRat(52, 12*n), nil
	case IntervalDay:
		return big.NewRat(365, 12*n), nil
	}
	return nil, fmt.Errorf("mrr: unknown interval %q", r.Interval)
}

// CountsForMRR reports whether a subscription in status s brings recurring
// revenue: active and past_due do (past_due is still owed and still
// entitled); trialing, incomplete, paused, unpaid and the ended states do
// not.
func CountsForMRR(s SubscriptionStatus) bool {
	return s == SubscriptionActive || s == SubscriptionPastDue
}

// couponRecurs reports whether coupon c lowers MRR at all: percent and
// amount coupons that repeat or last forever do. A once coupon lowers one
// invoice, which revenue collected shows; it is not a recurring discount.
func couponRecurs(c *Coupon, currency string) bool {
	if c == nil || (c.Duration != DurationForever && c.Duration != DurationRepeating) {
		return false
	}
	return c.PercentOffBP > 0 || (c.AmountOff > 0 && c.Currency == currency)
}

// MRRAt is sub's MRR at time t ≥ now, from what sub says now: its status,
// its items (the scheduled change's from its effective time on) and its
// coupon while it applies (discountOn). It is exact: the period's subtotal
// (quantity × unit amount of every item), less the discount (percent in
// exact fractions, amount capped at the subtotal), times the interval's
// month factor, computed in rationals and rounded once, half away from
// zero, to the minor unit.
func MRRAt(sub Subscription, coupon *Coupon, discountOn bool, t time.Time) (int64, error) {
	if !CountsForMRR(sub.Status) {
		return 0, nil
	}
	items := sub.Items
	if pc := sub.PendingChange; pc != nil && !t.Before(pc.EffectiveAt) {
		items = pc.Items
	}
	subtotal := new(big.Rat)
	for _, it := range items {
		if it.Currency == CurrencyUF {
			// Its amount is in UF, whose peso value moves every day: it is
			// left out rather than added to pesos (docs/analytics.md).
			continue
		}
		line := new(big.Int).Mul(big.NewInt(it.Quantity), big.NewInt(it.UnitAmount))
		subtotal.Add(subtotal, new(big.Rat).SetInt(line))
	}
	net := subtotal
	if discountOn && couponRecurs(coupon, sub.Currency) && subtotal.Sign() > 0 {
		if coupon.PercentOffBP > 0 {
			net = new(big.Rat).Mul(subtotal, big.NewRat(10000-min(coupon.PercentOffBP, 10000), 10000))
		} else {
			off := new(big.Rat).SetInt64(coupon.AmountOff)
			if off.Cmp(subtotal) > 0 {
				off = subtotal
			}
			net = new(big.Rat).Sub(subtotal, off)
		}
	}
	f, err := mrrMonthFactor(sub.Recurring)
	if err != nil {
		return 0, err
	}
	return roundHalfAway(net.Mul(net, f))
}

// discountEndsAt is when a repeating coupon stops lowering sub's MRR: the
// start of the first billing period that starts at or after DiscountEnd
// (an invoice whose period starts before DiscountEnd is discounted whole,
// so the discount lasts to that period's end). nil while it has no end.
func discountEndsAt(sub Subscription, c *Coupon, loc *time.Location) (*time.Time, error) {
	if !couponRecurs(c, sub.Currency) || c.Duration != DurationRepeating || sub.DiscountEnd == nil {
		return nil, nil
	}
	end := *sub.DiscountEnd
	if sub.BillingAnchor.IsZero() || end.Before(sub.BillingAnchor) {
		return &end, nil
	}
	_, start, next, err := PeriodAt(sub.BillingAnchor, sub.Recurring, loc, end)
	if err != nil {
		return nil, fmt.Errorf("mrr: discount end: %w", err)
	}
	if start.Equal(end) {
		return &end, nil
	}
	return &next, nil
}

// MRRSchedule is sub's MRR from `from` on as far as it is known now: the
// value at from, then a point where a scheduled change of items takes
// effect and where a repeating coupon stops, each only where the amount
// changes. Recording it when a subscription is saved means a renewal that
// applies a scheduled change or outlives a coupon (the batched renewal
// path) changes nothing that was not already recorded.
func MRRSchedule(sub Subscription, coupon *Coupon, loc *time.Location, from time.Time) ([]MRRPoint, error) {
	dEnd, err := discountEndsAt(sub, coupon, loc)
	if err != nil {
		return nil, err
	}
	times := []time.Time{from}
	if pc := sub.PendingChange; pc != nil && pc.EffectiveAt.After(from) {
		times = append(times, pc.EffectiveAt)
	}
	if dEnd != nil && dEnd.After(from) {
		times = append(times, *dEnd)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	var out []MRRPoint
	for _, t := range times {
		amount, err := MRRAt(sub, coupon, dEnd == nil || t.Before(*dEnd), t)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && out[len(out)-1].Amount == amount {
			continue
		}
		out = append(out, MRRPoint{At: t, Amount: amount})
	}
	return out, nil
}

// SameMRRSchedule reports whether two schedules say the same from the
// first point on: the same amounts changing at the same times.
func SameMRRSchedule(a, b []MRRPoint) bool {
	return slices.EqualFunc(a, b, func(x, y MRRPoint) bool { return x.Amount == y.Amount && x.At.Equal(y.At) })
}

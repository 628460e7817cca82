package app

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// CreateCouponParams are the inputs of CreateCoupon. Exactly one of
// PercentOff and AmountOff is set; AmountOff needs Currency.
type CreateCouponParams struct {
	Name             string
	PercentOff       *float64 // 0 < p ≤ 100, at most two decimals (12.5)
	AmountOff        *int64   // minor units
	Currency         string
	Duration         string // once (default), repeating, forever
	DurationInMonths int64  // required for repeating
	MaxRedemptions   int64
	RedeemBy         *time.Time
	Metadata         billing.Metadata
}

// UpdateCouponParams are a coupon's mutable fields.
type UpdateCouponParams struct {
	Name     *string
	Metadata billing.Metadata
}

// percentToBP converts a percentage with at most two decimals into basis
// points exactly (12.5 → 1250); ok is false for anything else.
func percentToBP(p float64) (int64, bool) {
	scaled := p * 100
	bp := math.Round(scaled)
	if math.IsNaN(p) || math.Abs(scaled-bp) > 1e-6 || bp < 1 || bp > 10000 {
		return 0, false
	}
	return int64(bp), true
}

// CreateCoupon creates a coupon in scope s.
func (a *Catalog) CreateCoupon(ctx context.Context, s billing.Scope, p CreateCouponParams) (billing.Coupon, error) {
	now := a.Now()
	var v validator
	v.maxLen("name", p.Name, maxNameLen)
	c := billing.Coupon{
		ID:               billing.NewID(billing.PrefixCoupon, now),
		Scope:            s,
		Name:             p.Name,
		Duration:         p.Duration,
		DurationInMonths: p.DurationInMonths,
		MaxRedemptions:   p.MaxRedemptions,
		RedeemBy:         p.RedeemBy,
		Metadata:         orEmpty(p.Metadata),
		Created:          now,
		Updated:          now,
	}
	switch {
	case p.PercentOff != nil && p.AmountOff != nil:
		v.fail("amount_off", billing.CodeParameterInvalid, "set percent_off or amount_off, not both")
	case p.PercentOff != nil:
		bp, ok := percentToBP(*p.PercentOff)
		if !ok {
			v.fail("percent_off", billing.CodeParameterInvalid, "percent_off must be greater than 0 and at most 100, with at most two decimals")
		}
		c.PercentOffBP = bp
		if p.Currency != "" {
			v.fail("currency", billing.CodeParameterInvalid, "currency goes with amount_off, not percent_off")
		}
	case p.AmountOff != nil:
		v.amount("amount_off", *p.AmountOff)
		if *p.AmountOff == 0 {
			v.fail("amount_off", billing.CodeAmountInvalid, "amount_off must be positive")
		}
		c.AmountOff = *p.AmountOff
		if p.Currency == "" {
			v.fail("currency", billing.CodeParameterMissing, "amount_off needs a currency")
		}
		c.Currency = v.currency("currency", p.Currency)
	default:
		v.fail("percent_off", billing.CodeParameterMissing, "percent_off or amount_off is required")
	}
	if c.Duration == "" {
		c.Duration = billing.DurationOnce
	}
	switch c.Duration {
	case billing.DurationRepeating:
		if c.DurationInMonths < 1 || c.DurationInMonths > 120 {
			v.fail("duration_in_months", billing.CodeParameterInvalid, "duration_in_months must be between 1 and 120 for a repeating coupon")
		}
	case billing.DurationOnce, billing.DurationForever:
		if c.DurationInMonths != 0 {
			v.fail("duration_in_months", billing.CodeParameterInvalid, "duration_in_months goes only with duration repeating")
		}
	default:
		v.fail("duration", billing.CodeParameterInvalid, "duration must be once, repeating or forever")
	}
	v.nonNegative("max_redemptions", p.MaxRedemptions)
	if p.RedeemBy != nil && (!p.RedeemBy.After(now) || p.RedeemBy.Year() > 9999) {
		v.fail("redeem_by", billing.CodeParameterInvalid, "redeem_by must be in the future, before the year 10000")
	}
	v.metadata(p.Metadata)
	if err := v.err(); err != nil {
		return billing.Coupon{}, err
	}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Coupons.CreateCoupon(ctx, c); err != nil {
			return conflict(fmt.Errorf("create coupon: %w", err))
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "coupon.create", objectType: "coupon", objectID: c.ID, after: c})
	})
	return c, err
}

// GetCoupon returns a coupon of scope s.
func (a *Catalog) GetCoupon(ctx context.Context, s billing.Scope, id string) (billing.Coupon, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Coupon, error) {
		c, err := tx.Coupons.GetCoupon(ctx, s, id)
		return c, notFound(err, "coupon", id)
	})
}

// UpdateCoupon changes a coupon's name or metadata.
func (a *Catalog) UpdateCoupon(ctx context.Context, s billing.Scope, id string, p UpdateCouponParams) (billing.Coupon, error) {
	var v validator
	v.maxLen("name", deref(p.Name), maxNameLen)
	v.metadata(p.Metadata)
	if err := v.err(); err != nil {
		return billing.Coupon{}, err
	}
	var after billing.Coupon
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Coupons.GetCoupon(ctx, s, id)
		if err != nil {
			return notFound(err, "coupon", id)
		}
		after = before
		setIf(&after.Name, p.Name)
		after.Metadata = mergeMetadata(before.Metadata, p.Metadata)
		after.Updated = a.Now()
		if err := tx.Coupons.UpdateCoupon(ctx, after); err != nil {
			return fmt.Errorf("update coupon %s: %w", id, err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "coupon.update", objectType: "coupon", objectID: id, before: before, after: after})
	})
	return after, err
}

// ListCoupons lists coupons of scope s, newest first.
func (a *Catalog) ListCoupons(ctx context.Context, s billing.Scope, page billing.Page) (List[billing.Coupon], error) {
	return list(ctx, a.core, page, billing.PrefixCoupon, func(tx billing.Tx, page billing.Page) ([]billing.Coupon, bool, error) {
		return tx.Coupons.ListCoupons(ctx, s, page)
	})
}

// CreatePromotionCodeParams are the inputs of CreatePromotionCode.
type CreatePromotionCodeParams struct {
	Coupon         string
	Code           string
	Active         *bool
	MaxRedemptions int64
	ExpiresAt      *time.Time
	Metadata       billing.Metadata
}

// UpdatePromotionCodeParams are a promotion code's mutable fields.
type UpdatePromotionCodeParams struct {
	Active   *bool
	Metadata billing.Metadata
}

var codeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,50}$`)

// NormalizeCode returns the stored form of a promotion code: codes compare
// case-insensitively, so they are kept upper case.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// CreatePromotionCode creates a customer-facing code for a coupon.
func (a *Catalog) CreatePromotionCode(ctx context.Context, s billing.Scope, p CreatePromotionCodeParams) (billing.PromotionCode, error) {
	now := a.Now()
	var v validator
	v.required("coupon", p.Coupon)
	v.required("code", p.Code)
	if p.Code != "" && !codeRE.MatchString(strings.TrimSpace(p.Code)) {
		v.fail("code", billing.CodeParameterInvalid, "code must be 1 to 50 letters, digits, - or _")
	}
	v.nonNegative("max_redemptions", p.MaxRedemptions)
	if p.ExpiresAt != nil && (!p.ExpiresAt.After(now) || p.ExpiresAt.Year() > 9999) {
		v.fail("expires_at", billing.CodeParameterInvalid, "expires_at must be in the future, before the year 10000")
	}
	v.metadata(p.Metadata)
	if err := v.err(); err != nil {
		return billing.PromotionCode{}, err
	}
	pc := billing.PromotionCode{
		ID:             billing.NewID(billing.PrefixPromotionCode, now),
		Scope:          s,
		CouponID:       p.Coupon,
		Code:           NormalizeCode(p.Code),
		Active:         p.Active == nil || *p.Active,
		MaxRedemptions: p.MaxRedemptions,
		ExpiresAt:      p.ExpiresAt,
		Metadata:       orEmpty(p.Metadata),
		Created:        now,
		Updated:        now,
	}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if _, err := tx.Coupons.GetCoupon(ctx, s, p.Coupon); err != nil {
			if billing.AsError(notFound(err, "coupon", p.Coupon)) != nil {
				return billing.Invalid("coupon", billing.CodeResourceMissing, "no such coupon: %q", p.Coupon)
			}
			return err
		}
		if err := tx.Coupons.CreatePromotionCode(ctx, pc); err != nil {
			return conflict(fmt.Errorf("create promotion code: %w", err))
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "promotion_code.create", objectType: "promotion_code", objectID: pc.ID, after: pc})
	})
	return pc, err
}

// GetPromotionCode returns a promotion code of scope s.
func (a *Catalog) GetPromotionCode(ctx context.Context, s billing.Scope, id string) (billing.PromotionCode, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.PromotionCode, error) {
		p, err := tx.Coupons.GetPromotionCode(ctx, s, id)
		return p, notFound(err, "promotion_code", id)
	})
}

// UpdatePromotionCode activates or deactivates a code or changes its metadata.
func (a *Catalog) UpdatePromotionCode(ctx context.Context, s billing.Scope, id string, p UpdatePromotionCodeParams) (billing.PromotionCode, error) {
	var v validator
	v.metadata(p.Metadata)
	if err := v.err(); err != nil {
		return billing.PromotionCode{}, err
	}
	var after billing.PromotionCode
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Coupons.GetPromotionCode(ctx, s, id)
		if err != nil {
			return notFound(err, "promotion_code", id)
		}
		after = before
		setIf(&after.Active, p.Active)
		after.Metadata = mergeMetadata(before.Metadata, p.Metadata)
		after.Updated = a.Now()
		if err := tx.Coupons.UpdatePromotionCode(ctx, after); err != nil {
			return fmt.Errorf("update promotion code %s: %w", id, err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "promotion_code.update", objectType: "promotion_code", objectID: id, before: before, after: after})
	})
	return after, err
}

// ListPromotionCodes lists promotion codes of scope s, newest first.
func (a *Catalog) ListPromotionCodes(ctx context.Context, s billing.Scope, f billing.PromotionCodeFilter, page billing.Page) (List[billing.PromotionCode], error) {
	f.Code = NormalizeCode(f.Code)
	return list(ctx, a.core, page, billing.PrefixPromotionCode, func(tx billing.Tx, page billing.Page) ([]billing.PromotionCode, bool, error) {
		return tx.Coupons.ListPromotionCodes(ctx, s, f, page)
	})
}

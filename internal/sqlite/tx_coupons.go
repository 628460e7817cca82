package sqlite

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
)

// couponTx is the billing.CouponTx of one transaction.
type couponTx struct{ *base }

var _ billing.CouponTx = couponTx{}

// Coupons and promotion codes.

// CreateCoupon inserts c.
func (t couponTx) CreateCoupon(ctx context.Context, c billing.Coupon) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("create coupon %s: encode metadata: %w", c.ID, err)
	}
	err = t.accounts.CreateCoupon(ctx, accountsdb.CreateCouponParams{
		ID:               c.ID,
		MerchantID:       c.Scope.MerchantID,
		Mode:             string(c.Scope.Mode),
		Name:             c.Name,
		PercentOffBp:     c.PercentOffBP,
		AmountOff:        c.AmountOff,
		Currency:         c.Currency,
		Duration:         c.Duration,
		DurationInMonths: c.DurationInMonths,
		MaxRedemptions:   c.MaxRedemptions,
		RedeemBy:         nullMicros(c.RedeemBy),
		TimesRedeemed:    c.TimesRedeemed,
		Metadata:         metadata,
		Created:          micros(c.Created),
		Updated:          micros(c.Updated),
	})
	if err != nil {
		return dbError(err, "create coupon %s", c.ID)
	}
	return nil
}

// GetCoupon returns the coupon with id in scope s.
func (t couponTx) GetCoupon(ctx context.Context, s billing.Scope, id string) (billing.Coupon, error) {
	row, err := t.accounts.GetCoupon(ctx, accountsdb.GetCouponParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Coupon{}, dbError(err, "get coupon %s", id)
	}
	return couponFromRow(row)
}

// UpdateCoupon writes c's mutable fields.
func (t couponTx) UpdateCoupon(ctx context.Context, c billing.Coupon) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("update coupon %s: encode metadata: %w", c.ID, err)
	}
	n, err := t.accounts.UpdateCoupon(ctx, accountsdb.UpdateCouponParams{
		Name:       c.Name,
		Metadata:   metadata,
		Updated:    micros(c.Updated),
		MerchantID: c.Scope.MerchantID,
		Mode:       string(c.Scope.Mode),
		ID:         c.ID,
	})
	return notFoundIfNone(n, err, "update coupon %s", c.ID)
}

// ListCoupons returns a page of s's coupons, newest first.
func (t couponTx) ListCoupons(ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Coupon, bool, error) {
	rows, err := t.accounts.ListCoupons(ctx, accountsdb.ListCouponsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list coupons")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, couponFromRow)
	return out, more, err
}

func couponFromRow(row accountsdb.Coupon) (billing.Coupon, error) {
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Coupon{}, fmt.Errorf("decode metadata of coupon %s: %w", row.ID, err)
	}
	return billing.Coupon{
		ID:               row.ID,
		Scope:            billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Name:             row.Name,
		PercentOffBP:     row.PercentOffBp,
		AmountOff:        row.AmountOff,
		Currency:         row.Currency,
		Duration:         row.Duration,
		DurationInMonths: row.DurationInMonths,
		MaxRedemptions:   row.MaxRedemptions,
		RedeemBy:         fromNullMicros(row.RedeemBy),
		TimesRedeemed:    row.TimesRedeemed,
		Metadata:         metadata,
		Created:          fromMicros(row.Created),
		Updated:          fromMicros(row.Updated),
	}, nil
}

// CreatePromotionCode inserts p.
func (t couponTx) CreatePromotionCode(ctx context.Context, p billing.PromotionCode) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("create promotion code %s: encode metadata: %w", p.ID, err)
	}
	err = t.accounts.CreatePromotionCode(ctx, accountsdb.CreatePromotionCodeParams{
		ID:             p.ID,
		MerchantID:     p.Scope.MerchantID,
		Mode:           string(p.Scope.Mode),
		CouponID:       p.CouponID,
		Code:           p.Code,
		Active:         p.Active,
		MaxRedemptions: p.MaxRedemptions,
		ExpiresAt:      nullMicros(p.ExpiresAt),
		TimesRedeemed:  p.TimesRedeemed,
		Metadata:       metadata,
		Created:        micros(p.Created),
		Updated:        micros(p.Updated),
	})
	if err != nil {
		return dbError(err, "create promotion code %s", p.ID)
	}
	return nil
}

// GetPromotionCode returns the promotion code with id in scope s.
func (t couponTx) GetPromotionCode(ctx context.Context, s billing.Scope, id string) (billing.PromotionCode, error) {
	row, err := t.accounts.GetPromotionCode(ctx, accountsdb.GetPromotionCodeParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PromotionCode{}, dbError(err, "get promotion code %s", id)
	}
	return promotionCodeFromRow(row)
}

// UpdatePromotionCode writes p's mutable fields.
func (t couponTx) UpdatePromotionCode(ctx context.Context, p billing.PromotionCode) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("update promotion code %s: encode metadata: %w", p.ID, err)
	}
	n, err := t.accounts.UpdatePromotionCode(ctx, accountsdb.UpdatePromotionCodeParams{
		Active:     p.Active,
		Metadata:   metadata,
		Updated:    micros(p.Updated),
		MerchantID: p.Scope.MerchantID,
		Mode:       string(p.Scope.Mode),
		ID:         p.ID,
	})
	return notFoundIfNone(n, err, "update promotion code %s", p.ID)
}

// ListPromotionCodes returns a page of s's promotion codes, newest first.
func (t couponTx) ListPromotionCodes(ctx context.Context, s billing.Scope, f billing.PromotionCodeFilter, page billing.Page) ([]billing.PromotionCode, bool, error) {
	rows, err := t.accounts.ListPromotionCodes(ctx, accountsdb.ListPromotionCodesParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		CouponID:      f.CouponID,
		Code:          f.Code,
		FilterActive:  f.Active != nil,
		Active:        f.Active != nil && *f.Active,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list promotion codes")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, promotionCodeFromRow)
	return out, more, err
}

func promotionCodeFromRow(row accountsdb.PromotionCode) (billing.PromotionCode, error) {
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.PromotionCode{}, fmt.Errorf("decode metadata of promotion code %s: %w", row.ID, err)
	}
	return billing.PromotionCode{
		ID:             row.ID,
		Scope:          billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		CouponID:       row.CouponID,
		Code:           row.Code,
		Active:         row.Active,
		MaxRedemptions: row.MaxRedemptions,
		ExpiresAt:      fromNullMicros(row.ExpiresAt),
		TimesRedeemed:  row.TimesRedeemed,
		Metadata:       metadata,
		Created:        fromMicros(row.Created),
		Updated:        fromMicros(row.Updated),
	}, nil
}

// RedeemCoupon adds delta to a coupon's redemptions within its limit.
func (t couponTx) RedeemCoupon(ctx context.Context, s billing.Scope, id string, delta int64) error {
	n, err := t.accounts.RedeemCoupon(ctx, accountsdb.RedeemCouponParams{Delta: delta, MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	return redeemed(ctx, n, err, "coupon "+id, func() error { _, err := t.GetCoupon(ctx, s, id); return err })
}

// RedeemPromotionCode adds delta to a promotion code's redemptions within
// its limit.
func (t couponTx) RedeemPromotionCode(ctx context.Context, s billing.Scope, id string, delta int64) error {
	n, err := t.accounts.RedeemPromotionCode(ctx, accountsdb.RedeemPromotionCodeParams{Delta: delta, MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	return redeemed(ctx, n, err, "promotion code "+id, func() error { _, err := t.GetPromotionCode(ctx, s, id); return err })
}

// redeemed tells "no such object" from "no redemption left" when a
// redemption update touched no row.
func redeemed(_ context.Context, n int64, err error, what string, exists func() error) error {
	if err != nil {
		return dbError(err, "redeem %s", what)
	}
	if n == 1 {
		return nil
	}
	if err := exists(); err != nil {
		return err
	}
	return fmt.Errorf("redeem %s: %w", what, billing.ErrExhausted)
}

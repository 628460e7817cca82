package postgres

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
)

// couponTx is the billing.CouponTx of one transaction.
type couponTx struct{ *base }

var _ billing.CouponTx = couponTx{}

// CreateCoupon inserts c.
func (t couponTx) CreateCoupon(ctx context.Context, c billing.Coupon) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: create coupon %s: metadata: %w", c.ID, err)
	}
	return t.writeAccounts(ctx, "create coupon "+c.ID, func(q *accountsdb.Queries) error {
		return q.CreateCoupon(ctx, accountsdb.CreateCouponParams{
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
			RedeemBy:         tsPtr(c.RedeemBy),
			TimesRedeemed:    c.TimesRedeemed,
			Metadata:         metadata,
			Created:          ts(c.Created),
			Updated:          ts(c.Updated),
		})
	})
}

// GetCoupon returns the coupon with id in scope s.
func (t couponTx) GetCoupon(ctx context.Context, s billing.Scope, id string) (billing.Coupon, error) {
	row, err := t.accounts.GetCoupon(ctx, accountsdb.GetCouponParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Coupon{}, dbError("get coupon "+id, err)
	}
	c, err := couponFromRow(row)
	if err != nil {
		return billing.Coupon{}, fmt.Errorf("postgres: get coupon %s: %w", id, err)
	}
	return c, nil
}

// UpdateCoupon writes c's name, metadata and updated time.
func (t couponTx) UpdateCoupon(ctx context.Context, c billing.Coupon) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: update coupon %s: metadata: %w", c.ID, err)
	}
	return t.writeAccounts(ctx, "update coupon "+c.ID, func(q *accountsdb.Queries) error {
		return updated(q.UpdateCoupon(ctx, accountsdb.UpdateCouponParams{
			Name:       c.Name,
			Metadata:   metadata,
			Updated:    ts(c.Updated),
			MerchantID: c.Scope.MerchantID,
			Mode:       string(c.Scope.Mode),
			ID:         c.ID,
		}))
	})
}

// ListCoupons returns a page of scope s's coupons, newest first.
func (t couponTx) ListCoupons(ctx context.Context, s billing.Scope, pg billing.Page) ([]billing.Coupon, bool, error) {
	rows, err := t.accounts.ListCoupons(ctx, accountsdb.ListCouponsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("list coupons", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, couponFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list coupons: %w", err)
	}
	return out, more, nil
}

func couponFromRow(r accountsdb.Coupon) (billing.Coupon, error) {
	metadata, err := decodeMap[billing.Metadata](r.Metadata)
	if err != nil {
		return billing.Coupon{}, fmt.Errorf("coupon %s metadata: %w", r.ID, err)
	}
	return billing.Coupon{
		ID:               r.ID,
		Scope:            billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Name:             r.Name,
		PercentOffBP:     r.PercentOffBp,
		AmountOff:        r.AmountOff,
		Currency:         r.Currency,
		Duration:         r.Duration,
		DurationInMonths: r.DurationInMonths,
		MaxRedemptions:   r.MaxRedemptions,
		RedeemBy:         utcPtr(r.RedeemBy),
		TimesRedeemed:    r.TimesRedeemed,
		Metadata:         metadata,
		Created:          r.Created.UTC(),
		Updated:          r.Updated.UTC(),
	}, nil
}

// CreatePromotionCode inserts p.
func (t couponTx) CreatePromotionCode(ctx context.Context, p billing.PromotionCode) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: create promotion code %s: metadata: %w", p.ID, err)
	}
	return t.writeAccounts(ctx, "create promotion code "+p.ID, func(q *accountsdb.Queries) error {
		return q.CreatePromotionCode(ctx, accountsdb.CreatePromotionCodeParams{
			ID:             p.ID,
			MerchantID:     p.Scope.MerchantID,
			Mode:           string(p.Scope.Mode),
			CouponID:       p.CouponID,
			Code:           p.Code,
			Active:         p.Active,
			MaxRedemptions: p.MaxRedemptions,
			ExpiresAt:      tsPtr(p.ExpiresAt),
			TimesRedeemed:  p.TimesRedeemed,
			Metadata:       metadata,
			Created:        ts(p.Created),
			Updated:        ts(p.Updated),
		})
	})
}

// GetPromotionCode returns the promotion code with id in scope s.
func (t couponTx) GetPromotionCode(ctx context.Context, s billing.Scope, id string) (billing.PromotionCode, error) {
	row, err := t.accounts.GetPromotionCode(ctx, accountsdb.GetPromotionCodeParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PromotionCode{}, dbError("get promotion code "+id, err)
	}
	p, err := promotionCodeFromRow(row)
	if err != nil {
		return billing.PromotionCode{}, fmt.Errorf("postgres: get promotion code %s: %w", id, err)
	}
	return p, nil
}

// UpdatePromotionCode writes p's active flag, metadata and updated time.
func (t couponTx) UpdatePromotionCode(ctx context.Context, p billing.PromotionCode) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: update promotion code %s: metadata: %w", p.ID, err)
	}
	return t.writeAccounts(ctx, "update promotion code "+p.ID, func(q *accountsdb.Queries) error {
		return updated(q.UpdatePromotionCode(ctx, accountsdb.UpdatePromotionCodeParams{
			Active:     p.Active,
			Metadata:   metadata,
			Updated:    ts(p.Updated),
			MerchantID: p.Scope.MerchantID,
			Mode:       string(p.Scope.Mode),
			ID:         p.ID,
		}))
	})
}

// ListPromotionCodes returns a page of scope s's promotion codes, newest
// first.
func (t couponTx) ListPromotionCodes(ctx context.Context, s billing.Scope, f billing.PromotionCodeFilter, pg billing.Page) ([]billing.PromotionCode, bool, error) {
	rows, err := t.accounts.ListPromotionCodes(ctx, accountsdb.ListPromotionCodesParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		CouponID:      f.CouponID,
		Code:          f.Code,
		FilterActive:  f.Active != nil,
		Active:        f.Active != nil && *f.Active,
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("list promotion codes", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, promotionCodeFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list promotion codes: %w", err)
	}
	return out, more, nil
}

func promotionCodeFromRow(r accountsdb.PromotionCode) (billing.PromotionCode, error) {
	metadata, err := decodeMap[billing.Metadata](r.Metadata)
	if err != nil {
		return billing.PromotionCode{}, fmt.Errorf("promotion code %s metadata: %w", r.ID, err)
	}
	return billing.PromotionCode{
		ID:             r.ID,
		Scope:          billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CouponID:       r.CouponID,
		Code:           r.Code,
		Active:         r.Active,
		MaxRedemptions: r.MaxRedemptions,
		ExpiresAt:      utcPtr(r.ExpiresAt),
		TimesRedeemed:  r.TimesRedeemed,
		Metadata:       metadata,
		Created:        r.Created.UTC(),
		Updated:        r.Updated.UTC(),
	}, nil
}

// RedeemCoupon adds delta to a coupon's redemptions within its limit.
func (t couponTx) RedeemCoupon(ctx context.Context, s billing.Scope, id string, delta int64) error {
	var n int64
	err := t.writeAccounts(ctx, "redeem coupon "+id, func(q *accountsdb.Queries) error {
		var err error
		n, err = q.RedeemCoupon(ctx, accountsdb.RedeemCouponParams{Delta: delta, MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
		return err
	})
	return redeemed(err, n, "coupon "+id, func() error { _, err := t.GetCoupon(ctx, s, id); return err })
}

// RedeemPromotionCode adds delta to a promotion code's redemptions within
// its limit.
func (t couponTx) RedeemPromotionCode(ctx context.Context, s billing.Scope, id string, delta int64) error {
	var n int64
	err := t.writeAccounts(ctx, "redeem promotion code "+id, func(q *accountsdb.Queries) error {
		var err error
		n, err = q.RedeemPromotionCode(ctx, accountsdb.RedeemPromotionCodeParams{Delta: delta, MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
		return err
	})
	return redeemed(err, n, "promotion code "+id, func() error { _, err := t.GetPromotionCode(ctx, s, id); return err })
}

// redeemed tells "no such object" from "no redemption left" when a
// redemption update touched no row.
func redeemed(err error, n int64, what string, exists func() error) error {
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	if err := exists(); err != nil {
		return err
	}
	return fmt.Errorf("postgres: redeem %s: %w", what, billing.ErrExhausted)
}

package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func couponKind() kind[billing.Coupon] {
	return kind[billing.Coupon]{
		table: "coupons",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Coupon {
			return buildCoupon(s, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Coupon, error) {
			return tx.Coupons.GetCoupon(ctx, s, id)
		},
		id: func(v billing.Coupon) string { return v.ID },
		insert: func(tx billing.Tx, ctx context.Context, c billing.Coupon) error {
			return tx.Coupons.CreateCoupon(ctx, c)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Coupon, bool, error) {
			return tx.Coupons.ListCoupons(ctx, s, page)
		},
		setID:    func(v *billing.Coupon, id string) { v.ID = id },
		setScope: func(v *billing.Coupon, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Coupon) {
			v.Name = "Touched"
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, c billing.Coupon) error {
			return tx.Coupons.UpdateCoupon(ctx, c)
		},
	}
}

func exerciseCoupon(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		amountOff := newCoupon(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Coupon) {
			c.PercentOffBP = 0
			c.AmountOff = 5000
			c.Currency = "CLP"
			c.Duration = billing.DurationForever
			c.DurationInMonths = 0
			c.MaxRedemptions = 0
			c.RedeemBy = nil
			c.TimesRedeemed = 0
			c.Metadata = billing.Metadata{}
		})
		once := newCoupon(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Coupon) {
			c.PercentOffBP = 10000
			c.Duration = billing.DurationOnce
			c.DurationInMonths = 0
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Coupon{amountOff, once} {
			got, err := tx.Coupons.GetCoupon(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		tx.commit(t)
	})

	t.Run("UpdateWritesOnlyMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		sibling := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		tx.commit(t)

		u := c
		// Mutable.
		u.Name = "Verano 2027"
		u.Metadata = billing.Metadata{"campaign": "verano27"}
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.PercentOffBP = 5000
		u.AmountOff = 100
		u.Currency = "USD"
		u.Duration = billing.DurationForever
		u.DurationInMonths = 12
		u.MaxRedemptions = 1
		u.RedeemBy = nil
		u.TimesRedeemed = 99
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Coupons.UpdateCoupon(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Coupons.GetCoupon(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = tx.Coupons.GetCoupon(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one coupon leaves the others alone")
		tx.commit(t)
	})
}

func promotionCodeKind() kind[billing.PromotionCode] {
	return kind[billing.PromotionCode]{
		table: "promotion_codes",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.PromotionCode {
			t.Helper()
			coupon := newCoupon(t, tx, s, at)
			return buildPromotionCode(s, coupon.ID, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.PromotionCode, error) {
			return tx.Coupons.GetPromotionCode(ctx, s, id)
		},
		id: func(v billing.PromotionCode) string { return v.ID },
		insert: func(tx billing.Tx, ctx context.Context, p billing.PromotionCode) error {
			return tx.Coupons.CreatePromotionCode(ctx, p)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.PromotionCode, bool, error) {
			return tx.Coupons.ListPromotionCodes(ctx, s, billing.PromotionCodeFilter{}, page)
		},
		setID:    func(v *billing.PromotionCode, id string) { v.ID = id },
		setScope: func(v *billing.PromotionCode, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.PromotionCode) {
			v.Active = !v.Active
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, p billing.PromotionCode) error {
			return tx.Coupons.UpdatePromotionCode(ctx, p)
		},
	}
}

func exercisePromotionCode(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		coupon := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		bare := newPromotionCode(t, tx.Tx, b.scope, coupon.ID, b.clock.next(), func(p *billing.PromotionCode) {
			p.Active = false
			p.MaxRedemptions = 0
			p.ExpiresAt = nil
			p.TimesRedeemed = 0
			p.Metadata = billing.Metadata{}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Coupons.GetPromotionCode(t.Context(), b.scope, bare.ID)
		require.NoError(t, err)
		require.Equal(t, bare, got)
		tx.commit(t)
	})

	t.Run("UpdateWritesOnlyMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		coupon := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		otherCoupon := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		p := newPromotionCode(t, tx.Tx, b.scope, coupon.ID, b.clock.next())
		sibling := newPromotionCode(t, tx.Tx, b.scope, coupon.ID, b.clock.next())
		tx.commit(t)

		u := p
		// Mutable.
		u.Active = false
		u.Metadata = billing.Metadata{"channel": "email"}
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.CouponID = otherCoupon.ID
		u.Code = "CHANGED"
		u.MaxRedemptions = 1
		u.ExpiresAt = nil
		u.TimesRedeemed = 99
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Coupons.UpdatePromotionCode(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Coupons.GetPromotionCode(ctx, b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = tx.Coupons.GetPromotionCode(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one promotion code leaves the others alone")
		tx.commit(t)
	})

	t.Run("CodeUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		coupon := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		otherCoupon := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		newPromotionCode(t, tx.Tx, b.scope, coupon.ID, b.clock.next(), func(p *billing.PromotionCode) { p.Code = "VERANO" })
		tx.commit(t)

		// Unique per scope, whichever coupon it points to.
		for _, couponID := range []string{coupon.ID, otherCoupon.ID} {
			tx = begin(t, b.store)
			dup := buildPromotionCode(b.scope, couponID, b.clock.next())
			dup.Code = "VERANO"
			requireUniqueViolation(t, tx.Coupons.CreatePromotionCode(ctx, dup), "promotion_codes_code_key")
			tx.rollback(t)
		}

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			c := newCoupon(t, tx.Tx, s, b.clock.next())
			newPromotionCode(t, tx.Tx, s, c.ID, b.clock.next(), func(p *billing.PromotionCode) { p.Code = "VERANO" })
		}
		tx.commit(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		k1 := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		k2 := newCoupon(t, tx.Tx, b.scope, b.clock.next())
		code := func(c string) func(*billing.PromotionCode) {
			return func(p *billing.PromotionCode) { p.Code = c }
		}
		inactive := func(p *billing.PromotionCode) { p.Active = false }
		p1 := newPromotionCode(t, tx.Tx, b.scope, k1.ID, b.clock.next(), code("VERANO"))
		p2 := newPromotionCode(t, tx.Tx, b.scope, k1.ID, b.clock.next(), code("INVIERNO"), inactive)
		p3 := newPromotionCode(t, tx.Tx, b.scope, k2.ID, b.clock.next(), code("OTONO"))
		liveCoupon := newCoupon(t, tx.Tx, b.live, b.clock.next())
		newPromotionCode(t, tx.Tx, b.live, liveCoupon.ID, b.clock.next(), code("VERANO"))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.PromotionCodeFilter) func(billing.Page) ([]string, bool, error) {
			return func(page billing.Page) ([]string, bool, error) {
				items, more, err := tx.Coupons.ListPromotionCodes(ctx, b.scope, f, page)
				return idsOf(items, func(p billing.PromotionCode) string { return p.ID }), more, err
			}
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.PromotionCodeFilter
			want   []billing.PromotionCode
		}{
			{"None", billing.PromotionCodeFilter{}, []billing.PromotionCode{p3, p2, p1}},
			{"CouponID", billing.PromotionCodeFilter{CouponID: k1.ID}, []billing.PromotionCode{p2, p1}},
			{"CouponIDOther", billing.PromotionCodeFilter{CouponID: k2.ID}, []billing.PromotionCode{p3}},
			{"CouponIDOfAnotherScope", billing.PromotionCodeFilter{CouponID: liveCoupon.ID}, nil},
			{"Code", billing.PromotionCodeFilter{Code: "VERANO"}, []billing.PromotionCode{p1}},
			{"CodeUnknown", billing.PromotionCodeFilter{Code: "PRIMAVERA"}, nil},
			{"ActiveTrue", billing.PromotionCodeFilter{Active: ptr(true)}, []billing.PromotionCode{p3, p1}},
			{"ActiveFalse", billing.PromotionCodeFilter{Active: ptr(false)}, []billing.PromotionCode{p2}},
			{"Combined", billing.PromotionCodeFilter{CouponID: k1.ID, Active: ptr(true)}, []billing.PromotionCode{p1}},
			{"CombinedEmpty", billing.PromotionCodeFilter{CouponID: k2.ID, Active: ptr(false)}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, func(p billing.PromotionCode) string { return p.ID }), list(tx.Tx, tc.filter))
		}

		items, _, err := tx.Coupons.ListPromotionCodes(ctx, b.scope, billing.PromotionCodeFilter{Code: "INVIERNO"}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.PromotionCode{p2}, items)
		tx.commit(t)
	})
}

func buildCoupon(s billing.Scope, at time.Time) billing.Coupon {
	return billing.Coupon{
		ID:               billing.NewID(billing.PrefixCoupon, at),
		Scope:            s,
		Name:             "Verano",
		PercentOffBP:     1250,
		Duration:         billing.DurationRepeating,
		DurationInMonths: 3,
		MaxRedemptions:   100,
		RedeemBy:         ptr(at.Add(30*24*time.Hour + 3*time.Microsecond)),
		TimesRedeemed:    7,
		Metadata:         billing.Metadata{"campaign": "verano"},
		Created:          at,
		Updated:          at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newCoupon(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.Coupon)) billing.Coupon {
	t.Helper()

	c := buildCoupon(s, at)
	for _, m := range mutate {
		m(&c)
	}
	require.NoError(t, tx.Coupons.CreateCoupon(t.Context(), c))
	return c
}

func buildPromotionCode(s billing.Scope, couponID string, at time.Time) billing.PromotionCode {
	id := billing.NewID(billing.PrefixPromotionCode, at)
	return billing.PromotionCode{
		ID:             id,
		Scope:          s,
		CouponID:       couponID,
		Code:           "PROMO" + strings.ToUpper(id[len(id)-8:]),
		Active:         true,
		MaxRedemptions: 10,
		ExpiresAt:      ptr(at.Add(7*24*time.Hour + 5*time.Microsecond)),
		TimesRedeemed:  2,
		Metadata:       billing.Metadata{"channel": "instagram"},
		Created:        at,
		Updated:        at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newPromotionCode(t *testing.T, tx billing.Tx, s billing.Scope, couponID string, at time.Time, mutate ...func(*billing.PromotionCode)) billing.PromotionCode {
	t.Helper()

	p := buildPromotionCode(s, couponID, at)
	for _, m := range mutate {
		m(&p)
	}
	require.NoError(t, tx.Coupons.CreatePromotionCode(t.Context(), p))
	return p
}

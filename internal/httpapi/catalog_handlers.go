package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// catalogHandlers serves the catalog: products, prices, coupons and
// promotion codes.
type catalogHandlers struct {
	app UseCases
}

// --- products

type productBody struct {
	Name        *string          `json:"name,omitempty" maxLength:"250"`
	Description *string          `json:"description,omitempty"`
	Features    map[string]int64 `json:"features,omitempty" doc:"Entitlements, e.g. {\"properties\": 5}."`
	// FeatureLabels replaces all labels when given; {} removes them.
	FeatureLabels billing.FeatureLabels `json:"feature_labels,omitempty" doc:"Display names of the features per locale, e.g. {\"es-CL\": {\"properties\": \"Propiedades\"}, \"en\": {\"properties\": \"Properties\"}}. Shown on the pricing table and checkout instead of the keys; replaces all labels when given ({} removes them)."`
	Active        *bool                 `json:"active,omitempty"`
	Metadata      billing.Metadata      `json:"metadata,omitempty"`
}

func (b productBody) params() app.ProductParams {
	return app.ProductParams{Name: b.Name, Description: b.Description, Features: b.Features, FeatureLabels: b.FeatureLabels, Active: b.Active, Metadata: b.Metadata}
}

func (h *catalogHandlers) createProduct(ctx context.Context, in *struct{ Body productBody }) (*out[apiobj.ProductJSON], error) {
	p, err := h.app.Catalog.CreateProduct(ctx, scopeOf(ctx), in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Product(p)), nil
}

func (h *catalogHandlers) getProduct(ctx context.Context, in *IDPath) (*out[apiobj.ProductJSON], error) {
	p, err := h.app.Catalog.GetProduct(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Product(p)), nil
}

func (h *catalogHandlers) updateProduct(ctx context.Context, in *struct {
	IDPath
	Body productBody
}) (*out[apiobj.ProductJSON], error) {
	p, err := h.app.Catalog.UpdateProduct(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Product(p)), nil
}

func (h *catalogHandlers) listProducts(ctx context.Context, in *struct {
	PageQuery
	Active string `query:"active" enum:"true,false,"`
}) (*out[ListJSON[apiobj.ProductJSON]], error) {
	l, err := h.app.Catalog.ListProducts(ctx, scopeOf(ctx), billing.ProductFilter{Active: activeQuery(in.Active)}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/products", l.Data, l.HasMore, apiobj.Product)), nil
}

// --- prices

type createPriceBody struct {
	Product         string                `json:"product,omitempty"`
	Nickname        string                `json:"nickname,omitempty"`
	UnitAmount      *Amount               `json:"unit_amount,omitempty" doc:"Minor units of currency: CLP 5000 is $5.000, USD 5000 is $50.00."`
	Currency        string                `json:"currency,omitempty" doc:"ISO 4217 code, e.g. CLP or USD."`
	Recurring       *apiobj.RecurringJSON `json:"recurring,omitempty" doc:"Omit for a one-time price."`
	LookupKey       string                `json:"lookup_key,omitempty" maxLength:"200"`
	TrialPeriodDays int64                 `json:"trial_period_days,omitempty"`
	Active          *bool                 `json:"active,omitempty"`
	TaxRates        []string              `json:"tax_rates,omitempty" maxItems:"5" doc:"Tax rates of subscriptions to the price that set no default_tax_rates (docs/taxes.md)."`
	Metadata        billing.Metadata      `json:"metadata,omitempty"`
}

func (h *catalogHandlers) createPrice(ctx context.Context, in *struct{ Body createPriceBody }) (*out[apiobj.PriceJSON], error) {
	b := in.Body
	params := app.CreatePriceParams{Product: b.Product, Nickname: b.Nickname, UnitAmount: amountMinor(b.UnitAmount),
		Currency: b.Currency, LookupKey: b.LookupKey, TrialPeriodDays: b.TrialPeriodDays, Active: b.Active,
		TaxRates: b.TaxRates, Metadata: b.Metadata}
	if b.Recurring != nil {
		params.Recurring = &billing.Recurring{Interval: b.Recurring.Interval, IntervalCount: b.Recurring.IntervalCount}
	}
	p, err := h.app.Catalog.CreatePrice(ctx, scopeOf(ctx), params)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Price(p)), nil
}

func (h *catalogHandlers) getPrice(ctx context.Context, in *IDPath) (*out[apiobj.PriceJSON], error) {
	p, err := h.app.Catalog.GetPrice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Price(p)), nil
}

type updatePriceBody struct {
	Nickname        *string          `json:"nickname,omitempty"`
	LookupKey       *string          `json:"lookup_key,omitempty" maxLength:"200"`
	TrialPeriodDays *int64           `json:"trial_period_days,omitempty"`
	Active          *bool            `json:"active,omitempty"`
	TaxRates        *[]string        `json:"tax_rates,omitempty" maxItems:"5" doc:"Replaces the price's tax rates ([] removes them); subscriptions already made keep theirs."`
	Metadata        billing.Metadata `json:"metadata,omitempty"`
}

func (h *catalogHandlers) updatePrice(ctx context.Context, in *struct {
	IDPath
	Body updatePriceBody
}) (*out[apiobj.PriceJSON], error) {
	b := in.Body
	p, err := h.app.Catalog.UpdatePrice(ctx, scopeOf(ctx), in.ID, app.UpdatePriceParams{Nickname: b.Nickname,
		LookupKey: b.LookupKey, TrialPeriodDays: b.TrialPeriodDays, Active: b.Active, TaxRates: b.TaxRates, Metadata: b.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Price(p)), nil
}

func (h *catalogHandlers) listPrices(ctx context.Context, in *struct {
	PageQuery
	Product   string `query:"product" maxLength:"100"`
	LookupKey string `query:"lookup_key" maxLength:"200"`
	Type      string `query:"type" enum:"one_time,recurring,"`
	Active    string `query:"active" enum:"true,false,"`
}) (*out[ListJSON[apiobj.PriceJSON]], error) {
	f := billing.PriceFilter{ProductID: in.Product, LookupKey: in.LookupKey, Type: in.Type, Active: activeQuery(in.Active)}
	l, err := h.app.Catalog.ListPrices(ctx, scopeOf(ctx), f, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/prices", l.Data, l.HasMore, apiobj.Price)), nil
}

// --- coupons

type createCouponBody struct {
	Name             string           `json:"name,omitempty"`
	PercentOff       *float64         `json:"percent_off,omitempty" doc:"Greater than 0, at most 100, at most two decimals."`
	AmountOff        *Amount          `json:"amount_off,omitempty" doc:"Minor units of currency."`
	Currency         string           `json:"currency,omitempty"`
	Duration         string           `json:"duration,omitempty" enum:"once,repeating,forever"`
	DurationInMonths int64            `json:"duration_in_months,omitempty"`
	MaxRedemptions   int64            `json:"max_redemptions,omitempty"`
	RedeemBy         int64            `json:"redeem_by,omitempty" doc:"Unix time after which the coupon cannot be redeemed."`
	Metadata         billing.Metadata `json:"metadata,omitempty"`
}

func (h *catalogHandlers) createCoupon(ctx context.Context, in *struct{ Body createCouponBody }) (*out[apiobj.CouponJSON], error) {
	b := in.Body
	c, err := h.app.Catalog.CreateCoupon(ctx, scopeOf(ctx), app.CreateCouponParams{Name: b.Name, PercentOff: b.PercentOff,
		AmountOff: amountMinor(b.AmountOff), Currency: b.Currency, Duration: b.Duration, DurationInMonths: b.DurationInMonths,
		MaxRedemptions: b.MaxRedemptions, RedeemBy: unixTime(b.RedeemBy), Metadata: b.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Coupon(c, h.app.Catalog.Now())), nil
}

func (h *catalogHandlers) getCoupon(ctx context.Context, in *IDPath) (*out[apiobj.CouponJSON], error) {
	c, err := h.app.Catalog.GetCoupon(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Coupon(c, h.app.Catalog.Now())), nil
}

type updateCouponBody struct {
	Name     *string          `json:"name,omitempty"`
	Metadata billing.Metadata `json:"metadata,omitempty"`
}

func (h *catalogHandlers) updateCoupon(ctx context.Context, in *struct {
	IDPath
	Body updateCouponBody
}) (*out[apiobj.CouponJSON], error) {
	c, err := h.app.Catalog.UpdateCoupon(ctx, scopeOf(ctx), in.ID, app.UpdateCouponParams{Name: in.Body.Name, Metadata: in.Body.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Coupon(c, h.app.Catalog.Now())), nil
}

func (h *catalogHandlers) listCoupons(ctx context.Context, in *struct{ PageQuery }) (*out[ListJSON[apiobj.CouponJSON]], error) {
	l, err := h.app.Catalog.ListCoupons(ctx, scopeOf(ctx), in.page())
	if err != nil {
		return nil, err
	}
	now := h.app.Catalog.Now()
	return reply(listJSON("/v1/coupons", l.Data, l.HasMore, func(c billing.Coupon) apiobj.CouponJSON { return apiobj.Coupon(c, now) })), nil
}

// --- promotion codes

type createPromotionCodeBody struct {
	Coupon         string           `json:"coupon,omitempty"`
	Code           string           `json:"code,omitempty" doc:"What customers type; compared case-insensitively."`
	Active         *bool            `json:"active,omitempty"`
	MaxRedemptions int64            `json:"max_redemptions,omitempty"`
	ExpiresAt      int64            `json:"expires_at,omitempty" doc:"Unix time."`
	Metadata       billing.Metadata `json:"metadata,omitempty"`
}

func (h *catalogHandlers) createPromotionCode(ctx context.Context, in *struct{ Body createPromotionCodeBody }) (*out[apiobj.PromotionCodeJSON], error) {
	b := in.Body
	p, err := h.app.Catalog.CreatePromotionCode(ctx, scopeOf(ctx), app.CreatePromotionCodeParams{Coupon: b.Coupon, Code: b.Code,
		Active: b.Active, MaxRedemptions: b.MaxRedemptions, ExpiresAt: unixTime(b.ExpiresAt), Metadata: b.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PromotionCode(p)), nil
}

func (h *catalogHandlers) getPromotionCode(ctx context.Context, in *IDPath) (*out[apiobj.PromotionCodeJSON], error) {
	p, err := h.app.Catalog.GetPromotionCode(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PromotionCode(p)), nil
}

type updatePromotionCodeBody struct {
	Active   *bool            `json:"active,omitempty"`
	Metadata billing.Metadata `json:"metadata,omitempty"`
}

func (h *catalogHandlers) updatePromotionCode(ctx context.Context, in *struct {
	IDPath
	Body updatePromotionCodeBody
}) (*out[apiobj.PromotionCodeJSON], error) {
	p, err := h.app.Catalog.UpdatePromotionCode(ctx, scopeOf(ctx), in.ID, app.UpdatePromotionCodeParams{Active: in.Body.Active, Metadata: in.Body.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PromotionCode(p)), nil
}

func (h *catalogHandlers) listPromotionCodes(ctx context.Context, in *struct {
	PageQuery
	Coupon string `query:"coupon" maxLength:"100"`
	Code   string `query:"code" maxLength:"50"`
	Active string `query:"active" enum:"true,false,"`
}) (*out[ListJSON[apiobj.PromotionCodeJSON]], error) {
	f := billing.PromotionCodeFilter{CouponID: in.Coupon, Code: in.Code, Active: activeQuery(in.Active)}
	l, err := h.app.Catalog.ListPromotionCodes(ctx, scopeOf(ctx), f, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/promotion_codes", l.Data, l.HasMore, apiobj.PromotionCode)), nil
}

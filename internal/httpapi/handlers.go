package httpapi

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Request inputs. Body fields are optional in the schema and checked by the
// use cases, which report stable codes; unknown fields are rejected.

// IDPath is the {id} path parameter. It and PageQuery are embedded in
// inputs, so they must be exported: huma skips unexported embedded structs.
type IDPath struct {
	ID string `path:"id" maxLength:"100"`
}

// PageQuery is a list's page parameters.
type PageQuery struct {
	Limit         int    `query:"limit" minimum:"1" maximum:"100" doc:"Page size, 1 to 100 (default 10)."`
	StartingAfter string `query:"starting_after" maxLength:"100" doc:"Id of the last object of the previous page."`
}

func (q PageQuery) page() billing.Page {
	return billing.Page{Limit: q.Limit, StartingAfter: q.StartingAfter}
}

// activeQuery parses an optional boolean filter.
func activeQuery(s string) *bool {
	switch s {
	case "true":
		return ptr(true)
	case "false":
		return ptr(false)
	}
	return nil
}

type out[T any] struct{ Body T }

func reply[T any](v T) *out[T] { return &out[T]{Body: v} }

// --- products

type productBody struct {
	Name        *string          `json:"name,omitempty" maxLength:"250"`
	Description *string          `json:"description,omitempty"`
	Features    map[string]int64 `json:"features,omitempty" doc:"Entitlements, e.g. {\"properties\": 5}."`
	Active      *bool            `json:"active,omitempty"`
	Metadata    billing.Metadata `json:"metadata,omitempty"`
}

func (b productBody) params() app.ProductParams {
	return app.ProductParams{Name: b.Name, Description: b.Description, Features: b.Features, Active: b.Active, Metadata: b.Metadata}
}

func (s *Server) createProduct(ctx context.Context, in *struct{ Body productBody }) (*out[apiobj.ProductJSON], error) {
	p, err := s.app.Catalog.CreateProduct(ctx, scopeOf(ctx), in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Product(p)), nil
}

func (s *Server) getProduct(ctx context.Context, in *IDPath) (*out[apiobj.ProductJSON], error) {
	p, err := s.app.Catalog.GetProduct(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Product(p)), nil
}

func (s *Server) updateProduct(ctx context.Context, in *struct {
	IDPath
	Body productBody
}) (*out[apiobj.ProductJSON], error) {
	p, err := s.app.Catalog.UpdateProduct(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Product(p)), nil
}

func (s *Server) listProducts(ctx context.Context, in *struct {
	PageQuery
	Active string `query:"active" enum:"true,false,"`
}) (*out[ListJSON[apiobj.ProductJSON]], error) {
	l, err := s.app.Catalog.ListProducts(ctx, scopeOf(ctx), billing.ProductFilter{Active: activeQuery(in.Active)}, in.page())
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
	Metadata        billing.Metadata      `json:"metadata,omitempty"`
}

func (s *Server) createPrice(ctx context.Context, in *struct{ Body createPriceBody }) (*out[apiobj.PriceJSON], error) {
	b := in.Body
	params := app.CreatePriceParams{Product: b.Product, Nickname: b.Nickname, UnitAmount: amountMinor(b.UnitAmount),
		Currency: b.Currency, LookupKey: b.LookupKey, TrialPeriodDays: b.TrialPeriodDays, Active: b.Active, Metadata: b.Metadata}
	if b.Recurring != nil {
		params.Recurring = &billing.Recurring{Interval: b.Recurring.Interval, IntervalCount: b.Recurring.IntervalCount}
	}
	p, err := s.app.Catalog.CreatePrice(ctx, scopeOf(ctx), params)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Price(p)), nil
}

func (s *Server) getPrice(ctx context.Context, in *IDPath) (*out[apiobj.PriceJSON], error) {
	p, err := s.app.Catalog.GetPrice(ctx, scopeOf(ctx), in.ID)
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
	Metadata        billing.Metadata `json:"metadata,omitempty"`
}

func (s *Server) updatePrice(ctx context.Context, in *struct {
	IDPath
	Body updatePriceBody
}) (*out[apiobj.PriceJSON], error) {
	b := in.Body
	p, err := s.app.Catalog.UpdatePrice(ctx, scopeOf(ctx), in.ID, app.UpdatePriceParams{Nickname: b.Nickname,
		LookupKey: b.LookupKey, TrialPeriodDays: b.TrialPeriodDays, Active: b.Active, Metadata: b.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Price(p)), nil
}

func (s *Server) listPrices(ctx context.Context, in *struct {
	PageQuery
	Product   string `query:"product" maxLength:"100"`
	LookupKey string `query:"lookup_key" maxLength:"200"`
	Type      string `query:"type" enum:"one_time,recurring,"`
	Active    string `query:"active" enum:"true,false,"`
}) (*out[ListJSON[apiobj.PriceJSON]], error) {
	f := billing.PriceFilter{ProductID: in.Product, LookupKey: in.LookupKey, Type: in.Type, Active: activeQuery(in.Active)}
	l, err := s.app.Catalog.ListPrices(ctx, scopeOf(ctx), f, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/prices", l.Data, l.HasMore, apiobj.Price)), nil
}

// --- customers

type customerBody struct {
	Email      *string          `json:"email,omitempty"`
	Name       *string          `json:"name,omitempty"`
	ExternalID *string          `json:"external_id,omitempty" doc:"Your own id for this customer, unique per mode."`
	Locale     *string          `json:"locale,omitempty" doc:"es-CL or en, for pages and emails."`
	TestClock  *string          `json:"test_clock,omitempty" doc:"Test mode: the test clock this customer lives on (at creation only)."`
	Metadata   billing.Metadata `json:"metadata,omitempty"`
}

func (b customerBody) params() app.CustomerParams {
	return app.CustomerParams{Email: b.Email, Name: b.Name, ExternalID: b.ExternalID, Locale: b.Locale, TestClock: b.TestClock, Metadata: b.Metadata}
}

func (s *Server) createCustomer(ctx context.Context, in *struct{ Body customerBody }) (*out[apiobj.CustomerJSON], error) {
	c, err := s.app.Customers.CreateCustomer(ctx, scopeOf(ctx), in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Customer(c)), nil
}

func (s *Server) getCustomer(ctx context.Context, in *IDPath) (*out[apiobj.CustomerJSON], error) {
	c, err := s.app.Customers.GetCustomer(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Customer(c)), nil
}

func (s *Server) updateCustomer(ctx context.Context, in *struct {
	IDPath
	Body customerBody
}) (*out[apiobj.CustomerJSON], error) {
	c, err := s.app.Customers.UpdateCustomer(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Customer(c)), nil
}

// DeletedCustomerJSON answers the deletion of a customer, as Stripe does.
type DeletedCustomerJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object" enum:"customer"`
	Deleted bool   `json:"deleted"`
}

func (s *Server) deleteCustomer(ctx context.Context, in *IDPath) (*out[DeletedCustomerJSON], error) {
	c, err := s.app.Customers.DeleteCustomer(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(DeletedCustomerJSON{ID: c.ID, Object: "customer", Deleted: true}), nil
}

func (s *Server) listCustomers(ctx context.Context, in *struct {
	PageQuery
	Email      string `query:"email" maxLength:"512"`
	ExternalID string `query:"external_id" maxLength:"200"`
}) (*out[ListJSON[apiobj.CustomerJSON]], error) {
	l, err := s.app.Customers.ListCustomers(ctx, scopeOf(ctx), billing.CustomerFilter{Email: in.Email, ExternalID: in.ExternalID}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/customers", l.Data, l.HasMore, apiobj.Customer)), nil
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

func unixTime(u int64) *time.Time {
	if u == 0 {
		return nil
	}
	t := time.Unix(u, 0).UTC()
	return &t
}

func (s *Server) createCoupon(ctx context.Context, in *struct{ Body createCouponBody }) (*out[apiobj.CouponJSON], error) {
	b := in.Body
	c, err := s.app.Catalog.CreateCoupon(ctx, scopeOf(ctx), app.CreateCouponParams{Name: b.Name, PercentOff: b.PercentOff,
		AmountOff: amountMinor(b.AmountOff), Currency: b.Currency, Duration: b.Duration, DurationInMonths: b.DurationInMonths,
		MaxRedemptions: b.MaxRedemptions, RedeemBy: unixTime(b.RedeemBy), Metadata: b.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Coupon(c, s.app.Now())), nil
}

func (s *Server) getCoupon(ctx context.Context, in *IDPath) (*out[apiobj.CouponJSON], error) {
	c, err := s.app.Catalog.GetCoupon(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Coupon(c, s.app.Now())), nil
}

type updateCouponBody struct {
	Name     *string          `json:"name,omitempty"`
	Metadata billing.Metadata `json:"metadata,omitempty"`
}

func (s *Server) updateCoupon(ctx context.Context, in *struct {
	IDPath
	Body updateCouponBody
}) (*out[apiobj.CouponJSON], error) {
	c, err := s.app.Catalog.UpdateCoupon(ctx, scopeOf(ctx), in.ID, app.UpdateCouponParams{Name: in.Body.Name, Metadata: in.Body.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Coupon(c, s.app.Now())), nil
}

func (s *Server) listCoupons(ctx context.Context, in *struct{ PageQuery }) (*out[ListJSON[apiobj.CouponJSON]], error) {
	l, err := s.app.Catalog.ListCoupons(ctx, scopeOf(ctx), in.page())
	if err != nil {
		return nil, err
	}
	now := s.app.Now()
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

func (s *Server) createPromotionCode(ctx context.Context, in *struct{ Body createPromotionCodeBody }) (*out[apiobj.PromotionCodeJSON], error) {
	b := in.Body
	p, err := s.app.Catalog.CreatePromotionCode(ctx, scopeOf(ctx), app.CreatePromotionCodeParams{Coupon: b.Coupon, Code: b.Code,
		Active: b.Active, MaxRedemptions: b.MaxRedemptions, ExpiresAt: unixTime(b.ExpiresAt), Metadata: b.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PromotionCode(p)), nil
}

func (s *Server) getPromotionCode(ctx context.Context, in *IDPath) (*out[apiobj.PromotionCodeJSON], error) {
	p, err := s.app.Catalog.GetPromotionCode(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PromotionCode(p)), nil
}

type updatePromotionCodeBody struct {
	Active   *bool            `json:"active,omitempty"`
	Metadata billing.Metadata `json:"metadata,omitempty"`
}

func (s *Server) updatePromotionCode(ctx context.Context, in *struct {
	IDPath
	Body updatePromotionCodeBody
}) (*out[apiobj.PromotionCodeJSON], error) {
	p, err := s.app.Catalog.UpdatePromotionCode(ctx, scopeOf(ctx), in.ID, app.UpdatePromotionCodeParams{Active: in.Body.Active, Metadata: in.Body.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PromotionCode(p)), nil
}

func (s *Server) listPromotionCodes(ctx context.Context, in *struct {
	PageQuery
	Coupon string `query:"coupon" maxLength:"100"`
	Code   string `query:"code" maxLength:"50"`
	Active string `query:"active" enum:"true,false,"`
}) (*out[ListJSON[apiobj.PromotionCodeJSON]], error) {
	f := billing.PromotionCodeFilter{CouponID: in.Coupon, Code: in.Code, Active: activeQuery(in.Active)}
	l, err := s.app.Catalog.ListPromotionCodes(ctx, scopeOf(ctx), f, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/promotion_codes", l.Data, l.HasMore, apiobj.PromotionCode)), nil
}

// --- audit log

func (s *Server) listAuditLog(ctx context.Context, in *struct {
	Limit    int   `query:"limit" minimum:"1" maximum:"100"`
	AfterSeq int64 `query:"after_seq" minimum:"0" doc:"Return entries after this sequence number (the seq of the last entry of the previous page)."`
}) (*out[ListJSON[apiobj.AuditEntryJSON]], error) {
	l, err := s.app.Merchants.ListAuditEntries(ctx, scopeOf(ctx), in.AfterSeq, in.Limit)
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/audit_log", l.Data, l.HasMore, apiobj.AuditEntry)), nil
}

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb"
)

// tx is the billing.Tx of one InTx call. Every statement runs on sqlTx.
type tx struct {
	q        *litedb.Queries
	sqlTx    *sql.Tx
	inserter *river.Client[*sql.Tx]
}

var _ billing.Tx = (*tx)(nil)

// notFoundIfNone turns an update that matched no row into ErrNotFound.
func notFoundIfNone(n int64, err error, format string, args ...any) error {
	if err != nil {
		return dbError(err, format, args...)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), billing.ErrNotFound)
	}
	return nil
}

// Merchants and API keys.

// CreateMerchant inserts m and its empty audit chain head. Zero settings
// are stored as "{}", which reads back as the default settings.
func (t *tx) CreateMerchant(ctx context.Context, m billing.Merchant) error {
	settings := "{}"
	if !reflect.DeepEqual(m.Settings, billing.MerchantSettings{}) {
		var err error
		if settings, err = billing.MerchantSettingsJSON(m.Settings); err != nil {
			return fmt.Errorf("create merchant %s: %w", m.ID, err)
		}
	}
	err := t.q.CreateMerchant(ctx, litedb.CreateMerchantParams{
		ID:            m.ID,
		Name:          m.Name,
		Timezone:      m.Timezone,
		Locale:        m.Locale,
		InvoicePrefix: m.InvoicePrefix,
		Settings:      settings,
		LinkKey:       m.LinkKey,
		Created:       micros(m.Created),
	})
	if err != nil {
		return dbError(err, "create merchant %s", m.ID)
	}
	if err := t.q.CreateAuditHead(ctx, m.ID); err != nil {
		return dbError(err, "create audit head of merchant %s", m.ID)
	}
	return nil
}

// GetMerchant returns the merchant with id.
func (t *tx) GetMerchant(ctx context.Context, id string) (billing.Merchant, error) {
	row, err := t.q.GetMerchant(ctx, id)
	if err != nil {
		return billing.Merchant{}, dbError(err, "get merchant %s", id)
	}
	return merchantFromRow(row)
}

// ListMerchants returns every merchant, by id.
func (t *tx) ListMerchants(ctx context.Context) ([]billing.Merchant, error) {
	rows, err := t.q.ListMerchants(ctx)
	if err != nil {
		return nil, dbError(err, "list merchants")
	}
	return convertRows(rows, merchantFromRow)
}

// UpdateMerchantSettings replaces the merchant's settings.
func (t *tx) UpdateMerchantSettings(ctx context.Context, merchantID string, s billing.MerchantSettings) error {
	settings, err := billing.MerchantSettingsJSON(s)
	if err != nil {
		return fmt.Errorf("update settings of merchant %s: %w", merchantID, err)
	}
	n, err := t.q.UpdateMerchantSettings(ctx, litedb.UpdateMerchantSettingsParams{Settings: settings, ID: merchantID})
	return notFoundIfNone(n, err, "update settings of merchant %s", merchantID)
}

// UpdateMerchant writes a merchant's name, time zone, locale, invoice
// prefix and settings.
func (t *tx) UpdateMerchant(ctx context.Context, m billing.Merchant) error {
	settings, err := billing.MerchantSettingsJSON(m.Settings)
	if err != nil {
		return fmt.Errorf("update merchant %s: %w", m.ID, err)
	}
	n, err := t.q.UpdateMerchant(ctx, litedb.UpdateMerchantParams{Name: m.Name, Timezone: m.Timezone, Locale: m.Locale,
		InvoicePrefix: m.InvoicePrefix, Settings: settings, ID: m.ID})
	return notFoundIfNone(n, err, "update merchant %s", m.ID)
}

func merchantFromRow(row litedb.Merchant) (billing.Merchant, error) {
	settings, err := billing.ParseMerchantSettings(row.Settings)
	if err != nil {
		return billing.Merchant{}, fmt.Errorf("merchant %s: %w", row.ID, err)
	}
	return billing.Merchant{
		ID:            row.ID,
		Name:          row.Name,
		Timezone:      row.Timezone,
		Locale:        row.Locale,
		InvoicePrefix: row.InvoicePrefix,
		Settings:      settings,
		LinkKey:       row.LinkKey,
		Created:       fromMicros(row.Created),
	}, nil
}

// CreateAPIKey inserts k, neither used nor revoked.
func (t *tx) CreateAPIKey(ctx context.Context, k billing.APIKey) error {
	// The insert query has no last_used or revoked: a new key is neither
	// used nor revoked, which is what the column defaults (NULL) say.
	err := t.q.CreateAPIKey(ctx, litedb.CreateAPIKeyParams{
		ID:         k.ID,
		MerchantID: k.MerchantID,
		Mode:       string(k.Mode),
		Hash:       k.Hash,
		Redacted:   k.Redacted,
		Created:    micros(k.Created),
	})
	if err != nil {
		return dbError(err, "create api key %s", k.ID)
	}
	return nil
}

// GetAPIKey returns the API key with id, of any merchant.
func (t *tx) GetAPIKey(ctx context.Context, id string) (billing.APIKey, error) {
	row, err := t.q.GetAPIKey(ctx, id)
	if err != nil {
		return billing.APIKey{}, dbError(err, "get api key %s", id)
	}
	return apiKeyFromRow(row), nil
}

// GetAPIKeyByHash returns the API key whose secret hashes to hash.
func (t *tx) GetAPIKeyByHash(ctx context.Context, hash string) (billing.APIKey, error) {
	row, err := t.q.GetAPIKeyByHash(ctx, hash)
	if err != nil {
		return billing.APIKey{}, dbError(err, "get api key by hash")
	}
	return apiKeyFromRow(row), nil
}

// ListAPIKeys returns a merchant's keys, oldest first.
func (t *tx) ListAPIKeys(ctx context.Context, merchantID string) ([]billing.APIKey, error) {
	rows, err := t.q.ListAPIKeys(ctx, merchantID)
	if err != nil {
		return nil, dbError(err, "list api keys of %s", merchantID)
	}
	out := make([]billing.APIKey, 0, len(rows))
	for _, row := range rows {
		out = append(out, apiKeyFromRow(row))
	}
	return out, nil
}

func apiKeyFromRow(row litedb.ApiKey) billing.APIKey {
	return billing.APIKey{
		ID:         row.ID,
		MerchantID: row.MerchantID,
		Mode:       billing.Mode(row.Mode),
		Hash:       row.Hash,
		Redacted:   row.Redacted,
		Created:    fromMicros(row.Created),
		LastUsed:   fromNullMicros(row.LastUsed),
		Revoked:    fromNullMicros(row.Revoked),
	}
}

// TouchAPIKey sets the key's last use to at.
func (t *tx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	n, err := t.q.TouchAPIKey(ctx, litedb.TouchAPIKeyParams{LastUsed: nullMicros(&at), ID: id})
	return notFoundIfNone(n, err, "touch api key %s", id)
}

// RevokeAPIKey sets the key's revocation time to at unless already set.
func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	n, err := t.q.RevokeAPIKey(ctx, litedb.RevokeAPIKeyParams{Revoked: nullMicros(&at), ID: id})
	return notFoundIfNone(n, err, "revoke api key %s", id)
}

// Products.

// CreateProduct inserts p.
func (t *tx) CreateProduct(ctx context.Context, p billing.Product) error {
	features, metadata, err := productJSON(p)
	if err != nil {
		return fmt.Errorf("create product %s: %w", p.ID, err)
	}
	err = t.q.CreateProduct(ctx, litedb.CreateProductParams{
		ID:          p.ID,
		MerchantID:  p.Scope.MerchantID,
		Mode:        string(p.Scope.Mode),
		Name:        p.Name,
		Description: p.Description,
		Features:    features,
		Active:      p.Active,
		Metadata:    metadata,
		Created:     micros(p.Created),
		Updated:     micros(p.Updated),
	})
	if err != nil {
		return dbError(err, "create product %s", p.ID)
	}
	return nil
}

// GetProduct returns the product with id in scope s.
func (t *tx) GetProduct(ctx context.Context, s billing.Scope, id string) (billing.Product, error) {
	row, err := t.q.GetProduct(ctx, litedb.GetProductParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Product{}, dbError(err, "get product %s", id)
	}
	return productFromRow(row)
}

// UpdateProduct writes p's mutable fields.
func (t *tx) UpdateProduct(ctx context.Context, p billing.Product) error {
	features, metadata, err := productJSON(p)
	if err != nil {
		return fmt.Errorf("update product %s: %w", p.ID, err)
	}
	n, err := t.q.UpdateProduct(ctx, litedb.UpdateProductParams{
		Name:        p.Name,
		Description: p.Description,
		Features:    features,
		Active:      p.Active,
		Metadata:    metadata,
		Updated:     micros(p.Updated),
		MerchantID:  p.Scope.MerchantID,
		Mode:        string(p.Scope.Mode),
		ID:          p.ID,
	})
	return notFoundIfNone(n, err, "update product %s", p.ID)
}

// ListProducts returns a page of s's products, newest first.
func (t *tx) ListProducts(ctx context.Context, s billing.Scope, f billing.ProductFilter, page billing.Page) ([]billing.Product, bool, error) {
	rows, err := t.q.ListProducts(ctx, litedb.ListProductsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		FilterActive:  f.Active != nil,
		Active:        f.Active != nil && *f.Active,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list products")
	}
	rows, more := trimPage(rows, page.Limit)
	out := make([]billing.Product, 0, len(rows))
	for _, row := range rows {
		p, err := productFromRow(row)
		if err != nil {
			return nil, false, err
		}
		out = append(out, p)
	}
	return out, more, nil
}

func productJSON(p billing.Product) (features, metadata string, err error) {
	if features, err = encodeMap(p.Features); err != nil {
		return "", "", fmt.Errorf("encode features: %w", err)
	}
	if metadata, err = encodeMap(p.Metadata); err != nil {
		return "", "", fmt.Errorf("encode metadata: %w", err)
	}
	return features, metadata, nil
}

func productFromRow(row litedb.Product) (billing.Product, error) {
	features, err := decodeMap[int64](row.Features)
	if err != nil {
		return billing.Product{}, fmt.Errorf("decode features of product %s: %w", row.ID, err)
	}
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Product{}, fmt.Errorf("decode metadata of product %s: %w", row.ID, err)
	}
	return billing.Product{
		ID:          row.ID,
		Scope:       billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Name:        row.Name,
		Description: row.Description,
		Features:    features,
		Active:      row.Active,
		Metadata:    metadata,
		Created:     fromMicros(row.Created),
		Updated:     fromMicros(row.Updated),
	}, nil
}

// Prices.

// CreatePrice inserts p.
func (t *tx) CreatePrice(ctx context.Context, p billing.Price) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("create price %s: encode metadata: %w", p.ID, err)
	}
	var interval string
	var count int64
	if p.Recurring != nil {
		interval, count = p.Recurring.Interval, p.Recurring.IntervalCount
	}
	err = t.q.CreatePrice(ctx, litedb.CreatePriceParams{
		ID:                     p.ID,
		MerchantID:             p.Scope.MerchantID,
		Mode:                   string(p.Scope.Mode),
		ProductID:              p.ProductID,
		Nickname:               p.Nickname,
		UnitAmount:             p.UnitAmount,
		Currency:               p.Currency,
		Type:                   p.Type,
		RecurringInterval:      interval,
		RecurringIntervalCount: count,
		LookupKey:              p.LookupKey,
		TrialPeriodDays:        p.TrialPeriodDays,
		Active:                 p.Active,
		Metadata:               metadata,
		Created:                micros(p.Created),
		Updated:                micros(p.Updated),
	})
	if err != nil {
		return dbError(err, "create price %s", p.ID)
	}
	return nil
}

// GetPrice returns the price with id in scope s.
func (t *tx) GetPrice(ctx context.Context, s billing.Scope, id string) (billing.Price, error) {
	row, err := t.q.GetPrice(ctx, litedb.GetPriceParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Price{}, dbError(err, "get price %s", id)
	}
	return priceFromRow(row)
}

// UpdatePrice writes p's mutable fields.
func (t *tx) UpdatePrice(ctx context.Context, p billing.Price) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("update price %s: encode metadata: %w", p.ID, err)
	}
	n, err := t.q.UpdatePrice(ctx, litedb.UpdatePriceParams{
		Nickname:        p.Nickname,
		LookupKey:       p.LookupKey,
		TrialPeriodDays: p.TrialPeriodDays,
		Active:          p.Active,
		Metadata:        metadata,
		Updated:         micros(p.Updated),
		MerchantID:      p.Scope.MerchantID,
		Mode:            string(p.Scope.Mode),
		ID:              p.ID,
	})
	return notFoundIfNone(n, err, "update price %s", p.ID)
}

// ListPrices returns a page of s's prices, newest first.
func (t *tx) ListPrices(ctx context.Context, s billing.Scope, f billing.PriceFilter, page billing.Page) ([]billing.Price, bool, error) {
	rows, err := t.q.ListPrices(ctx, litedb.ListPricesParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		ProductID:     f.ProductID,
		LookupKey:     f.LookupKey,
		Type:          f.Type,
		FilterActive:  f.Active != nil,
		Active:        f.Active != nil && *f.Active,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list prices")
	}
	rows, more := trimPage(rows, page.Limit)
	out := make([]billing.Price, 0, len(rows))
	for _, row := range rows {
		p, err := priceFromRow(row)
		if err != nil {
			return nil, false, err
		}
		out = append(out, p)
	}
	return out, more, nil
}

func priceFromRow(row litedb.Price) (billing.Price, error) {
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Price{}, fmt.Errorf("decode metadata of price %s: %w", row.ID, err)
	}
	var recurring *billing.Recurring
	if row.RecurringInterval != "" {
		recurring = &billing.Recurring{Interval: row.RecurringInterval, IntervalCount: row.RecurringIntervalCount}
	}
	return billing.Price{
		ID:              row.ID,
		Scope:           billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		ProductID:       row.ProductID,
		Nickname:        row.Nickname,
		UnitAmount:      row.UnitAmount,
		Currency:        row.Currency,
		Type:            row.Type,
		Recurring:       recurring,
		LookupKey:       row.LookupKey,
		TrialPeriodDays: row.TrialPeriodDays,
		Active:          row.Active,
		Metadata:        metadata,
		Created:         fromMicros(row.Created),
		Updated:         fromMicros(row.Updated),
	}, nil
}

// Customers.

// CreateCustomer inserts c.
func (t *tx) CreateCustomer(ctx context.Context, c billing.Customer) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("create customer %s: encode metadata: %w", c.ID, err)
	}
	err = t.q.CreateCustomer(ctx, litedb.CreateCustomerParams{
		ID:          c.ID,
		MerchantID:  c.Scope.MerchantID,
		Mode:        string(c.Scope.Mode),
		Email:       c.Email,
		Name:        c.Name,
		ExternalID:  c.ExternalID,
		Locale:      c.Locale,
		TestClockID: c.TestClockID,
		Metadata:    metadata,
		Created:     micros(c.Created),
		Updated:     micros(c.Updated),
	})
	if err != nil {
		return dbError(err, "create customer %s", c.ID)
	}
	return nil
}

// GetCustomer returns the customer with id in scope s.
func (t *tx) GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error) {
	row, err := t.q.GetCustomer(ctx, litedb.GetCustomerParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Customer{}, dbError(err, "get customer %s", id)
	}
	return customerFromRow(row)
}

// UpdateCustomer writes c's mutable fields (not its test clock, which is
// fixed at creation).
func (t *tx) UpdateCustomer(ctx context.Context, c billing.Customer) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("update customer %s: encode metadata: %w", c.ID, err)
	}
	n, err := t.q.UpdateCustomer(ctx, litedb.UpdateCustomerParams{
		Email:      c.Email,
		Name:       c.Name,
		ExternalID: c.ExternalID,
		Locale:     c.Locale,
		Metadata:   metadata,
		Updated:    micros(c.Updated),
		MerchantID: c.Scope.MerchantID,
		Mode:       string(c.Scope.Mode),
		ID:         c.ID,
	})
	return notFoundIfNone(n, err, "update customer %s", c.ID)
}

// DeleteCustomer marks the customer deleted at `at`; ErrNotFound when it
// does not exist or is already deleted.
func (t *tx) DeleteCustomer(ctx context.Context, s billing.Scope, id string, at time.Time) error {
	n, err := t.q.DeleteCustomer(ctx, litedb.DeleteCustomerParams{
		Deleted:    nullMicros(&at),
		Updated:    micros(at),
		MerchantID: s.MerchantID,
		Mode:       string(s.Mode),
		ID:         id,
	})
	return notFoundIfNone(n, err, "delete customer %s", id)
}

// ListCustomers returns a page of s's customers that are not deleted,
// newest first.
func (t *tx) ListCustomers(ctx context.Context, s billing.Scope, f billing.CustomerFilter, page billing.Page) ([]billing.Customer, bool, error) {
	rows, err := t.q.ListCustomers(ctx, litedb.ListCustomersParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Email:         f.Email,
		ExternalID:    f.ExternalID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list customers")
	}
	rows, more := trimPage(rows, page.Limit)
	out := make([]billing.Customer, 0, len(rows))
	for _, row := range rows {
		c, err := customerFromRow(row)
		if err != nil {
			return nil, false, err
		}
		out = append(out, c)
	}
	return out, more, nil
}

func customerFromRow(row litedb.Customer) (billing.Customer, error) {
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Customer{}, fmt.Errorf("decode metadata of customer %s: %w", row.ID, err)
	}
	return billing.Customer{
		ID:          row.ID,
		Scope:       billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Email:       row.Email,
		Name:        row.Name,
		ExternalID:  row.ExternalID,
		Locale:      row.Locale,
		TestClockID: row.TestClockID,
		Metadata:    metadata,
		Created:     fromMicros(row.Created),
		Updated:     fromMicros(row.Updated),
		Deleted:     fromNullMicros(row.Deleted),
	}, nil
}

// Coupons and promotion codes.

// CreateCoupon inserts c.
func (t *tx) CreateCoupon(ctx context.Context, c billing.Coupon) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("create coupon %s: encode metadata: %w", c.ID, err)
	}
	err = t.q.CreateCoupon(ctx, litedb.CreateCouponParams{
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
func (t *tx) GetCoupon(ctx context.Context, s billing.Scope, id string) (billing.Coupon, error) {
	row, err := t.q.GetCoupon(ctx, litedb.GetCouponParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Coupon{}, dbError(err, "get coupon %s", id)
	}
	return couponFromRow(row)
}

// UpdateCoupon writes c's mutable fields.
func (t *tx) UpdateCoupon(ctx context.Context, c billing.Coupon) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("update coupon %s: encode metadata: %w", c.ID, err)
	}
	n, err := t.q.UpdateCoupon(ctx, litedb.UpdateCouponParams{
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
func (t *tx) ListCoupons(ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Coupon, bool, error) {
	rows, err := t.q.ListCoupons(ctx, litedb.ListCouponsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list coupons")
	}
	rows, more := trimPage(rows, page.Limit)
	out := make([]billing.Coupon, 0, len(rows))
	for _, row := range rows {
		c, err := couponFromRow(row)
		if err != nil {
			return nil, false, err
		}
		out = append(out, c)
	}
	return out, more, nil
}

func couponFromRow(row litedb.Coupon) (billing.Coupon, error) {
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
func (t *tx) CreatePromotionCode(ctx context.Context, p billing.PromotionCode) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("create promotion code %s: encode metadata: %w", p.ID, err)
	}
	err = t.q.CreatePromotionCode(ctx, litedb.CreatePromotionCodeParams{
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
func (t *tx) GetPromotionCode(ctx context.Context, s billing.Scope, id string) (billing.PromotionCode, error) {
	row, err := t.q.GetPromotionCode(ctx, litedb.GetPromotionCodeParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PromotionCode{}, dbError(err, "get promotion code %s", id)
	}
	return promotionCodeFromRow(row)
}

// UpdatePromotionCode writes p's mutable fields.
func (t *tx) UpdatePromotionCode(ctx context.Context, p billing.PromotionCode) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("update promotion code %s: encode metadata: %w", p.ID, err)
	}
	n, err := t.q.UpdatePromotionCode(ctx, litedb.UpdatePromotionCodeParams{
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
func (t *tx) ListPromotionCodes(ctx context.Context, s billing.Scope, f billing.PromotionCodeFilter, page billing.Page) ([]billing.PromotionCode, bool, error) {
	rows, err := t.q.ListPromotionCodes(ctx, litedb.ListPromotionCodesParams{
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
	out := make([]billing.PromotionCode, 0, len(rows))
	for _, row := range rows {
		p, err := promotionCodeFromRow(row)
		if err != nil {
			return nil, false, err
		}
		out = append(out, p)
	}
	return out, more, nil
}

func promotionCodeFromRow(row litedb.PromotionCode) (billing.PromotionCode, error) {
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

// Audit chain.

// LockAuditHead returns the head of the merchant's audit chain.
func (t *tx) LockAuditHead(ctx context.Context, merchantID string) (int64, string, error) {
	// With one connection and BEGIN IMMEDIATE the transaction already holds
	// SQLite's write lock; the no-op update also checks the head exists.
	head, err := t.q.LockAuditHead(ctx, merchantID)
	if err != nil {
		return 0, "", dbError(err, "lock audit head of merchant %s", merchantID)
	}
	return head.Seq, head.Hash, nil
}

// InsertAuditEntry appends e to its merchant's chain and moves the head to it.
func (t *tx) InsertAuditEntry(ctx context.Context, e billing.AuditEntry) error {
	err := t.q.InsertAuditEntry(ctx, litedb.InsertAuditEntryParams{
		ID:         e.ID,
		MerchantID: e.MerchantID,
		Seq:        e.Seq,
		Mode:       string(e.Mode),
		Actor:      e.Actor,
		Action:     e.Action,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		Before:     encodeRaw(e.Before),
		After:      encodeRaw(e.After),
		RequestID:  e.RequestID,
		ClientIp:   e.ClientIP,
		Created:    micros(e.Created),
		PrevHash:   e.PrevHash,
		Hash:       e.Hash,
	})
	if err != nil {
		return dbError(err, "insert audit entry %s", e.ID)
	}
	n, err := t.q.MoveAuditHead(ctx, litedb.MoveAuditHeadParams{Seq: e.Seq, Hash: e.Hash, MerchantID: e.MerchantID})
	if err != nil {
		return dbError(err, "move audit head of merchant %s", e.MerchantID)
	}
	if n == 0 {
		return fmt.Errorf("insert audit entry %s: the audit chain head of merchant %s moved: seq %d does not follow it",
			e.ID, e.MerchantID, e.Seq)
	}
	return nil
}

// ListAuditEntries returns the merchant's entries after afterSeq, in order.
func (t *tx) ListAuditEntries(ctx context.Context, merchantID string, mode billing.Mode, afterSeq int64, limit int) ([]billing.AuditEntry, error) {
	rowLimit := int64(limit)
	if limit <= 0 {
		rowLimit = -1 // no limit
	}
	rows, err := t.q.ListAuditEntries(ctx, litedb.ListAuditEntriesParams{
		MerchantID: merchantID,
		AfterSeq:   afterSeq,
		Mode:       string(mode),
		RowLimit:   rowLimit,
	})
	if err != nil {
		return nil, dbError(err, "list audit entries of merchant %s", merchantID)
	}
	out := make([]billing.AuditEntry, 0, len(rows))
	for _, row := range rows {
		out = append(out, billing.AuditEntry{
			ID:         row.ID,
			MerchantID: row.MerchantID,
			Seq:        row.Seq,
			Mode:       billing.Mode(row.Mode),
			Actor:      row.Actor,
			Action:     row.Action,
			ObjectType: row.ObjectType,
			ObjectID:   row.ObjectID,
			Before:     json.RawMessage(row.Before),
			After:      json.RawMessage(row.After),
			RequestID:  row.RequestID,
			ClientIP:   row.ClientIp,
			Created:    fromMicros(row.Created),
			PrevHash:   row.PrevHash,
			Hash:       row.Hash,
		})
	}
	return out, nil
}

// Idempotency keys.

// ReserveIdempotencyKey inserts r, or returns the scope's existing record for the key.
func (t *tx) ReserveIdempotencyKey(ctx context.Context, r billing.IdempotencyRecord) (billing.IdempotencyRecord, bool, error) {
	n, err := t.q.ReserveIdempotencyKey(ctx, litedb.ReserveIdempotencyKeyParams{
		MerchantID:   r.Scope.MerchantID,
		Mode:         string(r.Scope.Mode),
		Key:          r.Key,
		RequestHash:  r.RequestHash,
		ResponseBody: []byte{}, // NOT NULL; the response is stored on completion
		Created:      micros(r.Created),
	})
	if err != nil {
		return billing.IdempotencyRecord{}, false, dbError(err, "reserve idempotency key %q", r.Key)
	}
	if n == 1 {
		// What a read would now return.
		return billing.IdempotencyRecord{
			Scope:       r.Scope,
			Key:         r.Key,
			RequestHash: r.RequestHash,
			Created:     fromMicros(micros(r.Created)),
		}, true, nil
	}
	row, err := t.q.GetIdempotencyKey(ctx, litedb.GetIdempotencyKeyParams{
		MerchantID: r.Scope.MerchantID,
		Mode:       string(r.Scope.Mode),
		Key:        r.Key,
	})
	if err != nil {
		return billing.IdempotencyRecord{}, false, dbError(err, "get idempotency key %q", r.Key)
	}
	var body []byte
	if len(row.ResponseBody) > 0 {
		body = row.ResponseBody
	}
	return billing.IdempotencyRecord{
		Scope:          billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Key:            row.Key,
		RequestHash:    row.RequestHash,
		Completed:      row.Completed,
		ResponseStatus: int(row.ResponseStatus),
		ResponseBody:   body,
		Created:        fromMicros(row.Created),
	}, false, nil
}

// CompleteIdempotencyKey stores the response of a reserved key.
func (t *tx) CompleteIdempotencyKey(ctx context.Context, s billing.Scope, key string, status int, body []byte) error {
	if body == nil {
		body = []byte{} // NOT NULL
	}
	n, err := t.q.CompleteIdempotencyKey(ctx, litedb.CompleteIdempotencyKeyParams{
		ResponseStatus: int64(status),
		ResponseBody:   body,
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		Key:            key,
	})
	return notFoundIfNone(n, err, "complete idempotency key %q", key)
}

// DeleteIdempotencyKey forgets a key; forgetting a missing key is not an error.
func (t *tx) DeleteIdempotencyKey(ctx context.Context, s billing.Scope, key string) error {
	err := t.q.DeleteIdempotencyKey(ctx, litedb.DeleteIdempotencyKeyParams{
		MerchantID: s.MerchantID,
		Mode:       string(s.Mode),
		Key:        key,
	})
	if err != nil {
		return dbError(err, "delete idempotency key %q", key)
	}
	return nil
}

// DeleteIdempotencyKeysBefore forgets every key created before the given time.
func (t *tx) DeleteIdempotencyKeysBefore(ctx context.Context, before time.Time) (int64, error) {
	n, err := t.q.DeleteIdempotencyKeysBefore(ctx, micros(before))
	if err != nil {
		return 0, dbError(err, "delete idempotency keys before %s", before.UTC().Format(time.RFC3339Nano))
	}
	return n, nil
}

// Jobs.

// Enqueue inserts job with River in this transaction, so it runs only if the transaction commits.
func (t *tx) Enqueue(ctx context.Context, job billing.Job) error {
	if _, err := t.inserter.InsertTx(ctx, t.sqlTx, job, nil); err != nil {
		return fmt.Errorf("enqueue %s job: %w", job.Kind(), err)
	}
	return nil
}

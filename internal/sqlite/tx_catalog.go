package sqlite

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
)

// catalogTx is the billing.CatalogTx of one transaction.
type catalogTx struct{ *base }

var _ billing.CatalogTx = catalogTx{}

// Products.

// CreateProduct inserts p.
func (t catalogTx) CreateProduct(ctx context.Context, p billing.Product) error {
	features, labels, metadata, err := productJSON(p)
	if err != nil {
		return fmt.Errorf("create product %s: %w", p.ID, err)
	}
	err = t.accounts.CreateProduct(ctx, accountsdb.CreateProductParams{
		ID:            p.ID,
		MerchantID:    p.Scope.MerchantID,
		Mode:          string(p.Scope.Mode),
		Name:          p.Name,
		Description:   p.Description,
		Features:      features,
		FeatureLabels: labels,
		Active:        p.Active,
		Metadata:      metadata,
		Created:       micros(p.Created),
		Updated:       micros(p.Updated),
	})
	if err != nil {
		return dbError(err, "create product %s", p.ID)
	}
	return nil
}

// GetProduct returns the product with id in scope s.
func (t catalogTx) GetProduct(ctx context.Context, s billing.Scope, id string) (billing.Product, error) {
	row, err := t.accounts.GetProduct(ctx, accountsdb.GetProductParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Product{}, dbError(err, "get product %s", id)
	}
	return productFromRow(row)
}

// UpdateProduct writes p's mutable fields.
func (t catalogTx) UpdateProduct(ctx context.Context, p billing.Product) error {
	features, labels, metadata, err := productJSON(p)
	if err != nil {
		return fmt.Errorf("update product %s: %w", p.ID, err)
	}
	n, err := t.accounts.UpdateProduct(ctx, accountsdb.UpdateProductParams{
		Name:          p.Name,
		Description:   p.Description,
		Features:      features,
		FeatureLabels: labels,
		Active:        p.Active,
		Metadata:      metadata,
		Updated:       micros(p.Updated),
		MerchantID:    p.Scope.MerchantID,
		Mode:          string(p.Scope.Mode),
		ID:            p.ID,
	})
	return notFoundIfNone(n, err, "update product %s", p.ID)
}

// ListProducts returns a page of s's products, newest first.
func (t catalogTx) ListProducts(ctx context.Context, s billing.Scope, f billing.ProductFilter, page billing.Page) ([]billing.Product, bool, error) {
	rows, err := t.accounts.ListProducts(ctx, accountsdb.ListProductsParams{
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
	out, err := convertRows(rows, productFromRow)
	return out, more, err
}

func productJSON(p billing.Product) (features, labels, metadata string, err error) {
	if features, err = encodeMap(p.Features); err != nil {
		return "", "", "", fmt.Errorf("encode features: %w", err)
	}
	if labels, err = encodeMap(p.FeatureLabels); err != nil {
		return "", "", "", fmt.Errorf("encode feature labels: %w", err)
	}
	if metadata, err = encodeMap(p.Metadata); err != nil {
		return "", "", "", fmt.Errorf("encode metadata: %w", err)
	}
	return features, labels, metadata, nil
}

func productFromRow(row accountsdb.Product) (billing.Product, error) {
	features, err := decodeMap[int64](row.Features)
	if err != nil {
		return billing.Product{}, fmt.Errorf("decode features of product %s: %w", row.ID, err)
	}
	labels, err := decodeMap[map[string]string](row.FeatureLabels)
	if err != nil {
		return billing.Product{}, fmt.Errorf("decode feature labels of product %s: %w", row.ID, err)
	}
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Product{}, fmt.Errorf("decode metadata of product %s: %w", row.ID, err)
	}
	return billing.Product{
		ID:            row.ID,
		Scope:         billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Name:          row.Name,
		Description:   row.Description,
		Features:      features,
		FeatureLabels: labels,
		Active:        row.Active,
		Metadata:      metadata,
		Created:       fromMicros(row.Created),
		Updated:       fromMicros(row.Updated),
	}, nil
}

// Prices.

// CreatePrice inserts p.
func (t catalogTx) CreatePrice(ctx context.Context, p billing.Price) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("create price %s: encode metadata: %w", p.ID, err)
	}
	taxRates, err := encodeList(p.TaxRates)
	if err != nil {
		return fmt.Errorf("create price %s: encode tax rates: %w", p.ID, err)
	}
	var interval string
	var count int64
	if p.Recurring != nil {
		interval, count = p.Recurring.Interval, p.Recurring.IntervalCount
	}
	err = t.accounts.CreatePrice(ctx, accountsdb.CreatePriceParams{
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
		TaxRates:               taxRates,
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
func (t catalogTx) GetPrice(ctx context.Context, s billing.Scope, id string) (billing.Price, error) {
	row, err := t.accounts.GetPrice(ctx, accountsdb.GetPriceParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Price{}, dbError(err, "get price %s", id)
	}
	return priceFromRow(row)
}

// UpdatePrice writes p's mutable fields.
func (t catalogTx) UpdatePrice(ctx context.Context, p billing.Price) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("update price %s: encode metadata: %w", p.ID, err)
	}
	taxRates, err := encodeList(p.TaxRates)
	if err != nil {
		return fmt.Errorf("update price %s: encode tax rates: %w", p.ID, err)
	}
	n, err := t.accounts.UpdatePrice(ctx, accountsdb.UpdatePriceParams{
		Nickname:        p.Nickname,
		LookupKey:       p.LookupKey,
		TrialPeriodDays: p.TrialPeriodDays,
		Active:          p.Active,
		TaxRates:        taxRates,
		Metadata:        metadata,
		Updated:         micros(p.Updated),
		MerchantID:      p.Scope.MerchantID,
		Mode:            string(p.Scope.Mode),
		ID:              p.ID,
	})
	return notFoundIfNone(n, err, "update price %s", p.ID)
}

// ListPrices returns a page of s's prices, newest first.
func (t catalogTx) ListPrices(ctx context.Context, s billing.Scope, f billing.PriceFilter, page billing.Page) ([]billing.Price, bool, error) {
	rows, err := t.accounts.ListPrices(ctx, accountsdb.ListPricesParams{
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
	out, err := convertRows(rows, priceFromRow)
	return out, more, err
}

func priceFromRow(row accountsdb.Price) (billing.Price, error) {
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Price{}, fmt.Errorf("decode metadata of price %s: %w", row.ID, err)
	}
	taxRates, err := decodeOptList[string](row.TaxRates)
	if err != nil {
		return billing.Price{}, fmt.Errorf("decode tax rates of price %s: %w", row.ID, err)
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
		TaxRates:        taxRates,
		Metadata:        metadata,
		Created:         fromMicros(row.Created),
		Updated:         fromMicros(row.Updated),
	}, nil
}

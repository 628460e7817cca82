package postgres

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
)

// catalogTx is the billing.CatalogTx of one transaction.
type catalogTx struct{ *base }

var _ billing.CatalogTx = catalogTx{}

// CreateProduct inserts p.
func (t catalogTx) CreateProduct(ctx context.Context, p billing.Product) error {
	features, labels, metadata, err := productJSON(p)
	if err != nil {
		return fmt.Errorf("postgres: create product %s: %w", p.ID, err)
	}
	return t.writeAccounts(ctx, "create product "+p.ID, func(q *accountsdb.Queries) error {
		return q.CreateProduct(ctx, accountsdb.CreateProductParams{
			ID:            p.ID,
			MerchantID:    p.Scope.MerchantID,
			Mode:          string(p.Scope.Mode),
			Name:          p.Name,
			Description:   p.Description,
			Features:      features,
			FeatureLabels: labels,
			Active:        p.Active,
			Metadata:      metadata,
			Created:       ts(p.Created),
			Updated:       ts(p.Updated),
		})
	})
}

// GetProduct returns the product with id in scope s.
func (t catalogTx) GetProduct(ctx context.Context, s billing.Scope, id string) (billing.Product, error) {
	row, err := t.accounts.GetProduct(ctx, accountsdb.GetProductParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Product{}, dbError("get product "+id, err)
	}
	p, err := productFromRow(row)
	if err != nil {
		return billing.Product{}, fmt.Errorf("postgres: get product %s: %w", id, err)
	}
	return p, nil
}

// UpdateProduct writes p's name, description, features, active flag,
// metadata and updated time.
func (t catalogTx) UpdateProduct(ctx context.Context, p billing.Product) error {
	features, labels, metadata, err := productJSON(p)
	if err != nil {
		return fmt.Errorf("postgres: update product %s: %w", p.ID, err)
	}
	return t.writeAccounts(ctx, "update product "+p.ID, func(q *accountsdb.Queries) error {
		return updated(q.UpdateProduct(ctx, accountsdb.UpdateProductParams{
			Name:          p.Name,
			Description:   p.Description,
			Features:      features,
			FeatureLabels: labels,
			Active:        p.Active,
			Metadata:      metadata,
			Updated:       ts(p.Updated),
			MerchantID:    p.Scope.MerchantID,
			Mode:          string(p.Scope.Mode),
			ID:            p.ID,
		}))
	})
}

// ListProducts returns a page of scope s's products, newest first.
func (t catalogTx) ListProducts(ctx context.Context, s billing.Scope, f billing.ProductFilter, pg billing.Page) ([]billing.Product, bool, error) {
	rows, err := t.accounts.ListProducts(ctx, accountsdb.ListProductsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		FilterActive:  f.Active != nil,
		Active:        f.Active != nil && *f.Active,
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("list products", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, productFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list products: %w", err)
	}
	return out, more, nil
}

func productJSON(p billing.Product) (features, labels, metadata string, err error) {
	if features, err = encodeMap(p.Features); err != nil {
		return "", "", "", fmt.Errorf("features: %w", err)
	}
	if labels, err = encodeMap(p.FeatureLabels); err != nil {
		return "", "", "", fmt.Errorf("feature labels: %w", err)
	}
	if metadata, err = encodeMap(p.Metadata); err != nil {
		return "", "", "", fmt.Errorf("metadata: %w", err)
	}
	return features, labels, metadata, nil
}

func productFromRow(r accountsdb.Product) (billing.Product, error) {
	features, err := decodeMap[map[string]int64](r.Features)
	if err != nil {
		return billing.Product{}, fmt.Errorf("product %s features: %w", r.ID, err)
	}
	labels, err := decodeMap[billing.FeatureLabels](r.FeatureLabels)
	if err != nil {
		return billing.Product{}, fmt.Errorf("product %s feature labels: %w", r.ID, err)
	}
	metadata, err := decodeMap[billing.Metadata](r.Metadata)
	if err != nil {
		return billing.Product{}, fmt.Errorf("product %s metadata: %w", r.ID, err)
	}
	return billing.Product{
		ID:            r.ID,
		Scope:         billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Name:          r.Name,
		Description:   r.Description,
		Features:      features,
		FeatureLabels: labels,
		Active:        r.Active,
		Metadata:      metadata,
		Created:       r.Created.UTC(),
		Updated:       r.Updated.UTC(),
	}, nil
}

// CreatePrice inserts p. A nil Recurring is stored as an empty interval
// and a zero count.
func (t catalogTx) CreatePrice(ctx context.Context, p billing.Price) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: create price %s: metadata: %w", p.ID, err)
	}
	taxRates, err := encodeList(p.TaxRates)
	if err != nil {
		return fmt.Errorf("postgres: create price %s: tax rates: %w", p.ID, err)
	}
	var interval string
	var count int64
	if p.Recurring != nil {
		interval, count = p.Recurring.Interval, p.Recurring.IntervalCount
	}
	return t.writeAccounts(ctx, "create price "+p.ID, func(q *accountsdb.Queries) error {
		return q.CreatePrice(ctx, accountsdb.CreatePriceParams{
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
			Created:                ts(p.Created),
			Updated:                ts(p.Updated),
		})
	})
}

// GetPrice returns the price with id in scope s.
func (t catalogTx) GetPrice(ctx context.Context, s billing.Scope, id string) (billing.Price, error) {
	row, err := t.accounts.GetPrice(ctx, accountsdb.GetPriceParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Price{}, dbError("get price "+id, err)
	}
	p, err := priceFromRow(row)
	if err != nil {
		return billing.Price{}, fmt.Errorf("postgres: get price %s: %w", id, err)
	}
	return p, nil
}

// UpdatePrice writes p's nickname, lookup key, trial period days, active
// flag, metadata and updated time.
func (t catalogTx) UpdatePrice(ctx context.Context, p billing.Price) error {
	metadata, err := encodeMap(p.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: update price %s: metadata: %w", p.ID, err)
	}
	taxRates, err := encodeList(p.TaxRates)
	if err != nil {
		return fmt.Errorf("postgres: update price %s: tax rates: %w", p.ID, err)
	}
	return t.writeAccounts(ctx, "update price "+p.ID, func(q *accountsdb.Queries) error {
		return updated(q.UpdatePrice(ctx, accountsdb.UpdatePriceParams{
			Nickname:        p.Nickname,
			LookupKey:       p.LookupKey,
			TrialPeriodDays: p.TrialPeriodDays,
			Active:          p.Active,
			TaxRates:        taxRates,
			Metadata:        metadata,
			Updated:         ts(p.Updated),
			MerchantID:      p.Scope.MerchantID,
			Mode:            string(p.Scope.Mode),
			ID:              p.ID,
		}))
	})
}

// ListPrices returns a page of scope s's prices, newest first.
func (t catalogTx) ListPrices(ctx context.Context, s billing.Scope, f billing.PriceFilter, pg billing.Page) ([]billing.Price, bool, error) {
	rows, err := t.accounts.ListPrices(ctx, accountsdb.ListPricesParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		ProductID:     f.ProductID,
		LookupKey:     f.LookupKey,
		Type:          f.Type,
		FilterActive:  f.Active != nil,
		Active:        f.Active != nil && *f.Active,
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("list prices", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, priceFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list prices: %w", err)
	}
	return out, more, nil
}

func priceFromRow(r accountsdb.Price) (billing.Price, error) {
	metadata, err := decodeMap[billing.Metadata](r.Metadata)
	if err != nil {
		return billing.Price{}, fmt.Errorf("price %s metadata: %w", r.ID, err)
	}
	taxRates, err := decodeList[string](r.TaxRates)
	if err != nil {
		return billing.Price{}, fmt.Errorf("price %s tax rates: %w", r.ID, err)
	}
	var recurring *billing.Recurring
	if r.RecurringInterval != "" {
		recurring = &billing.Recurring{Interval: r.RecurringInterval, IntervalCount: r.RecurringIntervalCount}
	}
	return billing.Price{
		ID:              r.ID,
		Scope:           billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		ProductID:       r.ProductID,
		Nickname:        r.Nickname,
		UnitAmount:      r.UnitAmount,
		Currency:        r.Currency,
		Type:            r.Type,
		Recurring:       recurring,
		LookupKey:       r.LookupKey,
		TrialPeriodDays: r.TrialPeriodDays,
		Active:          r.Active,
		TaxRates:        taxRates,
		Metadata:        metadata,
		Created:         r.Created.UTC(),
		Updated:         r.Updated.UTC(),
	}, nil
}

package sqlite

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
)

// taxRateTx is the billing.TaxRateTx of one transaction.
type taxRateTx struct{ *base }

var _ billing.TaxRateTx = taxRateTx{}

// CreateTaxRate inserts r.
func (t taxRateTx) CreateTaxRate(ctx context.Context, r billing.TaxRate) error {
	metadata, err := encodeMap(r.Metadata)
	if err != nil {
		return fmt.Errorf("create tax rate %s: encode metadata: %w", r.ID, err)
	}
	err = t.accounts.CreateTaxRate(ctx, accountsdb.CreateTaxRateParams{
		ID: r.ID, MerchantID: r.Scope.MerchantID, Mode: string(r.Scope.Mode), DisplayName: r.DisplayName,
		Description: r.Description, Country: r.Country, Percentage: int64(r.Percentage), Inclusive: r.Inclusive,
		Active: r.Active, Metadata: metadata, Created: micros(r.Created), Updated: micros(r.Updated),
	})
	if err != nil {
		return dbError(err, "create tax rate %s", r.ID)
	}
	return nil
}

// GetTaxRate returns the tax rate with id in scope s.
func (t taxRateTx) GetTaxRate(ctx context.Context, s billing.Scope, id string) (billing.TaxRate, error) {
	row, err := t.accounts.GetTaxRate(ctx, accountsdb.GetTaxRateParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.TaxRate{}, dbError(err, "get tax rate %s", id)
	}
	return taxRateFromRow(row)
}

// UpdateTaxRate writes r's mutable fields.
func (t taxRateTx) UpdateTaxRate(ctx context.Context, r billing.TaxRate) error {
	metadata, err := encodeMap(r.Metadata)
	if err != nil {
		return fmt.Errorf("update tax rate %s: encode metadata: %w", r.ID, err)
	}
	n, err := t.accounts.UpdateTaxRate(ctx, accountsdb.UpdateTaxRateParams{
		DisplayName: r.DisplayName, Description: r.Description, Country: r.Country, Active: r.Active,
		Metadata: metadata, Updated: micros(r.Updated), MerchantID: r.Scope.MerchantID, Mode: string(r.Scope.Mode), ID: r.ID,
	})
	return notFoundIfNone(n, err, "update tax rate %s", r.ID)
}

// ListTaxRates returns a page of s's tax rates, newest first.
func (t taxRateTx) ListTaxRates(ctx context.Context, s billing.Scope, active *bool, page billing.Page) ([]billing.TaxRate, bool, error) {
	rows, err := t.accounts.ListTaxRates(ctx, accountsdb.ListTaxRatesParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), FilterActive: active != nil, Active: active != nil && *active,
		StartingAfter: page.StartingAfter, RowLimit: rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list tax rates")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, taxRateFromRow)
	return out, more, err
}

func taxRateFromRow(row accountsdb.TaxRate) (billing.TaxRate, error) {
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.TaxRate{}, fmt.Errorf("decode metadata of tax rate %s: %w", row.ID, err)
	}
	return billing.TaxRate{
		ID: row.ID, Scope: billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)}, DisplayName: row.DisplayName,
		Description: row.Description, Country: row.Country, Percentage: billing.Percentage(row.Percentage), Inclusive: row.Inclusive,
		Active: row.Active, Metadata: metadata, Created: fromMicros(row.Created), Updated: fromMicros(row.Updated),
	}, nil
}

package postgres

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
)

// taxRateTx is the billing.TaxRateTx of one transaction.
type taxRateTx struct{ *base }

var _ billing.TaxRateTx = taxRateTx{}

// CreateTaxRate inserts r.
func (t taxRateTx) CreateTaxRate(ctx context.Context, r billing.TaxRate) error {
	metadata, err := encodeMap(r.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: create tax rate %s: metadata: %w", r.ID, err)
	}
	return t.writeAccounts(ctx, "create tax rate "+r.ID, func(q *accountsdb.Queries) error {
		return q.CreateTaxRate(ctx, accountsdb.CreateTaxRateParams{
			ID: r.ID, MerchantID: r.Scope.MerchantID, Mode: string(r.Scope.Mode), DisplayName: r.DisplayName,
			Description: r.Description, Country: r.Country, Percentage: int64(r.Percentage), Inclusive: r.Inclusive,
			Active: r.Active, Metadata: metadata, Created: ts(r.Created), Updated: ts(r.Updated),
		})
	})
}

// GetTaxRate returns the tax rate with id in scope s.
func (t taxRateTx) GetTaxRate(ctx context.Context, s billing.Scope, id string) (billing.TaxRate, error) {
	row, err := t.accounts.GetTaxRate(ctx, accountsdb.GetTaxRateParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.TaxRate{}, dbError("get tax rate "+id, err)
	}
	r, err := taxRateFromRow(row)
	if err != nil {
		return billing.TaxRate{}, fmt.Errorf("postgres: get tax rate %s: %w", id, err)
	}
	return r, nil
}

// UpdateTaxRate writes r's mutable fields.
func (t taxRateTx) UpdateTaxRate(ctx context.Context, r billing.TaxRate) error {
	metadata, err := encodeMap(r.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: update tax rate %s: metadata: %w", r.ID, err)
	}
	return t.writeAccounts(ctx, "update tax rate "+r.ID, func(q *accountsdb.Queries) error {
		return updated(q.UpdateTaxRate(ctx, accountsdb.UpdateTaxRateParams{
			DisplayName: r.DisplayName, Description: r.Description, Country: r.Country, Active: r.Active,
			Metadata: metadata, Updated: ts(r.Updated), MerchantID: r.Scope.MerchantID, Mode: string(r.Scope.Mode), ID: r.ID,
		}))
	})
}

// ListTaxRates returns a page of scope s's tax rates, newest first.
func (t taxRateTx) ListTaxRates(ctx context.Context, s billing.Scope, active *bool, pg billing.Page) ([]billing.TaxRate, bool, error) {
	rows, err := t.accounts.ListTaxRates(ctx, accountsdb.ListTaxRatesParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), FilterActive: active != nil, Active: active != nil && *active,
		StartingAfter: pg.StartingAfter, RowLimit: rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("list tax rates", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, taxRateFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list tax rates: %w", err)
	}
	return out, more, nil
}

func taxRateFromRow(r accountsdb.TaxRate) (billing.TaxRate, error) {
	metadata, err := decodeMap[billing.Metadata](r.Metadata)
	if err != nil {
		return billing.TaxRate{}, fmt.Errorf("tax rate %s metadata: %w", r.ID, err)
	}
	return billing.TaxRate{
		ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, DisplayName: r.DisplayName,
		Description: r.Description, Country: r.Country, Percentage: billing.Percentage(r.Percentage), Inclusive: r.Inclusive,
		Active: r.Active, Metadata: metadata, Created: r.Created.UTC(), Updated: r.Updated.UTC(),
	}, nil
}

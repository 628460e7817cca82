package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func taxRateKind() kind[billing.TaxRate] {
	return kind[billing.TaxRate]{
		table: "tax_rates",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.TaxRate {
			return buildTaxRate(s, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.TaxRate, error) {
			return tx.TaxRates.GetTaxRate(ctx, s, id)
		},
		id: func(v billing.TaxRate) string { return v.ID },
		insert: func(tx billing.Tx, ctx context.Context, r billing.TaxRate) error {
			return tx.TaxRates.CreateTaxRate(ctx, r)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.TaxRate, bool, error) {
			return tx.TaxRates.ListTaxRates(ctx, s, nil, page)
		},
		setID:    func(v *billing.TaxRate, id string) { v.ID = id },
		setScope: func(v *billing.TaxRate, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.TaxRate) {
			v.DisplayName = "IVA (Chile)"
			v.Active = false
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, r billing.TaxRate) error {
			return tx.TaxRates.UpdateTaxRate(ctx, r)
		},
	}
}

func buildTaxRate(s billing.Scope, at time.Time) billing.TaxRate {
	return billing.TaxRate{
		ID: billing.NewID(billing.PrefixTaxRate, at), Scope: s, DisplayName: "IVA", Description: "Impuesto al valor agregado",
		Country: "CL", Percentage: 190001, Inclusive: true, Active: true, Metadata: billing.Metadata{"sii": "iva"},
		Created: at, Updated: at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func exerciseTaxRate(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("PercentageAndInclusiveNeverChange", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		r := buildTaxRate(b.scope, b.clock.next())
		require.NoError(t, tx.TaxRates.CreateTaxRate(ctx, r))
		tx.commit(t)

		u := r
		u.Description, u.Country, u.Updated = "", "", b.clock.next()
		want := u
		u.Percentage, u.Inclusive = 100000, false // immutable: the store ignores them
		tx = begin(t, b.store)
		require.NoError(t, tx.TaxRates.UpdateTaxRate(ctx, u))
		got, err := tx.TaxRates.GetTaxRate(ctx, b.scope, r.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		tx.commit(t)
	})

	t.Run("ListFiltersActive", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		on := buildTaxRate(b.scope, b.clock.next())
		off := buildTaxRate(b.scope, b.clock.next())
		off.Active = false
		require.NoError(t, tx.TaxRates.CreateTaxRate(ctx, on))
		require.NoError(t, tx.TaxRates.CreateTaxRate(ctx, off))
		active, _, err := tx.TaxRates.ListTaxRates(ctx, b.scope, ptr(true), billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.TaxRate{on}, active)
		inactive, _, err := tx.TaxRates.ListTaxRates(ctx, b.scope, ptr(false), billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.TaxRate{off}, inactive)
		tx.commit(t)
	})

	t.Run("TaxExemptCustomers", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		exempt := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		plain := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.TaxExempt = "" })
		got, err := tx.Batch.TaxExemptCustomers(ctx, []string{exempt.ID, plain.ID, "cus_missing"})
		require.NoError(t, err)
		require.Equal(t, map[string]bool{exempt.ID: true}, got)

		plain.TaxExempt, exempt.TaxExempt = billing.TaxExemptExempt, ""
		require.NoError(t, tx.Customers.UpdateCustomer(ctx, plain))
		require.NoError(t, tx.Customers.UpdateCustomer(ctx, exempt))
		got, err = tx.Batch.TaxExemptCustomers(ctx, []string{exempt.ID, plain.ID})
		require.NoError(t, err)
		require.Equal(t, map[string]bool{plain.ID: true}, got)
		back, err := tx.Customers.GetCustomer(ctx, b.scope, exempt.ID)
		require.NoError(t, err)
		require.Equal(t, "", back.TaxExempt, "none reads back as it was written")
		tx.commit(t)
	})
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func productKind() kind[billing.Product] {
	return kind[billing.Product]{
		table: "products",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Product {
			return buildProduct(s, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Product, error) {
			return tx.Catalog.GetProduct(ctx, s, id)
		},
		id: func(v billing.Product) string { return v.ID },
		insert: func(tx billing.Tx, ctx context.Context, p billing.Product) error {
			return tx.Catalog.CreateProduct(ctx, p)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Product, bool, error) {
			return tx.Catalog.ListProducts(ctx, s, billing.ProductFilter{}, page)
		},
		setID:    func(v *billing.Product, id string) { v.ID = id },
		setScope: func(v *billing.Product, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Product) {
			v.Name = "Touched"
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, p billing.Product) error {
			return tx.Catalog.UpdateProduct(ctx, p)
		},
	}
}

func exerciseProduct(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsEmptyValues", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		p := newProduct(t, tx.Tx, b.scope, b.clock.next(), func(p *billing.Product) {
			p.Description = ""
			p.Features = map[string]int64{}
			p.FeatureLabels = billing.FeatureLabels{}
			p.Active = false
			p.Metadata = billing.Metadata{}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Catalog.GetProduct(t.Context(), b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)
		require.NotNil(t, got.Features)
		require.NotNil(t, got.FeatureLabels)
		require.NotNil(t, got.Metadata)
		tx.commit(t)
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p := newProduct(t, tx.Tx, b.scope, b.clock.next())
		sibling := newProduct(t, tx.Tx, b.scope, b.clock.next())
		tx.commit(t)

		u := p
		u.Name = "Plan Pro Plus"
		u.Description = "Hasta 10 propiedades"
		u.Features = map[string]int64{"properties": 10}
		u.FeatureLabels = billing.FeatureLabels{"es-CL": {"properties": "Propiedades en venta"}, "en": {"properties": "Listings"}}
		u.Active = false
		u.Metadata = billing.Metadata{"plan": "pro_plus"}
		u.Updated = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Catalog.UpdateProduct(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Catalog.GetProduct(ctx, b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)

		got, err = tx.Catalog.GetProduct(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one product leaves the others alone")
		tx.commit(t)
	})

	t.Run("ListFilterActive", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p1 := newProduct(t, tx.Tx, b.scope, b.clock.next())
		p2 := newProduct(t, tx.Tx, b.scope, b.clock.next(), func(p *billing.Product) { p.Active = false })
		p3 := newProduct(t, tx.Tx, b.scope, b.clock.next())
		p4 := newProduct(t, tx.Tx, b.scope, b.clock.next(), func(p *billing.Product) { p.Active = false })
		p5 := newProduct(t, tx.Tx, b.scope, b.clock.next())
		newProduct(t, tx.Tx, b.live, b.clock.next())
		newProduct(t, tx.Tx, b.other, b.clock.next(), func(p *billing.Product) { p.Active = false })
		tx.commit(t)

		list := func(tx billing.Tx, f billing.ProductFilter) func(billing.Page) ([]string, bool, error) {
			return func(page billing.Page) ([]string, bool, error) {
				items, more, err := tx.Catalog.ListProducts(ctx, b.scope, f, page)
				return idsOf(items, func(p billing.Product) string { return p.ID }), more, err
			}
		}

		tx = begin(t, b.store)
		requireList(t, []string{p5.ID, p4.ID, p3.ID, p2.ID, p1.ID}, list(tx.Tx, billing.ProductFilter{}))
		requireList(t, []string{p5.ID, p3.ID, p1.ID}, list(tx.Tx, billing.ProductFilter{Active: ptr(true)}))
		requireList(t, []string{p4.ID, p2.ID}, list(tx.Tx, billing.ProductFilter{Active: ptr(false)}))
		tx.commit(t)
	})
}

func priceKind() kind[billing.Price] {
	return kind[billing.Price]{
		table: "prices",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Price {
			t.Helper()
			product := newProduct(t, tx, s, at)
			return buildPrice(s, product.ID, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Price, error) {
			return tx.Catalog.GetPrice(ctx, s, id)
		},
		id:     func(v billing.Price) string { return v.ID },
		insert: func(tx billing.Tx, ctx context.Context, p billing.Price) error { return tx.Catalog.CreatePrice(ctx, p) },
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Price, bool, error) {
			return tx.Catalog.ListPrices(ctx, s, billing.PriceFilter{}, page)
		},
		setID:    func(v *billing.Price, id string) { v.ID = id },
		setScope: func(v *billing.Price, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Price) {
			v.Nickname = "Touched"
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, p billing.Price) error { return tx.Catalog.UpdatePrice(ctx, p) },
	}
}

func exercisePrice(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		product := newProduct(t, tx.Tx, b.scope, b.clock.next())
		oneTime := newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.Nickname = ""
			p.UnitAmount = 0
			p.Currency = "USD"
			p.Type = billing.PriceOneTime
			p.Recurring = nil
			p.LookupKey = "setup_fee"
			p.TrialPeriodDays = 0
			p.Active = false
			p.Metadata = billing.Metadata{}
		})
		yearly := newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.UnitAmount = 9_007_199_254_740_993 // beyond float64's exact integers
			p.Recurring = &billing.Recurring{Interval: billing.IntervalYear, IntervalCount: 2}
			p.LookupKey = "pro_biennial"
		})
		weekly := newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.Recurring = &billing.Recurring{Interval: billing.IntervalWeek, IntervalCount: 1}
		})
		daily := newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.Recurring = &billing.Recurring{Interval: billing.IntervalDay, IntervalCount: 30}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Price{oneTime, yearly, weekly, daily} {
			got, err := tx.Catalog.GetPrice(ctx, b.scope, want.ID)
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
		product := newProduct(t, tx.Tx, b.scope, b.clock.next())
		otherProduct := newProduct(t, tx.Tx, b.scope, b.clock.next())
		p := newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.LookupKey = "basic_monthly"
		})
		sibling := newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next())
		tx.commit(t)

		u := p
		// Mutable.
		u.Nickname = "Mensual (nuevo)"
		u.LookupKey = "basic_monthly_v2"
		u.TrialPeriodDays = 30
		u.Active = false
		u.Metadata = billing.Metadata{"version": "2"}
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.ProductID = otherProduct.ID
		u.UnitAmount = 1
		u.Currency = "USD"
		u.Type = billing.PriceOneTime
		u.Recurring = nil
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Catalog.UpdatePrice(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Catalog.GetPrice(ctx, b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = tx.Catalog.GetPrice(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one price leaves the others alone")
		tx.commit(t)
	})

	t.Run("LookupKeyUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		product := newProduct(t, tx.Tx, b.scope, b.clock.next())
		newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "basic_monthly" })
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildPrice(b.scope, product.ID, b.clock.next())
		dup.LookupKey = "basic_monthly"
		requireUniqueViolation(t, tx.Catalog.CreatePrice(ctx, dup), "prices_lookup_key_key")
		tx.rollback(t)

		tx = begin(t, b.store)
		// The same key in another mode or merchant is fine.
		for _, s := range []billing.Scope{b.live, b.other} {
			other := newProduct(t, tx.Tx, s, b.clock.next())
			newPrice(t, tx.Tx, s, other.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "basic_monthly" })
		}
		// Any number of prices may have no key.
		for range 3 {
			newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "" })
		}
		tx.commit(t)
	})

	t.Run("UpdateLookupKeyConflict", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		product := newProduct(t, tx.Tx, b.scope, b.clock.next())
		newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "basic_monthly" })
		p := newPrice(t, tx.Tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "basic_yearly" })
		tx.commit(t)

		tx = begin(t, b.store)
		p.LookupKey = "basic_monthly"
		requireUniqueViolation(t, tx.Catalog.UpdatePrice(t.Context(), p), "prices_lookup_key_key")
		tx.rollback(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		basic := newProduct(t, tx.Tx, b.scope, b.clock.next())
		pro := newProduct(t, tx.Tx, b.scope, b.clock.next())
		monthly := func(p *billing.Price) {
			p.Type = billing.PriceRecurring
			p.Recurring = &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}
		}
		oneTime := func(p *billing.Price) {
			p.Type = billing.PriceOneTime
			p.Recurring = nil
		}
		inactive := func(p *billing.Price) { p.Active = false }
		key := func(k string) func(*billing.Price) { return func(p *billing.Price) { p.LookupKey = k } }

		p1 := newPrice(t, tx.Tx, b.scope, basic.ID, b.clock.next(), monthly, key("basic_monthly"))
		p2 := newPrice(t, tx.Tx, b.scope, basic.ID, b.clock.next(), oneTime)
		p3 := newPrice(t, tx.Tx, b.scope, basic.ID, b.clock.next(), monthly, inactive, key("basic_old"))
		p4 := newPrice(t, tx.Tx, b.scope, pro.ID, b.clock.next(), monthly, key("pro_monthly"))
		p5 := newPrice(t, tx.Tx, b.scope, pro.ID, b.clock.next(), oneTime, inactive)
		// Same key and product shape elsewhere: never listed.
		liveProduct := newProduct(t, tx.Tx, b.live, b.clock.next())
		newPrice(t, tx.Tx, b.live, liveProduct.ID, b.clock.next(), monthly, key("pro_monthly"))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.PriceFilter) func(billing.Page) ([]string, bool, error) {
			return func(page billing.Page) ([]string, bool, error) {
				items, more, err := tx.Catalog.ListPrices(ctx, b.scope, f, page)
				return idsOf(items, func(p billing.Price) string { return p.ID }), more, err
			}
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.PriceFilter
			want   []billing.Price
		}{
			{"None", billing.PriceFilter{}, []billing.Price{p5, p4, p3, p2, p1}},
			{"ProductID", billing.PriceFilter{ProductID: basic.ID}, []billing.Price{p3, p2, p1}},
			{"ProductIDOther", billing.PriceFilter{ProductID: pro.ID}, []billing.Price{p5, p4}},
			{"ProductIDOfAnotherScope", billing.PriceFilter{ProductID: liveProduct.ID}, nil},
			{"LookupKey", billing.PriceFilter{LookupKey: "pro_monthly"}, []billing.Price{p4}},
			{"LookupKeyUnknown", billing.PriceFilter{LookupKey: "nope"}, nil},
			{"ActiveTrue", billing.PriceFilter{Active: ptr(true)}, []billing.Price{p4, p2, p1}},
			{"ActiveFalse", billing.PriceFilter{Active: ptr(false)}, []billing.Price{p5, p3}},
			{"TypeOneTime", billing.PriceFilter{Type: billing.PriceOneTime}, []billing.Price{p5, p2}},
			{"TypeRecurring", billing.PriceFilter{Type: billing.PriceRecurring}, []billing.Price{p4, p3, p1}},
			{"Combined", billing.PriceFilter{ProductID: basic.ID, Active: ptr(true), Type: billing.PriceRecurring}, []billing.Price{p1}},
			{"CombinedEmpty", billing.PriceFilter{ProductID: pro.ID, LookupKey: "basic_monthly"}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, func(p billing.Price) string { return p.ID }), list(tx.Tx, tc.filter))
		}

		// Filtered items come back whole.
		items, _, err := tx.Catalog.ListPrices(ctx, b.scope, billing.PriceFilter{LookupKey: "pro_monthly"}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Price{p4}, items)
		tx.commit(t)
	})
}

func buildProduct(s billing.Scope, at time.Time) billing.Product {
	return billing.Product{
		ID:          billing.NewID(billing.PrefixProduct, at),
		Scope:       s,
		Name:        "Plan Pro",
		Description: "Hasta 5 propiedades, 1 destacada",
		Features:    map[string]int64{"properties": 5, "featured": 1},
		FeatureLabels: billing.FeatureLabels{
			"es-CL": {"properties": "Propiedades", "featured": "Destacadas"},
			"en":    {"properties": "Properties"},
		},
		Active:   true,
		Metadata: billing.Metadata{"plan": "pro", "tier": "2"},
		Created:  at,
		Updated:  at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newProduct(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.Product)) billing.Product {
	t.Helper()

	p := buildProduct(s, at)
	for _, m := range mutate {
		m(&p)
	}
	require.NoError(t, tx.Catalog.CreateProduct(t.Context(), p))
	return p
}

func buildPrice(s billing.Scope, productID string, at time.Time) billing.Price {
	return billing.Price{
		ID:              billing.NewID(billing.PrefixPrice, at),
		Scope:           s,
		ProductID:       productID,
		Nickname:        "Mensual",
		UnitAmount:      9900,
		Currency:        "CLP",
		Type:            billing.PriceRecurring,
		Recurring:       &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
		TrialPeriodDays: 14,
		Active:          true,
		TaxRates:        []string{"txr_iva"},
		Metadata:        billing.Metadata{"segment": "pyme"},
		Created:         at,
		Updated:         at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newPrice(t *testing.T, tx billing.Tx, s billing.Scope, productID string, at time.Time, mutate ...func(*billing.Price)) billing.Price {
	t.Helper()

	p := buildPrice(s, productID, at)
	for _, m := range mutate {
		m(&p)
	}
	require.NoError(t, tx.Catalog.CreatePrice(t.Context(), p))
	return p
}

package app

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/cuota/cuota/internal/billing"
)

// ProductParams are the fields of a product a merchant can set. On update,
// nil fields are left unchanged.
type ProductParams struct {
	Name        *string
	Description *string
	Features    map[string]int64 // on update, replaces all features when non-nil
	Active      *bool
	Metadata    billing.Metadata // on update, merged (empty value removes a key)
}

func (v *validator) product(p ProductParams, creating bool) {
	if creating || p.Name != nil {
		name := deref(p.Name)
		v.required("name", name)
		v.maxLen("name", name, maxNameLen)
	}
	v.maxLen("description", deref(p.Description), maxTextLen)
	if len(p.Features) > 100 {
		v.fail("features", billing.CodeParameterInvalid, "features can have at most 100 entries")
	}
	for k, n := range p.Features {
		if k == "" || utf8.RuneCountInString(k) > 100 {
			v.fail("features", billing.CodeParameterInvalid, "feature names must be 1 to 100 characters")
		}
		if n < 0 {
			v.fail("features["+k+"]", billing.CodeParameterInvalid, "feature values must not be negative")
		}
	}
	v.metadata(p.Metadata)
}

// CreateProduct creates a product in scope s.
func (a *Catalog) CreateProduct(ctx context.Context, s billing.Scope, p ProductParams) (billing.Product, error) {
	var v validator
	v.product(p, true)
	if err := v.err(); err != nil {
		return billing.Product{}, err
	}
	now := a.Now()
	prod := billing.Product{
		ID:          billing.NewID(billing.PrefixProduct, now),
		Scope:       s,
		Name:        deref(p.Name),
		Description: deref(p.Description),
		Features:    p.Features,
		Active:      p.Active == nil || *p.Active,
		Metadata:    orEmpty(p.Metadata),
		Created:     now,
		Updated:     now,
	}
	if prod.Features == nil {
		prod.Features = map[string]int64{}
	}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Catalog.CreateProduct(ctx, prod); err != nil {
			return conflict(fmt.Errorf("create product: %w", err))
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "product.create", objectType: "product", objectID: prod.ID, after: prod})
	})
	return prod, err
}

// GetProduct returns a product of scope s.
func (a *Catalog) GetProduct(ctx context.Context, s billing.Scope, id string) (billing.Product, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Product, error) {
		v, err := tx.Catalog.GetProduct(ctx, s, id)
		return v, notFound(err, "product", id)
	})
}

// UpdateProduct changes the given fields of a product.
func (a *Catalog) UpdateProduct(ctx context.Context, s billing.Scope, id string, p ProductParams) (billing.Product, error) {
	var v validator
	v.product(p, false)
	if err := v.err(); err != nil {
		return billing.Product{}, err
	}
	var after billing.Product
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Catalog.GetProduct(ctx, s, id)
		if err != nil {
			return notFound(err, "product", id)
		}
		after = before
		setIf(&after.Name, p.Name)
		setIf(&after.Description, p.Description)
		setIf(&after.Active, p.Active)
		if p.Features != nil {
			after.Features = p.Features
		}
		after.Metadata = mergeMetadata(before.Metadata, p.Metadata)
		after.Updated = a.Now()
		if err := tx.Catalog.UpdateProduct(ctx, after); err != nil {
			return fmt.Errorf("update product %s: %w", id, err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "product.update", objectType: "product", objectID: id, before: before, after: after})
	})
	return after, err
}

// ListProducts lists products of scope s, newest first.
func (a *Catalog) ListProducts(ctx context.Context, s billing.Scope, f billing.ProductFilter, page billing.Page) (List[billing.Product], error) {
	return list(ctx, a.core, page, billing.PrefixProduct, func(tx billing.Tx, page billing.Page) ([]billing.Product, bool, error) {
		return tx.Catalog.ListProducts(ctx, s, f, page)
	})
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

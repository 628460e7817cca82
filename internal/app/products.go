package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/cuota/cuota/internal/billing"
)

// ProductParams are the fields of a product a merchant can set. On update,
// nil fields are left unchanged.
type ProductParams struct {
	Name        *string
	Description *string
	Features    map[string]int64 // on update, replaces all features when non-nil
	// FeatureLabels names features for customers per locale; on update it
	// replaces all labels when non-nil (an empty map removes them). Labels
	// of features a product no longer has are dropped.
	FeatureLabels billing.FeatureLabels
	Active        *bool
	Metadata      billing.Metadata // on update, merged (empty value removes a key)
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
	v.featureLabels(p.FeatureLabels)
	v.metadata(p.Metadata)
}

// Limits on feature labels.
const (
	maxLabelLocales = 20
	maxLabelLen     = 100
)

// featureLabels checks the shape of feature labels: known-looking locales
// and short, non-empty labels. That each names one of the product's
// features is checked by labelsMatch, once the features are known.
func (v *validator) featureLabels(l billing.FeatureLabels) {
	if len(l) > maxLabelLocales {
		v.fail("feature_labels", billing.CodeParameterInvalid, "feature_labels can have at most %d locales", maxLabelLocales)
	}
	for _, loc := range slices.Sorted(maps.Keys(l)) {
		param := "feature_labels[" + billing.PrintableParam(loc) + "]"
		if !localeRE.MatchString(loc) {
			v.fail(param, billing.CodeParameterInvalid, "%s: locales are BCP 47 tags such as es-CL or en", param)
		}
		for _, k := range slices.Sorted(maps.Keys(l[loc])) {
			param := param + "[" + billing.PrintableParam(k) + "]"
			label := l[loc][k]
			v.required(param, label)
			v.maxLen(param, label, maxLabelLen)
		}
	}
}

// labelsMatch checks that every label names one of features.
func (v *validator) labelsMatch(l billing.FeatureLabels, features map[string]int64) {
	for _, loc := range slices.Sorted(maps.Keys(l)) {
		for _, k := range slices.Sorted(maps.Keys(l[loc])) {
			if _, ok := features[k]; !ok {
				param := "feature_labels[" + billing.PrintableParam(loc) + "][" + billing.PrintableParam(k) + "]"
				v.fail(param, billing.CodeParameterInvalid, "%s labels a feature the product does not have", param)
			}
		}
	}
}

// CreateProduct creates a product in scope s.
func (a *Catalog) CreateProduct(ctx context.Context, s billing.Scope, p ProductParams) (billing.Product, error) {
	var v validator
	v.product(p, true)
	v.labelsMatch(p.FeatureLabels, p.Features)
	if err := v.err(); err != nil {
		return billing.Product{}, err
	}
	now := a.Now()
	prod := billing.Product{
		ID:            billing.NewID(billing.PrefixProduct, now),
		Scope:         s,
		Name:          deref(p.Name),
		Description:   deref(p.Description),
		Features:      p.Features,
		FeatureLabels: p.FeatureLabels,
		Active:        p.Active == nil || *p.Active,
		Metadata:      orEmpty(p.Metadata),
		Created:       now,
		Updated:       now,
	}
	if prod.Features == nil {
		prod.Features = map[string]int64{}
	}
	if prod.FeatureLabels == nil {
		prod.FeatureLabels = billing.FeatureLabels{}
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
		if p.FeatureLabels != nil {
			var v validator
			if v.labelsMatch(p.FeatureLabels, after.Features); v.err() != nil {
				return v.err()
			}
			after.FeatureLabels = p.FeatureLabels
		}
		after.FeatureLabels = after.FeatureLabels.Prune(after.Features)
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

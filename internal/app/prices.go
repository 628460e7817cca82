package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// CreatePriceParams are the inputs of CreatePrice.
type CreatePriceParams struct {
	Product         string
	Nickname        string
	UnitAmount      *int64
	Currency        string
	Recurring       *billing.Recurring // nil for a one-time price
	LookupKey       string
	TrialPeriodDays int64
	Active          *bool
	// TaxRates are tax rate ids that tax subscriptions to the price that
	// set no default_tax_rates (billing.ResolveTaxRates).
	TaxRates []string
	Metadata billing.Metadata
}

// UpdatePriceParams are the mutable fields of a price; nil leaves a field
// unchanged. Amount, currency and recurrence never change: create a new price.
type UpdatePriceParams struct {
	Nickname        *string
	LookupKey       *string
	TrialPeriodDays *int64
	Active          *bool
	// TaxRates replaces the price's tax rates (an empty list removes
	// them); subscriptions already made keep the rates they were made with.
	TaxRates *[]string
	Metadata billing.Metadata
}

// maxIntervalCount caps a billing cycle at three years.
var maxIntervalCount = map[string]int64{
	billing.IntervalDay:   1095,
	billing.IntervalWeek:  156,
	billing.IntervalMonth: 36,
	billing.IntervalYear:  3,
}

func (v *validator) trialDays(days int64, recurring bool) {
	if days < 0 || days > 730 {
		v.fail("trial_period_days", billing.CodeParameterInvalid, "trial_period_days must be between 0 and 730")
	}
	if days > 0 && !recurring {
		v.fail("trial_period_days", billing.CodeParameterInvalid, "trial_period_days needs a recurring price")
	}
}

// CreatePrice creates a price for a product of the same scope.
func (a *Catalog) CreatePrice(ctx context.Context, s billing.Scope, p CreatePriceParams) (billing.Price, error) {
	var v validator
	v.required("product", p.Product)
	v.maxLen("nickname", p.Nickname, maxNameLen)
	if p.UnitAmount == nil {
		v.fail("unit_amount", billing.CodeParameterMissing, "unit_amount is required")
	} else {
		v.amount("unit_amount", *p.UnitAmount)
	}
	currency := v.currency("currency", p.Currency)
	if r := p.Recurring; r != nil {
		if r.IntervalCount == 0 {
			r.IntervalCount = 1
		}
		limit, ok := maxIntervalCount[r.Interval]
		if !ok {
			v.fail("recurring.interval", billing.CodeParameterInvalid, "recurring.interval must be day, week, month or year")
		} else if r.IntervalCount < 1 || r.IntervalCount > limit {
			v.fail("recurring.interval_count", billing.CodeParameterInvalid, "recurring.interval_count must be between 1 and %d for %s", limit, r.Interval)
		}
	}
	v.maxLen("lookup_key", p.LookupKey, maxKeyLen)
	v.trialDays(p.TrialPeriodDays, p.Recurring != nil)
	v.metadata(p.Metadata)
	if err := v.err(); err != nil {
		return billing.Price{}, err
	}
	now := a.Now()
	price := billing.Price{
		ID:              billing.NewID(billing.PrefixPrice, now),
		Scope:           s,
		ProductID:       p.Product,
		Nickname:        p.Nickname,
		UnitAmount:      *p.UnitAmount,
		Currency:        currency,
		Type:            billing.PriceOneTime,
		Recurring:       p.Recurring,
		LookupKey:       p.LookupKey,
		TrialPeriodDays: p.TrialPeriodDays,
		Active:          p.Active == nil || *p.Active,
		TaxRates:        nilIfEmpty(p.TaxRates),
		Metadata:        orEmpty(p.Metadata),
		Created:         now,
		Updated:         now,
	}
	if p.Recurring != nil {
		price.Type = billing.PriceRecurring
	}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if _, err := tx.Catalog.GetProduct(ctx, s, p.Product); err != nil {
			if err := notFound(err, "product", p.Product); billing.AsError(err) != nil {
				return billing.Invalid("product", billing.CodeResourceMissing, "no such product: %q", p.Product)
			}
			return err
		}
		if _, err := newTaxRateUse(ctx, tx, s, "tax_rates", price.TaxRates); err != nil {
			return err
		}
		if err := tx.Catalog.CreatePrice(ctx, price); err != nil {
			return conflict(fmt.Errorf("create price: %w", err))
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "price.create", objectType: "price", objectID: price.ID, after: price})
	})
	return price, err
}

// GetPrice returns a price of scope s.
func (a *Catalog) GetPrice(ctx context.Context, s billing.Scope, id string) (billing.Price, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Price, error) {
		v, err := tx.Catalog.GetPrice(ctx, s, id)
		return v, notFound(err, "price", id)
	})
}

// UpdatePrice changes the mutable fields of a price.
func (a *Catalog) UpdatePrice(ctx context.Context, s billing.Scope, id string, p UpdatePriceParams) (billing.Price, error) {
	var v validator
	v.maxLen("nickname", deref(p.Nickname), maxNameLen)
	v.maxLen("lookup_key", deref(p.LookupKey), maxKeyLen)
	v.metadata(p.Metadata)
	if err := v.err(); err != nil {
		return billing.Price{}, err
	}
	var after billing.Price
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Catalog.GetPrice(ctx, s, id)
		if err != nil {
			return notFound(err, "price", id)
		}
		after = before
		setIf(&after.Nickname, p.Nickname)
		setIf(&after.LookupKey, p.LookupKey)
		setIf(&after.TrialPeriodDays, p.TrialPeriodDays)
		setIf(&after.Active, p.Active)
		if p.TaxRates != nil {
			if _, err := newTaxRateUse(ctx, tx, s, "tax_rates", *p.TaxRates); err != nil {
				return err
			}
			after.TaxRates = nilIfEmpty(*p.TaxRates)
		}
		var v validator
		v.trialDays(after.TrialPeriodDays, after.Recurring != nil)
		if err := v.err(); err != nil {
			return err
		}
		after.Metadata = mergeMetadata(before.Metadata, p.Metadata)
		after.Updated = a.Now()
		if err := tx.Catalog.UpdatePrice(ctx, after); err != nil {
			return conflict(fmt.Errorf("update price %s: %w", id, err))
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "price.update", objectType: "price", objectID: id, before: before, after: after})
	})
	return after, err
}

// ListPrices lists prices of scope s, newest first.
func (a *Catalog) ListPrices(ctx context.Context, s billing.Scope, f billing.PriceFilter, page billing.Page) (List[billing.Price], error) {
	if f.Type != "" && f.Type != billing.PriceOneTime && f.Type != billing.PriceRecurring {
		return List[billing.Price]{}, billing.Invalid("type", billing.CodeParameterInvalid, "type must be one_time or recurring")
	}
	return list(ctx, a.core, page, billing.PrefixPrice, func(tx billing.Tx, page billing.Page) ([]billing.Price, bool, error) {
		return tx.Catalog.ListPrices(ctx, s, f, page)
	})
}

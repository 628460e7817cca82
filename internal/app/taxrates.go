package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// CreateTaxRateParams are the inputs of CreateTaxRate.
type CreateTaxRateParams struct {
	DisplayName string
	Description string
	Country     string
	Percentage  string // a decimal, "19" or "19.5" (billing.ParsePercentage)
	Inclusive   bool
	Active      *bool
	Metadata    billing.Metadata
}

// UpdateTaxRateParams are the mutable fields of a tax rate; nil leaves a
// field unchanged. Percentage and inclusive never change (create another
// rate), so that an invoice that used a rate is always explained by it.
type UpdateTaxRateParams struct {
	DisplayName *string
	Description *string
	Country     *string
	Active      *bool
	Metadata    billing.Metadata
}

// taxRateText checks a tax rate's texts.
func (v *validator) taxRateText(name, description, country string) {
	v.maxLen("display_name", name, 50)
	v.maxLen("description", description, maxNameLen)
	if country != "" && !validCountry(country) {
		v.fail("country", billing.CodeParameterInvalid, "country must be an ISO 3166-1 alpha-2 code in upper case, like CL")
	}
}

// validCountry reports whether c looks like an ISO 3166-1 alpha-2 code.
func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// CreateTaxRate creates a tax rate of scope s.
func (a *Catalog) CreateTaxRate(ctx context.Context, s billing.Scope, p CreateTaxRateParams) (billing.TaxRate, error) {
	var v validator
	v.required("display_name", p.DisplayName)
	v.taxRateText(p.DisplayName, p.Description, p.Country)
	v.metadata(p.Metadata)
	if p.Percentage == "" {
		v.fail("percentage", billing.CodeParameterMissing, "percentage is required")
	}
	if err := v.err(); err != nil {
		return billing.TaxRate{}, err
	}
	pct, err := billing.ParsePercentage("percentage", p.Percentage)
	if err != nil {
		return billing.TaxRate{}, err
	}
	now := a.Now()
	r := billing.TaxRate{
		ID: billing.NewID(billing.PrefixTaxRate, now), Scope: s, DisplayName: p.DisplayName, Description: p.Description,
		Country: p.Country, Percentage: pct, Inclusive: p.Inclusive, Active: p.Active == nil || *p.Active,
		Metadata: orEmpty(p.Metadata), Created: now, Updated: now,
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.TaxRates.CreateTaxRate(ctx, r); err != nil {
			return fmt.Errorf("create tax rate: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "tax_rate.create", objectType: "tax_rate", objectID: r.ID, after: r})
	})
	return r, err
}

// GetTaxRate returns a tax rate of scope s.
func (a *Catalog) GetTaxRate(ctx context.Context, s billing.Scope, id string) (billing.TaxRate, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.TaxRate, error) {
		r, err := tx.TaxRates.GetTaxRate(ctx, s, id)
		return r, notFound(err, "tax_rate", id)
	})
}

// UpdateTaxRate changes the mutable fields of a tax rate. Deactivating a
// rate keeps it where it already applies (prices, subscriptions); it can
// no longer be given to new ones.
func (a *Catalog) UpdateTaxRate(ctx context.Context, s billing.Scope, id string, p UpdateTaxRateParams) (billing.TaxRate, error) {
	var v validator
	if p.DisplayName != nil {
		v.required("display_name", *p.DisplayName)
	}
	v.taxRateText(deref(p.DisplayName), deref(p.Description), deref(p.Country))
	v.metadata(p.Metadata)
	if err := v.err(); err != nil {
		return billing.TaxRate{}, err
	}
	var after billing.TaxRate
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.TaxRates.GetTaxRate(ctx, s, id)
		if err != nil {
			return notFound(err, "tax_rate", id)
		}
		after = before
		setIf(&after.DisplayName, p.DisplayName)
		setIf(&after.Description, p.Description)
		setIf(&after.Country, p.Country)
		setIf(&after.Active, p.Active)
		after.Metadata = mergeMetadata(before.Metadata, p.Metadata)
		after.Updated = a.Now()
		if err := tx.TaxRates.UpdateTaxRate(ctx, after); err != nil {
			return fmt.Errorf("update tax rate %s: %w", id, err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "tax_rate.update", objectType: "tax_rate", objectID: id, before: before, after: after})
	})
	return after, err
}

// ListTaxRates lists tax rates of scope s, newest first; active filters
// on the active flag when not nil.
func (a *Catalog) ListTaxRates(ctx context.Context, s billing.Scope, active *bool, page billing.Page) (List[billing.TaxRate], error) {
	return list(ctx, a.core, page, billing.PrefixTaxRate, func(tx billing.Tx, page billing.Page) ([]billing.TaxRate, bool, error) {
		return tx.TaxRates.ListTaxRates(ctx, s, active, page)
	})
}

// maxTaxRates caps the rates one price, subscription or merchant default
// names (Stripe's limit).
const maxTaxRates = 5

// newTaxRateUse checks ids given to a price, a subscription or the
// merchant default under param: each a rate of scope s, active, none
// twice, at most maxTaxRates, and a set that can tax one line together
// (billing.CheckTaxRates). It returns the rates as lines keep them.
func newTaxRateUse(ctx context.Context, tx billing.Tx, s billing.Scope, param string, ids []string) ([]billing.AppliedTaxRate, error) {
	if len(ids) > maxTaxRates {
		return nil, billing.Invalid(param, billing.CodeParameterInvalid, "%s takes at most %d tax rates", param, maxTaxRates)
	}
	var out []billing.AppliedTaxRate
	for _, id := range ids {
		r, err := tx.TaxRates.GetTaxRate(ctx, s, id)
		if err != nil {
			return nil, referenced(err, param, id)
		}
		if !r.Active {
			return nil, billing.Invalid(param, billing.CodeTaxRateInactive, "tax rate %s is inactive", id)
		}
		out = append(out, r.Applied())
	}
	return out, billing.CheckTaxRates(param, out)
}

// taxRatesOf reads the rates named by ids, active or not: the rates a
// price or the merchant default already has keep applying after they are
// deactivated, as Stripe's do.
func taxRatesOf(ctx context.Context, tx billing.Tx, s billing.Scope, ids []string) ([]billing.AppliedTaxRate, error) {
	var out []billing.AppliedTaxRate
	for _, id := range ids {
		r, err := tx.TaxRates.GetTaxRate(ctx, s, id)
		if err != nil {
			return nil, fmt.Errorf("read tax rate %s: %w", id, err)
		}
		out = append(out, r.Applied())
	}
	return out, nil
}

// itemTaxes are what a subscription item's tax rates are resolved from
// besides its price (billing.ResolveTaxRates). The zero value resolves
// nothing: for callers that only check prices.
type itemTaxes struct {
	resolve      bool
	subscription []billing.AppliedTaxRate
	merchant     []billing.AppliedTaxRate
}

// taxesFor are the item taxes of a subscription of scope s with default
// rates subRates under merchant m.
func taxesFor(ctx context.Context, tx billing.Tx, s billing.Scope, m billing.Merchant, subRates []billing.AppliedTaxRate) (itemTaxes, error) {
	merchant, err := taxRatesOf(ctx, tx, s, m.Settings.DefaultTaxRates[s.Mode])
	if err != nil {
		return itemTaxes{}, err
	}
	return itemTaxes{resolve: true, subscription: subRates, merchant: merchant}, nil
}

// subscriptionTaxes are the item taxes of sub's new items (a plan change).
func subscriptionTaxes(ctx context.Context, tx billing.Tx, sub billing.Subscription) (itemTaxes, error) {
	m, err := tx.Merchants.GetMerchant(ctx, sub.Scope.MerchantID)
	if err != nil {
		return itemTaxes{}, fmt.Errorf("read merchant: %w", err)
	}
	subRates, err := taxRatesOf(ctx, tx, sub.Scope, sub.DefaultTaxRates)
	if err != nil {
		return itemTaxes{}, err
	}
	return taxesFor(ctx, tx, sub.Scope, m, subRates)
}

// forPrice resolves the tax rates of an item of price.
func (t itemTaxes) forPrice(ctx context.Context, tx billing.Tx, price billing.Price) ([]billing.AppliedTaxRate, error) {
	if !t.resolve {
		return nil, nil
	}
	priceRates, err := taxRatesOf(ctx, tx, price.Scope, price.TaxRates)
	if err != nil {
		return nil, err
	}
	return billing.ResolveTaxRates(t.subscription, priceRates, t.merchant), nil
}

// itemTaxRates are the tax rates of the item of items with priceID (nil
// when there is none): what a proration line of that price is taxed by.
func itemTaxRates(items []billing.SubscriptionItem, priceID string) []billing.AppliedTaxRate {
	for _, it := range items {
		if it.PriceID == priceID {
			return it.TaxRates
		}
	}
	return nil
}

// setDefaultTaxRates sets m's default tax rates of mode to ids (checked
// like any new use of a rate); an empty list removes them.
func setDefaultTaxRates(ctx context.Context, tx billing.Tx, m *billing.Merchant, mode billing.Mode, ids []string) error {
	if _, err := newTaxRateUse(ctx, tx, billing.Scope{MerchantID: m.ID, Mode: mode}, "default_tax_rates", ids); err != nil {
		return err
	}
	defaults := map[billing.Mode][]string{}
	for k, v := range m.Settings.DefaultTaxRates {
		defaults[k] = v
	}
	if len(ids) == 0 {
		delete(defaults, mode) // ids may be an empty list, not nil
	} else {
		defaults[mode] = ids
	}
	if len(defaults) == 0 {
		defaults = nil
	}
	m.Settings.DefaultTaxRates = defaults
	return nil
}

// nilIfEmpty is ids, nil when empty: stores read an empty list back as nil.
func nilIfEmpty(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

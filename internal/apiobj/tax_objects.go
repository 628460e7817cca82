package apiobj

import "github.com/cuota/cuota/internal/billing"

// TaxRateJSON is a tax rate as the API shows it (Stripe's tax_rate).
type TaxRateJSON struct {
	ID          string           `json:"id"`
	Object      string           `json:"object" enum:"tax_rate"`
	Livemode    bool             `json:"livemode"`
	DisplayName string           `json:"display_name" doc:"The name customers see on documents, e.g. IVA."`
	Description *string          `json:"description"`
	Country     *string          `json:"country" doc:"ISO 3166-1 alpha-2, e.g. CL."`
	Percentage  float64          `json:"percentage" doc:"0 to 100, at most 4 decimals, kept exactly; never changes."`
	Inclusive   bool             `json:"inclusive" doc:"Whether prices already include the tax; never changes."`
	Active      bool             `json:"active" doc:"An inactive rate keeps applying where it already is, but cannot be given to new prices, subscriptions or the merchant default."`
	Metadata    billing.Metadata `json:"metadata"`
	Created     int64            `json:"created"`
}

// TaxRate renders a tax rate.
func TaxRate(r billing.TaxRate) TaxRateJSON {
	return TaxRateJSON{ID: r.ID, Object: "tax_rate", Livemode: r.Scope.Mode.Livemode(), DisplayName: r.DisplayName,
		Description: NonEmpty(r.Description), Country: NonEmpty(r.Country), Percentage: percentage(r.Percentage),
		Inclusive: r.Inclusive, Active: r.Active, Metadata: r.Metadata, Created: r.Created.Unix()}
}

// percentage is p as a JSON number: the float64 nearest to a decimal
// with at most four places prints back as that decimal.
func percentage(p billing.Percentage) float64 {
	return float64(p) / billing.PercentageScale
}

// TaxAmountJSON is one rate's tax on an invoice or a refund (Stripe's
// total_tax_amounts).
type TaxAmountJSON struct {
	TaxRate       string  `json:"tax_rate"`
	DisplayName   string  `json:"display_name"`
	Percentage    float64 `json:"percentage"`
	Inclusive     bool    `json:"inclusive"`
	Amount        int64   `json:"amount" doc:"The tax, in minor units."`
	TaxableAmount int64   `json:"taxable_amount" doc:"What the tax is computed on, without the tax."`
}

// TaxAmounts renders tax amounts, [] when there are none.
func TaxAmounts(amounts []billing.TaxAmount) []TaxAmountJSON {
	out := make([]TaxAmountJSON, 0, len(amounts))
	for _, a := range amounts {
		out = append(out, TaxAmountJSON{TaxRate: a.TaxRate.ID, DisplayName: a.TaxRate.DisplayName,
			Percentage: percentage(a.TaxRate.Percentage), Inclusive: a.TaxRate.Inclusive, Amount: a.Amount,
			TaxableAmount: a.TaxableAmount})
	}
	return out
}

// TaxRateIDs renders the ids of applied rates, [] when there are none.
func TaxRateIDs(rates []billing.AppliedTaxRate) []string {
	out := make([]string, 0, len(rates))
	for _, r := range rates {
		out = append(out, r.ID)
	}
	return out
}

// IDs renders a list of ids, [] when there are none.
func IDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

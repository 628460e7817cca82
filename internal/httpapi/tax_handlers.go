package httpapi

import (
	"context"
	"strconv"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// --- tax rates (docs/taxes.md)

type createTaxRateBody struct {
	DisplayName string           `json:"display_name,omitempty" maxLength:"50" doc:"The name customers see on documents, e.g. IVA."`
	Description string           `json:"description,omitempty" maxLength:"250"`
	Country     string           `json:"country,omitempty" doc:"ISO 3166-1 alpha-2 in upper case, e.g. CL."`
	Percentage  *float64         `json:"percentage,omitempty" doc:"0 to 100, at most 4 decimals; it never changes."`
	Inclusive   bool             `json:"inclusive,omitempty" doc:"Whether prices already include the tax; it never changes."`
	Active      *bool            `json:"active,omitempty"`
	Metadata    billing.Metadata `json:"metadata,omitempty"`
}

// percentageText is a JSON percentage as the decimal it was written as:
// the shortest text that reads back as the same float64, so 19.5 is
// "19.5" and 10.0001 is "10.0001"; billing.ParsePercentage checks it.
func percentageText(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func (h *catalogHandlers) createTaxRate(ctx context.Context, in *struct{ Body createTaxRateBody }) (*out[apiobj.TaxRateJSON], error) {
	b := in.Body
	r, err := h.app.Catalog.CreateTaxRate(ctx, scopeOf(ctx), app.CreateTaxRateParams{DisplayName: b.DisplayName,
		Description: b.Description, Country: b.Country, Percentage: percentageText(b.Percentage), Inclusive: b.Inclusive,
		Active: b.Active, Metadata: b.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TaxRate(r)), nil
}

func (h *catalogHandlers) getTaxRate(ctx context.Context, in *IDPath) (*out[apiobj.TaxRateJSON], error) {
	r, err := h.app.Catalog.GetTaxRate(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TaxRate(r)), nil
}

// updateTaxRateBody has no percentage or inclusive: they never change, so
// sending them is 400 parameter_unknown, as at Stripe.
type updateTaxRateBody struct {
	DisplayName *string          `json:"display_name,omitempty" maxLength:"50"`
	Description *string          `json:"description,omitempty" maxLength:"250"`
	Country     *string          `json:"country,omitempty"`
	Active      *bool            `json:"active,omitempty"`
	Metadata    billing.Metadata `json:"metadata,omitempty"`
}

func (h *catalogHandlers) updateTaxRate(ctx context.Context, in *struct {
	IDPath
	Body updateTaxRateBody
}) (*out[apiobj.TaxRateJSON], error) {
	b := in.Body
	r, err := h.app.Catalog.UpdateTaxRate(ctx, scopeOf(ctx), in.ID, app.UpdateTaxRateParams{DisplayName: b.DisplayName,
		Description: b.Description, Country: b.Country, Active: b.Active, Metadata: b.Metadata})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TaxRate(r)), nil
}

func (h *catalogHandlers) listTaxRates(ctx context.Context, in *struct {
	PageQuery
	Active string `query:"active" enum:"true,false,"`
}) (*out[ListJSON[apiobj.TaxRateJSON]], error) {
	l, err := h.app.Catalog.ListTaxRates(ctx, scopeOf(ctx), activeQuery(in.Active), in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/tax_rates", l.Data, l.HasMore, apiobj.TaxRate)), nil
}

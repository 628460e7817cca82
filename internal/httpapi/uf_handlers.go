package httpapi

import (
	"context"
	"net/http"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// --- UF values (docs/uf.md)

// ufHandlers serve the UF's daily values UF prices are converted at.
type ufHandlers struct {
	app UseCases
}

// routes registers the UF value operations.
func (h *ufHandlers) routes(r registrar) {
	register(r, op("list-uf-rates", http.MethodGet, "/v1/uf_rates", "List the UF values this mode uses, newest day first"), h.listUFRates)
	register(r, op("get-uf-rate", http.MethodGet, "/v1/uf_rates/{date}", "The UF value of a day (YYYY-MM-DD) this mode uses"), h.getUFRate)
	register(r, op("set-uf-rate", http.MethodPut, "/v1/uf_rates/{date}", "Set a day's UF value by hand; invoices waiting for it complete"), h.setUFRate)
}

// UFRateJSON is a day's UF value.
type UFRateJSON struct {
	Object   string `json:"object" enum:"uf_rate"`
	Livemode bool   `json:"livemode"`
	Date     string `json:"date" doc:"The day (YYYY-MM-DD)."`
	Value    string `json:"value" doc:"One UF in pesos, with two decimals: \"39485.65\"."`
	Source   string `json:"source" enum:"cmf,manual" doc:"cmf: fetched from the CMF; manual: set by you (it wins)."`
	SetBy    string `json:"set_by" doc:"Who set it by hand (\"api_key:key_…\"); empty when fetched."`
	Created  int64  `json:"created"`
	Updated  int64  `json:"updated"`
}

func ufRateJSON(s billing.Scope) func(billing.UFRate) UFRateJSON {
	return func(r billing.UFRate) UFRateJSON {
		return UFRateJSON{Object: "uf_rate", Livemode: s.Mode == billing.ModeLive, Date: r.Date, Value: billing.FormatUFValue(r.Value),
			Source: r.Source, SetBy: r.SetBy, Created: r.Created.Unix(), Updated: r.Updated.Unix()}
	}
}

// UFDatePath names a day.
type UFDatePath struct {
	Date string `path:"date" maxLength:"20" doc:"The day, YYYY-MM-DD."`
}

func (h *ufHandlers) listUFRates(ctx context.Context, in *struct {
	Limit         int    `query:"limit" minimum:"1" maximum:"100" doc:"Page size, 1 to 100 (default 10)."`
	StartingAfter string `query:"starting_after" maxLength:"20" doc:"The last day (YYYY-MM-DD) of the previous page."`
}) (*out[ListJSON[UFRateJSON]], error) {
	s := scopeOf(ctx)
	l, err := h.app.UFRates.ListUFRates(ctx, s, in.StartingAfter, in.Limit)
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/uf_rates", l.Data, l.HasMore, ufRateJSON(s))), nil
}

func (h *ufHandlers) getUFRate(ctx context.Context, in *UFDatePath) (*out[UFRateJSON], error) {
	s := scopeOf(ctx)
	r, err := h.app.UFRates.GetUFRate(ctx, s, in.Date)
	if err != nil {
		return nil, err
	}
	return reply(ufRateJSON(s)(r)), nil
}

type ufRateBody struct {
	Value string `json:"value" maxLength:"20" doc:"One UF in pesos, a decimal point and at most two decimals: \"39485.65\"."`
}

func (h *ufHandlers) setUFRate(ctx context.Context, in *struct {
	UFDatePath
	Body ufRateBody
}) (*out[UFRateJSON], error) {
	s := scopeOf(ctx)
	r, err := h.app.UFRates.SetUFRate(ctx, s, app.SetUFRateParams{Date: in.Date, Value: in.Body.Value})
	if err != nil {
		return nil, err
	}
	return reply(ufRateJSON(s)(r)), nil
}

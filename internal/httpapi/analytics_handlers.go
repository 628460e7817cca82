package httpapi

import (
	"context"
	"net/http"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
)

// analyticsHandlers serve the merchant's reports (docs/analytics.md).
type analyticsHandlers struct {
	app UseCases
}

// routes registers the analytics operations.
func (h *analyticsHandlers) routes(r registrar) {
	register(r, op("get-analytics-mrr", http.MethodGet, "/v1/analytics/mrr", "MRR by calendar month with its movements, in one currency"), h.mrr)
	register(r, op("get-analytics-summary", http.MethodGet, "/v1/analytics/summary", "A period's figures in one currency: churn, ARPA, payments, refunds, recovery, trials, checkout"), h.summary)
}

// AsOfQuery is when a report stands.
type AsOfQuery struct {
	AsOf      int64  `query:"as_of" minimum:"0" doc:"Unix time the report stands at (default: now, or the test clock's time)."`
	TestClock string `query:"test_clock" maxLength:"100" doc:"Test mode: report at this test clock's frozen time."`
}

func (q AsOfQuery) params() app.AsOfParams {
	return app.AsOfParams{AsOf: unixTime(q.AsOf), TestClock: q.TestClock}
}

func (h *analyticsHandlers) mrr(ctx context.Context, in *struct {
	AsOfQuery
	Currency string `query:"currency" maxLength:"3" doc:"ISO 4217 code; a report never adds currencies up."`
	Months   int    `query:"months" doc:"Calendar months, 1 to 36 (default 12), ending with the month of as_of."`
}) (*out[apiobj.MRRReportJSON], error) {
	s := scopeOf(ctx)
	rep, err := h.app.Analytics.MRR(ctx, s, app.MRRParams{AsOfParams: in.params(), Currency: in.Currency, Months: in.Months})
	if err != nil {
		return nil, err
	}
	o := apiobj.MRRReportJSON{Object: "analytics.mrr", Livemode: s.Mode.Livemode(), Currency: rep.Currency,
		Timezone: rep.Timezone, AsOf: rep.AsOf.Unix(), Months: make([]apiobj.MRRPeriodJSON, 0, len(rep.Months))}
	for _, m := range rep.Months {
		o.Months = append(o.Months, apiobj.MRRPeriod(m.Month, m.MRRPeriod))
	}
	return reply(o), nil
}

func (h *analyticsHandlers) summary(ctx context.Context, in *struct {
	AsOfQuery
	Currency string `query:"currency" maxLength:"3" doc:"ISO 4217 code; a report never adds currencies up."`
	From     int64  `query:"from" minimum:"0" doc:"Unix time the period starts (default: the start of to's month in the merchant's time zone)."`
	To       int64  `query:"to" minimum:"0" doc:"Unix time the period ends, exclusive (default: as_of)."`
}) (*out[apiobj.SummaryJSON], error) {
	s := scopeOf(ctx)
	p := app.SummaryParams{AsOfParams: in.params(), Currency: in.Currency}
	if t := unixTime(in.From); t != nil {
		p.From = *t
	}
	if t := unixTime(in.To); t != nil {
		p.To = *t
	}
	sum, err := h.app.Analytics.Summary(ctx, s, p)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.SummaryJSON{Object: "analytics.summary", Livemode: s.Mode.Livemode(), Currency: sum.Currency,
		Timezone: sum.Timezone, From: sum.From.Unix(), To: sum.To.Unix(), MRR: apiobj.MRRPeriod("", sum.MRR),
		LogoChurnBP: sum.LogoChurnBP, RevenueChurnBP: sum.RevenueChurnBP, NetRevenueChurnBP: sum.NetRevenueChurnBP,
		ARPA: sum.ARPA, PaymentsSucceeded: sum.Payments.Succeeded, PaymentsFailed: sum.Payments.Failed,
		PaymentSuccessBP: sum.PaymentSuccessBP, RevenueCollected: sum.Payments.Collected, Refunds: sum.Refunds.Count,
		RefundedAmount: sum.Refunds.Amount, NetRevenue: sum.NetRevenue, RecoveredRenewals: sum.Recovered.Count,
		RecoveredAmount: sum.Recovered.Amount, TrialsEnded: sum.Trials.Ended, TrialsConverted: sum.Trials.Converted,
		TrialConversionBP: sum.TrialConversionBP, CheckoutsStarted: sum.Checkout.Started,
		CheckoutsCompleted: sum.Checkout.Completed, CheckoutConversion: sum.CheckoutConversionBP}), nil
}

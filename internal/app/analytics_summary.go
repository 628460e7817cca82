package app

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// SummaryParams ask for a period's figures in one currency over [From,
// To). A zero To is the as-of time (To may not be later); a zero From is
// the start, in the merchant's time zone, of the month of To's last
// instant.
type SummaryParams struct {
	AsOfParams
	Currency string
	From     time.Time
	To       time.Time
}

// Summary is a period's figures (docs/analytics.md defines each). Rates
// are in basis points (10000 = 100 %) and nil when nothing was there to
// measure; amounts are in minor units of Currency.
type Summary struct {
	Currency string
	Timezone string
	From, To time.Time
	// MRR over the whole period: at its start and end, the subscriptions
	// and customers bringing some, and the movements between.
	MRR billing.MRRPeriod
	// LogoChurnBP: customers churned ÷ customers with MRR at the start.
	LogoChurnBP *int64
	// RevenueChurnBP: MRR lost to churn and contraction ÷ MRR at the start.
	RevenueChurnBP *int64
	// NetRevenueChurnBP: that loss less expansion and reactivation ÷ MRR
	// at the start (negative when the base grew).
	NetRevenueChurnBP *int64
	// ARPA: MRR at the end ÷ customers with MRR at the end.
	ARPA *int64

	Payments         billing.PaymentTotals
	PaymentSuccessBP *int64
	Refunds          billing.RefundTotals
	// NetRevenue is what payments collected less what refunds returned.
	NetRevenue int64
	Recovered  billing.RecoveredRenewals

	Trials            billing.TrialTotals
	TrialConversionBP *int64
	// Checkout counts sessions of every currency (a session may offer
	// several).
	Checkout             billing.CheckoutTotals
	CheckoutConversionBP *int64
}

// Summary returns the figures of p's period.
func (a *Analytics) Summary(ctx context.Context, s billing.Scope, p SummaryParams) (Summary, error) {
	currency, err := reportCurrency(p.Currency)
	if err != nil {
		return Summary{}, err
	}
	var out Summary
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		asOf, m, err := a.reportClock(ctx, tx, s, p.AsOfParams)
		if err != nil {
			return err
		}
		loc := merchantLocation(m)
		from, to := p.From.UTC(), p.To.UTC()
		if p.To.IsZero() {
			to = asOf
		}
		if p.From.IsZero() {
			// The month of the period's last instant: a to at midnight on
			// the 1st reports the month before it.
			l := to.Add(-time.Microsecond).In(loc)
			from = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc).UTC()
		}
		if err := checkSummaryRange(from, to, asOf); err != nil {
			return err
		}
		out, err = a.summarize(ctx, tx, s, billing.ReportRange{Currency: currency, From: from, To: to})
		out.Timezone = loc.String()
		return err
	})
	return out, err
}

// checkSummaryRange refuses a range that is empty, reversed or reaches
// past the report's as-of time.
func checkSummaryRange(from, to, asOf time.Time) error {
	if err := billing.CheckTime("from", from); err != nil {
		return err
	}
	if err := billing.CheckTime("to", to); err != nil {
		return err
	}
	if !from.Before(to) {
		return billing.Invalid("to", billing.CodeParameterInvalid, "to must be after from")
	}
	if to.After(asOf) {
		return billing.Invalid("to", billing.CodeParameterInvalid,
			"to is after the report's clock (%s): a report never looks ahead", asOf.Format(time.RFC3339))
	}
	return nil
}

// summarize reads and computes the figures of r.
func (a *Analytics) summarize(ctx context.Context, tx billing.Tx, s billing.Scope, r billing.ReportRange) (Summary, error) {
	out := Summary{Currency: r.Currency, From: r.From, To: r.To}
	bounds := []time.Time{r.From, r.To}
	series, err := a.readMRRSeries(ctx, tx, s, r.Currency, bounds)
	if err != nil {
		return out, err
	}
	periods, err := a.seriesPeriods(ctx, tx, s, r.Currency, bounds, series)
	if err != nil {
		return out, err
	}
	return a.summaryFigures(ctx, tx, s, r, periods[0])
}

// summaryFigures computes the figures of r whose MRR period is mrr.
func (a *Analytics) summaryFigures(ctx context.Context, tx billing.Tx, s billing.Scope, r billing.ReportRange, mrr billing.MRRPeriod) (Summary, error) {
	out := Summary{Currency: r.Currency, From: r.From, To: r.To, MRR: mrr}
	var err error
	mv := out.MRR.Movements
	out.LogoChurnBP = billing.RatioBP(mv.ChurnedCustomers, out.MRR.StartCustomers)
	out.RevenueChurnBP = billing.RatioBP(-(mv.Churn + mv.Contraction), out.MRR.StartMRR)
	out.NetRevenueChurnBP = billing.RatioBP(-(mv.Churn + mv.Contraction + mv.Expansion + mv.Reactivation), out.MRR.StartMRR)
	out.ARPA = billing.Average(out.MRR.EndMRR, out.MRR.EndCustomers)
	if out.Payments, err = tx.Analytics.PaymentTotals(ctx, s, r); err != nil {
		return out, err
	}
	out.PaymentSuccessBP = billing.RatioBP(out.Payments.Succeeded, out.Payments.Succeeded+out.Payments.Failed)
	if out.Refunds, err = tx.Analytics.RefundTotals(ctx, s, r); err != nil {
		return out, err
	}
	out.NetRevenue = out.Payments.Collected - out.Refunds.Amount
	if out.Recovered, err = tx.Analytics.RecoveredRenewals(ctx, s, r); err != nil {
		return out, err
	}
	if out.Trials, err = tx.Analytics.TrialTotals(ctx, s, r); err != nil {
		return out, err
	}
	out.TrialConversionBP = billing.RatioBP(out.Trials.Converted, out.Trials.Ended)
	if out.Checkout, err = tx.Analytics.CheckoutTotals(ctx, s, r); err != nil {
		return out, err
	}
	out.CheckoutConversionBP = billing.RatioBP(out.Checkout.Completed, out.Checkout.Started)
	return out, nil
}

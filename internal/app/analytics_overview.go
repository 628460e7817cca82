package app

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// OverviewParams ask for the console's overview: the MRR series of Months
// calendar months (2 to MaxReportMonths; 0 means 12) ending with the month
// of the as-of time, and the summaries of that month so far and of the
// month before it.
type OverviewParams struct {
	AsOfParams
	Currency string
	Months   int
}

// Overview is what MRR and two Summary calls return, in one read.
type Overview struct {
	MRR MRRReport
	// ThisMonth is the summary of [the last month's start, as-of); zero
	// when the as-of time is that start.
	ThisMonth Summary
	// LastMonth is the summary of the whole month before.
	LastMonth Summary
}

// Overview returns the figures that MRR (p's months) and Summary (this
// month so far, and last month) would return, and reads the MRR records
// once instead of three times: both summaries' MRR periods are computed
// from the series' start and records (billing.MRRPeriods over their own
// bounds gives what it gives from a start at those bounds; the scenario
// tests compare the two). The months that are over come from earlier
// reports where they were kept (readMRRSeries), so that at 100,000
// subscriptions the overview reads the current month's records rather
// than the year's (docs/performance.md, "Console at scale").
func (a *Analytics) Overview(ctx context.Context, s billing.Scope, p OverviewParams) (Overview, error) {
	currency, err := reportCurrency(p.Currency)
	if err != nil {
		return Overview{}, err
	}
	if p.Months, err = reportMonths(p.Months, 2); err != nil {
		return Overview{}, err
	}
	var out Overview
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		asOf, m, err := a.reportClock(ctx, tx, s, p.AsOfParams)
		if err != nil {
			return err
		}
		loc := merchantLocation(m)
		bounds := billing.MonthBounds(asOf, loc, p.Months)
		series, err := a.readMRRSeries(ctx, tx, s, currency, bounds)
		if err != nil {
			return err
		}
		periods, err := a.seriesPeriods(ctx, tx, s, currency, bounds, series)
		if err != nil {
			return err
		}
		out.MRR = mrrReport(currency, loc, asOf, periods)
		monthStart, prevStart := bounds[len(bounds)-2], bounds[len(bounds)-3]
		prev := billing.ReportRange{Currency: currency, From: prevStart, To: monthStart}
		if out.LastMonth, err = a.summaryFigures(ctx, tx, s, prev, periods[len(periods)-2]); err != nil {
			return err
		}
		out.LastMonth.Timezone = loc.String()
		if !asOf.After(monthStart) {
			return nil
		}
		// The series' last month ends just after as-of (it counts what
		// happened at as-of); a summary's period ends at its to: the
		// records at as-of are left out, as Summary leaves them.
		before := series.changes
		for len(before) > 0 && !before[len(before)-1].At.Before(asOf) {
			before = before[:len(before)-1]
		}
		k := len(series.kept)
		thisBounds := append(append([]time.Time{}, bounds[k:len(bounds)-1]...), asOf)
		thisPeriods, err := billing.MRRPeriods(thisBounds, series.start, before)
		if err != nil {
			return err
		}
		this := billing.ReportRange{Currency: currency, From: monthStart, To: asOf}
		if out.ThisMonth, err = a.summaryFigures(ctx, tx, s, this, thisPeriods[len(thisPeriods)-1]); err != nil {
			return err
		}
		out.ThisMonth.Timezone = loc.String()
		return nil
	})
	return out, err
}

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
// tests compare the two). At 100,000 subscriptions that read is most of
// the overview's time (docs/performance.md, "Console at scale").
func (a *Analytics) Overview(ctx context.Context, s billing.Scope, p OverviewParams) (Overview, error) {
	currency, err := reportCurrency(p.Currency)
	if err != nil {
		return Overview{}, err
	}
	if p.Months == 0 {
		p.Months = 12
	}
	if p.Months < 2 || p.Months > MaxReportMonths {
		return Overview{}, billing.Invalid("months", billing.CodeParameterInvalid, "months must be 2 to %d", MaxReportMonths)
	}
	var out Overview
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		asOf, m, err := a.reportClock(ctx, tx, s, p.AsOfParams)
		if err != nil {
			return err
		}
		loc := merchantLocation(m)
		bounds := billing.MonthBounds(asOf, loc, p.Months)
		start, changes, err := a.mrrRead(ctx, tx, s, currency, bounds)
		if err != nil {
			return err
		}
		periods, err := billing.MRRPeriods(bounds, start, changes)
		if err != nil {
			return err
		}
		out.MRR = MRRReport{Currency: currency, Timezone: loc.String(), AsOf: asOf}
		for _, per := range periods {
			out.MRR.Months = append(out.MRR.Months, MRRMonth{Month: per.Start.In(loc).Format("2006-01"), MRRPeriod: per})
		}
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
		before := changes
		for len(before) > 0 && !before[len(before)-1].At.Before(asOf) {
			before = before[:len(before)-1]
		}
		thisBounds := append(append([]time.Time{}, bounds[:len(bounds)-1]...), asOf)
		thisPeriods, err := billing.MRRPeriods(thisBounds, start, before)
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

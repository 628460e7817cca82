package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// Analytics is the use cases of the merchant's reports: MRR and its
// movements, and the period's figures (docs/analytics.md). Every figure
// comes from cuota's own records, per currency, in the merchant's time
// zone; reports read and never write.
type Analytics struct{ *core }

// MaxReportMonths is the longest MRR series a report returns.
const MaxReportMonths = 36

// AsOfParams say at what time a report stands. In test mode TestClock
// reports at that clock's frozen time; otherwise AsOf (nil: now). A
// subscription on a test clock is recorded at its clock's times, so a
// test-mode report counts each clock's subscriptions as their clock last
// left them, up to the report's time.
type AsOfParams struct {
	AsOf      *time.Time
	TestClock string
}

// MRRParams ask for an MRR series: Months calendar months (1 to
// MaxReportMonths; 0 means 12) ending with the month of the as-of time.
type MRRParams struct {
	AsOfParams
	Currency string
	Months   int
}

// MRRMonth is one month of an MRR series: its label (YYYY-MM in the
// merchant's time zone) and its figures. The last month ends at the
// report's as-of time.
type MRRMonth struct {
	Month string
	billing.MRRPeriod
}

// MRRReport is an MRR series with its movements.
type MRRReport struct {
	Currency string
	Timezone string
	AsOf     time.Time
	Months   []MRRMonth
}

// reportClock resolves the as-of time and the merchant's location of a
// report.
func (a *Analytics) reportClock(ctx context.Context, tx billing.Tx, s billing.Scope, p AsOfParams) (time.Time, billing.Merchant, error) {
	m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
	if err != nil {
		return time.Time{}, m, fmt.Errorf("read merchant: %w", err)
	}
	limit := a.Now()
	if p.TestClock != "" {
		if s.Mode != billing.ModeTest {
			return time.Time{}, m, billing.Invalid("test_clock", billing.CodeLivemodeNotAllowed, "test clocks exist only in test mode")
		}
		c, err := tx.Clocks.GetTestClock(ctx, s, p.TestClock)
		if errors.Is(err, billing.ErrNotFound) {
			e := billing.NotFound("test_clock", p.TestClock)
			e.Param = "test_clock" // the query parameter that named it
			return time.Time{}, m, e
		}
		if err != nil {
			return time.Time{}, m, fmt.Errorf("read test clock: %w", err)
		}
		limit = c.FrozenTime
	}
	asOf := limit
	if p.AsOf != nil {
		if p.AsOf.After(limit) {
			return time.Time{}, m, billing.Invalid("as_of", billing.CodeParameterInvalid,
				"as_of is after the report's clock (%s): a report never looks ahead", limit.Format(time.RFC3339))
		}
		asOf = p.AsOf.UTC()
	}
	if err := billing.CheckTime("as_of", asOf); err != nil {
		return time.Time{}, m, err
	}
	return asOf, m, nil
}

// reportCurrency checks a report's currency.
func reportCurrency(c string) (string, error) {
	if c == "" {
		return "", billing.Invalid("currency", billing.CodeParameterMissing, "a report is for one currency: give currency")
	}
	code, ok := money.NormalizeCurrency(c)
	if !ok {
		return "", billing.Invalid("currency", billing.CodeCurrencyInvalid, "unknown currency %q", c)
	}
	return code, nil
}

// reportMonths checks a report's month count: 0 means 12, otherwise
// from least (an overview compares two months) to MaxReportMonths.
func reportMonths(months, least int) (int, error) {
	if months == 0 {
		return 12, nil
	}
	if months < least || months > MaxReportMonths {
		return 0, billing.Invalid("months", billing.CodeParameterInvalid, "months must be %d to %d", least, MaxReportMonths)
	}
	return months, nil
}

// MRR returns the MRR series of p.Months months with each month's
// movements.
func (a *Analytics) MRR(ctx context.Context, s billing.Scope, p MRRParams) (MRRReport, error) {
	currency, err := reportCurrency(p.Currency)
	if err != nil {
		return MRRReport{}, err
	}
	if p.Months, err = reportMonths(p.Months, 1); err != nil {
		return MRRReport{}, err
	}
	var out MRRReport
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
		out = mrrReport(currency, loc, asOf, periods)
		return nil
	})
	return out, err
}

// mrrReport labels periods by their month in loc.
func mrrReport(currency string, loc *time.Location, asOf time.Time, periods []billing.MRRPeriod) MRRReport {
	out := MRRReport{Currency: currency, Timezone: loc.String(), AsOf: asOf}
	for _, per := range periods {
		out.Months = append(out.Months, MRRMonth{Month: per.Start.In(loc).Format("2006-01"), MRRPeriod: per})
	}
	return out
}

// mrrSeries is what an MRR report over some bounds reads: the leading
// periods kept by earlier reports (billing.KeptMRRPrefix), and from the
// first period not kept on, the state at its start and the records
// after it. The epoch is the one the kept periods belong to, read before
// the records (billing's analytics_kept.go says why).
type mrrSeries struct {
	epoch   int64
	kept    []billing.MRRPeriod
	start   billing.MRRStart
	changes []billing.MRRChange
}

// monthBefore reaches back from a report's first bound to the start of
// the month before it in any zone: 31 days and a daylight-saving hour,
// with room to spare (KeptMRRPrefix picks the period ending at the bound).
const monthBefore = 33 * 24 * time.Hour

// readKept reads the scope's epoch and the months of bounds kept in it:
// the leading kept periods and the one a report goes on from (the last of
// those, or the kept month ending at bounds[0]; billing.KeptMRRPrefix).
// The report's last period is never whole: bounds without their last
// leave it to the records.
func (a *Analytics) readKept(ctx context.Context, tx billing.Tx, s billing.Scope, currency string, bounds []time.Time) (int64, []billing.MRRPeriod, *billing.MRRPeriod, error) {
	epoch, err := tx.Analytics.MRREpoch(ctx, s)
	if err != nil {
		return 0, nil, nil, err
	}
	kept, err := tx.Analytics.KeptMRRMonths(ctx, s, currency, epoch, bounds[0].Add(-monthBefore), bounds[len(bounds)-2])
	if err != nil {
		return 0, nil, nil, err
	}
	prefix, anchor := billing.KeptMRRPrefix(bounds[:len(bounds)-1], kept)
	return epoch, prefix, anchor, nil
}

// readMRRSeries reads the series of bounds: kept months where there are,
// the records after them.
func (a *Analytics) readMRRSeries(ctx context.Context, tx billing.Tx, s billing.Scope, currency string, bounds []time.Time) (mrrSeries, error) {
	epoch, kept, anchor, err := a.readKept(ctx, tx, s, currency, bounds)
	if err != nil {
		return mrrSeries{}, err
	}
	out := mrrSeries{epoch: epoch, kept: kept}
	from, to := bounds[len(out.kept)], bounds[len(bounds)-1]
	changes, byCustomer, err := a.mrrChangesFrom(ctx, tx, s, currency, from, to)
	if err != nil {
		return mrrSeries{}, err
	}
	out.changes = changes
	if anchor != nil {
		out.start = billing.MRRStartAfter(*anchor, byCustomer)
		return out, nil
	}
	total, subs, err := tx.Analytics.MRRTotalsBefore(ctx, s, currency, from)
	if err != nil {
		return mrrSeries{}, err
	}
	customers, err := tx.Analytics.CountCustomersWithMRR(ctx, s, currency, from)
	if err != nil {
		return mrrSeries{}, err
	}
	out.start = billing.MRRStart{Total: total, Subscriptions: subs, Customers: customers, ByCustomer: byCustomer}
	return out, nil
}

// mrrChangesFrom reads the records in [from, to) and the state just
// before from of the customers they touch.
func (a *Analytics) mrrChangesFrom(ctx context.Context, tx billing.Tx, s billing.Scope, currency string, from, to time.Time) ([]billing.MRRChange, map[string]billing.CustomerMRR, error) {
	changes, err := tx.Analytics.MRRChangesBetween(ctx, s, billing.ReportRange{Currency: currency, From: from, To: to})
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	var ids []string
	for _, c := range changes {
		if !seen[c.CustomerID] {
			seen[c.CustomerID] = true
			ids = append(ids, c.CustomerID)
		}
	}
	byCustomer, err := tx.Analytics.CustomerMRRBefore(ctx, s, currency, ids, from)
	if err != nil {
		return nil, nil, err
	}
	return changes, byCustomer, nil
}

// seriesPeriods computes the periods of bounds from their series (read
// over the same bounds) and keeps those whole months that ended long
// enough ago (billing.MRRPeriodKeepable) for the next report.
func (a *Analytics) seriesPeriods(ctx context.Context, tx billing.Tx, s billing.Scope, currency string, bounds []time.Time, series mrrSeries) ([]billing.MRRPeriod, error) {
	k := len(series.kept)
	live, err := billing.MRRPeriods(bounds[k:], series.start, series.changes)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	var keep []billing.MRRPeriod
	for i, p := range live {
		if billing.MRRPeriodKeepable(bounds, k+i, now) {
			keep = append(keep, p)
		}
	}
	if len(keep) > 0 {
		if err := tx.Analytics.KeepMRRMonths(ctx, s, currency, series.epoch, keep, now); err != nil {
			return nil, err
		}
	}
	return append(append([]billing.MRRPeriod{}, series.kept...), live...), nil
}

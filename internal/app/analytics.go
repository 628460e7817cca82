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

// MRR returns the MRR series of p.Months months with each month's
// movements.
func (a *Analytics) MRR(ctx context.Context, s billing.Scope, p MRRParams) (MRRReport, error) {
	currency, err := reportCurrency(p.Currency)
	if err != nil {
		return MRRReport{}, err
	}
	if p.Months == 0 {
		p.Months = 12
	}
	if p.Months < 1 || p.Months > MaxReportMonths {
		return MRRReport{}, billing.Invalid("months", billing.CodeParameterInvalid, "months must be 1 to %d", MaxReportMonths)
	}
	var out MRRReport
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		asOf, m, err := a.reportClock(ctx, tx, s, p.AsOfParams)
		if err != nil {
			return err
		}
		loc := merchantLocation(m)
		bounds := billing.MonthBounds(asOf, loc, p.Months)
		periods, err := a.mrrPeriods(ctx, tx, s, currency, bounds)
		if err != nil {
			return err
		}
		out = MRRReport{Currency: currency, Timezone: loc.String(), AsOf: asOf}
		for _, per := range periods {
			out.Months = append(out.Months, MRRMonth{Month: per.Start.In(loc).Format("2006-01"), MRRPeriod: per})
		}
		return nil
	})
	return out, err
}

// mrrPeriods reads what billing.MRRPeriods needs for bounds (mrrRead) and
// computes the periods.
func (a *Analytics) mrrPeriods(ctx context.Context, tx billing.Tx, s billing.Scope, currency string, bounds []time.Time) ([]billing.MRRPeriod, error) {
	start, changes, err := a.mrrRead(ctx, tx, s, currency, bounds)
	if err != nil {
		return nil, err
	}
	return billing.MRRPeriods(bounds, start, changes)
}

// mrrRead reads what billing.MRRPeriods needs for bounds: the totals
// before the first bound, the records within, and the state of the
// customers those records touch.
func (a *Analytics) mrrRead(ctx context.Context, tx billing.Tx, s billing.Scope, currency string, bounds []time.Time) (billing.MRRStart, []billing.MRRChange, error) {
	from, to := bounds[0], bounds[len(bounds)-1]
	total, subs, err := tx.Analytics.MRRTotalsBefore(ctx, s, currency, from)
	if err != nil {
		return billing.MRRStart{}, nil, err
	}
	customers, err := tx.Analytics.CountCustomersWithMRR(ctx, s, currency, from)
	if err != nil {
		return billing.MRRStart{}, nil, err
	}
	changes, err := tx.Analytics.MRRChangesBetween(ctx, s, billing.ReportRange{Currency: currency, From: from, To: to})
	if err != nil {
		return billing.MRRStart{}, nil, err
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
		return billing.MRRStart{}, nil, err
	}
	return billing.MRRStart{Total: total, Subscriptions: subs, Customers: customers, ByCustomer: byCustomer}, changes, nil
}

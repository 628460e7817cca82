package billing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestProrateCycleChangeCLP(t *testing.T) {
	t.Parallel()
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	annual := Recurring{Interval: IntervalYear, IntervalCount: 1}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	mensual := []ProrationItem{{PriceID: "price_m", UnitAmount: 10000, Quantity: 1, Description: "Mensual"}}
	anual := []ProrationItem{{PriceID: "price_a", UnitAmount: 120000, Quantity: 1, Description: "Anual"}}
	for _, tc := range []struct {
		name              string
		old, neu          []ProrationItem
		start, end, at    time.Time
		cycle             Recurring
		wantEnd           time.Time
		credit, charge    int64
		net               int64
		wantCreditPeriods time.Time
	}{
		// A 28-day February period that began on a month end, switched
		// halfway: 14/28 of 10000 is credited, the whole year charged.
		{"monthly to annual", mensual, anual, day(2027, 1, 31), day(2027, 2, 28), day(2027, 2, 14), annual,
			day(2028, 2, 14), -5000, 120000, 115000, day(2027, 2, 28)},
		// 306 of 365 days unused: 120000 × 306/365 = 100602.74 → 100603;
		// the new month from March 31 ends on April 30 (month-end clamp).
		{"annual to monthly on a month end", anual, mensual, day(2026, 1, 31), day(2027, 1, 31), day(2026, 3, 31), monthly,
			day(2026, 4, 30), -100603, 10000, -90603, day(2027, 1, 31)},
		// 31 of 365 days unused: 10191.78 → 10192, more than the month
		// charged, so the net is a credit for the balance.
		{"annual to monthly late in the year", anual, mensual, day(2026, 1, 31), day(2027, 1, 31), day(2026, 12, 31), monthly,
			day(2027, 1, 31), -10192, 10000, -192, day(2027, 1, 31)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			newEnd, err := PeriodBoundary(tc.at, tc.cycle, 1, time.UTC)
			require.NoError(t, err)
			require.Equal(t, tc.wantEnd, newEnd)
			c, err := ProrateCycleChange(tc.old, tc.neu, tc.start, tc.end, tc.at, newEnd)
			require.NoError(t, err)
			require.Equal(t, []ProrationLine{{PriceID: tc.old[0].PriceID, Quantity: 1, Amount: tc.credit,
				PeriodStart: tc.at, PeriodEnd: tc.wantCreditPeriods, Description: tc.old[0].Description}}, c.Credits)
			require.Equal(t, []ProrationLine{{PriceID: tc.neu[0].PriceID, Quantity: 1, Amount: tc.charge,
				PeriodStart: tc.at, PeriodEnd: newEnd, Description: tc.neu[0].Description}}, c.Charges)
			require.Equal(t, tc.net, c.Net())
		})
	}
}

func TestProrateCycleChangeErrors(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	old := []ProrationItem{{PriceID: "price_m", UnitAmount: 10000, Quantity: 1}}
	_, err := ProrateCycleChange(old, old, start, end, at, at)
	require.Equal(t, "proration_date", AsError(err).Param)
	_, err = ProrateCycleChange(old, old, start, end, end, end.AddDate(1, 0, 0))
	require.Equal(t, "proration_date", AsError(err).Param)
	_, err = ProrateCycleChange(old, []ProrationItem{{PriceID: "p", UnitAmount: -1, Quantity: 1}}, start, end, at, end)
	require.Equal(t, CodeAmountInvalid, AsError(err).Code)
}

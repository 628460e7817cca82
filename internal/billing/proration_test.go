package billing

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestProrateCLPUpgradeAtOneThird(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(30 * 24 * time.Hour)
	at := start.Add(10 * 24 * time.Hour)
	old := []ProrationItem{{PriceID: "price_start", UnitAmount: 10000, Quantity: 1, Description: "Start"}}
	neu := []ProrationItem{{PriceID: "price_pro", UnitAmount: 25000, Quantity: 1, Description: "Pro"}}
	lines, err := Prorate(old, neu, start, end, at)
	require.NoError(t, err)
	// 10000 × 2/3 = 6666.67 → 6667; 25000 × 2/3 = 16666.67 → 16667.
	require.Equal(t, []ProrationLine{
		{PriceID: "price_start", Quantity: 1, Amount: -6667, PeriodStart: at, PeriodEnd: end, Description: "Start"},
		{PriceID: "price_pro", Quantity: 1, Amount: 16667, PeriodStart: at, PeriodEnd: end, Description: "Pro"},
	}, lines)
}

func TestProrateUSDExactSeconds(t *testing.T) {
	t.Parallel()
	// A 31-day month in UTC, changed 10 days in: 21/31 remains.
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	old := []ProrationItem{{PriceID: "price_basic", UnitAmount: 999, Quantity: 1}}
	neu := []ProrationItem{{PriceID: "price_plus", UnitAmount: 2999, Quantity: 1}}
	lines, err := Prorate(old, neu, start, end, at)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	require.Equal(t, int64(-677), lines[0].Amount) // 20979/31 = 676.74
	require.Equal(t, int64(2032), lines[1].Amount) // 62979/31 = 2031.58

	// April 2026 in Santiago lasts 30 days and 1 hour (DST ends on the
	// 5th): the rule counts seconds, not days. Ten wall-clock days in, 20
	// days remain of 2 595 600 s: 999 × 1 728 000 / 2 595 600 = 665.09.
	loc := periodSantiago(t)
	start = time.Date(2026, 4, 1, 0, 0, 0, 0, loc)
	end = time.Date(2026, 5, 1, 0, 0, 0, 0, loc)
	at = time.Date(2026, 4, 11, 0, 0, 0, 0, loc)
	require.Equal(t, int64(2595600), end.Unix()-start.Unix())
	lines, err = Prorate(old, nil, start, end, at)
	require.NoError(t, err)
	require.Equal(t, int64(-665), lines[0].Amount)
}

func TestProrateTruncatesToSeconds(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 900_000_000, time.UTC)
	end := time.Date(2026, 1, 1, 0, 0, 4, 100_000_000, time.UTC)
	// Seconds: s = 0, e = 4, t = 1 → 3/4 remains, whatever the fractions.
	at := time.Date(2026, 1, 1, 0, 0, 1, 999_999_999, time.UTC)
	lines, err := Prorate(nil, []ProrationItem{{PriceID: "p", UnitAmount: 100, Quantity: 1}}, start, end, at)
	require.NoError(t, err)
	require.Equal(t, int64(75), lines[0].Amount)
	require.Equal(t, time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC), lines[0].PeriodStart)
	require.Equal(t, time.Date(2026, 1, 1, 0, 0, 4, 0, time.UTC), lines[0].PeriodEnd)
	require.Equal(t, time.UTC, lines[0].PeriodStart.Location())
}

func TestProrateRoundsHalfAwayFromZeroOncePerLine(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_700_000_000, 0)
	end := start.Add(2 * time.Second)
	half := start.Add(time.Second)
	tests := []struct {
		name       string
		unit, qty  int64
		wantCredit int64
	}{
		{"1 over two halves", 1, 1, -1},        // 0.5 → 1, credit −0.5 → −1
		{"3 over two halves", 3, 1, -2},        // 1.5 → 2
		{"2 over two halves", 2, 1, -1},        // exact
		{"line total, not per unit", 1, 3, -2}, // 3 × ½ = 1.5 → 2; per unit would give 3
		{"zero quantity", 500, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			item := ProrationItem{PriceID: "p", UnitAmount: tc.unit, Quantity: tc.qty}
			lines, err := Prorate([]ProrationItem{item}, []ProrationItem{item}, start, end, half)
			require.NoError(t, err)
			require.Empty(t, lines, "an unchanged item makes no lines")

			lines, err = Prorate([]ProrationItem{item}, nil, start, end, half)
			require.NoError(t, err)
			require.Len(t, lines, 1)
			require.Equal(t, tc.wantCredit, lines[0].Amount)

			lines, err = Prorate(nil, []ProrationItem{item}, start, end, half)
			require.NoError(t, err)
			require.Equal(t, -tc.wantCredit, lines[0].Amount, "debits mirror credits")
		})
	}
}

func TestProrateAtStartAndNearEnd(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(30 * 24 * time.Hour)
	old := []ProrationItem{{PriceID: "a", UnitAmount: 10000, Quantity: 1}}
	neu := []ProrationItem{{PriceID: "b", UnitAmount: 25000, Quantity: 1}}

	lines, err := Prorate(old, neu, start, end, start)
	require.NoError(t, err)
	require.Equal(t, int64(-10000), lines[0].Amount, "a change at the start credits everything")
	require.Equal(t, int64(25000), lines[1].Amount)
	require.Equal(t, start, lines[0].PeriodStart)

	// One second before the end both lines round to zero but are kept.
	lines, err = Prorate(old, neu, start, end, end.Add(-time.Second))
	require.NoError(t, err)
	require.Len(t, lines, 2)
	require.Zero(t, lines[0].Amount)
	require.Zero(t, lines[1].Amount)
}

func TestProrateItemMatching(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(30 * 24 * time.Hour)
	at := start.Add(15 * 24 * time.Hour) // half-way: amounts are halves

	amounts := func(lines []ProrationLine) []ProrationLine {
		for i := range lines {
			lines[i].PeriodStart, lines[i].PeriodEnd = time.Time{}, time.Time{}
		}
		return lines
	}

	// A quantity change on the same price: credit the old quantity, debit
	// the new one; the untouched add-on makes no lines.
	old := []ProrationItem{
		{PriceID: "seat", UnitAmount: 1000, Quantity: 3, Description: "Seats"},
		{PriceID: "addon", UnitAmount: 500, Quantity: 1, Description: "Add-on"},
	}
	neu := []ProrationItem{
		{PriceID: "addon", UnitAmount: 500, Quantity: 1, Description: "Add-on (renamed)"},
		{PriceID: "seat", UnitAmount: 1000, Quantity: 5, Description: "Seats"},
	}
	lines, err := Prorate(old, neu, start, end, at)
	require.NoError(t, err)
	require.Equal(t, []ProrationLine{
		{PriceID: "seat", Quantity: 3, Amount: -1500, Description: "Seats"},
		{PriceID: "seat", Quantity: 5, Amount: 2500, Description: "Seats"},
	}, amounts(lines))

	// Repeated identical items cancel one for one.
	x := ProrationItem{PriceID: "x", UnitAmount: 100, Quantity: 1}
	lines, err = Prorate([]ProrationItem{x, x, x}, []ProrationItem{x}, start, end, at)
	require.NoError(t, err)
	require.Equal(t, []ProrationLine{
		{PriceID: "x", Quantity: 1, Amount: -50},
		{PriceID: "x", Quantity: 1, Amount: -50},
	}, amounts(lines))
	lines, err = Prorate([]ProrationItem{x}, []ProrationItem{x, x}, start, end, at)
	require.NoError(t, err)
	require.Equal(t, []ProrationLine{{PriceID: "x", Quantity: 1, Amount: 50}}, amounts(lines))

	// Nothing changes: no lines.
	lines, err = Prorate(old, old, start, end, at)
	require.NoError(t, err)
	require.Empty(t, lines)
	lines, err = Prorate(nil, nil, start, end, at)
	require.NoError(t, err)
	require.Empty(t, lines)
}

func TestProrateErrors(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(30 * 24 * time.Hour)
	mid := start.Add(24 * time.Hour)
	ok := []ProrationItem{{PriceID: "a", UnitAmount: 100, Quantity: 1}}
	tests := []struct {
		name          string
		old, neu      []ProrationItem
		start, end, t time.Time
		param, code   string
	}{
		{"before the period", ok, nil, start, end, start.Add(-time.Second), "proration_date", CodeParameterInvalid},
		{"at the end", ok, nil, start, end, end, "proration_date", CodeParameterInvalid},
		{"after the end", ok, nil, start, end, end.Add(time.Hour), "proration_date", CodeParameterInvalid},
		{"in the end's second", ok, nil, start, end.Add(time.Millisecond), end.Add(time.Microsecond), "proration_date", CodeParameterInvalid},
		{"empty period", ok, nil, start, start, start, "proration_date", CodeParameterInvalid},
		{"reversed period", ok, nil, end, start, mid, "proration_date", CodeParameterInvalid},
		{"overflowing old line", []ProrationItem{{PriceID: "big", UnitAmount: math.MaxInt64, Quantity: 2}}, nil, start, end, mid, "items", CodeAmountInvalid},
		{"overflowing new line", nil, []ProrationItem{{PriceID: "big", UnitAmount: 1 << 32, Quantity: 1 << 32}}, start, end, mid, "items", CodeAmountInvalid},
		{"negative unit amount", []ProrationItem{{PriceID: "neg", UnitAmount: -1, Quantity: 1}}, nil, start, end, mid, "items", CodeAmountInvalid},
		{"negative quantity", nil, []ProrationItem{{PriceID: "neg", UnitAmount: 1, Quantity: -1}}, start, end, mid, "items", CodeParameterInvalid},
		{"negative but unchanged", []ProrationItem{{PriceID: "neg", UnitAmount: 1, Quantity: -1}}, []ProrationItem{{PriceID: "neg", UnitAmount: 1, Quantity: -1}}, start, end, mid, "items", CodeParameterInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lines, err := Prorate(tc.old, tc.neu, tc.start, tc.end, tc.t)
			require.Nil(t, lines)
			e := AsError(err)
			require.NotNil(t, e, "want a *billing.Error, got %v", err)
			require.Equal(t, KindInvalid, e.Kind)
			require.Equal(t, tc.code, e.Code)
			require.Equal(t, tc.param, e.Param)
		})
	}
}

func TestProrateLargeAmountsDoNotOverflow(t *testing.T) {
	t.Parallel()
	// unit × qty near the int64 limit: ProRata multiplies in 128 bits.
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(4 * time.Second)
	item := ProrationItem{PriceID: "big", UnitAmount: math.MaxInt64 / 4 * 2, Quantity: 2}
	lines, err := Prorate([]ProrationItem{item}, nil, start, end, start.Add(time.Second))
	require.NoError(t, err)
	total := int64(math.MaxInt64 / 4 * 4)
	require.Equal(t, -(total / 4 * 3), lines[0].Amount)
}

func TestItemsTotal(t *testing.T) {
	t.Parallel()
	total, err := ItemsTotal([]ProrationItem{{UnitAmount: 1000, Quantity: 3}, {UnitAmount: 250, Quantity: 2}})
	require.NoError(t, err)
	require.Equal(t, int64(3500), total)
	total, err = ItemsTotal(nil)
	require.NoError(t, err)
	require.Zero(t, total)
	_, err = ItemsTotal([]ProrationItem{{UnitAmount: math.MaxInt64, Quantity: 1}, {UnitAmount: 1, Quantity: 1}})
	require.Equal(t, CodeAmountInvalid, AsError(err).Code)
	_, err = ItemTotal(ProrationItem{UnitAmount: math.MaxInt64, Quantity: 1})
	require.NoError(t, err)
}

func TestProrationBehaviorValid(t *testing.T) {
	t.Parallel()
	for _, b := range []ProrationBehavior{ProrationCreateProrations, ProrationAlwaysInvoice, ProrationNone} {
		require.True(t, b.Valid(), b)
	}
	require.Equal(t, ProrationBehavior("create_prorations"), ProrationCreateProrations)
	require.Equal(t, ProrationBehavior("always_invoice"), ProrationAlwaysInvoice)
	require.Equal(t, ProrationBehavior("none"), ProrationNone)
	for _, b := range []ProrationBehavior{"", "None", "always"} {
		require.False(t, b.Valid(), b)
	}
}

func TestFeaturesDiff(t *testing.T) {
	t.Parallel()
	old := map[string]int64{"properties": 10, "featured": 1, "users": 3, "zero": 0}
	neu := map[string]int64{"properties": 5, "users": 3, "api": 1, "also_zero": 0}
	diff := FeaturesDiff(old, neu)
	require.Equal(t, []FeatureChange{
		{Name: "api", Old: 0, New: 1},
		{Name: "featured", Old: 1, New: 0},
		{Name: "properties", Old: 10, New: 5},
	}, diff)
	require.False(t, diff[0].Reduced())
	require.True(t, diff[1].Reduced())
	require.True(t, diff[2].Reduced())

	require.Empty(t, FeaturesDiff(nil, nil))
	require.Empty(t, FeaturesDiff(map[string]int64{"x": 0}, nil))
	require.Equal(t, []FeatureChange{{Name: "x", Old: 0, New: 2}}, FeaturesDiff(nil, map[string]int64{"x": 2}))
}

func TestIsUpgradeAndSameCycle(t *testing.T) {
	t.Parallel()
	month := Recurring{IntervalMonth, 1}
	year := Recurring{IntervalYear, 1}
	months12 := Recurring{IntervalMonth, 12}
	week := Recurring{IntervalWeek, 1}
	days7 := Recurring{IntervalDay, 7}
	days30 := Recurring{IntervalDay, 30}
	days31 := Recurring{IntervalDay, 31}

	require.True(t, SameCycle(month, month))
	require.True(t, SameCycle(year, months12))
	require.True(t, SameCycle(week, days7))
	require.False(t, SameCycle(month, days30))
	require.False(t, SameCycle(Recurring{}, Recurring{}), "invalid cycles are never the same")

	tests := []struct {
		name     string
		oldTotal int64
		oldCycle Recurring
		newTotal int64
		newCycle Recurring
		want     bool
	}{
		{"same cycle, dearer", 10000, month, 25000, month, true},
		{"same cycle, cheaper", 25000, month, 10000, month, false},
		{"same cycle, same total", 10000, month, 10000, month, false},
		{"12 months is a year", 100000, year, 120000, months12, true},
		{"longer cycle, even if cheaper per period", 10000, month, 5000, year, true},
		{"shorter cycle, even if dearer per period", 100000, year, 200000, month, false},
		{"a month is longer than 30 days", 10000, days30, 1, month, true},
		{"31 days is longer than a month", 10000, month, 1, days31, true},
		{"week vs 7 days compares totals", 700, days7, 800, week, true},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, IsUpgrade(tc.oldTotal, tc.oldCycle, tc.newTotal, tc.newCycle), tc.name)
	}
}

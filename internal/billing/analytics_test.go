package billing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mrrSub(status SubscriptionStatus, interval string, count int64, items ...SubscriptionItem) Subscription {
	return Subscription{Status: status, Currency: "CLP", Recurring: Recurring{Interval: interval, IntervalCount: count}, Items: items}
}

func item(qty, unit int64) SubscriptionItem { return SubscriptionItem{Quantity: qty, UnitAmount: unit} }

func TestMRRAt(t *testing.T) {
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	pct := &Coupon{PercentOffBP: 1250, Duration: DurationForever}
	amt := &Coupon{AmountOff: 3000, Currency: "CLP", Duration: DurationRepeating, DurationInMonths: 3}
	usd := &Coupon{AmountOff: 3000, Currency: "USD", Duration: DurationForever}
	once := &Coupon{PercentOffBP: 5000, Duration: DurationOnce}
	cases := []struct {
		name   string
		sub    Subscription
		coupon *Coupon
		want   int64
	}{
		{"monthly", mrrSub(SubscriptionActive, IntervalMonth, 1, item(1, 5000)), nil, 5000},
		{"quantity and two items", mrrSub(SubscriptionActive, IntervalMonth, 1, item(3, 5000), item(2, 990)), nil, 16980},
		// 100000 / 12 = 8333.33… → 8333
		{"annual", mrrSub(SubscriptionActive, IntervalYear, 1, item(1, 100000)), nil, 8333},
		// 100002 / 12 = 8333.5 → 8334 (half away from zero)
		{"annual rounds half away", mrrSub(SubscriptionActive, IntervalYear, 1, item(1, 100002)), nil, 8334},
		// every 3 months: 9000 / 3 = 3000
		{"quarterly", mrrSub(SubscriptionActive, IntervalMonth, 3, item(1, 9000)), nil, 3000},
		// 1000 × 52 / 12 = 4333.33… → 4333
		{"weekly", mrrSub(SubscriptionActive, IntervalWeek, 1, item(1, 1000)), nil, 4333},
		// 100 × 365 / 12 = 3041.66… → 3042
		{"daily", mrrSub(SubscriptionActive, IntervalDay, 1, item(1, 100)), nil, 3042},
		{"past_due counts", mrrSub(SubscriptionPastDue, IntervalMonth, 1, item(1, 5000)), nil, 5000},
		{"trialing does not", mrrSub(SubscriptionTrialing, IntervalMonth, 1, item(1, 5000)), nil, 0},
		{"paused does not", mrrSub(SubscriptionPaused, IntervalMonth, 1, item(1, 5000)), nil, 0},
		{"unpaid does not", mrrSub(SubscriptionUnpaid, IntervalMonth, 1, item(1, 5000)), nil, 0},
		{"canceled does not", mrrSub(SubscriptionCanceled, IntervalMonth, 1, item(1, 5000)), nil, 0},
		{"incomplete does not", mrrSub(SubscriptionIncomplete, IntervalMonth, 1, item(1, 5000)), nil, 0},
		// 5001 × 0.875 = 4375.875 → 4376
		{"percent coupon exact then rounded", mrrSub(SubscriptionActive, IntervalMonth, 1, item(1, 5001)), pct, 4376},
		// (100000 × 0.875) / 12 = 7291.66… → 7292 (rounded once, not per step)
		{"percent coupon on annual", mrrSub(SubscriptionActive, IntervalYear, 1, item(1, 100000)), pct, 7292},
		{"amount coupon", mrrSub(SubscriptionActive, IntervalMonth, 1, item(1, 5000)), amt, 2000},
		{"amount coupon capped at subtotal", mrrSub(SubscriptionActive, IntervalMonth, 1, item(1, 2000)), amt, 0},
		{"amount coupon in another currency", mrrSub(SubscriptionActive, IntervalMonth, 1, item(1, 5000)), usd, 5000},
		{"once coupon is not recurring", mrrSub(SubscriptionActive, IntervalMonth, 1, item(1, 5000)), once, 5000},
		// 2,5 UF is not 25000 pesos: a UF item is left out
		{"a UF item is not added to pesos", mrrSub(SubscriptionActive, IntervalMonth, 1, item(1, 5000), ufItem(1, 25000)), nil, 5000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := MRRAt(c.sub, c.coupon, true, at)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
	_, err := MRRAt(mrrSub(SubscriptionActive, "fortnight", 1, item(1, 1)), nil, true, at)
	require.Error(t, err)
}

func TestMRRSchedule(t *testing.T) {
	loc := time.UTC
	d := func(m time.Month, day int) time.Time { return time.Date(2024, m, day, 0, 0, 0, 0, loc) }
	base := mrrSub(SubscriptionActive, IntervalMonth, 1, item(1, 10000))
	base.BillingAnchor, base.CurrentPeriodStart, base.CurrentPeriodEnd = d(1, 15), d(3, 15), d(4, 15)

	t.Run("plain", func(t *testing.T) {
		got, err := MRRSchedule(base, nil, loc, d(3, 20))
		require.NoError(t, err)
		require.Equal(t, []MRRPoint{{d(3, 20), 10000}}, got)
	})
	t.Run("downgrade at period end", func(t *testing.T) {
		sub := base
		sub.PendingChange = &PendingChange{Items: []SubscriptionItem{item(1, 4000)}, EffectiveAt: d(4, 15)}
		got, err := MRRSchedule(sub, nil, loc, d(3, 20))
		require.NoError(t, err)
		require.Equal(t, []MRRPoint{{d(3, 20), 10000}, {d(4, 15), 4000}}, got)
		// The renewal that applies it changes nothing recorded.
		renewed := sub
		require.NoError(t, renewed.Renew(loc))
		before, err := MRRSchedule(sub, nil, loc, d(4, 15))
		require.NoError(t, err)
		after, err := MRRSchedule(renewed, nil, loc, d(4, 15))
		require.NoError(t, err)
		require.True(t, SameMRRSchedule(before, after))
	})
	t.Run("repeating coupon ends at the first period starting at or after its end", func(t *testing.T) {
		sub := base
		end := d(5, 1) // mid-period: the period from Apr 15 is discounted whole
		sub.CouponID, sub.DiscountEnd = "coupon_x", &end
		c := &Coupon{PercentOffBP: 5000, Duration: DurationRepeating, DurationInMonths: 3}
		got, err := MRRSchedule(sub, c, loc, d(3, 20))
		require.NoError(t, err)
		require.Equal(t, []MRRPoint{{d(3, 20), 5000}, {d(5, 15), 10000}}, got)
		// After it ended, the schedule is the full price.
		got, err = MRRSchedule(sub, c, loc, d(6, 1))
		require.NoError(t, err)
		require.Equal(t, []MRRPoint{{d(6, 1), 10000}}, got)
	})
	t.Run("a status that brings nothing", func(t *testing.T) {
		sub := base
		sub.Status = SubscriptionCanceled
		got, err := MRRSchedule(sub, nil, loc, d(3, 20))
		require.NoError(t, err)
		require.Equal(t, []MRRPoint{{d(3, 20), 0}}, got)
	})
}

func TestMRRChanges(t *testing.T) {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	later := at.AddDate(0, 1, 0)
	got := MRRChanges(5000, []MRRPoint{{at, 5000}, {later, 2000}})
	require.Equal(t, []MRRChange{{At: later, Amount: 2000, Delta: -3000}}, got)
	require.Empty(t, MRRChanges(0, []MRRPoint{{at, 0}}))
	c := MRRChanges(0, []MRRPoint{{at, 7000}, {later, 0}})
	require.Equal(t, int64(1), c[0].ActiveDelta())
	require.Equal(t, int64(-1), c[1].ActiveDelta())
	require.Equal(t, int64(0), MRRChange{Amount: 9000, Delta: 2000}.ActiveDelta())
}

func TestMRRPeriods(t *testing.T) {
	d := func(m time.Month, day int) time.Time { return time.Date(2024, m, day, 0, 0, 0, 0, time.UTC) }
	bounds := []time.Time{d(1, 1), d(2, 1), d(3, 1), d(4, 1)}
	start := MRRStart{Total: 10000, Subscriptions: 2, Customers: 2, ByCustomer: map[string]CustomerMRR{
		"a": {5000, true}, "b": {5000, true}, "c": {0, true},
	}}
	ch := func(cus string, at time.Time, amount, delta int64) MRRChange {
		return MRRChange{CustomerID: cus, At: at, Amount: amount, Delta: delta}
	}
	changes := []MRRChange{
		ch("a", d(1, 10), 8000, 3000), // January: a expands +3000
		ch("n", d(1, 20), 4000, 4000), // n is new +4000
		ch("b", d(2, 5), 0, -5000),    // February: b churns −5000
		ch("c", d(2, 6), 1000, 1000),  // c comes back: reactivation +1000
		ch("a", d(3, 2), 6000, -2000), // March: a contracts −2000
		ch("n", d(3, 3), 0, -4000),    // n leaves and returns within March: no movement
		ch("n", d(3, 9), 4000, 4000),
	}
	got, err := MRRPeriods(bounds, start, changes)
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, MRRMovements{New: 4000, Expansion: 3000, NewCustomers: 1, ExpansionCustomers: 1}, got[0].Movements)
	require.Equal(t, int64(17000), got[0].EndMRR)
	require.Equal(t, int64(3), got[0].EndCustomers)
	require.Equal(t, int64(3), got[0].EndSubscriptions)
	require.Equal(t, MRRMovements{Churn: -5000, Reactivation: 1000, ChurnedCustomers: 1, ReactivatedCustomers: 1}, got[1].Movements)
	require.Equal(t, int64(13000), got[1].EndMRR)
	require.Equal(t, MRRMovements{Contraction: -2000, ContractionCustomers: 1}, got[2].Movements)
	require.Equal(t, int64(11000), got[2].EndMRR)
	require.Equal(t, int64(3), got[2].EndCustomers)
	for _, p := range got {
		require.Equal(t, p.EndMRR, p.StartMRR+p.Movements.Net())
	}

	_, err = MRRPeriods(bounds, start, []MRRChange{ch("a", d(5, 1), 1, 1)})
	require.Error(t, err)
	_, err = MRRPeriods(bounds, start, []MRRChange{ch("a", d(3, 1), 1, 1), ch("a", d(1, 1), 1, 1)})
	require.Error(t, err)
	_, err = MRRPeriods(bounds[:1], start, nil)
	require.Error(t, err)
}

func TestMonthBounds(t *testing.T) {
	scl, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	asOf := time.Date(2024, 3, 10, 15, 0, 0, 0, time.UTC)
	got := MonthBounds(asOf, scl, 3)
	// Santiago is UTC−3 in summer (January–March 2024).
	require.Equal(t, []time.Time{
		time.Date(2024, 1, 1, 3, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 1, 3, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 1, 3, 0, 0, 0, time.UTC),
		asOf.Add(time.Microsecond),
	}, got)
}

func TestRatios(t *testing.T) {
	require.Nil(t, RatioBP(1, 0))
	require.Equal(t, int64(3333), *RatioBP(1, 3))
	require.Equal(t, int64(6667), *RatioBP(2, 3))
	require.Equal(t, int64(-5000), *RatioBP(-1, 2))
	require.Nil(t, Average(5, 0))
	require.Equal(t, int64(3), *Average(5, 2))
	require.Equal(t, int64(-3), *Average(-5, 2))
}

// ufItem is an item of a UF price (amounts in 1/10000 UF).
func ufItem(qty, unitAmount int64) SubscriptionItem {
	it := item(qty, unitAmount)
	it.Currency = CurrencyUF
	return it
}

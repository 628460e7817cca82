package billing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCyclePeriod(t *testing.T) {
	t.Parallel()
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	anchor := time.Date(2024, 1, 31, 13, 0, 0, 0, time.UTC) // 10:00 in Santiago (−03)
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	for _, tc := range []struct {
		n          int64
		start, end time.Time
	}{
		{1, anchor, time.Date(2024, 2, 29, 13, 0, 0, 0, time.UTC)},
		{2, time.Date(2024, 2, 29, 13, 0, 0, 0, time.UTC), time.Date(2024, 3, 31, 13, 0, 0, 0, time.UTC)},
		// Apr 30 10:00 is −04 in Santiago: the wall time is kept, not the UTC time.
		{3, time.Date(2024, 3, 31, 13, 0, 0, 0, time.UTC), time.Date(2024, 4, 30, 14, 0, 0, 0, time.UTC)},
	} {
		start, end, err := CyclePeriod(anchor, monthly, tc.n, santiago)
		require.NoError(t, err, tc.n)
		require.Equal(t, tc.start, start, tc.n)
		require.Equal(t, tc.end, end, tc.n)
		wantStart, err := PeriodBoundary(anchor, monthly, tc.n-1, santiago)
		require.NoError(t, err)
		require.Equal(t, wantStart, start, "period n starts at boundary n−1")
	}
	_, _, err = CyclePeriod(time.Date(9999, 6, 1, 0, 0, 0, 0, time.UTC), Recurring{Interval: IntervalYear, IntervalCount: 1}, 1, time.UTC)
	require.Error(t, err, "a period ending after 9999 cannot be computed")
	require.Equal(t, KindInvalid, AsError(err).Kind)
	require.Empty(t, AsError(err).Param)
}

func TestMoveToCycleAndRenew(t *testing.T) {
	t.Parallel()
	anchor := time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	feb15, mar15, apr15 := time.Date(2025, 2, 15, 9, 0, 0, 0, time.UTC), time.Date(2025, 3, 15, 9, 0, 0, 0, time.UTC), time.Date(2025, 4, 15, 9, 0, 0, 0, time.UTC)
	oldItems := []SubscriptionItem{{ID: "si_1", PriceID: "price_big", Quantity: 1}}
	newItems := []SubscriptionItem{{ID: "si_2", PriceID: "price_small", Quantity: 1}}

	sub := Subscription{BillingAnchor: anchor, Recurring: monthly, Items: oldItems}
	require.NoError(t, sub.MoveToCycle(1, time.UTC))
	require.Equal(t, int64(1), sub.CycleIndex)
	require.Equal(t, anchor, sub.CurrentPeriodStart)
	require.Equal(t, feb15, sub.CurrentPeriodEnd)

	for _, tc := range []struct {
		name      string
		effective time.Time
		wantItems []SubscriptionItem
		pending   bool
	}{
		{"a downgrade due at the period end applies", feb15, newItems, false},
		{"a change due earlier applies", anchor, newItems, false},
		{"a change due later waits", mar15, oldItems, true},
	} {
		s := sub
		s.PendingChange = &PendingChange{Items: newItems, EffectiveAt: tc.effective}
		require.NoError(t, s.Renew(time.UTC), tc.name)
		require.Equal(t, int64(2), s.CycleIndex, tc.name)
		require.Equal(t, feb15, s.CurrentPeriodStart, tc.name)
		require.Equal(t, mar15, s.CurrentPeriodEnd, tc.name)
		require.Equal(t, tc.wantItems, s.Items, tc.name)
		require.Equal(t, tc.pending, s.PendingChange != nil, tc.name)
	}

	s := sub
	s.CycleIndex = 2
	require.NoError(t, s.MoveToCycle(3, time.UTC))
	require.Equal(t, mar15, s.CurrentPeriodStart)
	require.Equal(t, apr15, s.CurrentPeriodEnd)

	// A period the calendar cannot hold leaves the subscription as it was,
	// scheduled change included.
	far := Subscription{BillingAnchor: time.Date(9999, 6, 1, 0, 0, 0, 0, time.UTC), Recurring: Recurring{Interval: IntervalYear, IntervalCount: 1},
		Items: oldItems, PendingChange: &PendingChange{Items: newItems, EffectiveAt: anchor}}
	before := far
	require.Error(t, far.Renew(time.UTC))
	require.Equal(t, before, far)
	require.Error(t, far.MoveToCycle(1, time.UTC))
	require.Equal(t, before, far)
}

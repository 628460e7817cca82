package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestMRRPeriodKeepable(t *testing.T) {
	jan, feb, mar := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	asOf := mar.Add(10 * 24 * time.Hour)
	bounds := []time.Time{jan, feb, mar, asOf.Add(time.Microsecond)}
	for _, tc := range []struct {
		name string
		i    int
		now  time.Time
		want bool
	}{
		{"a month over for hours", 0, asOf, true},
		{"the month before the partial one", 1, asOf, true},
		{"the report's partial month, never", 2, asOf.Add(1000 * time.Hour), false},
		{"a month that ended an hour ago", 1, mar.Add(time.Hour), false},
		{"a month that ended exactly MRRKeepAfter ago", 1, mar.Add(billing.MRRKeepAfter), true},
		{"out of range", 3, asOf, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, billing.MRRPeriodKeepable(bounds, tc.i, tc.now))
		})
	}
}

func TestMRRWriteIntoPast(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"a save now", now, false},
		{"a test clock ahead", now.Add(48 * time.Hour), false},
		{"a record half an hour back", now.Add(-30 * time.Minute), false},
		{"exactly half the keeping margin back", now.Add(-billing.MRRKeepAfter / 2), false},
		{"just past it", now.Add(-billing.MRRKeepAfter/2 - time.Microsecond), true},
		{"a test clock in 2024", time.Date(2024, 2, 15, 12, 0, 0, 0, time.UTC), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, billing.MRRWriteIntoPast(tc.at, now))
		})
	}
	// Whatever a write that does not move the epoch touches ends after
	// every month a report may keep.
	require.Greater(t, billing.MRRKeepAfter, billing.MRRKeepAfter/2)
}

func TestKeptMRRPrefix(t *testing.T) {
	m := func(month int) time.Time { return time.Date(2026, time.Month(month), 1, 3, 0, 0, 0, time.UTC) }
	period := func(from, to int, end int64) billing.MRRPeriod {
		return billing.MRRPeriod{Start: m(from), End: m(to), EndMRR: end}
	}
	bounds := []time.Time{m(3), m(4), m(5), m(6)}
	for _, tc := range []struct {
		name       string
		kept       []billing.MRRPeriod
		wantPrefix []int64 // EndMRR of the prefix's periods
		wantFrom   int64   // EndMRR of the period to go on from; -1: none
	}{
		{"nothing kept", nil, nil, -1},
		{"all three, in any order", []billing.MRRPeriod{period(5, 6, 3), period(3, 4, 1), period(4, 5, 2)}, []int64{1, 2, 3}, 3},
		{"a gap stops the prefix", []billing.MRRPeriod{period(3, 4, 1), period(5, 6, 3)}, []int64{1}, 1},
		{"the first missing: none, even with later ones", []billing.MRRPeriod{period(4, 5, 2)}, nil, -1},
		{"the month before the report gives its start", []billing.MRRPeriod{period(2, 3, 9), period(4, 5, 2)}, nil, 9},
		{"the prefix wins over the month before", []billing.MRRPeriod{period(2, 3, 9), period(3, 4, 1)}, []int64{1}, 1},
		{"other bounds (another time zone) do not match", []billing.MRRPeriod{{Start: m(3).Add(time.Hour), End: m(4).Add(time.Hour)}}, nil, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix, from := billing.KeptMRRPrefix(bounds, tc.kept)
			var got []int64
			for _, p := range prefix {
				got = append(got, p.EndMRR)
			}
			require.Equal(t, tc.wantPrefix, got)
			if tc.wantFrom < 0 {
				require.Nil(t, from)
				return
			}
			require.NotNil(t, from)
			require.Equal(t, tc.wantFrom, from.EndMRR)
		})
	}
}

package billing

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// periodSantiago loads America/Santiago, whose DST changes (first Sunday of
// April: 00:00 → 23:00 of Saturday; first Sunday of September: 00:00 →
// 01:00) are the ones Chilean merchants live with.
func periodSantiago(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	return loc
}

// periodTime parses an RFC 3339 instant; expected values are written with
// their local offset so that a reader can check the wall time, and compared
// in UTC, which is what the period functions return.
func periodTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v.UTC()
}

func TestPeriodBoundaryMonthEndClampThroughLeapYear(t *testing.T) {
	t.Parallel()
	loc := periodSantiago(t)
	anchor := periodTime(t, "2024-01-31T10:00:00-03:00")
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	// Chile left DST on 2024-04-07 (−03 → −04) and re-entered it on
	// 2024-09-08 (−04 → −03): the wall time stays 10:00 throughout.
	want := []string{
		"2024-01-31T10:00:00-03:00",
		"2024-02-29T10:00:00-03:00",
		"2024-03-31T10:00:00-03:00",
		"2024-04-30T10:00:00-04:00",
		"2024-05-31T10:00:00-04:00",
		"2024-06-30T10:00:00-04:00",
		"2024-07-31T10:00:00-04:00",
		"2024-08-31T10:00:00-04:00",
		"2024-09-30T10:00:00-03:00",
		"2024-10-31T10:00:00-03:00",
		"2024-11-30T10:00:00-03:00",
		"2024-12-31T10:00:00-03:00",
		"2025-01-31T10:00:00-03:00",
		"2025-02-28T10:00:00-03:00",
		"2025-03-31T10:00:00-03:00",
	}
	for n, w := range want {
		got := mustBoundary(t, anchor, monthly, int64(n), loc)
		require.Equal(t, periodTime(t, w), got, "period %d", n)
		require.Equal(t, time.UTC, got.Location(), "period %d is returned in UTC", n)
	}
}

func TestPeriodBoundaryCalendarCases(t *testing.T) {
	t.Parallel()
	loc := periodSantiago(t)
	tests := []struct {
		name   string
		anchor string
		r      Recurring
		loc    *time.Location
		want   []string // boundaries 0, 1, 2, …
	}{
		{
			name:   "yearly from Feb 29 clamps in common years only",
			anchor: "2024-02-29T08:15:00Z",
			r:      Recurring{Interval: IntervalYear, IntervalCount: 1},
			loc:    time.UTC,
			want: []string{
				"2024-02-29T08:15:00Z",
				"2025-02-28T08:15:00Z",
				"2026-02-28T08:15:00Z",
				"2027-02-28T08:15:00Z",
				"2028-02-29T08:15:00Z",
			},
		},
		{
			name:   "every two years from Feb 29",
			anchor: "2024-02-29T08:15:00Z",
			r:      Recurring{Interval: IntervalYear, IntervalCount: 2},
			loc:    time.UTC,
			want:   []string{"2024-02-29T08:15:00Z", "2026-02-28T08:15:00Z", "2028-02-29T08:15:00Z"},
		},
		{
			name:   "quarterly from Nov 30 returns to the 30th after February",
			anchor: "2024-11-30T09:00:00-03:00",
			r:      Recurring{Interval: IntervalMonth, IntervalCount: 3},
			loc:    loc,
			want: []string{
				"2024-11-30T09:00:00-03:00",
				"2025-02-28T09:00:00-03:00",
				"2025-05-30T09:00:00-04:00",
				"2025-08-30T09:00:00-04:00",
				"2025-11-30T09:00:00-03:00",
				"2026-02-28T09:00:00-03:00",
			},
		},
		{
			name:   "quarterly from Aug 31",
			anchor: "2025-08-31T00:00:00Z",
			r:      Recurring{Interval: IntervalMonth, IntervalCount: 3},
			loc:    time.UTC,
			want:   []string{"2025-08-31T00:00:00Z", "2025-11-30T00:00:00Z", "2026-02-28T00:00:00Z", "2026-05-31T00:00:00Z"},
		},
		{
			name:   "daily across the end of DST: one 25-hour day",
			anchor: "2026-04-03T10:00:00-03:00",
			r:      Recurring{Interval: IntervalDay, IntervalCount: 1},
			loc:    loc,
			want: []string{
				"2026-04-03T10:00:00-03:00",
				"2026-04-04T10:00:00-03:00",
				"2026-04-05T10:00:00-04:00", // 25 hours after the previous boundary
				"2026-04-06T10:00:00-04:00",
			},
		},
		{
			name:   "daily across the start of DST: one 23-hour day",
			anchor: "2026-09-04T10:00:00-04:00",
			r:      Recurring{Interval: IntervalDay, IntervalCount: 1},
			loc:    loc,
			want: []string{
				"2026-09-04T10:00:00-04:00",
				"2026-09-05T10:00:00-04:00",
				"2026-09-06T10:00:00-03:00", // 23 hours after the previous boundary
				"2026-09-07T10:00:00-03:00",
			},
		},
		{
			name:   "weekly across both DST changes of 2026",
			anchor: "2026-03-29T12:00:00-03:00",
			r:      Recurring{Interval: IntervalWeek, IntervalCount: 1},
			loc:    loc,
			want: []string{
				"2026-03-29T12:00:00-03:00",
				"2026-04-05T12:00:00-04:00", // 169 hours
				"2026-04-12T12:00:00-04:00",
			},
		},
		{
			name:   "every 23 weeks lands after the September change",
			anchor: "2026-03-29T12:00:00-03:00",
			r:      Recurring{Interval: IntervalWeek, IntervalCount: 23},
			loc:    loc,
			want:   []string{"2026-03-29T12:00:00-03:00", "2026-09-06T12:00:00-03:00"},
		},
		{
			// 2026-09-06 00:30 does not exist in Santiago (00:00 → 01:00):
			// it moves forward by the gap's hour and keeps the date.
			name:   "monthly anchor whose wall time falls in a DST gap",
			anchor: "2026-08-06T00:30:00-04:00",
			r:      Recurring{Interval: IntervalMonth, IntervalCount: 1},
			loc:    loc,
			want: []string{
				"2026-08-06T00:30:00-04:00",
				"2026-09-06T01:30:00-03:00",
				"2026-10-06T00:30:00-03:00",
			},
		},
		{
			name:   "daily anchor whose wall time falls in a DST gap",
			anchor: "2026-09-05T00:30:00-04:00",
			r:      Recurring{Interval: IntervalDay, IntervalCount: 1},
			loc:    loc,
			want: []string{
				"2026-09-05T00:30:00-04:00",
				"2026-09-06T01:30:00-03:00", // 24 hours: the gap day keeps its date
				"2026-09-07T00:30:00-03:00", // then 23 hours back to the wall time
			},
		},
		{
			// 2026-04-04 23:30 happens twice in Santiago (−03, then −04).
			// Boundary 0 stays the anchor instant (the second reading);
			// later boundaries on ordinary days are unambiguous.
			name:   "anchor in the repeated hour of the DST overlap",
			anchor: "2026-04-04T23:30:00-04:00",
			r:      Recurring{Interval: IntervalDay, IntervalCount: 1},
			loc:    loc,
			want:   []string{"2026-04-04T23:30:00-04:00", "2026-04-05T23:30:00-04:00"},
		},
		{
			// A target on the overlap takes its first occurrence (−03).
			name:   "monthly boundary in the DST overlap",
			anchor: "2026-03-04T23:30:00-03:00",
			r:      Recurring{Interval: IntervalMonth, IntervalCount: 1},
			loc:    loc,
			want:   []string{"2026-03-04T23:30:00-03:00", "2026-04-04T23:30:00-03:00", "2026-05-04T23:30:00-04:00"},
		},
		{
			// The same instant is Jan 31 in Santiago but Feb 1 in UTC: the
			// merchant's time zone decides the calendar.
			name:   "UTC merchant sees a different calendar day",
			anchor: "2024-01-31T22:00:00-03:00",
			r:      Recurring{Interval: IntervalMonth, IntervalCount: 1},
			loc:    time.UTC,
			want:   []string{"2024-02-01T01:00:00Z", "2024-03-01T01:00:00Z", "2024-04-01T01:00:00Z"},
		},
		{
			name:   "same instant, Santiago merchant",
			anchor: "2024-01-31T22:00:00-03:00",
			r:      Recurring{Interval: IntervalMonth, IntervalCount: 1},
			loc:    loc,
			want:   []string{"2024-01-31T22:00:00-03:00", "2024-02-29T22:00:00-03:00", "2024-03-31T22:00:00-03:00"},
		},
		{
			name:   "sub-second anchors keep their nanoseconds",
			anchor: "2024-05-31T10:00:00.123456789Z",
			r:      Recurring{Interval: IntervalMonth, IntervalCount: 1},
			loc:    time.UTC,
			want:   []string{"2024-05-31T10:00:00.123456789Z", "2024-06-30T10:00:00.123456789Z"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			anchor, err := time.Parse(time.RFC3339Nano, tc.anchor)
			require.NoError(t, err)
			for n, w := range tc.want {
				want, err := time.Parse(time.RFC3339Nano, w)
				require.NoError(t, err)
				require.Equal(t, want.UTC(), mustBoundary(t, anchor, tc.r, int64(n), tc.loc), "boundary %d", n)
			}
		})
	}
}

// TestPeriodBoundaryDSTRule pins RFC 5545's rule for wall times that a DST
// change skips or repeats, in zones west and east of Greenwich: time.Date
// alone moves a skipped wall time back in the former and gives the second
// occurrence of a repeated one in the latter.
func TestPeriodBoundaryDSTRule(t *testing.T) {
	t.Parallel()
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		require.NoError(t, err)
		return loc
	}
	santiago, berlin, newYork := load("America/Santiago"), load("Europe/Berlin"), load("America/New_York")
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	yearly := Recurring{Interval: IntervalYear, IntervalCount: 1}
	daily := Recurring{Interval: IntervalDay, IntervalCount: 1}
	tests := []struct {
		name   string
		anchor string
		r      Recurring
		n      int64
		loc    *time.Location
		want   string
	}{
		// Santiago jumps from 00:00 −04 to 01:00 −03 on 2027-09-05.
		{"gap west: 00:30 on the 5th moves to 01:30, same date", "2027-08-05T00:30:00-04:00", monthly, 1, santiago, "2027-09-05T01:30:00-03:00"},
		{"gap west: the month after is 00:30 again", "2027-08-05T00:30:00-04:00", monthly, 2, santiago, "2027-10-05T00:30:00-03:00"},
		{"gap west: daily", "2027-09-03T00:30:00-04:00", daily, 2, santiago, "2027-09-05T01:30:00-03:00"},
		// New York jumps from 02:00 EST to 03:00 EDT on 2024-03-10.
		{"gap west: New York", "2023-03-10T02:30:00-05:00", yearly, 1, newYork, "2024-03-10T03:30:00-04:00"},
		// Berlin jumps from 02:00 CET to 03:00 CEST on 2024-03-31.
		{"gap east: Berlin", "2024-02-29T02:30:00+01:00", monthly, 1, berlin, "2024-03-29T02:30:00+01:00"},
		{"gap east: Berlin on the day", "2024-01-31T02:30:00+01:00", daily, 60, berlin, "2024-03-31T03:30:00+02:00"},
		// Santiago repeats 23:00–24:00 on 2027-04-03 (−03, then −04).
		{"overlap west: first occurrence", "2027-03-03T23:30:00-03:00", monthly, 1, santiago, "2027-04-03T23:30:00-03:00"},
		// Berlin repeats 02:00–03:00 on 2024-10-27 (CEST, then CET).
		{"overlap east: first occurrence", "2024-09-27T02:30:00+02:00", monthly, 1, berlin, "2024-10-27T02:30:00+02:00"},
		{"overlap east: daily", "2024-10-26T02:30:00+02:00", daily, 1, berlin, "2024-10-27T02:30:00+02:00"},
		// New York repeats 01:00–02:00 on 2024-11-03 (EDT, then EST).
		{"overlap west: New York", "2024-10-03T01:30:00-04:00", monthly, 1, newYork, "2024-11-03T01:30:00-04:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := mustBoundary(t, periodTime(t, tc.anchor), tc.r, tc.n, tc.loc)
			require.Equal(t, periodTime(t, tc.want), got)
		})
	}
}

func TestPeriodBoundaryDSTPeriodLengths(t *testing.T) {
	t.Parallel()
	loc := periodSantiago(t)
	daily := Recurring{Interval: IntervalDay, IntervalCount: 1}
	autumn := periodTime(t, "2026-04-03T10:00:00-03:00")
	require.Equal(t, 25*time.Hour, mustBoundary(t, autumn, daily, 2, loc).Sub(mustBoundary(t, autumn, daily, 1, loc)))
	spring := periodTime(t, "2026-09-04T10:00:00-04:00")
	require.Equal(t, 23*time.Hour, mustBoundary(t, spring, daily, 2, loc).Sub(mustBoundary(t, spring, daily, 1, loc)))
}

func TestPeriodBoundaryIsNotChained(t *testing.T) {
	t.Parallel()
	// Chaining from the clamped Feb 29 would give Mar 29; the anchor's
	// day of month must come back.
	anchor := periodTime(t, "2024-01-31T00:00:00Z")
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	feb := mustBoundary(t, anchor, monthly, 1, time.UTC)
	require.Equal(t, periodTime(t, "2024-02-29T00:00:00Z"), feb)
	require.Equal(t, periodTime(t, "2024-03-31T00:00:00Z"), mustBoundary(t, anchor, monthly, 2, time.UTC))
	// time.AddDate, which docs/architecture.md ("Money and time") forbids,
	// overflows instead.
	require.Equal(t, periodTime(t, "2024-03-02T00:00:00Z"), anchor.AddDate(0, 1, 0))
}

func TestPeriodBoundaryNegativeIndex(t *testing.T) {
	t.Parallel()
	anchor := periodTime(t, "2024-03-31T10:00:00Z")
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	require.Equal(t, periodTime(t, "2024-02-29T10:00:00Z"), mustBoundary(t, anchor, monthly, -1, time.UTC))
	require.Equal(t, periodTime(t, "2023-12-31T10:00:00Z"), mustBoundary(t, anchor, monthly, -3, time.UTC))
	require.Equal(t, periodTime(t, "2022-03-31T10:00:00Z"), mustBoundary(t, anchor, monthly, -24, time.UTC))
	weekly := Recurring{Interval: IntervalWeek, IntervalCount: 2}
	require.Equal(t, periodTime(t, "2024-03-17T10:00:00Z"), mustBoundary(t, anchor, weekly, -1, time.UTC))
}

func TestPeriodBoundaryErrorsInsteadOfPanicking(t *testing.T) {
	t.Parallel()
	anchor := periodTime(t, "2024-01-31T00:00:00Z")
	for name, call := range map[string]func() error{
		"unknown interval": func() error {
			_, err := PeriodBoundary(anchor, Recurring{Interval: "fortnight", IntervalCount: 1}, 1, time.UTC)
			return err
		},
		"zero count": func() error {
			_, err := PeriodBoundary(anchor, Recurring{Interval: IntervalMonth}, 1, time.UTC)
			return err
		},
		"index far ahead": func() error {
			_, err := PeriodBoundary(anchor, Recurring{Interval: IntervalDay, IntervalCount: 1}, 1<<40, time.UTC)
			return err
		},
		"index far behind": func() error {
			_, err := PeriodBoundary(anchor, Recurring{Interval: IntervalYear, IntervalCount: 3}, -1<<40, time.UTC)
			return err
		},
		"PeriodAt with a zero count": func() error {
			_, _, _, err := PeriodAt(anchor, Recurring{Interval: IntervalWeek, IntervalCount: 0}, time.UTC, anchor)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = call() })
			require.Equal(t, KindInvalid, AsError(err).Kind)
		})
	}
}

// TestPeriodBoundaryBillingRange: a period that would end after
// 9999-12-31T23:59:59Z (or before year 1) is an invalid-parameter error,
// not a time that JSON and the stores cannot write.
func TestPeriodBoundaryBillingRange(t *testing.T) {
	t.Parallel()
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	daily := Recurring{Interval: IntervalDay, IntervalCount: 1}
	tests := []struct {
		name   string
		anchor string
		r      Recurring
		n      int64
		loc    string
		ok     bool
	}{
		{"last full month", "9999-11-30T12:00:00Z", monthly, 1, "UTC", true},
		{"month into year 10000", "9999-12-01T00:00:00Z", monthly, 1, "UTC", false},
		{"day into year 10000", "9999-12-31T12:00:00Z", daily, 1, "UTC", false},
		{"last second", "9999-12-30T23:59:59Z", daily, 1, "UTC", true},
		{"still 9999 on the wall, 10000 in UTC", "9999-12-30T21:00:00-03:00", daily, 1, "America/Santiago", false},
		{"before year 1", "0001-01-15T00:00:00Z", monthly, -1, "UTC", false},
		{"first day of year 1", "0001-02-01T00:00:00Z", monthly, -1, "UTC", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			loc, err := time.LoadLocation(tc.loc)
			require.NoError(t, err)
			var got time.Time
			require.NotPanics(t, func() { got, err = PeriodBoundary(periodTime(t, tc.anchor), tc.r, tc.n, loc) })
			if tc.ok {
				require.NoError(t, err)
				require.NoError(t, CheckTime("at", got))
				return
			}
			e := AsError(err)
			require.NotNil(t, e, "%v", err)
			require.Equal(t, KindInvalid, e.Kind)
			require.Equal(t, CodeParameterInvalid, e.Code)
		})
	}
}

func TestCheckTime(t *testing.T) {
	t.Parallel()
	require.NoError(t, CheckTime("frozen_time", MinTime))
	require.NoError(t, CheckTime("frozen_time", MaxTime))
	require.NoError(t, CheckTime("frozen_time", time.Unix(253402300799, 0)))
	for _, bad := range []time.Time{time.Unix(253402300800, 0), MinTime.Add(-time.Second), time.Unix(1<<60, 0)} {
		e := AsError(CheckTime("frozen_time", bad))
		require.NotNil(t, e, "%s", bad)
		require.Equal(t, "frozen_time", e.Param)
		require.Equal(t, CodeParameterInvalid, e.Code)
	}
}

func TestRecurringValidate(t *testing.T) {
	t.Parallel()
	valid := []Recurring{
		{IntervalDay, 1}, {IntervalDay, 1095},
		{IntervalWeek, 1}, {IntervalWeek, 156},
		{IntervalMonth, 1}, {IntervalMonth, 36},
		{IntervalYear, 1}, {IntervalYear, 3},
	}
	for _, r := range valid {
		require.NoError(t, r.Validate(), "%+v", r)
	}
	invalid := []struct {
		r     Recurring
		param string
	}{
		{Recurring{"", 1}, "recurring.interval"},
		{Recurring{"Month", 1}, "recurring.interval"},
		{Recurring{IntervalDay, 0}, "recurring.interval_count"},
		{Recurring{IntervalDay, 1096}, "recurring.interval_count"},
		{Recurring{IntervalWeek, 157}, "recurring.interval_count"},
		{Recurring{IntervalMonth, -1}, "recurring.interval_count"},
		{Recurring{IntervalMonth, 37}, "recurring.interval_count"},
		{Recurring{IntervalYear, 4}, "recurring.interval_count"},
	}
	for _, tc := range invalid {
		e := AsError(tc.r.Validate())
		require.NotNil(t, e, "%+v", tc.r)
		require.Equal(t, KindInvalid, e.Kind)
		require.Equal(t, CodeParameterInvalid, e.Code)
		require.Equal(t, tc.param, e.Param)
	}
}

func TestPeriodAtExamples(t *testing.T) {
	t.Parallel()
	loc := periodSantiago(t)
	anchor := periodTime(t, "2024-01-31T10:00:00-03:00")
	monthly := Recurring{Interval: IntervalMonth, IntervalCount: 1}
	tests := []struct {
		t          string
		n          int64
		start, end string
	}{
		{"2024-01-31T10:00:00-03:00", 1, "2024-01-31T10:00:00-03:00", "2024-02-29T10:00:00-03:00"},
		{"2024-02-29T09:59:59-03:00", 1, "2024-01-31T10:00:00-03:00", "2024-02-29T10:00:00-03:00"},
		{"2024-02-29T10:00:00-03:00", 2, "2024-02-29T10:00:00-03:00", "2024-03-31T10:00:00-03:00"},
		{"2024-04-30T09:00:00-04:00", 3, "2024-03-31T10:00:00-03:00", "2024-04-30T10:00:00-04:00"},
		{"2025-03-01T00:00:00-03:00", 14, "2025-02-28T10:00:00-03:00", "2025-03-31T10:00:00-03:00"},
		{"2024-01-31T09:59:59-03:00", 0, "2023-12-31T10:00:00-03:00", "2024-01-31T10:00:00-03:00"},
	}
	for _, tc := range tests {
		n, start, end := mustPeriodAt(t, anchor, monthly, loc, periodTime(t, tc.t))
		require.Equal(t, tc.n, n, tc.t)
		require.Equal(t, periodTime(t, tc.start), start, tc.t)
		require.Equal(t, periodTime(t, tc.end), end, tc.t)
		require.Equal(t, time.UTC, start.Location())
		require.Equal(t, time.UTC, end.Location())
	}
}

func TestPeriodAtFarFromTheAnchor(t *testing.T) {
	t.Parallel()
	loc := periodSantiago(t)
	anchor := periodTime(t, "2001-09-09T00:30:00-03:00")
	daily := Recurring{Interval: IntervalDay, IntervalCount: 1}
	// Tens of thousands of periods later: the arithmetic estimate lands on
	// the right period without walking them.
	for _, k := range []int64{10000, 36524, 99999} {
		b := mustBoundary(t, anchor, daily, k, loc)
		n, start, end := mustPeriodAt(t, anchor, daily, loc, b)
		require.Equal(t, k+1, n)
		require.Equal(t, b, start)
		require.Equal(t, mustBoundary(t, anchor, daily, k+1, loc), end)
	}
}

// TestPeriodAtAgreesWithPeriodBoundary is a property test: for random
// anchors, cycles and instants (a fixed seed, so failures reproduce), the
// period PeriodAt returns is the one PeriodBoundary defines and contains t.
func TestPeriodAtAgreesWithPeriodBoundary(t *testing.T) {
	t.Parallel()
	santiago := periodSantiago(t)
	locs := []*time.Location{time.UTC, santiago}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		locs = append(locs, ny)
	}
	cycles := []Recurring{
		{IntervalDay, 1}, {IntervalDay, 3}, {IntervalDay, 45},
		{IntervalWeek, 1}, {IntervalWeek, 2},
		{IntervalMonth, 1}, {IntervalMonth, 3}, {IntervalMonth, 7},
		{IntervalYear, 1}, {IntervalYear, 3},
	}
	rng := rand.New(rand.NewPCG(2026, 4))
	base := periodTime(t, "2020-01-01T00:00:00Z")
	const fiveYears = 5 * 366 * 24 * 3600
	for i := range 20000 {
		loc := locs[rng.IntN(len(locs))]
		r := cycles[rng.IntN(len(cycles))]
		// Anchors at awkward days (28th–31st) and times (around midnight,
		// where DST changes happen) are over-represented.
		anchor := base.Add(time.Duration(rng.Int64N(fiveYears)) * time.Second)
		if rng.IntN(2) == 0 {
			a := anchor.In(loc)
			anchor = time.Date(a.Year(), a.Month(), 28+rng.IntN(4), rng.IntN(2)*23, rng.IntN(60), 0, 0, loc)
		}
		at := anchor.Add(time.Duration(rng.Int64N(2*fiveYears)-fiveYears/5) * time.Second)
		if rng.IntN(10) == 0 {
			// Exactly on a boundary.
			at = mustBoundary(t, anchor, r, rng.Int64N(20)-2, loc)
		}
		n, start, end := mustPeriodAt(t, anchor, r, loc, at)
		require.False(t, at.Before(start), "case %d: %v %+v %v: t %v before start %v", i, anchor, r, loc, at, start)
		require.True(t, at.Before(end), "case %d: %v %+v %v: t %v not before end %v", i, anchor, r, loc, at, end)
		require.Equal(t, mustBoundary(t, anchor, r, n-1, loc), start, "case %d", i)
		require.Equal(t, mustBoundary(t, anchor, r, n, loc), end, "case %d", i)
		require.Equal(t, at.Before(anchor), n <= 0, "case %d: n %d", i, n)
	}
}

func BenchmarkPeriodAt(b *testing.B) {
	loc, err := time.LoadLocation("America/Santiago")
	if err != nil {
		b.Skip(err)
	}
	anchor := time.Date(2001, 1, 31, 10, 0, 0, 0, loc)
	daily := Recurring{Interval: IntervalDay, IntervalCount: 1}
	at := time.Date(2026, 7, 15, 12, 0, 0, 0, loc)
	for b.Loop() {
		mustPeriodAt(b, anchor, daily, loc, at)
	}
}

// mustBoundary is PeriodBoundary for cases that must succeed.
func mustBoundary(t testing.TB, anchor time.Time, r Recurring, n int64, loc *time.Location) time.Time {
	t.Helper()
	b, err := PeriodBoundary(anchor, r, n, loc)
	require.NoError(t, err)
	return b
}

// mustPeriodAt is PeriodAt for cases that must succeed.
func mustPeriodAt(t testing.TB, anchor time.Time, r Recurring, loc *time.Location, at time.Time) (n int64, start, end time.Time) {
	t.Helper()
	n, start, end, err := PeriodAt(anchor, r, loc, at)
	require.NoError(t, err)
	return n, start, end
}

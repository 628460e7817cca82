package billing

import (
	"time"
)

// maxIntervalCount caps one billing cycle at three years (1095 days, 156
// weeks, 36 months or 3 years), as Stripe does and as the price API already
// enforces. A longer cycle is almost always a typo, and the cap keeps every
// period computation far from the limits of time.Time.
var maxIntervalCount = map[string]int64{
	IntervalDay:   1095,
	IntervalWeek:  156,
	IntervalMonth: 36,
	IntervalYear:  3,
}

// MinTime and MaxTime bound every instant cuota bills at: the years 1 to
// 9999 in UTC, the instants that RFC 3339 timestamps, JSON and both stores
// represent. A test clock, a billing period or anything computed from them
// outside this range is refused as invalid input (CheckTime) rather than
// failing later when it is written down.
var (
	MinTime = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC)
)

// CheckTime is the one rule for the range of billing instants: it reports
// an invalid-parameter error naming param when t is before MinTime or after
// MaxTime.
func CheckTime(param string, t time.Time) error {
	if t.Before(MinTime) || t.After(MaxTime) {
		return Invalid(param, CodeParameterInvalid, "%s must be between %s and %s (years 1 to 9999)",
			orDefault(param, "the time"), MinTime.Format(time.RFC3339), MaxTime.Format(time.RFC3339))
	}
	return nil
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// maxPeriodSpanDays bounds |n × interval| in PeriodBoundary to about ten
// thousand years: far beyond any real subscription, far inside what
// time.Date can represent without wrapping.
const maxPeriodSpanDays = 10000 * 366

// Validate reports whether r is a usable billing cycle: a known interval and
// an interval count from 1 up to three years' worth of that interval. The
// zero IntervalCount is rejected here; callers that want "0 means 1" (as the
// API does) must default it before validating. Errors name the offending
// field (recurring.interval or recurring.interval_count).
func (r Recurring) Validate() error {
	limit, ok := maxIntervalCount[r.Interval]
	if !ok {
		return Invalid("recurring.interval", CodeParameterInvalid,
			"recurring.interval must be day, week, month or year, not %q", r.Interval)
	}
	if r.IntervalCount < 1 || r.IntervalCount > limit {
		return Invalid("recurring.interval_count", CodeParameterInvalid,
			"recurring.interval_count must be between 1 and %d for %s, not %d", limit, r.Interval, r.IntervalCount)
	}
	return nil
}

// calendarStep returns how one cycle of r moves the calendar: a number of
// months (month and year units) or of days (day and week units); exactly one
// of the two is non-zero. An invalid r (a price that never passed Validate)
// is an error, not a panic: the renewal worker must survive bad rows.
func calendarStep(r Recurring) (months, days int64, err error) {
	if err := r.Validate(); err != nil {
		return 0, 0, err
	}
	switch r.Interval {
	case IntervalYear:
		return 12 * r.IntervalCount, 0, nil
	case IntervalMonth:
		return r.IntervalCount, 0, nil
	case IntervalWeek:
		return 0, 7 * r.IntervalCount, nil
	default: // IntervalDay
		return 0, r.IntervalCount, nil
	}
}

// PeriodBoundary returns the end of billing period n of a subscription
// anchored at anchor and billed every r, in UTC. Boundary 0 is the anchor
// itself; period n (n ≥ 1) runs from PeriodBoundary(n−1) to
// PeriodBoundary(n). Negative n extends the same rule backwards (period 0
// ends at the anchor); the engine never bills those but PeriodAt uses them
// so that it is total.
//
// Each boundary is computed from the anchor and n alone, never from the
// previous boundary: chaining would let one clamped month (Jan 31 → Feb 28)
// drag every later period to the 28th. The arithmetic is calendar
// arithmetic in loc, the merchant's time zone, and keeps the anchor's wall
// clock time of day:
//
//   - month and year units add n×count months to the anchor's month and
//     clamp the day to the target month's length: an anchor on Jan 31 gives
//     Feb 29 (2024) or Feb 28, then Mar 31, Apr 30; a yearly anchor on
//     Feb 29 gives Feb 28 in common years and Feb 29 again in leap years.
//     (time.AddDate would overflow instead: Jan 31 + 1 month = Mar 3.)
//   - day and week units add n×count calendar days in loc, so a daily
//     period that crosses a DST change keeps its wall time and lasts 23 or
//     25 hours.
//
// When the anchor's wall time does not exist on the target day or exists
// twice, the rule is RFC 5545's (§3.3.5), applied by wallTime: a wall time
// in a DST gap moves forward by the gap's length, keeping the date (in
// America/Santiago, 00:30 on the day clocks jump from 00:00 to 01:00 becomes
// 01:30 −03 that same day), and a wall time in a DST overlap is its first
// occurrence (23:30 on the night clocks fall back from 00:00 to 23:00 is
// 23:30 −03, not −04). time.Date is not used for this: it resolves both
// cases by the sign of the zone's offset (a gap moves back a day in
// Santiago but forward in Berlin; an overlap gives the second occurrence in
// Berlin). Boundary 0 is always the anchor instant itself, even if its wall
// time is ambiguous.
//
// PeriodBoundary returns an error, never panics, if r is invalid (see
// Recurring.Validate) or if the boundary falls outside MinTime…MaxTime
// (CheckTime; the error names no parameter, the caller knows which input
// led there). A boundary outside the range cannot be billed, so a
// subscription whose period would end there is refused when it is created
// or renewed.
func PeriodBoundary(anchor time.Time, r Recurring, n int64, loc *time.Location) (time.Time, error) {
	months, days, err := calendarStep(r)
	if err != nil {
		return time.Time{}, err
	}
	if n == 0 {
		return anchor.UTC(), nil
	}
	span := months*31 + days // an upper bound of one cycle in days
	if n > maxPeriodSpanDays/span || n < -maxPeriodSpanDays/span {
		return time.Time{}, Invalid("", CodeParameterInvalid, "billing period %d of every %d %s is out of range", n, r.IntervalCount, r.Interval)
	}
	var end time.Time
	a := anchor.In(loc)
	y, mo, d := a.Date()
	hh, mm, ss := a.Clock()
	ns := a.Nanosecond()
	if months != 0 {
		total := int64(mo-1) + n*months // months since January of year y
		ty := int64(y) + floorDiv(total, 12)
		tm := time.Month(floorMod(total, 12) + 1)
		td := min(d, daysIn(int(ty), tm))
		end = wallTime(int(ty), tm, td, hh, mm, ss, ns, loc)
	} else {
		// time.Date normalises a day beyond the month's end into the
		// following months, which is exactly calendar-day addition.
		end = wallTime(y, mo, d+int(n*days), hh, mm, ss, ns, loc)
	}
	if err := CheckTime("", end); err != nil {
		return time.Time{}, Invalid("", CodeParameterInvalid, "billing period %d of every %d %s would end at %s, outside the years 1 to 9999",
			n, r.IntervalCount, r.Interval, end.Format("2006-01-02T15:04:05Z07:00"))
	}
	return end, nil
}

// wallTime returns, in UTC, the instant at which clocks in loc read the
// given wall time (normalised as time.Date does for out-of-range fields),
// by RFC 5545's rule: the first occurrence if the wall time happens twice
// (a DST overlap), and the wall time moved forward by the gap's length if
// it never happens (a DST gap).
func wallTime(y int, mo time.Month, d, hh, mm, ss, ns int, loc *time.Location) time.Time {
	// The wall time as if it were UTC: the instant it names under offset o
	// is wall − o.
	wall := time.Date(y, mo, d, hh, mm, ss, ns, time.UTC)
	guess := time.Date(y, mo, d, hh, mm, ss, ns, loc)
	// The offsets in force around the wall time: a DST change is at most a
	// few hours wide, and zones do not change twice within two days.
	var first time.Time
	found := false
	for _, probe := range []time.Time{guess.Add(-48 * time.Hour), guess, guess.Add(48 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		at := wall.Add(-time.Duration(off) * time.Second)
		if _, o := at.In(loc).Zone(); o == off && (!found || at.Before(first)) {
			first, found = at, true // clocks in loc read exactly the wall time at this instant
		}
	}
	if found {
		return first
	}
	// A gap: no offset in force reads the wall time. Read it with the
	// offset from before the gap, the smaller of the two (clocks jumped
	// forward), which lands after the jump and shows the wall time plus the
	// gap's length.
	_, before := guess.Add(-48 * time.Hour).In(loc).Zone()
	_, after := guess.Add(48 * time.Hour).In(loc).Zone()
	return wall.Add(-time.Duration(min(before, after)) * time.Second)
}

// PeriodAt returns the billing period that contains t: its index n (as in
// PeriodBoundary, so the first period after the anchor is n = 1) and its
// bounds, start = PeriodBoundary(n−1) ≤ t < end = PeriodBoundary(n), in UTC.
// A t before the anchor yields n ≤ 0.
//
// It estimates n from the calendar distance between the anchor and t in loc
// and then corrects the estimate by at most a step or two, so its cost does
// not grow with the number of elapsed periods. Its errors are
// PeriodBoundary's (an invalid r, a bound outside MinTime…MaxTime).
func PeriodAt(anchor time.Time, r Recurring, loc *time.Location, t time.Time) (n int64, start, end time.Time, err error) {
	months, days, err := calendarStep(r)
	if err != nil {
		return 0, time.Time{}, time.Time{}, err
	}
	a, tl := anchor.In(loc), t.In(loc)
	if months != 0 {
		elapsed := int64(tl.Year()-a.Year())*12 + int64(tl.Month()-a.Month())
		n = floorDiv(elapsed, months) + 1
	} else {
		elapsed := civilDay(tl) - civilDay(a)
		n = floorDiv(elapsed, days) + 1
	}
	boundary := func(k int64) time.Time {
		if err != nil {
			return time.Time{}
		}
		var b time.Time
		b, err = PeriodBoundary(anchor, r, k, loc)
		return b
	}
	// Boundaries strictly increase with n (every cycle is at least a day
	// and DST moves a boundary by at most a few hours), and the estimate is
	// off by at most one cycle, so these loops run a bounded number of times.
	for b := boundary(n); err == nil && !t.Before(b); b = boundary(n) {
		n++
	}
	for b := boundary(n - 1); err == nil && t.Before(b); b = boundary(n - 1) {
		n--
	}
	start, end = boundary(n-1), boundary(n)
	if err != nil {
		return 0, time.Time{}, time.Time{}, err
	}
	return n, start, end, nil
}

// civilDay numbers t's calendar date (in t's own location) as days since
// 1970-01-01, ignoring the time of day and any UTC offset.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// floorDiv divides rounding toward negative infinity, so that periods
// before the anchor are numbered consistently with those after it.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// floorMod is the remainder matching floorDiv; it has the sign of b.
func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}

package billing

import (
	"fmt"
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
// of the two is non-zero. It panics on an invalid r: periods of a price that
// never passed Validate are a programming error, not a runtime condition.
func calendarStep(r Recurring) (months, days int64) {
	if err := r.Validate(); err != nil {
		panic(fmt.Sprintf("billing: invalid recurring %+v: %v", r, err))
	}
	switch r.Interval {
	case IntervalYear:
		return 12 * r.IntervalCount, 0
	case IntervalMonth:
		return r.IntervalCount, 0
	case IntervalWeek:
		return 0, 7 * r.IntervalCount
	default: // IntervalDay
		return 0, r.IntervalCount
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
// PeriodBoundary panics if r is invalid (see Recurring.Validate) or if
// n×interval spans more than about ten thousand years; both are programming
// errors.
func PeriodBoundary(anchor time.Time, r Recurring, n int64, loc *time.Location) time.Time {
	months, days := calendarStep(r)
	if n == 0 {
		return anchor.UTC()
	}
	span := months*31 + days // an upper bound of one cycle in days
	if n > maxPeriodSpanDays/span || n < -maxPeriodSpanDays/span {
		panic(fmt.Sprintf("billing: period index %d out of range for %+v", n, r))
	}
	a := anchor.In(loc)
	y, mo, d := a.Date()
	hh, mm, ss := a.Clock()
	ns := a.Nanosecond()
	if months != 0 {
		total := int64(mo-1) + n*months // months since January of year y
		ty := int64(y) + floorDiv(total, 12)
		tm := time.Month(floorMod(total, 12) + 1)
		td := min(d, daysIn(int(ty), tm))
		return wallTime(int(ty), tm, td, hh, mm, ss, ns, loc)
	}
	// time.Date normalises a day beyond the month's end into the following
	// months, which is exactly calendar-day addition.
	return wallTime(y, mo, d+int(n*days), hh, mm, ss, ns, loc)
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
	for _, probe := range []time.Time{guess.Add(-48 * time.Hour), guess, guess.Add(48 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		at := wall.Add(-time.Duration(off) * time.Second)
		if _, o := at.In(loc).Zone(); o == off && (first.IsZero() || at.Before(first)) {
			first = at // clocks in loc read exactly the wall time at this instant
		}
	}
	if !first.IsZero() {
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
// not grow with the number of elapsed periods. It panics on an invalid r,
// like PeriodBoundary.
func PeriodAt(anchor time.Time, r Recurring, loc *time.Location, t time.Time) (n int64, start, end time.Time) {
	months, days := calendarStep(r)
	a, tl := anchor.In(loc), t.In(loc)
	if months != 0 {
		elapsed := int64(tl.Year()-a.Year())*12 + int64(tl.Month()-a.Month())
		n = floorDiv(elapsed, months) + 1
	} else {
		elapsed := civilDay(tl) - civilDay(a)
		n = floorDiv(elapsed, days) + 1
	}
	// Boundaries strictly increase with n (every cycle is at least a day
	// and DST moves a boundary by at most a few hours), and the estimate is
	// off by at most one cycle, so these loops run a bounded number of times.
	for !t.Before(PeriodBoundary(anchor, r, n, loc)) {
		n++
	}
	for t.Before(PeriodBoundary(anchor, r, n-1, loc)) {
		n--
	}
	return n, PeriodBoundary(anchor, r, n-1, loc), PeriodBoundary(anchor, r, n, loc)
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

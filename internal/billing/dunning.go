package billing

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ExponentialBackoff is a retry schedule that grows geometrically: the
// delay after failed attempt k is Base × Factor^(k−1), capped at Cap. The
// factor is an integer so that the schedule is exact and reproducible (no
// floating point in billing decisions); Factor 1 is a constant delay.
type ExponentialBackoff struct {
	Base   time.Duration
	Factor int64
	Cap    time.Duration
}

// DunningPolicy is a merchant's plan for collecting a failed renewal
// (docs/architecture.md, "Dunning"): when to retry after a customer decline,
// how many times, and what happens to the subscription when the retries run
// out.
//
// Attempts are numbered from 1, and attempt 1 is the original charge, so
// MaxAttempts counts it too: the default policy makes 5 attempts, the
// charge and 4 retries. The delays are given either as Schedule, where
// Schedule[k−1] is the wait after failed attempt k (each delay counts from
// the previous failure, not from the first one), or as Exponential. With
// neither, nothing is retried.
type DunningPolicy struct {
	Schedule    []time.Duration
	Exponential *ExponentialBackoff
	// MaxAttempts is the total number of attempts including the first. With
	// a Schedule, 0 means len(Schedule)+1 and a smaller value cuts the
	// schedule short; with Exponential it is required.
	MaxAttempts int
	// FinalAction is what retries_exhausted does: PolicyCancel,
	// PolicyUnpaid or PolicyLeavePastDue. It is the RetriesExhausted field
	// of the TransitionPolicy given to NextStatus.
	FinalAction string
}

// MaxDunningAttempts bounds MaxAttempts. It is generous (Stripe's Smart
// Retries make at most 8 attempts) and exists so that a typo cannot make
// cuota pester a customer's card forever.
const MaxDunningAttempts = 100

// DefaultDunningPolicy returns the policy a merchant starts with: retry 1,
// 3, 5 and 7 days after each failure (16 days in all, so a customer paid
// on a fortnightly or monthly salary gets a chance) and then cancel.
func DefaultDunningPolicy() DunningPolicy {
	return DunningPolicy{
		Schedule:    []time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 5 * 24 * time.Hour, 7 * 24 * time.Hour},
		MaxAttempts: 5,
		FinalAction: PolicyCancel,
	}
}

// Validate checks p and returns an invalid-parameter *Error naming the bad
// field: schedule, exponential (both ways given), exponential.base,
// exponential.factor, exponential.cap, max_attempts or final_action.
func (p DunningPolicy) Validate() error {
	if len(p.Schedule) > 0 && p.Exponential != nil {
		return Invalid("exponential", CodeParameterInvalid, "give either a schedule or exponential backoff, not both")
	}
	if len(p.Schedule) >= MaxDunningAttempts {
		return Invalid("schedule", CodeParameterInvalid, "schedule allows at most %d retries", MaxDunningAttempts-1)
	}
	for i, d := range p.Schedule {
		if d <= 0 {
			return Invalid("schedule", CodeParameterInvalid, "schedule[%d] must be a positive delay, not %s", i, d)
		}
	}
	limit := 1 // no retries
	switch {
	case len(p.Schedule) > 0:
		limit = len(p.Schedule) + 1
	case p.Exponential != nil:
		e := p.Exponential
		if e.Base <= 0 {
			return Invalid("exponential.base", CodeParameterInvalid, "exponential.base must be positive, not %s", e.Base)
		}
		if e.Factor < 1 {
			return Invalid("exponential.factor", CodeParameterInvalid, "exponential.factor must be at least 1, not %d", e.Factor)
		}
		if e.Cap < e.Base {
			return Invalid("exponential.cap", CodeParameterInvalid, "exponential.cap (%s) must not be below exponential.base (%s)", e.Cap, e.Base)
		}
		if p.MaxAttempts == 0 {
			return Invalid("max_attempts", CodeParameterMissing, "max_attempts is required with exponential backoff")
		}
		limit = MaxDunningAttempts
	}
	if p.MaxAttempts < 0 || p.MaxAttempts > limit {
		return Invalid("max_attempts", CodeParameterInvalid, "max_attempts must be between 1 and %d, not %d", limit, p.MaxAttempts)
	}
	switch p.FinalAction {
	case PolicyCancel, PolicyUnpaid, PolicyLeavePastDue:
	default:
		return Invalid("final_action", CodeParameterInvalid,
			"final_action must be cancel, unpaid or leave_past_due, not %q", p.FinalAction)
	}
	return nil
}

// attempts returns the total number of attempts p allows.
func (p DunningPolicy) attempts() int {
	if p.MaxAttempts == 0 && p.Exponential == nil {
		return len(p.Schedule) + 1
	}
	return p.MaxAttempts
}

// NextAttempt returns when to retry a charge whose attempt number attempt
// (1 for the original charge) failed at failedAt with a customer decline,
// and true; or false when no retry is left and the subscription gets
// retries_exhausted. A day in the schedule is exactly 24 hours, so retries
// happen at the time of day of the previous failure (±1 h across DST).
//
// A new payment method triggers an immediate retry outside this schedule;
// hard declines, technical errors and unknown outcomes do not come here
// (see FailureClass). p should be valid; an invalid p retries nothing.
func (p DunningPolicy) NextAttempt(failedAt time.Time, attempt int) (time.Time, bool) {
	if attempt < 1 || attempt >= p.attempts() || p.Validate() != nil {
		return time.Time{}, false
	}
	if e := p.Exponential; e != nil {
		d := e.Base
		for k := 1; k < attempt && d < e.Cap; k++ {
			if d > e.Cap/time.Duration(e.Factor) {
				d = e.Cap
				break
			}
			d *= time.Duration(e.Factor)
		}
		return failedAt.Add(min(d, e.Cap)), true
	}
	return failedAt.Add(p.Schedule[attempt-1]), true
}

// ParseSchedule parses a retry schedule as merchants write it, e.g.
// ["1d", "3d", "5d", "7d"] or ["30m", "36h", "1d12h"]: each entry is one or
// more groups of a whole number and a unit, d (24 hours), h, m or s. Signs,
// fractions and spaces inside an entry are rejected (surrounding spaces are
// trimmed), and every delay must be positive. Each entry is the wait after
// the previous failure, so entries need not increase. Errors are
// invalid-parameter *Errors on param schedule naming the entry.
func ParseSchedule(spec []string) ([]time.Duration, error) {
	out := make([]time.Duration, 0, len(spec))
	for i, s := range spec {
		d, err := parseDelay(strings.TrimSpace(s))
		if err != nil {
			return nil, Invalid("schedule", CodeParameterInvalid, "schedule[%d] %q: %v", i, s, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// delayUnits are the units ParseSchedule and FormatDelay know, largest
// first.
var delayUnits = []struct {
	suffix byte
	d      time.Duration
}{{'d', 24 * time.Hour}, {'h', time.Hour}, {'m', time.Minute}, {'s', time.Second}}

// parseDelay parses one schedule entry (see ParseSchedule).
func parseDelay(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty delay")
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, errors.New("want a whole number followed by d, h, m or s")
		}
		unit := time.Duration(0)
		for _, u := range delayUnits {
			if s[i] == u.suffix {
				unit = u.d
				break
			}
		}
		if unit == 0 {
			return 0, fmt.Errorf("unknown unit %q (use d, h, m or s)", s[i])
		}
		// n × unit must fit in what is left of a Duration after total.
		limit := (1<<63 - 1 - total) / unit
		var n time.Duration
		for _, c := range s[:i] {
			digit := time.Duration(c - '0')
			if digit > limit || n > (limit-digit)/10 {
				return 0, errors.New("delay too long")
			}
			n = n*10 + digit
		}
		total += n * unit
		s = s[i+1:]
	}
	if total <= 0 {
		return 0, errors.New("delay must be positive")
	}
	return total, nil
}

// FormatDelay writes d the way ParseSchedule reads it, in the largest
// exact units: 24h → "1d", 36h → "1d12h", 90s → "1m30s". Sub-second parts
// are dropped; a non-positive d is "0s".
func FormatDelay(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	var b strings.Builder
	for _, u := range delayUnits {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%c", n, u.suffix)
			d -= n * u.d
		}
	}
	return b.String()
}

// FailureClass sorts a failed charge by what should happen next
// (docs/architecture.md, "Dunning"). Gateway adapters classify; the engine acts
// on the class only.
type FailureClass string

// The failure classes.
const (
	// FailureCustomer is a soft decline (insufficient funds, do not honor,
	// card over its limit): it may succeed later, so it consumes a dunning
	// attempt and follows DunningPolicy.NextAttempt.
	FailureCustomer FailureClass = "customer"
	// FailureHard is a decline that retrying cannot fix (lost or stolen
	// card, closed account, expired card): it consumes an attempt but is
	// never retried on the same payment method; only a new payment method
	// can save the subscription.
	FailureHard FailureClass = "hard"
	// FailureTechnical is an error known not to have moved money (a
	// validation error, a 4xx before any charge, a gateway refusing
	// connections): it is retried within minutes (TechnicalRetryDelay)
	// without consuming a dunning attempt, because the customer did
	// nothing wrong.
	FailureTechnical FailureClass = "technical"
	// FailureUnknown is an outcome we do not know (a timeout, a 5xx, a
	// dropped connection): money may have moved, so nothing charges again
	// until reconciliation with the gateway turns it into success or
	// another class. It consumes no attempt.
	FailureUnknown FailureClass = "unknown"
)

// Valid reports whether c is a known class.
func (c FailureClass) Valid() bool {
	switch c {
	case FailureCustomer, FailureHard, FailureTechnical, FailureUnknown:
		return true
	}
	return false
}

// ConsumesAttempt reports whether a failure of class c counts as a dunning
// attempt: only real declines by the customer's bank do.
func (c FailureClass) ConsumesAttempt() bool {
	return c == FailureCustomer || c == FailureHard
}

// technicalRetryDelays is the backoff for technical failures.
var technicalRetryDelays = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}

// MaxTechnicalRetries is how many technical failures in a row the engine
// retries (about nine hours with TechnicalRetryDelay) before it stops
// treating the error as transient and reports a system failure, so that a
// persistent misconfiguration reaches the merchant instead of looping.
const MaxTechnicalRetries = 12

// TechnicalRetryDelay returns how long to wait after the nth technical
// failure in a row (n from 1): 1m, 5m, 15m, 30m, then 1h for every later
// one. The first retries are quick because most technical errors are
// blips; the cap keeps a longer outage from pushing the charge days away.
// n < 1 counts as 1.
func TechnicalRetryDelay(n int) time.Duration {
	n = max(n, 1)
	if n > len(technicalRetryDelays) {
		return technicalRetryDelays[len(technicalRetryDelays)-1]
	}
	return technicalRetryDelays[n-1]
}

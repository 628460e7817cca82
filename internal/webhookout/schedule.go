package webhookout

import (
	"slices"
	"time"
)

// retryDelays[k-1] is the wait after failed attempt k before attempt k+1.
// Attempt 1 is made at once, when the event is created.
var retryDelays = [...]time.Duration{
	5 * time.Second,  // attempt 2
	5 * time.Minute,  // attempt 3
	30 * time.Minute, // attempt 4
	2 * time.Hour,    // attempt 5
	5 * time.Hour,    // attempt 6
	10 * time.Hour,   // attempt 7
	10 * time.Hour,   // attempt 8
	10 * time.Hour,   // attempt 9
	10 * time.Hour,   // attempt 10
	10 * time.Hour,   // attempt 11
	10 * time.Hour,   // attempt 12
}

// MaxAttempts is the number of attempts at one message, the first
// included: 1 at once and 11 retries.
const MaxAttempts = len(retryDelays) + 1

// RetryWindow is the sum of the delays between the first and the last
// attempt: 5 s + 5 min + 30 min + 2 h + 5 h + 6 × 10 h = 67 h 35 min 5 s,
// about 2.8 days. The last attempt starts that long after the first plus
// the time the failed attempts themselves took (at most DefaultTimeout
// each), since each delay counts from a failure.
const RetryWindow = 67*time.Hour + 35*time.Minute + 5*time.Second

// RetrySchedule returns the delays between attempts: element k-1 is the
// wait after failed attempt k. The caller owns the returned slice.
func RetrySchedule() []time.Duration {
	return slices.Clone(retryDelays[:])
}

// NextAttempt says when to make the next attempt at a message after
// attempt number attempt (counted from 1) failed at now, and false when
// that was the last one (attempt >= MaxAttempts): the message is then
// marked failed and only a manual replay sends it again. attempt 0 (or
// less) means no attempt has been made yet, and the answer is now.
//
// It is pure: the delay is added to now, so a retry counts from the end of
// the failed attempt, not from the first one. It fits River's
// RetryPolicy.NextRetry, whose job.Attempt is the attempt that just
// failed, with the job's MaxAttempts set to MaxAttempts.
func NextAttempt(attempt int, now time.Time) (time.Time, bool) {
	switch {
	case attempt <= 0:
		return now, true
	case attempt >= MaxAttempts:
		return time.Time{}, false
	}
	return now.Add(retryDelays[attempt-1]), true
}

// DisableAfter is how long an endpoint may fail without a single success
// before cuota disables it (and tells the merchant). It is longer than
// RetryWindow, so one undeliverable message cannot disable an endpoint on
// its own: the failures must keep coming for five days.
const DisableAfter = 5 * 24 * time.Hour

// ShouldDisable reports whether an endpoint whose current run of failures
// began at firstFailure must be disabled at now: true once now is
// DisableAfter or more past firstFailure. The zero firstFailure means the
// endpoint is not failing and gives false.
//
// The caller keeps firstFailure per endpoint: it sets it on a failed
// attempt when it is unset, clears it on any successful attempt, and asks
// ShouldDisable after each failed attempt. Attempts that ended in
// ErrorCanceled or ErrorInvalidRequest say nothing about the endpoint and
// should neither start nor end a run.
func ShouldDisable(firstFailure, now time.Time) bool {
	return !firstFailure.IsZero() && now.Sub(firstFailure) >= DisableAfter
}

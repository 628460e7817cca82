package billing

import (
	"slices"
	"time"
)

// The webhook delivery rules: when a failed delivery is tried again, and
// when an endpoint that keeps failing is turned off. The delivery itself is
// internal/webhookout's; these decide.

// webhookRetryDelays[k-1] is the wait after failed attempt k before attempt k+1.
// Attempt 1 is made at once, when the event is created.
var webhookRetryDelays = [...]time.Duration{
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

// WebhookMaxAttempts is the number of attempts at one message, the first
// included: 1 at once and 11 retries.
const WebhookMaxAttempts = len(webhookRetryDelays) + 1

// WebhookRetryWindow is the sum of the delays between the first and the last
// attempt: 5 s + 5 min + 30 min + 2 h + 5 h + 6 × 10 h = 67 h 35 min 5 s,
// about 2.8 days. The last attempt starts that long after the first plus
// the time the failed attempts themselves took (at most webhookout's
// DefaultTimeout each), since each delay counts from a failure.
const WebhookRetryWindow = 67*time.Hour + 35*time.Minute + 5*time.Second

// WebhookRetrySchedule returns the delays between attempts: element k-1 is the
// wait after failed attempt k. The caller owns the returned slice.
func WebhookRetrySchedule() []time.Duration {
	return slices.Clone(webhookRetryDelays[:])
}

// NextWebhookAttempt says when to make the next attempt at a message after
// attempt number attempt (counted from 1) failed at now, and false when
// that was the last one (attempt >= WebhookMaxAttempts): the message is then
// marked failed and only a manual replay sends it again. attempt 0 (or
// less) means no attempt has been made yet, and the answer is now.
//
// It is pure: the delay is added to now, so a retry counts from the end of
// the failed attempt, not from the first one. It fits River's
// RetryPolicy.NextRetry, whose job.Attempt is the attempt that just
// failed, with the job's WebhookMaxAttempts set to WebhookMaxAttempts.
func NextWebhookAttempt(attempt int, now time.Time) (time.Time, bool) {
	return NextWebhookAttemptOn(webhookRetryDelays[:], attempt, now)
}

// NextWebhookAttemptOn is NextWebhookAttempt on another schedule: element
// k-1 of delays is the wait after failed attempt k, and there are
// len(delays)+1 attempts in all. Tests use it, since they cannot wait
// hours.
func NextWebhookAttemptOn(delays []time.Duration, attempt int, now time.Time) (time.Time, bool) {
	switch {
	case attempt <= 0:
		return now, true
	case attempt > len(delays):
		return time.Time{}, false
	}
	return now.Add(delays[attempt-1]), true
}

// WebhookDisableAfter is how long an endpoint may fail without a single success
// before cuota disables it (and tells the merchant). It is longer than
// WebhookRetryWindow, so one undeliverable message cannot disable an endpoint on
// its own: the failures must keep coming for five days.
const WebhookDisableAfter = 5 * 24 * time.Hour

// ShouldDisableEndpoint reports whether an endpoint whose current run of failures
// began at firstFailure must be disabled at now: true once now is
// WebhookDisableAfter or more past firstFailure. The zero firstFailure means the
// endpoint is not failing and gives false.
//
// The caller keeps firstFailure per endpoint: it sets it on a failed
// attempt when it is unset, clears it on any successful attempt, and asks
// ShouldDisableEndpoint after each failed attempt. Attempts that ended in
// ErrorCanceled or ErrorInvalidRequest say nothing about the endpoint and
// should neither start nor end a run.
func ShouldDisableEndpoint(firstFailure, now time.Time) bool {
	return ShouldDisableEndpointAfter(firstFailure, now, WebhookDisableAfter)
}

// ShouldDisableEndpointAfter is ShouldDisableEndpoint with another
// patience than WebhookDisableAfter (tests).
func ShouldDisableEndpointAfter(firstFailure, now time.Time, after time.Duration) bool {
	return !firstFailure.IsZero() && now.Sub(firstFailure) >= after
}

// EmailRetryDelays are the waits after the 1st, 2nd… temporary failure to
// send an email: 7 tries over about 10 hours.
var EmailRetryDelays = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour}

// NextEmailAttempt is when to try an email again after attempt number
// attempt (from 1) failed temporarily at now, on delays (EmailRetryDelays
// when nil), and false when none is left.
func NextEmailAttempt(delays []time.Duration, attempt int, now time.Time) (time.Time, bool) {
	if delays == nil {
		delays = EmailRetryDelays
	}
	if attempt < 1 || attempt > len(delays) {
		return time.Time{}, false
	}
	return now.Add(delays[attempt-1]), true
}

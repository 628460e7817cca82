package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestWebhookRetrySchedule(t *testing.T) {
	delays := billing.WebhookRetrySchedule()
	require.Len(t, delays, billing.WebhookMaxAttempts-1)
	require.Equal(t, []time.Duration{
		5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
		10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour,
	}, delays)

	var total time.Duration
	for i, d := range delays {
		require.Positive(t, d)
		if i > 0 {
			require.GreaterOrEqual(t, d, delays[i-1], "delay %d shrinks", i)
		}
		total += d
	}
	require.Equal(t, billing.WebhookRetryWindow, total)
	require.Equal(t, 67*time.Hour+35*time.Minute+5*time.Second, total)
	// About three days, and never beyond.
	require.GreaterOrEqual(t, total, 60*time.Hour)
	require.LessOrEqual(t, total, 72*time.Hour)
	require.Less(t, total, billing.WebhookDisableAfter)

	delays[0] = time.Hour
	require.Equal(t, 5*time.Second, billing.WebhookRetrySchedule()[0], "WebhookRetrySchedule exposes its array")
}

func TestNextWebhookAttempt(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	first, ok := billing.NextWebhookAttempt(0, start)
	require.True(t, ok)
	require.Equal(t, start, first, "the first attempt is immediate")

	// Walk the schedule, each attempt failing the moment it starts.
	now, attempts := first, 1
	for {
		next, ok := billing.NextWebhookAttempt(attempts, now)
		if !ok {
			require.True(t, next.IsZero())
			break
		}
		require.True(t, next.After(now), "attempt %d is not later than %d", attempts+1, attempts)
		now = next
		attempts++
	}
	require.Equal(t, billing.WebhookMaxAttempts, attempts)
	require.Equal(t, billing.WebhookRetryWindow, now.Sub(start))

	// Delays count from the failure, not from the first attempt.
	next, ok := billing.NextWebhookAttempt(3, start.Add(time.Hour))
	require.True(t, ok)
	require.Equal(t, start.Add(time.Hour+30*time.Minute), next)

	for _, a := range []int{billing.WebhookMaxAttempts, billing.WebhookMaxAttempts + 1, 1000} {
		_, ok := billing.NextWebhookAttempt(a, start)
		require.False(t, ok, a)
	}
	next, ok = billing.NextWebhookAttempt(-1, start)
	require.True(t, ok)
	require.Equal(t, start, next)
}

func TestShouldDisableEndpoint(t *testing.T) {
	first := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	require.False(t, billing.ShouldDisableEndpoint(time.Time{}, first), "not failing")
	require.False(t, billing.ShouldDisableEndpoint(first, first))
	require.False(t, billing.ShouldDisableEndpoint(first, first.Add(billing.WebhookRetryWindow)), "one message's retries")
	require.False(t, billing.ShouldDisableEndpoint(first, first.Add(5*24*time.Hour-time.Second)))
	require.True(t, billing.ShouldDisableEndpoint(first, first.Add(5*24*time.Hour)))
	require.True(t, billing.ShouldDisableEndpoint(first, first.Add(30*24*time.Hour)))
	require.False(t, billing.ShouldDisableEndpoint(first, first.Add(-time.Hour)), "clock behind the first failure")
}

package webhookout_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/webhookout"
)

func TestRetrySchedule(t *testing.T) {
	delays := webhookout.RetrySchedule()
	require.Len(t, delays, webhookout.MaxAttempts-1)
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
	require.Equal(t, webhookout.RetryWindow, total)
	require.Equal(t, 67*time.Hour+35*time.Minute+5*time.Second, total)
	// About three days, and never beyond.
	require.GreaterOrEqual(t, total, 60*time.Hour)
	require.LessOrEqual(t, total, 72*time.Hour)
	require.Less(t, total, webhookout.DisableAfter)

	delays[0] = time.Hour
	require.Equal(t, 5*time.Second, webhookout.RetrySchedule()[0], "RetrySchedule exposes its array")
}

func TestNextAttempt(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	first, ok := webhookout.NextAttempt(0, start)
	require.True(t, ok)
	require.Equal(t, start, first, "the first attempt is immediate")

	// Walk the schedule, each attempt failing the moment it starts.
	now, attempts := first, 1
	for {
		next, ok := webhookout.NextAttempt(attempts, now)
		if !ok {
			require.True(t, next.IsZero())
			break
		}
		require.True(t, next.After(now), "attempt %d is not later than %d", attempts+1, attempts)
		now = next
		attempts++
	}
	require.Equal(t, webhookout.MaxAttempts, attempts)
	require.Equal(t, webhookout.RetryWindow, now.Sub(start))

	// Delays count from the failure, not from the first attempt.
	next, ok := webhookout.NextAttempt(3, start.Add(time.Hour))
	require.True(t, ok)
	require.Equal(t, start.Add(time.Hour+30*time.Minute), next)

	for _, a := range []int{webhookout.MaxAttempts, webhookout.MaxAttempts + 1, 1000} {
		_, ok := webhookout.NextAttempt(a, start)
		require.False(t, ok, a)
	}
	next, ok = webhookout.NextAttempt(-1, start)
	require.True(t, ok)
	require.Equal(t, start, next)
}

func TestShouldDisable(t *testing.T) {
	first := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	require.False(t, webhookout.ShouldDisable(time.Time{}, first), "not failing")
	require.False(t, webhookout.ShouldDisable(first, first))
	require.False(t, webhookout.ShouldDisable(first, first.Add(webhookout.RetryWindow)), "one message's retries")
	require.False(t, webhookout.ShouldDisable(first, first.Add(5*24*time.Hour-time.Second)))
	require.True(t, webhookout.ShouldDisable(first, first.Add(5*24*time.Hour)))
	require.True(t, webhookout.ShouldDisable(first, first.Add(30*24*time.Hour)))
	require.False(t, webhookout.ShouldDisable(first, first.Add(-time.Hour)), "clock behind the first failure")
}

package httpapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// manualClock is a clock that moves only when told to.
type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time          { return c.now }
func (c *manualClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func TestLimiter(t *testing.T) {
	t.Parallel()

	t.Run("BurstThenRefill", func(t *testing.T) {
		t.Parallel()
		clock := &manualClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
		l := newLimiter(1, 2, clock.Now)

		for i := range 2 {
			ok, wait := l.allow("key_a")
			require.True(t, ok, "request %d is within the burst", i)
			require.Zero(t, wait)
		}
		ok, wait := l.allow("key_a")
		require.False(t, ok)
		requireAbout(t, time.Second, wait)
		require.Equal(t, "1", retryAfter(wait))

		// Another key has its own bucket.
		ok, _ = l.allow("key_b")
		require.True(t, ok)

		// Half a token is not enough; the wait shrinks accordingly.
		clock.Advance(500 * time.Millisecond)
		ok, wait = l.allow("key_a")
		require.False(t, ok)
		requireAbout(t, 500*time.Millisecond, wait)
		require.Equal(t, "1", retryAfter(wait))

		clock.Advance(500 * time.Millisecond)
		ok, _ = l.allow("key_a")
		require.True(t, ok, "a whole token has refilled")
		ok, _ = l.allow("key_a")
		require.False(t, ok)

		// A long pause refills up to the burst, not beyond.
		clock.Advance(time.Hour)
		for range 2 {
			ok, _ = l.allow("key_a")
			require.True(t, ok)
		}
		ok, _ = l.allow("key_a")
		require.False(t, ok)
	})

	t.Run("SlowRate", func(t *testing.T) {
		t.Parallel()
		clock := &manualClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
		l := newLimiter(0.1, 1, clock.Now) // one request per 10 s
		ok, _ := l.allow("k")
		require.True(t, ok)
		ok, wait := l.allow("k")
		require.False(t, ok)
		requireAbout(t, 10*time.Second, wait)
		require.Equal(t, "10", retryAfter(wait))
		clock.Advance(2500 * time.Millisecond)
		_, wait = l.allow("k")
		requireAbout(t, 7500*time.Millisecond, wait)
		require.Equal(t, "8", retryAfter(wait), "rounded up")
	})

	t.Run("DefaultBurst", func(t *testing.T) {
		t.Parallel()
		clock := &manualClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
		l := newLimiter(2.5, 0, clock.Now) // burst defaults to ceil(rate)
		for range 3 {
			ok, _ := l.allow("k")
			require.True(t, ok)
		}
		ok, _ := l.allow("k")
		require.False(t, ok)

		l = newLimiter(0.5, 0, clock.Now) // and at least 1
		ok, _ = l.allow("k")
		require.True(t, ok)
		ok, _ = l.allow("k")
		require.False(t, ok)
	})

	t.Run("Disabled", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(0, 0, func() time.Time { panic("a disabled limiter reads no clock") })
		for range 1000 {
			ok, wait := l.allow("k")
			require.True(t, ok)
			require.Zero(t, wait)
		}
	})

	t.Run("RetryAfter", func(t *testing.T) {
		t.Parallel()
		for d, want := range map[time.Duration]string{
			0: "1", time.Nanosecond: "1", time.Second: "1", time.Second + 1: "2", 90 * time.Second: "90",
		} {
			require.Equal(t, want, retryAfter(d), "%v", d)
		}
	})
}

// requireAbout compares durations computed in floating point.
func requireAbout(t *testing.T, want, got time.Duration) {
	t.Helper()
	require.InDelta(t, float64(want), float64(got), float64(time.Microsecond), "want %v, got %v", want, got)
}

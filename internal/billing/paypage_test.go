package billing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPayPageStateAt(t *testing.T) {
	t.Parallel()
	started := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		after time.Duration
		want  PayPageState
	}{
		{0, PayPagePayable},
		{59*time.Minute + 59*time.Second, PayPagePayable},
		{time.Hour, PayPageClosing}, // the expiry itself belongs to the grace
		{time.Hour + 9*time.Minute, PayPageClosing},
		{time.Hour + 10*time.Minute, PayPageExpired},
		{48 * time.Hour, PayPageExpired},
	} {
		require.Equal(t, tc.want, PayPageStateAt(started, started.Add(tc.after)), tc.after)
	}
	require.Equal(t, started.Add(time.Hour), PayPageExpiresAt(started))
	now := started.Add(time.Hour + 10*time.Minute)
	require.Equal(t, started, PayPageExpiredBefore(now))
	require.Equal(t, PayPageExpired, PayPageStateAt(PayPageExpiredBefore(now), now),
		"an attempt started at the cutoff is expired")
}

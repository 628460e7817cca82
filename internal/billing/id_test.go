package billing

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNewIDSortsByCreation(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	var prev string
	// Many ids in one millisecond, then later milliseconds, then a clock
	// that steps back: every id sorts after the one before it.
	times := []time.Time{}
	for range 1000 {
		times = append(times, base)
	}
	times = append(times, base.Add(time.Millisecond), base.Add(time.Hour), base.Add(-time.Hour))
	for _, now := range times {
		id := NewID(PrefixCustomer, now)
		require.True(t, strings.HasPrefix(id, PrefixCustomer))
		require.Len(t, id, len(PrefixCustomer)+26)
		for _, c := range id[len(PrefixCustomer):] {
			require.Contains(t, idAlphabet, string(c))
		}
		require.Greater(t, id, prev)
		prev = id
	}
}

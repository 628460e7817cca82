package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestIDTime(t *testing.T) {
	// Increasing and past any id made so far: NewID never goes back in
	// time within a process.
	for _, at := range []time.Time{
		time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2200, 12, 7, 16, 20, 1, 123_000_000, time.UTC),
		time.Date(2201, 6, 30, 23, 59, 59, 999_000_000, time.UTC),
	} {
		for _, prefix := range []string{billing.PrefixCustomer, billing.PrefixAuditEntry, "evt_"} {
			got, ok := billing.IDTime(billing.NewID(prefix, at))
			require.True(t, ok)
			require.Equal(t, at, got, prefix)
		}
	}
	// Sub-millisecond precision is not kept.
	got, ok := billing.IDTime(billing.NewID("evt_", time.Date(2202, 1, 1, 0, 0, 0, 999_999, time.UTC)))
	require.True(t, ok)
	require.Equal(t, time.Date(2202, 1, 1, 0, 0, 0, 0, time.UTC), got)
	for _, bad := range []string{"", "evt_short", "evt_UUUUUUUUUU0000000000000000", "cus_0123456789!abcdefghjkmnpq"} {
		_, ok := billing.IDTime(bad)
		require.False(t, ok, bad)
	}
}

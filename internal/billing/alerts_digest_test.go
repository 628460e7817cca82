package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestAlertDigestWindow(t *testing.T) {
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	for _, tc := range []struct {
		now      time.Time
		loc      *time.Location
		day      string
		from, to time.Time
	}{
		{time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC), time.UTC, "2026-03-05",
			time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)},
		// 02:00 UTC on the 5th is still the 4th in Santiago (UTC-3).
		{time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC), santiago, "2026-03-04",
			time.Date(2026, 3, 3, 0, 0, 0, 0, santiago), time.Date(2026, 3, 4, 0, 0, 0, 0, santiago)},
		// Across a month's start.
		{time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), time.UTC, "2026-03-01",
			time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	} {
		day, from, to := billing.AlertDigestWindow(tc.now, tc.loc)
		require.Equal(t, tc.day, day, tc.now)
		require.True(t, tc.from.Equal(from), "%v: from %v", tc.now, from)
		require.True(t, tc.to.Equal(to), "%v: to %v", tc.now, to)
	}
	s := billing.Scope{MerchantID: "mer_1", Mode: billing.ModeLive}
	require.Equal(t, "alert_digest:mer_1:live:2026-03-05", billing.AlertDigestKey(s, "2026-03-05"))
}

func TestAlertDigest(t *testing.T) {
	from := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 1)
	at := func(h int) time.Time { return from.Add(time.Duration(h) * time.Hour) }
	alert := func(id string, status billing.AlertStatus, first, last time.Time, count int64) billing.Alert {
		return billing.Alert{ID: id, Status: status, FirstSeen: first, LastSeen: last, Count: count}
	}
	all := []billing.Alert{
		alert("stayed", billing.AlertOpen, at(-30), at(-30), 1),             // open since before the window
		alert("repeated", billing.AlertOpen, at(3), at(9), 4),               // opened and repeated inside it
		alert("repeated_today", billing.AlertOpen, at(3), at(27), 2),        // repeated since the window began
		alert("once", billing.AlertOpen, at(3), at(3), 1),                   // its own email told of it
		alert("today", billing.AlertOpen, at(25), at(26), 3),                // tomorrow's digest
		alert("acknowledged", billing.AlertAcknowledged, at(-30), at(5), 9), // someone is on it
		alert("resolved", billing.AlertResolved, at(-30), at(5), 9),
		alert("old_repeat", billing.AlertOpen, at(-50), at(-40), 3), // stayed open too
	}
	var ids []string
	for _, a := range billing.AlertDigest(all, from, to) {
		ids = append(ids, a.ID)
	}
	require.Equal(t, []string{"stayed", "repeated", "repeated_today", "old_repeat"}, ids)
	require.Empty(t, billing.AlertDigest(nil, from, to))
}

package breaker_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/breaker"
)

func TestOpensAfterThresholdAndRecovers(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	set := breaker.New(func() time.Time { return now })
	a := billing.Scope{MerchantID: "mch_a", Mode: billing.ModeLive}
	b := billing.Scope{MerchantID: "mch_b", Mode: billing.ModeLive}

	for range breaker.Threshold - 1 {
		set.Record(a, true)
	}
	require.NoError(t, set.Allow(a), "one failure short of the threshold")
	set.Record(a, false) // an answer resets the count
	for range breaker.Threshold - 1 {
		set.Record(a, true)
	}
	require.NoError(t, set.Allow(a))
	set.Record(a, true)
	require.ErrorIs(t, set.Allow(a), breaker.ErrOpen)
	require.False(t, set.Available(a))
	require.True(t, set.Available(b), "one breaker per scope")

	now = now.Add(breaker.Cooldown - time.Second)
	require.ErrorIs(t, set.Allow(a), breaker.ErrOpen)
	now = now.Add(time.Second)
	require.NoError(t, set.Allow(a), "after the cooldown one call goes through")
	set.Record(a, true)
	require.ErrorIs(t, set.Allow(a), breaker.ErrOpen, "and a failure opens it again at once")
	now = now.Add(breaker.Cooldown)
	set.Record(a, false)
	require.True(t, set.Available(a))
}

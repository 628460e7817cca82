package stripegw

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestBucket: the token bucket lets a burst through at once, then spaces
// requests at the rate, queueing waiters one behind the other.
func TestBucket(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newBucket(10, 2, func() time.Time { return now })
	delay := func() time.Duration { return b.reserve().DelayFrom(now) }
	require.Zero(t, delay())
	require.Zero(t, delay())
	require.Equal(t, 100*time.Millisecond, delay())
	last := b.reserve()
	require.Equal(t, 200*time.Millisecond, last.DelayFrom(now), "the next waiter queues behind")
	last.CancelAt(now) // the last one gave up
	now = now.Add(time.Second)
	// 10 tokens refilled, capped at the burst of 2, minus the one still owed.
	require.Zero(t, delay())
	require.Equal(t, time.Duration(0), delay())
	require.Equal(t, 100*time.Millisecond, delay())
}

// TestAmounts: cuota's minor units to Stripe's — zero-decimal currencies
// as they are, Stripe's exceptions converted exactly or refused.
func TestAmounts(t *testing.T) {
	cases := []struct {
		amount   int64
		currency string
		want     int64
		code     string
	}{
		{5000, "CLP", 5000, ""},
		{5000, "clp", 5000, ""},
		{1500, "JPY", 1500, ""},
		{1999, "USD", 1999, ""},
		{100, "ISK", 10000, ""}, // ISO 0 decimals, Stripe 2
		{12300, "MGA", 123, ""}, // ISO 2 decimals, Stripe 0
		{12345, "MGA", 0, billing.CodeAmountInvalid},
		{1230, "KWD", 1230, ""},
		{1235, "KWD", 0, billing.CodeAmountInvalid}, // must end in 0
		{100, "CLF", 0, billing.CodeCurrencyNotSupported},
		{0, "USD", 0, billing.CodeAmountInvalid},
		{-5, "USD", 0, billing.CodeAmountInvalid},
	}
	for _, c := range cases {
		got, err := toStripe(c.amount, c.currency)
		if c.code != "" {
			require.Equal(t, c.code, billing.AsError(err).Code, "%d %s", c.amount, c.currency)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%d %s", c.amount, c.currency)
		back, ok := FromStripeAmount(got, c.currency)
		require.True(t, ok)
		require.Equal(t, c.amount, back)
	}
}

func TestCheckoutLocale(t *testing.T) {
	for in, want := range map[string]string{"es-CL": "es-419", "es": "es", "es-ES": "es", "en-US": "en", "pt-BR": "pt-BR",
		"pt_PT": "pt", "": "auto", "zz": "auto"} {
		require.Equal(t, want, checkoutLocale(in), in)
	}
}

func TestWithQuery(t *testing.T) {
	u, err := withQuery("https://x.example/r?a=1", "token", "{CHECKOUT_SESSION_ID}")
	require.NoError(t, err)
	require.Equal(t, "https://x.example/r?a=1&token={CHECKOUT_SESSION_ID}", u)
	u, err = withQuery("https://x.example/r", "setup_id", "pms_1", "status", "pending")
	require.NoError(t, err)
	require.Equal(t, "https://x.example/r?setup_id=pms_1&status=pending", u)
}

package gwref_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/gwref"
	"github.com/cuota/cuota/internal/sqlite"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func setup(t *testing.T) (*gwref.Customers, *clock, billing.Scope) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(ctx))
	c := &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	s := billing.Scope{MerchantID: "mch_gwref", Mode: billing.ModeTest}
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Merchants.CreateMerchant(ctx, billing.Merchant{ID: s.MerchantID, Name: "M", Timezone: "UTC", Locale: "en",
			InvoicePrefix: "M", Settings: billing.DefaultMerchantSettings(), Created: c.now}); err != nil {
			return err
		}
		return tx.Customers.CreateCustomer(ctx, billing.Customer{ID: "cus_1", Scope: s, Metadata: billing.Metadata{}, Created: c.now, Updated: c.now})
	}))
	return &gwref.Customers{Store: store, Gateway: billing.GatewayStripe, TTL: time.Minute, Now: c.Now}, c, s
}

// TestEnsureCreatesOnceAndRemembers: the first call creates, later calls
// read the recorded id.
func TestEnsureCreatesOnceAndRemembers(t *testing.T) {
	refs, _, s := setup(t)
	ctx := context.Background()
	calls := 0
	create := func(context.Context) (string, error) { calls++; return "cus_stripe_1", nil }
	for range 3 {
		id, err := refs.Ensure(ctx, s, "cus_1", create)
		require.NoError(t, err)
		require.Equal(t, "cus_stripe_1", id)
	}
	require.Equal(t, 1, calls)
	id, err := refs.Stored(ctx, s, "cus_1")
	require.NoError(t, err)
	require.Equal(t, "cus_stripe_1", id)
	_, err = refs.Stored(ctx, s, "cus_unknown")
	require.ErrorIs(t, err, billing.ErrNotFound)
}

// TestEnsureTakesOverAbandonedReservation: a creator that failed releases
// its reservation; one that crashed leaves it, and others wait while it is
// fresh and take it over once it is older than the TTL. A creator that
// comes back after a takeover gets the other request's customer.
func TestEnsureTakesOverAbandonedReservation(t *testing.T) {
	refs, clk, s := setup(t)
	ctx := context.Background()
	_, err := refs.Ensure(ctx, s, "cus_1", func(context.Context) (string, error) { return "", errors.New("gateway down") })
	require.Error(t, err)
	_, err = refs.Stored(ctx, s, "cus_1")
	require.ErrorIs(t, err, billing.ErrNotFound, "the failed creator released its reservation")

	// A creator that crashed after reserving.
	require.NoError(t, refs.Store.InTx(ctx, func(tx billing.Tx) error {
		_, _, err := tx.Gateways.ReserveGatewayCustomer(ctx, billing.GatewayCustomer{Scope: s, CustomerID: "cus_1", Gateway: refs.Gateway,
			Created: clk.Now(), Updated: clk.Now()})
		return err
	}))

	// Fresh reservation: a second caller waits (here until its deadline)
	// and creates nothing.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = refs.Ensure(short, s, "cus_1", func(context.Context) (string, error) {
		t.Fatal("must not create while the reservation is fresh")
		return "", nil
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// A slow creator holds a reservation taken over meanwhile.
	clk.Advance(2 * time.Minute)
	release := make(chan struct{})
	started := make(chan struct{})
	var slowID string
	var slowErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		slowID, slowErr = refs.Ensure(ctx, s, "cus_1", func(context.Context) (string, error) {
			close(started)
			<-release
			return "cus_stripe_slow", nil
		})
	})
	<-started
	clk.Advance(2 * time.Minute)
	id, err := refs.Ensure(ctx, s, "cus_1", func(context.Context) (string, error) { return "cus_stripe_fast", nil })
	require.NoError(t, err)
	require.Equal(t, "cus_stripe_fast", id)
	close(release)
	wg.Wait()
	require.NoError(t, slowErr)
	require.Equal(t, "cus_stripe_fast", slowID, "the recorded customer wins")
}

package flowgw_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
)

// stores opens a fresh migrated store of each kind.
var stores = []struct {
	name string
	open func(t *testing.T) billing.Store
}{
	{"sqlite", func(t *testing.T) billing.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		require.NoError(t, st.Migrate(context.Background()))
		return st
	}},
	{"postgres", func(t *testing.T) billing.Store {
		st, err := postgres.Open(context.Background(), pgtest.URL(t), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		require.NoError(t, st.Migrate(context.Background()))
		return st
	}},
}

// newSimBundle is a bundle on store with its own flowsim.
func newSimBundle(t *testing.T, store billing.Store) *bundle {
	t.Helper()
	sim := flowsim.New(flowsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	sim.SetBaseURL(srv.URL)
	return newBundle(t, store, sim, srv, nil, "http://cuota.test")
}

// reservation is the customer's gateway_customers row for Flow.
func (b *bundle) reservation(t *testing.T) (billing.GatewayCustomer, error) {
	t.Helper()
	var gc billing.GatewayCustomer
	err := b.store.InTx(context.Background(), func(tx billing.Tx) error {
		var err error
		gc, err = tx.Gateways.GetGatewayCustomer(context.Background(), b.scope, b.cus.ID, billing.GatewayFlow)
		return err
	})
	return gc, err
}

// TestFailedCustomerCreateReleasesReservation: when Flow's customer/create
// fails, the local reservation of the Flow customer is released at once,
// so the next card setup for that customer goes through instead of
// waiting out the reservation's 45 s time-to-live. On both stores.
func TestFailedCustomerCreateReleasesReservation(t *testing.T) {
	t.Parallel()
	for _, sk := range stores {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			b := newSimBundle(t, sk.open(t))
			req := billing.SetupRequest{Scope: b.scope, Customer: b.cus, Setup: billing.PaymentMethodSetup{ID: "setup_1"},
				ReturnURL: "http://cuota.test/return/flow/setup/setup_1"}

			b.sim.FailNext(1, 503) // customer/create fails
			_, err := b.flow.StartSetup(context.Background(), req)
			require.Error(t, err)
			require.Empty(t, b.sim.CustomerIDs())
			_, err = b.reservation(t)
			require.ErrorIs(t, err, billing.ErrNotFound, "the failed creator's reservation is gone")

			// Far shorter than the reservation's TTL: a setup that waited
			// for the abandoned reservation would run out of time.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start, err := b.flow.StartSetup(ctx, req)
			require.NoError(t, err)
			require.NotEmpty(t, start.RedirectURL)
			require.Len(t, b.sim.CustomerIDs(), 1)
			gc, err := b.reservation(t)
			require.NoError(t, err)
			require.Equal(t, b.sim.CustomerIDs()[0], gc.GatewayCustomerID)
		})
	}
}

// TestSetupWithoutEmailIsRefusedLocally: Flow needs the customer's email
// to create its customer; without one the setup is refused as invalid
// input naming email, before anything is reserved or sent to Flow, and
// Flow's breaker does not count it. On both stores.
func TestSetupWithoutEmailIsRefusedLocally(t *testing.T) {
	t.Parallel()
	for _, sk := range stores {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			b := newSimBundle(t, sk.open(t))
			b.cus.Email = ""
			for range 10 { // more than the breaker's threshold
				_, err := b.flow.StartSetup(context.Background(), billing.SetupRequest{Scope: b.scope, Customer: b.cus,
					Setup: billing.PaymentMethodSetup{ID: "setup_1"}, ReturnURL: "http://cuota.test/return/flow/setup/setup_1"})
				e := billing.AsError(err)
				require.NotNil(t, e, "%v", err)
				require.Equal(t, billing.KindInvalid, e.Kind)
				require.Equal(t, billing.CodeParameterMissing, e.Code)
				require.Equal(t, "email", e.Param)
			}
			require.Empty(t, b.sim.CustomerIDs(), "nothing was sent to Flow")
			_, err := b.reservation(t)
			require.ErrorIs(t, err, billing.ErrNotFound, "nothing was reserved")
			require.True(t, b.flow.Available(b.scope), "a local refusal says nothing about Flow")
		})
	}
}

// TestLocalRefusalIsNotUnavailability: a request the Flow client refuses
// before sending (here a card registration without a return URL) is
// invalid input, not Flow being unavailable.
func TestLocalRefusalIsNotUnavailability(t *testing.T) {
	b := setup(t)
	_, err := b.flow.StartSetup(context.Background(), billing.SetupRequest{Scope: b.scope, Customer: b.cus,
		Setup: billing.PaymentMethodSetup{ID: "setup_1"}})
	e := billing.AsError(err)
	require.NotNil(t, e, "%v", err)
	require.Equal(t, billing.KindInvalid, e.Kind)
	require.True(t, b.flow.Available(b.scope))
}

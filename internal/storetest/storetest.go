// Package storetest is the conformance suite every billing.Store must pass.
// internal/sqlite and internal/postgres run it from their own tests, so both
// stores are held to one behaviour.
//
// The suite follows River's riverdrivertest: one Exercise function, a fresh
// store per subtest from a setup closure returning a test bundle, require
// only, and small factories for the objects under test.
package storetest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
)

// Store is what the suite exercises: a billing.Store that also keeps the
// simulated gateway's ledger and can run River workers.
type Store interface {
	billing.Store
	sim.LedgerStore
	// StartWorkers starts a River client working the given workers and
	// periodic jobs on the store's database.
	StartWorkers(ctx context.Context, workers *river.Workers, periodic []*river.PeriodicJob) error
	// StopWorkers stops the client started by StartWorkers and waits for it.
	StopWorkers(ctx context.Context) error
}

// Exercise runs every conformance test. newStore must return a freshly
// migrated, empty store that is closed when the test ends.
//
// Every leaf subtest gets its own store from newStore (or, in the lifecycle
// groups, its own two merchants on a store its group shares: see
// exerciseLifecycle) and runs in parallel with its siblings. Exercise
// returns only once all of them have finished, so a caller may release
// shared resources (a server, a pool) right after it; resources newStore
// creates per test belong in t.Cleanup.
func Exercise(t *testing.T, newStore func(t *testing.T) Store) {
	t.Helper()

	setup := func(t *testing.T) *testBundle {
		t.Helper()

		b := &testBundle{clock: newTestClock(), store: newStore(t)}

		tx := begin(t, b.store)
		b.merchantA = newMerchant(t, tx.Tx, b.clock.next())
		b.merchantB = newMerchant(t, tx.Tx, b.clock.next())
		tx.commit(t)

		b.scope = billing.Scope{MerchantID: b.merchantA.ID, Mode: billing.ModeTest}
		b.live = billing.Scope{MerchantID: b.merchantA.ID, Mode: billing.ModeLive}
		b.other = billing.Scope{MerchantID: b.merchantB.ID, Mode: billing.ModeTest}
		return b
	}

	// Each group below is a plain (non-parallel) subtest whose leaves are
	// parallel: t.Run on a group returns once all its leaves are done.
	t.Run("Store", func(t *testing.T) { exerciseStore(t, setup) })
	t.Run("Tx", func(t *testing.T) { exerciseTx(t, setup) })
	t.Run("Merchant", func(t *testing.T) { exerciseMerchant(t, setup) })
	t.Run("APIKey", func(t *testing.T) { exerciseAPIKey(t, setup) })
	t.Run("Profiles", func(t *testing.T) { exerciseProfiles(t, setup) })
	t.Run("Product", func(t *testing.T) {
		exerciseScoped(t, setup, productKind())
		exerciseProduct(t, setup)
	})
	t.Run("Price", func(t *testing.T) {
		exerciseScoped(t, setup, priceKind())
		exercisePrice(t, setup)
	})
	t.Run("Customer", func(t *testing.T) {
		exerciseScoped(t, setup, customerKind())
		exerciseCustomer(t, setup)
		exerciseCustomerSearch(t, setup)
	})
	t.Run("Coupon", func(t *testing.T) {
		exerciseScoped(t, setup, couponKind())
		exerciseCoupon(t, setup)
	})
	t.Run("TaxRate", func(t *testing.T) {
		exerciseScoped(t, setup, taxRateKind())
		exerciseTaxRate(t, setup)
	})
	t.Run("PromotionCode", func(t *testing.T) {
		exerciseScoped(t, setup, promotionCodeKind())
		exercisePromotionCode(t, setup)
	})
	t.Run("Audit", func(t *testing.T) { exerciseAudit(t, setup) })
	t.Run("AuditSealing", func(t *testing.T) { exerciseAuditSealing(t, setup) })
	t.Run("Idempotency", func(t *testing.T) { exerciseIdempotency(t, setup) })
	t.Run("Enqueue", func(t *testing.T) { exerciseEnqueue(t, setup) })
	t.Run("Gateway", func(t *testing.T) { exerciseGateway(t, setup) })
	t.Run("Notify", func(t *testing.T) { exerciseNotify(t, setup) })
	t.Run("Checkout", func(t *testing.T) { exerciseCheckout(t, setup) })
	t.Run("PayPages", func(t *testing.T) { exercisePayPages(t, setup) })
	t.Run("Analytics", func(t *testing.T) { exerciseAnalytics(t, setup) })
	t.Run("KeptMRRMonths", func(t *testing.T) { exerciseKeptMRRMonths(t, setup) })
	t.Run("ReadRefusesWrites", func(t *testing.T) { exerciseReadRefusesWrites(t, setup) })
	t.Run("Console", func(t *testing.T) { exerciseConsole(t, setup) })
	t.Run("ConsoleAuth", func(t *testing.T) { exerciseConsoleAuth(t, setup) })
	t.Run("Alerts", func(t *testing.T) { exerciseAlerts(t, setup) })
	exerciseLifecycle(t, setup)
}

// testBundle is what every subtest starts from: a fresh store holding two
// merchants, and the three scopes the isolation tests move between.
type testBundle struct {
	clock     *testClock
	merchantA billing.Merchant
	merchantB billing.Merchant
	// scope is merchant A in test mode, where objects are made by default.
	scope billing.Scope
	// live is merchant A in live mode.
	live billing.Scope
	// other is merchant B in test mode.
	other billing.Scope
	store Store
}

type setupFunc func(t *testing.T) *testBundle

// txTimeout bounds every wait on the store, so that a deadlock fails the
// test instead of hanging it.
const txTimeout = 30 * time.Second

//
// Store
//

func exerciseStore(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("PingAndMigrationsCurrent", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		require.NoError(t, b.store.Ping(t.Context()))
		current, err := b.store.MigrationsCurrent(t.Context())
		require.NoError(t, err)
		require.True(t, current, "a freshly migrated store reports its migrations current")
	})
}

//
// Transactions
//

//
// Merchants
//

//
// API keys
//

//
// Behaviour shared by every scoped object
//

//
// Products
//

//
// Prices
//

//
// Customers
//

//
// Coupons
//

//
// Promotion codes
//

//
// Audit
//

//
// Idempotency
//

//
// Jobs
//

//
// Transactions driven from the test goroutine
//

// errRollback is what a testTx's fn returns to roll back.
var errRollback = errors.New("storetest: rolled back")

// testTx is an open transaction the test drives step by step. InTx runs in
// a goroutine whose fn hands its tx over, then waits to be told to commit or
// roll back. Assertions therefore never run inside fn: a failing require
// ends the test goroutine, and cleanup rolls the transaction back.
//
// A test must not open a second testTx before ending the first: a store
// with a single connection (SQLite) would wait for it forever.
type testTx struct {
	billing.Tx
	*txControl
}

// ledgerTx is a testTx of the simulated gateway's ledger (InSimLedger).
type ledgerTx struct {
	sim.Ledger
	*txControl
}

// txControl ends a transaction held open by hold.
type txControl struct {
	ended  bool
	finish chan error // nil commits, anything else rolls back
	result chan error // what the store's transaction method returned
}

// begin opens a transaction on store. It is rolled back at cleanup unless
// the test commits or rolls it back first.
func begin(t *testing.T, store Store) *testTx {
	t.Helper()
	inner, c := hold(t, store.InTx)
	return &testTx{Tx: inner, txControl: c}
}

// beginLedger is begin for a transaction of the simulated gateway's ledger.
func beginLedger(t *testing.T, store Store) *ledgerTx {
	t.Helper()
	inner, c := hold(t, store.InSimLedger)
	return &ledgerTx{Ledger: inner, txControl: c}
}

// hold runs inTx (a store's InTx or InSimLedger) in a goroutine whose fn
// hands over what it is given and waits to be told to end. The transaction
// is rolled back at cleanup unless the test ends it first.
func hold[T any](t *testing.T, inTx func(ctx context.Context, fn func(T) error) error) (T, *txControl) {
	t.Helper()

	c := &txControl{finish: make(chan error), result: make(chan error, 1)}
	handOver := make(chan T)
	var calls atomic.Int32
	go func() {
		c.result <- inTx(context.Background(), func(inner T) error {
			if calls.Add(1) > 1 {
				return errors.New("storetest: InTx called fn a second time")
			}
			handOver <- inner
			return <-c.finish
		})
	}()

	var inner T
	select {
	case inner = <-handOver:
	case err := <-c.result:
		require.FailNow(t, "InTx returned without calling fn", "error: %v", err)
	case <-time.After(txTimeout):
		require.FailNow(t, "InTx did not call fn in time")
	}

	t.Cleanup(func() {
		if !c.ended {
			_ = c.end(t, errRollback)
		}
	})
	return inner, c
}

// commit ends the transaction with fn returning nil and requires InTx to
// succeed.
func (tx *txControl) commit(t *testing.T) {
	t.Helper()
	require.NoError(t, tx.end(t, nil), "commit")
}

// rollback ends the transaction with fn returning an error.
func (tx *txControl) rollback(t *testing.T) {
	t.Helper()
	_ = tx.end(t, errRollback)
}

// end makes fn return err and returns what InTx returned.
func (tx *txControl) end(t *testing.T, err error) error {
	t.Helper()

	require.False(t, tx.ended, "transaction already ended")
	tx.ended = true
	tx.finish <- err
	select {
	case res := <-tx.result:
		return res
	case <-time.After(txTimeout):
		require.FailNow(t, "InTx did not return in time")
		return nil
	}
}

//
// Factories and helpers
//

// testClock hands out strictly increasing UTC times at microsecond
// precision (the stores' precision). Ids made from them sort in creation
// order; note that billing.NewID keeps ids of one process increasing even
// when this clock is behind another test's, so the suite relies on the
// order ids are made in, never on the time they encode.
type testClock struct{ now time.Time }

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, time.March, 14, 15, 9, 26, 123456000, time.UTC).UTC()}
}

// next advances the clock by a little over a second and returns it.
func (c *testClock) next() time.Time {
	c.now = c.now.Add(time.Second + time.Microsecond)
	return c.now
}

func ptr[T any](v T) *T { return &v }

// requireUniqueViolation requires err to be a *billing.ErrUniqueViolation
// naming constraint.
func requireUniqueViolation(t *testing.T, err error, constraint string) {
	t.Helper()

	var uv *billing.ErrUniqueViolation
	require.ErrorAs(t, err, &uv)
	require.Equal(t, constraint, uv.Constraint)
}

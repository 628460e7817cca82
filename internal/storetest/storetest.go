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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// Store is what the suite exercises: a billing.Store that can also run
// River workers.
type Store interface {
	billing.Store
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
		b.merchantA = newMerchant(t, tx, b.clock.next())
		b.merchantB = newMerchant(t, tx, b.clock.next())
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
	})
	t.Run("Coupon", func(t *testing.T) {
		exerciseScoped(t, setup, couponKind())
		exerciseCoupon(t, setup)
	})
	t.Run("PromotionCode", func(t *testing.T) {
		exerciseScoped(t, setup, promotionCodeKind())
		exercisePromotionCode(t, setup)
	})
	t.Run("Audit", func(t *testing.T) { exerciseAudit(t, setup) })
	t.Run("Idempotency", func(t *testing.T) { exerciseIdempotency(t, setup) })
	t.Run("Enqueue", func(t *testing.T) { exerciseEnqueue(t, setup) })
	t.Run("Gateway", func(t *testing.T) { exerciseGateway(t, setup) })
	t.Run("Notify", func(t *testing.T) { exerciseNotify(t, setup) })
	t.Run("Checkout", func(t *testing.T) { exerciseCheckout(t, setup) })
	t.Run("PayPages", func(t *testing.T) { exercisePayPages(t, setup) })
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

func exerciseTx(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CommitsWhenFnReturnsNil", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		p := buildProduct(b.scope, b.clock.next())
		require.NoError(t, b.store.InTx(ctx, func(tx billing.Tx) error {
			return tx.CreateProduct(ctx, p)
		}))

		var got billing.Product
		require.NoError(t, b.store.InTx(ctx, func(tx billing.Tx) error {
			var err error
			got, err = tx.GetProduct(ctx, b.scope, p.ID)
			return err
		}))
		require.Equal(t, p, got)
	})

	t.Run("RollsBackWhenFnReturnsError", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		errBoom := errors.New("boom")
		p := buildProduct(b.scope, b.clock.next())
		key := buildIdempotencyRecord(b.scope, "rollback-key", b.clock.next())
		entry := buildAuditEntry(b.merchantA.ID, 1, "", b.clock.next())

		err := b.store.InTx(ctx, func(tx billing.Tx) error {
			if err := tx.CreateProduct(ctx, p); err != nil {
				return err
			}
			if _, _, err := tx.ReserveIdempotencyKey(ctx, key); err != nil {
				return err
			}
			if _, _, err := tx.LockAuditHead(ctx, b.merchantA.ID); err != nil {
				return err
			}
			if err := tx.InsertAuditEntry(ctx, entry); err != nil {
				return err
			}
			return errBoom
		})
		require.ErrorIs(t, err, errBoom, "InTx returns the error fn returned")

		tx := begin(t, b.store)
		_, err = tx.GetProduct(ctx, b.scope, p.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		products, more, err := tx.ListProducts(ctx, b.scope, billing.ProductFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Empty(t, products)
		require.False(t, more)

		seq, hash, err := tx.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		entries, err := tx.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 10)
		require.NoError(t, err)
		require.Empty(t, entries)

		_, inserted, err := tx.ReserveIdempotencyKey(ctx, key)
		require.NoError(t, err)
		require.True(t, inserted, "the rolled-back reservation left nothing behind")
		tx.commit(t)
	})

	t.Run("RollsBackMerchantAndAuditHead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		errBoom := errors.New("boom")
		m := buildMerchant(b.clock.next())
		err := b.store.InTx(ctx, func(tx billing.Tx) error {
			if err := tx.CreateMerchant(ctx, m); err != nil {
				return err
			}
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)

		tx := begin(t, b.store)
		_, err = tx.GetMerchant(ctx, m.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)

		// The id is free again, audit head included.
		tx = begin(t, b.store)
		require.NoError(t, tx.CreateMerchant(ctx, m))
		seq, hash, err := tx.LockAuditHead(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		tx.commit(t)
	})
}

//
// Merchants
//

func exerciseMerchant(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetList", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		m := newMerchant(t, tx, b.clock.next())
		custom := buildMerchant(b.clock.next())
		custom.Settings = customMerchantSettings()
		require.NoError(t, tx.CreateMerchant(ctx, custom))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetMerchant(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, m, got)

		got, err = tx.GetMerchant(ctx, custom.ID)
		require.NoError(t, err)
		require.Equal(t, custom, got)

		gotA, err := tx.GetMerchant(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, b.merchantA, gotA)

		all, err := tx.ListMerchants(ctx)
		require.NoError(t, err)
		require.ElementsMatch(t, []billing.Merchant{b.merchantA, b.merchantB, m, custom}, all)
		tx.commit(t)
	})

	t.Run("GetUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		_, err := tx.GetMerchant(t.Context(), billing.NewID(billing.PrefixMerchant, b.clock.next()))
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("CreatesAuditHead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		m := newMerchant(t, tx, b.clock.next())
		// Within the creating transaction…
		seq, hash, err := tx.LockAuditHead(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		tx.commit(t)

		// …and after it.
		tx = begin(t, b.store)
		seq, hash, err = tx.LockAuditHead(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		tx.commit(t)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		dup := buildMerchant(b.clock.next())
		dup.ID = b.merchantA.ID
		requireUniqueViolation(t, tx.CreateMerchant(t.Context(), dup), "merchants_pkey")
		tx.rollback(t)
	})
}

//
// API keys
//

func exerciseAPIKey(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetByIDAndHash", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		testKey := newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		liveKey := newAPIKey(t, tx, b.merchantA.ID, billing.ModeLive, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		for _, k := range []billing.APIKey{testKey, liveKey} {
			got, err := tx.GetAPIKey(ctx, k.ID)
			require.NoError(t, err)
			require.Equal(t, k, got)

			got, err = tx.GetAPIKeyByHash(ctx, k.Hash)
			require.NoError(t, err)
			require.Equal(t, k, got)
		}
		tx.commit(t)
	})

	t.Run("GetUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		unknown := buildAPIKey(b.merchantA.ID, billing.ModeTest, b.clock.next())

		_, err := tx.GetAPIKey(ctx, unknown.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.GetAPIKeyByHash(ctx, unknown.Hash)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("ListOfMerchant", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		older := newAPIKey(t, tx, b.merchantA.ID, billing.ModeLive, b.clock.next())
		newer := newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		newAPIKey(t, tx, b.merchantB.ID, billing.ModeTest, b.clock.next())
		used := b.clock.next()
		require.NoError(t, tx.TouchAPIKey(ctx, newer.ID, used))
		require.NoError(t, tx.RevokeAPIKey(ctx, older.ID, used))
		tx.commit(t)

		older.Revoked, newer.LastUsed = &used, &used
		tx = begin(t, b.store)
		got, err := tx.ListAPIKeys(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.APIKey{older, newer}, got, "both modes, revoked included, oldest first, no other merchant's")
		none, err := tx.ListAPIKeys(ctx, "mch_unknown")
		require.NoError(t, err)
		require.Empty(t, none)
		tx.commit(t)
	})

	t.Run("TouchSetsLastUsed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		k := newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		sibling := newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		tx.commit(t)

		first := b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.TouchAPIKey(ctx, k.ID, first))
		tx.commit(t)

		want := k
		want.LastUsed = &first
		requireAPIKey(t, b.store, want)

		second := b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.TouchAPIKey(ctx, k.ID, second))
		tx.commit(t)

		want.LastUsed = &second
		requireAPIKey(t, b.store, want)
		requireAPIKey(t, b.store, sibling)
	})

	t.Run("RevokeSetsRevokedOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		k := newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		sibling := newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		tx.commit(t)

		first := b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.RevokeAPIKey(ctx, k.ID, first))
		tx.commit(t)

		want := k
		want.Revoked = &first
		requireAPIKey(t, b.store, want)

		tx = begin(t, b.store)
		require.NoError(t, tx.RevokeAPIKey(ctx, k.ID, b.clock.next()))
		tx.commit(t)

		requireAPIKey(t, b.store, want) // still the first time
		requireAPIKey(t, b.store, sibling)
	})

	t.Run("DuplicateHash", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		k := newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		tx.commit(t)

		// The hash is unique across merchants and modes.
		tx = begin(t, b.store)
		dup := buildAPIKey(b.merchantB.ID, billing.ModeLive, b.clock.next())
		dup.Hash = k.Hash
		requireUniqueViolation(t, tx.CreateAPIKey(t.Context(), dup), "api_keys_hash_key")
		tx.rollback(t)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		k := newAPIKey(t, tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildAPIKey(b.merchantA.ID, billing.ModeTest, b.clock.next())
		dup.ID = k.ID
		requireUniqueViolation(t, tx.CreateAPIKey(t.Context(), dup), "api_keys_pkey")
		tx.rollback(t)
	})
}

// requireAPIKey checks that the store holds exactly want.
func requireAPIKey(t *testing.T, store Store, want billing.APIKey) {
	t.Helper()

	tx := begin(t, store)
	got, err := tx.GetAPIKey(t.Context(), want.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
	tx.commit(t)
}

//
// Behaviour shared by every scoped object
//

// kind describes one scoped object type (products, prices…) to the tests
// that every scoped type shares. Method expressions such as
// billing.Tx.GetProduct fill most fields.
type kind[T any] struct {
	// table is the object's table; a duplicate id violates table_pkey.
	table string
	// build returns a valid, unsaved object in s created at at. It may
	// create what the object refers to (a price's product) through tx.
	build    func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) T
	get      func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (T, error)
	id       func(v T) string
	insert   func(tx billing.Tx, ctx context.Context, v T) error
	list     func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]T, bool, error)
	setID    func(v *T, id string)
	setScope func(v *T, s billing.Scope)
	// touch changes v's mutable fields, so that an update is visible.
	touch  func(v *T)
	update func(tx billing.Tx, ctx context.Context, v T) error
}

// create builds an object and inserts it.
func (k kind[T]) create(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) T {
	t.Helper()

	v := k.build(t, tx, s, at)
	require.NoError(t, k.insert(tx, t.Context(), v))
	return v
}

// listIDs returns a list function for requireList.
func (k kind[T]) listIDs(tx billing.Tx, ctx context.Context, s billing.Scope) func(billing.Page) ([]string, bool, error) {
	return func(page billing.Page) ([]string, bool, error) {
		items, more, err := k.list(tx, ctx, s, page)
		return idsOf(items, k.id), more, err
	}
}

func exerciseScoped[T any](t *testing.T, setup setupFunc, k kind[T]) {
	t.Helper()

	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		v := k.create(t, tx, b.scope, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := k.get(tx, t.Context(), b.scope, k.id(v))
		require.NoError(t, err)
		require.Equal(t, v, got)
		tx.commit(t)
	})

	t.Run("GetUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		k.create(t, tx, b.scope, b.clock.next())
		unsaved := k.build(t, tx, b.scope, b.clock.next())
		_, err := k.get(tx, t.Context(), b.scope, k.id(unsaved))
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("UpdateUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		k.create(t, tx, b.scope, b.clock.next())
		unsaved := k.build(t, tx, b.scope, b.clock.next())
		k.touch(&unsaved)
		require.ErrorIs(t, k.update(tx, t.Context(), unsaved), billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		v := k.create(t, tx, b.scope, b.clock.next())
		tx.commit(t)

		// Ids are unique across scopes, not only within one.
		for _, s := range []billing.Scope{b.scope, b.live, b.other} {
			tx = begin(t, b.store)
			dup := k.build(t, tx, s, b.clock.next())
			k.setID(&dup, k.id(v))
			requireUniqueViolation(t, k.insert(tx, t.Context(), dup), k.table+"_pkey")
			tx.rollback(t)
		}
	})

	t.Run("ScopeIsolation", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		v := k.create(t, tx, b.scope, b.clock.next())
		liveV := k.create(t, tx, b.live, b.clock.next())
		otherV := k.create(t, tx, b.other, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := k.get(tx, ctx, s, k.id(v))
			require.ErrorIs(t, err, billing.ErrNotFound, "get in scope %+v", s)

			moved := v
			k.setScope(&moved, s)
			k.touch(&moved)
			require.ErrorIs(t, k.update(tx, ctx, moved), billing.ErrNotFound, "update in scope %+v", s)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := k.get(tx, ctx, b.scope, k.id(v))
		require.NoError(t, err)
		require.Equal(t, v, got, "updates through another scope changed nothing")

		requireList(t, []string{k.id(v)}, k.listIDs(tx, ctx, b.scope))
		requireList(t, []string{k.id(liveV)}, k.listIDs(tx, ctx, b.live))
		requireList(t, []string{k.id(otherV)}, k.listIDs(tx, ctx, b.other))
		tx.commit(t)
	})

	t.Run("ListOrderAndPagination", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		requireList(t, []string{}, k.listIDs(tx, ctx, b.scope))
		// Ids are made in creation order (billing.NewID keeps them
		// increasing), then inserted out of it: lists order by id, not by
		// insertion.
		items := make([]T, 5)
		for i := range items {
			items[i] = k.build(t, tx, b.scope, b.clock.next())
		}
		for _, i := range []int{2, 0, 4, 1, 3} {
			require.NoError(t, k.insert(tx, ctx, items[i]))
		}
		tx.commit(t)

		want := idsOf(items, k.id)
		slices.Reverse(want)

		tx = begin(t, b.store)
		requireList(t, want, k.listIDs(tx, ctx, b.scope))
		tx.commit(t)
	})
}

// requireList checks that list, asked in several page sizes and walked page
// after page, returns exactly the ids in want (newest first) and reports
// hasMore correctly.
func requireList(t *testing.T, want []string, list func(page billing.Page) ([]string, bool, error)) {
	t.Helper()

	got, more, err := list(billing.Page{Limit: 100})
	require.NoError(t, err)
	require.Equal(t, want, got, "one page of 100")
	require.False(t, more, "one page of 100: hasMore")
	if len(want) == 0 {
		return
	}

	got, more, err = list(billing.Page{Limit: len(want)})
	require.NoError(t, err)
	require.Equal(t, want, got, "a page exactly as long as the list")
	require.False(t, more, "a page exactly as long as the list: hasMore")

	if len(want) > 1 {
		got, more, err = list(billing.Page{Limit: len(want) - 1})
		require.NoError(t, err)
		require.Equal(t, want[:len(want)-1], got, "a page one shorter than the list")
		require.True(t, more, "a page one shorter than the list: hasMore")
	}

	walked := []string{}
	after := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, len(want)+1, "walking pages of 2 does not end")
		got, more, err = list(billing.Page{Limit: 2, StartingAfter: after})
		require.NoError(t, err)
		require.LessOrEqual(t, len(got), 2, "a page holds at most Limit items")
		walked = append(walked, got...)
		if !more {
			break
		}
		require.Len(t, got, 2, "a page followed by more is full")
		after = got[len(got)-1]
	}
	require.Equal(t, want, walked, "walking pages of 2")

	got, more, err = list(billing.Page{Limit: 2, StartingAfter: want[len(want)-1]})
	require.NoError(t, err)
	require.Empty(t, got, "a page after the last item")
	require.False(t, more, "a page after the last item: hasMore")
}

// idsOf maps items to their ids; the result is never nil.
func idsOf[T any](items []T, id func(T) string) []string {
	ids := make([]string, 0, len(items))
	for _, v := range items {
		ids = append(ids, id(v))
	}
	return ids
}

//
// Products
//

func productKind() kind[billing.Product] {
	return kind[billing.Product]{
		table: "products",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Product {
			return buildProduct(s, at)
		},
		get:    billing.Tx.GetProduct,
		id:     func(v billing.Product) string { return v.ID },
		insert: billing.Tx.CreateProduct,
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Product, bool, error) {
			return tx.ListProducts(ctx, s, billing.ProductFilter{}, page)
		},
		setID:    func(v *billing.Product, id string) { v.ID = id },
		setScope: func(v *billing.Product, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Product) {
			v.Name = "Touched"
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdateProduct,
	}
}

func exerciseProduct(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsEmptyValues", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		p := newProduct(t, tx, b.scope, b.clock.next(), func(p *billing.Product) {
			p.Description = ""
			p.Features = map[string]int64{}
			p.Active = false
			p.Metadata = billing.Metadata{}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetProduct(t.Context(), b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)
		require.NotNil(t, got.Features)
		require.NotNil(t, got.Metadata)
		tx.commit(t)
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p := newProduct(t, tx, b.scope, b.clock.next())
		sibling := newProduct(t, tx, b.scope, b.clock.next())
		tx.commit(t)

		u := p
		u.Name = "Plan Pro Plus"
		u.Description = "Hasta 10 propiedades"
		u.Features = map[string]int64{"properties": 10}
		u.Active = false
		u.Metadata = billing.Metadata{"plan": "pro_plus"}
		u.Updated = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateProduct(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetProduct(ctx, b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)

		got, err = tx.GetProduct(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one product leaves the others alone")
		tx.commit(t)
	})

	t.Run("ListFilterActive", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p1 := newProduct(t, tx, b.scope, b.clock.next())
		p2 := newProduct(t, tx, b.scope, b.clock.next(), func(p *billing.Product) { p.Active = false })
		p3 := newProduct(t, tx, b.scope, b.clock.next())
		p4 := newProduct(t, tx, b.scope, b.clock.next(), func(p *billing.Product) { p.Active = false })
		p5 := newProduct(t, tx, b.scope, b.clock.next())
		newProduct(t, tx, b.live, b.clock.next())
		newProduct(t, tx, b.other, b.clock.next(), func(p *billing.Product) { p.Active = false })
		tx.commit(t)

		list := func(tx billing.Tx, f billing.ProductFilter) func(billing.Page) ([]string, bool, error) {
			return func(page billing.Page) ([]string, bool, error) {
				items, more, err := tx.ListProducts(ctx, b.scope, f, page)
				return idsOf(items, func(p billing.Product) string { return p.ID }), more, err
			}
		}

		tx = begin(t, b.store)
		requireList(t, []string{p5.ID, p4.ID, p3.ID, p2.ID, p1.ID}, list(tx, billing.ProductFilter{}))
		requireList(t, []string{p5.ID, p3.ID, p1.ID}, list(tx, billing.ProductFilter{Active: ptr(true)}))
		requireList(t, []string{p4.ID, p2.ID}, list(tx, billing.ProductFilter{Active: ptr(false)}))
		tx.commit(t)
	})
}

//
// Prices
//

func priceKind() kind[billing.Price] {
	return kind[billing.Price]{
		table: "prices",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Price {
			t.Helper()
			product := newProduct(t, tx, s, at)
			return buildPrice(s, product.ID, at)
		},
		get:    billing.Tx.GetPrice,
		id:     func(v billing.Price) string { return v.ID },
		insert: billing.Tx.CreatePrice,
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Price, bool, error) {
			return tx.ListPrices(ctx, s, billing.PriceFilter{}, page)
		},
		setID:    func(v *billing.Price, id string) { v.ID = id },
		setScope: func(v *billing.Price, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Price) {
			v.Nickname = "Touched"
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdatePrice,
	}
}

func exercisePrice(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		product := newProduct(t, tx, b.scope, b.clock.next())
		oneTime := newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.Nickname = ""
			p.UnitAmount = 0
			p.Currency = "USD"
			p.Type = billing.PriceOneTime
			p.Recurring = nil
			p.LookupKey = "setup_fee"
			p.TrialPeriodDays = 0
			p.Active = false
			p.Metadata = billing.Metadata{}
		})
		yearly := newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.UnitAmount = 9_007_199_254_740_993 // beyond float64's exact integers
			p.Recurring = &billing.Recurring{Interval: billing.IntervalYear, IntervalCount: 2}
			p.LookupKey = "pro_biennial"
		})
		weekly := newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.Recurring = &billing.Recurring{Interval: billing.IntervalWeek, IntervalCount: 1}
		})
		daily := newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.Recurring = &billing.Recurring{Interval: billing.IntervalDay, IntervalCount: 30}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Price{oneTime, yearly, weekly, daily} {
			got, err := tx.GetPrice(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		tx.commit(t)
	})

	t.Run("UpdateWritesOnlyMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		product := newProduct(t, tx, b.scope, b.clock.next())
		otherProduct := newProduct(t, tx, b.scope, b.clock.next())
		p := newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) {
			p.LookupKey = "basic_monthly"
		})
		sibling := newPrice(t, tx, b.scope, product.ID, b.clock.next())
		tx.commit(t)

		u := p
		// Mutable.
		u.Nickname = "Mensual (nuevo)"
		u.LookupKey = "basic_monthly_v2"
		u.TrialPeriodDays = 30
		u.Active = false
		u.Metadata = billing.Metadata{"version": "2"}
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.ProductID = otherProduct.ID
		u.UnitAmount = 1
		u.Currency = "USD"
		u.Type = billing.PriceOneTime
		u.Recurring = nil
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdatePrice(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetPrice(ctx, b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = tx.GetPrice(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one price leaves the others alone")
		tx.commit(t)
	})

	t.Run("LookupKeyUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		product := newProduct(t, tx, b.scope, b.clock.next())
		newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "basic_monthly" })
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildPrice(b.scope, product.ID, b.clock.next())
		dup.LookupKey = "basic_monthly"
		requireUniqueViolation(t, tx.CreatePrice(ctx, dup), "prices_lookup_key_key")
		tx.rollback(t)

		tx = begin(t, b.store)
		// The same key in another mode or merchant is fine.
		for _, s := range []billing.Scope{b.live, b.other} {
			other := newProduct(t, tx, s, b.clock.next())
			newPrice(t, tx, s, other.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "basic_monthly" })
		}
		// Any number of prices may have no key.
		for range 3 {
			newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "" })
		}
		tx.commit(t)
	})

	t.Run("UpdateLookupKeyConflict", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		product := newProduct(t, tx, b.scope, b.clock.next())
		newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "basic_monthly" })
		p := newPrice(t, tx, b.scope, product.ID, b.clock.next(), func(p *billing.Price) { p.LookupKey = "basic_yearly" })
		tx.commit(t)

		tx = begin(t, b.store)
		p.LookupKey = "basic_monthly"
		requireUniqueViolation(t, tx.UpdatePrice(t.Context(), p), "prices_lookup_key_key")
		tx.rollback(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		basic := newProduct(t, tx, b.scope, b.clock.next())
		pro := newProduct(t, tx, b.scope, b.clock.next())
		monthly := func(p *billing.Price) {
			p.Type = billing.PriceRecurring
			p.Recurring = &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}
		}
		oneTime := func(p *billing.Price) {
			p.Type = billing.PriceOneTime
			p.Recurring = nil
		}
		inactive := func(p *billing.Price) { p.Active = false }
		key := func(k string) func(*billing.Price) { return func(p *billing.Price) { p.LookupKey = k } }

		p1 := newPrice(t, tx, b.scope, basic.ID, b.clock.next(), monthly, key("basic_monthly"))
		p2 := newPrice(t, tx, b.scope, basic.ID, b.clock.next(), oneTime)
		p3 := newPrice(t, tx, b.scope, basic.ID, b.clock.next(), monthly, inactive, key("basic_old"))
		p4 := newPrice(t, tx, b.scope, pro.ID, b.clock.next(), monthly, key("pro_monthly"))
		p5 := newPrice(t, tx, b.scope, pro.ID, b.clock.next(), oneTime, inactive)
		// Same key and product shape elsewhere: never listed.
		liveProduct := newProduct(t, tx, b.live, b.clock.next())
		newPrice(t, tx, b.live, liveProduct.ID, b.clock.next(), monthly, key("pro_monthly"))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.PriceFilter) func(billing.Page) ([]string, bool, error) {
			return func(page billing.Page) ([]string, bool, error) {
				items, more, err := tx.ListPrices(ctx, b.scope, f, page)
				return idsOf(items, func(p billing.Price) string { return p.ID }), more, err
			}
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.PriceFilter
			want   []billing.Price
		}{
			{"None", billing.PriceFilter{}, []billing.Price{p5, p4, p3, p2, p1}},
			{"ProductID", billing.PriceFilter{ProductID: basic.ID}, []billing.Price{p3, p2, p1}},
			{"ProductIDOther", billing.PriceFilter{ProductID: pro.ID}, []billing.Price{p5, p4}},
			{"ProductIDOfAnotherScope", billing.PriceFilter{ProductID: liveProduct.ID}, nil},
			{"LookupKey", billing.PriceFilter{LookupKey: "pro_monthly"}, []billing.Price{p4}},
			{"LookupKeyUnknown", billing.PriceFilter{LookupKey: "nope"}, nil},
			{"ActiveTrue", billing.PriceFilter{Active: ptr(true)}, []billing.Price{p4, p2, p1}},
			{"ActiveFalse", billing.PriceFilter{Active: ptr(false)}, []billing.Price{p5, p3}},
			{"TypeOneTime", billing.PriceFilter{Type: billing.PriceOneTime}, []billing.Price{p5, p2}},
			{"TypeRecurring", billing.PriceFilter{Type: billing.PriceRecurring}, []billing.Price{p4, p3, p1}},
			{"Combined", billing.PriceFilter{ProductID: basic.ID, Active: ptr(true), Type: billing.PriceRecurring}, []billing.Price{p1}},
			{"CombinedEmpty", billing.PriceFilter{ProductID: pro.ID, LookupKey: "basic_monthly"}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, func(p billing.Price) string { return p.ID }), list(tx, tc.filter))
		}

		// Filtered items come back whole.
		items, _, err := tx.ListPrices(ctx, b.scope, billing.PriceFilter{LookupKey: "pro_monthly"}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Price{p4}, items)
		tx.commit(t)
	})
}

//
// Customers
//

func customerKind() kind[billing.Customer] {
	return kind[billing.Customer]{
		table: "customers",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Customer {
			return buildCustomer(s, at)
		},
		get:    billing.Tx.GetCustomer,
		id:     func(v billing.Customer) string { return v.ID },
		insert: billing.Tx.CreateCustomer,
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Customer, bool, error) {
			return tx.ListCustomers(ctx, s, billing.CustomerFilter{}, page)
		},
		setID:    func(v *billing.Customer, id string) { v.ID = id },
		setScope: func(v *billing.Customer, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Customer) {
			v.Name = "Touched"
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdateCustomer,
	}
}

func exerciseCustomer(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		withExternal := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.ExternalID = "user_42"
			c.TestClockID = billing.NewID(billing.PrefixTestClock, c.Created)
			c.Metadata = billing.Metadata{"nota": "cliente con ñ y emoji 🙂", "empty": ""}
		})
		bare := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email = ""
			c.Name = ""
			c.Locale = ""
			c.Metadata = billing.Metadata{}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Customer{withExternal, bare} {
			got, err := tx.GetCustomer(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		tx.commit(t)
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.TestClockID = billing.NewID(billing.PrefixTestClock, c.Created)
		})
		sibling := newCustomer(t, tx, b.scope, b.clock.next())
		tx.commit(t)

		u := c
		u.Email = "mj.perez@example.com"
		u.Name = "María José Pérez Soto"
		u.ExternalID = "user_7"
		u.Locale = "en-US"
		u.Metadata = billing.Metadata{"segment": "b"}
		u.Updated = b.clock.next()
		want := u
		u.TestClockID = billing.NewID(billing.PrefixTestClock, u.Updated) // fixed at creation: ignored

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateCustomer(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetCustomer(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = tx.GetCustomer(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one customer leaves the others alone")
		tx.commit(t)
	})

	t.Run("ExternalIDUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_42" })
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildCustomer(b.scope, b.clock.next())
		dup.ExternalID = "user_42"
		requireUniqueViolation(t, tx.CreateCustomer(ctx, dup), "customers_external_id_key")
		tx.rollback(t)

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			newCustomer(t, tx, s, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_42" })
		}
		for range 3 {
			newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "" })
		}
		tx.commit(t)
	})

	t.Run("UpdateExternalIDConflict", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_42" })
		c := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_43" })
		tx.commit(t)

		tx = begin(t, b.store)
		c.ExternalID = "user_42"
		requireUniqueViolation(t, tx.UpdateCustomer(t.Context(), c), "customers_external_id_key")
		tx.rollback(t)
	})

	t.Run("DeleteIsSoft", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_42" })
		kept := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_43" })
		tx.commit(t)

		at := b.clock.next()
		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			require.ErrorIs(t, tx.DeleteCustomer(ctx, s, c.ID, at), billing.ErrNotFound, "another scope's customer is not found")
		}
		require.ErrorIs(t, tx.DeleteCustomer(ctx, b.scope, "cus_missing", at), billing.ErrNotFound)
		require.NoError(t, tx.DeleteCustomer(ctx, b.scope, c.ID, at))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetCustomer(ctx, b.scope, c.ID)
		require.NoError(t, err, "a deleted customer is kept for what refers to it")
		want := c
		want.Deleted, want.Updated = &at, at
		require.Equal(t, want, got)
		got, err = tx.GetCustomer(ctx, b.scope, kept.ID)
		require.NoError(t, err)
		require.Equal(t, kept, got, "deleting one customer leaves the others alone")

		require.ErrorIs(t, tx.DeleteCustomer(ctx, b.scope, c.ID, b.clock.next()), billing.ErrNotFound, "deleting twice")
		u := c
		u.Name, u.Updated = "Otra", b.clock.next()
		require.ErrorIs(t, tx.UpdateCustomer(ctx, u), billing.ErrNotFound, "a deleted customer cannot be updated")

		for _, f := range []billing.CustomerFilter{{}, {ExternalID: "user_42"}, {Email: c.Email}} {
			items, _, err := tx.ListCustomers(ctx, b.scope, f, billing.Page{})
			require.NoError(t, err)
			require.NotContains(t, idsOf(items, func(c billing.Customer) string { return c.ID }), c.ID, "lists leave deleted customers out (%+v)", f)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		reuse := newCustomer(t, tx, b.scope, b.clock.next(), func(n *billing.Customer) { n.ExternalID = "user_42" })
		tx.commit(t)
		tx = begin(t, b.store)
		items, _, err := tx.ListCustomers(ctx, b.scope, billing.CustomerFilter{ExternalID: "user_42"}, billing.Page{})
		require.NoError(t, err)
		require.Equal(t, []billing.Customer{reuse}, items, "a deleted customer's external_id is free again")
		dup := buildCustomer(b.scope, b.clock.next())
		dup.ExternalID = "user_42"
		requireUniqueViolation(t, tx.CreateCustomer(ctx, dup), "customers_external_id_key")
		tx.rollback(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email = "ana@example.cl"
			c.ExternalID = "user_1"
		})
		c2 := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email = "beto@example.cl"
			c.ExternalID = ""
		})
		c3 := newCustomer(t, tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email = "ana@example.cl"
			c.ExternalID = "user_3"
		})
		newCustomer(t, tx, b.live, b.clock.next(), func(c *billing.Customer) {
			c.Email = "ana@example.cl"
			c.ExternalID = "user_3"
		})
		newCustomer(t, tx, b.other, b.clock.next(), func(c *billing.Customer) {
			c.Email = "ana@example.cl"
			c.ExternalID = "user_1"
		})
		tx.commit(t)

		list := func(tx billing.Tx, f billing.CustomerFilter) func(billing.Page) ([]string, bool, error) {
			return func(page billing.Page) ([]string, bool, error) {
				items, more, err := tx.ListCustomers(ctx, b.scope, f, page)
				return idsOf(items, func(c billing.Customer) string { return c.ID }), more, err
			}
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.CustomerFilter
			want   []billing.Customer
		}{
			{"None", billing.CustomerFilter{}, []billing.Customer{c3, c2, c1}},
			{"Email", billing.CustomerFilter{Email: "ana@example.cl"}, []billing.Customer{c3, c1}},
			{"EmailOther", billing.CustomerFilter{Email: "beto@example.cl"}, []billing.Customer{c2}},
			{"EmailUnknown", billing.CustomerFilter{Email: "nadie@example.cl"}, nil},
			{"ExternalID", billing.CustomerFilter{ExternalID: "user_3"}, []billing.Customer{c3}},
			{"ExternalIDUnknown", billing.CustomerFilter{ExternalID: "user_9"}, nil},
			{"Both", billing.CustomerFilter{Email: "ana@example.cl", ExternalID: "user_1"}, []billing.Customer{c1}},
			{"BothEmpty", billing.CustomerFilter{Email: "beto@example.cl", ExternalID: "user_3"}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, func(c billing.Customer) string { return c.ID }), list(tx, tc.filter))
		}

		items, _, err := tx.ListCustomers(ctx, b.scope, billing.CustomerFilter{ExternalID: "user_3"}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Customer{c3}, items)
		tx.commit(t)
	})
}

//
// Coupons
//

func couponKind() kind[billing.Coupon] {
	return kind[billing.Coupon]{
		table: "coupons",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Coupon {
			return buildCoupon(s, at)
		},
		get:      billing.Tx.GetCoupon,
		id:       func(v billing.Coupon) string { return v.ID },
		insert:   billing.Tx.CreateCoupon,
		list:     billing.Tx.ListCoupons,
		setID:    func(v *billing.Coupon, id string) { v.ID = id },
		setScope: func(v *billing.Coupon, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Coupon) {
			v.Name = "Touched"
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdateCoupon,
	}
}

func exerciseCoupon(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		amountOff := newCoupon(t, tx, b.scope, b.clock.next(), func(c *billing.Coupon) {
			c.PercentOffBP = 0
			c.AmountOff = 5000
			c.Currency = "CLP"
			c.Duration = billing.DurationForever
			c.DurationInMonths = 0
			c.MaxRedemptions = 0
			c.RedeemBy = nil
			c.TimesRedeemed = 0
			c.Metadata = billing.Metadata{}
		})
		once := newCoupon(t, tx, b.scope, b.clock.next(), func(c *billing.Coupon) {
			c.PercentOffBP = 10000
			c.Duration = billing.DurationOnce
			c.DurationInMonths = 0
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Coupon{amountOff, once} {
			got, err := tx.GetCoupon(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		tx.commit(t)
	})

	t.Run("UpdateWritesOnlyMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCoupon(t, tx, b.scope, b.clock.next())
		sibling := newCoupon(t, tx, b.scope, b.clock.next())
		tx.commit(t)

		u := c
		// Mutable.
		u.Name = "Verano 2027"
		u.Metadata = billing.Metadata{"campaign": "verano27"}
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.PercentOffBP = 5000
		u.AmountOff = 100
		u.Currency = "USD"
		u.Duration = billing.DurationForever
		u.DurationInMonths = 12
		u.MaxRedemptions = 1
		u.RedeemBy = nil
		u.TimesRedeemed = 99
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdateCoupon(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetCoupon(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = tx.GetCoupon(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one coupon leaves the others alone")
		tx.commit(t)
	})
}

//
// Promotion codes
//

func promotionCodeKind() kind[billing.PromotionCode] {
	return kind[billing.PromotionCode]{
		table: "promotion_codes",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.PromotionCode {
			t.Helper()
			coupon := newCoupon(t, tx, s, at)
			return buildPromotionCode(s, coupon.ID, at)
		},
		get:    billing.Tx.GetPromotionCode,
		id:     func(v billing.PromotionCode) string { return v.ID },
		insert: billing.Tx.CreatePromotionCode,
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.PromotionCode, bool, error) {
			return tx.ListPromotionCodes(ctx, s, billing.PromotionCodeFilter{}, page)
		},
		setID:    func(v *billing.PromotionCode, id string) { v.ID = id },
		setScope: func(v *billing.PromotionCode, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.PromotionCode) {
			v.Active = !v.Active
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: billing.Tx.UpdatePromotionCode,
	}
}

func exercisePromotionCode(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		coupon := newCoupon(t, tx, b.scope, b.clock.next())
		bare := newPromotionCode(t, tx, b.scope, coupon.ID, b.clock.next(), func(p *billing.PromotionCode) {
			p.Active = false
			p.MaxRedemptions = 0
			p.ExpiresAt = nil
			p.TimesRedeemed = 0
			p.Metadata = billing.Metadata{}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetPromotionCode(t.Context(), b.scope, bare.ID)
		require.NoError(t, err)
		require.Equal(t, bare, got)
		tx.commit(t)
	})

	t.Run("UpdateWritesOnlyMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		coupon := newCoupon(t, tx, b.scope, b.clock.next())
		otherCoupon := newCoupon(t, tx, b.scope, b.clock.next())
		p := newPromotionCode(t, tx, b.scope, coupon.ID, b.clock.next())
		sibling := newPromotionCode(t, tx, b.scope, coupon.ID, b.clock.next())
		tx.commit(t)

		u := p
		// Mutable.
		u.Active = false
		u.Metadata = billing.Metadata{"channel": "email"}
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.CouponID = otherCoupon.ID
		u.Code = "CHANGED"
		u.MaxRedemptions = 1
		u.ExpiresAt = nil
		u.TimesRedeemed = 99
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.UpdatePromotionCode(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.GetPromotionCode(ctx, b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = tx.GetPromotionCode(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one promotion code leaves the others alone")
		tx.commit(t)
	})

	t.Run("CodeUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		coupon := newCoupon(t, tx, b.scope, b.clock.next())
		otherCoupon := newCoupon(t, tx, b.scope, b.clock.next())
		newPromotionCode(t, tx, b.scope, coupon.ID, b.clock.next(), func(p *billing.PromotionCode) { p.Code = "VERANO" })
		tx.commit(t)

		// Unique per scope, whichever coupon it points to.
		for _, couponID := range []string{coupon.ID, otherCoupon.ID} {
			tx = begin(t, b.store)
			dup := buildPromotionCode(b.scope, couponID, b.clock.next())
			dup.Code = "VERANO"
			requireUniqueViolation(t, tx.CreatePromotionCode(ctx, dup), "promotion_codes_code_key")
			tx.rollback(t)
		}

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			c := newCoupon(t, tx, s, b.clock.next())
			newPromotionCode(t, tx, s, c.ID, b.clock.next(), func(p *billing.PromotionCode) { p.Code = "VERANO" })
		}
		tx.commit(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		k1 := newCoupon(t, tx, b.scope, b.clock.next())
		k2 := newCoupon(t, tx, b.scope, b.clock.next())
		code := func(c string) func(*billing.PromotionCode) {
			return func(p *billing.PromotionCode) { p.Code = c }
		}
		inactive := func(p *billing.PromotionCode) { p.Active = false }
		p1 := newPromotionCode(t, tx, b.scope, k1.ID, b.clock.next(), code("VERANO"))
		p2 := newPromotionCode(t, tx, b.scope, k1.ID, b.clock.next(), code("INVIERNO"), inactive)
		p3 := newPromotionCode(t, tx, b.scope, k2.ID, b.clock.next(), code("OTONO"))
		liveCoupon := newCoupon(t, tx, b.live, b.clock.next())
		newPromotionCode(t, tx, b.live, liveCoupon.ID, b.clock.next(), code("VERANO"))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.PromotionCodeFilter) func(billing.Page) ([]string, bool, error) {
			return func(page billing.Page) ([]string, bool, error) {
				items, more, err := tx.ListPromotionCodes(ctx, b.scope, f, page)
				return idsOf(items, func(p billing.PromotionCode) string { return p.ID }), more, err
			}
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.PromotionCodeFilter
			want   []billing.PromotionCode
		}{
			{"None", billing.PromotionCodeFilter{}, []billing.PromotionCode{p3, p2, p1}},
			{"CouponID", billing.PromotionCodeFilter{CouponID: k1.ID}, []billing.PromotionCode{p2, p1}},
			{"CouponIDOther", billing.PromotionCodeFilter{CouponID: k2.ID}, []billing.PromotionCode{p3}},
			{"CouponIDOfAnotherScope", billing.PromotionCodeFilter{CouponID: liveCoupon.ID}, nil},
			{"Code", billing.PromotionCodeFilter{Code: "VERANO"}, []billing.PromotionCode{p1}},
			{"CodeUnknown", billing.PromotionCodeFilter{Code: "PRIMAVERA"}, nil},
			{"ActiveTrue", billing.PromotionCodeFilter{Active: ptr(true)}, []billing.PromotionCode{p3, p1}},
			{"ActiveFalse", billing.PromotionCodeFilter{Active: ptr(false)}, []billing.PromotionCode{p2}},
			{"Combined", billing.PromotionCodeFilter{CouponID: k1.ID, Active: ptr(true)}, []billing.PromotionCode{p1}},
			{"CombinedEmpty", billing.PromotionCodeFilter{CouponID: k2.ID, Active: ptr(false)}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, func(p billing.PromotionCode) string { return p.ID }), list(tx, tc.filter))
		}

		items, _, err := tx.ListPromotionCodes(ctx, b.scope, billing.PromotionCodeFilter{Code: "INVIERNO"}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.PromotionCode{p2}, items)
		tx.commit(t)
	})
}

//
// Audit
//

func exerciseAudit(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("AppendLockAndList", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		// A create (Before nil), updates, a delete (After nil). The JSON is
		// deliberately unsorted and spaced: it must come back byte for byte.
		var entries []billing.AuditEntry
		prev := ""
		for seq := int64(1); seq <= 5; seq++ {
			e := buildAuditEntry(b.merchantA.ID, seq, prev, b.clock.next())
			switch seq {
			case 1:
				e.Before = nil
			case 4:
				e.Mode = billing.ModeLive
			case 5:
				e.After = nil
			}
			entries = append(entries, e)
			prev = e.Hash
		}

		tx := begin(t, b.store)
		appendAudit(t, tx, entries[0])
		tx.commit(t)

		tx = begin(t, b.store)
		seq, hash, err := tx.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), seq)
		require.Equal(t, "h1", hash)
		require.NoError(t, tx.InsertAuditEntry(ctx, entries[1]))
		tx.commit(t)

		// Several entries in one transaction.
		tx = begin(t, b.store)
		for _, e := range entries[2:] {
			appendAudit(t, tx, e)
		}
		tx.commit(t)

		want := slices.Clone(entries)
		want[0].Before = json.RawMessage("null")
		want[4].After = json.RawMessage("null")

		tx = begin(t, b.store)
		seq, hash, err = tx.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(5), seq)
		require.Equal(t, "h5", hash)

		got, err := tx.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.Equal(t, `{"b":1,"a":2}`, string(got[1].Before), "JSON bytes are kept as given")
		require.Equal(t, `{ "name": "Plan  Pro",  "features": {"z": 1, "a": 2} }`, string(got[1].After))

		got, err = tx.ListAuditEntries(ctx, b.merchantA.ID, "", 2, 2)
		require.NoError(t, err)
		require.Equal(t, want[2:4], got)

		got, err = tx.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 1)
		require.NoError(t, err)
		require.Equal(t, want[:1], got)

		got, err = tx.ListAuditEntries(ctx, b.merchantA.ID, "", 4, 100)
		require.NoError(t, err)
		require.Equal(t, want[4:], got)

		got, err = tx.ListAuditEntries(ctx, b.merchantA.ID, "", 5, 100)
		require.NoError(t, err)
		require.Empty(t, got)
		tx.commit(t)
	})

	t.Run("RejectsEntryNotFollowingHead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		first := buildAuditEntry(b.merchantA.ID, 1, "", b.clock.next())
		tx := begin(t, b.store)
		appendAudit(t, tx, first)
		tx.commit(t)

		for _, seq := range []int64{1, 3, 0} {
			tx = begin(t, b.store)
			head, _, err := tx.LockAuditHead(ctx, b.merchantA.ID)
			require.NoError(t, err)
			require.Equal(t, int64(1), head)
			e := buildAuditEntry(b.merchantA.ID, seq, first.Hash, b.clock.next())
			require.Error(t, tx.InsertAuditEntry(ctx, e), "an entry with seq %d after head 1 is rejected", seq)
			tx.rollback(t)
		}

		tx = begin(t, b.store)
		seq, hash, err := tx.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), seq)
		require.Equal(t, first.Hash, hash)
		got, err := tx.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{first}, got)
		tx.commit(t)
	})

	t.Run("ListByMode", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		// One chain holds test, live and mode-less (merchant) entries.
		var chain []billing.AuditEntry
		for i, mode := range []billing.Mode{"", billing.ModeTest, billing.ModeLive, billing.ModeTest, billing.ModeLive} {
			prev := ""
			if i > 0 {
				prev = chain[i-1].Hash
			}
			e := buildAuditEntry(b.merchantA.ID, int64(i+1), prev, b.clock.next())
			e.Mode = mode
			chain = append(chain, e)
		}
		tx := begin(t, b.store)
		for _, e := range chain {
			appendAudit(t, tx, e)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.ListAuditEntries(ctx, b.merchantA.ID, billing.ModeTest, 0, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{chain[0], chain[1], chain[3]}, got, "test mode sees its entries and the mode-less ones")
		got, err = tx.ListAuditEntries(ctx, b.merchantA.ID, billing.ModeLive, 1, 1)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{chain[2]}, got, "after_seq and limit apply after the mode filter")
		got, err = tx.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, chain, got, "no mode: the whole chain")
		tx.commit(t)
	})

	t.Run("ChainsArePerMerchant", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		a1 := buildAuditEntry(b.merchantA.ID, 1, "", b.clock.next())
		a1.Hash = "a1"
		a2 := buildAuditEntry(b.merchantA.ID, 2, a1.Hash, b.clock.next())
		a2.Hash = "a2"
		b1 := buildAuditEntry(b.merchantB.ID, 1, "", b.clock.next())
		b1.Hash = "b1"

		tx := begin(t, b.store)
		appendAudit(t, tx, a1)
		appendAudit(t, tx, a2)
		tx.commit(t)

		tx = begin(t, b.store)
		appendAudit(t, tx, b1) // B's chain starts at 0 whatever A holds
		tx.commit(t)

		tx = begin(t, b.store)
		seq, hash, err := tx.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(2), seq)
		require.Equal(t, "a2", hash)
		seq, hash, err = tx.LockAuditHead(ctx, b.merchantB.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), seq)
		require.Equal(t, "b1", hash)

		got, err := tx.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{a1, a2}, got)
		got, err = tx.ListAuditEntries(ctx, b.merchantB.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{b1}, got)
		tx.commit(t)
	})
}

// appendAudit locks the merchant's audit head, checks that e follows it and
// inserts e.
func appendAudit(t *testing.T, tx billing.Tx, e billing.AuditEntry) {
	t.Helper()

	seq, hash, err := tx.LockAuditHead(t.Context(), e.MerchantID)
	require.NoError(t, err)
	require.Equal(t, e.Seq-1, seq, "audit head seq")
	require.Equal(t, e.PrevHash, hash, "audit head hash")
	require.NoError(t, tx.InsertAuditEntry(t.Context(), e))
}

//
// Idempotency
//

func exerciseIdempotency(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("ReserveCompleteReplayDelete", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		r := buildIdempotencyRecord(b.scope, "8e1f1b1c-key", b.clock.next())

		tx := begin(t, b.store)
		_, inserted, err := tx.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.True(t, inserted)
		tx.commit(t)

		// A retry, even with another body, gets the first record.
		retry := r
		retry.RequestHash = "different"
		retry.Created = b.clock.next()
		tx = begin(t, b.store)
		got, inserted, err := tx.ReserveIdempotencyKey(ctx, retry)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Empty(t, got.ResponseBody, "a running request has no response")
		got.ResponseBody = nil
		require.Equal(t, r, got)
		tx.commit(t)

		body := []byte(`{"id":"prod_1","object":"product", "b":1,"a":2}`)
		tx = begin(t, b.store)
		require.NoError(t, tx.CompleteIdempotencyKey(ctx, r.Scope, r.Key, 201, body))
		tx.commit(t)

		want := r
		want.Completed = true
		want.ResponseStatus = 201
		want.ResponseBody = body
		tx = begin(t, b.store)
		got, inserted, err = tx.ReserveIdempotencyKey(ctx, retry)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, want, got)
		tx.commit(t)

		tx = begin(t, b.store)
		require.NoError(t, tx.DeleteIdempotencyKey(ctx, r.Scope, r.Key))
		tx.commit(t)

		tx = begin(t, b.store)
		_, inserted, err = tx.ReserveIdempotencyKey(ctx, retry)
		require.NoError(t, err)
		require.True(t, inserted, "a deleted key can be reserved again")
		got, inserted, err = tx.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, "different", got.RequestHash)
		require.False(t, got.Completed)
		tx.commit(t)
	})

	t.Run("ScopeIsolation", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		at := b.clock.next()
		records := map[billing.Scope]billing.IdempotencyRecord{}
		tx := begin(t, b.store)
		for i, s := range []billing.Scope{b.scope, b.live, b.other} {
			r := buildIdempotencyRecord(s, "same-key", at)
			r.RequestHash = fmt.Sprintf("hash-%d", i)
			_, inserted, err := tx.ReserveIdempotencyKey(ctx, r)
			require.NoError(t, err)
			require.True(t, inserted, "the key is free in scope %+v", s)
			records[s] = r
		}
		tx.commit(t)

		tx = begin(t, b.store)
		require.NoError(t, tx.CompleteIdempotencyKey(ctx, b.scope, "same-key", 200, []byte(`{}`)))
		require.NoError(t, tx.DeleteIdempotencyKey(ctx, b.live, "same-key"))
		tx.commit(t)

		tx = begin(t, b.store)
		got, inserted, err := tx.ReserveIdempotencyKey(ctx, records[b.scope])
		require.NoError(t, err)
		require.False(t, inserted)
		require.True(t, got.Completed)
		require.Equal(t, "hash-0", got.RequestHash)

		got, inserted, err = tx.ReserveIdempotencyKey(ctx, records[b.other])
		require.NoError(t, err)
		require.False(t, inserted, "deleting in one scope leaves the others alone")
		require.False(t, got.Completed, "completing in one scope leaves the others alone")
		require.Equal(t, "hash-2", got.RequestHash)

		_, inserted, err = tx.ReserveIdempotencyKey(ctx, records[b.live])
		require.NoError(t, err)
		require.True(t, inserted)
		tx.commit(t)
	})

	t.Run("DeleteKeysBefore", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		t0 := b.clock.next()
		records := []billing.IdempotencyRecord{
			buildIdempotencyRecord(b.scope, "old", t0),
			buildIdempotencyRecord(b.other, "old-other-merchant", t0.Add(time.Minute)),
			buildIdempotencyRecord(b.live, "at-cutoff", t0.Add(time.Hour)),
			buildIdempotencyRecord(b.scope, "new", t0.Add(2*time.Hour)),
		}
		tx := begin(t, b.store)
		for _, r := range records {
			_, inserted, err := tx.ReserveIdempotencyKey(ctx, r)
			require.NoError(t, err)
			require.True(t, inserted)
		}
		require.NoError(t, tx.CompleteIdempotencyKey(ctx, b.scope, "old", 200, []byte(`{}`)))
		tx.commit(t)

		tx = begin(t, b.store)
		n, err := tx.DeleteIdempotencyKeysBefore(ctx, t0.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, int64(2), n, "keys created strictly before the cutoff")
		tx.commit(t)

		tx = begin(t, b.store)
		for i, r := range records {
			_, inserted, err := tx.ReserveIdempotencyKey(ctx, r)
			require.NoError(t, err)
			require.Equal(t, i < 2, inserted, "key %q removed", r.Key)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		n, err = tx.DeleteIdempotencyKeysBefore(ctx, t0.Add(-time.Hour))
		require.NoError(t, err)
		require.Equal(t, int64(0), n)
		n, err = tx.DeleteIdempotencyKeysBefore(ctx, t0.Add(3*time.Hour))
		require.NoError(t, err)
		require.Equal(t, int64(4), n)
		tx.commit(t)
	})
}

//
// Jobs
//

// pingArgs is the job the suite enqueues.
type pingArgs struct {
	Msg string `json:"msg"`
}

func (pingArgs) Kind() string { return "storetest_ping" }

// pingWorker records every message it works and sends it on worked.
type pingWorker struct {
	river.WorkerDefaults[pingArgs]

	mu     sync.Mutex
	seen   []string
	worked chan string
}

func newPingWorker() *pingWorker {
	return &pingWorker{worked: make(chan string, 64)}
}

func (w *pingWorker) Work(ctx context.Context, job *river.Job[pingArgs]) error {
	w.mu.Lock()
	w.seen = append(w.seen, job.Args.Msg)
	w.mu.Unlock()
	select {
	case w.worked <- job.Args.Msg:
	default: // seen has it anyway
	}
	return nil
}

// messages returns every message worked so far.
func (w *pingWorker) messages() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.seen)
}

// waitFor waits until msg has been worked; it fails the test after
// txTimeout.
func (w *pingWorker) waitFor(t *testing.T, msg string) {
	t.Helper()

	timeout := time.After(txTimeout)
	for {
		select {
		case got := <-w.worked:
			if got == msg {
				return
			}
		case <-timeout:
			require.FailNow(t, "job was not worked in time", "waiting for %q; worked so far: %q", msg, w.messages())
		}
	}
}

func exerciseEnqueue(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CommittedJobIsWorked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p := newProduct(t, tx, b.scope, b.clock.next())
		require.NoError(t, tx.Enqueue(ctx, pingArgs{Msg: "created " + p.ID}))
		tx.commit(t)

		w := newPingWorker()
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		stop := startWorkers(t, b.store, workers)

		w.waitFor(t, "created "+p.ID)
		stop()
		require.Equal(t, []string{"created " + p.ID}, w.messages(), "worked exactly once")

		tx = begin(t, b.store)
		got, err := tx.GetProduct(ctx, b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)
		tx.commit(t)
	})

	t.Run("RolledBackJobIsNeverWorked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		newProduct(t, tx, b.scope, b.clock.next())
		require.NoError(t, tx.Enqueue(ctx, pingArgs{Msg: "X rolled back"}))
		tx.rollback(t)

		tx = begin(t, b.store)
		require.NoError(t, tx.Enqueue(ctx, pingArgs{Msg: "Y committed"}))
		tx.commit(t)

		w := newPingWorker()
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		stop := startWorkers(t, b.store, workers)

		// River may work jobs in any order, but X was never inserted, so
		// once Y is done and the client stopped X can no longer appear.
		w.waitFor(t, "Y committed")
		stop()
		require.Equal(t, []string{"Y committed"}, w.messages())
	})
}

// startWorkers starts the store's River client and returns a function that
// stops it; the function runs at cleanup too and stops the client only once.
func startWorkers(t *testing.T, store Store, workers *river.Workers) func() {
	t.Helper()

	require.NoError(t, store.StartWorkers(context.Background(), workers, nil))

	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), txTimeout)
			defer cancel()
			require.NoError(t, store.StopWorkers(ctx), "StopWorkers")
		})
	}
	t.Cleanup(stop)
	return stop
}

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

	ended  bool
	finish chan error // nil commits, anything else rolls back
	result chan error // what InTx returned
}

// begin opens a transaction on store. It is rolled back at cleanup unless
// the test commits or rolls it back first.
func begin(t *testing.T, store Store) *testTx {
	t.Helper()

	tx := &testTx{finish: make(chan error), result: make(chan error, 1)}
	handOver := make(chan billing.Tx)
	var calls atomic.Int32
	go func() {
		tx.result <- store.InTx(context.Background(), func(inner billing.Tx) error {
			if calls.Add(1) > 1 {
				return errors.New("storetest: InTx called fn a second time")
			}
			handOver <- inner
			return <-tx.finish
		})
	}()

	select {
	case inner := <-handOver:
		tx.Tx = inner
	case err := <-tx.result:
		require.FailNow(t, "InTx returned without calling fn", "error: %v", err)
	case <-time.After(txTimeout):
		require.FailNow(t, "InTx did not call fn in time")
	}

	t.Cleanup(func() {
		if !tx.ended {
			_ = tx.end(t, errRollback)
		}
	})
	return tx
}

// commit ends the transaction with fn returning nil and requires InTx to
// succeed.
func (tx *testTx) commit(t *testing.T) {
	t.Helper()
	require.NoError(t, tx.end(t, nil), "commit")
}

// rollback ends the transaction with fn returning an error.
func (tx *testTx) rollback(t *testing.T) {
	t.Helper()
	_ = tx.end(t, errRollback)
}

// end makes fn return err and returns what InTx returned.
func (tx *testTx) end(t *testing.T, err error) error {
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

func buildMerchant(at time.Time) billing.Merchant {
	return billing.Merchant{
		ID:            billing.NewID(billing.PrefixMerchant, at),
		Name:          "Propiedades del Sur SpA",
		Timezone:      "America/Santiago",
		Locale:        "es-CL",
		InvoicePrefix: "PDS",
		Settings:      billing.DefaultMerchantSettings(),
		LinkKey:       "0123456789abcdef0123456789abcdef",
		Created:       at,
	}
}

func newMerchant(t *testing.T, tx billing.Tx, at time.Time) billing.Merchant {
	t.Helper()

	m := buildMerchant(at)
	require.NoError(t, tx.CreateMerchant(t.Context(), m))
	return m
}

func buildAPIKey(merchantID string, mode billing.Mode, at time.Time) billing.APIKey {
	secret := "sk_" + string(mode) + "_" + billing.NewID("", at)
	sum := sha256.Sum256([]byte(secret))
	return billing.APIKey{
		ID:         billing.NewID(billing.PrefixAPIKey, at),
		MerchantID: merchantID,
		Mode:       mode,
		Hash:       hex.EncodeToString(sum[:]),
		Redacted:   "sk_" + string(mode) + "_…" + secret[len(secret)-4:],
		Created:    at,
	}
}

func newAPIKey(t *testing.T, tx billing.Tx, merchantID string, mode billing.Mode, at time.Time) billing.APIKey {
	t.Helper()

	k := buildAPIKey(merchantID, mode, at)
	require.NoError(t, tx.CreateAPIKey(t.Context(), k))
	return k
}

func buildProduct(s billing.Scope, at time.Time) billing.Product {
	return billing.Product{
		ID:          billing.NewID(billing.PrefixProduct, at),
		Scope:       s,
		Name:        "Plan Pro",
		Description: "Hasta 5 propiedades, 1 destacada",
		Features:    map[string]int64{"properties": 5, "featured": 1},
		Active:      true,
		Metadata:    billing.Metadata{"plan": "pro", "tier": "2"},
		Created:     at,
		Updated:     at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newProduct(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.Product)) billing.Product {
	t.Helper()

	p := buildProduct(s, at)
	for _, m := range mutate {
		m(&p)
	}
	require.NoError(t, tx.CreateProduct(t.Context(), p))
	return p
}

func buildPrice(s billing.Scope, productID string, at time.Time) billing.Price {
	return billing.Price{
		ID:              billing.NewID(billing.PrefixPrice, at),
		Scope:           s,
		ProductID:       productID,
		Nickname:        "Mensual",
		UnitAmount:      9900,
		Currency:        "CLP",
		Type:            billing.PriceRecurring,
		Recurring:       &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
		TrialPeriodDays: 14,
		Active:          true,
		Metadata:        billing.Metadata{"segment": "pyme"},
		Created:         at,
		Updated:         at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newPrice(t *testing.T, tx billing.Tx, s billing.Scope, productID string, at time.Time, mutate ...func(*billing.Price)) billing.Price {
	t.Helper()

	p := buildPrice(s, productID, at)
	for _, m := range mutate {
		m(&p)
	}
	require.NoError(t, tx.CreatePrice(t.Context(), p))
	return p
}

func buildCustomer(s billing.Scope, at time.Time) billing.Customer {
	return billing.Customer{
		ID:       billing.NewID(billing.PrefixCustomer, at),
		Scope:    s,
		Email:    "maria.jose@example.cl",
		Name:     "María José Pérez",
		Locale:   "es-CL",
		Metadata: billing.Metadata{"crm_id": "0012"},
		Created:  at,
		Updated:  at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newCustomer(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.Customer)) billing.Customer {
	t.Helper()

	c := buildCustomer(s, at)
	for _, m := range mutate {
		m(&c)
	}
	require.NoError(t, tx.CreateCustomer(t.Context(), c))
	return c
}

func buildCoupon(s billing.Scope, at time.Time) billing.Coupon {
	return billing.Coupon{
		ID:               billing.NewID(billing.PrefixCoupon, at),
		Scope:            s,
		Name:             "Verano",
		PercentOffBP:     1250,
		Duration:         billing.DurationRepeating,
		DurationInMonths: 3,
		MaxRedemptions:   100,
		RedeemBy:         ptr(at.Add(30*24*time.Hour + 3*time.Microsecond)),
		TimesRedeemed:    7,
		Metadata:         billing.Metadata{"campaign": "verano"},
		Created:          at,
		Updated:          at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newCoupon(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.Coupon)) billing.Coupon {
	t.Helper()

	c := buildCoupon(s, at)
	for _, m := range mutate {
		m(&c)
	}
	require.NoError(t, tx.CreateCoupon(t.Context(), c))
	return c
}

func buildPromotionCode(s billing.Scope, couponID string, at time.Time) billing.PromotionCode {
	id := billing.NewID(billing.PrefixPromotionCode, at)
	return billing.PromotionCode{
		ID:             id,
		Scope:          s,
		CouponID:       couponID,
		Code:           "PROMO" + strings.ToUpper(id[len(id)-8:]),
		Active:         true,
		MaxRedemptions: 10,
		ExpiresAt:      ptr(at.Add(7*24*time.Hour + 5*time.Microsecond)),
		TimesRedeemed:  2,
		Metadata:       billing.Metadata{"channel": "instagram"},
		Created:        at,
		Updated:        at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newPromotionCode(t *testing.T, tx billing.Tx, s billing.Scope, couponID string, at time.Time, mutate ...func(*billing.PromotionCode)) billing.PromotionCode {
	t.Helper()

	p := buildPromotionCode(s, couponID, at)
	for _, m := range mutate {
		m(&p)
	}
	require.NoError(t, tx.CreatePromotionCode(t.Context(), p))
	return p
}

// buildAuditEntry returns entry seq of merchantID's chain, following
// prevHash, with hash "h<seq>".
func buildAuditEntry(merchantID string, seq int64, prevHash string, at time.Time) billing.AuditEntry {
	return billing.AuditEntry{
		ID:         billing.NewID(billing.PrefixAuditEntry, at),
		MerchantID: merchantID,
		Seq:        seq,
		Mode:       billing.ModeTest,
		Actor:      "api_key:key_0123456789",
		Action:     "product.update",
		ObjectType: "product",
		ObjectID:   "prod_0123456789",
		Before:     json.RawMessage(`{"b":1,"a":2}`),
		After:      json.RawMessage(`{ "name": "Plan  Pro",  "features": {"z": 1, "a": 2} }`),
		RequestID:  fmt.Sprintf("req_%d", seq),
		ClientIP:   "2001:db8::7",
		Created:    at,
		PrevHash:   prevHash,
		Hash:       fmt.Sprintf("h%d", seq),
	}
}

func buildIdempotencyRecord(s billing.Scope, key string, at time.Time) billing.IdempotencyRecord {
	sum := sha256.Sum256([]byte("POST /v1/products " + key))
	return billing.IdempotencyRecord{
		Scope:       s,
		Key:         key,
		RequestHash: hex.EncodeToString(sum[:]),
		Created:     at,
	}
}

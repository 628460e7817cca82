package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

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
		v := k.create(t, tx.Tx, b.scope, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := k.get(tx.Tx, t.Context(), b.scope, k.id(v))
		require.NoError(t, err)
		require.Equal(t, v, got)
		tx.commit(t)
	})

	t.Run("GetUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		k.create(t, tx.Tx, b.scope, b.clock.next())
		unsaved := k.build(t, tx.Tx, b.scope, b.clock.next())
		_, err := k.get(tx.Tx, t.Context(), b.scope, k.id(unsaved))
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("UpdateUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		k.create(t, tx.Tx, b.scope, b.clock.next())
		unsaved := k.build(t, tx.Tx, b.scope, b.clock.next())
		k.touch(&unsaved)
		require.ErrorIs(t, k.update(tx.Tx, t.Context(), unsaved), billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		v := k.create(t, tx.Tx, b.scope, b.clock.next())
		tx.commit(t)

		// Ids are unique across scopes, not only within one.
		for _, s := range []billing.Scope{b.scope, b.live, b.other} {
			tx = begin(t, b.store)
			dup := k.build(t, tx.Tx, s, b.clock.next())
			k.setID(&dup, k.id(v))
			requireUniqueViolation(t, k.insert(tx.Tx, t.Context(), dup), k.table+"_pkey")
			tx.rollback(t)
		}
	})

	t.Run("ScopeIsolation", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		v := k.create(t, tx.Tx, b.scope, b.clock.next())
		liveV := k.create(t, tx.Tx, b.live, b.clock.next())
		otherV := k.create(t, tx.Tx, b.other, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := k.get(tx.Tx, ctx, s, k.id(v))
			require.ErrorIs(t, err, billing.ErrNotFound, "get in scope %+v", s)

			moved := v
			k.setScope(&moved, s)
			k.touch(&moved)
			require.ErrorIs(t, k.update(tx.Tx, ctx, moved), billing.ErrNotFound, "update in scope %+v", s)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := k.get(tx.Tx, ctx, b.scope, k.id(v))
		require.NoError(t, err)
		require.Equal(t, v, got, "updates through another scope changed nothing")

		requireList(t, []string{k.id(v)}, k.listIDs(tx.Tx, ctx, b.scope))
		requireList(t, []string{k.id(liveV)}, k.listIDs(tx.Tx, ctx, b.live))
		requireList(t, []string{k.id(otherV)}, k.listIDs(tx.Tx, ctx, b.other))
		tx.commit(t)
	})

	t.Run("ListOrderAndPagination", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		requireList(t, []string{}, k.listIDs(tx.Tx, ctx, b.scope))
		// Ids are made in creation order (billing.NewID keeps them
		// increasing), then inserted out of it: lists order by id, not by
		// insertion.
		items := make([]T, 5)
		for i := range items {
			items[i] = k.build(t, tx.Tx, b.scope, b.clock.next())
		}
		for _, i := range []int{2, 0, 4, 1, 3} {
			require.NoError(t, k.insert(tx.Tx, ctx, items[i]))
		}
		tx.commit(t)

		want := idsOf(items, k.id)
		slices.Reverse(want)

		tx = begin(t, b.store)
		requireList(t, want, k.listIDs(tx.Tx, ctx, b.scope))
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

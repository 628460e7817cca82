package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func exerciseEvent(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetAndDuplicate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		e := newEvent(t, tx.Tx, b.scope, b.clock.next())
		compact := newEvent(t, tx.Tx, b.scope, b.clock.next(), func(e *billing.Event) {
			e.Type = "invoice.paid"
			e.ObjectType = "invoice"
			e.ObjectID = billing.NewID(billing.PrefixInvoice, e.Created)
			e.Data = json.RawMessage(`{}`)
		})
		array := newEvent(t, tx.Tx, b.scope, b.clock.next(), func(e *billing.Event) {
			e.Data = json.RawMessage("[ 1,\n\t2 ]")
		})
		updated := newEvent(t, tx.Tx, b.scope, b.clock.next(), func(e *billing.Event) {
			e.Type = "customer.subscription.updated"
			e.Previous = json.RawMessage(`{ "status" : "trialing" }`)
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Event{e, compact, array, updated} {
			got, err := tx.Events.GetEvent(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.Equal(t, string(want.Data), string(got.Data), "data is kept byte for byte")
			require.Equal(t, string(want.Previous), string(got.Previous), "the previous object is kept byte for byte")
		}
		listed, _, err := tx.Events.ListEvents(ctx, b.scope, billing.EventFilter{ObjectID: updated.ObjectID, Type: updated.Type}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Event{updated}, listed, "listed whole")
		_, err = tx.Events.GetEvent(ctx, b.scope, buildEvent(b.scope, b.clock.next()).ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := tx.Events.GetEvent(ctx, s, e.ID)
			require.ErrorIs(t, err, billing.ErrNotFound, "get in scope %+v", s)
		}
		tx.commit(t)

		// A store may send an event with its transaction's next statement
		// or at its end (PostgreSQL does): a duplicate fails the
		// transaction either way.
		for _, s := range []billing.Scope{b.scope, b.live, b.other} {
			dup := buildEvent(s, b.clock.next())
			dup.ID = e.ID
			requireUniqueViolation(t, b.store.InTx(ctx, func(tx billing.Tx) error { return tx.Events.CreateEvent(ctx, dup) }), "events_pkey")
		}
	})

	t.Run("ListOrderScopeAndFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		subA := billing.NewID(billing.PrefixSubscription, b.clock.next())
		subB := billing.NewID(billing.PrefixSubscription, b.clock.next())
		invA := billing.NewID(billing.PrefixInvoice, b.clock.next())
		invB := billing.NewID(billing.PrefixInvoice, b.clock.next())
		about := func(typ, objectID string) func(*billing.Event) {
			return func(e *billing.Event) {
				e.Type = typ
				e.ObjectType = "subscription"
				if strings.HasPrefix(typ, "invoice.") {
					e.ObjectType = "invoice"
				}
				e.ObjectID = objectID
			}
		}
		build := func(s billing.Scope, mutate func(*billing.Event)) billing.Event {
			e := buildEvent(s, b.clock.next())
			mutate(&e)
			return e
		}

		e1 := build(b.scope, about("customer.subscription.created", subA))
		e2 := build(b.scope, about("invoice.created", invA))
		e3 := build(b.scope, about("customer.subscription.updated", subA))
		e4 := build(b.scope, about("invoice.paid", invA))
		e5 := build(b.scope, about("customer.subscription.updated", subB))
		e6 := build(b.scope, about("invoice.created", invB))
		liveE := build(b.live, about("customer.subscription.updated", subA))
		otherE := build(b.other, about("invoice.created", invA))

		tx := begin(t, b.store)
		requireList(t, []string{}, pageIDs(func(page billing.Page) ([]billing.Event, bool, error) {
			return tx.Events.ListEvents(ctx, b.scope, billing.EventFilter{}, page)
		}, idOfEvent))
		for _, e := range []billing.Event{e4, otherE, e2, e6, e1, liveE, e5, e3} {
			require.NoError(t, tx.Events.CreateEvent(ctx, e))
		}
		tx.commit(t)

		list := func(tx billing.Tx, s billing.Scope, f billing.EventFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Event, bool, error) {
				return tx.Events.ListEvents(ctx, s, f, page)
			}, idOfEvent)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			scope  billing.Scope
			filter billing.EventFilter
			want   []billing.Event
		}{
			{"None", b.scope, billing.EventFilter{}, []billing.Event{e6, e5, e4, e3, e2, e1}},
			{"LiveMode", b.live, billing.EventFilter{}, []billing.Event{liveE}},
			{"OtherMerchant", b.other, billing.EventFilter{}, []billing.Event{otherE}},
			{"Type", b.scope, billing.EventFilter{Type: "customer.subscription.updated"}, []billing.Event{e5, e3}},
			{"TypeOther", b.scope, billing.EventFilter{Type: "invoice.created"}, []billing.Event{e6, e2}},
			{"TypePrefix", b.scope, billing.EventFilter{Type: "invoice"}, nil},
			{"TypeUnknown", b.scope, billing.EventFilter{Type: "invoice.voided"}, nil},
			{"ObjectID", b.scope, billing.EventFilter{ObjectID: subA}, []billing.Event{e3, e1}},
			{"ObjectIDOther", b.scope, billing.EventFilter{ObjectID: invA}, []billing.Event{e4, e2}},
			{"ObjectIDUnknown", b.scope, billing.EventFilter{ObjectID: billing.NewID(billing.PrefixInvoice, b.clock.next())}, nil},
			{"Both", b.scope, billing.EventFilter{Type: "customer.subscription.updated", ObjectID: subA}, []billing.Event{e3}},
			{"BothEmpty", b.scope, billing.EventFilter{Type: "invoice.paid", ObjectID: invB}, nil},
			{"BothLiveMode", b.live, billing.EventFilter{Type: "customer.subscription.updated", ObjectID: subA}, []billing.Event{liveE}},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, idOfEvent), list(tx.Tx, tc.scope, tc.filter))
		}

		items, _, err := tx.Events.ListEvents(ctx, b.scope, billing.EventFilter{ObjectID: invA}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Event{e4, e2}, items, "listed whole")
		tx.commit(t)
	})
}

// buildEvent returns an event whose data is deliberately unsorted and
// spaced: it must come back byte for byte.
func buildEvent(s billing.Scope, at time.Time) billing.Event {
	subID := billing.NewID(billing.PrefixSubscription, at)
	return billing.Event{
		ID:         billing.NewID(billing.PrefixEvent, at),
		Scope:      s,
		Type:       "customer.subscription.created",
		ObjectType: "subscription",
		ObjectID:   subID,
		Data:       json.RawMessage(`{ "id": "` + subID + `",  "status":"active", "items": [ {"z": 1, "a": 2} ], "nota": "ñ 🙂" }`),
		Created:    at,
	}
}

func newEvent(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.Event)) billing.Event {
	t.Helper()

	e := buildEvent(s, at)
	for _, m := range mutate {
		m(&e)
	}
	require.NoError(t, tx.Events.CreateEvent(t.Context(), e))
	return e
}

package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres"
)

// TestEventsAfterFollowsCommitOrder shows why the dispatcher's cursor is not
// a plain event id on Postgres: an event whose transaction commits after a
// later-made event's must not be stepped over. While the transaction that
// wrote the earlier id is open, the later event is not handed out; once it
// commits, both come, the earlier transaction's first.
func TestEventsAfterFollowsCommitOrder(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := newStore(t)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	m := billing.Merchant{ID: billing.NewID(billing.PrefixMerchant, now), Name: "Agente", Timezone: "UTC", Locale: "es-CL",
		InvoicePrefix: "AGEN", Created: now}
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error { return tx.Merchants.CreateMerchant(ctx, m) }))
	s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	event := func(id string) billing.Event {
		return billing.Event{ID: id, Scope: s, Type: "invoice.paid", ObjectType: "invoice", ObjectID: "in_1",
			Data: json.RawMessage(`{}`), Created: now}
	}
	early := event(billing.NewID(billing.PrefixEvent, now))
	late := event(billing.NewID(billing.PrefixEvent, now))

	// The transaction that writes the earlier id stays open. Its event is
	// sent with its next statement (appended rows wait for one), which the
	// read is.
	release := holdTx(t, store, func(tx billing.Tx) error {
		if err := tx.Events.CreateEvent(ctx, early); err != nil {
			return err
		}
		_, err := tx.Events.GetEvent(ctx, s, early.ID)
		return err
	})
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error { return tx.Events.CreateEvent(ctx, late) }))

	var got []billing.Event
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		got, _, err = tx.Notify.EventsAfter(ctx, s, "", 10)
		return err
	}))
	require.Empty(t, got, "the later event waits while an older transaction is running")

	require.NoError(t, release())
	var pos string
	// Polled for the condition: unrelated transactions elsewhere in the
	// cluster must end before the events show.
	// The condition runs on another goroutine: it records a read error
	// and stops, and the test fails on it here.
	var readErr error
	require.Eventually(t, func() bool {
		readErr = store.InTx(ctx, func(tx billing.Tx) error {
			evs, p, err := tx.Notify.EventsAfter(ctx, s, pos, 10)
			got, pos = append(got, evs...), p
			return err
		})
		return readErr != nil || len(got) >= 2
	}, 30*time.Second, 10*time.Millisecond, "both events are read")
	require.NoError(t, readErr)
	require.Len(t, got, 2)
	require.Equal(t, []string{early.ID, late.ID}, []string{got[0].ID, got[1].ID}, "in commit-safe order")
}

// holdTx runs fn in a transaction that stays open until the returned
// function is called; that function commits it and returns InTx's result.
func holdTx(t *testing.T, store *postgres.Store, fn func(tx billing.Tx) error) func() error {
	t.Helper()
	written, finish, result := make(chan error, 1), make(chan struct{}), make(chan error, 1)
	go func() {
		result <- store.InTx(context.Background(), func(tx billing.Tx) error {
			err := fn(tx)
			written <- err
			if err != nil {
				return err
			}
			<-finish
			return nil
		})
	}()
	require.NoError(t, <-written)
	done := false
	t.Cleanup(func() {
		if !done {
			close(finish)
			<-result
		}
	})
	return func() error {
		done = true
		close(finish)
		return <-result
	}
}

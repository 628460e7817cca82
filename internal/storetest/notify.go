package storetest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseNotify checks webhook endpoints, deliveries and emails.
func exerciseNotify(t *testing.T, setup setupFunc) {
	t.Helper()
	shared := shareStore(t, setup)

	t.Run("EndpointRoundTripUpdateDelete", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		plain := newEndpoint(t, tx.Tx, b.scope, b.clock.next())
		rotated := newEndpoint(t, tx.Tx, b.scope, b.clock.next(), func(e *billing.WebhookEndpoint) {
			e.EnabledEvents = []string{billing.AllEvents}
			e.PreviousSecret = "v1:previous"
			e.PreviousSecretExpires = ptr(b.clock.next().Add(24 * time.Hour))
			e.FailingSince = ptr(b.clock.next())
			e.Disabled, e.DisabledReason = true, billing.DisabledFailing
			e.Metadata = billing.Metadata{}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.WebhookEndpoint{plain, rotated} {
			got, err := tx.Notify.GetWebhookEndpoint(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
			got, err = tx.Notify.LockWebhookEndpoint(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, "locked")
		}
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := tx.Notify.GetWebhookEndpoint(ctx, s, plain.ID)
			require.ErrorIs(t, err, billing.ErrNotFound, "another scope's endpoint is not found")
			_, err = tx.Notify.LockWebhookEndpoint(ctx, s, plain.ID)
			require.ErrorIs(t, err, billing.ErrNotFound, "another scope's endpoint is not locked")
			require.ErrorIs(t, tx.Notify.DeleteWebhookEndpoint(ctx, s, plain.ID), billing.ErrNotFound)
			n, err := tx.Notify.CountWebhookEndpoints(ctx, s)
			require.NoError(t, err)
			require.Zero(t, n)
		}
		n, err := tx.Notify.CountWebhookEndpoints(ctx, b.scope)
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		tx.commit(t)

		changed := plain
		changed.URL, changed.Description = "https://hooks.example.cl/v2", "v2"
		changed.EnabledEvents = []string{"invoice.paid"}
		changed.Disabled, changed.DisabledReason = true, billing.DisabledByMerchant
		changed.Secret, changed.PreviousSecret = "v1:new", plain.Secret
		changed.PreviousSecretExpires, changed.FailingSince = ptr(b.clock.next()), ptr(b.clock.next())
		changed.Metadata = billing.Metadata{"team": "billing"}
		changed.Created, changed.Updated = b.clock.next(), b.clock.next() // Created is not mutable
		tx = begin(t, b.store)
		require.NoError(t, tx.Notify.UpdateWebhookEndpoint(ctx, changed))
		got, err := tx.Notify.GetWebhookEndpoint(ctx, b.scope, plain.ID)
		require.NoError(t, err)
		want := changed
		want.Created = plain.Created
		require.Equal(t, want, got)
		moved := changed
		moved.Scope = b.other
		require.ErrorIs(t, tx.Notify.UpdateWebhookEndpoint(ctx, moved), billing.ErrNotFound, "update in another scope")
		tx.commit(t)

		tx = begin(t, b.store)
		require.NoError(t, tx.Notify.DeleteWebhookEndpoint(ctx, b.scope, plain.ID))
		_, err = tx.Notify.GetWebhookEndpoint(ctx, b.scope, plain.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.ErrorIs(t, tx.Notify.DeleteWebhookEndpoint(ctx, b.scope, plain.ID), billing.ErrNotFound, "deleted twice")
		tx.commit(t)
	})

	t.Run("EndpointList", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		var want []string
		for range 3 {
			want = append(want, newEndpoint(t, tx.Tx, b.scope, b.clock.next()).ID)
		}
		newEndpoint(t, tx.Tx, b.live, b.clock.next())
		newEndpoint(t, tx.Tx, b.other, b.clock.next())
		slices.Reverse(want)
		requireList(t, want, pageIDs(func(p billing.Page) ([]billing.WebhookEndpoint, bool, error) {
			return tx.Notify.ListWebhookEndpoints(ctx, b.scope, p)
		}, func(e billing.WebhookEndpoint) string { return e.ID }))
		tx.commit(t)
	})

	t.Run("DeliveryOncePerEndpointAndEvent", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		ep := newEndpoint(t, tx.Tx, b.scope, b.clock.next())
		ep2 := newEndpoint(t, tx.Tx, b.scope, b.clock.next())
		ev := newEvent(t, tx.Tx, b.scope, b.clock.next())
		d := buildDelivery(ep, ev, b.clock.next())
		inserted, err := tx.Notify.InsertWebhookDelivery(ctx, d)
		require.NoError(t, err)
		require.True(t, inserted)
		dup := buildDelivery(ep, ev, b.clock.next())
		inserted, err = tx.Notify.InsertWebhookDelivery(ctx, dup)
		require.NoError(t, err)
		require.False(t, inserted, "a second delivery of one event to one endpoint is not inserted")
		_, err = tx.Notify.GetWebhookDelivery(ctx, b.scope, dup.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		other := buildDelivery(ep2, ev, b.clock.next())
		inserted, err = tx.Notify.InsertWebhookDelivery(ctx, other)
		require.NoError(t, err)
		require.True(t, inserted, "the same event to another endpoint")
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Notify.GetWebhookDelivery(ctx, b.scope, d.ID)
		require.NoError(t, err)
		require.Equal(t, d, got)
		_, err = tx.Notify.GetWebhookDelivery(ctx, b.other, d.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.Notify.GetWebhookDelivery(ctx, b.live, d.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)

		d.Status, d.Attempts, d.NextAttemptAt, d.LastAttemptAt, d.Updated = billing.DeliverySucceeded, 3, nil, ptr(b.clock.next()), b.clock.next()
		require.NoError(t, tx.Notify.UpdateWebhookDelivery(ctx, d))
		got, err = tx.Notify.GetWebhookDelivery(ctx, b.scope, d.ID)
		require.NoError(t, err)
		require.Equal(t, d, got)
		moved := d
		moved.Scope = b.other
		require.ErrorIs(t, tx.Notify.UpdateWebhookDelivery(ctx, moved), billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("DeliveryListAndAttempts", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		ep := newEndpoint(t, tx.Tx, b.scope, b.clock.next())
		otherEp := newEndpoint(t, tx.Tx, b.scope, b.clock.next())
		var deliveries []billing.WebhookDelivery
		for range 3 {
			ev := newEvent(t, tx.Tx, b.scope, b.clock.next())
			d := buildDelivery(ep, ev, b.clock.next())
			_, err := tx.Notify.InsertWebhookDelivery(ctx, d)
			require.NoError(t, err)
			deliveries = append(deliveries, d)
			_, err = tx.Notify.InsertWebhookDelivery(ctx, buildDelivery(otherEp, ev, b.clock.next()))
			require.NoError(t, err)
		}
		want := idsOf(deliveries, func(d billing.WebhookDelivery) string { return d.ID })
		slices.Reverse(want)
		requireList(t, want, pageIDs(func(p billing.Page) ([]billing.WebhookDelivery, bool, error) {
			return tx.Notify.ListWebhookDeliveries(ctx, b.scope, ep.ID, billing.DeliveryFilter{}, p)
		}, func(d billing.WebhookDelivery) string { return d.ID }))
		one, more, err := tx.Notify.ListWebhookDeliveries(ctx, b.scope, ep.ID, billing.DeliveryFilter{EventID: deliveries[1].EventID}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []billing.WebhookDelivery{deliveries[1]}, one, "filtered by event")
		none, _, err := tx.Notify.ListWebhookDeliveries(ctx, b.other, ep.ID, billing.DeliveryFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Empty(t, none, "another scope sees none")

		var attempts []billing.WebhookAttempt
		for i, d := range []billing.WebhookDelivery{deliveries[0], deliveries[2], deliveries[0]} {
			a := billing.WebhookAttempt{ID: billing.NewID(billing.PrefixWebhookAttempt, b.clock.next()), Scope: b.scope,
				DeliveryID: d.ID, Number: int64(i + 1), Manual: i == 2, Succeeded: i == 2, StatusCode: []int64{500, 0, 204}[i],
				LatencyMS: int64(10 * i), ErrorKind: []string{"http_status", "timeout", ""}[i], Error: []string{"HTTP 500", "timed out", ""}[i],
				ResponseExcerpt: []string{`{"error":"boom ñ"}`, "", ""}[i], Created: b.clock.next()}
			require.NoError(t, tx.Notify.CreateWebhookAttempt(ctx, a))
			attempts = append(attempts, a)
		}
		got, err := tx.Notify.ListWebhookAttempts(ctx, b.scope, []string{deliveries[0].ID, deliveries[2].ID})
		require.NoError(t, err)
		require.Equal(t, []billing.WebhookAttempt{attempts[0], attempts[2], attempts[1]}, got, "grouped by delivery, oldest first")
		got, err = tx.Notify.ListWebhookAttempts(ctx, b.other, []string{deliveries[0].ID})
		require.NoError(t, err)
		require.Empty(t, got, "another scope's attempts are not listed")
		got, err = tx.Notify.ListWebhookAttempts(ctx, b.scope, nil)
		require.NoError(t, err)
		require.Empty(t, got)
		tx.commit(t)

		// Deleting the endpoint takes its deliveries and their attempts.
		tx = begin(t, b.store)
		require.NoError(t, tx.Notify.DeleteWebhookEndpoint(ctx, b.scope, ep.ID))
		_, err = tx.Notify.GetWebhookDelivery(ctx, b.scope, deliveries[0].ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		got, err = tx.Notify.ListWebhookAttempts(ctx, b.scope, []string{deliveries[0].ID, deliveries[2].ID})
		require.NoError(t, err)
		require.Empty(t, got)
		left, _, err := tx.Notify.ListWebhookDeliveries(ctx, b.scope, otherEp.ID, billing.DeliveryFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Len(t, left, 3, "the other endpoint keeps its deliveries")
		tx.commit(t)
	})

	t.Run("EmailOncePerEventAndTemplate", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		ev := newEvent(t, tx.Tx, b.scope, b.clock.next())
		e := buildEmail(b.scope, cus.ID, ev.ID, billing.EmailPaymentReceipt, b.clock.next())
		inserted, err := tx.Notify.InsertEmail(ctx, e)
		require.NoError(t, err)
		require.True(t, inserted)
		dup := buildEmail(b.scope, cus.ID, ev.ID, billing.EmailPaymentReceipt, b.clock.next())
		inserted, err = tx.Notify.InsertEmail(ctx, dup)
		require.NoError(t, err)
		require.False(t, inserted, "an event causes each template once")
		_, err = tx.Notify.GetEmail(ctx, b.scope, dup.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		other := buildEmail(b.scope, cus.ID, ev.ID, billing.EmailPaymentFailed, b.clock.next())
		other.Params = nil // stored as {}
		inserted, err = tx.Notify.InsertEmail(ctx, other)
		require.NoError(t, err)
		require.True(t, inserted, "another template of the same event")
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Notify.GetEmail(ctx, b.scope, e.ID)
		require.NoError(t, err)
		require.Equal(t, e, got)
		got, err = tx.Notify.GetEmail(ctx, b.scope, other.ID)
		require.NoError(t, err)
		require.JSONEq(t, `{}`, string(got.Params))
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err = tx.Notify.GetEmail(ctx, s, e.ID)
			require.ErrorIs(t, err, billing.ErrNotFound)
		}

		e.Locale, e.To, e.Subject = "en", []string{"new@example.com"}, "Receipt for invoice AGEN-000001"
		// The bodies are kept byte for byte, whatever they hold.
		e.TextBody = "Hola Ana,\r\nrecibimos $5.000 — gracias 🎉\n\tlínea 2 \\ 'x' \"y\"\n"
		e.HTMLBody = "<!doctype html><p style=\"color:#333\">Hola&nbsp;Ana, <b>$5.000</b> 🎉</p>\n" + strings.Repeat("<br>", 5000)
		e.Status, e.Attempts, e.LastError, e.MessageID = billing.EmailSent, 2, "451 try later", "<em_1@cuota>"
		e.SentAt, e.Updated = ptr(b.clock.next()), b.clock.next()
		require.NoError(t, tx.Notify.UpdateEmail(ctx, e))
		got, err = tx.Notify.GetEmail(ctx, b.scope, e.ID)
		require.NoError(t, err)
		require.Equal(t, e, got)
		moved := e
		moved.Scope = b.live
		require.ErrorIs(t, tx.Notify.UpdateEmail(ctx, moved), billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("EmailList", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		ana := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		ben := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		var all, ofAna, receipts []string
		for i, c := range []billing.Customer{ana, ben, ana, ben, ana} {
			tmpl := []string{billing.EmailPaymentReceipt, billing.EmailPaymentFailed, billing.EmailPaymentFailed,
				billing.EmailPaymentReceipt, billing.EmailPaymentReceipt}[i]
			ev := newEvent(t, tx.Tx, b.scope, b.clock.next())
			e := buildEmail(b.scope, c.ID, ev.ID, tmpl, b.clock.next())
			_, err := tx.Notify.InsertEmail(ctx, e)
			require.NoError(t, err)
			all = append(all, e.ID)
			if c.ID == ana.ID {
				ofAna = append(ofAna, e.ID)
			}
			if tmpl == billing.EmailPaymentReceipt {
				receipts = append(receipts, e.ID)
			}
		}
		otherEv := newEvent(t, tx.Tx, b.other, b.clock.next())
		_, err := tx.Notify.InsertEmail(ctx, buildEmail(b.other, "", otherEv.ID, billing.EmailPaymentReceipt, b.clock.next()))
		require.NoError(t, err)
		for _, l := range [][]string{all, ofAna, receipts} {
			slices.Reverse(l)
		}
		list := func(f billing.EmailFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(p billing.Page) ([]billing.Email, bool, error) {
				return tx.Notify.ListEmails(ctx, b.scope, f, p)
			}, func(e billing.Email) string { return e.ID })
		}
		requireList(t, all, list(billing.EmailFilter{}))
		requireList(t, ofAna, list(billing.EmailFilter{CustomerID: ana.ID}))
		requireList(t, receipts, list(billing.EmailFilter{Template: billing.EmailPaymentReceipt}))
		requireList(t, []string{ofAna[0], ofAna[2]}, list(billing.EmailFilter{CustomerID: ana.ID, Template: billing.EmailPaymentReceipt}))
		tx.commit(t)
	})

	t.Run("CursorStartsAtTheBeginningAndMoves", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		var want []billing.Event
		for range 2 {
			want = append(want, newEvent(t, tx.Tx, b.scope, b.clock.next()))
		}
		// An update event's previous object comes out with it.
		want = append(want, newEvent(t, tx.Tx, b.scope, b.clock.next(), func(e *billing.Event) {
			e.Type, e.Previous = "customer.subscription.updated", json.RawMessage(`{"status": "trialing"}`)
		}))
		newEvent(t, tx.Tx, b.live, b.clock.next())
		newEvent(t, tx.Tx, b.other, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		pos, err := tx.Notify.GetNotifyCursor(ctx, b.scope)
		require.NoError(t, err)
		require.Empty(t, pos, "no cursor: the start")
		pos, err = tx.Notify.LockNotifyCursor(ctx, b.scope, b.clock.next())
		require.NoError(t, err)
		require.Empty(t, pos, "a new cursor is at the start")
		tx.commit(t)

		got, pos := eventsAfter(t, b.store, b.scope, "", 3)
		require.Equal(t, want, got, "a scope's events, in order")
		require.NotEmpty(t, pos)

		// Limits cut the stream; the positions chain.
		first, mid := eventsAfter(t, b.store, b.scope, "", 2)
		require.Equal(t, want[:2], first)
		rest, end := eventsAfter(t, b.store, b.scope, mid, 1)
		require.Equal(t, want[2:], rest)
		require.Equal(t, pos, end)

		tx = begin(t, b.store)
		none, same, err := tx.Notify.EventsAfter(ctx, b.scope, pos, 10)
		require.NoError(t, err)
		require.Empty(t, none, "nothing past the last event")
		require.Equal(t, pos, same, "the position stays")
		require.NoError(t, tx.Notify.SetNotifyCursor(ctx, b.scope, pos, b.clock.next()))
		tx.commit(t)

		tx = begin(t, b.store)
		require.NoError(t, tx.Notify.SetNotifyCursor(ctx, b.scope, "", b.clock.next()))
		tx.rollback(t)

		tx = begin(t, b.store)
		got2, err := tx.Notify.LockNotifyCursor(ctx, b.scope, b.clock.next())
		require.NoError(t, err)
		require.Equal(t, pos, got2, "the cursor keeps its committed position")
		got2, err = tx.Notify.GetNotifyCursor(ctx, b.scope)
		require.NoError(t, err)
		require.Equal(t, pos, got2)
		other, err := tx.Notify.LockNotifyCursor(ctx, b.other, b.clock.next())
		require.NoError(t, err)
		require.Empty(t, other, "each scope has its own cursor")
		tx.commit(t)

		// Later events come after the position; rolled back ones never.
		tx = begin(t, b.store)
		newEvent(t, tx.Tx, b.scope, b.clock.next())
		tx.rollback(t)
		tx = begin(t, b.store)
		later := newEvent(t, tx.Tx, b.scope, b.clock.next())
		tx.commit(t)
		got, _ = eventsAfter(t, b.store, b.scope, pos, 1)
		require.Equal(t, []billing.Event{later}, got)

		others, _ := eventsAfter(t, b.store, b.live, "", 1)
		require.Len(t, others, 1, "live mode has its own events")
	})
}

// eventsAfter reads scope s's events past position until it has want of
// them (or the deadline passes) and returns them with the final position.
// A store may hold events back while older transactions are still running
// elsewhere (Postgres), so the read is repeated rather than expected to be
// complete at once.
func eventsAfter(t *testing.T, store Store, s billing.Scope, position string, want int) ([]billing.Event, string) {
	t.Helper()

	var got []billing.Event
	deadline := time.Now().Add(txTimeout)
	for {
		tx := begin(t, store)
		evs, pos, err := tx.Notify.EventsAfter(t.Context(), s, position, want-len(got))
		require.NoError(t, err)
		tx.commit(t)
		got, position = append(got, evs...), pos
		if len(got) >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling: other transactions must end first
	}
	require.Len(t, got, want, "events past the position")
	return got, position
}

func buildEndpoint(s billing.Scope, at time.Time) billing.WebhookEndpoint {
	return billing.WebhookEndpoint{
		ID:            billing.NewID(billing.PrefixWebhookEndpoint, at),
		Scope:         s,
		URL:           "https://hooks.example.cl/cuota?tenant=ñandú",
		Description:   "Producción — facturación",
		EnabledEvents: []string{"invoice.paid", "customer.subscription.deleted"},
		Secret:        "v1:c2VhbGVk",
		Metadata:      billing.Metadata{"owner": "ops"},
		Created:       at,
		Updated:       at.Add(time.Minute),
	}
}

func newEndpoint(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.WebhookEndpoint)) billing.WebhookEndpoint {
	t.Helper()

	e := buildEndpoint(s, at)
	for _, m := range mutate {
		m(&e)
	}
	require.NoError(t, tx.Notify.CreateWebhookEndpoint(t.Context(), e))
	return e
}

func buildDelivery(ep billing.WebhookEndpoint, ev billing.Event, at time.Time) billing.WebhookDelivery {
	return billing.WebhookDelivery{
		ID:            billing.NewID(billing.PrefixWebhookDelivery, at),
		Scope:         ep.Scope,
		EndpointID:    ep.ID,
		EventID:       ev.ID,
		EventType:     ev.Type,
		Status:        billing.DeliveryPending,
		NextAttemptAt: &at,
		Created:       at,
		Updated:       at,
	}
}

func buildEmail(s billing.Scope, customerID, eventID, template string, at time.Time) billing.Email {
	return billing.Email{
		ID:         billing.NewID(billing.PrefixEmail, at),
		Scope:      s,
		Template:   template,
		Locale:     "es-CL",
		To:         []string{"maria.jose@example.cl"},
		CustomerID: customerID,
		EventID:    eventID,
		ObjectType: "invoice",
		ObjectID:   billing.NewID(billing.PrefixInvoice, at),
		Params:     json.RawMessage(`{"pay_url":"https://pay.example.cl/in_1"}`),
		Status:     billing.EmailPending,
		Created:    at,
		Updated:    at,
	}
}

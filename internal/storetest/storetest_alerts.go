package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseAlerts checks the alerts' storage (one unresolved alert per
// kind and object, the writes, the lists) and the reads of the periodic
// check, each scope apart.
func exerciseAlerts(t *testing.T, setup setupFunc) {
	t.Helper()

	cond := func(kind billing.AlertKind, objectID string) billing.AlertCondition {
		return billing.AlertCondition{Kind: kind, Severity: billing.SeverityWarning, ObjectType: "payment", ObjectID: objectID,
			Message: billing.AlertText{ES: "un pago", EN: "a payment"}}
	}

	t.Run("OneUnresolvedPerCondition", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		a := billing.NewAlert(b.scope, cond(billing.AlertPaymentUnknown, "pay_1"), b.clock.next())
		require.NoError(t, tx.Alerts.InsertAlert(ctx, a))
		// The same condition again is refused while a is unresolved, and
		// the transaction stays usable.
		dup := billing.NewAlert(b.scope, cond(billing.AlertPaymentUnknown, "pay_1"), b.clock.next())
		var uv *billing.ErrUniqueViolation
		require.ErrorAs(t, tx.Alerts.InsertAlert(ctx, dup), &uv)
		require.Equal(t, "alerts_unresolved_key", uv.Constraint)
		// Another kind, object or scope is another condition.
		require.NoError(t, tx.Alerts.InsertAlert(ctx, billing.NewAlert(b.scope, cond(billing.AlertPaymentLateSuccess, "pay_1"), b.clock.next())))
		require.NoError(t, tx.Alerts.InsertAlert(ctx, billing.NewAlert(b.scope, cond(billing.AlertPaymentUnknown, "pay_2"), b.clock.next())))
		require.NoError(t, tx.Alerts.InsertAlert(ctx, billing.NewAlert(b.live, cond(billing.AlertPaymentUnknown, "pay_1"), b.clock.next())))
		require.NoError(t, tx.Alerts.InsertAlert(ctx, billing.NewAlert(b.other, cond(billing.AlertPaymentUnknown, "pay_1"), b.clock.next())))

		got, err := tx.Alerts.GetUnresolvedAlert(ctx, b.scope, billing.AlertPaymentUnknown, "payment", "pay_1")
		require.NoError(t, err)
		require.Equal(t, a, got)

		// Seen again, acknowledged: still the unresolved one.
		billing.SeenAgain(&got, cond(billing.AlertPaymentUnknown, "pay_1"), b.clock.next())
		require.NoError(t, billing.AcknowledgeAlert(&got, b.clock.next()))
		require.NoError(t, tx.Alerts.UpdateAlert(ctx, got))
		read, err := tx.Alerts.GetAlert(ctx, b.scope, a.ID)
		require.NoError(t, err)
		require.Equal(t, got, read)
		require.Equal(t, int64(2), read.Count)

		// Resolved, it frees the condition for a new alert.
		billing.ResolveAlert(&got, b.clock.next())
		require.NoError(t, tx.Alerts.UpdateAlert(ctx, got))
		_, err = tx.Alerts.GetUnresolvedAlert(ctx, b.scope, billing.AlertPaymentUnknown, "payment", "pay_1")
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.NoError(t, tx.Alerts.InsertAlert(ctx, dup))
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.rollback(t)
		_, err = tx.Alerts.GetAlert(ctx, b.other, a.ID)
		require.ErrorIs(t, err, billing.ErrNotFound, "another merchant's alert")
		missing := a
		missing.ID = "alrt_missing"
		require.ErrorIs(t, tx.Alerts.UpdateAlert(ctx, missing), billing.ErrNotFound)

		unresolved, err := tx.Alerts.ListUnresolvedAlerts(ctx, b.scope, billing.AlertPaymentUnknown, 0)
		require.NoError(t, err)
		require.Len(t, unresolved, 2)
		require.Equal(t, dup.ID, unresolved[0].ID, "oldest first (by id)")
		require.Equal(t, "pay_2", unresolved[1].ObjectID)
		unresolved, err = tx.Alerts.ListUnresolvedAlerts(ctx, b.scope, billing.AlertPaymentUnknown, 1)
		require.NoError(t, err)
		require.Len(t, unresolved, 1)
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		var ids []string
		for i, id := range []string{"pay_1", "pay_2", "pay_3"} {
			a := billing.NewAlert(b.scope, cond(billing.AlertPaymentUnknown, id), b.clock.next())
			if i == 1 {
				billing.ResolveAlert(&a, b.clock.next())
			}
			require.NoError(t, tx.Alerts.InsertAlert(ctx, a))
			ids = append(ids, a.ID)
		}
		require.NoError(t, tx.Alerts.InsertAlert(ctx, billing.NewAlert(b.other, cond(billing.AlertPaymentUnknown, "pay_1"), b.clock.next())))
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.rollback(t)
		page, more, err := tx.Alerts.ListAlerts(ctx, b.scope, billing.AlertFilter{}, billing.Page{Limit: 2})
		require.NoError(t, err)
		require.True(t, more)
		require.Equal(t, []string{ids[2], ids[1]}, alertIDs(page))
		page, more, err = tx.Alerts.ListAlerts(ctx, b.scope, billing.AlertFilter{}, billing.Page{Limit: 2, StartingAfter: ids[1]})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{ids[0]}, alertIDs(page))
		page, _, err = tx.Alerts.ListAlerts(ctx, b.scope, billing.AlertFilter{Status: billing.AlertOpen}, billing.Page{})
		require.NoError(t, err)
		require.Equal(t, []string{ids[2], ids[0]}, alertIDs(page))
		page, _, err = tx.Alerts.ListAlerts(ctx, b.scope, billing.AlertFilter{Status: billing.AlertResolved}, billing.Page{})
		require.NoError(t, err)
		require.Equal(t, []string{ids[1]}, alertIDs(page))
	})

	t.Run("CheckReads", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }

		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, at(0))
		inv := newInvoice(t, tx.Tx, b.scope, c.ID, at(0))
		unknownOld := newPayment(t, tx.Tx, b.scope, inv, 1, at(0), func(p *billing.Payment) {
			p.Status, p.FailureClass, p.FailureCode, p.FailureMessage, p.Gateway = billing.PaymentUnknown, "", "", "", "flow"
		})
		newPayment(t, tx.Tx, b.scope, inv, 2, at(10), func(p *billing.Payment) {
			p.Status, p.FailureClass, p.FailureCode, p.FailureMessage = billing.PaymentUnknown, "", "", ""
		})
		paid := newSucceededPayment(t, tx.Tx, b.scope, at(0))
		otherPaid := newSucceededPayment(t, tx.Tx, b.other, at(0))
		stuck := newRefund(t, tx.Tx, b.scope, paid.ID, at(1))
		newRefund(t, tx.Tx, b.scope, paid.ID, at(2), func(r *billing.Refund) { r.Status = billing.RefundSucceeded })
		newRefund(t, tx.Tx, b.other, otherPaid.ID, at(1))

		newSubscription(t, tx.Tx, b.scope, c.ID, at(0), func(s *billing.Subscription) { s.NextActionAt = ptr(at(3)) })
		newSubscription(t, tx.Tx, b.scope, c.ID, at(0), func(s *billing.Subscription) { s.NextActionAt = ptr(at(5)) })
		newSubscription(t, tx.Tx, b.scope, c.ID, at(0), func(s *billing.Subscription) { s.NextActionAt = ptr(at(50)) })
		newSubscription(t, tx.Tx, b.scope, c.ID, at(0), func(s *billing.Subscription) { s.NextActionAt = nil })
		clock := newBillingTestClock(t, tx.Tx, b.scope, at(0))
		newSubscription(t, tx.Tx, b.scope, c.ID, at(0), func(s *billing.Subscription) {
			s.NextActionAt, s.TestClockID = ptr(at(1)), clock.ID
		})

		email := func(status string, h int) {
			e := buildEmail(b.scope, c.ID, billing.NewID(billing.PrefixEvent, b.clock.next()), billing.EmailPaymentReceipt, at(h))
			e.Status = status
			if status == billing.EmailSent {
				e.SentAt = ptr(at(h))
			}
			_, err := tx.Notify.InsertEmail(ctx, e)
			require.NoError(t, err)
		}
		email(billing.EmailFailed, 1)
		email(billing.EmailFailed, 20)
		email(billing.EmailFailed, 22)
		email(billing.EmailSent, 21)
		email(billing.EmailSent, 15)
		email(billing.EmailPending, 23)
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.rollback(t)
		pays, err := tx.Alerts.UnknownPayments(ctx, b.scope, at(5), 10)
		require.NoError(t, err)
		require.Len(t, pays, 1)
		require.Equal(t, unknownOld.ID, pays[0].ID)
		require.Equal(t, "flow", pays[0].Gateway)
		require.Equal(t, billing.PaymentUnknown, pays[0].Status)
		require.Equal(t, at(0), pays[0].Created)
		pays, err = tx.Alerts.UnknownPayments(ctx, b.scope, at(11), 1)
		require.NoError(t, err)
		require.Len(t, pays, 1, "the limit")
		pays, err = tx.Alerts.UnknownPayments(ctx, b.other, at(11), 10)
		require.NoError(t, err)
		require.Empty(t, pays)

		refunds, err := tx.Alerts.PendingRefunds(ctx, b.scope, at(10), 10)
		require.NoError(t, err)
		require.Len(t, refunds, 1)
		require.Equal(t, stuck.ID, refunds[0].ID)
		require.Equal(t, billing.RefundPending, refunds[0].Status)
		require.Equal(t, at(1), refunds[0].Created)

		n, oldest, err := tx.Alerts.RenewalLag(ctx, b.scope, at(10), 100)
		require.NoError(t, err)
		require.Equal(t, int64(2), n, "test-clock and future subscriptions are not behind")
		require.Equal(t, at(3), *oldest)
		n, oldest, err = tx.Alerts.RenewalLag(ctx, b.scope, at(2), 100)
		require.NoError(t, err)
		require.Zero(t, n)
		require.Nil(t, oldest)
		n, _, err = tx.Alerts.RenewalLag(ctx, b.scope, at(10), 1)
		require.NoError(t, err)
		require.Equal(t, int64(1), n, "bounded by the limit")

		st, err := tx.Alerts.EmailFailures(ctx, b.scope, at(10))
		require.NoError(t, err)
		require.Equal(t, int64(2), st.Failed)
		require.Equal(t, at(22), *st.LastFailed)
		require.Equal(t, at(21), *st.LastSent)
		ok, err := tx.Alerts.GatewaySucceededSince(ctx, b.scope, paid.Gateway, at(-1))
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = tx.Alerts.GatewaySucceededSince(ctx, b.scope, paid.Gateway, paid.Updated)
		require.NoError(t, err)
		require.False(t, ok, "after, not at")
		ok, err = tx.Alerts.GatewaySucceededSince(ctx, b.scope, "other", at(-1))
		require.NoError(t, err)
		require.False(t, ok)
		st, err = tx.Alerts.EmailFailures(ctx, b.other, at(0))
		require.NoError(t, err)
		require.Equal(t, billing.EmailFailureStats{}, st)
	})
}

func alertIDs(list []billing.Alert) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func paymentKind() kind[billing.Payment] {
	return kind[billing.Payment]{
		table: "payments",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Payment {
			t.Helper()
			c := newCustomer(t, tx, s, at)
			inv := newInvoice(t, tx, s, c.ID, at)
			return buildPayment(s, inv, 1, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Payment, error) {
			return tx.Payments.GetPayment(ctx, s, id)
		},
		id: idOfPayment,
		insert: func(tx billing.Tx, ctx context.Context, p billing.Payment) error {
			return tx.Payments.CreatePayment(ctx, p)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Payment, bool, error) {
			return tx.Payments.ListPayments(ctx, s, billing.PaymentFilter{}, page)
		},
		setID:    func(v *billing.Payment, id string) { v.ID = id },
		setScope: func(v *billing.Payment, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Payment) {
			v.GatewayRef = "touched"
			v.FailureMessage = "touched"
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, p billing.Payment) error {
			return tx.Payments.UpdatePayment(ctx, p)
		},
	}
}

func exercisePayment(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		failed := newPayment(t, tx.Tx, b.scope, inv, 1, b.clock.next())
		unknown := newPayment(t, tx.Tx, b.scope, inv, 2, b.clock.next(), func(p *billing.Payment) {
			p.Gateway = billing.GatewayFlow
			p.GatewayRef = ""
			p.Status = billing.PaymentUnknown
			p.FailureClass = billing.FailureUnknown
			p.FailureCode = "timeout"
			p.FailureMessage = "sin respuesta del gateway"
		})
		pending := newPayment(t, tx.Tx, b.scope, inv, 3, b.clock.next(), func(p *billing.Payment) {
			p.GatewayRef = ""
			p.Status = billing.PaymentPending
			p.FailureClass = ""
			p.FailureCode = ""
			p.FailureMessage = ""
		})
		succeeded := newPayment(t, tx.Tx, b.scope, inv, 4, b.clock.next(), func(p *billing.Payment) {
			p.Gateway = billing.GatewayStripe
			p.Status = billing.PaymentSucceeded
			p.FailureClass = ""
			p.FailureCode = ""
			p.FailureMessage = ""
			p.Amount = 9_007_199_254_740_993
			p.AmountRefunded = 2500
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Payment{failed, unknown, pending, succeeded} {
			got, err := tx.Payments.GetPayment(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		items, _, err := tx.Payments.ListPayments(ctx, b.scope, billing.PaymentFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Payment{succeeded, pending, unknown, failed}, items, "listed whole")
		tx.commit(t)
	})

	t.Run("UpdateWritesOnlyDocumentedFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		otherInv := newInvoice(t, tx.Tx, b.scope, otherCus.ID, b.clock.next())
		p := newPayment(t, tx.Tx, b.scope, inv, 1, b.clock.next(), func(p *billing.Payment) {
			p.GatewayRef = ""
			p.Status = billing.PaymentPending
			p.FailureClass = ""
			p.FailureCode = ""
			p.FailureMessage = ""
		})
		sibling := newPayment(t, tx.Tx, b.scope, inv, 2, b.clock.next())
		tx.commit(t)

		requirePayment := func(msg string, want billing.Payment) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := tx.Payments.GetPayment(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, msg)
			tx.commit(t)
		}
		ignored := func(u *billing.Payment) {
			u.InvoiceID = otherInv.ID
			u.CustomerID = otherCus.ID
			u.Attempt = 9
			u.Gateway = billing.GatewayStripe
			u.PaymentMethodID = billing.NewID(billing.PrefixPaymentMethod, b.clock.next())
			u.Amount = p.Amount + 1000
			u.Currency = "USD"
			u.IdempotencyKey = "changed"
			u.Created = b.clock.next()
		}

		// pending → unknown, failure fields set.
		u := p
		u.GatewayRef = "sim_ch_0001"
		u.Status = billing.PaymentUnknown
		u.FailureClass = billing.FailureTechnical
		u.FailureCode = "gateway_timeout"
		u.FailureMessage = "el gateway no respondió"
		u.Updated = b.clock.next()
		want := u
		ignored(&u)
		tx = begin(t, b.store)
		require.NoError(t, tx.Payments.UpdatePayment(ctx, u))
		tx.commit(t)
		requirePayment("unknown", want)

		// unknown → succeeded, failure fields cleared, then partly refunded.
		u = want
		u.GatewayRef = "sim_ch_0002"
		u.Status = billing.PaymentSucceeded
		u.FailureClass = ""
		u.FailureCode = ""
		u.FailureMessage = ""
		u.AmountRefunded = p.Amount - 1
		u.Updated = b.clock.next()
		want = u
		ignored(&u)
		tx = begin(t, b.store)
		require.NoError(t, tx.Payments.UpdatePayment(ctx, u))
		tx.commit(t)
		requirePayment("succeeded and refunded", want)

		requirePayment("updating one payment leaves the others alone", sibling)
	})

	t.Run("IdempotencyKeyUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		otherInv := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		p := newPayment(t, tx.Tx, b.scope, inv, 1, b.clock.next())
		tx.commit(t)

		// The key is unique in the scope, whichever invoice claims it.
		for _, target := range []billing.Invoice{inv, otherInv} {
			tx = begin(t, b.store)
			dup := buildPayment(b.scope, target, 7, b.clock.next())
			dup.IdempotencyKey = p.IdempotencyKey
			requireUniqueViolation(t, tx.Payments.CreatePayment(ctx, dup), "payments_idempotency_key_key")
			tx.rollback(t)
		}

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			c := newCustomer(t, tx.Tx, s, b.clock.next())
			i := newInvoice(t, tx.Tx, s, c.ID, b.clock.next())
			newPayment(t, tx.Tx, s, i, 1, b.clock.next(), func(q *billing.Payment) { q.IdempotencyKey = p.IdempotencyKey })
		}
		newPayment(t, tx.Tx, b.scope, inv, 2, b.clock.next())
		tx.commit(t)
	})

	t.Run("OneSuccessPerInvoice", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		status := func(st billing.PaymentStatus) func(*billing.Payment) {
			return func(p *billing.Payment) { p.Status = st }
		}

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		inv2 := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		newPayment(t, tx.Tx, b.scope, inv, 1, b.clock.next(), status(billing.PaymentFailed))
		pending := newPayment(t, tx.Tx, b.scope, inv, 2, b.clock.next(), status(billing.PaymentPending))
		won := newPayment(t, tx.Tx, b.scope, inv, 3, b.clock.next(), status(billing.PaymentSucceeded))
		pending2 := newPayment(t, tx.Tx, b.scope, inv2, 1, b.clock.next(), status(billing.PaymentPending))
		tx.commit(t)

		tx = begin(t, b.store)
		second := buildPayment(b.scope, inv, 4, b.clock.next())
		second.Status = billing.PaymentSucceeded
		requireUniqueViolation(t, tx.Payments.CreatePayment(ctx, second), "payments_one_success_key")
		tx.rollback(t)

		tx = begin(t, b.store)
		u := pending
		u.Status = billing.PaymentSucceeded
		u.Updated = b.clock.next()
		requireUniqueViolation(t, tx.Payments.UpdatePayment(ctx, u), "payments_one_success_key")
		tx.rollback(t)

		// The succeeded payment itself may be updated; another invoice has
		// its own success.
		tx = begin(t, b.store)
		refunded := won
		refunded.AmountRefunded = 100
		refunded.Updated = b.clock.next()
		require.NoError(t, tx.Payments.UpdatePayment(ctx, refunded))
		u2 := pending2
		u2.Status = billing.PaymentSucceeded
		u2.Updated = b.clock.next()
		require.NoError(t, tx.Payments.UpdatePayment(ctx, u2))
		failedAgain := buildPayment(b.scope, inv, 5, b.clock.next())
		failedAgain.Status = billing.PaymentFailed
		require.NoError(t, tx.Payments.CreatePayment(ctx, failedAgain))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Payments.GetPayment(ctx, b.scope, pending.ID)
		require.NoError(t, err)
		require.Equal(t, pending, got, "the rejected update changed nothing")
		got, err = tx.Payments.GetPayment(ctx, b.scope, u2.ID)
		require.NoError(t, err)
		require.Equal(t, u2, got)
		tx.commit(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		status := func(st billing.PaymentStatus) func(*billing.Payment) {
			return func(p *billing.Payment) { p.Status = st }
		}

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		i1 := newInvoice(t, tx.Tx, b.scope, c1.ID, b.clock.next())
		i2 := newInvoice(t, tx.Tx, b.scope, c1.ID, b.clock.next())
		i3 := newInvoice(t, tx.Tx, b.scope, c2.ID, b.clock.next())
		p1 := newPayment(t, tx.Tx, b.scope, i1, 1, b.clock.next(), status(billing.PaymentFailed))
		p2 := newPayment(t, tx.Tx, b.scope, i1, 2, b.clock.next(), status(billing.PaymentSucceeded))
		p3 := newPayment(t, tx.Tx, b.scope, i2, 1, b.clock.next(), status(billing.PaymentPending))
		p4 := newPayment(t, tx.Tx, b.scope, i3, 1, b.clock.next(), status(billing.PaymentFailed))
		p5 := newPayment(t, tx.Tx, b.scope, i3, 2, b.clock.next(), status(billing.PaymentUnknown))
		liveCus := newCustomer(t, tx.Tx, b.live, b.clock.next())
		liveInv := newInvoice(t, tx.Tx, b.live, liveCus.ID, b.clock.next())
		newPayment(t, tx.Tx, b.live, liveInv, 1, b.clock.next(), status(billing.PaymentFailed))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.PaymentFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Payment, bool, error) {
				return tx.Payments.ListPayments(ctx, b.scope, f, page)
			}, idOfPayment)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.PaymentFilter
			want   []billing.Payment
		}{
			{"None", billing.PaymentFilter{}, []billing.Payment{p5, p4, p3, p2, p1}},
			{"InvoiceID", billing.PaymentFilter{InvoiceID: i1.ID}, []billing.Payment{p2, p1}},
			{"InvoiceIDOther", billing.PaymentFilter{InvoiceID: i3.ID}, []billing.Payment{p5, p4}},
			{"InvoiceIDOfAnotherScope", billing.PaymentFilter{InvoiceID: liveInv.ID}, nil},
			{"CustomerID", billing.PaymentFilter{CustomerID: c1.ID}, []billing.Payment{p3, p2, p1}},
			{"CustomerIDOther", billing.PaymentFilter{CustomerID: c2.ID}, []billing.Payment{p5, p4}},
			{"CustomerIDOfAnotherScope", billing.PaymentFilter{CustomerID: liveCus.ID}, nil},
			{"StatusFailed", billing.PaymentFilter{Status: billing.PaymentFailed}, []billing.Payment{p4, p1}},
			{"StatusSucceeded", billing.PaymentFilter{Status: billing.PaymentSucceeded}, []billing.Payment{p2}},
			{"StatusPending", billing.PaymentFilter{Status: billing.PaymentPending}, []billing.Payment{p3}},
			{"StatusUnknown", billing.PaymentFilter{Status: billing.PaymentUnknown}, []billing.Payment{p5}},
			{"Combined", billing.PaymentFilter{InvoiceID: i1.ID, CustomerID: c1.ID, Status: billing.PaymentFailed}, []billing.Payment{p1}},
			{"CombinedEmpty", billing.PaymentFilter{CustomerID: c2.ID, Status: billing.PaymentSucceeded}, nil},
			{"CombinedMismatch", billing.PaymentFilter{InvoiceID: i1.ID, CustomerID: c2.ID}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, idOfPayment), list(tx.Tx, tc.filter))
		}

		items, _, err := tx.Payments.ListPayments(ctx, b.scope, billing.PaymentFilter{Status: billing.PaymentUnknown}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Payment{p5}, items, "filtered items come back whole")
		tx.commit(t)
	})
}

// buildPayment returns attempt number attempt at paying inv, declined.
func buildPayment(s billing.Scope, inv billing.Invoice, attempt int64, at time.Time) billing.Payment {
	id := billing.NewID(billing.PrefixPayment, at)
	return billing.Payment{
		ID:              id,
		Scope:           s,
		InvoiceID:       inv.ID,
		CustomerID:      inv.CustomerID,
		Attempt:         attempt,
		Gateway:         billing.GatewaySim,
		PaymentMethodID: billing.NewID(billing.PrefixPaymentMethod, at),
		Amount:          inv.AmountDue,
		Currency:        inv.Currency,
		IdempotencyKey:  billing.PaymentIdempotencyKey(inv.ID, attempt),
		GatewayRef:      "sim_ch_" + id[len(id)-10:],
		Status:          billing.PaymentFailed,
		FailureClass:    billing.FailureCustomer,
		FailureCode:     "card_declined",
		FailureMessage:  "La tarjeta fue rechazada",
		Created:         at,
		Updated:         at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newPayment(t *testing.T, tx billing.Tx, s billing.Scope, inv billing.Invoice, attempt int64, at time.Time, mutate ...func(*billing.Payment)) billing.Payment {
	t.Helper()

	p := buildPayment(s, inv, attempt, at)
	for _, m := range mutate {
		m(&p)
	}
	require.NoError(t, tx.Payments.CreatePayment(t.Context(), p))
	return p
}

// newSucceededPayment creates a customer, an invoice and a payment that
// collected it, all in s.
func newSucceededPayment(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Payment {
	t.Helper()

	c := newCustomer(t, tx, s, at)
	inv := newInvoice(t, tx, s, c.ID, at)
	return newPayment(t, tx, s, inv, 1, at, func(p *billing.Payment) {
		p.Status = billing.PaymentSucceeded
		p.FailureClass = ""
		p.FailureCode = ""
		p.FailureMessage = ""
	})
}

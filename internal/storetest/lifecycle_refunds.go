package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func refundKind() kind[billing.Refund] {
	return kind[billing.Refund]{
		table: "refunds",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Refund {
			t.Helper()
			p := newSucceededPayment(t, tx, s, at)
			return buildRefund(s, p.ID, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Refund, error) {
			return tx.Payments.GetRefund(ctx, s, id)
		},
		id: idOfRefund,
		insert: func(tx billing.Tx, ctx context.Context, r billing.Refund) error {
			return tx.Payments.CreateRefund(ctx, r)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Refund, bool, error) {
			return tx.Payments.ListRefunds(ctx, s, "", page)
		},
		setID:    func(v *billing.Refund, id string) { v.ID = id },
		setScope: func(v *billing.Refund, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Refund) {
			v.Status = billing.RefundFailed
			v.GatewayRef = "touched"
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, r billing.Refund) error {
			return tx.Payments.UpdateRefund(ctx, r)
		},
	}
}

func exerciseRefund(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripAndUpdate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		otherP := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		r := newRefund(t, tx.Tx, b.scope, p.ID, b.clock.next())
		sibling := newRefund(t, tx.Tx, b.scope, p.ID, b.clock.next(), func(r *billing.Refund) {
			r.Amount = 1
			r.Status = billing.RefundSucceeded
			r.Reason = ""
			r.GatewayRef = "sim_re_0002"
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Refund{r, sibling} {
			got, err := tx.Payments.GetRefund(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		tx.commit(t)

		u := r
		// Mutable.
		u.Status = billing.RefundSucceeded
		u.GatewayRef = "sim_re_0001"
		u.Updated = b.clock.next()
		want := u
		// Immutable: the store must ignore these.
		u.PaymentID = otherP.ID
		u.Amount = r.Amount + 1
		u.Currency = "USD"
		u.Reason = "changed"
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Payments.UpdateRefund(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Payments.GetRefund(ctx, b.scope, r.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.Payments.GetRefund(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one refund leaves the others alone")
		tx.commit(t)
	})

	t.Run("ListByPayment", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p1 := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		p2 := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		p3 := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		liveP := newSucceededPayment(t, tx.Tx, b.live, b.clock.next())
		refunds := make([]billing.Refund, 5)
		for i, paymentID := range []string{p1.ID, p2.ID, p1.ID, p1.ID, p2.ID} {
			refunds[i] = buildRefund(b.scope, paymentID, b.clock.next())
		}
		for _, i := range []int{3, 1, 4, 0, 2} {
			require.NoError(t, tx.Payments.CreateRefund(ctx, refunds[i]))
		}
		newRefund(t, tx.Tx, b.live, liveP.ID, b.clock.next())
		tx.commit(t)

		r0, r1, r2, r3, r4 := refunds[0], refunds[1], refunds[2], refunds[3], refunds[4]
		list := func(tx billing.Tx, paymentID string) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Refund, bool, error) {
				return tx.Payments.ListRefunds(ctx, b.scope, paymentID, page)
			}, idOfRefund)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name      string
			paymentID string
			want      []billing.Refund
		}{
			{"All", "", []billing.Refund{r4, r3, r2, r1, r0}},
			{"Payment", p1.ID, []billing.Refund{r3, r2, r0}},
			{"PaymentOther", p2.ID, []billing.Refund{r4, r1}},
			{"PaymentWithout", p3.ID, nil},
			{"PaymentOfAnotherScope", liveP.ID, nil},
		} {
			t.Logf("payment %s", tc.name)
			requireList(t, idsOf(tc.want, idOfRefund), list(tx.Tx, tc.paymentID))
		}

		items, _, err := tx.Payments.ListRefunds(ctx, b.scope, p2.ID, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Refund{r4, r1}, items, "listed whole")
		tx.commit(t)
	})
}

func buildRefund(s billing.Scope, paymentID string, at time.Time) billing.Refund {
	return billing.Refund{
		ID:         billing.NewID(billing.PrefixRefund, at),
		Scope:      s,
		PaymentID:  paymentID,
		Amount:     2500,
		Currency:   "CLP",
		Status:     billing.RefundPending,
		Reason:     "requested_by_customer",
		GatewayRef: "",
		Tax:        399,
		TaxAmounts: []billing.TaxAmount{{TaxRate: billing.AppliedTaxRate{ID: "txr_iva", DisplayName: "IVA", Percentage: 190000}, Amount: 399, TaxableAmount: 2101}},
		Created:    at,
		Updated:    at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newRefund(t *testing.T, tx billing.Tx, s billing.Scope, paymentID string, at time.Time, mutate ...func(*billing.Refund)) billing.Refund {
	t.Helper()

	r := buildRefund(s, paymentID, at)
	for _, m := range mutate {
		m(&r)
	}
	require.NoError(t, tx.Payments.CreateRefund(t.Context(), r))
	return r
}

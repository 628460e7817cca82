package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exercisePayPages checks what one-off invoices and pay pages keep: an
// invoice's collection, due date and card; a payment's next action and
// return URL; a merchant's link key; a checkout's invoice; and the
// reconciler's list of unsettled payments.
func exercisePayPages(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("OneOffFieldsRoundTrip", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		at := b.clock.next()
		due := at.Add(14*24*time.Hour + 3*time.Microsecond)

		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, at)
		inv := newInvoice(t, tx.Tx, b.scope, c.ID, at, func(i *billing.Invoice) {
			i.SubscriptionID, i.BillingReason, i.Collection, i.DueDate = "", billing.ReasonManual, billing.CollectionSendInvoice, &due
		})
		card := newInvoice(t, tx.Tx, b.scope, c.ID, at, func(i *billing.Invoice) {
			i.SubscriptionID, i.Number, i.Collection, i.PaymentMethodID = "", "", billing.CollectionChargeAutomatically, "pm_card"
			i.BillingReason = billing.ReasonManual
		})
		pay := newPayment(t, tx.Tx, b.scope, inv, 1, at, func(p *billing.Payment) {
			p.PaymentMethodID, p.Status, p.FailureClass, p.FailureCode, p.FailureMessage = "", billing.PaymentPending, "", "", ""
			p.NextActionURL, p.ReturnURL = "https://pay.example/?token=abc", "https://billing.example/invoice/x"
		})
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.rollback(t)
		got, err := tx.Invoices.GetInvoice(ctx, b.scope, inv.ID)
		require.NoError(t, err)
		require.Equal(t, inv, got)
		got, err = tx.Invoices.GetInvoice(ctx, b.scope, card.ID)
		require.NoError(t, err)
		card.Collection = "" // the default reads back as ""
		require.Equal(t, card, got)
		require.Equal(t, billing.CollectionChargeAutomatically, billing.CollectionOf(got))
		gotPay, err := tx.Payments.GetPayment(ctx, b.scope, pay.ID)
		require.NoError(t, err)
		require.Equal(t, pay, gotPay)

		// Updates keep them, and change what may change.
		later := due.Add(24 * time.Hour)
		inv.DueDate, inv.PaymentMethodID = &later, "pm_other"
		require.NoError(t, tx.Invoices.UpdateInvoice(ctx, inv))
		pay.NextActionURL, pay.GatewayRef = "", "flow-order-9"
		require.NoError(t, tx.Payments.UpdatePayment(ctx, pay))
		got, err = tx.Invoices.GetInvoice(ctx, b.scope, inv.ID)
		require.NoError(t, err)
		require.Equal(t, inv, got)
		gotPay, err = tx.Payments.GetPayment(ctx, b.scope, pay.ID)
		require.NoError(t, err)
		require.Equal(t, pay, gotPay, "the return URL is kept")

		m, err := tx.Merchants.GetMerchant(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, b.merchantA.LinkKey, m.LinkKey)
		require.NotEmpty(t, m.LinkKey)
	})

	t.Run("UnsettledPaymentsOldestFirst", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		t1, t2, t3 := b.clock.next(), b.clock.next(), b.clock.next()

		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, t1)
		subInv := newInvoice(t, tx.Tx, b.scope, c.ID, t1) // a subscription's: the sweep looks after its card charges
		manual := func(i *billing.Invoice) { i.SubscriptionID, i.BillingReason = "", billing.ReasonManual }
		oneOff := newInvoice(t, tx.Tx, b.scope, c.ID, t1, manual)
		pending := func(p *billing.Payment) {
			p.Status, p.FailureClass, p.FailureCode, p.FailureMessage = billing.PaymentPending, "", "", ""
		}
		newPayment(t, tx.Tx, b.scope, subInv, 1, t1, pending, func(p *billing.Payment) { p.Updated = t1 }) // left to the sweep
		page := newPayment(t, tx.Tx, b.scope, subInv, 2, t1, pending, func(p *billing.Payment) { p.PaymentMethodID, p.Updated = "", t2 })
		charge := newPayment(t, tx.Tx, b.scope, oneOff, 1, t1, func(p *billing.Payment) {
			p.Status, p.FailureClass, p.FailureCode, p.FailureMessage, p.Updated = billing.PaymentUnknown, "", "", "", t1
		})
		newPayment(t, tx.Tx, b.scope, oneOff, 2, t1, func(p *billing.Payment) { p.Updated = t1 })          // settled (failed)
		newPayment(t, tx.Tx, b.scope, oneOff, 3, t1, pending, func(p *billing.Payment) { p.Updated = t3 }) // too recent
		lc := newCustomer(t, tx.Tx, b.live, t1)
		liveInv := newInvoice(t, tx.Tx, b.live, lc.ID, t1, manual)
		live := newPayment(t, tx.Tx, b.live, liveInv, 1, t1, pending, func(p *billing.Payment) { p.Updated = t2 })
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.rollback(t)
		got, err := tx.Gateways.ListUnsettledPayments(ctx, t3, 10)
		require.NoError(t, err)
		require.Len(t, got, 3)
		require.Equal(t, charge, got[0])
		require.ElementsMatch(t, []billing.Payment{page, live}, got[1:], "every merchant and mode")
		got, err = tx.Gateways.ListUnsettledPayments(ctx, t3, 1)
		require.NoError(t, err)
		require.Equal(t, []billing.Payment{charge}, got)
	})

	t.Run("CheckoutInvoice", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		at := b.clock.next()
		tx := begin(t, b.store)
		cs := buildCheckoutSession(b.scope, at)
		cs.Mode, cs.InvoiceID = billing.CheckoutModePayment, "in_made_at_once"
		require.NoError(t, tx.Checkout.CreateCheckoutSession(ctx, cs))
		got, err := tx.Checkout.GetCheckoutSession(ctx, b.scope, cs.ID)
		require.NoError(t, err)
		require.Equal(t, "in_made_at_once", got.InvoiceID)
		got.InvoiceID, got.Updated = "in_paid_here", b.clock.next()
		require.NoError(t, tx.Checkout.UpdateCheckoutSession(ctx, got))
		got, err = tx.Checkout.GetCheckoutSession(ctx, b.scope, cs.ID)
		require.NoError(t, err)
		require.Equal(t, "in_paid_here", got.InvoiceID)
		tx.commit(t)
	})
}

package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// ExerciseBackfill00026 checks what migration 00026 does to rows written
// before it, on store (freshly migrated and empty). It writes a
// subscription whose items and pending change name their products, a
// credit note issued for a direct refund, and one credit note with no
// refund; then rewind turns the store back into one written before 00026:
// it migrates down to 00025 (dropping the notes' tax_amounts), removes
// product_name from every subscription item, in items and in the pending
// change, and migrates up again. Afterwards each item has its price's
// product's name back, with nothing else of the subscription changed; the
// refunded note has its refund's tax per rate, and the other none.
func ExerciseBackfill00026(t *testing.T, store Store, rewind func(t *testing.T)) {
	t.Helper()
	ctx := t.Context()
	clock := newTestClock()

	tx := begin(t, store)
	m := newMerchant(t, tx.Tx, clock.next())
	s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	pro := newProduct(t, tx.Tx, s, clock.next(), func(p *billing.Product) { p.Name = "Agente Pro «ñ»" })
	start := newProduct(t, tx.Tx, s, clock.next(), func(p *billing.Product) { p.Name = "Agente Start" })
	proPrice := newPrice(t, tx.Tx, s, pro.ID, clock.next())
	startPrice := newPrice(t, tx.Tx, s, start.ID, clock.next())
	cus := newCustomer(t, tx.Tx, s, clock.next())
	at := clock.next()
	sub := newSubscription(t, tx.Tx, s, cus.ID, at, func(sub *billing.Subscription) {
		sub.Items = []billing.SubscriptionItem{
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: proPrice.ID, ProductID: pro.ID, ProductName: pro.Name,
				Quantity: 2, UnitAmount: 9_007_199_254_740_993},
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: startPrice.ID, ProductID: start.ID, ProductName: start.Name,
				Quantity: 1, UnitAmount: 9900},
		}
		sub.PendingChange = &billing.PendingChange{EffectiveAt: sub.CurrentPeriodEnd, Items: []billing.SubscriptionItem{
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: startPrice.ID, ProductID: start.ID, ProductName: start.Name,
				Quantity: 3, UnitAmount: 9900},
		}}
	})
	pay := newSucceededPayment(t, tx.Tx, s, clock.next())
	inv, err := tx.Invoices.GetInvoice(ctx, s, pay.InvoiceID)
	require.NoError(t, err)
	ref := newRefund(t, tx.Tx, s, pay.ID, clock.next())
	refunded := buildCreditNote(s, inv, "BF-CN-000001", clock.next())
	refunded.Total, refunded.Tax, refunded.Subtotal = ref.Amount, ref.Tax, ref.Amount-ref.Tax
	refunded.RefundAmount, refunded.CreditAmount, refunded.RefundID, refunded.BalanceTransactionID = ref.Amount, 0, ref.ID, ""
	refunded.TaxAmounts = ref.TaxAmounts
	require.NoError(t, tx.Credits.CreateCreditNote(ctx, refunded))
	credited := buildCreditNote(s, inv, "BF-CN-000002", clock.next())
	require.NoError(t, tx.Credits.CreateCreditNote(ctx, credited))
	written, err := tx.Subscriptions.GetSubscription(ctx, s, sub.ID)
	require.NoError(t, err)
	tx.commit(t)

	rewind(t)

	tx = begin(t, store)
	got, err := tx.Subscriptions.GetSubscription(ctx, s, sub.ID)
	require.NoError(t, err)
	require.Equal(t, written, got, "each item has its product's name back, and nothing else changed")
	note, err := tx.Credits.GetCreditNote(ctx, s, refunded.ID)
	require.NoError(t, err)
	require.Equal(t, ref.TaxAmounts, note.TaxAmounts, "the refund's tax per rate")
	note, err = tx.Credits.GetCreditNote(ctx, s, credited.ID)
	require.NoError(t, err)
	require.Empty(t, note.TaxAmounts, "a note without its refund's amount keeps its single tax figure")
	require.Equal(t, credited.Tax, note.Tax)
	tx.commit(t)
}

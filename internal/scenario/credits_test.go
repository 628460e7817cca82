package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Credit notes and the customer's balance, on both stores. (The downgrade
// whose credit goes to the balance is changes_test.go's 4c.)
func TestCredits(t *testing.T) {
	runScenarios(t, []scenario{
		{"credit_notes_refund_tax_balance_void_and_over", scenarioCreditNotes},
	})
}

// balance is a customer's balance as the API shows it.
func (h *harness) balance(customerID string) int64 {
	h.t.Helper()
	c, err := h.app.Customers.GetCustomer(h.ctx, h.s, customerID)
	require.NoError(h.t, err)
	return c.Balance
}

// creditNotes lists an invoice's credit notes, newest first.
func (h *harness) creditNotes(invoiceID string) []billing.CreditNote {
	h.t.Helper()
	l, err := h.app.Collection.ListCreditNotes(h.ctx, h.s, billing.CreditNoteFilter{InvoiceID: invoiceID}, billing.Page{})
	require.NoError(h.t, err)
	return l.Data
}

// 14. A CLP 5950 invoice with IVA 950 included (its tax set on the stored
// invoice, as the tax rates will set it) is corrected by credit notes:
//
//   - #1, 3000 refunded to the card: tax 3000 × 950 / 5950 = 479.0 → 479;
//   - crediting 2951 more is refused (2950 left), writing nothing;
//   - #2, 2950 in two lines to the balance: tax 471.0 → 471; balance −2950;
//   - a direct refund of the payment's last 2950 is refused: the invoice is
//     fully credited;
//   - #2 voided: balance back to 0; voiding it again, or voiding the
//     refunded #1, is refused;
//   - #3, 1000 to the balance (the default); the July renewal uses it:
//     5950 − 1000 = 4950 charged, balance 0.
func scenarioCreditNotes(t *testing.T, h *harness) {
	h.begin("UTC", ts("2024-06-01T12:00:00Z"))
	price := h.price(5950, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("nota@example.com")
	sub := h.subscribeTo(cus.ID, price.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	inv := h.invoices(sub.ID)[0]
	require.Equal(t, billing.InvoicePaid, inv.Status)
	require.NoError(t, h.store.InTx(h.ctx, func(tx billing.Tx) error {
		// As if its price carried IVA 19 % included: 5000 + 950.
		inv.Subtotal, inv.Tax = 5000, 950
		inv.TaxAmounts = []billing.TaxAmount{{TaxRate: billing.AppliedTaxRate{ID: "txr_iva", DisplayName: "IVA",
			Percentage: 190000, Inclusive: true}, Amount: 950, TaxableAmount: 5000}}
		return tx.Invoices.UpdateInvoice(h.ctx, inv)
	}))
	pay := h.payments(inv.ID)[0]
	at := ts("2024-06-10T09:00:00Z")
	h.advanceTo(at)

	// #1: a refund of 3000; the preview is the note without its number.
	p1 := app.CreditNoteParams{Invoice: inv.ID, Amount: ptr(int64(3000)), RefundAmount: ptr(int64(3000)),
		Reason: billing.CreditReasonProductUnsatisfactory, Memo: "No funcionó la integración"}
	pv, err := h.app.Collection.PreviewCreditNote(h.ctx, h.s, p1)
	require.NoError(t, err)
	require.Empty(t, pv.Number)
	require.Equal(t, []int64{2521, 479, 3000, 3000, 0, 0}, []int64{pv.Subtotal, pv.Tax, pv.Total, pv.RefundAmount, pv.CreditAmount, pv.OutOfBandAmount})
	require.Empty(t, h.creditNotes(inv.ID), "a preview writes nothing")
	cn1, err := h.app.Collection.CreateCreditNote(h.ctx, h.s, p1)
	require.NoError(t, err)
	require.Equal(t, "AGEN-CN-000001", cn1.Number)
	require.Equal(t, billing.CreditNoteIssued, cn1.Status)
	require.Equal(t, []int64{2521, 479, 3000, 3000}, []int64{cn1.Subtotal, cn1.Tax, cn1.Total, cn1.RefundAmount})
	require.Equal(t, at, cn1.Created.UTC(), "dated by the customer's test clock")
	ref, err := h.app.Collection.GetRefund(h.ctx, h.s, cn1.RefundID)
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, ref.Status)
	require.Equal(t, int64(3000), ref.Amount)
	require.Equal(t, pay.ID, ref.PaymentID)
	ledger, _ := h.ledgerRefunds(pay.IdempotencyKey)
	require.Len(t, ledger, 1)
	require.Equal(t, int64(3000), ledger[0].Amount)
	require.Zero(t, h.balance(cus.ID), "a refund does not touch the balance")

	// Over-crediting is refused and writes nothing.
	_, err = h.app.Collection.CreateCreditNote(h.ctx, h.s, app.CreditNoteParams{Invoice: inv.ID, Amount: ptr(int64(2951))})
	requireAppError(t, err, billing.KindInvalid, billing.CodeCreditNoteExceedsInvoice, "amount")
	_, err = h.app.Collection.CreateCreditNote(h.ctx, h.s, app.CreditNoteParams{Invoice: inv.ID, Amount: ptr(int64(100)),
		RefundAmount: ptr(int64(50)), CreditAmount: ptr(int64(10))})
	requireAppError(t, err, billing.KindInvalid, billing.CodeCreditNoteSplitMismatch, "amount")
	require.Len(t, h.creditNotes(inv.ID), 1)

	// #2: the rest, in two lines, to the balance.
	cn2, err := h.app.Collection.CreateCreditNote(h.ctx, h.s, app.CreditNoteParams{Invoice: inv.ID,
		Lines:        []app.CreditNoteLineParams{{InvoiceLine: inv.Lines[0].ID, Amount: 2000}, {Description: "Ajuste de junio", Amount: 950}},
		CreditAmount: ptr(int64(2950))})
	require.NoError(t, err)
	require.Equal(t, "AGEN-CN-000002", cn2.Number)
	require.Equal(t, []int64{2479, 471, 2950, 0, 2950}, []int64{cn2.Subtotal, cn2.Tax, cn2.Total, cn2.RefundAmount, cn2.CreditAmount})
	require.Equal(t, []billing.CreditNoteLine{
		{ID: "cnli_1", InvoiceLineID: inv.Lines[0].ID, Description: inv.Lines[0].Description, Amount: 2000},
		{ID: "cnli_2", Description: "Ajuste de junio", Amount: 950},
	}, cn2.Lines)
	require.NotEmpty(t, cn2.BalanceTransactionID)
	require.Equal(t, int64(-2950), h.balance(cus.ID))

	// The invoice is fully credited: refunding its payment's last 2950
	// would credit it again.
	_, err = h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: pay.ID})
	requireAppError(t, err, billing.KindInvalid, billing.CodeCreditNoteExceedsInvoice, "amount")
	refunds, err := h.app.Collection.ListRefunds(h.ctx, h.s, pay.ID, billing.Page{})
	require.NoError(t, err)
	require.Len(t, refunds.Data, 1, "the refused refund wrote nothing")

	// Voiding #2 takes its credit back.
	voided, err := h.app.Collection.VoidCreditNote(h.ctx, h.s, cn2.ID)
	require.NoError(t, err)
	require.Equal(t, billing.CreditNoteVoid, voided.Status)
	require.Equal(t, at, voided.VoidedAt.UTC())
	require.Zero(t, h.balance(cus.ID))
	_, err = h.app.Collection.VoidCreditNote(h.ctx, h.s, cn2.ID)
	requireRefused(t, err, "void")
	_, err = h.app.Collection.VoidCreditNote(h.ctx, h.s, cn1.ID)
	requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")
	_, err = h.app.Collection.VoidCreditNote(h.ctx, h.s, "cn_missing")
	requireAppError(t, err, billing.KindNotFound, billing.CodeResourceMissing, "id")

	// #3: 1000 to the balance, used by the July renewal.
	cn3, err := h.app.Collection.CreateCreditNote(h.ctx, h.s, app.CreditNoteParams{Invoice: inv.ID, Amount: ptr(int64(1000))})
	require.NoError(t, err)
	require.Equal(t, "AGEN-CN-000003", cn3.Number, "gapless: the void note keeps its number")
	require.Equal(t, int64(1000), cn3.CreditAmount)
	require.Equal(t, int64(-1000), h.balance(cus.ID))
	july := ts("2024-07-01T12:00:00Z")
	h.advanceTo(july)
	invs := h.invoices(sub.ID)
	require.Len(t, invs, 2)
	next := invs[1]
	require.Equal(t, []int64{5950, -1000, 0, 4950, 4950}, []int64{next.Total, next.StartingBalance, next.EndingBalance, next.AmountDue, next.AmountPaid})
	require.Equal(t, billing.InvoicePaid, next.Status)
	require.Zero(t, h.balance(cus.ID))

	txns, err := h.app.Customers.ListBalanceTransactions(h.ctx, h.s, cus.ID, billing.Page{})
	require.NoError(t, err)
	type move struct {
		Type        string
		Amount, End int64
		Note, Inv   string
	}
	var got []move
	for _, bt := range txns.Data {
		got = append(got, move{bt.Type, bt.Amount, bt.EndingBalance, bt.CreditNoteID, bt.InvoiceID})
	}
	require.Equal(t, []move{
		{billing.BalanceAppliedToInvoice, 1000, 0, "", next.ID},
		{billing.BalanceCreditNote, -1000, -1000, cn3.ID, inv.ID},
		{billing.BalanceCreditNote, 2950, 0, cn2.ID, inv.ID},
		{billing.BalanceCreditNote, -2950, -2950, cn2.ID, inv.ID},
	}, got, "newest first")

	var kinds []string
	for _, e := range h.events() {
		if e.ObjectType == "credit_note" {
			kinds = append(kinds, e.Type)
		}
	}
	require.Equal(t, []string{"credit_note.created", "credit_note.created", "credit_note.voided", "credit_note.created"}, kinds)
}

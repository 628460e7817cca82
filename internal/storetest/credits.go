package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseCredits checks credit notes, their number sequence and customer
// balances.
func exerciseCredits(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreditNoteRoundTripListAndVoid", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx.Tx, b.scope, c.ID, b.clock.next())
		other := newInvoice(t, tx.Tx, b.scope, c.ID, b.clock.next())
		cn1 := buildCreditNote(b.scope, inv, "PDS-CN-000001", b.clock.next())
		cn2 := buildCreditNote(b.scope, inv, "PDS-CN-000002", b.clock.next())
		cn2.Lines = []billing.CreditNoteLine{}
		cn2.RefundID, cn2.RefundAmount, cn2.CreditAmount = "re_0001", 2000, 0
		cn3 := buildCreditNote(b.scope, other, "PDS-CN-000003", b.clock.next())
		for _, cn := range []billing.CreditNote{cn1, cn2, cn3} {
			require.NoError(t, tx.Credits.CreateCreditNote(ctx, cn))
		}
		// Numbers are unique per scope.
		dup := buildCreditNote(b.scope, inv, "PDS-CN-000001", b.clock.next())
		requireUniqueViolation(t, tx.Credits.CreateCreditNote(ctx, dup), "credit_notes_number_key")
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Credits.GetCreditNote(ctx, b.scope, cn1.ID)
		require.NoError(t, err)
		require.Equal(t, cn1, got)
		got, err = tx.Credits.GetCreditNoteByRefund(ctx, b.scope, "re_0001")
		require.NoError(t, err)
		require.Equal(t, cn2, got)
		_, err = tx.Credits.GetCreditNote(ctx, b.other, cn1.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.Credits.GetCreditNote(ctx, b.live, cn1.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)

		credited, err := tx.Credits.CreditedAmount(ctx, b.scope, inv.ID)
		require.NoError(t, err)
		require.Equal(t, cn1.Total+cn2.Total, credited)

		l, more, err := tx.Credits.ListCreditNotes(ctx, b.scope, billing.CreditNoteFilter{InvoiceID: inv.ID}, billing.Page{Limit: 1})
		require.NoError(t, err)
		require.True(t, more)
		require.Equal(t, []billing.CreditNote{cn2}, l)
		l, more, err = tx.Credits.ListCreditNotes(ctx, b.scope, billing.CreditNoteFilter{InvoiceID: inv.ID}, billing.Page{Limit: 5, StartingAfter: cn2.ID})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []billing.CreditNote{cn1}, l)
		l, _, err = tx.Credits.ListCreditNotes(ctx, b.scope, billing.CreditNoteFilter{CustomerID: c.ID}, billing.Page{Limit: 5})
		require.NoError(t, err)
		require.Equal(t, []billing.CreditNote{cn3, cn2, cn1}, l)
		l, _, err = tx.Credits.ListCreditNotes(ctx, b.other, billing.CreditNoteFilter{}, billing.Page{Limit: 5})
		require.NoError(t, err)
		require.Empty(t, l)

		// Void: status, balance transaction and times change; nothing else.
		u := cn1
		u.Status = billing.CreditNoteVoid
		u.BalanceTransactionID = "cbtxn_void"
		u.VoidedAt = ptr(b.clock.next())
		u.Updated = *u.VoidedAt
		want := u
		u.Total = 1
		u.Memo = "changed"
		require.NoError(t, tx.Credits.UpdateCreditNote(ctx, u))
		missing := u
		missing.ID = "cn_missing"
		require.ErrorIs(t, tx.Credits.UpdateCreditNote(ctx, missing), billing.ErrNotFound)
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.Credits.GetCreditNote(ctx, b.scope, cn1.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		credited, err = tx.Credits.CreditedAmount(ctx, b.scope, inv.ID)
		require.NoError(t, err)
		require.Equal(t, cn2.Total, credited, "a void credit note credits nothing")
		tx.commit(t)
	})

	t.Run("CreditNoteNumbersAreGaplessPerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		for _, want := range []int64{1, 2} {
			n, err := tx.Credits.NextCreditNoteNumber(ctx, b.scope)
			require.NoError(t, err)
			require.Equal(t, want, n)
		}
		n, err := tx.Credits.NextCreditNoteNumber(ctx, b.live)
		require.NoError(t, err)
		require.Equal(t, int64(1), n, "live mode has its own sequence")
		// Invoice numbers are a sequence of their own.
		n, err = tx.Invoices.NextInvoiceNumber(ctx, b.scope)
		require.NoError(t, err)
		require.Equal(t, int64(1), n)
		tx.commit(t)

		tx = begin(t, b.store)
		n, err = tx.Credits.NextCreditNoteNumber(ctx, b.scope)
		require.NoError(t, err)
		require.Equal(t, int64(3), n)
		tx.rollback(t)

		tx = begin(t, b.store)
		n, err = tx.Credits.NextCreditNoteNumber(ctx, b.scope)
		require.NoError(t, err)
		require.Equal(t, int64(3), n, "a rollback gives the number back")
		tx.commit(t)
	})

	t.Run("CustomerBalance", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		bal, err := tx.Credits.GetCustomerBalance(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, billing.CustomerBalance{}, bal)

		t1 := buildBalanceTransaction(b.scope, c.ID, -5000, -5000, b.clock.next())
		t1.CreditNoteID, t1.Type = "cn_1", billing.BalanceCreditNote
		require.NoError(t, tx.Credits.AddBalanceTransaction(ctx, t1))
		t2 := buildBalanceTransaction(b.scope, c.ID, 3000, -2000, b.clock.next())
		t2.InvoiceID, t2.Type = "in_1", billing.BalanceAppliedToInvoice
		require.NoError(t, tx.Credits.AddBalanceTransaction(ctx, t2))
		tx.commit(t)

		tx = begin(t, b.store)
		// A transaction that read a stale balance moves nothing.
		stale := buildBalanceTransaction(b.scope, c.ID, 1000, -4000, b.clock.next())
		require.ErrorIs(t, tx.Credits.AddBalanceTransaction(ctx, stale), billing.ErrVersionConflict)
		// So does one in another currency than the balance's.
		usd := buildBalanceTransaction(b.scope, c.ID, 1000, -1000, b.clock.next())
		usd.Currency = "USD"
		require.ErrorIs(t, tx.Credits.AddBalanceTransaction(ctx, usd), billing.ErrVersionConflict)
		bal, err = tx.Credits.GetCustomerBalance(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, billing.CustomerBalance{Currency: "CLP", Balance: -2000}, bal)

		all, err := tx.Credits.CustomerBalances(ctx, b.scope, []string{c.ID, c2.ID, "cus_missing"})
		require.NoError(t, err)
		require.Equal(t, map[string]billing.CustomerBalance{c.ID: {Currency: "CLP", Balance: -2000}}, all)
		all, err = tx.Credits.CustomerBalances(ctx, b.live, []string{c.ID})
		require.NoError(t, err)
		require.Empty(t, all)

		l, more, err := tx.Credits.ListBalanceTransactions(ctx, b.scope, c.ID, billing.Page{Limit: 1})
		require.NoError(t, err)
		require.True(t, more)
		require.Equal(t, []billing.BalanceTransaction{t2}, l)
		l, more, err = tx.Credits.ListBalanceTransactions(ctx, b.scope, c.ID, billing.Page{Limit: 5, StartingAfter: t2.ID})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []billing.BalanceTransaction{t1}, l)
		l, _, err = tx.Credits.ListBalanceTransactions(ctx, b.other, c.ID, billing.Page{Limit: 5})
		require.NoError(t, err)
		require.Empty(t, l)
		tx.commit(t)
	})
}

func buildCreditNote(s billing.Scope, inv billing.Invoice, number string, at time.Time) billing.CreditNote {
	return billing.CreditNote{
		ID: billing.NewID(billing.PrefixCreditNote, at), Scope: s, Number: number, InvoiceID: inv.ID,
		CustomerID: inv.CustomerID, Currency: inv.Currency, Status: billing.CreditNoteIssued,
		Reason: billing.CreditReasonOrderChange, Memo: "Devolución parcial",
		Lines: []billing.CreditNoteLine{
			{ID: "cnli_1", InvoiceLineID: inv.Lines[0].ID, Description: "Plan Pro × 1", Amount: 3000},
			{ID: "cnli_2", Description: "Ajuste", Amount: 570},
		},
		Subtotal: 3000, Tax: 570, Total: 3570, CreditAmount: 3570, BalanceTransactionID: "cbtxn_1",
		TaxAmounts: []billing.TaxAmount{{TaxRate: billing.AppliedTaxRate{ID: "txr_iva", DisplayName: "IVA", Percentage: 190000},
			Amount: 570, TaxableAmount: 3000}},
		Created: at, Updated: at.Add(time.Microsecond),
	}
}

func buildBalanceTransaction(s billing.Scope, customerID string, amount, ending int64, at time.Time) billing.BalanceTransaction {
	return billing.BalanceTransaction{
		ID: billing.NewID(billing.PrefixBalanceTransaction, at), Scope: s, CustomerID: customerID,
		Type: billing.BalanceAdjustment, Amount: amount, Currency: "CLP", EndingBalance: ending,
		Description: "Ajuste manual", Created: at,
	}
}

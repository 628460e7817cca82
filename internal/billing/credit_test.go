package billing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestDecideCredit(t *testing.T) {
	paid := billing.Invoice{Status: billing.InvoicePaid, Total: 11900, Currency: "CLP"}
	for _, c := range []struct {
		name                 string
		inv                  billing.Invoice
		credited, refundable int64
		total                int64
		split                *billing.CreditSplit
		want                 billing.CreditSplit
		code, param          string
	}{
		{"no split credits the balance", paid, 0, 11900, 5000, nil, billing.CreditSplit{Credit: 5000}, "", ""},
		{"refund", paid, 0, 11900, 5000, &billing.CreditSplit{Refund: 5000}, billing.CreditSplit{Refund: 5000}, "", ""},
		{"three ways", paid, 1000, 10900, 10900, &billing.CreditSplit{Refund: 900, Credit: 10000}, billing.CreditSplit{Refund: 900, Credit: 10000}, "", ""},
		{"exactly what is left", paid, 6900, 0, 5000, &billing.CreditSplit{OutOfBand: 5000}, billing.CreditSplit{OutOfBand: 5000}, "", ""},
		{"over the invoice", paid, 6900, 11900, 5001, nil, billing.CreditSplit{}, billing.CodeCreditNoteExceedsInvoice, "amount"},
		{"over the payment", paid, 0, 3000, 5000, &billing.CreditSplit{Refund: 5000}, billing.CreditSplit{}, billing.CodeCreditNoteExceedsInvoice, "refund_amount"},
		{"split does not add up", paid, 0, 11900, 5000, &billing.CreditSplit{Refund: 1000, Credit: 1000}, billing.CreditSplit{}, billing.CodeCreditNoteSplitMismatch, "amount"},
		{"negative part", paid, 0, 11900, 5000, &billing.CreditSplit{Refund: 6000, Credit: -1000}, billing.CreditSplit{}, billing.CodeAmountInvalid, "credit_amount"},
		{"zero", paid, 0, 11900, 0, nil, billing.CreditSplit{}, billing.CodeAmountInvalid, "amount"},
		{"open invoice", billing.Invoice{Status: billing.InvoiceOpen, Total: 100}, 0, 0, 50, nil, billing.CreditSplit{}, billing.CodeInvalidStateTransition, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := billing.DecideCredit(c.inv, c.credited, c.refundable, c.total, c.split)
			if c.code == "" {
				require.NoError(t, err)
				require.Equal(t, c.want, got)
				return
			}
			e := billing.AsError(err)
			require.NotNil(t, e, "%v", err)
			require.Equal(t, c.code, e.Code)
			require.Equal(t, c.param, e.Param)
		})
	}
}

// TestRefundLeft checks that RefundLeft is the largest all-refund credit
// note DecideCredit accepts: that amount passes, one unit more does not.
func TestRefundLeft(t *testing.T) {
	paid := billing.Invoice{Status: billing.InvoicePaid, Total: 11900, Currency: "CLP"}
	for _, c := range []struct {
		name                 string
		inv                  billing.Invoice
		credited, refundable int64
		want                 int64
	}{
		{"all of it", paid, 0, 11900, 11900},
		{"the payment gave some back", paid, 0, 4000, 4000},
		{"credit notes took some", paid, 9000, 11900, 2900},
		{"the smaller of both", paid, 3000, 5000, 5000},
		{"nothing left of the invoice", paid, 11900, 11900, 0},
		{"more credited than charged", paid, 12000, 11900, 0},
		{"no payment to refund", paid, 0, 0, 0},
		{"open invoice", billing.Invoice{Status: billing.InvoiceOpen, Total: 100}, 0, 100, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := billing.RefundLeft(c.inv, c.credited, c.refundable)
			require.Equal(t, c.want, got)
			refund := func(n int64) error {
				_, err := billing.DecideCredit(c.inv, c.credited, c.refundable, n, &billing.CreditSplit{Refund: n})
				return err
			}
			if got > 0 {
				require.NoError(t, refund(got))
			}
			require.Error(t, refund(got+1))
		})
	}
}

func TestApplyBalance(t *testing.T) {
	for _, c := range []struct {
		name           string
		total, balance int64
		want           billing.BalanceUse
	}{
		{"no balance", 5000, 0, billing.BalanceUse{AmountDue: 5000}},
		{"credit covers part", 5000, -2000, billing.BalanceUse{AmountDue: 3000, Change: 2000}},
		{"credit covers all", 5000, -8000, billing.BalanceUse{AmountDue: 0, Change: 5000}},
		{"owed is added", 5000, 700, billing.BalanceUse{AmountDue: 5700, Change: -700}},
		{"negative total goes to the balance", -2500, -1000, billing.BalanceUse{AmountDue: 0, Change: -2500}},
		{"zero total keeps the credit", 0, -1000, billing.BalanceUse{AmountDue: 0, Change: 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, billing.ApplyBalance(c.total, c.balance))
		})
	}
}

func TestCreditNoteNumber(t *testing.T) {
	require.Equal(t, "ACME-CN-000042", billing.CreditNoteNumber("ACME", 42))
	require.True(t, billing.ValidCreditReason(billing.CreditReasonOrderChange))
	require.False(t, billing.ValidCreditReason("whim"))
}

package billing_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestCreditNoteTax(t *testing.T) {
	for _, c := range []struct {
		name               string
		amount, tax, total int64
		want               int64
	}{
		{"no tax", 5000, 0, 10000, 0},
		{"IVA inclusive, whole invoice", 11900, 1900, 11900, 1900},
		{"IVA, partial: 5000 of 11900 is 798.3 → 798", 5000, 1900, 11900, 798},
		{"half up: 2500 × 19 / 100 = 475", 2500, 19, 100, 475},
		{"rounds half away from zero: 1 × 1 / 2 = 0.5 → 1", 1, 1, 2, 1},
		{"CLP 3000 of 5950 with 950 IVA = 479.0 → 479", 3000, 950, 5950, 479},
		{"USD 33.33 of 119.00 with 19.00 tax = 5.3216 → 5.32", 3333, 1900, 11900, 532},
		{"nothing charged returns nothing", 100, 10, 0, 0},
		{"zero amount", 0, 1900, 11900, 0},
		{"large amounts do not overflow", math.MaxInt64 / 2, math.MaxInt64 / 4, math.MaxInt64 / 2, math.MaxInt64 / 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := billing.CreditNoteTax(c.amount, c.tax, c.total)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

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

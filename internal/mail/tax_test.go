package mail_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
)

// A taxed invoice's receipt and request to pay name each rate's tax as the
// documents do ("IVA 19 %"), saying when the prices include it.
func TestEmailsShowTaxPerRate(t *testing.T) {
	m := santiago()
	ana := billing.Customer{ID: "cus_1", Name: "Ana"}
	paidAt := time.Date(2026, 11, 22, 2, 30, 0, 0, time.UTC)
	iva := billing.AppliedTaxRate{ID: "txr_1", DisplayName: "IVA", Percentage: 190000}
	inv := billing.Invoice{ID: "in_1", Number: "AGE-0042", Currency: "CLP", AmountDue: 11900, AmountPaid: 11900, PaidAt: &paidAt,
		Tax: 1900, TaxAmounts: []billing.TaxAmount{{TaxRate: iva, Amount: 1900, TaxableAmount: 10000}}}

	receipt, err := mail.NewPaymentReceipt(m, ana, inv, nil)
	require.NoError(t, err)
	require.Equal(t, []mail.TaxRow{{Label: "IVA 19\u00a0%", Amount: "$1.900"}}, receipt.Taxes)
	msg, err := mail.Render(mail.KindPaymentReceipt, "es-CL", receipt)
	require.NoError(t, err)
	require.Contains(t, msg.Text, "IVA 19\u00a0%: $1.900")
	require.Contains(t, msg.HTML, "IVA 19\u00a0%")

	inv.TaxAmounts[0].TaxRate.Inclusive = true
	toPay, err := mail.NewInvoiceToPay(m, ana, inv, time.Time{}, "https://pay.example.test/x", nil)
	require.NoError(t, err)
	msg, err = mail.Render(mail.KindInvoiceToPay, "es-CL", toPay)
	require.NoError(t, err)
	require.Contains(t, msg.Text, "IVA 19\u00a0%: $1.900 (incluido)")
}

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

// A credit note's email names the tax it returns per rate, as its PDF and
// the API do; a note that kept only its one figure says "Impuesto
// devuelto".
func TestCreditNoteEmailShowsTaxPerRate(t *testing.T) {
	m := santiago()
	ana := billing.Customer{ID: "cus_1", Name: "Ana"}
	at := time.Date(2026, 11, 22, 2, 30, 0, 0, time.UTC)
	inv := billing.Invoice{ID: "in_1", Number: "AGE-0042", Currency: "CLP"}
	note := billing.CreditNote{ID: "cn_1", Number: "AGE-CN-000001", Currency: "CLP", Total: 5950, Tax: 950, Subtotal: 5000,
		RefundAmount: 5950, Created: at, TaxAmounts: []billing.TaxAmount{{TaxRate: billing.AppliedTaxRate{ID: "txr_1",
			DisplayName: "IVA", Percentage: 190000}, Amount: 950, TaxableAmount: 5000}}}

	d, err := mail.NewCreditNote(m, ana, note, inv, nil)
	require.NoError(t, err)
	require.Equal(t, []mail.TaxRow{{Label: "IVA 19\u00a0%", Amount: "$950"}}, d.Taxes)
	d.DocumentTitle = "Comprobante de crédito"
	msg, err := mail.Render(mail.KindCreditNote, "es-CL", d)
	require.NoError(t, err)
	require.Contains(t, msg.Text, "IVA 19\u00a0% devuelto: $950")
	require.Contains(t, msg.HTML, "IVA 19\u00a0% devuelto")
	require.NotContains(t, msg.Text, "Impuesto devuelto")

	en := ana
	en.Locale = "en"
	d, err = mail.NewCreditNote(m, en, note, inv, nil)
	require.NoError(t, err)
	d.DocumentTitle = "Credit note"
	msg, err = mail.Render(mail.KindCreditNote, "en", d)
	require.NoError(t, err)
	require.Contains(t, msg.Text, "IVA 19% returned: CLP\u00a0950")

	note.TaxAmounts = nil
	d, err = mail.NewCreditNote(m, ana, note, inv, nil)
	require.NoError(t, err)
	d.DocumentTitle = "Comprobante de crédito"
	msg, err = mail.Render(mail.KindCreditNote, "es-CL", d)
	require.NoError(t, err)
	require.Contains(t, msg.Text, "Impuesto devuelto: $950")
}

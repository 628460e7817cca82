package invoicepdf

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// creditInput is a 3000 credit note of clpInput's invoice (IVA 798 of
// 5000): 479 of it is tax, 1000 refunded and 2000 to the balance.
func creditInput(t *testing.T) CreditNoteInput {
	t.Helper()
	in := clpInput(t)
	at := santiago(t, 2026, 12, 2, 10, 0)
	return CreditNoteInput{Merchant: in.Merchant, Customer: in.Customer, Invoice: in.Invoice, Parties: Parties{MerchantEmail: in.MerchantEmail},
		CreditNote: billing.CreditNote{ID: "cn_1", Number: "AGT-CN-000007", InvoiceID: in.Invoice.ID, CustomerID: "cus_1",
			Currency: "CLP", Status: billing.CreditNoteIssued, Reason: billing.CreditReasonProductUnsatisfactory,
			Lines:    []billing.CreditNoteLine{{ID: "cnli_1", InvoiceLineID: "il_1", Description: "Plan Pro (mensual)", Amount: 3000}},
			Subtotal: 2521, Tax: 479, Total: 3000, RefundAmount: 1000, CreditAmount: 2000, Created: at, Updated: at,
			TaxAmounts: []billing.TaxAmount{{TaxRate: billing.AppliedTaxRate{ID: "txr_1", DisplayName: "IVA", Percentage: 190000, Inclusive: true},
				Amount: 479, TaxableAmount: 2521}}}}
}

func TestCreditNoteText(t *testing.T) {
	pdf, err := RenderCreditNote(creditInput(t))
	require.NoError(t, err)
	if dir := os.Getenv("CUOTA_PDF_DIR"); dir != "" {
		require.NoError(t, os.WriteFile(dir+"/credit-note.pdf", pdf, 0o644))
	}
	text := flatText(t, pdf)
	for _, want := range []string{"COMPROBANTE DE CRÉDITO", "AGT-CN-000007", "Documento corregido", "AGT-000042",
		"Motivo", "Producto no satisfactorio", "CLIENTE", "Łucja Muñoz Ñúñez", "Plan Pro (mensual)", "IVA 19 % (incluido) $479",
		"Devuelto a la tarjeta $1.000", "Abonado a su saldo a favor $2.000", "Total", "$3.000", "2 de diciembre de 2026"} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, "Factura", "a credit note is not an invoice")
	require.NotContains(t, text, "ANULADA")
	require.NotContains(t, text, "Impuesto", "the tax is shown per rate")
	requireInsideMargins(t, pdf)

	void := creditInput(t)
	void.CreditNote.Status = billing.CreditNoteVoid
	void.CreditNote.VoidedAt = &void.CreditNote.Updated
	void.CreditNote.Lines = nil
	pdf, err = RenderCreditNote(void)
	require.NoError(t, err)
	text = flatText(t, pdf)
	require.Contains(t, text, "ANULADO", "a comprobante de crédito is masculine")
	require.Contains(t, text, "Crédito sobre el documento AGT-000042", "a note without lines credits the invoice in one line")

	// A note issued before per-rate amounts were kept shows its one figure.
	old := creditInput(t)
	old.CreditNote.TaxAmounts = nil
	pdf, err = RenderCreditNote(old)
	require.NoError(t, err)
	require.Contains(t, flatText(t, pdf), "Impuesto $479")

	en := creditInput(t)
	en.Customer.Locale = "en-US"
	pdf, err = RenderCreditNote(en)
	require.NoError(t, err)
	require.Contains(t, flatText(t, pdf), "CREDIT NOTE")

	bad := creditInput(t)
	bad.CreditNote.Number = ""
	_, err = RenderCreditNote(bad)
	require.True(t, errors.Is(err, ErrInvalidInput), "%v", err)
}

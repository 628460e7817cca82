package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestCreditNotesAPI credits a paid invoice over HTTP: a preview, a refund
// and a balance credit, the PDF, over-crediting refused, voiding, and the
// customer's balance and its transactions.
func TestCreditNotesAPI(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	b.withSim()
	prod := b.createProduct(t, b.a, map[string]any{"name": "Instalación"})
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 10_000, "currency": "CLP"})
	cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.cl", "locale": "es-CL"})
	pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods", map[string]any{"gateway": "sim", "token": "tok_visa"}))
	inv := ok[apiobj.InvoiceJSON](t, b.post(t, b.a, "/v1/invoices", map[string]any{"customer": cus.ID, "payment_method": pm.ID,
		"auto_finalize": true, "items": []map[string]any{{"price": price.ID}}}))
	require.Equal(t, "paid", inv.Status)

	pv := ok[apiobj.CreditNoteJSON](t, b.post(t, b.a, "/v1/credit_notes/preview", map[string]any{"invoice": inv.ID, "amount": 4000, "refund_amount": 4000}))
	require.Nil(t, pv.Number)
	cn := ok[apiobj.CreditNoteJSON](t, b.post(t, b.a, "/v1/credit_notes", map[string]any{"invoice": inv.ID, "amount": 4000,
		"refund_amount": 4000, "reason": "order_change", "memo": "Se canceló una visita"}))
	require.NotNil(t, cn.Number)
	require.Equal(t, "credit_note", cn.Object)
	require.Equal(t, "issued", cn.Status)
	require.Equal(t, int64(4000), cn.RefundAmount)
	require.NotNil(t, cn.Refund)
	require.Equal(t, cn, ok[apiobj.CreditNoteJSON](t, b.get(t, b.a, "/v1/credit_notes/"+cn.ID)))

	res := b.get(t, b.a, "/v1/credit_notes/"+cn.ID+"/pdf")
	require.Equal(t, http.StatusOK, res.Status)
	require.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
	require.Equal(t, `inline; filename="credito-`+*cn.Number+`-prueba.pdf"`, res.Header.Get("Content-Disposition"), "named as its email attachment is")
	require.True(t, len(res.Body) > 4 && string(res.Body[:4]) == "%PDF")

	requireProblem(t, b.post(t, b.a, "/v1/credit_notes", map[string]any{"invoice": inv.ID, "amount": 6001}), http.StatusBadRequest, "credit_note_exceeds_invoice", "amount")
	requireProblem(t, b.post(t, b.a, "/v1/credit_notes", map[string]any{"invoice": inv.ID, "amount": 100, "credit_amount": 50}), http.StatusBadRequest, "credit_note_split_mismatch", "amount")
	requireProblem(t, b.post(t, b.a, "/v1/credit_notes", map[string]any{"invoice": "in_missing", "amount": 100}), http.StatusBadRequest, "resource_missing", "invoice")
	requireProblem(t, b.post(t, b.a, "/v1/credit_notes", map[string]any{"invoice": inv.ID}), http.StatusBadRequest, "parameter_invalid", "amount")
	requireProblem(t, b.post(t, b.a, "/v1/credit_notes", map[string]any{"invoice": inv.ID, "amount": 100, "reason": "whim"}), http.StatusBadRequest, "parameter_invalid", "reason")
	requireProblem(t, b.post(t, b.a, "/v1/credit_notes/"+cn.ID+"/void", nil), http.StatusConflict, "invalid_state_transition", "")
	requireProblem(t, b.get(t, b.b, "/v1/credit_notes/"+cn.ID), http.StatusNotFound, "resource_missing", "id")

	toBalance := ok[apiobj.CreditNoteJSON](t, b.post(t, b.a, "/v1/credit_notes", map[string]any{"invoice": inv.ID,
		"lines": []map[string]any{{"invoice_line": inv.Lines[0].ID, "amount": 1500}}}))
	require.Equal(t, int64(1500), toBalance.CreditAmount)
	require.Equal(t, "Instalación", toBalance.Lines[0].Description)
	got := ok[apiobj.CustomerJSON](t, b.get(t, b.a, "/v1/customers/"+cus.ID))
	require.Equal(t, int64(-1500), got.Balance)
	require.Equal(t, "CLP", *got.Currency)

	adj := ok[apiobj.BalanceTransactionJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/balance_transactions", map[string]any{"amount": 500, "currency": "clp", "description": "Cargo manual"}))
	require.Equal(t, "adjustment", adj.Type)
	require.Equal(t, int64(-1000), adj.EndingBalance)
	requireProblem(t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/balance_transactions", map[string]any{"amount": 500, "currency": "USD"}), http.StatusBadRequest, "balance_currency_mismatch", "currency")
	requireProblem(t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/balance_transactions", map[string]any{"amount": 0, "currency": "CLP"}), http.StatusBadRequest, "amount_invalid", "amount")
	requireProblem(t, b.post(t, b.a, "/v1/customers/cus_missing/balance_transactions", map[string]any{"amount": 1, "currency": "CLP"}), http.StatusNotFound, "resource_missing", "id")

	voided := ok[apiobj.CreditNoteJSON](t, b.post(t, b.a, "/v1/credit_notes/"+toBalance.ID+"/void", nil))
	require.Equal(t, "void", voided.Status)
	txns := ok[httpapi.ListJSON[apiobj.BalanceTransactionJSON]](t, b.get(t, b.a, "/v1/customers/"+cus.ID+"/balance_transactions"))
	var amounts []int64
	for _, bt := range txns.Data {
		amounts = append(amounts, bt.Amount)
	}
	require.Equal(t, []int64{1500, 500, -1500}, amounts, "newest first")
	notes := ok[httpapi.ListJSON[apiobj.CreditNoteJSON]](t, b.get(t, b.a, "/v1/credit_notes?invoice="+inv.ID))
	require.Len(t, notes.Data, 2)
}

// TestCreditNoteTaxAmountsAPI: a credit note of half an invoice taxed at
// IVA 19 % exclusive (10.000 + 1.900) shows the tax it returns per rate,
// as the invoice shows its own: 950 of IVA on 5.000.
func TestCreditNoteTaxAmountsAPI(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	b.withSim()
	iva := ok[apiobj.TaxRateJSON](t, b.post(t, b.a, "/v1/tax_rates", map[string]any{"display_name": "IVA", "percentage": 19, "country": "CL"}))
	cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.cl", "locale": "es-CL"})
	pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods", map[string]any{"gateway": "sim", "token": "tok_visa"}))
	inv := ok[apiobj.InvoiceJSON](t, b.post(t, b.a, "/v1/invoices", map[string]any{"customer": cus.ID, "payment_method": pm.ID, "currency": "CLP",
		"auto_finalize": true, "items": []map[string]any{{"amount": 10_000, "description": "Asesoría", "tax_rates": []string{iva.ID}}}}))
	require.Equal(t, "paid", inv.Status)
	require.Equal(t, int64(11_900), inv.Total)

	cn := ok[apiobj.CreditNoteJSON](t, b.post(t, b.a, "/v1/credit_notes", map[string]any{"invoice": inv.ID, "amount": 5950}))
	require.Equal(t, []int64{5950, 5000, 950}, []int64{cn.Total, cn.Subtotal, cn.Tax})
	require.Equal(t, []apiobj.TaxAmountJSON{{TaxRate: iva.ID, DisplayName: "IVA", Percentage: 19, Amount: 950, TaxableAmount: 5000}}, cn.TaxAmounts)
	require.Equal(t, cn, ok[apiobj.CreditNoteJSON](t, b.get(t, b.a, "/v1/credit_notes/"+cn.ID)))
}

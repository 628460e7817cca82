package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestConsoleMoney signs a support user in, refunds part of a paid
// invoice from its page (the API then shows the credit note and the
// refund for that amount, and the audit log names the user), shows a
// typed amount it cannot read as an error on the page, voids an open
// invoice, and reads a declined payment's reason in words. A viewer sees
// no action, and a forged refund with a valid CSRF token is 403. Every
// page is checked at 375 and 1280 px; on both stores.
func TestConsoleMoney(t *testing.T) {
	t.Parallel()
	eachStore(t, testConsoleMoney)
}

func testConsoleMoney(t *testing.T, kind storeKind) {
	c := setupConsole(t, kind)
	s, b := c.stack, c.b
	support := s.user(billing.RoleSupport, "soporte@example.cl", "la clave de soporte")
	s.user(billing.RoleViewer, "mira@example.cl", "otra clave bien larga")

	// Ana pays her plan; Luis's card is declined; Ana owes a visit.
	price := s.price(s.product("Plan Pro", nil), 20000, "CLP", "month")
	ana := s.ok("POST", "/v1/customers", map[string]any{"email": "ana@example.cl", "name": "Ana Rojas"})["id"].(string)
	pm := s.ok("POST", "/v1/customers/"+ana+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	s.ok("POST", "/v1/subscriptions", map[string]any{"customer": ana, "items": []map[string]any{{"price": price}}, "payment_method": pm["id"]})
	paid := s.ok("GET", "/v1/invoices?customer="+ana+"&status=paid", nil)["data"].([]any)[0].(map[string]any)
	paidID := paid["id"].(string)
	luis := s.ok("POST", "/v1/customers", map[string]any{"email": "luis@example.cl", "name": "Luis Soto"})["id"].(string)
	declined := s.ok("POST", "/v1/customers/"+luis+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokInsufficientFunds})
	s.ok("POST", "/v1/invoices", map[string]any{"customer": luis, "payment_method": declined["id"], "auto_finalize": true, "currency": "CLP",
		"items": []map[string]any{{"amount": 8000, "description": "Asesoría tributaria"}}})
	failedPay := s.ok("GET", "/v1/payments?customer="+luis, nil)["data"].([]any)[0].(map[string]any)
	require.Equal(t, "failed", failedPay["status"])
	open := s.ok("POST", "/v1/invoices", map[string]any{"customer": ana, "collection": "send_invoice", "auto_finalize": true, "currency": "CLP",
		"items": []map[string]any{{"amount": 5000, "description": "Visita extra"}}})
	openID := open["id"].(string)
	require.Equal(t, "open", open["status"])

	c.signInAs("soporte@example.cl", "la clave de soporte")

	// The documents list, and its filters.
	b.visit(s.url+"/console/invoices", "#invoices")
	require.Contains(t, b.text("#invoices"), "Ana Rojas")
	require.Contains(t, b.text("#invoices"), "Luis Soto")
	require.Contains(t, b.text("#inv-"+paidID), "$20.000")
	require.Contains(t, b.text("#inv-"+paidID), "Pagado")
	b.consolePage("money-invoices")
	b.run(chromedp.SetValue(chromedp.CSS("#status"), "open"))
	b.typeInto("#q", "luis@example.cl")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#filter-button"), chromedp.NodeVisible)))
	require.Equal(t, 1, evaluate[int](b, `document.querySelectorAll('#invoices li').length`))
	require.Contains(t, b.text("#invoices"), "$8.000")
	b.consolePage("money-invoices-filtered")

	// Luis's invoice: its declined attempt, in words.
	b.click("#invoices li a", "#attempts")
	require.Contains(t, b.text("#attempts"), "la tarjeta no tiene fondos suficientes")
	require.Contains(t, b.text("#invoice-status"), "Por pagar")
	b.consolePage("money-invoice-failed")
	b.click("#attempts a", "#payment-failure")
	require.Contains(t, b.text("#payment-failure"), "la tarjeta no tiene fondos suficientes")
	require.Equal(t, "Pasarela simulada (prueba)", b.text("#payment-gateway"))
	b.consolePage("money-payment-failed")

	// Refund part of Ana's paid invoice: first an amount it cannot read.
	b.visit(s.url+"/console/invoices/"+paidID, "#refund-form")
	require.Contains(t, b.text("#refund-hint"), "hasta $20.000")
	b.consolePage("money-invoice-paid")
	b.typeInto("#refund-amount", "doce mil")
	require.Equal(t, http.StatusBadRequest, b.status(chromedp.Click(chromedp.CSS("#refund-button"), chromedp.NodeVisible)))
	require.Equal(t, "No entendimos el monto «doce mil». Escríbelo así: $12.345.", b.text("#error"))
	require.Equal(t, "doce mil", b.value("#refund-amount"), "the form keeps what was typed")
	b.consolePage("money-invoice-refund-error")
	b.typeInto("#refund-amount", "$12.345")
	b.run(chromedp.SetValue(chromedp.CSS("#refund-reason"), billing.CreditReasonProductUnsatisfactory))
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#refund-button"), chromedp.NodeVisible)))
	require.Equal(t, "Se reembolsaron $12.345.", b.text("#notice"))
	require.Contains(t, b.text("#credit-notes"), "$12.345")
	require.Contains(t, b.text("#attempts"), "Reembolso de $12.345")
	require.Contains(t, b.text("#refund-hint"), "hasta $7.655")
	b.consolePage("money-invoice-refunded")

	// The API shows the credit note and its refund, for that amount.
	notes := s.ok("GET", "/v1/credit_notes?invoice="+paidID, nil)["data"].([]any)
	require.Len(t, notes, 1)
	note := notes[0].(map[string]any)
	require.Equal(t, float64(12345), note["total"])
	require.Equal(t, float64(12345), note["refund_amount"])
	require.Equal(t, "product_unsatisfactory", note["reason"])
	paidPay := s.ok("GET", "/v1/payments?invoice="+paidID+"&status=succeeded", nil)["data"].([]any)[0].(map[string]any)
	refunds := s.ok("GET", "/v1/refunds?payment="+paidPay["id"].(string), nil)["data"].([]any)
	require.Len(t, refunds, 1)
	require.Equal(t, float64(12345), refunds[0].(map[string]any)["amount"])
	require.Equal(t, "succeeded", refunds[0].(map[string]any)["status"])
	actors := c.auditActors()
	require.Equal(t, "user:"+support.ID, actors["credit_note.create"], "the audit log names the user: %v", actors)

	// The PDF link is the console's own (internal/console's tests read the
	// PDF through the session).
	require.True(t, strings.HasSuffix(evaluate[string](b, `document.getElementById('invoice-pdf').href`), "/console/invoices/"+paidID+"/pdf"))

	// The refunded payment, and the payments and refunds lists.
	b.visit(s.url+"/console/payments/"+paidPay["id"].(string), "#payment-refunds")
	require.Contains(t, b.text("#payment-refunds"), "$12.345")
	b.consolePage("money-payment-refunded")
	b.visit(s.url+"/console/payments", "#payments")
	require.Contains(t, b.text("#pay-"+failedPay["id"].(string)), "Fallido")
	b.consolePage("money-payments")
	b.click("#to-refunds", "#refunds")
	require.Contains(t, b.text("#refunds"), "$12.345")
	require.Contains(t, b.text("#refunds"), "El cliente no quedó conforme")
	b.consolePage("money-refunds")

	// Void Ana's open invoice.
	b.visit(s.url+"/console/invoices/"+openID, "#void")
	b.consolePage("money-invoice-open")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#void"), chromedp.NodeVisible)))
	require.Equal(t, "El documento quedó anulado.", b.text("#notice"))
	require.Equal(t, "Anulado", b.text("#invoice-status"))
	b.absent("#void")
	require.Equal(t, "void", s.ok("GET", "/v1/invoices/"+openID, nil)["status"])
	b.consolePage("money-invoice-voided")

	// A viewer: no actions, and a forged refund is 403.
	c.signOut()
	require.Equal(t, http.StatusOK, b.signIn("mira@example.cl", "otra clave bien larga"))
	b.visit(s.url+"/console/invoices/"+paidID, "#attempts")
	b.absent("#refund-form")
	b.absent("#invoice-actions")
	b.consolePage("money-invoice-viewer")
	require.Equal(t, http.StatusForbidden, b.forgedPost("/console/invoices/"+paidID+"/refund", map[string]string{"amount": "1.000"}))
	require.Equal(t, "Acción no permitida", b.text("#title"))
	require.Len(t, s.ok("GET", "/v1/credit_notes?invoice="+paidID, nil)["data"].([]any), 1, "nothing more was refunded")

	// In English: the same invoice, English words and amounts.
	b.visit(s.url+"/console/invoices/"+paidID, "#lang-switch")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#lang-switch"), chromedp.NodeVisible)))
	require.True(t, strings.HasPrefix(b.text("#title"), "Payment receipt"), b.text("#title"))
	require.Equal(t, "CLP 20,000", b.text("#invoice-total"))
	b.consolePage("money-invoice-en")
}

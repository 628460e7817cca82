package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// TestInvoicePayDeclineThenPaid: a Spanish-speaking customer is sent a
// CLP invoice by email; on its page (the email's link) the amounts read
// "$5.000"; the first card is declined on the sim's pay page, the invoice
// page says so and offers to pay again; the second card pays it and the
// page says it is paid. The API agrees: paid, one failed and one
// succeeded payment.
func TestInvoicePayDeclineThenPaid(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTPSender(smtp.Config())
	require.NoError(t, err)
	s := newStackWith(t, app.Mailer{Sender: sender, From: "cobros@corredora.example"})
	pagesURL := s.url
	b := newTab(t)

	prod := s.product("Informe legal", nil)
	oneTime := s.ok("POST", "/v1/prices", map[string]any{"product": prod, "unit_amount": 750, "currency": "CLP"})["id"].(string)
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "rosa@example.cl", "name": "Rosa Díaz", "locale": "es-CL"})
	inv := s.ok("POST", "/v1/invoices", map[string]any{"customer": cus["id"], "collection": "send_invoice", "days_until_due": 14,
		"auto_finalize": true, "items": []map[string]any{
			{"amount": 3500, "description": "Tasación de departamento"},
			{"price": oneTime, "quantity": 2},
		}})
	id, number := inv["id"].(string), inv["number"].(string)
	require.Equal(t, "open", inv["status"])
	require.NotEmpty(t, number)
	link := inv["hosted_invoice_url"].(string)
	require.True(t, strings.HasPrefix(link, pagesURL+"/invoice/"+s.scope.MerchantID+"/test/"+id+"?t="), link)

	// The email asks the customer to pay, with the invoice's link.
	emails := s.ok("GET", "/v1/emails?type=invoice_to_pay", nil)["data"].([]any)
	require.Len(t, emails, 1)
	email := emails[0].(map[string]any)
	require.Equal(t, map[string]any{"object": "invoice", "id": id}, email["related_object"])
	require.Equal(t, []any{"rosa@example.cl"}, email["to"])
	out, err := s.app.Notifications.SendEmail(t.Context(), app.SendEmailArgs{MerchantID: s.scope.MerchantID, Mode: s.scope.Mode, EmailID: email["id"].(string)}, 1)
	require.NoError(t, err)
	require.False(t, out.Retry, out.Reason)
	require.Equal(t, "sent", s.ok("GET", "/v1/emails/"+email["id"].(string), nil)["status"])
	msgs := smtp.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, []string{"rosa@example.cl"}, msgs[0].To)
	require.Contains(t, msgs[0].Text, link, "the email's body links to the invoice's page")

	b.visit(link, "#pay")
	require.Equal(t, "es-CL", evaluate[string](b, `document.documentElement.lang`))
	require.Equal(t, "Corredora Sur", b.text("#merchant"))
	require.Equal(t, "Documento de cobro "+number+"PRUEBA", b.text("#invoice-title")+b.text("#test-mark"))
	require.Equal(t, "Por pagar", b.text("#status"))
	require.Contains(t, b.text("#lines"), "Tasación de departamento $3.500")
	require.Contains(t, b.text("#lines"), "Informe legal × 2 $1.500")
	require.Equal(t, "$5.000", b.text("#total"))
	require.Equal(t, "$5.000", b.text("#amount-due"))
	require.NotEmpty(t, b.text("#due-date"))
	require.Equal(t, "Pagar $5.000", b.text("#pay"))
	b.checkPage()

	// A declined card: back on the invoice, the reason, and the form again.
	b.click("#pay", "#card-"+billing.SimTokInsufficientFunds)
	require.Equal(t, "$5.000", b.text("#amount"))
	require.Equal(t, "Cobro "+number, b.text("#invoice-number"))
	require.Equal(t, "Corredora Sur", b.text("#merchant"))
	b.checkPage()
	b.choose("#card-" + billing.SimTokInsufficientFunds)
	b.click("#pay", "#error")
	require.Equal(t, link, b.location())
	require.Contains(t, b.text("#error"), "Pago rechazado: la tarjeta no tiene fondos suficientes.")
	require.Contains(t, b.text("#error"), "No se cobró nada.")
	require.Equal(t, "Por pagar", b.text("#status"))
	b.checkPage()
	require.Equal(t, "open", s.ok("GET", "/v1/invoices/"+id, nil)["status"])

	// The good card pays it.
	b.click("#pay", "#card-"+billing.SimTokVisa)
	b.choose("#card-" + billing.SimTokVisa)
	b.click("#pay", "#paid")
	require.Equal(t, link, b.location())
	require.Equal(t, "Pagado", b.text("#status"))
	require.Contains(t, b.text("#paid"), "Pagado el")
	require.Equal(t, "Comprobante de pago "+number, b.text("#invoice-title"), "a paid document is a receipt")
	require.Equal(t, "$5.000", b.text("#amount-paid"))
	b.absent("#pay")
	b.absent("#error")
	b.checkPage()

	got := s.ok("GET", "/v1/invoices/"+id, nil)
	require.Equal(t, "paid", got["status"])
	require.EqualValues(t, 5000, got["amount_paid"])
	pays := s.ok("GET", "/v1/payments?invoice="+id, nil)["data"].([]any)
	require.Len(t, pays, 2)
	byStatus := map[string]map[string]any{}
	for _, p := range pays {
		p := p.(map[string]any)
		byStatus[p["status"].(string)] = p
	}
	require.Contains(t, byStatus, "failed")
	require.Contains(t, byStatus, "succeeded")
	require.Equal(t, "insufficient_funds", byStatus["failed"]["failure_code"])
	require.EqualValues(t, 5000, byStatus["succeeded"]["amount"])
	require.Equal(t, "sim", byStatus["succeeded"]["gateway"])
}

// TestInvoicePayEnglish: an English-speaking customer's USD invoice reads
// "$50.00"; leaving the sim's pay page and coming back to the invoice
// continues the same attempt; canceling it says so; then it is paid.
func TestInvoicePayEnglish(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	pagesURL := s.url
	b := newTab(t)
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "sam@example.com", "locale": "en"})
	inv := s.ok("POST", "/v1/invoices", map[string]any{"customer": cus["id"], "currency": "USD", "collection": "send_invoice",
		"auto_finalize": true, "items": []map[string]any{{"amount": 5000, "description": "Property appraisal"}}})
	id, link := inv["id"].(string), inv["hosted_invoice_url"].(string)
	require.True(t, strings.HasPrefix(link, pagesURL+"/invoice/"), link)

	b.visit(link, "#pay")
	require.Equal(t, "en", evaluate[string](b, `document.documentElement.lang`))
	require.Equal(t, "Payment request "+inv["number"].(string), b.text("#invoice-title"))
	require.Equal(t, "Due", b.text("#status"))
	require.Contains(t, b.text("#lines"), "Property appraisal $50.00")
	require.Equal(t, "$50.00", b.text("#total"))
	require.Equal(t, "$50.00", b.text("#amount-due"))
	require.Equal(t, "Pay $50.00", b.text("#pay"))
	b.checkPage()

	b.click("#pay", "#cancel")
	simPage := b.location()
	require.Equal(t, "$50.00", b.text("#amount"))
	require.Equal(t, "Pay $50.00", b.text("#pay"))

	// Back to the invoice without paying: it continues that attempt.
	b.visit(link, "#continue-payment")
	require.Contains(t, b.text("#in-progress"), "You already started paying this payment request.")
	b.absent("#pay")
	b.checkPage()
	b.click("#continue-payment", "#cancel")
	require.Equal(t, simPage, b.location(), "the same pay page")

	b.click("#cancel", "#error")
	require.Equal(t, link, b.location())
	require.Contains(t, b.text("#error"), "You canceled the payment. Nothing was charged.")
	require.Equal(t, "open", s.ok("GET", "/v1/invoices/"+id, nil)["status"])

	b.click("#pay", "#card-"+billing.SimTokVisa)
	require.NotEqual(t, simPage, b.location(), "a new attempt")
	b.click("#pay", "#paid")
	require.Equal(t, "Paid", b.text("#status"))
	require.Contains(t, b.text("#paid"), "Paid on")
	b.checkPage()

	require.Equal(t, "paid", s.ok("GET", "/v1/invoices/"+id, nil)["status"])
	pays := s.ok("GET", "/v1/payments?invoice="+id, nil)["data"].([]any)
	require.Len(t, pays, 2)
	codes := []any{}
	for _, p := range pays {
		codes = append(codes, p.(map[string]any)["failure_code"])
	}
	require.ElementsMatch(t, []any{"canceled", nil}, codes)
}

// TestInvoicePayFlowsim: with Flow configured, the customer of a CLP
// invoice picks Flow on the invoice page and pays on flowsim's pay page
// (payment/create); Flow's confirmation and the browser's return both ask
// Flow, the page shows the invoice paid, and Flow took the money once
// under the payment's idempotency key.
func TestInvoicePayFlowsim(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	fs := flowsim.New(flowsim.Options{})
	srv := newLoopbackServer(t, fs)
	t.Cleanup(fs.Close)
	fs.SetBaseURL(srv)
	s.ok("PUT", "/v1/merchant/gateways/flow", map[string]any{"api_key": fs.APIKey(), "secret": fs.Secret(), "base_url": srv + "/api"})
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "rosa@example.cl", "locale": "es-CL"})
	inv := s.ok("POST", "/v1/invoices", map[string]any{"customer": cus["id"], "currency": "CLP", "collection": "send_invoice",
		"auto_finalize": true, "items": []map[string]any{{"amount": 12990, "description": "Tasación"}}})
	id, link := inv["id"].(string), inv["hosted_invoice_url"].(string)

	b.visit(link, "#gateway-flow")
	require.Equal(t, "Pagar $12.990", b.text("#pay"))
	b.checkPage()
	b.choose("#gateway-flow")
	b.click("#pay", "#commerce-order")
	require.Equal(t, "12990", b.text("#amount"))
	b.choose("#card-" + flowsim.CardVisa)
	b.click("#pay", "#paid")
	require.Equal(t, link, b.location())
	require.Equal(t, "Pagado", b.text("#status"))
	b.checkPage()

	got := s.ok("GET", "/v1/invoices/"+id, nil)
	require.Equal(t, "paid", got["status"])
	pays := s.ok("GET", "/v1/payments?invoice="+id, nil)["data"].([]any)
	require.Len(t, pays, 1)
	pay := pays[0].(map[string]any)
	require.Equal(t, "flow", pay["gateway"])
	require.Equal(t, "succeeded", pay["status"])
	var charged int64
	for _, e := range fs.Ledger() {
		if e.MovedMoney() {
			require.Equal(t, id+"-1", e.CommerceOrder, "Flow's commerceOrder is the payment's idempotency key")
			charged += e.Amount
		}
	}
	require.EqualValues(t, 12990, charged, "Flow took the money once")
}

// TestCheckoutPaymentMode: a payment-mode checkout sells a one-time
// price: no billing cycle, the sim's pay page, a decline that leaves the
// checkout open with the reason, then a good card and the merchant's
// success page; the session is complete and its invoice paid.
func TestCheckoutPaymentMode(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	prod := s.product("Kit de bienvenida", nil)
	price := s.ok("POST", "/v1/prices", map[string]any{"product": prod, "unit_amount": 15000, "currency": "CLP"})["id"].(string)
	id, u := s.checkout(map[string]any{"mode": "payment", "line_items": []map[string]any{{"price": price, "quantity": 2}}, "locale": "es-CL"})

	b.visit(u, "#pay")
	require.Equal(t, "$15.000", b.text("#line-"+price))
	require.Equal(t, "Pagar", b.text("#title"), "a one-time purchase is paid, not subscribed to")
	require.Equal(t, "Pagar", b.text("#pay"))
	b.checkPage()
	b.typeInto("#email", "ines@example.cl")
	b.click("#pay", "#card-"+billing.SimTokChargeDeclined)
	require.Equal(t, "$30.000", b.text("#amount"))
	b.choose("#card-" + billing.SimTokChargeDeclined)
	b.click("#pay", "#error")
	require.Contains(t, b.location(), "/checkout/"+id)
	require.Equal(t, "open", s.ok("GET", "/v1/checkout_sessions/"+id, nil)["status"])
	b.checkPage()

	b.click("#pay", "#card-"+billing.SimTokVisa)
	b.choose("#card-" + billing.SimTokVisa)
	b.click("#pay", "#merchant-page")
	require.Contains(t, b.location(), "session_id="+id)

	cs := s.ok("GET", "/v1/checkout_sessions/"+id, nil)
	require.Equal(t, "complete", cs["status"])
	require.Nil(t, cs["subscription"])
	inv := s.ok("GET", "/v1/invoices/"+cs["invoice"].(string), nil)
	require.Equal(t, "paid", inv["status"])
	require.EqualValues(t, 30000, inv["amount_paid"])
	require.Equal(t, cs["customer"], inv["customer"])
}

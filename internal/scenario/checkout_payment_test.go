package scenario_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
)

// TestPaymentCheckout: a payment-mode checkout sells one-time prices
// through a one-off invoice paid on the gateway's pay page; a decline
// leaves the session open for another card, and the session completes
// once the gateway says the invoice is paid — with one invoice however
// many attempts.
func TestPaymentCheckout(t *testing.T) {
	runScenarios(t, []scenario{{"DeclineThenPay", scenarioPaymentCheckout}, {"CustomerDeletedMeanwhile", scenarioPaymentCheckoutDeletedCustomer}})
}

// scenarioPaymentCheckoutDeletedCustomer: a checkout session opened for a
// customer who is deleted before paying makes nothing for them: no
// invoice, no pay page.
func scenarioPaymentCheckoutDeletedCustomer(t *testing.T, h *harness) {
	h.begin("America/Santiago", time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
	kit := h.oneTimePrice("Kit de bienvenida", 15_000, "CLP")
	cus := h.customer("ines@example.cl")
	cs, link, err := h.app.Checkout.CreateCheckoutSession(h.ctx, h.s, app.CreateCheckoutParams{Mode: billing.CheckoutModePayment,
		Customer: cus.ID, LineItems: []app.ItemParams{{Price: kit.ID}},
		SuccessURL: "https://shop.example.cl/ok", CancelURL: "https://shop.example.cl/back"})
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	_, err = h.app.Customers.DeleteCustomer(h.ctx, h.s, cus.ID)
	require.NoError(t, err)

	_, err = h.app.Checkout.SubmitCheckout(h.ctx, cs.ID, u.Query().Get("token"), app.CheckoutSubmit{Gateway: billing.GatewaySim})
	requireCode(t, err, billing.CodeResourceMissing)
	got, err := h.app.Checkout.GetCheckoutSession(h.ctx, h.s, cs.ID)
	require.NoError(t, err)
	require.Empty(t, got.InvoiceID)
	invs, err := h.app.Invoicing.ListInvoices(h.ctx, h.s, billing.InvoiceFilter{CustomerID: cus.ID}, billing.Page{})
	require.NoError(t, err)
	require.Empty(t, invs.Data, "nothing is billed to a deleted customer")
}

func scenarioPaymentCheckout(t *testing.T, h *harness) {
	h.begin("America/Santiago", time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
	kit := h.oneTimePrice("Kit de bienvenida", 15_000, "CLP")
	_, _, err := h.app.Checkout.CreateCheckoutSession(h.ctx, h.s, app.CreateCheckoutParams{Mode: billing.CheckoutModePayment,
		LineItems:  []app.ItemParams{{Price: h.price(5_000, "CLP", billing.IntervalMonth, 0).ID}},
		SuccessURL: "https://shop.example.cl/ok", CancelURL: "https://shop.example.cl/back"})
	requireCode(t, err, billing.CodeParameterInvalid) // recurring prices are for subscription checkouts
	_, _, err = h.app.Checkout.CreateCheckoutSession(h.ctx, h.s, app.CreateCheckoutParams{Mode: billing.CheckoutModePayment,
		LineItems: []app.ItemParams{{Price: kit.ID}}, AllowPromotionCodes: true,
		SuccessURL: "https://shop.example.cl/ok", CancelURL: "https://shop.example.cl/back"})
	requireCode(t, err, billing.CodeParameterInvalid)

	cs, link, err := h.app.Checkout.CreateCheckoutSession(h.ctx, h.s, app.CreateCheckoutParams{Mode: billing.CheckoutModePayment,
		LineItems:  []app.ItemParams{{Price: kit.ID, Quantity: 2}},
		SuccessURL: "https://shop.example.cl/ok", CancelURL: "https://shop.example.cl/back"})
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	secret := u.Query().Get("token")
	view, err := h.app.Checkout.OpenCheckout(h.ctx, cs.ID, secret)
	require.NoError(t, err)
	require.Equal(t, int64(30_000), view.Subtotal)
	require.Empty(t, view.Choices, "one-time prices have no billing cycle to choose")
	require.Equal(t, []string{billing.GatewaySim}, view.Gateways)

	submit := func() string {
		t.Helper()
		dest, err := h.app.Checkout.SubmitCheckout(h.ctx, cs.ID, secret, app.CheckoutSubmit{Email: "ines@example.cl", Gateway: billing.GatewaySim})
		require.NoError(t, err)
		require.Contains(t, dest, "/sim/pay/")
		return dest
	}
	back, err := h.app.PayPages.PaySimPage(h.ctx, refOf(t, submit()), billing.SimTokChargeDeclined)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(back, "https://billing.example.test/checkout/"+cs.ID+"/return?token="), back)
	out, err := h.app.Checkout.ReturnCheckout(h.ctx, cs.ID, secret)
	require.NoError(t, err)
	require.False(t, out.Done)
	require.Equal(t, app.CheckoutFailDeclined, out.Failure)
	require.Equal(t, sim.FailCardDeclined, out.FailureCode)
	got, err := h.app.Checkout.GetCheckoutSession(h.ctx, h.s, cs.ID)
	require.NoError(t, err)
	require.Equal(t, billing.CheckoutOpen, got.Status)
	require.NotEmpty(t, got.InvoiceID)

	_, err = h.app.PayPages.PaySimPage(h.ctx, refOf(t, submit()), billing.SimTokVisa)
	require.NoError(t, err)
	out, err = h.app.Checkout.ReturnCheckout(h.ctx, cs.ID, secret)
	require.NoError(t, err)
	require.True(t, out.Done)
	require.Equal(t, "https://shop.example.cl/ok?session_id="+cs.ID, out.RedirectURL)
	again, err := h.app.Checkout.ReturnCheckout(h.ctx, cs.ID, secret)
	require.NoError(t, err)
	require.Equal(t, out, again, "a second return changes nothing")

	got, err = h.app.Checkout.GetCheckoutSession(h.ctx, h.s, cs.ID)
	require.NoError(t, err)
	require.Equal(t, billing.CheckoutComplete, got.Status)
	inv, err := h.app.Invoicing.GetInvoice(h.ctx, h.s, got.InvoiceID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, inv.Status)
	require.Equal(t, int64(30_000), inv.AmountPaid)
	require.Equal(t, got.CustomerID, inv.CustomerID)
	invs, err := h.app.Invoicing.ListInvoices(h.ctx, h.s, billing.InvoiceFilter{CustomerID: got.CustomerID}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, invs.Data, 1, "one invoice however many attempts")
	pays := h.payments(inv.ID)
	require.Equal(t, []billing.PaymentStatus{billing.PaymentFailed, billing.PaymentSucceeded}, []billing.PaymentStatus{pays[0].Status, pays[1].Status})
	emails, err := h.app.Notifications.ListEmails(h.ctx, h.s, billing.EmailFilter{Template: "invoice_to_pay"}, billing.Page{})
	require.NoError(t, err)
	require.Empty(t, emails.Data, "a checkout's invoice is paid on the spot, not emailed")
	require.Contains(t, h.eventTypes(), app.EventCheckoutSessionCompleted)
}

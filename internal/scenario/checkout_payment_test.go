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
	runScenarios(t, []scenario{{"DeclineThenPay", scenarioPaymentCheckout}, {"CustomerDeletedMeanwhile", scenarioPaymentCheckoutDeletedCustomer},
		{"IVAExclusiveInclusiveExempt", scenarioPaymentCheckoutTax}})
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

// A one-time checkout is taxed as every invoice is (billing.
// ComputeInvoiceTax), and its page says so before the customer pays:
//
//   - the merchant's default IVA 19 % exclusive, 2 × CLP 15.000: subtotal
//     30.000, IVA 5.700, total 35.700 on the page and on the invoice paid;
//   - a price carrying its own IVA 19 % inclusive, CLP 11.900: IVA
//     round(11.900 × 19 / 119) = 1.900 included, total 11.900;
//   - a tax-exempt customer pays 30.000 for the first purchase, no tax.
func scenarioPaymentCheckoutTax(t *testing.T, h *harness) {
	h.begin("America/Santiago", time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
	exclusive, inclusive := h.taxRate("IVA", "19", false), h.taxRate("IVA", "19", true)
	_, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{DefaultTaxRates: &[]string{exclusive.ID}, Mode: h.s.Mode})
	require.NoError(t, err)
	kit := h.oneTimePrice("Kit de bienvenida", 15_000, "CLP")
	amount := int64(11_900)
	course, err := h.app.Catalog.CreatePrice(h.ctx, h.s, app.CreatePriceParams{Product: h.product("Curso", nil).ID, UnitAmount: &amount,
		Currency: "CLP", TaxRates: []string{inclusive.ID}})
	require.NoError(t, err)
	exempt := h.customer("exenta@example.cl")
	_, err = h.app.Customers.UpdateCustomer(h.ctx, h.s, exempt.ID, app.CustomerParams{TaxExempt: ptr(billing.TaxExemptExempt)})
	require.NoError(t, err)

	buy := func(item app.ItemParams, customer string, subtotal, total int64, want ...billing.TaxAmount) {
		t.Helper()
		cs, link, err := h.app.Checkout.CreateCheckoutSession(h.ctx, h.s, app.CreateCheckoutParams{Mode: billing.CheckoutModePayment,
			LineItems: []app.ItemParams{item}, Customer: customer,
			SuccessURL: "https://shop.example.cl/ok", CancelURL: "https://shop.example.cl/back"})
		require.NoError(t, err)
		u, err := url.Parse(link)
		require.NoError(t, err)
		secret := u.Query().Get("token")
		view, err := h.app.Checkout.OpenCheckout(h.ctx, cs.ID, secret)
		require.NoError(t, err)
		require.Equal(t, []int64{subtotal, total}, []int64{view.Subtotal, view.Total}, "the page's subtotal and total")
		require.Equal(t, want, view.Tax.Amounts, "the page's tax")

		in := app.CheckoutSubmit{Gateway: billing.GatewaySim}
		if customer == "" {
			in.Email = "ines@example.cl"
		}
		dest, err := h.app.Checkout.SubmitCheckout(h.ctx, cs.ID, secret, in)
		require.NoError(t, err)
		_, err = h.app.PayPages.PaySimPage(h.ctx, refOf(t, dest), billing.SimTokVisa)
		require.NoError(t, err)
		out, err := h.app.Checkout.ReturnCheckout(h.ctx, cs.ID, secret)
		require.NoError(t, err)
		require.True(t, out.Done)
		got, err := h.app.Checkout.GetCheckoutSession(h.ctx, h.s, cs.ID)
		require.NoError(t, err)
		inv, err := h.app.Invoicing.GetInvoice(h.ctx, h.s, got.InvoiceID)
		require.NoError(t, err)
		require.Equal(t, billing.InvoicePaid, inv.Status)
		require.Equal(t, []int64{subtotal, total, total}, []int64{inv.Subtotal, inv.Total, inv.AmountPaid}, "the invoice's subtotal, total and amount paid")
		if len(want) == 0 {
			want = nil
		}
		require.Equal(t, want, inv.TaxAmounts, "the invoice's tax is the page's")
	}
	buy(app.ItemParams{Price: kit.ID, Quantity: 2}, "", 30_000, 35_700, taxOf(exclusive, 5_700, 30_000))
	buy(app.ItemParams{Price: course.ID}, "", 11_900, 11_900, taxOf(inclusive, 1_900, 10_000))
	buy(app.ItemParams{Price: kit.ID, Quantity: 2}, exempt.ID, 30_000, 30_000)
}

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/stripegw/stripefake"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/secretbox"
)

// TestStripeOverHTTP runs USD and CLP subscriptions on Stripe end to end:
// the real program on each database, the Stripe fake over real HTTP, a
// person's browser walked through Stripe's (fake) hosted Checkout page
// with plain HTTP requests, and Stripe's signed webhooks posted to cuota.
func TestStripeOverHTTP(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "cuota.db")
		exerciseStripe(t, startProgram(t, "sqlite:"+path), false)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		exerciseStripe(t, startProgram(t, pgtest.URL(t), "CUOTA_SECRET_KEY", secretbox.NewKey()), true)
	})
}

const (
	e2eStripeKey    = "sk_test_e2efake"
	e2eStripeSecret = "whsec_e2e_secret"
)

// stripeCheckout saves card on the fake's hosted Checkout page at
// setupURL and follows Stripe's redirect back to cuota's return page; it
// returns where cuota sends the browser then.
func stripeCheckout(t *testing.T, setupURL, card string) string {
	t.Helper()
	res, err := http.Get(setupURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(page))
	res, err = noRedirect.PostForm(setupURL, url.Values{"card": {card}, "action": {"save"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	back := res.Header.Get("Location")
	require.Contains(t, back, "/return/stripe/setup/")
	res, err = noRedirect.Get(back) // Stripe sends the browser with a GET
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode, string(body))
	return res.Header.Get("Location")
}

// payKey is the idempotency key of a payment as the API shows it
// (billing.PaymentIdempotencyKey: invoice id, "-", attempt).
func payKey(pay map[string]any) string {
	return billing.PaymentIdempotencyKey(pay["invoice"].(string), int64(pay["attempt"].(float64)))
}

// fakePaymentMethod returns the Stripe payment method a session saved.
func fakePaymentMethod(t *testing.T, fake *stripefake.Server, setupURL string) string {
	t.Helper()
	sess, err := fake.Object(setupURL[strings.LastIndex(setupURL, "/")+1:])
	require.NoError(t, err)
	si, err := fake.Object(sess["setup_intent"].(string))
	require.NoError(t, err)
	return si["payment_method"].(string)
}

func exerciseStripe(t *testing.T, p *program, encrypted bool) {
	key := p.key
	fake := stripefake.New(e2eStripeKey)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	t.Cleanup(fake.Close)
	fake.SetBaseURL(srv.URL)
	merchantID := p.ok("GET", "/v1/merchant", key, nil)["id"].(string)
	hook := p.base + "/webhooks/stripe/" + merchantID + "/test"
	send := func(typ, id string) {
		t.Helper()
		obj, err := fake.Object(id)
		require.NoError(t, err)
		status, body, err := stripefake.Send(context.Background(), hook, e2eStripeSecret, fake.Event(typ, obj))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, body)
	}

	// A key Stripe refuses is not saved; the real one is, sealed at rest.
	r := p.do("PUT", "/v1/merchant/gateways/stripe", key, map[string]any{"api_key": "sk_test_wrong", "base_url": srv.URL})
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
	require.Equal(t, "gateway_credentials_invalid", r.body["code"])
	cfg := p.ok("PUT", "/v1/merchant/gateways/stripe", key, map[string]any{"api_key": e2eStripeKey,
		"webhook_secret": e2eStripeSecret, "base_url": srv.URL})
	require.Equal(t, encrypted, cfg["encrypted"])
	require.NotContains(t, p.do("GET", "/v1/merchant/gateways", key, nil).raw, e2eStripeSecret)

	// A USD plan, a CLP plan, and a customer on a test clock.
	t0 := time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)
	clockID := p.ok("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": t0.Unix()})["id"].(string)
	prod := p.ok("POST", "/v1/products", key, map[string]any{"name": "Listings Pro"})
	usd := p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": 1999, "currency": "USD",
		"recurring": map[string]any{"interval": "month"}})
	clp := p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": 9990, "currency": "CLP",
		"recurring": map[string]any{"interval": "month"}})
	cusID := p.ok("POST", "/v1/customers", key, map[string]any{"email": "ana@example.com", "name": "Ana", "test_clock": clockID})["id"].(string)

	// Card setup on Stripe's hosted page; cuota asks Stripe, not the browser.
	setup := p.ok("POST", "/v1/customers/"+cusID+"/payment_method_setups", key, map[string]any{"gateway": "stripe",
		"return_url": "https://shop.example.com/card"})
	setupURL := setup["url"].(string)
	require.True(t, strings.HasPrefix(setupURL, srv.URL+"/c/pay/cs_test_"), setupURL)
	dest := stripeCheckout(t, setupURL, stripefake.CardVisa)
	require.Equal(t, "https://shop.example.com/card?setup_id="+setup["id"].(string)+"&status=succeeded", dest)
	// Stripe's checkout.session.completed arrives too: no second card.
	send("checkout.session.completed", setupURL[strings.LastIndex(setupURL, "/")+1:])
	pms := p.ok("GET", "/v1/customers/"+cusID+"/payment_methods", key, nil)["data"].([]any)
	require.Len(t, pms, 1)
	pm := pms[0].(map[string]any)
	require.Equal(t, "stripe", pm["gateway"])
	require.Equal(t, "4242", pm["last4"])
	require.Equal(t, "visa", pm["brand"])
	stripePM := fakePaymentMethod(t, fake, setupURL)

	// The first payment: a PaymentIntent at creation, 19.99 USD as 1999.
	sub := p.ok("POST", "/v1/subscriptions", key, map[string]any{"customer": cusID, "items": []map[string]any{{"price": usd["id"]}},
		"payment_method": pm["id"]})
	subID := sub["id"].(string)
	require.Equal(t, "active", sub["status"])
	led := fake.Ledger()
	require.Len(t, led, 1)
	require.EqualValues(t, 1999, led[0].Amount)
	require.Equal(t, "usd", led[0].Currency)

	// First renewal: Stripe charges and answers 500 (the answer its
	// Idempotency-Key then replays). Unknown until the lookup finds the
	// PaymentIntent; never charged again.
	fake.FaultNext("/v1/payment_intents", 1, stripefake.FaultServerErrorAfter)
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 2, 10, 12, 0, 30, 0, time.UTC).Unix()})
	invs := p.ok("GET", "/v1/invoices?subscription="+subID, key, nil)["data"].([]any)
	require.Len(t, invs, 2)
	renewal := invs[0].(map[string]any)
	pays := p.ok("GET", "/v1/payments?invoice="+renewal["id"].(string), key, nil)["data"].([]any)
	require.Len(t, pays, 1)
	require.Equal(t, "unknown", pays[0].(map[string]any)["status"], "a 500 is unknown, never failed")
	require.Len(t, fake.Ledger(), 2, "the money moved")
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 2, 10, 13, 0, 0, 0, time.UTC).Unix()})
	renewal = p.ok("GET", "/v1/invoices/"+renewal["id"].(string), key, nil)
	require.Equal(t, "paid", renewal["status"], "reconciled as paid")
	require.Len(t, fake.Ledger(), 2, "reconciliation charged nothing")

	// Second renewal: the bank declines (insufficient funds); dunning.
	fake.ChangeCard(stripePM, stripefake.CardInsufficientFunds)
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 3, 10, 13, 0, 0, 0, time.UTC).Unix()})
	require.Equal(t, "past_due", p.ok("GET", "/v1/subscriptions/"+subID, key, nil)["status"])
	open := p.ok("GET", "/v1/invoices?subscription="+subID, key, nil)["data"].([]any)[0].(map[string]any)
	require.Equal(t, "open", open["status"])
	failed := p.ok("GET", "/v1/payments?invoice="+open["id"].(string), key, nil)["data"].([]any)
	require.Equal(t, "customer", failed[0].(map[string]any)["failure_class"])
	require.Equal(t, "insufficient_funds", failed[0].(map[string]any)["failure_code"])

	// A new card through Checkout: the open invoice is retried at once.
	setup = p.ok("POST", "/v1/customers/"+cusID+"/payment_method_setups", key, map[string]any{"gateway": "stripe",
		"return_url": "https://shop.example.com/card"})
	require.Contains(t, stripeCheckout(t, setup["url"].(string), stripefake.CardMastercard), "status=succeeded")
	require.Equal(t, "active", p.ok("GET", "/v1/subscriptions/"+subID, key, nil)["status"])
	require.Equal(t, "paid", p.ok("GET", "/v1/invoices/"+open["id"].(string), key, nil)["status"])

	// A CLP plan for a second customer: 9990 CLP is sent as 9990.
	cus2 := p.ok("POST", "/v1/customers", key, map[string]any{"email": "rosa@example.cl", "name": "Rosa", "locale": "es-CL"})["id"].(string)
	setup = p.ok("POST", "/v1/customers/"+cus2+"/payment_method_setups", key, map[string]any{"gateway": "stripe",
		"return_url": "https://shop.example.com/card"})
	stripeCheckout(t, setup["url"].(string), stripefake.CardVisa)
	pm2 := p.ok("GET", "/v1/customers/"+cus2+"/payment_methods", key, nil)["data"].([]any)[0].(map[string]any)
	sub2 := p.ok("POST", "/v1/subscriptions", key, map[string]any{"customer": cus2, "items": []map[string]any{{"price": clp["id"]}},
		"payment_method": pm2["id"]})
	require.Equal(t, "active", sub2["status"])
	led = fake.Ledger()
	require.EqualValues(t, 9990, led[len(led)-1].Amount)
	require.Equal(t, "clp", led[len(led)-1].Currency)

	// SCA: a card whose bank wants the customer present. The first
	// payment waits (incomplete) until Stripe's payment_intent.succeeded.
	cus3 := p.ok("POST", "/v1/customers", key, map[string]any{"email": "li@example.com", "name": "Li"})["id"].(string)
	setup = p.ok("POST", "/v1/customers/"+cus3+"/payment_method_setups", key, map[string]any{"gateway": "stripe",
		"return_url": "https://shop.example.com/card"})
	stripeCheckout(t, setup["url"].(string), stripefake.CardRequiresAction)
	pm3 := p.ok("GET", "/v1/customers/"+cus3+"/payment_methods", key, nil)["data"].([]any)[0].(map[string]any)
	sub3 := p.ok("POST", "/v1/subscriptions", key, map[string]any{"customer": cus3, "items": []map[string]any{{"price": usd["id"]}},
		"payment_method": pm3["id"]})
	require.Equal(t, "incomplete", sub3["status"])
	pay3 := p.ok("GET", "/v1/payments?customer="+cus3, key, nil)["data"].([]any)[0].(map[string]any)
	require.Equal(t, "pending", pay3["status"])
	require.Equal(t, "authentication_required", pay3["failure_code"])
	// The customer is emailed the invoice's page, which offers to finish
	// that same charge on Stripe (no second charge).
	inv3 := p.ok("GET", "/v1/invoices?customer="+cus3, key, nil)["data"].([]any)[0].(map[string]any)
	link := inv3["hosted_invoice_url"].(string)
	emails := p.ok("GET", "/v1/emails?customer="+cus3+"&type=invoice_to_pay", key, nil)["data"].([]any)
	require.Len(t, emails, 1)
	page, err := http.Get(link)
	require.NoError(t, err)
	html, err := io.ReadAll(page.Body)
	require.NoError(t, page.Body.Close())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, string(html), `id="authenticate"`)
	require.Contains(t, string(html), `name="gateway" value="stripe"`)
	pi := fake.IntentByKey(payKey(pay3))
	require.NoError(t, fake.Authenticate(pi, true))
	send("payment_intent.succeeded", pi)
	require.Equal(t, "active", p.ok("GET", "/v1/subscriptions/"+sub3["id"].(string), key, nil)["status"])

	// Every Idempotency-Key moved money at most once, and Stripe's charges
	// are exactly cuota's succeeded payments.
	seen := map[string]bool{}
	charged := 0
	for _, e := range fake.Ledger() {
		if e.Kind != "charge" {
			continue
		}
		require.False(t, seen[e.IdempotencyKey], "key %s charged twice", e.IdempotencyKey)
		seen[e.IdempotencyKey] = true
		charged++
	}
	succeeded := 0
	for _, c := range []string{cusID, cus2, cus3} {
		for _, x := range p.ok("GET", "/v1/payments?customer="+c+"&limit=100", key, nil)["data"].([]any) {
			if x.(map[string]any)["status"] == "succeeded" {
				succeeded++
			}
		}
	}
	require.Equal(t, 5, charged) // Ana: first, renewal, retry with the new card; Rosa; Li
	require.Equal(t, charged, succeeded)

	// A partial refund Stripe settles later, confirmed by charge.refunded.
	firstPay := p.ok("GET", "/v1/payments?invoice="+invs[1].(map[string]any)["id"].(string), key, nil)["data"].([]any)[0].(map[string]any)
	fake.RefundsPending(true)
	ref := p.ok("POST", "/v1/refunds", key, map[string]any{"payment": firstPay["id"], "amount": 500, "reason": "requested_by_customer"})
	require.Equal(t, "pending", ref["status"])
	var refundID string
	for _, e := range fake.Ledger() {
		if e.Kind == "refund" {
			refundID = e.ID
			require.EqualValues(t, 500, e.Amount)
		}
	}
	require.NoError(t, fake.SettleRefund(refundID, true))
	piRef := fake.IntentByKey(payKey(firstPay))

	// A forged webhook changes nothing.
	obj, err := fake.Object(fake.LatestCharge(piRef))
	require.NoError(t, err)
	status, _, err := stripefake.Send(context.Background(), hook, "whsec_forged", fake.Event("charge.refunded", obj))
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "pending", p.ok("GET", "/v1/refunds?payment="+firstPay["id"].(string), key, nil)["data"].([]any)[0].(map[string]any)["status"])

	send("charge.refunded", fake.LatestCharge(piRef))
	refunds := p.ok("GET", "/v1/refunds?payment="+firstPay["id"].(string), key, nil)["data"].([]any)
	require.Len(t, refunds, 1)
	require.Equal(t, "succeeded", refunds[0].(map[string]any)["status"])
	send("charge.refunded", fake.LatestCharge(piRef)) // a repeat is a no-op
	require.Len(t, p.ok("GET", "/v1/events?type=refund.succeeded", key, nil)["data"], 1)
}

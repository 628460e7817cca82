package stripegw_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/breaker"
	"github.com/cuota/cuota/internal/gateway/stripegw"
	"github.com/cuota/cuota/internal/gateway/stripegw/stripefake"
)

// clock is a settable clock for the adapter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// payPagePayment records a pending pay-page payment (no saved card) with
// key, as the app does before it calls StartPayment.
func (b *bundle) payPagePayment(t *testing.T, key string, amount int64, currency string) billing.Payment {
	t.Helper()
	inv := key[:strings.LastIndex(key, "-")]
	pay := billing.Payment{ID: "pay_" + strings.ReplaceAll(key, "-", "_"), Scope: b.scope, InvoiceID: inv, CustomerID: b.cus.ID,
		Attempt: 1, Gateway: billing.GatewayStripe, Amount: amount, Currency: currency, IdempotencyKey: key,
		Status: billing.PaymentPending, Created: b.now, Updated: b.now}
	require.NoError(t, b.store.InTx(context.Background(), func(tx billing.Tx) error {
		if err := tx.Invoices.CreateInvoice(context.Background(), billing.Invoice{ID: inv, Scope: b.scope, CustomerID: b.cus.ID,
			Status: billing.InvoiceOpen, BillingReason: "manual", Currency: currency, Lines: []billing.InvoiceLine{}, Total: amount,
			AmountDue: amount, PeriodStart: b.now, PeriodEnd: b.now, Created: b.now, Updated: b.now}); err != nil {
			return err
		}
		return tx.Payments.CreatePayment(context.Background(), pay)
	}))
	return pay
}

func (b *bundle) payRequest(pay billing.Payment, expires time.Time) billing.PayRequest {
	return billing.PayRequest{Scope: b.scope, Payment: pay, Customer: b.cus, Description: "Inmobiliaria INM-0001",
		Locale: "es-CL", ReturnURL: "http://cuota.test/return/pay/" + b.scope.MerchantID + "/test/" + pay.ID + "?t=tok",
		ExpiresAt: expires}
}

// lastRequest returns the last request to path (method POST or GET).
func (b *bundle) lastRequest(t *testing.T, method, path string) stripefake.Request {
	t.Helper()
	var got *stripefake.Request
	for _, r := range b.fake.Requests() {
		if r.Method == method && r.Path == path {
			got = &r
		}
	}
	require.NotNil(t, got, "no %s %s", method, path)
	return *got
}

// count counts the requests to exactly path.
func (b *bundle) count(method, path string) int {
	n := 0
	for _, r := range b.fake.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// TestPayPagePaid: a new pay-page attempt is a Checkout Session in payment
// mode for the amount in Stripe's units (CLP as is, USD in cents) whose
// PaymentIntent carries the payment's key; it is pending until the
// customer pays, then succeeded with the PaymentIntent as reference, which
// LookupCharge, ChargeByIntent and refunds work with.
func TestPayPagePaid(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	for _, c := range []struct {
		key      string
		amount   int64
		currency string
		stripe   string
	}{
		{"in_pageclp-1", 5000, "CLP", "5000"},
		{"in_pageusd-1", 1999, "USD", "1999"},
	} {
		pay := b.payPagePayment(t, c.key, c.amount, c.currency)
		expires := time.Now().Add(time.Hour).Truncate(time.Second)
		req := b.payRequest(pay, expires)
		start, err := b.gw.StartPayment(ctx, req)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(start.GatewayRef, "cs_test_"), start.GatewayRef)
		require.Contains(t, start.RedirectURL, "/c/pay/"+start.GatewayRef)

		sent := b.lastRequest(t, "POST", "/v1/checkout/sessions")
		require.Equal(t, "cuota-pay-"+c.key, sent.IdempotencyKey)
		require.Equal(t, "payment", sent.Form.Get("mode"))
		require.Equal(t, b.fake.CustomerIDs()[0], sent.Form.Get("customer"))
		require.Equal(t, c.stripe, sent.Form.Get("line_items[0][price_data][unit_amount]"), c.currency)
		require.Equal(t, strings.ToLower(c.currency), sent.Form.Get("line_items[0][price_data][currency]"))
		require.Equal(t, "1", sent.Form.Get("line_items[0][quantity]"))
		require.Equal(t, "Inmobiliaria INM-0001", sent.Form.Get("line_items[0][price_data][product_data][name]"))
		require.Equal(t, req.ReturnURL, sent.Form.Get("success_url"))
		require.Equal(t, req.ReturnURL, sent.Form.Get("cancel_url"))
		require.Equal(t, strconv.FormatInt(expires.Unix(), 10), sent.Form.Get("expires_at"))
		require.Equal(t, "es-419", sent.Form.Get("locale"))
		require.Equal(t, pay.ID, sent.Form.Get("client_reference_id"))
		for _, prefix := range []string{"metadata", "payment_intent_data[metadata]"} {
			require.Equal(t, c.key, sent.Form.Get(prefix+"[cuota_idempotency_key]"), prefix)
			require.Equal(t, pay.ID, sent.Form.Get(prefix+"[cuota_payment_id]"), prefix)
			require.Equal(t, pay.InvoiceID, sent.Form.Get(prefix+"[cuota_invoice_id]"), prefix)
			require.Equal(t, b.scope.MerchantID, sent.Form.Get(prefix+"[cuota_merchant_id]"), prefix)
			require.Equal(t, "test", sent.Form.Get(prefix+"[cuota_mode]"), prefix)
		}

		// Not paid yet: pending, keeping the session as reference.
		pay.GatewayRef = start.GatewayRef
		res, err := b.gw.LookupPayment(ctx, pay)
		require.NoError(t, err)
		require.Equal(t, billing.ChargeResult{Status: billing.PaymentPending, GatewayRef: start.GatewayRef}, res)

		// The same request again (a re-send) is Stripe's replay: the same
		// session, not a second page.
		again, err := b.gw.StartPayment(ctx, req)
		require.NoError(t, err)
		require.Equal(t, start, again)

		dest, err := b.fake.PayCheckout(start.GatewayRef, stripefake.CardVisa)
		require.NoError(t, err)
		require.Equal(t, req.ReturnURL, dest)

		res, err = b.gw.LookupPayment(ctx, pay)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentSucceeded, res.Status)
		require.True(t, strings.HasPrefix(res.GatewayRef, "pi_"), res.GatewayRef)
		led := b.fake.Charges(c.key)
		require.Len(t, led, 1)
		require.EqualValues(t, c.amount, led[0].Amount, "CLP is zero-decimal, USD in cents: cuota's minor units as they are")
		require.Equal(t, []string{res.GatewayRef}, b.fake.Intents(c.key))

		// The PaymentIntent is found by the key, as an off-session charge's.
		got, found, err := b.gw.LookupCharge(ctx, b.scope, c.key)
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, res, got)
		key, viaEvent, err := b.gw.ChargeByIntent(ctx, b.scope, res.GatewayRef)
		require.NoError(t, err)
		require.Equal(t, c.key, key)
		require.Equal(t, res, viaEvent)
		key, viaSession, err := b.gw.PaymentBySession(ctx, b.scope, start.GatewayRef)
		require.NoError(t, err)
		require.Equal(t, c.key, key)
		require.Equal(t, res, viaSession)

		// Refunds go to the PaymentIntent, as for card charges.
		refund, err := b.gw.Refund(ctx, billing.RefundRequest{Scope: b.scope, IdempotencyKey: "re_" + c.key, ChargeKey: c.key,
			ChargeRef: res.GatewayRef, Amount: c.amount / 2, Currency: c.currency})
		require.NoError(t, err)
		require.Equal(t, billing.RefundSucceeded, refund.Status)
	}
	require.Len(t, b.fake.CustomerIDs(), 1, "one Stripe customer for every page")
}

// TestPayPageRetriesThenPays: a declined card on Checkout is not the
// payment's end (the customer may try another card while the page is
// open): lookups and payment_intent events say pending until it is paid.
func TestPayPageRetriesThenPays(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	pay := b.payPagePayment(t, "in_retry-1", 12000, "CLP")
	start, err := b.gw.StartPayment(ctx, b.payRequest(pay, time.Now().Add(time.Hour)))
	require.NoError(t, err)
	pay.GatewayRef = start.GatewayRef

	_, err = b.fake.PayCheckout(start.GatewayRef, stripefake.CardInsufficientFunds)
	var decline *stripefake.DeclineError
	require.ErrorAs(t, err, &decline)
	require.Equal(t, "insufficient_funds", decline.DeclineCode)
	res, err := b.gw.LookupPayment(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, res.Status)
	require.Equal(t, start.GatewayRef, res.GatewayRef, "a pending lookup keeps the session as reference")
	pi := b.fake.SessionIntent(start.GatewayRef)
	key, viaEvent, err := b.gw.ChargeByIntent(ctx, b.scope, pi)
	require.NoError(t, err)
	require.Equal(t, "in_retry-1", key)
	require.Equal(t, billing.PaymentPending, viaEvent.Status, "payment_intent.payment_failed on a pay page changes nothing")
	got, found, err := b.gw.LookupCharge(ctx, b.scope, "in_retry-1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, billing.PaymentPending, got.Status)

	// 3-D Secure on Checkout, then paid.
	_, err = b.fake.PayCheckout(start.GatewayRef, stripefake.CardRequiresAction)
	require.ErrorIs(t, err, stripefake.ErrRequiresAction)
	res, err = b.gw.LookupPayment(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, res.Status)
	require.NoError(t, b.fake.Authenticate(pi, true))
	res, err = b.gw.LookupPayment(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: pi}, res)
	require.Len(t, b.fake.Charges("in_retry-1"), 1)
	require.Equal(t, []string{pi}, b.fake.Intents("in_retry-1"), "every attempt on the page is the same PaymentIntent")
}

// TestPayPageExpiredOrAbandoned: a page nobody pays is pending while it is
// open; Stripe's expiry fails it (payment_page_expired, a customer
// failure); a page still open after cuota's expiry is expired at Stripe
// by the lookup, so it cannot be paid after cuota gave up on it.
func TestPayPageExpiredOrAbandoned(t *testing.T) {
	clk := &clock{t: time.Now()}
	b := setup(t, func(o *stripegw.Options) { o.Now = clk.Now })
	ctx := context.Background()

	// Abandoned: pending while the page is open.
	abandoned := b.payPagePayment(t, "in_abandon-1", 5000, "CLP")
	start, err := b.gw.StartPayment(ctx, b.payRequest(abandoned, clk.Now().Add(time.Hour)))
	require.NoError(t, err)
	abandoned.GatewayRef = start.GatewayRef
	res, err := b.gw.LookupPayment(ctx, abandoned)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, res.Status)

	// Stripe expired it (after a declined attempt): failed.
	_, err = b.fake.PayCheckout(start.GatewayRef, stripefake.CardDeclined)
	require.Error(t, err)
	b.fake.ExpireCheckout(start.GatewayRef)
	res, err = b.gw.LookupPayment(ctx, abandoned)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, res.Status)
	require.Equal(t, billing.FailureCustomer, res.FailureClass)
	require.Equal(t, stripegw.CodePaymentPageExpired, res.FailureCode)
	require.Contains(t, res.FailureMessage, "Your card was declined.")
	require.Equal(t, start.GatewayRef, res.GatewayRef)
	key, viaEvent, err := b.gw.ChargeByIntent(ctx, b.scope, b.fake.SessionIntent(start.GatewayRef))
	require.NoError(t, err)
	require.Equal(t, "in_abandon-1", key)
	require.Equal(t, billing.PaymentFailed, viaEvent.Status, "the session's expiry canceled its PaymentIntent")
	require.Equal(t, stripegw.CodePaymentPageExpired, viaEvent.FailureCode)
	require.Empty(t, b.fake.Charges("in_abandon-1"))

	// A later expiry than Stripe allows is shortened to under 24 hours.
	long := b.payPagePayment(t, "in_long-1", 2000, "USD")
	_, err = b.gw.StartPayment(ctx, b.payRequest(long, clk.Now().Add(72*time.Hour)))
	require.NoError(t, err)
	sent := b.lastRequest(t, "POST", "/v1/checkout/sessions")
	at, err := strconv.ParseInt(sent.Form.Get("expires_at"), 10, 64)
	require.NoError(t, err)
	require.LessOrEqual(t, at, clk.Now().Add(24*time.Hour).Unix())
	require.Greater(t, at, clk.Now().Add(23*time.Hour).Unix())

	// An expiry already past: refused, nothing sent.
	before := len(b.fake.Requests())
	past := b.payPagePayment(t, "in_past-1", 2000, "USD")
	_, err = b.gw.StartPayment(ctx, b.payRequest(past, clk.Now().Add(-time.Minute)))
	require.Equal(t, billing.KindInvalid, billing.AsError(err).Kind)
	require.Len(t, b.fake.Requests(), before)

	// A session whose id cuota never stored (it crashed after Stripe
	// answered) is found by the payment's key among the customer's.
	lost := b.payPagePayment(t, "in_lost-1", 3000, "CLP")
	start, err = b.gw.StartPayment(ctx, b.payRequest(lost, clk.Now().Add(time.Hour)))
	require.NoError(t, err)
	res, err = b.gw.LookupPayment(ctx, lost)
	require.NoError(t, err)
	require.Equal(t, billing.ChargeResult{Status: billing.PaymentPending, GatewayRef: start.GatewayRef}, res)
	_, err = b.fake.PayCheckout(start.GatewayRef, stripefake.CardVisa)
	require.NoError(t, err)
	res, err = b.gw.LookupPayment(ctx, lost)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentSucceeded, res.Status)
	// None at all: nothing was ever paid.
	never := b.payPagePayment(t, "in_never2-1", 3000, "CLP")
	res, err = b.gw.LookupPayment(ctx, never)
	require.NoError(t, err)
	require.Equal(t, billing.ChargeResult{Status: billing.PaymentPending}, res)

	// A session is only good for the payment it was made for.
	other := lost
	other.IdempotencyKey = "in_other-1"
	other.GatewayRef = start.GatewayRef
	_, err = b.gw.LookupPayment(ctx, other)
	require.ErrorContains(t, err, "is not the one of payment")

	// cuota's expiry sooner than Stripe's minimum: the session gets 31
	// minutes, and the first lookup after cuota's expiry ends it.
	short := b.payPagePayment(t, "in_short-1", 2000, "USD")
	start, err = b.gw.StartPayment(ctx, b.payRequest(short, clk.Now().Add(10*time.Minute)))
	require.NoError(t, err)
	sent = b.lastRequest(t, "POST", "/v1/checkout/sessions")
	require.Equal(t, strconv.FormatInt(clk.Now().Add(31*time.Minute).Unix(), 10), sent.Form.Get("expires_at"))
	short.GatewayRef = start.GatewayRef
	res, err = b.gw.LookupPayment(ctx, short)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, res.Status, "before cuota's expiry")
	require.Zero(t, b.count("POST", "/v1/checkout/sessions/"+start.GatewayRef+"/expire"))
	clk.Add(10 * time.Minute)
	res, err = b.gw.LookupPayment(ctx, short)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, res.Status)
	require.Equal(t, stripegw.CodePaymentPageExpired, res.FailureCode)
	require.Equal(t, 1, b.count("POST", "/v1/checkout/sessions/"+start.GatewayRef+"/expire"))
	_, err = b.fake.PayCheckout(start.GatewayRef, stripefake.CardVisa)
	require.Error(t, err, "an expired page can no longer be paid")
	require.Empty(t, b.fake.Charges("in_short-1"))

	// Paid just before cuota's expiry: the lookup afterwards does not
	// expire it (Stripe refuses) and reports the success.
	late := b.payPagePayment(t, "in_late-1", 2000, "USD")
	start, err = b.gw.StartPayment(ctx, b.payRequest(late, clk.Now().Add(time.Hour)))
	require.NoError(t, err)
	late.GatewayRef = start.GatewayRef
	_, err = b.fake.PayCheckout(start.GatewayRef, stripefake.CardVisa)
	require.NoError(t, err)
	clk.Add(2 * time.Hour)
	res, err = b.gw.LookupPayment(ctx, late)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentSucceeded, res.Status)
}

// TestPayPageAuthenticatesTheSameCharge: a renewal whose PaymentIntent
// waits in requires_action is authenticated on that same PaymentIntent:
// confirmed again on session with the return_url, Stripe names the bank's
// page (redirect_to_url), the customer authenticates there and comes back
// to cuota, and LookupCharge reports the charge succeeded. Exactly one
// PaymentIntent and one charge exist.
func TestPayPageAuthenticatesTheSameCharge(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	pm := b.saved(t, stripefake.CardRequiresAction)
	res, err := b.charge(t, pm, "in_auth-1", 2500, "EUR")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, res.Status)
	require.Equal(t, stripegw.CodeAuthenticationRequired, res.FailureCode)
	pay := billing.Payment{ID: "pay_in_auth_1", Scope: b.scope, InvoiceID: "in_auth", CustomerID: b.cus.ID, Attempt: 1,
		Gateway: billing.GatewayStripe, PaymentMethodID: "pm_x", Amount: 2500, Currency: "EUR", IdempotencyKey: "in_auth-1",
		GatewayRef: res.GatewayRef, Status: billing.PaymentPending, FailureCode: stripegw.CodeAuthenticationRequired}
	req := b.payRequest(pay, time.Now().Add(time.Hour))
	creates := b.count("POST", "/v1/payment_intents")

	start, err := b.gw.StartPayment(ctx, req)
	require.NoError(t, err)
	require.Equal(t, res.GatewayRef, start.GatewayRef, "the same PaymentIntent")
	require.Contains(t, start.RedirectURL, "/3ds/"+res.GatewayRef)
	confirm := b.lastRequest(t, "POST", "/v1/payment_intents/"+res.GatewayRef+"/confirm")
	require.Equal(t, req.ReturnURL, confirm.Form.Get("return_url"))
	require.Equal(t, "false", confirm.Form.Get("use_stripe_sdk"))
	require.Equal(t, "false", confirm.Form.Get("off_session"))
	require.Empty(t, confirm.Form.Get("amount"), "nothing about the charge changes")
	got, _, err := b.gw.LookupCharge(ctx, b.scope, "in_auth-1")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, got.Status, "waiting for the customer")
	require.Empty(t, b.fake.Charges("in_auth-1"))

	// The customer authenticates on the bank's page and comes back to
	// cuota's return page.
	back := authenticate(t, start.RedirectURL, "complete")
	require.True(t, strings.HasPrefix(back, req.ReturnURL), back)
	got, found, err := b.gw.LookupCharge(ctx, b.scope, "in_auth-1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: res.GatewayRef}, got)
	viaPage, err := b.gw.LookupPayment(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, got, viaPage)
	require.Len(t, b.fake.Charges("in_auth-1"), 1)
	require.Equal(t, []string{res.GatewayRef}, b.fake.Intents("in_auth-1"))
	require.Equal(t, creates, b.count("POST", "/v1/payment_intents"), "no PaymentIntent was created")

	// Asked again once it succeeded: not confirmed again; the customer
	// goes straight back to cuota, which reads the outcome.
	confirms := b.count("POST", "/v1/payment_intents/"+res.GatewayRef+"/confirm")
	again, err := b.gw.StartPayment(ctx, req)
	require.NoError(t, err)
	require.Equal(t, billing.PayStart{RedirectURL: req.ReturnURL, GatewayRef: res.GatewayRef}, again)
	require.Equal(t, confirms, b.count("POST", "/v1/payment_intents/"+res.GatewayRef+"/confirm"))
	require.Len(t, b.fake.Charges("in_auth-1"), 1)

	// Authentication failed: a decline; a canceled one is not confirmed.
	res2, err := b.charge(t, pm, "in_auth2-1", 2500, "EUR")
	require.NoError(t, err)
	pay2 := pay
	pay2.ID, pay2.IdempotencyKey, pay2.GatewayRef = "pay_in_auth2_1", "in_auth2-1", res2.GatewayRef
	start, err = b.gw.StartPayment(ctx, b.payRequest(pay2, time.Now().Add(time.Hour)))
	require.NoError(t, err)
	authenticate(t, start.RedirectURL, "fail")
	got, _, err = b.gw.LookupCharge(ctx, b.scope, "in_auth2-1")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, got.Status)
	require.Equal(t, billing.FailureCustomer, got.FailureClass)
	require.Empty(t, b.fake.Charges("in_auth2-1"))
	confirms = b.count("POST", "/v1/payment_intents/"+res2.GatewayRef+"/confirm")
	again, err = b.gw.StartPayment(ctx, b.payRequest(pay2, time.Now().Add(time.Hour)))
	require.NoError(t, err)
	require.Equal(t, b.payRequest(pay2, time.Time{}).ReturnURL, again.RedirectURL)
	require.Equal(t, confirms, b.count("POST", "/v1/payment_intents/"+res2.GatewayRef+"/confirm"),
		"a PaymentIntent that failed is not confirmed again")

	// Another payment's PaymentIntent is refused.
	wrong := pay
	wrong.IdempotencyKey = "in_someone-1"
	_, err = b.gw.StartPayment(ctx, b.payRequest(wrong, time.Now().Add(time.Hour)))
	require.ErrorContains(t, err, "is not the charge of payment")
	noRef := pay
	noRef.GatewayRef = ""
	_, err = b.gw.StartPayment(ctx, b.payRequest(noRef, time.Now().Add(time.Hour)))
	require.Equal(t, billing.KindInvalid, billing.AsError(err).Kind)
}

// authenticate answers the fake bank's 3-D Secure page at redirect with
// action ("complete" or "fail") and returns where it sends the browser.
func authenticate(t *testing.T, redirect, action string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(redirect, url.Values{"action": {action}})
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	return res.Header.Get("Location")
}

// TestPayPageBreaker: pay pages go through the scope's circuit breaker:
// after repeated Stripe failures a new page is refused before anything is
// sent.
func TestPayPageBreaker(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	b.fake.FaultNext("/v1/checkout/sessions", breaker.Threshold, stripefake.FaultServerErrorBefore)
	for i := range breaker.Threshold {
		pay := b.payPagePayment(t, fmt.Sprintf("in_pbrk%d-1", i), 1000, "USD")
		_, err := b.gw.StartPayment(ctx, b.payRequest(pay, time.Now().Add(time.Hour)))
		require.Error(t, err)
		require.Nil(t, billing.AsError(err), "Stripe not answering is not the caller's fault")
	}
	require.False(t, b.gw.Available(b.scope))
	pay := b.payPagePayment(t, "in_pbrkopen-1", 1000, "USD")
	before := len(b.fake.Requests())
	_, err := b.gw.StartPayment(ctx, b.payRequest(pay, time.Now().Add(time.Hour)))
	require.True(t, errors.Is(err, breaker.ErrOpen), "%v", err)
	require.Len(t, b.fake.Requests(), before)
}

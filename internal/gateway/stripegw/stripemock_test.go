package stripegw

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v86"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite"
)

// stripeMockInstall is how CI and developers get the validator.
const stripeMockInstall = "go install github.com/stripe/stripe-mock@v0.203.0"

// stripeMockBinary finds stripe-mock: $STRIPE_MOCK, $GOBIN, $GOPATH/bin,
// ~/go/bin, then $PATH.
func stripeMockBinary() string {
	if p := os.Getenv("STRIPE_MOCK"); p != "" {
		return p
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if d := os.Getenv("GOPATH"); d != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(d)[0], "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "stripe-mock")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	return ""
}

// startStripeMock runs stripe-mock on free loopback ports (both its HTTP
// and HTTPS listeners bound to 127.0.0.1: given one address only,
// stripe-mock still opens the other listener on every interface),
// with -strict-version-check so that a request whose Stripe-Version is not
// the spec's fails. It returns the HTTP and HTTPS base URLs. A missing
// binary fails the test.
func startStripeMock(t *testing.T) (httpURL, httpsURL string) {
	t.Helper()
	bin := stripeMockBinary()
	if bin == "" {
		t.Fatalf("stripe-mock is not installed; run `%s` (it validates every Stripe request cuota sends)", stripeMockInstall)
	}
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0", "-strict-version-check")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start(), "start %s", bin)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	type addrs struct{ http, https string }
	found := make(chan addrs, 1)
	go func() {
		var a addrs
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "Listening for HTTP at address: "); ok {
				a.http = v
			}
			if v, ok := strings.CutPrefix(line, "Listening for HTTPS at address: "); ok {
				a.https = v
			}
			if a.http != "" && a.https != "" {
				found <- a
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case a := <-found:
		require.True(t, strings.HasPrefix(a.http, "127.0.0.1:") && strings.HasPrefix(a.https, "127.0.0.1:"), "loopback only: %+v", a)
		return "http://" + a.http, "https://" + a.https
	case <-time.After(60 * time.Second):
		t.Fatalf("stripe-mock did not start listening")
	}
	return "", ""
}

// call is one request the adapter sent, and stripe-mock's verdict.
type call struct {
	method, path string
	status       int
	body         string
}

// recorder is a transport that records every exchange.
type recorder struct {
	base  http.RoundTripper
	mu    sync.Mutex
	calls []call
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	c := call{method: req.Method, path: req.URL.Path, status: res.StatusCode}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		c.body = string(b)
		res.Body = io.NopCloser(strings.NewReader(c.body))
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return res, nil
}

func (r *recorder) take() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

// requireValid checks that every recorded request was accepted by
// stripe-mock (validated against Stripe's OpenAPI description) and that
// the expected endpoints were called.
func requireValid(t *testing.T, rec *recorder, want ...string) {
	t.Helper()
	calls := rec.take()
	var got []string
	for _, c := range calls {
		require.Equal(t, http.StatusOK, c.status, "%s %s refused by stripe-mock: %s", c.method, c.path, c.body)
		got = append(got, c.method+" "+c.path)
	}
	for _, w := range want {
		matched := false
		for _, g := range got {
			if strings.HasPrefix(g, w) {
				matched = true
			}
		}
		require.True(t, matched, "expected a call %q among %v", w, got)
	}
}

// TestRequestsValidAgainstStripeMock sends every Stripe request the
// adapter makes to stripe-mock, which checks each against Stripe's API
// description (parameters, types, enums, required fields, the API version)
// over HTTP and HTTPS. stripe-mock has no behaviour (it never declines and
// keeps no state): outcomes are tested against stripefake.
func TestRequestsValidAgainstStripeMock(t *testing.T) {
	httpURL, httpsURL := startStripeMock(t)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(ctx))
	now := time.Now().UTC().Truncate(time.Second)
	s := billing.Scope{MerchantID: "mch_mock", Mode: billing.ModeTest}
	cus := billing.Customer{ID: "cus_mock1", Scope: s, Email: "ana@example.com", Name: "Ana", Locale: "es-CL",
		Metadata: billing.Metadata{}, Created: now, Updated: now}
	payPage := billing.Payment{ID: "pay_mock_page", Scope: s, InvoiceID: "in_mock", CustomerID: cus.ID, Attempt: 2,
		Gateway: billing.GatewayStripe, Amount: 5000, Currency: "CLP", IdempotencyKey: "in_mock-2",
		Status: billing.PaymentPending, Created: now, Updated: now}
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Merchants.CreateMerchant(ctx, billing.Merchant{ID: s.MerchantID, Name: "Mock", Timezone: "UTC", Locale: "en-US",
			InvoicePrefix: "MCK", Settings: billing.DefaultMerchantSettings(), Created: now}); err != nil {
			return err
		}
		if err := tx.Customers.CreateCustomer(ctx, cus); err != nil {
			return err
		}
		if err := tx.Invoices.CreateInvoice(ctx, billing.Invoice{ID: "in_mock", Scope: s, CustomerID: cus.ID, SubscriptionID: "sub_x",
			Status: billing.InvoiceOpen, BillingReason: "manual", Currency: "CLP", Lines: []billing.InvoiceLine{}, Total: 5000,
			AmountDue: 5000, PeriodStart: now, PeriodEnd: now, Created: now, Updated: now}); err != nil {
			return err
		}
		if err := tx.Payments.CreatePayment(ctx, billing.Payment{ID: "pay_mock", Scope: s, InvoiceID: "in_mock", CustomerID: cus.ID, Attempt: 1,
			Gateway: billing.GatewayStripe, PaymentMethodID: "pm_cuota", Amount: 5000, Currency: "CLP", IdempotencyKey: "in_mock-1",
			Status: billing.PaymentPending, Created: now, Updated: now}); err != nil {
			return err
		}
		return tx.Payments.CreatePayment(ctx, payPage)
	}))

	adapter := func(base string, rt http.RoundTripper) (*Adapter, *recorder, billing.GatewayCredentials) {
		rec := &recorder{base: rt}
		creds := billing.GatewayCredentials{APIKey: "sk_test_123", WebhookSecret: "whsec_123", BaseURL: base}
		a := New(Options{Store: store, HTTPClient: &http.Client{Transport: rec}, NetworkRetries: stripe.Int64(0),
			Credentials: func(context.Context, billing.Scope) (billing.GatewayCredentials, error) { return creds, nil }})
		return a, rec, creds
	}
	a, rec, creds := adapter(httpURL, http.DefaultTransport)

	require.NoError(t, a.CheckCredentials(ctx, s, creds))
	requireValid(t, rec, "GET /v1/customers")

	setup := billing.PaymentMethodSetup{ID: "pms_mock", Scope: s, CustomerID: cus.ID, Gateway: billing.GatewayStripe,
		ReturnURL: "https://shop.example.com/card", ExpiresAt: time.Now().Add(time.Hour)}
	start, err := a.StartSetup(ctx, billing.SetupRequest{Scope: s, Customer: cus, Setup: setup,
		ReturnURL: "http://127.0.0.1:8080/return/stripe/setup/pms_mock"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(start.GatewayRef, "cs_"))
	requireValid(t, rec, "POST /v1/customers", "POST /v1/checkout/sessions")

	// stripe-mock's session is a fixture, not ours: FinishSetup refuses
	// it after a valid read.
	setup.GatewayRef = start.GatewayRef
	_, err = a.FinishSetup(ctx, setup)
	require.ErrorContains(t, err, "is not the one of setup")
	requireValid(t, rec, "GET /v1/checkout/sessions/")
	cl, err := a.client(ctx, s)
	require.NoError(t, err)
	// The reads FinishSetup makes when Stripe did not expand the objects.
	_, err = cl.V1SetupIntents.Retrieve(ctx, "seti_123", nil)
	require.NoError(t, err)
	_, err = cl.V1PaymentMethods.Retrieve(ctx, "pm_123", nil)
	require.NoError(t, err)
	requireValid(t, rec, "GET /v1/setup_intents/", "GET /v1/payment_methods/")

	pm, err := a.AttachToken(ctx, s, cus.ID, "pm_123")
	require.NoError(t, err)
	require.Equal(t, "4242", pm.Last4)
	requireValid(t, rec, "GET /v1/payment_methods/", "POST /v1/payment_methods/pm_123/attach")

	pm.ID, pm.CustomerID, pm.Scope = "pm_cuota", cus.ID, s
	res, err := a.Charge(ctx, billing.ChargeRequest{Scope: s, IdempotencyKey: "in_mock-1", Amount: 5000, Currency: "CLP",
		PaymentMethod: pm, Description: "invoice in_mock"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(res.GatewayRef, "pi_"))
	requireValid(t, rec, "POST /v1/payment_intents")

	_, _, err = a.LookupCharge(ctx, s, "in_mock-1")
	require.NoError(t, err)
	requireValid(t, rec, "GET /v1/payment_intents")

	_, err = a.cancelIntent(ctx, cl, &stripe.PaymentIntent{ID: "pi_123"})
	require.NoError(t, err)
	requireValid(t, rec, "POST /v1/payment_intents/pi_123/cancel")

	_, _, err = a.ChargeByIntent(ctx, s, "pi_123")
	require.NoError(t, err)
	requireValid(t, rec, "GET /v1/payment_intents/pi_123")

	ref, err := a.Refund(ctx, billing.RefundRequest{Scope: s, IdempotencyKey: "re_cuota_mock", ChargeKey: "in_mock-1",
		ChargeRef: "pi_123", Amount: 2000, Currency: "CLP"})
	require.NoError(t, err)
	requireValid(t, rec, "POST /v1/refunds")
	_, err = a.LookupRefund(ctx, s, ref.GatewayRef)
	require.NoError(t, err)
	_, err = a.RefundsOfCharge(ctx, s, "ch_123")
	require.NoError(t, err)
	requireValid(t, rec, "GET /v1/refunds/", "GET /v1/refunds")

	// Pay pages: a Checkout Session in payment mode (zero-decimal CLP and
	// USD cents), its reads, the listing that finds a session whose id was
	// never stored, and expiring it.
	ret := "http://127.0.0.1:8080/return/pay/mch_mock/test/pay_mock_page?t=tok"
	for _, c := range []struct {
		amount   int64
		currency string
	}{{5000, "CLP"}, {1999, "USD"}} {
		pp := payPage
		pp.Amount, pp.Currency = c.amount, c.currency
		page, err := a.StartPayment(ctx, billing.PayRequest{Scope: s, Payment: pp, Customer: cus, Description: "Mock MCK-1",
			Locale: "es-CL", ReturnURL: ret, ExpiresAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(page.GatewayRef, "cs_"), page.GatewayRef)
		require.NotEmpty(t, page.RedirectURL)
		requireValid(t, rec, "POST /v1/checkout/sessions")
		// stripe-mock's session is a fixture, not this payment's: the
		// lookup refuses it after a valid read.
		pp.GatewayRef = page.GatewayRef
		_, err = a.LookupPayment(ctx, pp)
		require.ErrorContains(t, err, "is not the one of payment")
		requireValid(t, rec, "GET /v1/checkout/sessions/"+page.GatewayRef)
	}
	res, err = a.LookupPayment(ctx, payPage) // no session id stored: listed
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, res.Status)
	requireValid(t, rec, "GET /v1/checkout/sessions")
	_, err = a.expireSession(ctx, cl, &stripe.CheckoutSession{ID: "cs_123"})
	require.NoError(t, err)
	requireValid(t, rec, "POST /v1/checkout/sessions/cs_123/expire")
	key, _, err := a.PaymentBySession(ctx, s, "cs_123")
	require.NoError(t, err)
	require.Empty(t, key, "not a session cuota made")
	requireValid(t, rec, "GET /v1/checkout/sessions/cs_123")

	// SCA: the waiting PaymentIntent is read, then confirmed on session
	// with a return_url for the redirect.
	_, err = a.StartPayment(ctx, billing.PayRequest{Scope: s, Customer: cus, ReturnURL: ret,
		Payment: billing.Payment{ID: "pay_mock", Scope: s, CustomerID: cus.ID, PaymentMethodID: "pm_cuota", Amount: 5000,
			Currency: "CLP", IdempotencyKey: "in_mock-1", GatewayRef: "pi_123", Status: billing.PaymentPending}})
	require.ErrorContains(t, err, "is not the charge of payment") // the fixture has no cuota metadata
	requireValid(t, rec, "GET /v1/payment_intents/pi_123")
	_, err = a.confirmOnSession(ctx, cl, s, "pi_123", ret)
	require.NoError(t, err)
	requireValid(t, rec, "POST /v1/payment_intents/pi_123/confirm")

	// The same over stripe-mock's HTTPS port (HTTP/2, self-signed).
	insecure := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true} //nolint:gosec // stripe-mock's self-signed certificate, loopback only
	t.Cleanup(insecure.CloseIdleConnections)
	a2, rec2, creds2 := adapter(httpsURL, insecure)
	require.NoError(t, a2.CheckCredentials(ctx, s, creds2))
	_, err = a2.Charge(ctx, billing.ChargeRequest{Scope: s, IdempotencyKey: "in_mock-1", Amount: 5000, Currency: "CLP",
		PaymentMethod: pm, Description: "invoice in_mock"})
	require.NoError(t, err)
	requireValid(t, rec2, "GET /v1/customers", "POST /v1/payment_intents")
}

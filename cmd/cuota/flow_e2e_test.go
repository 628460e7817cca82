package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/secretbox"
)

// TestFlowOverHTTP runs monthly CLP subscriptions on Flow end to end: the
// real program on each database, flowsim over real HTTP, a person's
// browser walked through Flow's enrolment page with plain HTTP requests.
func TestFlowOverHTTP(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "cuota.db")
		exerciseFlow(t, startProgram(t, "sqlite:"+path), false)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		// With a secret key: the credentials are encrypted at rest.
		exerciseFlow(t, startProgram(t, pgtest.URL(t), "CUOTA_SECRET_KEY", secretbox.NewKey()), true)
	})
}

// noRedirect is a browser that stops at each redirect, so the test sees
// where it goes.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var (
	formActionRE = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)
	tokenRE      = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

// enrol walks Flow's enrolment page at setupURL with a test card and
// follows Flow's automatic form post back to cuota; it returns where cuota
// sends the browser then.
func enrol(t *testing.T, setupURL, card string) string {
	t.Helper()
	res, err := http.Get(setupURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(page))
	action := formActionRE.FindStringSubmatch(string(page))
	token := tokenRE.FindStringSubmatch(string(page))
	require.NotNil(t, action, "enrolment page has a form: %s", page)
	require.NotNil(t, token)
	target, err := url.Parse(setupURL)
	require.NoError(t, err)
	target, err = target.Parse(action[1])
	require.NoError(t, err)
	res, err = http.PostForm(target.String(), url.Values{"token": {token[1]}, "card": {card}, "action": {"register"}})
	require.NoError(t, err)
	back, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(back))
	// Flow's return page posts the token to cuota from the browser.
	ret := formActionRE.FindStringSubmatch(string(back))
	retToken := tokenRE.FindStringSubmatch(string(back))
	require.NotNil(t, ret, "Flow's return page posts back: %s", back)
	require.NotNil(t, retToken)
	req, err := http.NewRequest(http.MethodPost, strings.ReplaceAll(ret[1], "&amp;", "&"), strings.NewReader(url.Values{"token": {retToken[1]}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", target.Scheme+"://"+target.Host) // a cross-site post, as from Flow's page
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err = noRedirect.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode, string(body))
	return res.Header.Get("Location")
}

func exerciseFlow(t *testing.T, p *program, encrypted bool) {
	key := p.key
	sim := flowsim.New(flowsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	sim.SetBaseURL(srv.URL)
	api := srv.URL + "/api"

	// A wrong secret is refused with Flow's own reason, and nothing is saved.
	r := p.do("PUT", "/v1/merchant/gateways/flow", key, map[string]any{"api_key": sim.APIKey(), "secret": "not-the-secret", "base_url": api})
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
	require.Equal(t, "gateway_credentials_invalid", r.body["code"])
	require.Contains(t, r.body["detail"], "Invalid Signature")
	require.NotContains(t, r.raw, "not-the-secret")
	require.Empty(t, p.ok("GET", "/v1/merchant/gateways", key, nil)["data"])

	cfg := p.ok("PUT", "/v1/merchant/gateways/flow", key, map[string]any{"api_key": sim.APIKey(), "secret": sim.Secret(), "base_url": api})
	require.Equal(t, "sandbox", cfg["environment"])
	require.Equal(t, encrypted, cfg["encrypted"])
	listed := p.ok("GET", "/v1/merchant/gateways", key, nil)["data"].([]any)
	require.Len(t, listed, 1)
	require.NotContains(t, p.do("GET", "/v1/merchant/gateways", key, nil).raw, sim.Secret(), "the secret is never shown")

	// A monthly CLP plan and a customer on a test clock.
	t0 := time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)
	clockID := p.ok("POST", "/v1/test_clocks", key, map[string]any{"frozen_time": t0.Unix()})["id"].(string)
	prod := p.ok("POST", "/v1/products", key, map[string]any{"name": "Plan Propiedades"})
	price := p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": 9990, "currency": "CLP",
		"recurring": map[string]any{"interval": "month"}})
	cusID := p.ok("POST", "/v1/customers", key, map[string]any{"email": "rosa@example.cl", "name": "Rosa Díaz", "test_clock": clockID})["id"].(string)

	// Card setup through Flow's enrolment page; cuota asks Flow, not the browser.
	setup := p.ok("POST", "/v1/customers/"+cusID+"/payment_method_setups", key, map[string]any{"gateway": "flow", "return_url": "https://corredora.example.cl/tarjeta"})
	require.Equal(t, "pending", setup["status"])
	require.True(t, strings.HasPrefix(setup["url"].(string), srv.URL+"/app/customer/disclaimer.php?token="), setup["url"])
	dest := enrol(t, setup["url"].(string), flowsim.CardVisa)
	require.Equal(t, "https://corredora.example.cl/tarjeta?setup_id="+setup["id"].(string)+"&status=succeeded", dest)
	setup = p.ok("GET", "/v1/payment_method_setups/"+setup["id"].(string), key, nil)
	require.Equal(t, "succeeded", setup["status"])
	pms := p.ok("GET", "/v1/customers/"+cusID+"/payment_methods", key, nil)["data"].([]any)
	require.Len(t, pms, 1)
	pm := pms[0].(map[string]any)
	require.Equal(t, "flow", pm["gateway"])
	require.Equal(t, "4242", pm["last4"])

	// The first payment is charged with customer/charge at creation.
	sub := p.ok("POST", "/v1/subscriptions", key, map[string]any{"customer": cusID, "items": []map[string]any{{"price": price["id"]}},
		"payment_method": pm["id"]})
	subID := sub["id"].(string)
	require.Equal(t, "active", sub["status"])
	charges := sim.Ledger()
	require.Len(t, charges, 1)
	require.Equal(t, flowsim.KindCharge, charges[0].Kind)
	require.EqualValues(t, 9990, charges[0].Amount)
	flowCustomer := charges[0].CustomerID

	// First renewal: Flow charges and the connection drops before the
	// answer. The payment is unknown until a status call finds the
	// charge; it is never charged again.
	sim.FaultNextCharges(1, flowsim.FaultDropAfterCommit)
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 2, 10, 12, 0, 30, 0, time.UTC).Unix()})
	invs := p.ok("GET", "/v1/invoices?subscription="+subID, key, nil)["data"].([]any)
	require.Len(t, invs, 2)
	renewal := invs[0].(map[string]any)
	pays := p.ok("GET", "/v1/payments?invoice="+renewal["id"].(string), key, nil)["data"].([]any)
	require.Len(t, pays, 1)
	require.Equal(t, "unknown", pays[0].(map[string]any)["status"], "a dropped answer is unknown, never failed")
	require.Len(t, sim.Ledger(), 2, "the money moved")
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 2, 10, 13, 0, 0, 0, time.UTC).Unix()})
	renewal = p.ok("GET", "/v1/invoices/"+renewal["id"].(string), key, nil)
	require.Equal(t, "paid", renewal["status"], "reconciled as paid")
	pays = p.ok("GET", "/v1/payments?invoice="+renewal["id"].(string), key, nil)["data"].([]any)
	require.Len(t, pays, 1)
	require.Equal(t, "succeeded", pays[0].(map[string]any)["status"])
	require.Len(t, sim.Ledger(), 2, "reconciliation charged nothing")

	// Second renewal: the card declines; dunning retries a day later.
	sim.SetCustomerFault(flowCustomer, flowsim.FaultDecline)
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 3, 10, 13, 0, 0, 0, time.UTC).Unix()})
	sub = p.ok("GET", "/v1/subscriptions/"+subID, key, nil)
	require.Equal(t, "past_due", sub["status"])
	open := p.ok("GET", "/v1/invoices?subscription="+subID, key, nil)["data"].([]any)[0].(map[string]any)
	require.Equal(t, "open", open["status"])
	require.EqualValues(t, time.Date(2024, 3, 11, 12, 0, 0, 0, time.UTC).Unix(), open["next_payment_attempt"])
	p.ok("POST", "/v1/test_clocks/"+clockID+"/advance", key, map[string]any{"frozen_time": time.Date(2024, 3, 11, 13, 0, 0, 0, time.UTC).Unix()})
	require.Equal(t, "past_due", p.ok("GET", "/v1/subscriptions/"+subID, key, nil)["status"])
	failed := p.ok("GET", "/v1/payments?invoice="+open["id"].(string), key, nil)["data"].([]any)
	require.Len(t, failed, 2)
	require.Equal(t, "customer", failed[0].(map[string]any)["failure_class"])

	// The customer registers a new card: Flow replaces it, and the open
	// invoice is retried at once.
	sim.SetCustomerFault(flowCustomer, flowsim.FaultNone)
	setup = p.ok("POST", "/v1/customers/"+cusID+"/payment_method_setups", key, map[string]any{"gateway": "flow", "return_url": "https://corredora.example.cl/tarjeta"})
	dest = enrol(t, setup["url"].(string), flowsim.CardMastercard)
	require.Contains(t, dest, "status=succeeded")
	require.Equal(t, "active", p.ok("GET", "/v1/subscriptions/"+subID, key, nil)["status"])
	require.Equal(t, "paid", p.ok("GET", "/v1/invoices/"+open["id"].(string), key, nil)["status"])

	// Every commerceOrder is charged at most once, and Flow's paid charges
	// are exactly cuota's succeeded payments.
	seen := map[string]bool{}
	paid := 0
	for _, e := range sim.Ledger() {
		if e.Kind != flowsim.KindCharge {
			continue
		}
		require.False(t, seen[e.CommerceOrder], "commerceOrder %s charged twice", e.CommerceOrder)
		seen[e.CommerceOrder] = true
		if e.MovedMoney() {
			paid++
		}
	}
	succeeded := 0
	for _, x := range p.ok("GET", "/v1/payments?customer="+cusID+"&limit=100", key, nil)["data"].([]any) {
		if x.(map[string]any)["status"] == "succeeded" {
			succeeded++
		}
	}
	require.Equal(t, 3, paid)
	require.Equal(t, paid, succeeded)

	// A partial refund: Flow takes it, settles it later and says so at
	// cuota's callback, which checks it with a signed status call.
	firstPay := p.ok("GET", "/v1/payments?invoice="+invs[1].(map[string]any)["id"].(string), key, nil)["data"].([]any)[0].(map[string]any)
	ref := p.ok("POST", "/v1/refunds", key, map[string]any{"payment": firstPay["id"], "amount": 4000, "reason": "requested_by_customer"})
	require.Equal(t, "pending", ref["status"])
	var refundToken string
	for _, e := range sim.Ledger() {
		if e.Kind == flowsim.KindRefund {
			refundToken = e.Token
			require.EqualValues(t, 4000, e.Amount)
		}
	}
	require.NotEmpty(t, refundToken)
	merchantID := p.ok("GET", "/v1/merchant", key, nil)["id"].(string)

	// A forged callback with a random token changes nothing and says nothing.
	forged, err := http.PostForm(p.base+"/webhooks/flow/"+merchantID+"/test/refund", url.Values{"token": {"f0rg3d" + refundToken[6:]}})
	require.NoError(t, err)
	forged.Body.Close()
	require.Equal(t, http.StatusOK, forged.StatusCode)
	require.Equal(t, "pending", p.ok("GET", "/v1/refunds?payment="+firstPay["id"].(string), key, nil)["data"].([]any)[0].(map[string]any)["status"])

	n, err := sim.CompleteRefund(context.Background(), refundToken, true)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, n.HTTPStatus, n.Err)
	refunds := p.ok("GET", "/v1/refunds?payment="+firstPay["id"].(string), key, nil)["data"].([]any)
	require.Len(t, refunds, 1)
	require.Equal(t, "succeeded", refunds[0].(map[string]any)["status"])
	// A repeated notification is a no-op.
	_, err = sim.ResendNotification(context.Background(), refundToken)
	require.NoError(t, err)
	require.Len(t, p.ok("GET", "/v1/events?type=refund.succeeded", key, nil)["data"], 1)

	// Only CLP goes through Flow.
	usd := p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": 1000, "currency": "USD",
		"recurring": map[string]any{"interval": "month"}})
	r = p.do("POST", "/v1/subscriptions", key, map[string]any{"customer": cusID, "items": []map[string]any{{"price": usd["id"]}},
		"payment_method": pm["id"]})
	require.Equal(t, http.StatusBadRequest, r.status, r.raw)
	require.Equal(t, "currency_not_supported", r.body["code"])
}

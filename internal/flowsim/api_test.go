package flowsim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flow"
)

func TestSignatureIsVerified(t *testing.T) {
	e := newEnv(t, flowsim.Options{APIKey: "MY-KEY", Secret: "my-secret"})
	require.Equal(t, "MY-KEY", e.sim.APIKey())
	require.Equal(t, "my-secret", e.sim.Secret())
	ctx := context.Background()

	t.Run("wrong secret", func(t *testing.T) {
		c := newClient(t, e.ts.URL, "MY-KEY", "not-the-secret", 0)
		_, err := c.GetCustomer(ctx, "cus_x")
		fe, ok := flow.AsError(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, http.StatusUnauthorized, fe.HTTPStatus)
		require.Equal(t, flow.CodeInvalidSignature, fe.Code)
		require.Equal(t, "Invalid Signature", fe.Message)
		require.True(t, flow.IsInvalidSignature(err))
		require.False(t, flow.IsOutcomeUnknown(err))
		require.NotContains(t, err.Error(), "not-the-secret")
	})
	t.Run("unknown apiKey", func(t *testing.T) {
		c := newClient(t, e.ts.URL, "OTHER-KEY", "my-secret", 0)
		_, err := c.GetCustomer(ctx, "cus_x")
		require.True(t, flow.IsInvalidAPIKey(err), "%v", err)
		fe, _ := flow.AsError(err)
		require.Equal(t, http.StatusUnauthorized, fe.HTTPStatus)
		require.NotContains(t, err.Error(), "OTHER-KEY")
	})
	raw := func(t *testing.T, method, service string, p url.Values) (int, map[string]any) {
		t.Helper()
		var resp *http.Response
		var err error
		if method == http.MethodGet {
			resp, err = http.Get(e.ts.URL + "/api/" + service + "?" + p.Encode())
		} else {
			resp, err = http.PostForm(e.ts.URL+"/api/"+service, p)
		}
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body
	}
	t.Run("missing s", func(t *testing.T) {
		status, body := raw(t, http.MethodGet, "customer/get", url.Values{"apiKey": {"MY-KEY"}, "customerId": {"cus_x"}})
		require.Equal(t, http.StatusUnauthorized, status)
		require.EqualValues(t, 108, body["code"])
		require.Equal(t, "Invalid Signature", body["message"])
	})
	t.Run("uppercase s", func(t *testing.T) {
		p := url.Values{"apiKey": {"MY-KEY"}, "customerId": {"cus_x"}}
		p.Set("s", strings.ToUpper(flow.Sign("my-secret", p)))
		status, body := raw(t, http.MethodGet, "customer/get", p)
		require.Equal(t, http.StatusUnauthorized, status)
		require.EqualValues(t, 108, body["code"])
	})
	t.Run("a parameter added after signing", func(t *testing.T) {
		p := url.Values{"apiKey": {"MY-KEY"}, "name": {"N"}, "email": {"e@x.cl"}, "externalId": {"x1"}}
		p.Set("s", flow.Sign("my-secret", p))
		p.Set("extra", "1")
		status, body := raw(t, http.MethodPost, "customer/create", p)
		require.Equal(t, http.StatusUnauthorized, status)
		require.EqualValues(t, 108, body["code"])
	})
	t.Run("missing apiKey", func(t *testing.T) {
		status, body := raw(t, http.MethodGet, "customer/get", url.Values{"customerId": {"cus_x"}})
		require.Equal(t, http.StatusBadRequest, status)
		require.Equal(t, "There's some missing params", body["message"])
	})
	t.Run("JSON body", func(t *testing.T) {
		p := url.Values{"apiKey": {"MY-KEY"}, "name": {"N"}, "email": {"e@x.cl"}, "externalId": {"x2"}}
		p.Set("s", flow.Sign("my-secret", p))
		b, _ := json.Marshal(map[string]string{"apiKey": "MY-KEY", "name": "N", "email": "e@x.cl", "externalId": "x2", "s": p.Get("s")})
		resp, err := http.Post(e.ts.URL+"/api/customer/create", "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		body, _ := io.ReadAll(resp.Body)
		require.Contains(t, string(body), "There's some missing params")
	})
	t.Run("multipart body, like Flow's PHP kit", func(t *testing.T) {
		p := url.Values{"apiKey": {"MY-KEY"}, "name": {"Múltiple"}, "email": {"a+b@x.cl"}, "externalId": {"x3"}}
		p.Set("s", flow.Sign("my-secret", p))
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k := range p {
			require.NoError(t, mw.WriteField(k, p.Get(k)))
		}
		require.NoError(t, mw.Close())
		resp, err := http.Post(e.ts.URL+"/api/customer/create", mw.FormDataContentType(), &buf)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var c flow.Customer
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
		require.Equal(t, "Múltiple", c.Name.String())
		require.Equal(t, "a+b@x.cl", c.Email.String())
	})
	t.Run("configurable status", func(t *testing.T) {
		e2 := newEnv(t, flowsim.Options{SignatureErrorStatus: http.StatusBadRequest})
		c := newClient(t, e2.ts.URL, e2.sim.APIKey(), "wrong", 0)
		_, err := c.GetCustomer(ctx, "cus_x")
		fe, ok := flow.AsError(err)
		require.True(t, ok)
		require.Equal(t, http.StatusBadRequest, fe.HTTPStatus)
		require.True(t, flow.IsInvalidSignature(err))
	})
}

func TestRandomCredentials(t *testing.T) {
	a, b := flowsim.New(flowsim.Options{}), flowsim.New(flowsim.Options{})
	require.Regexp(t, `^[A-Z0-9]{8}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{12}$`, a.APIKey())
	require.Regexp(t, `^[0-9a-f]{40}$`, a.Secret())
	require.NotEqual(t, a.APIKey(), b.APIKey())
	require.NotEqual(t, a.Secret(), b.Secret())
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()
	err := e.client.Do(ctx, http.MethodGet, "customer/charge", url.Values{"customerId": {"x"}}, nil)
	fe, ok := flow.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, http.StatusMethodNotAllowed, fe.HTTPStatus)
	require.False(t, flow.IsOutcomeUnknown(err))

	err = e.client.Do(ctx, http.MethodGet, "nope/nothing", nil, nil)
	fe, ok = flow.AsError(err)
	require.True(t, ok)
	require.Equal(t, http.StatusBadRequest, fe.HTTPStatus)
	require.Equal(t, flowsim.CodeServiceNotFound, fe.Code)

	// The index page lists the test cards.
	status, page := getPage(t, e.ts.URL+"/")
	require.Equal(t, http.StatusOK, status)
	require.True(t, hasAll(page, flowsim.CardVisa, flowsim.CardEnrolFails))

	// Missing required parameters, sent signed through Do.
	err = e.client.Do(ctx, http.MethodPost, "customer/charge", url.Values{"customerId": {"x"}}, nil)
	require.True(t, flow.IsMissingParams(err), "%v", err)
}

func TestCustomers(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()
	c, err := e.client.CreateCustomer(ctx, flow.CreateCustomerRequest{Name: "Ana", Email: "ana@x.cl", ExternalID: "cus-ana"})
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`^cus_[a-z0-9]{10}$`), c.CustomerID.String())
	require.Equal(t, flow.PayModeManual, c.PayMode.String())
	require.Equal(t, flow.CustomerActive, c.Status.String())
	require.Empty(t, c.Last4CardDigits.String())

	got, err := e.client.GetCustomer(ctx, c.CustomerID.String())
	require.NoError(t, err)
	require.Equal(t, *c, *got)

	_, err = e.client.CreateCustomer(ctx, flow.CreateCustomerRequest{Name: "Ana 2", Email: "ana2@x.cl", ExternalID: "cus-ana"})
	require.True(t, flow.IsAlreadyExists(err), "%v", err)
	require.False(t, flow.IsOutcomeUnknown(err))

	_, err = e.client.GetCustomer(ctx, "cus_doesnotexi")
	require.True(t, flow.IsNotFound(err), "%v", err)

	e2 := newEnv(t, flowsim.Options{AllowDuplicateExternalID: true})
	for range 2 {
		_, err = e2.client.CreateCustomer(ctx, flow.CreateCustomerRequest{Name: "B", Email: "b@x.cl", ExternalID: "same"})
		require.NoError(t, err)
	}
}

func TestChargeOutcomes(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()
	tests := []struct {
		name      string
		card      string
		amount    int64
		status    int
		lastError int
		last4     string
	}{
		{"flow sandbox card", flowsim.CardFlowSandbox, 9990, flow.PaymentPaid, 0, "6623"},
		{"visa", flowsim.CardVisa, 5000, flow.PaymentPaid, 0, "4242"},
		{"mastercard", flowsim.CardMastercard, 5000, flow.PaymentPaid, 0, "4444"},
		{"declined card", flowsim.CardDeclined, 5000, flow.PaymentRejected, flow.LastErrorGeneralRejection, "0002"},
		{"insufficient funds card", flowsim.CardInsufficientFunds, 5000, flow.PaymentRejected, flow.LastErrorExceedsMaxAmount, "9995"},
		{"blocked card", flowsim.CardBlocked, 5000, flow.PaymentRejected, flow.LastErrorBlockedCard, "9987"},
		{"amount ending in 51", flowsim.CardVisa, 10051, flow.PaymentRejected, flow.LastErrorExceedsMaxAmount, "4242"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cus := e.customer(t, tt.card)
			order := fmt.Sprintf("outcome-%d", i)
			p, err := e.charge(t, cus, order, tt.amount)
			require.NoError(t, err, "a decline is an answer, not an error")
			require.Equal(t, tt.status, p.State())
			require.Equal(t, order, p.CommerceOrder.String())
			require.Equal(t, tt.amount, int64Of(t, p.Amount))
			require.Equal(t, "CLP", p.Currency.String())
			if tt.status == flow.PaymentPaid {
				require.Equal(t, tt.amount, int64Of(t, p.PaymentData.Amount))
			} else {
				require.True(t, p.PaymentData.Amount.IsZero())
			}

			ext, err := e.client.GetPaymentStatusByFlowOrderExtended(ctx, int64Of(t, p.FlowOrder))
			require.NoError(t, err)
			require.Equal(t, tt.status, ext.State())
			if tt.lastError != 0 {
				require.EqualValues(t, tt.lastError, int64Of(t, ext.LastError.Code))
			} else {
				require.True(t, ext.LastError.Code.IsZero())
				require.Equal(t, tt.last4, ext.PaymentData.CardLast4Numbers.String())
			}

			led := e.sim.LedgerFor(order)
			require.Len(t, led, 1)
			require.Equal(t, flowsim.Entry{
				Kind: flowsim.KindCharge, FlowOrder: int64Of(t, p.FlowOrder), CommerceOrder: order, CustomerID: cus,
				Amount: tt.amount, Currency: "CLP", Status: tt.status, Token: led[0].Token, Card: tt.last4,
				Created: led[0].Created,
			}, led[0])
			require.Equal(t, tt.status == flow.PaymentPaid, led[0].MovedMoney())
		})
	}

	t.Run("fail after first", func(t *testing.T) {
		cus := e.customer(t, flowsim.CardFailAfterFirst)
		p1, err := e.charge(t, cus, "faf-1", 1000)
		require.NoError(t, err)
		require.Equal(t, flow.PaymentPaid, p1.State())
		p2, err := e.charge(t, cus, "faf-2", 1000)
		require.NoError(t, err)
		require.Equal(t, flow.PaymentRejected, p2.State())
	})
	t.Run("no card", func(t *testing.T) {
		cus := e.customer(t, "")
		_, err := e.charge(t, cus, "nocard", 1000)
		fe, ok := flow.AsError(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, flowsim.CodeNoCard, fe.Code)
		require.False(t, flow.IsOutcomeUnknown(err))
		require.Empty(t, e.sim.LedgerFor("nocard"))
	})
	t.Run("unknown customer", func(t *testing.T) {
		_, err := e.charge(t, "cus_0000000000", "nocus", 1000)
		require.True(t, flow.IsNotFound(err), "%v", err)
	})
	t.Run("unregistered card", func(t *testing.T) {
		cus := e.customer(t, flowsim.CardVisa)
		c, err := e.client.UnregisterCustomer(ctx, cus)
		require.NoError(t, err)
		require.Equal(t, flow.PayModeManual, c.PayMode.String())
		_, err = e.charge(t, cus, "unreg", 1000)
		fe, ok := flow.AsError(err)
		require.True(t, ok)
		require.Equal(t, flowsim.CodeNoCard, fe.Code)
	})
	t.Run("invalid amounts and currencies", func(t *testing.T) {
		cus := e.customer(t, flowsim.CardVisa)
		for _, p := range []url.Values{
			{"amount": {"10.5"}}, {"amount": {"abc"}}, {"amount": {"0"}}, {"amount": {"100"}, "currency": {"USD"}},
		} {
			p.Set("customerId", cus)
			p.Set("commerceOrder", "bad-amount")
			p.Set("subject", "s")
			err := e.client.Do(ctx, http.MethodPost, "customer/charge", p, nil)
			fe, ok := flow.AsError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, http.StatusBadRequest, fe.HTTPStatus)
		}
		p, err := e.charge(t, cus, "whole-decimal", 100)
		require.NoError(t, err)
		require.Equal(t, flow.PaymentPaid, p.State())
		require.Empty(t, e.sim.LedgerFor("bad-amount"))
	})
}

func TestChargeIsNotDeduplicated(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()
	cus := e.customer(t, flowsim.CardVisa)
	p1, err := e.charge(t, cus, "inv_1:1", 9990)
	require.NoError(t, err)
	p2, err := e.charge(t, cus, "inv_1:1", 9990)
	require.NoError(t, err)
	require.Equal(t, flow.PaymentPaid, p1.State())
	require.Equal(t, flow.PaymentPaid, p2.State())
	require.NotEqual(t, p1.FlowOrder, p2.FlowOrder)

	led := e.sim.LedgerFor("inv_1:1")
	require.Len(t, led, 2, "the sandbox charges the same commerceOrder twice; so does flowsim")
	var moved int64
	for _, l := range led {
		if l.MovedMoney() {
			moved += l.Amount
		}
	}
	require.EqualValues(t, 2*9990, moved)

	// getStatusByCommerceId reports the newest.
	st, err := e.client.GetPaymentStatusByCommerceID(ctx, "inv_1:1")
	require.NoError(t, err)
	require.Equal(t, p2.FlowOrder, st.FlowOrder)

	t.Run("error 1605 when emulated", func(t *testing.T) {
		e := newEnv(t, flowsim.Options{RejectPaidCommerceOrder: true})
		cus := e.customer(t, flowsim.CardVisa)
		_, err := e.charge(t, cus, "inv_2:1", 9990)
		require.NoError(t, err)
		_, err = e.charge(t, cus, "inv_2:1", 9990)
		require.True(t, flow.IsPreviouslyPaid(err), "%v", err)
		require.Len(t, e.sim.LedgerFor("inv_2:1"), 1)
	})
}

func TestGetStatusByCommerceIDNotFound(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	_, err := e.client.GetPaymentStatusByCommerceID(context.Background(), "never-charged")
	fe, ok := flow.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, http.StatusBadRequest, fe.HTTPStatus)
	require.Equal(t, "Transaction not found", fe.Message)
	require.True(t, flow.IsTransactionNotFound(err))
	require.False(t, flow.IsOutcomeUnknown(err))

	_, err = e.client.GetPaymentStatus(context.Background(), "NOSUCHTOKEN")
	require.True(t, flow.IsNotFound(err))
	_, err = e.client.GetPaymentStatusByFlowOrder(context.Background(), 1)
	require.True(t, flow.IsNotFound(err))
}

func TestDailyQuota(t *testing.T) {
	now := time.Date(2030, 3, 1, 23, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	e := newEnv(t, flowsim.Options{DailyQuota: 2, Now: clock})
	a := e.customer(t, flowsim.CardVisa)
	b := e.customer(t, flowsim.CardVisa)
	for i := range 2 {
		_, err := e.charge(t, a, fmt.Sprintf("q-a-%d", i), 1000)
		require.NoError(t, err)
	}
	_, err := e.charge(t, a, "q-a-2", 1000)
	require.True(t, flow.IsQuotaExceeded(err), "%v", err)
	fe, _ := flow.AsError(err)
	require.Equal(t, http.StatusBadRequest, fe.HTTPStatus)
	require.Regexp(t, `^The customer id: \d+ has exceeded the daily transaction quota$`, fe.Message)
	require.False(t, flow.IsOutcomeUnknown(err))
	require.Empty(t, e.sim.LedgerFor("q-a-2"))

	// Per customer, not per merchant.
	_, err = e.charge(t, b, "q-b-0", 1000)
	require.NoError(t, err)

	// A new day.
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	_, err = e.charge(t, a, "q-a-2", 1000)
	require.NoError(t, err)

	// Switched off at run time.
	e.sim.SetDailyQuota(0)
	for i := range 5 {
		_, err := e.charge(t, b, fmt.Sprintf("q-b-%d", i+1), 1000)
		require.NoError(t, err)
	}
}

func TestStringNumbers(t *testing.T) {
	e := newEnv(t, flowsim.Options{StringNumbers: true})
	ctx := context.Background()
	cus := e.customer(t, flowsim.CardVisa)
	p, err := e.charge(t, cus, "str-1", 4990)
	require.NoError(t, err)
	require.Equal(t, flow.PaymentPaid, p.State())
	require.EqualValues(t, 4990, int64Of(t, p.Amount))

	var raw map[string]any
	require.NoError(t, e.client.Do(ctx, http.MethodGet, "payment/getStatusByCommerceId", url.Values{"commerceId": {"str-1"}}, &raw))
	require.Equal(t, "2", raw["status"])
	require.Equal(t, "4990", raw["amount"])

	e.sim.SetStringNumbers(false)
	raw = nil
	require.NoError(t, e.client.Do(ctx, http.MethodGet, "payment/getStatusByCommerceId", url.Values{"commerceId": {"str-1"}}, &raw))
	require.EqualValues(t, 2, raw["status"])
}

func TestConcurrentCharges(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	cus := make([]string, 4)
	for i := range cus {
		cus[i] = e.customer(t, flowsim.CardVisa)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.client.Charge(context.Background(), flow.ChargeRequest{
				CustomerID: cus[i%len(cus)], CommerceOrder: fmt.Sprintf("conc-%d", i), Subject: "s", Amount: 1000,
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	flowOrders := map[int64]bool{}
	for _, l := range e.sim.Ledger() {
		require.False(t, flowOrders[l.FlowOrder], "flowOrders are unique")
		flowOrders[l.FlowOrder] = true
	}
	require.Len(t, flowOrders, 40)
}

package flow_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/gateway/flow"
)

const (
	testAPIKey = "1F90971E-8276-4715-97FF-2BLG5030EE3B"
	testSecret = "0123456789abcdef0123456789abcdef01234567"
)

// recorded is what the fake server saw of one request.
type recorded struct {
	method      string
	path        string
	contentType string
	params      url.Values
	query       url.Values
	body        string
}

// fakeFlow records requests and answers with a canned status and body.
type fakeFlow struct {
	mu     sync.Mutex
	reqs   []recorded
	status int
	body   string
}

func (f *fakeFlow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec := recorded{
		method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
		query: r.URL.Query(), body: string(b),
	}
	if r.Method == http.MethodPost {
		rec.params, _ = url.ParseQuery(string(b))
	} else {
		rec.params = r.URL.Query()
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	status, body := f.status, f.body
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (f *fakeFlow) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func newFake(t *testing.T, status int, body string) (*fakeFlow, *flow.Client) {
	t.Helper()
	f := &fakeFlow{status: status, body: body}
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	return f, newClient(t, ts.URL+"/api", 0)
}

func newClient(t *testing.T, base string, timeout time.Duration) *flow.Client {
	t.Helper()
	c, err := flow.New(flow.Config{BaseURL: base, APIKey: testAPIKey, Secret: testSecret, Timeout: timeout})
	require.NoError(t, err)
	return c
}

const (
	customerJSON = `{"customerId":"cus_onoolldvec","created":"2017-07-21 12:33:15","email":"johndoe@flow.cl",
		"name":"Pedro Raul Perez","pay_mode":"auto","creditCardType":"Visa","last4CardDigits":"0366",
		"externalId":"14233531-8","status":"1","registerDate":"2017-07-21 14:22:01"}`
	paymentJSON = `{"flowOrder":3567899,"commerceOrder":"sf12377","requestDate":"2017-07-21 12:32:11","status":2,
		"subject":"game console","currency":"CLP","amount":12000,"payer":"pperez@gamil.com","optional":null,
		"pending_info":{"media":"","date":""},"paymentData":{"date":"2017-07-21 12:32:11","media":"webpay",
		"conversionDate":"2017-07-21","conversionRate":1.1,"amount":12000,"currency":"CLP","fee":551,
		"balance":11499,"transferDate":"2017-07-24"},"merchantId":""}`
	refundJSON = `{"token":"C93B4FAD6D63ED9A3F25D21E5D6DD0105ED8CAFQ","flowRefundOrder":"122767","date":"2017-07-21 12:33:15",
		"status":"created","amount":"12000.00","fee":"240.00"}`
)

// TestClientMethods checks, for every method, the HTTP method, path,
// content type, exact parameters and signature, and the decoded answer.
func TestClientMethods(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		method string
		path   string
		params map[string]string
		answer string
		call   func(c *flow.Client) (any, error)
		check  func(t *testing.T, got any)
	}{
		{
			name: "customer/create", method: "POST", path: "/api/customer/create",
			params: map[string]string{"name": "Pedro Raul Perez", "email": "a+b@flow.cl", "externalId": "14233531-8"},
			answer: customerJSON,
			call: func(c *flow.Client) (any, error) {
				return c.CreateCustomer(ctx, flow.CreateCustomerRequest{Name: "Pedro Raul Perez", Email: "a+b@flow.cl", ExternalID: "14233531-8"})
			},
			check: func(t *testing.T, got any) {
				c := got.(*flow.Customer)
				require.Equal(t, "cus_onoolldvec", c.CustomerID.String())
				require.Equal(t, flow.PayModeAuto, c.PayMode.String())
				require.Equal(t, "0366", c.Last4CardDigits.String())
				require.Equal(t, flow.CustomerActive, c.Status.String())
			},
		},
		{
			name: "customer/get", method: "GET", path: "/api/customer/get",
			params: map[string]string{"customerId": "cus_onoolldvec"}, answer: customerJSON,
			call: func(c *flow.Client) (any, error) { return c.GetCustomer(ctx, "cus_onoolldvec") },
			check: func(t *testing.T, got any) {
				require.Equal(t, "14233531-8", got.(*flow.Customer).ExternalID.String())
			},
		},
		{
			name: "customer/register", method: "POST", path: "/api/customer/register",
			params: map[string]string{"customerId": "cus_onoolldvec", "url_return": "https://shop.cl/return?x=1&y=2"},
			answer: `{"url":"https://www.flow.cl/app/customer/disclaimer.php","token":"41097C28B5BD78C77F589FE4BC59E18AC333F9EU"}`,
			call: func(c *flow.Client) (any, error) {
				return c.RegisterCustomer(ctx, "cus_onoolldvec", "https://shop.cl/return?x=1&y=2")
			},
			check: func(t *testing.T, got any) {
				r := got.(*flow.RegisterResponse)
				require.Equal(t, "https://www.flow.cl/app/customer/disclaimer.php?token=41097C28B5BD78C77F589FE4BC59E18AC333F9EU", r.RedirectURL())
			},
		},
		{
			name: "customer/getRegisterStatus", method: "GET", path: "/api/customer/getRegisterStatus",
			params: map[string]string{"token": "41097C28B5BD78C77F589FE4BC59E18AC333F9EU"},
			answer: `{"status":"1","customerId":"cus_onoolldvec","creditCardType":"Visa","last4CardDigits":"4425",
				"cardNumber":"457630 **** **** 4425","issuerBank":"BANCO DE CHILE"}`,
			call: func(c *flow.Client) (any, error) {
				return c.GetRegisterStatus(ctx, "41097C28B5BD78C77F589FE4BC59E18AC333F9EU")
			},
			check: func(t *testing.T, got any) {
				r := got.(*flow.RegisterResult)
				require.True(t, r.Registered())
				require.Equal(t, "Visa", r.CreditCardType.String())
				require.Equal(t, "4425", r.Last4CardDigits.String())
			},
		},
		{
			name: "customer/unRegister", method: "POST", path: "/api/customer/unRegister",
			params: map[string]string{"customerId": "cus_onoolldvec"}, answer: customerJSON,
			call: func(c *flow.Client) (any, error) { return c.UnregisterCustomer(ctx, "cus_onoolldvec") },
			check: func(t *testing.T, got any) {
				require.Equal(t, "cus_onoolldvec", got.(*flow.Customer).CustomerID.String())
			},
		},
		{
			name: "customer/charge", method: "POST", path: "/api/customer/charge",
			params: map[string]string{
				"customerId": "cus_onoolldvec", "commerceOrder": "inv_1:1", "subject": "Plan Pro — marzo",
				"amount": "12000", "currency": "CLP", "optionals": `{"invoice":"inv_1"}`,
			},
			answer: paymentJSON,
			call: func(c *flow.Client) (any, error) {
				return c.Charge(ctx, flow.ChargeRequest{
					CustomerID: "cus_onoolldvec", CommerceOrder: "inv_1:1", Subject: "Plan Pro — marzo",
					Amount: 12000, Currency: "CLP", Optionals: `{"invoice":"inv_1"}`,
				})
			},
			check: func(t *testing.T, got any) {
				p := got.(*flow.PaymentStatus)
				require.Equal(t, flow.PaymentPaid, p.State())
				fee, err := p.PaymentData.Fee.Int64()
				require.NoError(t, err)
				require.EqualValues(t, 551, fee)
			},
		},
		{
			name: "customer/charge minimal", method: "POST", path: "/api/customer/charge",
			params: map[string]string{"customerId": "cus_x", "commerceOrder": "o", "subject": "s", "amount": "1"},
			answer: paymentJSON,
			call: func(c *flow.Client) (any, error) {
				return c.Charge(ctx, flow.ChargeRequest{CustomerID: "cus_x", CommerceOrder: "o", Subject: "s", Amount: 1})
			},
		},
		{
			name: "payment/create", method: "POST", path: "/api/payment/create",
			params: map[string]string{
				"commerceOrder": "ord-1", "subject": "Compra", "amount": "5000", "email": "a+b@x.cl",
				"urlConfirmation": "https://shop.cl/confirm", "urlReturn": "https://shop.cl/return",
				"currency": "CLP", "paymentMethod": "9", "optional": `{"a":"b"}`, "timeout": "600",
				"checkout_timeout": "120", "merchantId": "m1", "payment_currency": "CLP",
			},
			answer: `{"url":"https://www.flow.cl/app/web/pay.php","token":"33373581FC32576FAF33C46FC6454B1FFEBD7E1H","flowOrder":8765456}`,
			call: func(c *flow.Client) (any, error) {
				return c.CreatePayment(ctx, flow.CreatePaymentRequest{
					CommerceOrder: "ord-1", Subject: "Compra", Amount: 5000, Email: "a+b@x.cl",
					URLConfirmation: "https://shop.cl/confirm", URLReturn: "https://shop.cl/return", Currency: "CLP",
					PaymentMethod: flow.PaymentMethodAll, Optional: `{"a":"b"}`, Timeout: 600, CheckoutTimeout: 120,
					MerchantID: "m1", PaymentCurrency: "CLP",
				})
			},
			check: func(t *testing.T, got any) {
				r := got.(*flow.PayResponse)
				require.Equal(t, "https://www.flow.cl/app/web/pay.php?token=33373581FC32576FAF33C46FC6454B1FFEBD7E1H", r.RedirectURL())
				fo, err := r.FlowOrder.Int64()
				require.NoError(t, err)
				require.EqualValues(t, 8765456, fo)
			},
		},
		{
			name: "payment/getStatus", method: "GET", path: "/api/payment/getStatus",
			params: map[string]string{"token": "33373581FC32576FAF33C46FC6454B1FFEBD7E1H"}, answer: paymentJSON,
			call: func(c *flow.Client) (any, error) {
				return c.GetPaymentStatus(ctx, "33373581FC32576FAF33C46FC6454B1FFEBD7E1H")
			},
			check: func(t *testing.T, got any) {
				require.Equal(t, "sf12377", got.(*flow.PaymentStatus).CommerceOrder.String())
			},
		},
		{
			name: "payment/getStatusByCommerceId", method: "GET", path: "/api/payment/getStatusByCommerceId",
			params: map[string]string{"commerceId": "inv_1:1"}, answer: paymentJSON,
			call: func(c *flow.Client) (any, error) { return c.GetPaymentStatusByCommerceID(ctx, "inv_1:1") },
		},
		{
			name: "payment/getStatusByFlowOrder", method: "GET", path: "/api/payment/getStatusByFlowOrder",
			params: map[string]string{"flowOrder": "3567899"}, answer: paymentJSON,
			call: func(c *flow.Client) (any, error) { return c.GetPaymentStatusByFlowOrder(ctx, 3567899) },
		},
		{
			name: "payment/getStatusExtended", method: "GET", path: "/api/payment/getStatusExtended",
			params: map[string]string{"token": "T"}, answer: paymentJSON,
			call: func(c *flow.Client) (any, error) { return c.GetPaymentStatusExtended(ctx, "T") },
		},
		{
			name: "payment/getStatusByFlowOrderExtended", method: "GET", path: "/api/payment/getStatusByFlowOrderExtended",
			params: map[string]string{"flowOrder": "7"},
			answer: `{"flowOrder":7,"commerceOrder":"o","status":3,"amount":100,"lastError":{"code":"-6","message":"Rechazo","medioCode":null}}`,
			call:   func(c *flow.Client) (any, error) { return c.GetPaymentStatusByFlowOrderExtended(ctx, 7) },
			check: func(t *testing.T, got any) {
				p := got.(*flow.PaymentStatus)
				require.Equal(t, flow.PaymentRejected, p.State())
				code, err := p.LastError.Code.Int64()
				require.NoError(t, err)
				require.EqualValues(t, flow.LastErrorGeneralRejection, code)
			},
		},
		{
			name: "refund/create", method: "POST", path: "/api/refund/create",
			params: map[string]string{
				"refundCommerceOrder": "ref-1", "receiverEmail": "a@b.cl", "amount": "12000",
				"urlCallBack": "https://shop.cl/refund", "commerceTrxId": "ord-1", "flowTrxId": "3567899",
			},
			answer: refundJSON,
			call: func(c *flow.Client) (any, error) {
				return c.CreateRefund(ctx, flow.CreateRefundRequest{
					RefundCommerceOrder: "ref-1", ReceiverEmail: "a@b.cl", Amount: 12000,
					URLCallBack: "https://shop.cl/refund", CommerceTrxID: "ord-1", FlowTrxID: 3567899,
				})
			},
			check: func(t *testing.T, got any) {
				r := got.(*flow.RefundStatus)
				require.Equal(t, flow.RefundCreated, r.Status.String())
				amount, err := r.Amount.Int64()
				require.NoError(t, err)
				require.EqualValues(t, 12000, amount)
			},
		},
		{
			name: "refund/getStatus", method: "GET", path: "/api/refund/getStatus",
			params: map[string]string{"token": "C93B4FAD6D63ED9A3F25D21E5D6DD0105ED8CAFQ"}, answer: refundJSON,
			call: func(c *flow.Client) (any, error) {
				return c.GetRefundStatus(ctx, "C93B4FAD6D63ED9A3F25D21E5D6DD0105ED8CAFQ")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, http.StatusOK, tt.answer)
			got, err := tt.call(c)
			require.NoError(t, err)
			if tt.check != nil {
				tt.check(t, got)
			}
			reqs := f.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			require.Equal(t, tt.method, r.method)
			require.Equal(t, tt.path, r.path)
			if tt.method == http.MethodPost {
				require.Equal(t, "application/x-www-form-urlencoded", r.contentType)
				require.Empty(t, r.query, "POST parameters go in the body only")
			} else {
				require.Empty(t, r.body, "GET has no body")
			}
			// Exactly the expected parameters, plus apiKey and s.
			require.Equal(t, testAPIKey, r.params.Get("apiKey"))
			require.True(t, flow.Verify(testSecret, r.params), "signature")
			got2 := map[string]string{}
			for k, v := range r.params {
				require.Len(t, v, 1, k)
				if k != "apiKey" && k != "s" {
					got2[k] = v[0]
				}
			}
			require.Equal(t, tt.params, got2)
		})
	}
}

func TestClientRefusesInvalidRequestsWithoutSending(t *testing.T) {
	f, c := newFake(t, http.StatusOK, paymentJSON)
	ctx := context.Background()
	_, err := c.Charge(ctx, flow.ChargeRequest{CommerceOrder: "o", Subject: "s", Amount: 100})
	require.ErrorIs(t, err, flow.ErrInvalidRequest)
	require.ErrorContains(t, err, "customerId")
	_, err = c.Charge(ctx, flow.ChargeRequest{CustomerID: "c", CommerceOrder: "o", Subject: "s", Amount: 0})
	require.ErrorIs(t, err, flow.ErrInvalidRequest)
	_, err = c.Charge(ctx, flow.ChargeRequest{CustomerID: "c", CommerceOrder: "o", Subject: "s", Amount: 1, Optionals: "{"})
	require.ErrorIs(t, err, flow.ErrInvalidRequest)
	_, err = c.CreateRefund(ctx, flow.CreateRefundRequest{RefundCommerceOrder: "r", ReceiverEmail: "e", Amount: 1, URLCallBack: "u"})
	require.ErrorIs(t, err, flow.ErrInvalidRequest)
	_, err = c.GetPaymentStatusByFlowOrder(ctx, 0)
	require.ErrorIs(t, err, flow.ErrInvalidRequest)
	require.ErrorIs(t, c.Do(ctx, http.MethodPut, "x/y", nil, nil), flow.ErrInvalidRequest)
	require.False(t, flow.IsOutcomeUnknown(err))
	require.Empty(t, f.requests())
}

func TestNewValidatesConfig(t *testing.T) {
	for _, cfg := range []flow.Config{
		{BaseURL: "", APIKey: "k", Secret: "s"},
		{BaseURL: "ftp://x/api", APIKey: "k", Secret: "s"},
		{BaseURL: "/api", APIKey: "k", Secret: "s"},
		{BaseURL: flow.SandboxURL, APIKey: "", Secret: "s"},
		{BaseURL: flow.SandboxURL, APIKey: "k", Secret: ""},
		{BaseURL: flow.SandboxURL, APIKey: "k", Secret: "s", Timeout: -1},
	} {
		_, err := flow.New(cfg)
		require.ErrorIs(t, err, flow.ErrInvalidRequest, "%s", cfg)
	}
	c, err := flow.New(flow.Config{BaseURL: flow.ProductionURL + "/", APIKey: "k", Secret: "s"})
	require.NoError(t, err)
	require.Equal(t, flow.ProductionURL, c.BaseURL())
}

func TestConfigAndClientDoNotPrintSecrets(t *testing.T) {
	cfg := flow.Config{BaseURL: flow.SandboxURL, APIKey: testAPIKey, Secret: testSecret}
	c, err := flow.New(cfg)
	require.NoError(t, err)
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
	} {
		require.NotContains(t, s, testAPIKey)
		require.NotContains(t, s, testSecret)
	}
}

func TestFlowErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		code    int
		message string
		is      func(error) bool
		not     []func(error) bool
	}{
		{"invalid signature", 401, `{"code":108,"message":"Invalid Signature"}`, 108, "Invalid Signature",
			flow.IsInvalidSignature, []func(error) bool{flow.IsNotFound, flow.IsInvalidAPIKey}},
		{"invalid signature as 400 with string code", 400, `{"code":"108","message":"Invalid Signature"}`, 108, "Invalid Signature",
			flow.IsInvalidSignature, nil},
		{"apiKey not found", 401, `{"code":101,"message":"apiKey not found"}`, 101, "apiKey not found",
			flow.IsInvalidAPIKey, []func(error) bool{flow.IsNotFound, flow.IsInvalidSignature}},
		{"transaction not found", 400, `{"code":104,"message":"Transaction not found"}`, 104, "Transaction not found",
			flow.IsTransactionNotFound, []func(error) bool{flow.IsQuotaExceeded}},
		{"not found", 400, `{"code":104,"message":"Transaction not found"}`, 104, "Transaction not found",
			flow.IsNotFound, nil},
		{"quota", 400, `{"code":112,"message":"The customer id: 4001 has exceeded the daily transaction quota"}`, 112,
			"The customer id: 4001 has exceeded the daily transaction quota", flow.IsQuotaExceeded, []func(error) bool{flow.IsNotFound}},
		{"already exists", 401, `{"code":110,"message":"A customer with externalId x already exists"}`, 110,
			"A customer with externalId x already exists", flow.IsAlreadyExists, nil},
		{"missing params", 400, `{"code":100,"message":"There's some missing params"}`, 100,
			"There's some missing params", flow.IsMissingParams, nil},
		{"previously paid", 401, `{"code":1605,"message":"This commerceOrder 1883 has been previously paid"}`, 1605,
			"This commerceOrder 1883 has been previously paid", flow.IsPreviouslyPaid, nil},
		{"HTML 4xx", 403, "<html><body>\n<h1>Forbidden</h1></body></html>", 0, "<html><body> <h1>Forbidden</h1></body></html>",
			func(err error) bool { return !flow.IsOutcomeUnknown(err) }, nil},
		{"empty 404", 404, "", 0, "Not Found", func(err error) bool { return !flow.IsOutcomeUnknown(err) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newFake(t, tt.status, tt.body)
			_, err := c.GetPaymentStatusByCommerceID(context.Background(), "inv_1")
			fe, ok := flow.AsError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tt.status, fe.HTTPStatus)
			require.Equal(t, tt.code, fe.Code)
			require.Equal(t, tt.message, fe.Message)
			require.Equal(t, "payment/getStatusByCommerceId", fe.Service)
			require.True(t, tt.is(err))
			for _, not := range tt.not {
				require.False(t, not(err))
			}
			require.False(t, flow.IsOutcomeUnknown(err), "a 4xx is a refusal: nothing happened")
		})
	}
}

func TestOutcomeUnknownErrors(t *testing.T) {
	ctx := context.Background()
	charge := flow.ChargeRequest{CustomerID: "cus_x", CommerceOrder: "o", Subject: "s", Amount: 100}

	t.Run("5xx", func(t *testing.T) {
		_, c := newFake(t, http.StatusBadGateway, "<html>502 Bad Gateway</html>")
		_, err := c.Charge(ctx, charge)
		fe, ok := flow.AsError(err)
		require.True(t, ok)
		require.Equal(t, http.StatusBadGateway, fe.HTTPStatus)
		require.True(t, flow.IsOutcomeUnknown(err))
		require.ErrorIs(t, err, flow.ErrOutcomeUnknown)
	})
	t.Run("redirect", func(t *testing.T) {
		_, c := newFake(t, http.StatusFound, "")
		_, err := c.Charge(ctx, charge)
		require.True(t, flow.IsOutcomeUnknown(err))
	})
	for name, body := range map[string]string{
		"200 not JSON":        "<html>ok</html>",
		"200 empty":           "",
		"200 null":            "null",
		"200 array":           "[]",
		"200 no status":       `{"flowOrder":1}`,
		"200 error object":    `{"code":500,"message":"oops"}`,
		"200 truncated JSON":  `{"flowOrder":1,"status":2`,
		"200 mistyped object": `{"status":2,"paymentData":{"amount":{"x":[1,2]}},"pending_info":"x","optional":[1]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, c := newFake(t, http.StatusOK, body)
			p, err := c.Charge(ctx, charge)
			if name == "200 mistyped object" {
				// Lenient: odd shapes of unused fields do not lose a charge.
				require.NoError(t, err)
				require.Equal(t, flow.PaymentPaid, p.State())
				return
			}
			var ce *flow.CallError
			require.ErrorAs(t, err, &ce)
			require.True(t, ce.Sent)
			require.True(t, flow.IsOutcomeUnknown(err))
		})
	}
	t.Run("connection dropped after the request", func(t *testing.T) {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}))
		t.Cleanup(ts.Close)
		_, err := newClient(t, ts.URL+"/api", 0).Charge(ctx, charge)
		var ce *flow.CallError
		require.ErrorAs(t, err, &ce)
		require.True(t, ce.Sent)
		require.True(t, flow.IsOutcomeUnknown(err))
	})
	t.Run("timeout after the request", func(t *testing.T) {
		// The handler never answers; it returns when the client gives up.
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}))
		t.Cleanup(ts.Close)
		c := newClient(t, ts.URL+"/api", 500*time.Millisecond)
		_, err := c.GetPaymentStatusByCommerceID(ctx, "o") // GET: the URL holds apiKey and s
		var ce *flow.CallError
		require.ErrorAs(t, err, &ce)
		require.True(t, ce.Sent)
		require.True(t, flow.IsOutcomeUnknown(err))
		require.NotContains(t, err.Error(), testAPIKey)
		require.NotContains(t, err.Error(), url.QueryEscape(testAPIKey))
		require.NotContains(t, err.Error(), testSecret)
		require.NotContains(t, err.Error(), "s=")
	})
}

func TestNotSentErrors(t *testing.T) {
	ctx := context.Background()
	charge := flow.ChargeRequest{CustomerID: "cus_x", CommerceOrder: "o", Subject: "s", Amount: 100}

	t.Run("connection refused", func(t *testing.T) {
		ts := httptest.NewServer(http.NotFoundHandler())
		base := ts.URL + "/api"
		ts.Close()
		_, err := newClient(t, base, 0).Charge(ctx, charge)
		var ce *flow.CallError
		require.ErrorAs(t, err, &ce)
		require.False(t, ce.Sent)
		require.False(t, flow.IsOutcomeUnknown(err))
	})
	t.Run("context already cancelled", func(t *testing.T) {
		f, c := newFake(t, http.StatusOK, paymentJSON)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := c.Charge(cctx, charge)
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, flow.IsOutcomeUnknown(err))
		require.Empty(t, f.requests())
	})
}

func TestErrorsNeverCarrySecrets(t *testing.T) {
	// A front end that echoes the request URL in its error page.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, "bad request %s apiKey=%s s=%s raw=%s", r.URL.String(),
			r.URL.Query().Get("apiKey"), r.URL.Query().Get("s"), testSecret)
	}))
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL+"/api", 0)
	_, err := c.GetRefundStatus(context.Background(), "tok")
	require.Error(t, err)
	msg := err.Error()
	require.NotContains(t, msg, testAPIKey)
	require.NotContains(t, msg, url.QueryEscape(testAPIKey))
	require.NotContains(t, msg, testSecret)
	sig := flow.Sign(testSecret, url.Values{"apiKey": {testAPIKey}, "token": {"tok"}})
	require.NotContains(t, msg, sig)
	require.Contains(t, msg, "[redacted]")
	require.True(t, strings.HasPrefix(msg, "flow refund/getStatus: HTTP 400"), msg)
}

func TestDoGenericService(t *testing.T) {
	f, c := newFake(t, http.StatusOK, `{"customerId":"cus_1","name":"N"}`)
	var out flow.Customer
	// apiKey and s passed in are replaced, never trusted.
	err := c.Do(context.Background(), http.MethodPost, "/customer/edit/", url.Values{
		"customerId": {"cus_1"}, "name": {"N"}, "apiKey": {"other"}, "s": {"forged"},
	}, &out)
	require.NoError(t, err)
	require.Equal(t, "cus_1", out.CustomerID.String())
	r := f.requests()[0]
	require.Equal(t, "/api/customer/edit", r.path)
	require.Equal(t, testAPIKey, r.params.Get("apiKey"))
	require.True(t, flow.Verify(testSecret, r.params))
	require.True(t, errors.Is(c.Do(context.Background(), http.MethodGet, "", nil, nil), flow.ErrInvalidRequest))
}

package webhookin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flowgw"
	"github.com/cuota/cuota/internal/webhookin"
)

// flowApp is cuota as the Flow webhook sees it: it knows some payment keys
// and refund references, records every call, and settles each object once
// (a repeated settlement is a no-op, as app.App's).
type flowApp struct {
	mu       sync.Mutex
	known    map[string]bool
	payCalls []payCall
	settled  map[string]billing.ChargeResult
	refunds  map[string]billing.RefundResult
}

type payCall struct {
	Scope billing.Scope
	Key   string
	Res   billing.ChargeResult
}

func newFlowApp(known ...string) *flowApp {
	a := &flowApp{known: map[string]bool{}, settled: map[string]billing.ChargeResult{}, refunds: map[string]billing.RefundResult{}}
	for _, k := range known {
		a.known[k] = true
	}
	return a
}

func (a *flowApp) know(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.known[key] = true
}

func (a *flowApp) SettleGatewayPayment(_ context.Context, s billing.Scope, key string, res billing.ChargeResult) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.payCalls = append(a.payCalls, payCall{s, key, res})
	if !a.known[key] {
		return billing.NotFound("payment", key)
	}
	if cur, ok := a.settled[key]; ok && cur.Status != billing.PaymentPending {
		return nil // already settled
	}
	a.settled[key] = res
	return nil
}

func (a *flowApp) SettleGatewayRefund(_ context.Context, _ billing.Scope, ref string, res billing.RefundResult) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.known[ref] {
		return billing.NotFound("refund", ref)
	}
	if _, ok := a.refunds[ref]; !ok {
		a.refunds[ref] = res
	}
	return nil
}

func (a *flowApp) calls() []payCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]payCall(nil), a.payCalls...)
}

func (a *flowApp) settledOf(key string) (billing.ChargeResult, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.settled[key]
	return r, ok
}

// flowEnv is flowsim, the Flow adapter, and cuota's Flow webhook on a real
// HTTP server that flowsim notifies.
type flowEnv struct {
	sim     *flowsim.Server
	adapter *flowgw.Adapter
	app     *flowApp
	hook    *httptest.Server
	scope   billing.Scope

	mu    sync.Mutex
	creds billing.GatewayCredentials
}

// newFlowEnv starts the environment; checkTimeout is the webhook's bound
// on its check with Flow (0: the default).
func newFlowEnv(t *testing.T, checkTimeout time.Duration) *flowEnv {
	t.Helper()
	e := &flowEnv{app: newFlowApp(), scope: billing.Scope{MerchantID: "mch_hook", Mode: billing.ModeTest}}
	e.sim = flowsim.New(flowsim.Options{})
	simSrv := httptest.NewServer(e.sim)
	t.Cleanup(simSrv.Close)
	t.Cleanup(e.sim.Close)
	e.sim.SetBaseURL(simSrv.URL)
	e.creds = billing.GatewayCredentials{APIKey: e.sim.APIKey(), Secret: e.sim.Secret(), Environment: "sandbox", BaseURL: simSrv.URL + "/api"}

	// The adapter reads the webhook's address only when it opens a page.
	e.adapter = flowgw.New(flowgw.Options{PublicURL: func() string { return e.hook.URL },
		Credentials: func(_ context.Context, s billing.Scope) (billing.GatewayCredentials, error) {
			if s != e.scope {
				return billing.GatewayCredentials{}, billing.Invalid("gateway", billing.CodeGatewayNotConfigured, "flow is not configured")
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.creds, nil
		}})
	mux := http.NewServeMux()
	(&webhookin.Flow{Refunds: e.adapter, Payments: e.adapter, App: e.app, CheckTimeout: checkTimeout}).Register(mux)
	e.hook = httptest.NewServer(mux)
	t.Cleanup(e.hook.Close)
	return e
}

// start opens a Flow pay page for a payment with key, as the app does.
func (e *flowEnv) start(t *testing.T, key string) billing.PayStart {
	t.Helper()
	st, err := e.adapter.StartPayment(context.Background(), billing.PayRequest{Scope: e.scope,
		Payment:  billing.Payment{ID: "pay_" + key, Scope: e.scope, Amount: 12000, Currency: "CLP", IdempotencyKey: key, Status: billing.PaymentPending},
		Customer: billing.Customer{ID: "cus_1", Email: "ana@example.cl"}, Description: "Factura", ReturnURL: "http://cuota.test/return/pay/x",
		ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	return st
}

// post sends a notification as Flow would: a form with only token.
func (e *flowEnv) post(t *testing.T, path, token string) (int, string) {
	t.Helper()
	res, err := http.PostForm(e.hook.URL+path, url.Values{"token": {token}})
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	return res.StatusCode, string(body)
}

func (e *flowEnv) paymentPath() string {
	return "/webhooks/flow/" + e.scope.MerchantID + "/" + string(e.scope.Mode) + "/payment"
}

// TestFlowPaymentNotification: Flow's confirmation of a paid pay page is
// verified with Flow and settles the payment with its key, once; Flow
// gets its 200 without an integration alert.
func TestFlowPaymentNotification(t *testing.T) {
	e := newFlowEnv(t, 0)
	ctx := context.Background()
	e.app.know("in_hook-1")
	st := e.start(t, "in_hook-1")

	n, err := e.sim.PayWithCard(ctx, st.GatewayRef, flowsim.CardVisa)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, n.HTTPStatus)
	require.False(t, n.Alert, "answered 200 within 15 s")
	require.Equal(t, e.hook.URL+e.paymentPath(), n.URL)

	calls := e.app.calls()
	require.Len(t, calls, 1)
	require.Equal(t, e.scope, calls[0].Scope)
	require.Equal(t, "in_hook-1", calls[0].Key)
	require.Equal(t, billing.PaymentSucceeded, calls[0].Res.Status)
	require.NotEmpty(t, calls[0].Res.GatewayRef)
	first, ok := e.app.settledOf("in_hook-1")
	require.True(t, ok)

	// A duplicate delivery is verified again and changes nothing.
	n, err = e.sim.ResendNotification(ctx, st.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, n.HTTPStatus)
	again, _ := e.app.settledOf("in_hook-1")
	require.Equal(t, first, again)
	for _, c := range e.app.calls() {
		require.Equal(t, "in_hook-1", c.Key)
	}

	// A declined card settles as a failure of the customer's card.
	e.app.know("in_hook-2")
	st = e.start(t, "in_hook-2")
	n, err = e.sim.PayWithCard(ctx, st.GatewayRef, flowsim.CardDeclined)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, n.HTTPStatus)
	res, ok := e.app.settledOf("in_hook-2")
	require.True(t, ok)
	require.Equal(t, billing.PaymentFailed, res.Status)
	require.Equal(t, billing.FailureCustomer, res.FailureClass)
}

// TestFlowPaymentNotificationIgnored: tokens Flow does not know, orders
// cuota does not know and merchants without Flow all get the same plain
// 200, and nothing is settled.
func TestFlowPaymentNotificationIgnored(t *testing.T) {
	e := newFlowEnv(t, 0)
	ctx := context.Background()

	status, body := e.post(t, e.paymentPath(), strings.Repeat("F", 40))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok\n", body)
	require.Empty(t, e.app.calls(), "a forged token is never settled")

	// Paid at Flow, unknown to cuota (another system on the same account).
	st := e.start(t, "other-system-7")
	n, err := e.sim.PayWithCard(ctx, st.GatewayRef, flowsim.CardVisa)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, n.HTTPStatus)
	_, ok := e.app.settledOf("other-system-7")
	require.False(t, ok)

	// Another merchant's path, with a real token: its own credentials
	// cannot verify it.
	status, body = e.post(t, "/webhooks/flow/mch_other/test/payment", st.GatewayRef)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok\n", body)

	status, _ = e.post(t, "/webhooks/flow/mch_hook/nope/payment", st.GatewayRef)
	require.Equal(t, http.StatusBadRequest, status)
	// Text no store can hold, in the path or the token (PostgreSQL would
	// fail on it where the credentials are read).
	status, _ = e.post(t, "/webhooks/flow/mch_%00/test/payment", st.GatewayRef)
	require.Equal(t, http.StatusBadRequest, status)
	status, _ = e.post(t, "/webhooks/flow/mch_%ff/test/payment", st.GatewayRef)
	require.Equal(t, http.StatusBadRequest, status)
	status, _ = e.post(t, e.paymentPath(), "tok\xff")
	require.Equal(t, http.StatusBadRequest, status)
	res, err := http.PostForm(e.hook.URL+e.paymentPath(), url.Values{})
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Len(t, e.app.calls(), 1, "only the known-to-Flow order reached the app")
}

// TestFlowPaymentNotificationFlowDown: when Flow does not answer the
// check, the notification is answered 503 (call again) and nothing is
// settled; delivered again once Flow answers, it settles.
func TestFlowPaymentNotificationFlowDown(t *testing.T) {
	e := newFlowEnv(t, 0)
	ctx := context.Background()
	e.app.know("in_down-1")
	st := e.start(t, "in_down-1")

	e.sim.FailNext(1, http.StatusServiceUnavailable) // the check is the next API call
	n, err := e.sim.PayWithCard(ctx, st.GatewayRef, flowsim.CardVisa)
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, n.HTTPStatus)
	require.Empty(t, e.app.calls())

	n, err = e.sim.ResendNotification(ctx, st.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, n.HTTPStatus)
	res, ok := e.app.settledOf("in_down-1")
	require.True(t, ok)
	require.Equal(t, billing.PaymentSucceeded, res.Status)

	// Flow unreachable (nothing listens): also 503, not a silent 200.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	e.mu.Lock()
	e.creds.BaseURL = dead.URL + "/api"
	e.mu.Unlock()
	status, _ := e.post(t, e.paymentPath(), st.GatewayRef)
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Len(t, e.app.calls(), 1)
}

// TestFlowPaymentNotificationSlowFlow: a check Flow does not answer in
// time is given up before Flow's own 15 s limit, with a 503.
func TestFlowPaymentNotificationSlowFlow(t *testing.T) {
	e := newFlowEnv(t, 50*time.Millisecond)
	e.app.know("in_slow-1")
	st := e.start(t, "in_slow-1")
	e.sim.SetLatency("payment/getStatus", time.Hour) // released when the client gives up
	status, _ := e.post(t, e.paymentPath(), st.GatewayRef)
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Empty(t, e.app.calls())
}

// TestFlowRefundNotification: the refund branch keeps working beside the
// payment one.
func TestFlowRefundNotification(t *testing.T) {
	e := newFlowEnv(t, 0)
	ctx := context.Background()
	e.app.know("in_rf-1")
	st := e.start(t, "in_rf-1")
	_, err := e.sim.PayWithCard(ctx, st.GatewayRef, flowsim.CardVisa)
	require.NoError(t, err)
	paid, _ := e.app.settledOf("in_rf-1")

	rf, err := e.adapter.Refund(ctx, billing.RefundRequest{Scope: e.scope, IdempotencyKey: "re_1", ChargeKey: "in_rf-1",
		ChargeRef: paid.GatewayRef, Amount: 2000, Currency: "CLP", CustomerEmail: "ana@example.cl"})
	require.NoError(t, err)
	e.app.know(rf.GatewayRef)
	n, err := e.sim.CompleteRefund(ctx, rf.GatewayRef, true)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, n.HTTPStatus)
	e.app.mu.Lock()
	got := e.app.refunds[rf.GatewayRef]
	e.app.mu.Unlock()
	require.Equal(t, billing.RefundSucceeded, got.Status)
}

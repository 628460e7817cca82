package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/httpapi"
)

// publicURL is where these tests say the hosted pages live.
const publicURL = "https://pay.cuota.example"

// withSim installs the sim gateway and the public URL on the bundle's App.
func (b *testBundle) withSim() *testBundle {
	b.gateways[billing.GatewaySim] = sim.New(b.store, b.clock.Now)
	b.publicURL = publicURL
	return b
}

func (b *testBundle) createSetup(t *testing.T, key apiKey, customer string, body map[string]any) apiobj.PaymentMethodSetupJSON {
	t.Helper()
	return ok[apiobj.PaymentMethodSetupJSON](t, b.post(t, key, "/v1/customers/"+customer+"/payment_method_setups", body))
}

func TestPaymentMethodSetups(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	bundle.withSim()
	cus := bundle.createCustomer(t, bundle.a, nil)
	const ret = "https://agente.example/cards/done?x=1"

	res := bundle.post(t, bundle.a, "/v1/customers/"+cus.ID+"/payment_method_setups", map[string]any{"gateway": "sim", "return_url": ret})
	st := ok[apiobj.PaymentMethodSetupJSON](t, res)
	require.True(t, strings.HasPrefix(st.ID, billing.PrefixSetup), st.ID)
	require.Equal(t, "payment_method_setup", st.Object)
	require.False(t, st.Livemode)
	require.Equal(t, cus.ID, st.Customer)
	require.Equal(t, "sim", st.Gateway)
	require.Equal(t, billing.SetupPending, st.Status)
	require.Equal(t, ret, st.ReturnURL)
	require.Nil(t, st.PaymentMethod)
	require.Nil(t, st.FailureMessage)
	require.Equal(t, st.Created+int64(app.SetupTTL/time.Second), st.ExpiresAt)
	page, err := url.Parse(st.URL)
	require.NoError(t, err)
	require.Equal(t, publicURL+"/sim/setup/"+st.ID, page.Scheme+"://"+page.Host+page.Path)
	secret := page.Query().Get("secret")
	require.True(t, strings.HasPrefix(secret, billing.PrefixSetupSecret), st.URL)
	// Nulls are explicit in the JSON.
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(res.Body, &fields))
	require.JSONEq(t, "null", string(fields["payment_method"]))
	require.JSONEq(t, "null", string(fields["failure_message"]))

	// Retrieving never shows the link again: it holds the secret.
	res = bundle.get(t, bundle.a, "/v1/payment_method_setups/"+st.ID)
	got := ok[apiobj.PaymentMethodSetupJSON](t, res)
	require.Empty(t, got.URL)
	require.NotContains(t, string(res.Body), `"url"`)
	require.NotContains(t, string(res.Body), secret)
	want := st
	want.URL = ""
	require.Equal(t, want, got)

	// The customer saves a card on the page; the API shows the outcome.
	back, err := bundle.app.Customers.CompleteSimSetup(t.Context(), st.ID, secret, billing.SimTokVisa)
	require.NoError(t, err)
	require.Contains(t, back, "status=succeeded")
	got = ok[apiobj.PaymentMethodSetupJSON](t, bundle.get(t, bundle.a, "/v1/payment_method_setups/"+st.ID))
	require.Equal(t, billing.SetupSucceeded, got.Status)
	require.NotNil(t, got.PaymentMethod)
	require.Nil(t, got.FailureMessage)
	pms := ok[httpapi.ListJSON[apiobj.PaymentMethodJSON]](t, bundle.get(t, bundle.a, "/v1/customers/"+cus.ID+"/payment_methods"))
	require.Len(t, pms.Data, 1)
	require.Equal(t, *got.PaymentMethod, pms.Data[0].ID)
	require.Equal(t, "visa", pms.Data[0].Brand)
	require.Equal(t, "4242", pms.Data[0].Last4)

	// A canceled one fails with a message.
	st2 := bundle.createSetup(t, bundle.a, cus.ID, map[string]any{"gateway": "sim", "return_url": ret})
	page, err = url.Parse(st2.URL)
	require.NoError(t, err)
	_, err = bundle.app.Customers.CompleteSimSetup(t.Context(), st2.ID, page.Query().Get("secret"), "")
	require.NoError(t, err)
	got = ok[apiobj.PaymentMethodSetupJSON](t, bundle.get(t, bundle.a, "/v1/payment_method_setups/"+st2.ID))
	require.Equal(t, billing.SetupFailed, got.Status)
	require.Nil(t, got.PaymentMethod)
	require.NotNil(t, got.FailureMessage)
	require.NotEmpty(t, *got.FailureMessage)

	// One left alone expires.
	st3 := bundle.createSetup(t, bundle.a, cus.ID, map[string]any{"gateway": "sim", "return_url": ret})
	bundle.clock.Advance(app.SetupTTL)
	got = ok[apiobj.PaymentMethodSetupJSON](t, bundle.get(t, bundle.a, "/v1/payment_method_setups/"+st3.ID))
	require.Equal(t, billing.SetupExpired, got.Status)
}

func TestPaymentMethodSetupErrors(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	bundle.withSim()
	cus := bundle.createCustomer(t, bundle.a, nil)
	path := "/v1/customers/" + cus.ID + "/payment_method_setups"
	const ret = "https://agente.example/back"

	cases := []struct {
		name        string
		body        any
		status      int
		code, param string
	}{
		{"no gateway", map[string]any{"return_url": ret}, http.StatusBadRequest, billing.CodeParameterMissing, "gateway"},
		{"no return url", map[string]any{"gateway": "sim"}, http.StatusBadRequest, billing.CodeParameterMissing, "return_url"},
		{"relative return url", map[string]any{"gateway": "sim", "return_url": "/back"}, http.StatusBadRequest, billing.CodeParameterInvalid, "return_url"},
		{"other scheme", map[string]any{"gateway": "sim", "return_url": "javascript:alert(1)"}, http.StatusBadRequest, billing.CodeParameterInvalid, "return_url"},
		{"long return url", map[string]any{"gateway": "sim", "return_url": ret + "?q=" + strings.Repeat("a", 2000)}, http.StatusBadRequest, billing.CodeParameterInvalid, "return_url"},
		{"gateway not configured", map[string]any{"gateway": "flow", "return_url": ret}, http.StatusBadRequest, billing.CodeParameterInvalid, "gateway"},
		{"unknown field", map[string]any{"gateway": "sim", "return_url": ret, "token": "tok_visa"}, http.StatusBadRequest, billing.CodeParameterUnknown, "token"},
		{"wrong type", map[string]any{"gateway": "sim", "return_url": 5}, http.StatusBadRequest, billing.CodeParameterInvalid, "return_url"},
		{"not json", raw("gateway=sim"), http.StatusBadRequest, billing.CodeBodyInvalid, ""},
	}
	for _, c := range cases {
		requireProblem(t, bundle.post(t, bundle.a, path, c.body), c.status, c.code, c.param)
	}

	// Unknown customer; another merchant's customer and setup.
	body := map[string]any{"gateway": "sim", "return_url": ret}
	requireProblem(t, bundle.post(t, bundle.a, "/v1/customers/cus_nope/payment_method_setups", body), http.StatusNotFound, billing.CodeResourceMissing, "id")
	requireProblem(t, bundle.post(t, bundle.b, path, body), http.StatusNotFound, billing.CodeResourceMissing, "id")
	st := bundle.createSetup(t, bundle.a, cus.ID, body)
	requireProblem(t, bundle.get(t, bundle.b, "/v1/payment_method_setups/"+st.ID), http.StatusNotFound, billing.CodeResourceMissing, "id")
	requireProblem(t, bundle.get(t, bundle.a, "/v1/payment_method_setups/pmsetup_nope"), http.StatusNotFound, billing.CodeResourceMissing, "id")

	// Live mode has no sim gateway: it never pretends to save a card.
	requireProblem(t, bundle.post(t, bundle.aLive, path, body), http.StatusBadRequest, app.CodeLivemodeNotAllowed, "")
	// Test mode objects are invisible to the live key.
	requireProblem(t, bundle.get(t, bundle.aLive, "/v1/payment_method_setups/"+st.ID), http.StatusNotFound, billing.CodeResourceMissing, "id")

	// No key, no setup.
	res := bundle.post(t, apiKey{}, path, body)
	requireProblem(t, res, http.StatusUnauthorized, billing.CodeInvalidAPIKey, "")
}

func TestPaymentMethodSetupIdempotent(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	bundle.withSim()
	cus := bundle.createCustomer(t, bundle.a, nil)
	path := "/v1/customers/" + cus.ID + "/payment_method_setups"
	body := map[string]any{"gateway": "sim", "return_url": "https://agente.example/back"}

	first := ok[apiobj.PaymentMethodSetupJSON](t, bundle.post(t, bundle.a, path, body, "Idempotency-Key", "setup-1"))
	again := ok[apiobj.PaymentMethodSetupJSON](t, bundle.post(t, bundle.a, path, body, "Idempotency-Key", "setup-1"))
	require.Equal(t, first, again, "a retry gets the same setup and link")
	other := ok[apiobj.PaymentMethodSetupJSON](t, bundle.post(t, bundle.a, path, body))
	require.NotEqual(t, first.ID, other.ID)
}

func TestPaymentMethodSetupOpenAPI(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	res := bundle.get(t, apiKey{}, "/openapi.json")
	require.Equal(t, http.StatusOK, res.Status)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &doc))
	require.Equal(t, "create-payment-method-setup", doc.Paths["/v1/customers/{id}/payment_method_setups"]["post"].OperationID)
	require.Equal(t, "get-payment-method-setup", doc.Paths["/v1/payment_method_setups/{id}"]["get"].OperationID)
}

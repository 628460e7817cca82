package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/flowsim"
)

// TestCheckoutSimDeclineThenSuccess: a customer in Spanish pays a CLP plan
// on the sim's card page; the first card is declined, the page says so and
// nothing is subscribed; a second card works, the browser lands on the
// merchant's success_url with session_id, and the subscription is active.
// The same email then cannot subscribe to the same product twice.
func TestCheckoutSimDeclineThenSuccess(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	prod := s.product("Plan Propiedades", map[string]int64{"properties": 10})
	s.ok("POST", "/v1/products/"+prod, map[string]any{"feature_labels": map[string]any{
		"es-CL": map[string]string{"properties": "Propiedades"}, "en": map[string]string{"properties": "Listings"}}})
	monthly := s.price(prod, 5000, "CLP", "month")
	annual := s.price(prod, 50000, "CLP", "year")
	id, u := s.checkout(map[string]any{"mode": "subscription", "line_items": []map[string]any{{"price": monthly}}, "locale": "es-CL"})

	b.visit(u, "#email")
	require.Equal(t, "Suscribirse a Plan Propiedades", b.text("h1"))
	require.Contains(t, b.text(`label[for="price-`+monthly+`"]`), "Mensual $5.000 al mes")
	require.Contains(t, b.text(`label[for="price-`+annual+`"]`), "Anual $50.000 al año", "the annual choice is offered")
	require.Equal(t, "Propiedades: 10", b.text(".features"), "the feature's Spanish label, not its key")
	require.Equal(t, "$5.000", b.text("#total-"+monthly))
	b.hidden("#total-" + annual)
	b.checkPage()
	// Picking the annual cycle shows its total at once, without a script.
	b.click("#price-"+annual, "#total-"+annual)
	require.Equal(t, "$50.000", b.text("#total-"+annual))
	b.hidden("#total-" + monthly)
	b.click("#price-"+monthly, "#total-"+monthly)

	b.typeInto("#email", "rosa@example.cl")
	b.click("#pay", "#card-"+billing.SimTokInsufficientFunds)
	b.checkPage()
	b.simCard(billing.SimTokInsufficientFunds, "#error")
	require.Contains(t, b.text("#error"), "fondos suficientes")
	require.Contains(t, b.text("#error"), "Prueba con otra tarjeta")
	cs := s.ok("GET", "/v1/checkout_sessions/"+id, nil)
	require.Equal(t, "open", cs["status"], "a decline leaves the checkout open")
	require.Nil(t, cs["subscription"])

	b.click("#pay", "#card-"+billing.SimTokVisa)
	b.simCard(billing.SimTokVisa, "#merchant-page")
	loc, err := url.Parse(b.location())
	require.NoError(t, err)
	require.Equal(t, "/success", loc.Path)
	require.Equal(t, id, loc.Query().Get("session_id"))
	require.Equal(t, "1", loc.Query().Get("plan"), "the success_url's own query is kept")

	cs = s.ok("GET", "/v1/checkout_sessions/"+id, nil)
	require.Equal(t, "complete", cs["status"])
	sub := s.ok("GET", "/v1/subscriptions/"+cs["subscription"].(string), nil)
	require.Equal(t, "active", sub["status"])
	require.Equal(t, cs["customer"], sub["customer"])
	invs := s.ok("GET", "/v1/invoices?subscription="+sub["id"].(string), nil)["data"].([]any)
	require.Len(t, invs, 1)
	require.Equal(t, "paid", invs[0].(map[string]any)["status"])
	require.EqualValues(t, 5000, invs[0].(map[string]any)["amount_paid"])

	// The same customer cannot be sold the same product again: the API
	// refuses a session for them, and a checkout by the same email says so
	// before any card is asked for.
	status, body := s.do("POST", "/v1/checkout_sessions", map[string]any{"mode": "subscription", "customer": cs["customer"],
		"line_items": []map[string]any{{"price": annual}}, "success_url": s.merchant + "/success", "cancel_url": s.merchant + "/cancel"})
	require.Equal(t, http.StatusConflict, status, body)
	require.Equal(t, "customer_already_subscribed", body["code"])
	_, again := s.checkout(map[string]any{"mode": "subscription", "customer_email": "rosa@example.cl", "line_items": []map[string]any{{"price": monthly}}, "locale": "es-CL"})
	b.visit(again, "#pay")
	b.click("#pay", "#error")
	require.Contains(t, b.text("#error"), "Ya tienes una suscripción activa a este plan")
	subs := s.ok("GET", "/v1/subscriptions?customer="+cs["customer"].(string), nil)["data"].([]any)
	require.Len(t, subs, 2, "one declined (incomplete_expired) and one active: no second charge")
	b.checkPage()
}

// TestCheckoutCancelInEnglish: a USD checkout in English shows "$50.00 per
// month" and its back link goes to the cancel_url without subscribing.
func TestCheckoutCancelInEnglish(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	prod := s.product("Listing Pro", nil)
	price := s.price(prod, 5000, "USD", "month")
	id, u := s.checkout(map[string]any{"mode": "subscription", "line_items": []map[string]any{{"price": price}}, "locale": "en"})

	// The page's headers: a strict policy, no framing, no referrer.
	res, err := http.Get(u)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	policy := res.Header.Get("Content-Security-Policy")
	require.Contains(t, policy, "default-src 'none'")
	require.Contains(t, policy, "frame-ancestors 'none'")
	require.NotContains(t, policy, "unsafe-inline")
	require.NotContains(t, policy, "script-src", "no script at all")
	require.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	// A forged cross-site post is refused before it reaches the checkout.
	forged, err := http.NewRequest(http.MethodPost, strings.Split(u, "?")[0], strings.NewReader("op=pay&token=x"))
	require.NoError(t, err)
	forged.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	forged.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err = http.DefaultClient.Do(forged)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	// A wrong token is not found, like an unknown id.
	res, err = http.Get(strings.Split(u, "?")[0] + "?token=hps_WRONG")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNotFound, res.StatusCode)

	b.visit(u, "#email")
	require.Equal(t, "Subscribe to Listing Pro", b.text("h1"))
	require.Equal(t, "$50.00 per month", b.text("#line-"+price))
	require.Equal(t, "$50.00", b.text("#total"))
	b.checkPage()
	b.click("#cancel", "#merchant-page")
	require.Equal(t, s.merchant+"/cancel", b.location())
	require.Equal(t, "open", s.ok("GET", "/v1/checkout_sessions/"+id, nil)["status"])
}

// TestCheckoutPromotionCode: the customer applies a promotion code, sees
// the discounted total, pays it, and the subscription carries the coupon.
func TestCheckoutPromotionCode(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	prod := s.product("Listing Pro", nil)
	price := s.price(prod, 5000, "USD", "month")
	coupon := s.ok("POST", "/v1/coupons", map[string]any{"percent_off": 20, "duration": "forever"})
	s.ok("POST", "/v1/promotion_codes", map[string]any{"coupon": coupon["id"], "code": "SPRING20"})
	id, u := s.checkout(map[string]any{"mode": "subscription", "line_items": []map[string]any{{"price": price}},
		"locale": "en", "allow_promotion_codes": true})

	b.visit(u, "#promotion_code")
	b.typeInto("#email", "sam@example.com")
	b.typeInto("#promotion_code", "nope")
	b.click("#apply", "#error")
	require.Contains(t, b.text("#error"), "not valid")
	b.typeInto("#promotion_code", "spring20")
	b.click("#apply", "#promo-applied")
	require.Equal(t, "Code SPRING20 applied: -$10.00.", b.text("#promo-applied"))
	require.Equal(t, "$40.00", b.text("#total"))
	require.Equal(t, "sam@example.com", b.value("#email"), "the email survives applying the code")
	b.checkPage()

	b.click("#pay", "#card-"+billing.SimTokVisa)
	b.simCard(billing.SimTokVisa, "#merchant-page")
	cs := s.ok("GET", "/v1/checkout_sessions/"+id, nil)
	require.Equal(t, "complete", cs["status"])
	require.Equal(t, "SPRING20", cs["promotion_code"])
	sub := s.ok("GET", "/v1/subscriptions/"+cs["subscription"].(string), nil)
	require.Equal(t, coupon["id"], sub["coupon"])
	inv := s.ok("GET", "/v1/invoices?subscription="+sub["id"].(string), nil)["data"].([]any)[0].(map[string]any)
	require.EqualValues(t, 4000, inv["amount_paid"])
}

// TestCheckoutFlowsim: with Flow configured, the customer picks Flow,
// registers a card on flowsim's enrolment page, comes back through cuota's
// verified return, and the subscription is charged on Flow.
func TestCheckoutFlowsim(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	fs := flowsim.New(flowsim.Options{})
	srv := newLoopbackServer(t, fs)
	t.Cleanup(fs.Close)
	fs.SetBaseURL(srv)
	s.ok("PUT", "/v1/merchant/gateways/flow", map[string]any{"api_key": fs.APIKey(), "secret": fs.Secret(), "base_url": srv + "/api"})
	prod := s.product("Plan Propiedades", nil)
	price := s.price(prod, 9990, "CLP", "month")
	id, u := s.checkout(map[string]any{"mode": "subscription", "line_items": []map[string]any{{"price": price}}, "locale": "es-CL"})

	b.visit(u, "#gateway-flow")
	require.Equal(t, "$9.990 al mes", b.text("#line-"+price))
	b.checkPage()
	b.typeInto("#email", "rosa@example.cl")
	b.choose("#gateway-flow")
	b.click("#pay", "#register")
	b.choose("#card-" + flowsim.CardVisa)
	b.click("#register", "#merchant-page")
	require.Contains(t, b.location(), "session_id="+id)

	cs := s.ok("GET", "/v1/checkout_sessions/"+id, nil)
	require.Equal(t, "complete", cs["status"])
	sub := s.ok("GET", "/v1/subscriptions/"+cs["subscription"].(string), nil)
	require.Equal(t, "active", sub["status"])
	pms := s.ok("GET", "/v1/customers/"+cs["customer"].(string)+"/payment_methods", nil)["data"].([]any)
	require.Len(t, pms, 1)
	require.Equal(t, "flow", pms[0].(map[string]any)["gateway"])
	var charged int64
	for _, e := range fs.Ledger() {
		if e.Kind == flowsim.KindCharge && e.MovedMoney() {
			charged += e.Amount
		}
	}
	require.EqualValues(t, 9990, charged, "Flow charged the first month once")
}

// TestCheckoutSetupMode saves a card without selling anything.
func TestCheckoutSetupMode(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "ana@example.com", "locale": "en"})
	id, u := s.checkout(map[string]any{"mode": "setup", "customer": cus["id"]})
	b.visit(u, "#pay")
	require.Equal(t, "Save a card", b.text("h1"))
	b.checkPage()
	b.click("#pay", "#card-"+billing.SimTokVisa)
	b.simCard(billing.SimTokVisa, "#merchant-page")
	cs := s.ok("GET", "/v1/checkout_sessions/"+id, nil)
	require.Equal(t, "complete", cs["status"])
	require.NotNil(t, cs["payment_method"])
	require.Nil(t, cs["subscription"])
	status, body := s.do("POST", "/v1/checkout_sessions", map[string]any{"mode": "payment", "line_items": []map[string]any{},
		"success_url": s.merchant + "/s", "cancel_url": s.merchant + "/c"})
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "parameter_missing", body["code"])
	require.Equal(t, "line_items", body["param"])
}

// newLoopbackServer serves h on 127.0.0.1 and returns its URL.
func newLoopbackServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	return srv.URL
}

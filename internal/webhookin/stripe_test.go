package webhookin_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v86"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/stripegw"
	"github.com/cuota/cuota/internal/gateway/stripegw/stripefake"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/webhookin"
)

const (
	fakeKey       = "sk_test_fake"
	webhookSecret = "whsec_test_secret"
)

// env is the real app on SQLite with the Stripe adapter talking to the
// Stripe fake, and the webhook handler served over HTTP.
type env struct {
	app   *app.App
	store billing.Store
	fake  *stripefake.Server
	scope billing.Scope
	url   string // the webhook endpoint
	cus   billing.Customer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	fake := stripefake.New(fakeKey)
	fsrv := httptest.NewServer(fake)
	t.Cleanup(fsrv.Close)
	t.Cleanup(fake.Close)
	fake.SetBaseURL(fsrv.URL)

	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cuota.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(ctx))
	a := app.New(store, time.Now, nil)
	a.SetPublicURL("http://cuota.test")
	gw := stripegw.New(stripegw.Options{Store: store, NetworkRetries: stripe.Int64(0),
		Credentials: func(ctx context.Context, s billing.Scope) (billing.GatewayCredentials, error) {
			return a.GatewayCredentials(ctx, s, billing.GatewayStripe)
		}})
	a.SetGateways(app.Gateways{billing.GatewayStripe: gw})
	m, err := a.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Shop"})
	require.NoError(t, err)
	s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	_, err = a.SetGatewayConfig(ctx, s, billing.GatewayStripe, billing.GatewayCredentials{APIKey: fakeKey,
		WebhookSecret: webhookSecret, BaseURL: fsrv.URL})
	require.NoError(t, err)

	mux := http.NewServeMux()
	(&webhookin.Stripe{Gateway: gw, App: a}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	email, name := "ana@example.com", "Ana"
	cus, err := a.CreateCustomer(ctx, s, app.CustomerParams{Email: &email, Name: &name})
	require.NoError(t, err)
	return &env{app: a, store: store, fake: fake, scope: s, url: srv.URL + "/webhooks/stripe/" + m.ID + "/test", cus: cus}
}

// post sends body with a Stripe-Signature header and returns the status.
func (e *env) post(t *testing.T, body []byte, sig string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("Stripe-Signature", sig)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

// send posts a correctly signed event about the fake's object id.
func (e *env) send(t *testing.T, typ, id string) []byte {
	t.Helper()
	obj, err := e.fake.Object(id)
	require.NoError(t, err)
	body := e.fake.Event(typ, obj)
	require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})), typ)
	return body
}

// setupRef starts a card setup and returns it with its session id.
func (e *env) setupRef(t *testing.T) (billing.PaymentMethodSetup, string) {
	t.Helper()
	ctx := t.Context()
	st, redirect, err := e.app.CreateSetup(ctx, e.scope, e.cus.ID, app.CreateSetupParams{Gateway: billing.GatewayStripe,
		ReturnURL: "https://shop.example.com/card"})
	require.NoError(t, err)
	require.Contains(t, redirect, "/c/pay/cs_test_")
	return st, st.GatewayRef
}

func (e *env) events(t *testing.T, typ string) int {
	t.Helper()
	l, err := e.app.ListEvents(t.Context(), e.scope, billing.EventFilter{Type: typ}, billing.Page{Limit: 100})
	require.NoError(t, err)
	return len(l.Data)
}

// savedCard saves card through Checkout, finished by the webhook (the
// browser never comes back), and returns the payment method.
func (e *env) savedCard(t *testing.T, card string) billing.PaymentMethod {
	t.Helper()
	st, ref := e.setupRef(t)
	_, err := e.fake.CompleteCheckout(ref, card)
	require.NoError(t, err)
	e.send(t, "checkout.session.completed", ref)
	got, err := e.app.GetSetup(t.Context(), e.scope, st.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, got.Status)
	pms, err := e.app.ListPaymentMethods(t.Context(), e.scope, e.cus.ID)
	require.NoError(t, err)
	for _, pm := range pms {
		if pm.ID == got.PaymentMethodID {
			return pm
		}
	}
	t.Fatalf("payment method %s not saved", got.PaymentMethodID)
	return billing.PaymentMethod{}
}

func (e *env) subscribe(t *testing.T, pm billing.PaymentMethod, amount int64, currency string) billing.Subscription {
	t.Helper()
	ctx := t.Context()
	name := "Plan"
	prod, err := e.app.CreateProduct(ctx, e.scope, app.ProductParams{Name: &name})
	require.NoError(t, err)
	price, err := e.app.CreatePrice(ctx, e.scope, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: currency,
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
	require.NoError(t, err)
	sub, err := e.app.CreateSubscription(ctx, e.scope, app.CreateSubscriptionParams{Customer: e.cus.ID,
		Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID})
	require.NoError(t, err)
	return sub
}

// TestStripeWebhookFinishesSetups: checkout.session.completed finishes a
// setup whose browser never came back (asking Stripe, through
// FinishSetup); a repeat changes nothing; setup_intent.succeeded does the
// same for another setup.
func TestStripeWebhookFinishesSetups(t *testing.T) {
	e := newEnv(t)
	pm := e.savedCard(t, stripefake.CardVisa)
	require.Equal(t, "4242", pm.Last4)
	require.Equal(t, billing.GatewayStripe, pm.Gateway)
	require.Equal(t, 1, e.events(t, "payment_method_setup.succeeded"))

	// The same event again (Stripe retries, duplicates happen).
	st, ref := e.setupRef(t)
	_, err := e.fake.CompleteCheckout(ref, stripefake.CardMastercard)
	require.NoError(t, err)
	body := e.send(t, "setup_intent.succeeded", mustSetupIntent(t, e, ref))
	require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})))
	got, err := e.app.GetSetup(t.Context(), e.scope, st.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, got.Status)
	require.Equal(t, 2, e.events(t, "payment_method_setup.succeeded"))
	// The browser coming back afterwards gets the same answer.
	dest, err := e.app.CompleteGatewaySetup(t.Context(), billing.GatewayStripe, st.ID, ref)
	require.NoError(t, err)
	require.Contains(t, dest, "status=succeeded")
	require.Equal(t, 2, e.events(t, "payment_method_setup.succeeded"))

	// A session event that does not say what Stripe says is not believed:
	// the event claims complete, Stripe says open.
	st3, ref3 := e.setupRef(t)
	obj, err := e.fake.Object(ref3)
	require.NoError(t, err)
	obj["status"] = "complete"
	body = e.fake.Event("checkout.session.completed", obj)
	require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})))
	got, err = e.app.GetSetup(t.Context(), e.scope, st3.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupPending, got.Status)
}

func mustSetupIntent(t *testing.T, e *env, sessionID string) string {
	t.Helper()
	obj, err := e.fake.Object(sessionID)
	require.NoError(t, err)
	return obj["setup_intent"].(string)
}

// TestStripeWebhookSettlesAsyncPayments: a first charge that needs the
// customer's authentication leaves the subscription incomplete; Stripe's
// payment_intent.succeeded (read back from Stripe) makes it active.
func TestStripeWebhookSettlesAsyncPayments(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	pm := e.savedCard(t, stripefake.CardRequiresAction)
	sub := e.subscribe(t, pm, 1500, "USD")
	require.Equal(t, billing.SubscriptionIncomplete, sub.Status)
	pays, err := e.app.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, pays.Data, 1)
	pay := pays.Data[0]
	require.Equal(t, billing.PaymentPending, pay.Status)
	pi := e.fake.IntentByKey(pay.IdempotencyKey)
	require.NotEmpty(t, pi)
	require.Equal(t, pi, pay.GatewayRef, "the pending payment keeps Stripe's reference")
	require.Equal(t, "authentication_required", pay.FailureCode, "and why it waits")

	// A payment_intent event before anything changed at Stripe: nothing.
	e.send(t, "payment_intent.requires_action", pi)
	sub, err = e.app.GetSubscription(ctx, e.scope, sub.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionIncomplete, sub.Status)

	require.NoError(t, e.fake.Authenticate(pi, true))
	e.send(t, "payment_intent.succeeded", pi)
	sub, err = e.app.GetSubscription(ctx, e.scope, sub.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	inv, err := e.app.GetInvoice(ctx, e.scope, pay.InvoiceID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, inv.Status)
	require.Equal(t, 1, e.events(t, app.EventPaymentSucceeded))

	// A failure event later about the same (succeeded) PaymentIntent is
	// read back from Stripe: still succeeded, nothing changes.
	e.send(t, "payment_intent.payment_failed", pi)
	require.Equal(t, 1, e.events(t, app.EventPaymentSucceeded))
	require.Zero(t, e.events(t, app.EventPaymentFailed))
}

// TestStripeWebhookRefundsAndDisputes: charge.refunded settles a pending
// refund; charge.dispute.created is recorded once, as an event and an
// audit entry.
func TestStripeWebhookRefundsAndDisputes(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	pm := e.savedCard(t, stripefake.CardVisa)
	sub := e.subscribe(t, pm, 5000, "CLP")
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	pays, err := e.app.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
	require.NoError(t, err)
	pay := pays.Data[0]
	require.Equal(t, billing.PaymentSucceeded, pay.Status)
	require.EqualValues(t, 5000, e.fake.Charges(pay.IdempotencyKey)[0].Amount)

	e.fake.RefundsPending(true)
	amount := int64(2000)
	ref, err := e.app.CreateRefund(ctx, e.scope, app.CreateRefundParams{Payment: pay.ID, Amount: &amount})
	require.NoError(t, err)
	require.Equal(t, billing.RefundPending, ref.Status)
	require.NoError(t, e.fake.SettleRefund(ref.GatewayRef, true))
	e.send(t, "charge.refunded", e.fake.LatestCharge(pay.GatewayRef))
	refs, err := e.app.ListRefunds(ctx, e.scope, pay.ID, billing.Page{})
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, refs.Data[0].Status)

	dp := e.fake.Dispute(pay.GatewayRef, "fraudulent")
	body := e.fake.Event("charge.dispute.created", dp)
	for range 2 {
		require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})))
	}
	require.Equal(t, 1, e.events(t, app.EventChargeDisputeCreated))
	l, err := e.app.ListEvents(ctx, e.scope, billing.EventFilter{Type: app.EventChargeDisputeCreated}, billing.Page{Limit: 1})
	require.NoError(t, err)
	require.Contains(t, string(l.Data[0].Data), `"payment_id":"`+pay.ID+`"`)
	require.Contains(t, string(l.Data[0].Data), `"amount":5000`)
	audit, err := e.app.ListAuditEntries(ctx, e.scope, 0, 100)
	require.NoError(t, err)
	found := false
	for _, a := range audit.Data {
		found = found || a.Action == "payment.dispute_created"
	}
	require.True(t, found)
}

// TestStripeWebhookRefusesBadSignatures: a forged, stale, future or
// unsigned event is a 400 and changes nothing; during a secret rotation
// any matching v1 signature is accepted.
func TestStripeWebhookRefusesBadSignatures(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	st, ref := e.setupRef(t)
	_, err := e.fake.CompleteCheckout(ref, stripefake.CardVisa)
	require.NoError(t, err)
	obj, err := e.fake.Object(ref)
	require.NoError(t, err)
	body := e.fake.Event("checkout.session.completed", obj)

	forged := stripefake.Sign(body, "whsec_not_the_secret", time.Time{})
	require.Equal(t, http.StatusBadRequest, e.post(t, body, forged))
	require.Equal(t, http.StatusBadRequest, e.post(t, body, ""))
	require.Equal(t, http.StatusBadRequest, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Now().Add(-301*time.Second))))
	require.Equal(t, http.StatusBadRequest, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Now().Add(301*time.Second))))
	tampered := bytes.Replace(body, []byte(`"type":"checkout.session.completed"`), []byte(`"type":"setup_intent.succeeded"  `), 1)
	require.Equal(t, http.StatusBadRequest, e.post(t, tampered, stripefake.Sign(body, webhookSecret, time.Time{})))
	otherMerchant := strings.Replace(e.url, e.scope.MerchantID, "mch_nobody", 1)
	res, err := http.Post(otherMerchant, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	got, err := e.app.GetSetup(ctx, e.scope, st.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupPending, got.Status, "nothing changed")

	// Rotation: Stripe signs with the old and the new secret.
	good := stripefake.Sign(body, webhookSecret, time.Time{})
	old := stripefake.Sign(body, "whsec_old_secret", time.Time{})
	_, v1old, _ := strings.Cut(old, ",v1=")
	require.Equal(t, http.StatusOK, e.post(t, body, good+",v1="+v1old))
	got, err = e.app.GetSetup(ctx, e.scope, st.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, got.Status)
}

// TestStripeWebhookToleratesOtherAPIVersions: an endpoint left on an older
// API version (another release train, which stripe-go's ConstructEvent
// rejects) is still handled, because cuota reads only ids and metadata
// from the payload and asks Stripe for the rest.
func TestStripeWebhookToleratesOtherAPIVersions(t *testing.T) {
	e := newEnv(t)
	st, ref := e.setupRef(t)
	_, err := e.fake.CompleteCheckout(ref, stripefake.CardVisa)
	require.NoError(t, err)
	obj, err := e.fake.Object(ref)
	require.NoError(t, err)
	body := stripefake.EventJSON("evt_basil_1", "checkout.session.completed", "2025-03-31.basil", obj)
	require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})))
	got, err := e.app.GetSetup(t.Context(), e.scope, st.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, got.Status)
}

// TestStripeWebhookIgnoresForeignObjects: signed events about objects cuota
// did not create (no cuota metadata, another merchant's) or of the other
// mode change nothing.
func TestStripeWebhookIgnoresForeignObjects(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	pm := e.savedCard(t, stripefake.CardRequiresAction)
	e.subscribe(t, pm, 1500, "USD")
	pays, err := e.app.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
	require.NoError(t, err)
	pi := e.fake.IntentByKey(pays.Data[0].IdempotencyKey)
	require.NoError(t, e.fake.Authenticate(pi, true))

	obj, err := e.fake.Object(pi)
	require.NoError(t, err)
	obj["metadata"] = map[string]string{}
	body := e.fake.Event("payment_intent.succeeded", obj)
	require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})))
	obj["metadata"] = map[string]string{stripegw.MetaMerchant: "mch_other", stripegw.MetaMode: "test", stripegw.MetaKey: pays.Data[0].IdempotencyKey}
	body = e.fake.Event("payment_intent.succeeded", obj)
	require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})))
	body = e.fake.Event("customer.created", map[string]any{"id": "cus_x", "object": "customer"})
	require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})))
	pay, err := e.app.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, pay.Data[0].Status, "nothing changed")

	live := bytes.Replace(e.fake.Event("payment_intent.succeeded", obj), []byte(`"livemode":false,"object":"event"`), []byte(`"livemode":true,"object":"event"`), 1)
	require.Contains(t, string(live), `"livemode":true`)
	require.Equal(t, http.StatusBadRequest, e.post(t, live, stripefake.Sign(live, webhookSecret, time.Time{})))
}

package webhookin_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v86"
	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/stripegw"
	"github.com/cuota/cuota/internal/gateway/stripegw/stripefake"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/webhookin"
	"github.com/cuota/cuota/internal/webhookout"
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
	var a *app.App
	gw := stripegw.New(stripegw.Options{Store: store, NetworkRetries: stripe.Int64(0),
		Credentials: func(ctx context.Context, s billing.Scope) (billing.GatewayCredentials, error) {
			return a.Merchants.GatewayCredentials(ctx, s, billing.GatewayStripe)
		}})
	a, err = app.New(app.Config{Store: store, Now: time.Now,
		PublicURL: func() string { return "http://cuota.test" },
		Ports:     app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
		Gateways:  app.Gateways{billing.GatewayStripe: gw}})
	require.NoError(t, err)
	m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Shop"})
	require.NoError(t, err)
	s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	_, err = a.Merchants.SetGatewayConfig(ctx, s, billing.GatewayStripe, billing.GatewayCredentials{APIKey: fakeKey,
		WebhookSecret: webhookSecret, BaseURL: fsrv.URL})
	require.NoError(t, err)

	mux := http.NewServeMux()
	(&webhookin.Stripe{Gateway: gw, Credentials: a.Merchants, App: a.Collection}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	email, name := "ana@example.com", "Ana"
	cus, err := a.Customers.CreateCustomer(ctx, s, app.CustomerParams{Email: &email, Name: &name})
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
	st, redirect, err := e.app.Customers.CreateSetup(ctx, e.scope, e.cus.ID, app.CreateSetupParams{Gateway: billing.GatewayStripe,
		ReturnURL: "https://shop.example.com/card"})
	require.NoError(t, err)
	require.Contains(t, redirect, "/c/pay/cs_test_")
	return st, st.GatewayRef
}

func (e *env) events(t *testing.T, typ string) int {
	t.Helper()
	l, err := e.app.Notifications.ListEvents(t.Context(), e.scope, billing.EventFilter{Type: typ}, billing.Page{Limit: 100})
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
	got, err := e.app.Customers.GetSetup(t.Context(), e.scope, st.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, got.Status)
	pms, err := e.app.Customers.ListPaymentMethods(t.Context(), e.scope, e.cus.ID)
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
	prod, err := e.app.Catalog.CreateProduct(ctx, e.scope, app.ProductParams{Name: &name})
	require.NoError(t, err)
	price, err := e.app.Catalog.CreatePrice(ctx, e.scope, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: currency,
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
	require.NoError(t, err)
	sub, err := e.app.Subscriptions.CreateSubscription(ctx, e.scope, app.CreateSubscriptionParams{Customer: e.cus.ID,
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
	got, err := e.app.Customers.GetSetup(t.Context(), e.scope, st.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, got.Status)
	require.Equal(t, 2, e.events(t, "payment_method_setup.succeeded"))
	// The browser coming back afterwards gets the same answer.
	dest, err := e.app.Customers.CompleteGatewaySetup(t.Context(), billing.GatewayStripe, st.ID, ref)
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
	got, err = e.app.Customers.GetSetup(t.Context(), e.scope, st3.ID)
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
	pays, err := e.app.Collection.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
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
	sub, err = e.app.Subscriptions.GetSubscription(ctx, e.scope, sub.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionIncomplete, sub.Status)

	require.NoError(t, e.fake.Authenticate(pi, true))
	e.send(t, "payment_intent.succeeded", pi)
	sub, err = e.app.Subscriptions.GetSubscription(ctx, e.scope, sub.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	inv, err := e.app.Invoicing.GetInvoice(ctx, e.scope, pay.InvoiceID)
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
	pays, err := e.app.Collection.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
	require.NoError(t, err)
	pay := pays.Data[0]
	require.Equal(t, billing.PaymentSucceeded, pay.Status)
	require.EqualValues(t, 5000, e.fake.Charges(pay.IdempotencyKey)[0].Amount)

	e.fake.RefundsPending(true)
	amount := int64(2000)
	ref, err := e.app.Collection.CreateRefund(ctx, e.scope, app.CreateRefundParams{Payment: pay.ID, Amount: &amount})
	require.NoError(t, err)
	require.Equal(t, billing.RefundPending, ref.Status)
	require.NoError(t, e.fake.SettleRefund(ref.GatewayRef, true))
	e.send(t, "charge.refunded", e.fake.LatestCharge(pay.GatewayRef))
	refs, err := e.app.Collection.ListRefunds(ctx, e.scope, pay.ID, billing.Page{})
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, refs.Data[0].Status)

	dp := e.fake.Dispute(pay.GatewayRef, "fraudulent")
	body := e.fake.Event("charge.dispute.created", dp)
	for range 2 {
		require.Equal(t, http.StatusOK, e.post(t, body, stripefake.Sign(body, webhookSecret, time.Time{})))
	}
	require.Equal(t, 1, e.events(t, app.EventChargeDisputeCreated))
	l, err := e.app.Notifications.ListEvents(ctx, e.scope, billing.EventFilter{Type: app.EventChargeDisputeCreated}, billing.Page{Limit: 1})
	require.NoError(t, err)
	require.Contains(t, string(l.Data[0].Data), `"payment_id":"`+pay.ID+`"`)
	require.Contains(t, string(l.Data[0].Data), `"amount":5000`)
	audit, err := e.app.Merchants.ListAuditEntries(ctx, e.scope, 0, 100)
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
	got, err := e.app.Customers.GetSetup(ctx, e.scope, st.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SetupPending, got.Status, "nothing changed")

	// Rotation: Stripe signs with the old and the new secret.
	good := stripefake.Sign(body, webhookSecret, time.Time{})
	old := stripefake.Sign(body, "whsec_old_secret", time.Time{})
	_, v1old, _ := strings.Cut(old, ",v1=")
	require.Equal(t, http.StatusOK, e.post(t, body, good+",v1="+v1old))
	got, err = e.app.Customers.GetSetup(ctx, e.scope, st.ID)
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
	got, err := e.app.Customers.GetSetup(t.Context(), e.scope, st.ID)
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
	pays, err := e.app.Collection.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
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
	pay, err := e.app.Collection.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, pay.Data[0].Status, "nothing changed")

	live := bytes.Replace(e.fake.Event("payment_intent.succeeded", obj), []byte(`"livemode":false,"object":"event"`), []byte(`"livemode":true,"object":"event"`), 1)
	require.Contains(t, string(live), `"livemode":true`)
	require.Equal(t, http.StatusBadRequest, e.post(t, live, stripefake.Sign(live, webhookSecret, time.Time{})))
}

// payApp is a StripeApp in memory for the pay-page events: it records
// what the handler asks it to settle and dedupes notifications.
type payApp struct {
	mu      sync.Mutex
	settled []settledCharge
	setups  []string
	seen    map[string]bool
}

type settledCharge struct {
	Key string
	Res billing.ChargeResult
}

func (p *payApp) GatewayCredentials(context.Context, billing.Scope, string) (billing.GatewayCredentials, error) {
	panic("set by the test")
}
func (p *payApp) GatewayNotificationSeen(_ context.Context, _ billing.Scope, _, id string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[id], nil
}
func (p *payApp) MarkGatewayNotification(_ context.Context, _ billing.Scope, _, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[id] = true
	return nil
}
func (p *payApp) SettleGatewayCharge(_ context.Context, _ billing.Scope, gateway, key string, res billing.ChargeResult) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if gateway != billing.GatewayStripe {
		return errors.New("wrong gateway " + gateway)
	}
	p.settled = append(p.settled, settledCharge{Key: key, Res: res})
	return nil
}
func (p *payApp) SettleGatewayRefund(context.Context, billing.Scope, string, billing.RefundResult) error {
	return errors.New("unexpected refund")
}
func (p *payApp) FinishGatewaySetup(_ context.Context, _ billing.Scope, _, setupID, _ string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setups = append(p.setups, setupID)
	return nil
}
func (p *payApp) RecordGatewayDispute(context.Context, billing.Scope, string, string, string, app.GatewayDispute) error {
	return errors.New("unexpected dispute")
}

func (p *payApp) takeSettled() []settledCharge {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.settled
	p.settled = nil
	return out
}

// credsApp gives payApp the merchant's Stripe credentials.
type credsApp struct {
	*payApp
	creds billing.GatewayCredentials
}

func (c credsApp) GatewayCredentials(context.Context, billing.Scope, string) (billing.GatewayCredentials, error) {
	return c.creds, nil
}

// TestStripeWebhookSettlesPayPages: checkout.session.* events about a pay
// page cuota opened (a Checkout Session in payment mode) settle its
// payment by idempotency key with the state read back from Stripe; events
// that claim more than Stripe confirms, and sessions cuota did not open,
// settle nothing; setup-mode sessions still finish setups. The signatures
// come from stripe-go's webhook.GenerateTestSignedPayload.
func TestStripeWebhookSettlesPayPages(t *testing.T) {
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
	now := time.Now().UTC().Truncate(time.Second)
	s := billing.Scope{MerchantID: "mch_pages", Mode: billing.ModeTest}
	cus := billing.Customer{ID: "cus_pages1", Scope: s, Email: "ana@example.com", Name: "Ana", Locale: "es-CL",
		Metadata: billing.Metadata{}, Created: now, Updated: now}
	pay := func(key string, amount int64, currency string) billing.Payment {
		inv := key[:strings.LastIndex(key, "-")]
		return billing.Payment{ID: "pay_" + strings.ReplaceAll(key, "-", "_"), Scope: s, InvoiceID: inv, CustomerID: cus.ID,
			Attempt: 1, Gateway: billing.GatewayStripe, Amount: amount, Currency: currency, IdempotencyKey: key,
			Status: billing.PaymentPending, Created: now, Updated: now}
	}
	paid, open, expired := pay("in_paid-1", 5000, "CLP"), pay("in_open-1", 1999, "USD"), pay("in_gone-1", 7000, "CLP")
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Merchants.CreateMerchant(ctx, billing.Merchant{ID: s.MerchantID, Name: "Shop", Timezone: "UTC", Locale: "es-CL",
			InvoicePrefix: "SHP", Settings: billing.DefaultMerchantSettings(), Created: now}); err != nil {
			return err
		}
		if err := tx.Customers.CreateCustomer(ctx, cus); err != nil {
			return err
		}
		for _, p := range []billing.Payment{paid, open, expired} {
			if err := tx.Invoices.CreateInvoice(ctx, billing.Invoice{ID: p.InvoiceID, Scope: s, CustomerID: cus.ID, Status: billing.InvoiceOpen,
				BillingReason: "manual", Currency: p.Currency, Lines: []billing.InvoiceLine{}, Total: p.Amount, AmountDue: p.Amount,
				PeriodStart: now, PeriodEnd: now, Created: now, Updated: now}); err != nil {
				return err
			}
			if err := tx.Payments.CreatePayment(ctx, p); err != nil {
				return err
			}
		}
		return nil
	}))
	creds := billing.GatewayCredentials{APIKey: fakeKey, WebhookSecret: webhookSecret, BaseURL: fsrv.URL}
	gw := stripegw.New(stripegw.Options{Store: store, NetworkRetries: stripe.Int64(0),
		Credentials: func(context.Context, billing.Scope) (billing.GatewayCredentials, error) { return creds, nil }})
	pa := &payApp{seen: map[string]bool{}}
	mux := http.NewServeMux()
	(&webhookin.Stripe{Gateway: gw, Credentials: credsApp{payApp: pa, creds: creds}, App: credsApp{payApp: pa, creds: creds}}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	endpoint := srv.URL + "/webhooks/stripe/" + s.MerchantID + "/test"

	post := func(body []byte) {
		t.Helper()
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: webhookSecret})
		req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", signed.Header)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	event := func(typ, id string, edit func(map[string]any)) []byte {
		t.Helper()
		obj, err := fake.Object(id)
		require.NoError(t, err)
		if edit != nil {
			edit(obj)
		}
		return fake.Event(typ, obj)
	}
	start := func(p billing.Payment) string {
		t.Helper()
		st, err := gw.StartPayment(ctx, billing.PayRequest{Scope: s, Payment: p, Customer: cus, Description: "Shop SHP-1",
			Locale: "es-CL", ReturnURL: "http://cuota.test/return/pay/" + p.ID, ExpiresAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		return st.GatewayRef
	}

	// Paid: completed settles the right key, succeeded, with the
	// PaymentIntent as reference; the same event again changes nothing.
	cs := start(paid)
	_, err = fake.PayCheckout(cs, stripefake.CardVisa)
	require.NoError(t, err)
	completed := event("checkout.session.completed", cs, nil)
	post(completed)
	pi := fake.SessionIntent(cs)
	require.Equal(t, []settledCharge{{Key: "in_paid-1", Res: billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: pi}}},
		pa.takeSettled())
	post(completed)
	require.Empty(t, pa.takeSettled(), "a duplicate delivery is deduplicated")
	post(event("checkout.session.async_payment_succeeded", cs, nil))
	require.Equal(t, []settledCharge{{Key: "in_paid-1", Res: billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: pi}}},
		pa.takeSettled())

	// An event claiming "complete" for a session Stripe has open is not
	// believed; the failed card attempt on it is no outcome either.
	cs2 := start(open)
	_, err = fake.PayCheckout(cs2, stripefake.CardDeclined)
	require.Error(t, err)
	post(event("checkout.session.completed", cs2, func(o map[string]any) { o["status"] = "complete"; o["payment_status"] = "paid" }))
	post(event("checkout.session.async_payment_failed", cs2, nil))
	post(event("payment_intent.payment_failed", fake.SessionIntent(cs2), nil))
	for _, got := range pa.takeSettled() {
		require.Equal(t, billing.PaymentPending, got.Res.Status, "nothing settles while the page is open")
	}

	// Expired: the payment fails as a customer failure.
	cs3 := start(expired)
	fake.ExpireCheckout(cs3)
	post(event("checkout.session.expired", cs3, nil))
	got := pa.takeSettled()
	require.Len(t, got, 1)
	require.Equal(t, "in_gone-1", got[0].Key)
	require.Equal(t, billing.PaymentFailed, got[0].Res.Status)
	require.Equal(t, billing.FailureCustomer, got[0].Res.FailureClass)
	require.Equal(t, stripegw.CodePaymentPageExpired, got[0].Res.FailureCode)

	// Sessions cuota did not open for this merchant: ignored, not marked.
	marked := len(pa.seen)
	post(event("checkout.session.completed", cs, func(o map[string]any) { o["metadata"] = map[string]string{} }))
	post(event("checkout.session.completed", cs, func(o map[string]any) {
		o["metadata"] = map[string]string{stripegw.MetaMerchant: "mch_other", stripegw.MetaMode: "test", stripegw.MetaKey: "in_paid-1"}
	}))
	post(event("checkout.session.completed", cs, func(o map[string]any) { o["id"] = "cs_test_not_ours" }))
	post(fake.Event("checkout.session.completed", map[string]any{"id": "cs_test_x", "object": "checkout.session", "mode": "payment",
		"metadata": map[string]string{}}))
	ghost := start(pay("in_ghost-1", 1000, "USD")) // a session for a payment cuota has no record of
	_, err = fake.PayCheckout(ghost, stripefake.CardVisa)
	require.NoError(t, err)
	post(event("checkout.session.completed", ghost, nil))
	require.Empty(t, pa.takeSettled())
	require.Len(t, pa.seen, marked, "ignored events are not marked as handled")

	// Setup mode keeps finishing setups.
	st, err := gw.StartSetup(ctx, billing.SetupRequest{Scope: s, Customer: cus,
		Setup: billing.PaymentMethodSetup{ID: "pms_pages", ExpiresAt: time.Now().Add(time.Hour)}, ReturnURL: "http://cuota.test/return"})
	require.NoError(t, err)
	_, err = fake.CompleteCheckout(st.GatewayRef, stripefake.CardVisa)
	require.NoError(t, err)
	post(event("checkout.session.completed", st.GatewayRef, nil))
	require.Equal(t, []string{"pms_pages"}, pa.setups)
	require.Empty(t, pa.takeSettled())
}

// refOf splits a hosted link (…/{section}/{merchant}/{mode}/{id}?t=token)
// into what the hosted pages pass to the app.
func refOf(t *testing.T, link string) app.HostedRef {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	require.GreaterOrEqual(t, len(parts), 4, link)
	n := len(parts)
	return app.HostedRef{Scope: billing.Scope{MerchantID: parts[n-3], Mode: billing.Mode(parts[n-2])}, ID: parts[n-1], Token: u.Query().Get("t")}
}

// TestStripeInvoicePayPage: the real app pays a one-off invoice on
// Stripe's page: the invoice's pay page opens a Checkout Session, the
// customer pays, and checkout.session.completed marks the invoice paid
// with the PaymentIntent as the payment's reference (refundable). An
// abandoned page's expiry fails that attempt and the next one opens a new
// page.
func TestStripeInvoicePayPage(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	invoice := func(amount int64, currency string) billing.Invoice {
		t.Helper()
		inv, err := e.app.Invoicing.CreateInvoice(ctx, e.scope, app.CreateInvoiceParams{Customer: e.cus.ID, Currency: currency,
			Collection: billing.CollectionSendInvoice, Finalize: true,
			Items: []app.InvoiceItemParams{{Amount: &amount, Description: "Instalación"}}})
		require.NoError(t, err)
		require.NotEmpty(t, inv.HostedURL)
		return inv
	}
	openPage := func(inv billing.Invoice) string {
		t.Helper()
		dest, err := e.app.PayPages.PayInvoiceOnPage(ctx, refOf(t, inv.HostedURL), billing.GatewayStripe)
		require.NoError(t, err)
		require.Contains(t, dest, "/c/pay/cs_test_")
		return dest[strings.LastIndex(dest, "/")+1:]
	}
	payment := func(inv billing.Invoice) billing.Payment {
		t.Helper()
		l, err := e.app.Collection.ListPayments(ctx, e.scope, billing.PaymentFilter{InvoiceID: inv.ID}, billing.Page{Limit: 1})
		require.NoError(t, err)
		require.Len(t, l.Data, 1)
		return l.Data[0]
	}

	inv := invoice(5000, "CLP")
	cs := openPage(inv)
	back, err := e.fake.PayCheckout(cs, stripefake.CardVisa)
	require.NoError(t, err)
	require.Contains(t, back, "/return/pay/")
	e.send(t, "checkout.session.completed", cs)
	got, err := e.app.Invoicing.GetInvoice(ctx, e.scope, inv.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, got.Status)
	pay := payment(inv)
	require.Equal(t, billing.PaymentSucceeded, pay.Status)
	require.Equal(t, e.fake.SessionIntent(cs), pay.GatewayRef)
	led := e.fake.Charges(pay.IdempotencyKey)
	require.Len(t, led, 1)
	require.EqualValues(t, 5000, led[0].Amount, "CLP is zero-decimal")
	// The browser's return afterwards finds it settled.
	dest, err := e.app.PayPages.ReturnFromPayPage(ctx, refOf(t, back))
	require.NoError(t, err)
	require.Contains(t, dest, "/invoice/")
	amount := int64(2000)
	ref, err := e.app.Collection.CreateRefund(ctx, e.scope, app.CreateRefundParams{Payment: pay.ID, Amount: &amount})
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, ref.Status)

	// Abandoned, then expired at Stripe: that attempt fails; the next one
	// is a new page.
	inv2 := invoice(1999, "USD")
	cs2 := openPage(inv2)
	e.fake.ExpireCheckout(cs2)
	e.send(t, "checkout.session.expired", cs2)
	pay2 := payment(inv2)
	require.Equal(t, billing.PaymentFailed, pay2.Status)
	require.Equal(t, stripegw.CodePaymentPageExpired, pay2.FailureCode)
	cs3 := openPage(inv2)
	require.NotEqual(t, cs2, cs3)
	_, err = e.fake.PayCheckout(cs3, stripefake.CardVisa)
	require.NoError(t, err)
	e.send(t, "checkout.session.completed", cs3)
	got, err = e.app.Invoicing.GetInvoice(ctx, e.scope, inv2.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, got.Status)
	require.EqualValues(t, 1999, e.fake.Charges(payment(inv2).IdempotencyKey)[0].Amount, "USD in cents")
}

// TestStripeInvoicePageAuthenticates: a charge waiting for the customer's
// authentication (SCA) is finished from the invoice's page on the same
// PaymentIntent: the page sends the customer to the bank's page, the
// return settles the payment (LookupCharge), and exactly one
// PaymentIntent and one charge exist.
func TestStripeInvoicePageAuthenticates(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	pm := e.savedCard(t, stripefake.CardRequiresAction)
	sub := e.subscribe(t, pm, 1500, "USD")
	require.Equal(t, billing.SubscriptionIncomplete, sub.Status)
	pays, err := e.app.Collection.ListPayments(ctx, e.scope, billing.PaymentFilter{CustomerID: e.cus.ID}, billing.Page{})
	require.NoError(t, err)
	pay := pays.Data[0]
	require.Equal(t, "authentication_required", pay.FailureCode)
	inv, err := e.app.Invoicing.GetInvoice(ctx, e.scope, pay.InvoiceID)
	require.NoError(t, err)

	dest, err := e.app.PayPages.PayInvoiceOnPage(ctx, refOf(t, inv.HostedURL), billing.GatewayStripe)
	require.NoError(t, err)
	require.Contains(t, dest, "/3ds/"+pay.GatewayRef)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(dest, url.Values{"action": {"complete"}})
	require.NoError(t, err)
	res.Body.Close()
	back := res.Header.Get("Location")
	require.Contains(t, back, "http://cuota.test/return/pay/")
	_, err = e.app.PayPages.ReturnFromPayPage(ctx, refOf(t, back))
	require.NoError(t, err)

	sub, err = e.app.Subscriptions.GetSubscription(ctx, e.scope, sub.ID)
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	got, err := e.app.Invoicing.GetInvoice(ctx, e.scope, inv.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, got.Status)
	require.Equal(t, []string{pay.GatewayRef}, e.fake.Intents(pay.IdempotencyKey), "one PaymentIntent")
	require.Len(t, e.fake.Charges(pay.IdempotencyKey), 1, "one charge")
	all, err := e.app.Collection.ListPayments(ctx, e.scope, billing.PaymentFilter{InvoiceID: inv.ID}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, all.Data, 1, "the same payment, no second attempt")
	require.Equal(t, 1, e.events(t, app.EventPaymentSucceeded))
}

package stripegw_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v86"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/breaker"
	"github.com/cuota/cuota/internal/gateway/stripegw"
	"github.com/cuota/cuota/internal/gateway/stripegw/stripefake"
	"github.com/cuota/cuota/internal/sqlite"
)

const fakeKey = "sk_test_fake"

// bundle is an adapter on a real SQLite store, talking to the stateful
// Stripe fake over real HTTP.
type bundle struct {
	fake  *stripefake.Server
	gw    *stripegw.Adapter
	store billing.Store
	scope billing.Scope
	cus   billing.Customer
	creds billing.GatewayCredentials
	now   time.Time
}

func setup(t *testing.T, opts ...func(*stripegw.Options)) *bundle {
	t.Helper()
	ctx := context.Background()
	fake := stripefake.New(fakeKey)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	t.Cleanup(fake.Close)
	fake.SetBaseURL(srv.URL)

	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(ctx))
	now := time.Now().UTC().Truncate(time.Second)
	m := billing.Merchant{ID: "mch_stripegw", Name: "Inmobiliaria", Timezone: "UTC", Locale: "en-US", InvoicePrefix: "INM",
		Settings: billing.DefaultMerchantSettings(), Created: now}
	s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	cus := billing.Customer{ID: "cus_stripegw1", Scope: s, Email: "ana@example.com", Name: "Ana", Locale: "es-CL",
		Metadata: billing.Metadata{}, Created: now, Updated: now}
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Merchants.CreateMerchant(ctx, m); err != nil {
			return err
		}
		return tx.Customers.CreateCustomer(ctx, cus)
	}))
	b := &bundle{fake: fake, store: store, scope: s, cus: cus, now: now,
		creds: billing.GatewayCredentials{APIKey: fakeKey, WebhookSecret: "whsec_test", BaseURL: srv.URL}}
	o := stripegw.Options{Store: store, NetworkRetries: stripe.Int64(0),
		Credentials: func(context.Context, billing.Scope) (billing.GatewayCredentials, error) { return b.creds, nil }}
	for _, f := range opts {
		f(&o)
	}
	b.gw = stripegw.New(o)
	return b
}

func (b *bundle) startSetup(t *testing.T, id string) billing.SetupStart {
	t.Helper()
	st, err := b.gw.StartSetup(context.Background(), billing.SetupRequest{Scope: b.scope, Customer: b.cus,
		Setup:     billing.PaymentMethodSetup{ID: id, ReturnURL: "https://shop.example.com/card", ExpiresAt: time.Now().Add(time.Hour)},
		ReturnURL: "http://cuota.test/return/stripe/setup/" + id})
	require.NoError(t, err)
	return st
}

func (b *bundle) setupOf(id, ref string) billing.PaymentMethodSetup {
	return billing.PaymentMethodSetup{ID: id, Scope: b.scope, CustomerID: b.cus.ID, Gateway: billing.GatewayStripe, GatewayRef: ref}
}

// saved saves a test card through Checkout and returns the payment method.
func (b *bundle) saved(t *testing.T, card string) billing.PaymentMethod {
	t.Helper()
	id := "setup_" + card
	st := b.startSetup(t, id)
	_, err := b.fake.CompleteCheckout(st.GatewayRef, card)
	require.NoError(t, err)
	out, err := b.gw.FinishSetup(context.Background(), b.setupOf(id, st.GatewayRef))
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, out.Status)
	pm := out.PaymentMethod
	pm.ID, pm.CustomerID, pm.Scope = "pm_cuota_"+card, b.cus.ID, b.scope
	return pm
}

// payment records a payment with key (invoice id "-" attempt) so that
// LookupCharge can find its customer, as the engine does before charging.
func (b *bundle) payment(t *testing.T, key string, amount int64, currency string) {
	t.Helper()
	inv := key[:strings.LastIndex(key, "-")]
	require.NoError(t, b.store.InTx(context.Background(), func(tx billing.Tx) error {
		if _, err := tx.Invoices.GetInvoice(context.Background(), b.scope, inv); errors.Is(err, billing.ErrNotFound) {
			if err := tx.Invoices.CreateInvoice(context.Background(), billing.Invoice{ID: inv, Scope: b.scope, CustomerID: b.cus.ID,
				SubscriptionID: "sub_x", Status: billing.InvoiceOpen, BillingReason: "manual", Currency: currency,
				Lines: []billing.InvoiceLine{}, Total: amount, AmountDue: amount, PeriodStart: b.now, PeriodEnd: b.now,
				Created: b.now, Updated: b.now}); err != nil {
				return err
			}
		}
		return tx.Payments.CreatePayment(context.Background(), billing.Payment{ID: "pay_" + strings.ReplaceAll(key, "-", "_"), Scope: b.scope,
			InvoiceID: inv, CustomerID: b.cus.ID, Attempt: 1, Gateway: billing.GatewayStripe, PaymentMethodID: "pm_x",
			Amount: amount, Currency: currency, IdempotencyKey: key, Status: billing.PaymentPending, Created: b.now, Updated: b.now})
	}))
}

func (b *bundle) charge(t *testing.T, pm billing.PaymentMethod, key string, amount int64, currency string) (billing.ChargeResult, error) {
	t.Helper()
	b.payment(t, key, amount, currency)
	return b.gw.Charge(context.Background(), billing.ChargeRequest{Scope: b.scope, IdempotencyKey: key, Amount: amount,
		Currency: currency, PaymentMethod: pm, Description: "invoice " + key})
}

// TestConcurrentSetupsCreateOneStripeCustomer: many requests for one new
// customer at once create exactly one Stripe customer, with cuota's ids
// in its metadata and an Idempotency-Key.
func TestConcurrentSetupsCreateOneStripeCustomer(t *testing.T) {
	b := setup(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	starts := make([]billing.SetupStart, n)
	for i := range n {
		wg.Go(func() {
			starts[i], errs[i] = b.gw.StartSetup(context.Background(), billing.SetupRequest{Scope: b.scope, Customer: b.cus,
				Setup: billing.PaymentMethodSetup{ID: "setup_" + string(rune('a'+i))}, ReturnURL: "http://cuota.test/return"})
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.NotEmpty(t, starts[i].RedirectURL)
	}
	require.Len(t, b.fake.CustomerIDs(), 1)
	for _, r := range b.fake.Requests() {
		if r.Path == "/v1/customers" && r.Method == "POST" {
			require.True(t, strings.HasPrefix(r.IdempotencyKey, "cuota-customer-"+b.cus.ID+"-"), r.IdempotencyKey)
			require.Equal(t, b.cus.ID, r.Form.Get("metadata[cuota_customer_id]"))
			require.Equal(t, b.scope.MerchantID, r.Form.Get("metadata[cuota_merchant_id]"))
			require.Equal(t, "test", r.Form.Get("metadata[cuota_mode]"))
		}
	}
}

// TestSetupVerifiedWithStripe: the outcome comes from the Checkout Session
// and its SetupIntent as Stripe reports them; the browser's return
// proves nothing.
func TestSetupVerifiedWithStripe(t *testing.T) {
	b := setup(t)
	ctx := context.Background()

	st := b.startSetup(t, "setup_1")
	require.True(t, strings.HasPrefix(st.GatewayRef, "cs_test_"), st.GatewayRef)
	var create stripefake.Request
	for _, r := range b.fake.Requests() {
		if r.Path == "/v1/checkout/sessions" {
			create = r
		}
	}
	require.Equal(t, "setup", create.Form.Get("mode"))
	require.Equal(t, "card", create.Form.Get("payment_method_types[0]"))
	require.Equal(t, "http://cuota.test/return/stripe/setup/setup_1?token={CHECKOUT_SESSION_ID}", create.Form.Get("success_url"))
	require.Equal(t, "https://shop.example.com/card?setup_id=setup_1&status=pending", create.Form.Get("cancel_url"))
	require.Equal(t, "setup_1", create.Form.Get("metadata[cuota_setup_id]"))
	require.Equal(t, "setup_1", create.Form.Get("setup_intent_data[metadata][cuota_setup_id]"))
	require.Equal(t, "es-419", create.Form.Get("locale"))
	require.Equal(t, "cuota-setup-setup_1", create.IdempotencyKey)

	// Not finished yet: pending.
	out, err := b.gw.FinishSetup(ctx, b.setupOf("setup_1", st.GatewayRef))
	require.NoError(t, err)
	require.Equal(t, billing.SetupPending, out.Status)

	// A session is only good for the setup it was made for.
	_, err = b.gw.FinishSetup(ctx, b.setupOf("setup_other", st.GatewayRef))
	require.Error(t, err)

	dest, err := b.fake.CompleteCheckout(st.GatewayRef, stripefake.CardVisa)
	require.NoError(t, err)
	u, err := url.Parse(dest)
	require.NoError(t, err)
	require.Equal(t, st.GatewayRef, u.Query().Get("token"))
	out, err = b.gw.FinishSetup(ctx, b.setupOf("setup_1", st.GatewayRef))
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, out.Status)
	require.Equal(t, billing.GatewayStripe, out.PaymentMethod.Gateway)
	require.True(t, strings.HasPrefix(out.PaymentMethod.Token, "pm_"))
	require.Equal(t, "visa", out.PaymentMethod.Brand)
	require.Equal(t, "4242", out.PaymentMethod.Last4)
	require.EqualValues(t, 12, out.PaymentMethod.ExpMonth)
	require.EqualValues(t, 2034, out.PaymentMethod.ExpYear)

	// An expired session is a failed setup.
	st2 := b.startSetup(t, "setup_2")
	b.fake.ExpireCheckout(st2.GatewayRef)
	out, err = b.gw.FinishSetup(ctx, b.setupOf("setup_2", st2.GatewayRef))
	require.NoError(t, err)
	require.Equal(t, billing.SetupFailed, out.Status)
	require.Len(t, b.fake.CustomerIDs(), 1, "the same Stripe customer for every setup")
}

// TestChargeOutcomes maps Stripe's answers onto cuota's: success (and its
// replay), declines by class, SCA, and zero-decimal amounts sent as-is.
func TestChargeOutcomes(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	visa := b.saved(t, stripefake.CardVisa)

	res, err := b.charge(t, visa, "in_clp-1", 5000, "CLP")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentSucceeded, res.Status)
	require.True(t, strings.HasPrefix(res.GatewayRef, "pi_"))
	led := b.fake.Charges("in_clp-1")
	require.Len(t, led, 1)
	require.EqualValues(t, 5000, led[0].Amount, "CLP is zero-decimal: 5000 CLP is 5000")
	require.Equal(t, "clp", led[0].Currency)
	var sent stripefake.Request
	for _, r := range b.fake.Requests() {
		if r.Path == "/v1/payment_intents" && r.Method == "POST" {
			sent = r
		}
	}
	require.Equal(t, "in_clp-1", sent.IdempotencyKey)
	require.Equal(t, "true", sent.Form.Get("confirm"))
	require.Equal(t, "true", sent.Form.Get("off_session"))
	require.Equal(t, visa.Token, sent.Form.Get("payment_method"))
	require.Equal(t, "in_clp-1", sent.Form.Get("metadata[cuota_idempotency_key]"))
	require.Equal(t, b.cus.ID, sent.Form.Get("metadata[cuota_customer_id]"))

	// The same call again (a retry of the same attempt) is Stripe's replay:
	// the same PaymentIntent, no second charge.
	again, err := b.gw.Charge(ctx, billing.ChargeRequest{Scope: b.scope, IdempotencyKey: "in_clp-1", Amount: 5000, Currency: "CLP",
		PaymentMethod: visa, Description: "invoice in_clp-1"})
	require.NoError(t, err)
	require.Equal(t, res, again)
	require.Len(t, b.fake.Charges("in_clp-1"), 1)
	reqs := b.fake.Requests()
	require.True(t, reqs[len(reqs)-1].Replayed)

	res, err = b.charge(t, visa, "in_usd-1", 1999, "USD")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentSucceeded, res.Status)
	require.EqualValues(t, 1999, b.fake.Charges("in_usd-1")[0].Amount)

	got, found, err := b.gw.LookupCharge(ctx, b.scope, "in_usd-1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, res, got)
	b.payment(t, "in_never-1", 100, "USD")
	_, found, err = b.gw.LookupCharge(ctx, b.scope, "in_never-1")
	require.NoError(t, err)
	require.False(t, found, "Stripe has no PaymentIntent with this key: it never happened")

	cases := []struct {
		card  string
		class billing.FailureClass
		code  string
	}{
		{stripefake.CardDeclined, billing.FailureCustomer, "generic_decline"},
		{stripefake.CardInsufficientFunds, billing.FailureCustomer, "insufficient_funds"},
		{stripefake.CardLost, billing.FailureHard, "lost_card"},
		{stripefake.CardStolen, billing.FailureHard, "stolen_card"},
		{stripefake.CardExpired, billing.FailureHard, "expired_card"},
		{stripefake.CardProcessingError, billing.FailureTechnical, "processing_error"},
		// Off-session SCA: Stripe declines with authentication_required;
		// nothing moved, the customer must save (authenticate) the card.
		{stripefake.CardAuthRequired, billing.FailureCustomer, stripegw.CodeAuthenticationRequired},
	}
	for i, c := range cases {
		pm := b.saved(t, c.card)
		key := "in_decl" + string(rune('a'+i)) + "-1"
		res, err := b.charge(t, pm, key, 1000, "USD")
		require.NoError(t, err, c.card)
		require.Equal(t, billing.PaymentFailed, res.Status, c.card)
		require.Equal(t, c.class, res.FailureClass, c.card)
		require.Equal(t, c.code, res.FailureCode, c.card)
		require.NotEmpty(t, res.FailureMessage)
		require.True(t, strings.HasPrefix(res.GatewayRef, "pi_"), c.card)
		require.Empty(t, b.fake.Charges(key), "a decline moves no money")
		// The lookup agrees with the answer.
		got, found, err := b.gw.LookupCharge(ctx, b.scope, key)
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, res.FailureClass, got.FailureClass, c.card)
		require.Equal(t, res.FailureCode, got.FailureCode, c.card)
	}

	// Unsupported currencies and inexact amounts are refused before
	// anything is sent.
	_, err = b.gw.Charge(ctx, billing.ChargeRequest{Scope: b.scope, IdempotencyKey: "in_clf-1", Amount: 100, Currency: "CLF", PaymentMethod: visa})
	require.Equal(t, billing.CodeCurrencyNotSupported, billing.AsError(err).Code)
	_, err = b.gw.Charge(ctx, billing.ChargeRequest{Scope: b.scope, IdempotencyKey: "in_kwd-1", Amount: 1005, Currency: "KWD", PaymentMethod: visa})
	require.Equal(t, billing.CodeAmountInvalid, billing.AsError(err).Code)
}

// TestSCAWaitsForTheCustomer: a PaymentIntent that needs the customer's
// authentication is pending (not failed, not succeeded) until Stripe says
// otherwise; one left waiting past the window is canceled before cuota
// calls it failed, so it can never succeed afterwards.
func TestSCAWaitsForTheCustomer(t *testing.T) {
	b := setup(t, func(o *stripegw.Options) { o.ActionWindow = time.Hour })
	ctx := context.Background()
	pm := b.saved(t, stripefake.CardRequiresAction)

	res, err := b.charge(t, pm, "in_sca-1", 2500, "EUR")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentPending, res.Status)
	require.Equal(t, stripegw.CodeAuthenticationRequired, res.FailureCode)
	require.NotEmpty(t, res.FailureMessage)
	got, found, err := b.gw.LookupCharge(ctx, b.scope, "in_sca-1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, billing.PaymentPending, got.Status, "still waiting, within the window")

	require.NoError(t, b.fake.Authenticate(res.GatewayRef, true))
	got, _, err = b.gw.LookupCharge(ctx, b.scope, "in_sca-1")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentSucceeded, got.Status)
	key, viaEvent, err := b.gw.ChargeByIntent(ctx, b.scope, res.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, "in_sca-1", key)
	require.Equal(t, got, viaEvent)

	// Authentication failed: back to requires_payment_method, a decline.
	res, err = b.charge(t, pm, "in_sca2-1", 2500, "EUR")
	require.NoError(t, err)
	require.NoError(t, b.fake.Authenticate(res.GatewayRef, false))
	got, _, err = b.gw.LookupCharge(ctx, b.scope, "in_sca2-1")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, got.Status)
	require.Equal(t, billing.FailureCustomer, got.FailureClass)

	// Nobody authenticates for longer than the window: canceled, failed.
	res, err = b.charge(t, pm, "in_sca3-1", 2500, "EUR")
	require.NoError(t, err)
	b.fake.AgeIntent(res.GatewayRef, 2*time.Hour)
	got, _, err = b.gw.LookupCharge(ctx, b.scope, "in_sca3-1")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, got.Status)
	require.Equal(t, stripegw.CodeAuthenticationRequired, got.FailureCode)
	obj, err := b.fake.Object(res.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, "canceled", obj["status"])
	require.Error(t, b.fake.Authenticate(res.GatewayRef, true), "a canceled PaymentIntent can no longer succeed")
}

// TestRateLimits: Stripe's 429 is a technical failure with nothing
// charged; cuota's own limiter holds requests back and, when the caller
// gives up first, nothing is sent at all.
func TestRateLimits(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	visa := b.saved(t, stripefake.CardVisa)

	b.fake.FaultNext("/v1/payment_intents", 1, stripefake.FaultRateLimit)
	res, err := b.charge(t, visa, "in_429-1", 1000, "USD")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, res.Status)
	require.Equal(t, billing.FailureTechnical, res.FailureClass)
	require.Equal(t, stripegw.CodeRateLimited, res.FailureCode)
	require.Empty(t, b.fake.Charges("in_429-1"))
	_, found, err := b.gw.LookupCharge(ctx, b.scope, "in_429-1")
	require.NoError(t, err)
	require.False(t, found)

}

// TestLimiterHeldBackIsTechnical: with a Stripe customer recorded, a
// charge the limiter holds back past its deadline is a technical failure
// (never sent), not an unknown outcome.
func TestLimiterHeldBackIsTechnical(t *testing.T) {
	b := setup(t, func(o *stripegw.Options) { o.RateLimit, o.RateBurst = 1.0/3600, 3 })
	ctx := context.Background()
	visa := b.saved(t, stripefake.CardVisa) // customer, session, session read: the 3 tokens
	before := len(b.fake.Requests())
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	b.payment(t, "in_held-1", 1000, "USD")
	res, err := b.gw.Charge(short, billing.ChargeRequest{Scope: b.scope, IdempotencyKey: "in_held-1", Amount: 1000,
		Currency: "USD", PaymentMethod: visa})
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, res.Status)
	require.Equal(t, billing.FailureTechnical, res.FailureClass)
	require.Equal(t, stripegw.CodeRateLimited, res.FailureCode)
	require.Len(t, b.fake.Requests(), before)
}

// TestUnknownOutcomes: timeouts, 5xx and dropped connections are unknown,
// never failed; the lookup tells what happened, and nothing is charged
// twice.
func TestUnknownOutcomes(t *testing.T) {
	b := setup(t, func(o *stripegw.Options) { o.Timeout = 300 * time.Millisecond })
	ctx := context.Background()
	visa := b.saved(t, stripefake.CardVisa)

	cases := []struct {
		key   string
		fault stripefake.Fault
		moved bool
	}{
		{"in_drop-1", stripefake.FaultDropAfterCommit, true},
		{"in_500after-1", stripefake.FaultServerErrorAfter, true},
		{"in_500before-1", stripefake.FaultServerErrorBefore, false},
		{"in_hang-1", stripefake.FaultHangAfterCommit, true},
	}
	for _, c := range cases {
		b.fake.FaultNext("/v1/payment_intents", 1, c.fault)
		res, err := b.charge(t, visa, c.key, 1000, "USD")
		if c.fault == stripefake.FaultDropAfterCommit && err == nil {
			// Go's http.Transport itself re-sends a request that carries an
			// Idempotency-Key when a reused connection drops before the
			// answer: Stripe replays the saved success.
			require.Equal(t, billing.PaymentSucceeded, res.Status)
		} else {
			require.ErrorIs(t, err, billing.ErrOutcomeUnknown, c.key)
		}
		got, found, err := b.gw.LookupCharge(ctx, b.scope, c.key)
		require.NoError(t, err)
		require.Equal(t, c.moved, found, c.key)
		if c.moved {
			require.Equal(t, billing.PaymentSucceeded, got.Status, c.key)
			require.Len(t, b.fake.Charges(c.key), 1, c.key)
		} else {
			require.Empty(t, b.fake.Charges(c.key), c.key)
		}
	}

	// The saved 500 is what the key replays: still unknown, still one
	// PaymentIntent at most.
	_, err := b.gw.Charge(ctx, billing.ChargeRequest{Scope: b.scope, IdempotencyKey: "in_500after-1", Amount: 1000,
		Currency: "USD", PaymentMethod: visa, Description: "invoice in_500after-1"})
	require.ErrorIs(t, err, billing.ErrOutcomeUnknown)
	require.Len(t, b.fake.Charges("in_500after-1"), 1)

	// The same key with other parameters: Stripe's idempotency_error means
	// an earlier request happened; unknown, resolved by the lookup.
	_, err = b.gw.Charge(ctx, billing.ChargeRequest{Scope: b.scope, IdempotencyKey: "in_drop-1", Amount: 1234,
		Currency: "USD", PaymentMethod: visa})
	require.ErrorIs(t, err, billing.ErrOutcomeUnknown)
	require.Len(t, b.fake.Charges("in_drop-1"), 1)
}

// TestNetworkRetriesReplay: stripe-go's own retries re-send the same
// Idempotency-Key, so a connection dropped after the charge turns into
// the saved success, with one charge.
func TestNetworkRetriesReplay(t *testing.T) {
	b := setup(t, func(o *stripegw.Options) { o.NetworkRetries = stripe.Int64(1) })
	visa := b.saved(t, stripefake.CardVisa)
	b.fake.FaultNext("/v1/payment_intents", 1, stripefake.FaultDropAfterCommit)
	res, err := b.charge(t, visa, "in_retry-1", 1000, "USD")
	require.NoError(t, err)
	require.Equal(t, billing.PaymentSucceeded, res.Status)
	require.Len(t, b.fake.Charges("in_retry-1"), 1)
	n := 0
	for _, r := range b.fake.Requests() {
		if r.IdempotencyKey == "in_retry-1" {
			n++
		}
	}
	require.Equal(t, 2, n, "sent twice with the same key, charged once")
}

// TestRefunds: refunds on the PaymentIntent with cuota's refund id as key;
// pending ones are looked up; Stripe's refusals are billing errors.
func TestRefunds(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	visa := b.saved(t, stripefake.CardVisa)
	res, err := b.charge(t, visa, "in_ref-1", 10000, "CLP")
	require.NoError(t, err)

	out, err := b.gw.Refund(ctx, billing.RefundRequest{Scope: b.scope, IdempotencyKey: "re_cuota1", ChargeKey: "in_ref-1",
		ChargeRef: res.GatewayRef, Amount: 4000, Currency: "CLP"})
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, out.Status)
	require.True(t, strings.HasPrefix(out.GatewayRef, "re_"))

	b.fake.RefundsPending(true)
	out2, err := b.gw.Refund(ctx, billing.RefundRequest{Scope: b.scope, IdempotencyKey: "re_cuota2", ChargeKey: "in_ref-1",
		ChargeRef: res.GatewayRef, Amount: 1000, Currency: "CLP"})
	require.NoError(t, err)
	require.Equal(t, billing.RefundPending, out2.Status)
	require.NoError(t, b.fake.SettleRefund(out2.GatewayRef, true))
	got, err := b.gw.LookupRefund(ctx, b.scope, out2.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, got.Status)
	all, err := b.gw.RefundsOfCharge(ctx, b.scope, b.fake.LatestCharge(res.GatewayRef))
	require.NoError(t, err)
	require.Len(t, all, 2)

	_, err = b.gw.Refund(ctx, billing.RefundRequest{Scope: b.scope, IdempotencyKey: "re_cuota3", ChargeKey: "in_ref-1",
		ChargeRef: res.GatewayRef, Amount: 99999, Currency: "CLP"})
	require.Equal(t, billing.KindInvalid, billing.AsError(err).Kind)
	var sum int64
	for _, e := range b.fake.Ledger() {
		if e.Kind == "refund" {
			sum += e.Amount
		}
	}
	require.EqualValues(t, 5000, sum)
}

// TestAttachToken: a card created with Stripe.js is attached to the
// customer's Stripe customer; another customer's card is refused.
func TestAttachToken(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	pmID := b.fake.NewPaymentMethod(stripefake.CardMastercard)
	pm, err := b.gw.AttachToken(ctx, b.scope, b.cus.ID, pmID)
	require.NoError(t, err)
	require.Equal(t, "mastercard", pm.Brand)
	require.Equal(t, "4444", pm.Last4)
	obj, err := b.fake.Object(pmID)
	require.NoError(t, err)
	require.Equal(t, b.fake.CustomerIDs()[0], obj["customer"])
	_, err = b.gw.AttachToken(ctx, b.scope, b.cus.ID, pmID)
	require.NoError(t, err, "attaching again is harmless")

	_, err = b.gw.AttachToken(ctx, b.scope, b.cus.ID, "tok_visa")
	require.Equal(t, billing.KindInvalid, billing.AsError(err).Kind)
	_, err = b.gw.AttachToken(ctx, b.scope, b.cus.ID, "pm_doesnotexist")
	require.Equal(t, billing.KindInvalid, billing.AsError(err).Kind)
}

// TestCheckCredentials: one harmless read; wrong keys and wrong modes are
// refused with a reason.
func TestCheckCredentials(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	require.NoError(t, b.gw.CheckCredentials(ctx, b.scope, b.creds))
	bad := b.creds
	bad.APIKey = "sk_test_wrong"
	err := b.gw.CheckCredentials(ctx, b.scope, bad)
	require.Equal(t, billing.CodeGatewayCredentialsInvalid, billing.AsError(err).Code)
	live := b.creds
	live.APIKey = "sk_live_x"
	err = b.gw.CheckCredentials(ctx, b.scope, live)
	require.Contains(t, billing.AsError(err).Message, "sk_test_")
	noSecret := b.creds
	noSecret.WebhookSecret = "secret"
	err = b.gw.CheckCredentials(ctx, b.scope, noSecret)
	require.Equal(t, "webhook_secret", billing.AsError(err).Param)
}

// TestChargeByIntentIgnoresOthers: PaymentIntents cuota did not create
// (another merchant's, or none of cuota's) give no key.
func TestChargeByIntentIgnoresOthers(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	visa := b.saved(t, stripefake.CardVisa)
	res, err := b.charge(t, visa, "in_own-1", 1000, "USD")
	require.NoError(t, err)
	other := billing.Scope{MerchantID: "mch_other", Mode: billing.ModeTest}
	key, _, err := b.gw.ChargeByIntent(ctx, other, res.GatewayRef)
	require.NoError(t, err)
	require.Empty(t, key)
	key, _, err = b.gw.ChargeByIntent(ctx, b.scope, "pi_unknown")
	require.NoError(t, err)
	require.Empty(t, key)
}

func TestSupportsCurrency(t *testing.T) {
	gw := stripegw.New(stripegw.Options{})
	for _, c := range []string{"USD", "CLP", "clp", "JPY", "EUR", "ISK", "KWD"} {
		require.True(t, gw.SupportsCurrency(c), c)
	}
	for _, c := range []string{"CLF", "UYW", "XXX", ""} {
		require.False(t, gw.SupportsCurrency(c), c)
	}
}

// TestCircuitBreaker: after repeated charges without an answer, charges
// fail at once, before anything is sent, and the adapter says it is
// unavailable; declines are answers and never open it.
func TestCircuitBreaker(t *testing.T) {
	b := setup(t)
	visa := b.saved(t, stripefake.CardVisa)
	b.fake.FaultNext("/v1/payment_intents", breaker.Threshold, stripefake.FaultServerErrorBefore)
	for i := range breaker.Threshold {
		_, err := b.charge(t, visa, fmt.Sprintf("in_brk%d-1", i), 1000, "USD")
		require.ErrorIs(t, err, billing.ErrOutcomeUnknown)
	}
	require.False(t, b.gw.Available(b.scope))
	_, err := b.charge(t, visa, "in_open-1", 1000, "USD")
	require.ErrorIs(t, err, breaker.ErrOpen)
	require.NotErrorIs(t, err, billing.ErrOutcomeUnknown, "nothing was sent: not unknown")
	require.Empty(t, b.fake.Charges("in_open-1"))
	require.True(t, b.gw.Available(billing.Scope{MerchantID: "mch_other", Mode: billing.ModeTest}), "one breaker per merchant gateway")
}

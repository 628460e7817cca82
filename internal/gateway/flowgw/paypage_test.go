package flowgw_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flow"
	"github.com/cuota/cuota/internal/gateway/flowgw"
)

// clock is a settable clock shared by flowsim and the adapter.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// confirmations is cuota's side of Flow's notifications: it answers 200
// and records the paths and tokens.
type confirmations struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []string // path + " " + token
}

func newConfirmations(t *testing.T) *confirmations {
	t.Helper()
	c := &confirmations{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		c.mu.Lock()
		c.got = append(c.got, r.URL.Path+" "+r.PostForm.Get("token"))
		c.mu.Unlock()
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *confirmations) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

// payBundle is a bundle whose adapter and flowsim share a settable clock,
// and whose notifications reach a local receiver.
type payBundle struct {
	*bundle
	clock   *clock
	confirm *confirmations
}

func setupPay(t *testing.T) *payBundle {
	t.Helper()
	c := &clock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	conf := newConfirmations(t)
	return &payBundle{bundle: setupWith(t, flowsim.Options{Now: c.Now}, c.Now, conf.srv.URL), clock: c, confirm: conf}
}

// payment is a recorded pending pay-page payment, as the app makes it.
func (b *payBundle) payment(key string, amount int64, currency string) billing.Payment {
	return billing.Payment{ID: "pay_" + key, Scope: b.scope, InvoiceID: "in_" + key, CustomerID: b.cus.ID, Gateway: billing.GatewayFlow,
		Amount: amount, Currency: currency, IdempotencyKey: key, Status: billing.PaymentPending}
}

func (b *payBundle) request(p billing.Payment) billing.PayRequest {
	return billing.PayRequest{Scope: b.scope, Payment: p, Customer: b.cus, Description: "Corredora COR-0001", Locale: "es-CL",
		ReturnURL: "http://cuota.test/return/pay/" + p.ID + "?t=x", ExpiresAt: b.clock.Now().Add(time.Hour)}
}

// start opens a payment's Flow page and records the token on the
// payment, as the app does.
func (b *payBundle) start(t *testing.T, key string, amount int64) (billing.Payment, billing.PayStart) {
	t.Helper()
	p := b.payment(key, amount, "CLP")
	st, err := b.flow.StartPayment(context.Background(), b.request(p))
	require.NoError(t, err)
	p.GatewayRef = st.GatewayRef
	return p, st
}

var (
	pageFormRe  = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	pageTokenRe = regexp.MustCompile(`<input type="hidden" name="token" value="([^"]*)">`)
	returnRe    = regexp.MustCompile(`<form id="flowsim-return" method="post" action="([^"]*)">`)
)

// payOnPage is a person on Flow's pay page: it opens the redirect URL,
// picks card (or none) and presses button ("pay", "reject", "cancel"). It
// returns where Flow's page sends the browser back to.
func payOnPage(t *testing.T, redirect, card, button string) string {
	t.Helper()
	res, err := http.Get(redirect)
	require.NoError(t, err)
	page, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode, string(page))
	action := pageFormRe.FindStringSubmatch(string(page))
	token := pageTokenRe.FindStringSubmatch(string(page))
	require.NotNil(t, action, "pay page has a form: %s", page)
	require.NotNil(t, token)
	if card != "" {
		require.Contains(t, string(page), `id="card-`+card+`"`)
	}
	target, err := url.Parse(redirect)
	require.NoError(t, err)
	target, err = target.Parse(html.UnescapeString(action[1]))
	require.NoError(t, err)
	form := url.Values{"token": {html.UnescapeString(token[1])}, "action": {button}}
	if card != "" {
		form.Set("card", card)
	}
	res, err = http.PostForm(target.String(), form)
	require.NoError(t, err)
	back, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode, string(back))
	ret := returnRe.FindStringSubmatch(string(back))
	require.NotNil(t, ret, "Flow's page returns the browser: %s", back)
	return html.UnescapeString(ret[1])
}

// TestPayPageStart: payment/create carries the idempotency key as
// commerceOrder, the amount, the payer's email, cuota's notification and
// return URLs, and a timeout that ends the order when cuota asked.
func TestPayPageStart(t *testing.T) {
	b := setupPay(t)
	p, st := b.start(t, "in_pp1-1", 15000)
	require.NotEmpty(t, st.GatewayRef)
	require.Equal(t, b.creds.BaseURL[:len(b.creds.BaseURL)-len("/api")]+"/app/web/pay.php?token="+url.QueryEscape(st.GatewayRef), st.RedirectURL)

	ledger := b.sim.LedgerFor("in_pp1-1")
	require.Len(t, ledger, 1)
	require.Equal(t, flowsim.KindPayment, ledger[0].Kind)
	require.Equal(t, p.IdempotencyKey, ledger[0].CommerceOrder)
	require.Equal(t, st.GatewayRef, ledger[0].Token)
	require.EqualValues(t, 15000, ledger[0].Amount)
	require.Equal(t, "CLP", ledger[0].Currency)
	require.Equal(t, b.request(p).ExpiresAt, ledger[0].Expires, "timeout = seconds until ExpiresAt")

	// What Flow holds (read back with a plain client).
	cl, err := flow.New(flow.Config{BaseURL: b.creds.BaseURL, APIKey: b.creds.APIKey, Secret: b.creds.Secret})
	require.NoError(t, err)
	fs, err := cl.GetPaymentStatus(context.Background(), st.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, b.cus.Email, fs.Payer.String())
	require.Equal(t, "Corredora COR-0001", fs.Subject.String())

	res, err := b.flow.LookupPayment(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, billing.ChargeResult{Status: billing.PaymentPending}, res, "pending keeps cuota's reference (the token)")
}

// TestPayPageOutcomes: what the person does on Flow's page is what
// LookupPayment says, asked of Flow.
func TestPayPageOutcomes(t *testing.T) {
	b := setupPay(t)
	ctx := context.Background()

	t.Run("good card", func(t *testing.T) {
		p, st := b.start(t, "in_good-1", 15000)
		back := payOnPage(t, st.RedirectURL, flowsim.CardVisa, "pay")
		require.Equal(t, b.request(p).ReturnURL, back)
		res, err := b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentSucceeded, res.Status)
		ledger := b.sim.LedgerFor(p.IdempotencyKey)
		require.Len(t, ledger, 1)
		require.True(t, ledger[0].MovedMoney())
		require.EqualValues(t, 15000, ledger[0].Amount)
		require.Equal(t, strconv.FormatInt(ledger[0].FlowOrder, 10), res.GatewayRef, "the flowOrder: what refunds name")

		// Flow notified cuota's payment address with the token, once.
		require.Equal(t, []string{"/webhooks/flow/" + b.scope.MerchantID + "/test/payment " + st.GatewayRef}, b.confirm.all())

		// Settled (its reference now the flowOrder), it reads the same;
		// and without any reference, by its key.
		p.GatewayRef = res.GatewayRef
		again, err := b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, res, again)
		p.GatewayRef = ""
		again, err = b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, res, again)
	})

	t.Run("declined card", func(t *testing.T) {
		p, st := b.start(t, "in_declined-1", 15000)
		payOnPage(t, st.RedirectURL, flowsim.CardDeclined, "pay")
		res, err := b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentFailed, res.Status)
		require.Equal(t, billing.FailureCustomer, res.FailureClass)
		require.Equal(t, "card_declined", res.FailureCode)
		require.False(t, b.sim.LedgerFor(p.IdempotencyKey)[0].MovedMoney())
	})

	t.Run("blocked card", func(t *testing.T) {
		p, st := b.start(t, "in_blocked-1", 15000)
		payOnPage(t, st.RedirectURL, flowsim.CardBlocked, "pay")
		res, err := b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentFailed, res.Status)
		require.Equal(t, billing.FailureHard, res.FailureClass)
		require.Equal(t, "card_blocked", res.FailureCode)
	})

	t.Run("rejected and cancelled", func(t *testing.T) {
		p, st := b.start(t, "in_rejected-1", 15000)
		payOnPage(t, st.RedirectURL, "", "reject")
		res, err := b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentFailed, res.Status)
		require.Equal(t, billing.FailureCustomer, res.FailureClass)

		p, st = b.start(t, "in_cancelled-1", 15000)
		payOnPage(t, st.RedirectURL, "", "cancel")
		res, err = b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentFailed, res.Status)
		require.Equal(t, "canceled", res.FailureCode)
	})

	t.Run("abandoned", func(t *testing.T) {
		p, _ := b.start(t, "in_abandoned-1", 15000)
		res, err := b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentPending, res.Status)
		// The token was never recorded (cuota stopped before): by the key.
		p.GatewayRef = ""
		res, err = b.flow.LookupPayment(ctx, p)
		require.NoError(t, err)
		require.Equal(t, billing.PaymentPending, res.Status)
		// The page was never created at Flow: pending, not an error.
		never := b.payment("in_never-1", 15000, "CLP")
		res, err = b.flow.LookupPayment(ctx, never)
		require.NoError(t, err)
		require.Equal(t, billing.ChargeResult{Status: billing.PaymentPending}, res)
	})
}

// TestPayPageExpires: past ExpiresAt Flow no longer takes the payment
// (the timeout cuota sent), so a new attempt cannot meet a late payment of
// this one.
func TestPayPageExpires(t *testing.T) {
	b := setupPay(t)
	p, st := b.start(t, "in_late-1", 15000)
	b.clock.Advance(time.Hour)
	res, err := http.Get(st.RedirectURL)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusGone, res.StatusCode)
	_, err = b.sim.PayWithCard(context.Background(), st.GatewayRef, flowsim.CardVisa)
	require.ErrorIs(t, err, flowsim.ErrExpired)
	got, err := b.flow.LookupPayment(context.Background(), p)
	require.NoError(t, err)
	require.NotEqual(t, billing.PaymentSucceeded, got.Status)

	// A page that would already have expired is not opened.
	p = b.payment("in_late-2", 15000, "CLP")
	r := b.request(p)
	r.ExpiresAt = b.clock.Now()
	_, err = b.flow.StartPayment(context.Background(), r)
	require.Equal(t, billing.KindInvalid, billing.AsError(err).Kind)
	require.Empty(t, b.sim.LedgerFor("in_late-2"))
}

// TestPayPageRefused: what Flow cannot take is refused before anything is
// sent, with a clear 400.
func TestPayPageRefused(t *testing.T) {
	b := setupPay(t)
	ctx := context.Background()

	_, err := b.flow.StartPayment(ctx, b.request(b.payment("in_usd-1", 1000, "USD")))
	require.Equal(t, billing.CodeCurrencyNotSupported, billing.AsError(err).Code)
	require.Equal(t, billing.KindInvalid, billing.AsError(err).Kind)

	r := b.request(b.payment("in_noemail-1", 1000, "CLP"))
	r.Customer.Email = ""
	_, err = b.flow.StartPayment(ctx, r)
	e := billing.AsError(err)
	require.NotNil(t, e)
	require.Equal(t, billing.KindInvalid, e.Kind)
	require.Equal(t, "customer", e.Param)
	require.Contains(t, e.Message, "email")

	require.Empty(t, b.sim.Ledger())
}

// TestPayPageBreaker: a Flow that does not answer opens the breaker; then
// no page is opened and nothing is sent.
func TestPayPageBreaker(t *testing.T) {
	b := setupPay(t)
	ctx := context.Background()
	b.sim.FailNext(100, 502)
	for i := range 5 {
		_, err := b.flow.StartPayment(ctx, b.request(b.payment("in_br-"+strconv.Itoa(i), 1000, "CLP")))
		require.Error(t, err)
		require.True(t, flow.IsOutcomeUnknown(err))
	}
	_, err := b.flow.StartPayment(ctx, b.request(b.payment("in_br-open", 1000, "CLP")))
	require.ErrorIs(t, err, flowgw.ErrUnavailable)
	require.Empty(t, b.sim.Ledger())
}

// TestPayPageRefund: a pay-page payment is refunded like a card charge:
// by its flowOrder (the reference it settled with) and its key.
func TestPayPageRefund(t *testing.T) {
	b := setupPay(t)
	ctx := context.Background()
	p, st := b.start(t, "in_rf-1", 20000)
	payOnPage(t, st.RedirectURL, flowsim.CardMastercard, "pay")
	res, err := b.flow.LookupPayment(ctx, p)
	require.NoError(t, err)
	require.Equal(t, billing.PaymentSucceeded, res.Status)
	flowOrder := b.sim.LedgerFor(p.IdempotencyKey)[0].FlowOrder

	rf, err := b.flow.Refund(ctx, billing.RefundRequest{Scope: b.scope, IdempotencyKey: "re_pp1", ChargeKey: p.IdempotencyKey,
		ChargeRef: res.GatewayRef, Amount: 5000, Currency: "CLP", CustomerEmail: b.cus.Email})
	require.NoError(t, err)
	require.Equal(t, billing.RefundPending, rf.Status)
	entries := b.sim.LedgerFor("re_pp1")
	require.Len(t, entries, 1)
	require.Equal(t, flowOrder, entries[0].RefundOf)
	require.EqualValues(t, 5000, entries[0].Amount)

	_, err = b.sim.CompleteRefund(ctx, rf.GatewayRef, true)
	require.NoError(t, err)
	done, err := b.flow.LookupRefund(ctx, b.scope, rf.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, done.Status)

	// A payment still holding its token (settled by a path that kept it)
	// is found by its key.
	rf, err = b.flow.Refund(ctx, billing.RefundRequest{Scope: b.scope, IdempotencyKey: "re_pp2", ChargeKey: p.IdempotencyKey,
		ChargeRef: st.GatewayRef, Amount: 15000, Currency: "CLP", CustomerEmail: b.cus.Email})
	require.NoError(t, err)
	require.Equal(t, billing.RefundPending, rf.Status)
	require.Equal(t, flowOrder, b.sim.LedgerFor("re_pp2")[0].RefundOf)
}

// TestLookupPaymentToken: a notification's token is verified with Flow;
// the key is the order's commerceOrder; a forged token is Flow's "not
// found".
func TestLookupPaymentToken(t *testing.T) {
	b := setupPay(t)
	ctx := context.Background()
	p, st := b.start(t, "in_tok-1", 15000)

	key, res, err := b.flow.LookupPaymentToken(ctx, b.scope, st.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, p.IdempotencyKey, key)
	require.Equal(t, billing.PaymentPending, res.Status)
	require.Empty(t, res.GatewayRef)

	_, err = b.sim.PayWithCard(ctx, st.GatewayRef, flowsim.CardVisa)
	require.NoError(t, err)
	key, res, err = b.flow.LookupPaymentToken(ctx, b.scope, st.GatewayRef)
	require.NoError(t, err)
	require.Equal(t, p.IdempotencyKey, key)
	require.Equal(t, billing.PaymentSucceeded, res.Status)

	_, _, err = b.flow.LookupPaymentToken(ctx, b.scope, strings.Repeat("A", 40))
	require.True(t, flow.IsNotFound(err), "%v", err)
	require.False(t, flow.IsOutcomeUnknown(err))

	// A token of another payment never settles this one.
	_, other := b.start(t, "in_tok-2", 15000)
	p.GatewayRef = other.GatewayRef
	_, err = b.flow.LookupPayment(ctx, p)
	require.ErrorContains(t, err, "commerceOrder")
}

// TestPayPageSubjectWholeCharacters: a description with multi-byte
// characters longer than the subject's limit in bytes reaches Flow whole
// and valid (a byte cut left half an "ñ", invalid UTF-8 whose signature
// Flow refuses); one longer than the limit in characters is cut between
// characters.
func TestPayPageSubjectWholeCharacters(t *testing.T) {
	b := setupPay(t)
	cl, err := flow.New(flow.Config{BaseURL: b.creds.BaseURL, APIKey: b.creds.APIKey, Secret: b.creds.Secret})
	require.NoError(t, err)
	for key, c := range map[string]struct{ desc, want string }{
		"in_utf8-1": {"A" + strings.Repeat("ñ", 110), "A" + strings.Repeat("ñ", 110)}, // 111 characters, 221 bytes
		"in_utf8-2": {strings.Repeat("ñ", 250), strings.Repeat("ñ", 200)},
	} {
		p := b.payment(key, 1000, "CLP")
		r := b.request(p)
		r.Description = c.desc
		st, err := b.flow.StartPayment(context.Background(), r)
		require.NoError(t, err)
		fs, err := cl.GetPaymentStatus(context.Background(), st.GatewayRef)
		require.NoError(t, err)
		require.Equal(t, c.want, fs.Subject.String())
	}
}

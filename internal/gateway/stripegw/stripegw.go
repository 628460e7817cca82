// Package stripegw is the Stripe gateway adapter: it turns cuota's gateway
// calls into Stripe API calls through stripe-go (v86, API version
// 2026-08-26.dahlia), with each merchant's own secret key for the mode of
// the call. It stores tokens and moves money; every schedule, retry and
// state rule stays in cuota.
//
// Rules it keeps (see README.md):
//   - One Stripe Customer per cuota customer, reserved locally (gwref)
//     before Stripe is called and created with an Idempotency-Key derived
//     from the customer, with cuota's ids in its metadata.
//   - Cards are saved through Stripe Checkout in setup mode; the outcome is
//     always read back from Stripe (the Checkout Session and its
//     SetupIntent), never taken from the browser's return.
//   - A charge is one PaymentIntent created with confirm=true and
//     off_session=true, whose Idempotency-Key is the payment's idempotency
//     key and whose metadata carries cuota's ids. Timeouts, 5xx and dropped
//     connections are unknown outcomes (billing.ErrOutcomeUnknown),
//     resolved by LookupCharge; 429s and refusals before any money moved
//     are technical failures.
//   - A pay page is a Checkout Session in payment mode whose PaymentIntent
//     carries the payment's idempotency key in its metadata, like an
//     off-session charge; a charge waiting for the customer's
//     authentication (SCA) is finished on the same PaymentIntent, confirmed
//     again with a return_url, so it can never be charged twice. Outcomes
//     are read back from Stripe (LookupPayment, LookupCharge, webhooks).
//   - Amounts are sent in Stripe's minor units: zero-decimal currencies
//     (CLP, JPY…) as they are — 5000 CLP is 5000.
package stripegw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v86"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/breaker"
	"github.com/cuota/cuota/internal/gateway/gwref"
)

// Metadata keys cuota writes on the Stripe objects it creates. An object
// without them (or with another merchant's or mode's) was not created by
// cuota for that scope, and incoming events about it are ignored.
const (
	MetaMerchant      = "cuota_merchant_id"
	MetaMode          = "cuota_mode"
	MetaCustomer      = "cuota_customer_id"
	MetaKey           = "cuota_idempotency_key" // the payment's idempotency key (PaymentIntents)
	MetaPaymentMethod = "cuota_payment_method_id"
	MetaSetup         = "cuota_setup_id"  // Checkout Sessions and their SetupIntents
	MetaRefund        = "cuota_refund_id" // Refunds
	// MetaPayment and MetaInvoice name the payment and invoice a pay-page
	// Checkout Session (mode payment) and its PaymentIntent were made for;
	// MetaPayPage marks both as a pay page's ("checkout"), whose
	// PaymentIntent the customer may retry on Stripe's page until the
	// session ends. MetaExpires is cuota's own expiry of the pay page (Unix
	// seconds), after which cuota expires the session at Stripe.
	MetaPayment = "cuota_payment_id"
	MetaInvoice = "cuota_invoice_id"
	MetaPayPage = "cuota_pay_page"
	MetaExpires = "cuota_expires_at"
)

// Owned reports whether Stripe object metadata marks it as created by
// cuota for scope s.
func Owned(meta map[string]string, s billing.Scope) bool {
	return meta != nil && meta[MetaMerchant] == s.MerchantID && meta[MetaMode] == string(s.Mode)
}

// CredentialsFunc returns a scope's Stripe credentials (app.Merchants.GatewayCredentials
// for "stripe").
type CredentialsFunc func(ctx context.Context, s billing.Scope) (billing.GatewayCredentials, error)

// Defaults of Options.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultNetworkRetries = 2
	DefaultRateLimit      = 20 // requests per second per Stripe key (Stripe allows 25 in test mode)
	DefaultRateBurst      = 20
	DefaultActionWindow   = 72 * time.Hour
)

// Options configure an Adapter.
type Options struct {
	Store       gwref.Store
	Credentials CredentialsFunc
	// HTTPClient's Transport sends the requests (nil: http.DefaultTransport).
	// Its Timeout is not used; see Timeout.
	HTTPClient *http.Client
	// Timeout bounds each attempt of a Stripe call; 0 means DefaultTimeout.
	Timeout time.Duration
	// NetworkRetries is how many times stripe-go re-sends a request that
	// got no answer at all (a dropped connection, a timeout) or a 429
	// lock_timeout; nil means DefaultNetworkRetries. Every re-send carries
	// the same Idempotency-Key, so Stripe replays the first answer instead
	// of charging twice; when all attempts fail the outcome stays unknown.
	NetworkRetries *int64
	// RateLimit and RateBurst shape the requests sent with one Stripe key
	// (a token bucket); 0 means DefaultRateLimit / DefaultRateBurst.
	RateLimit float64
	RateBurst int
	// ActionWindow is how long a charge that needs the customer's
	// authentication (PaymentIntent requires_action) may wait for it before
	// LookupCharge cancels the PaymentIntent and reports the charge failed;
	// 0 means DefaultActionWindow.
	ActionWindow time.Duration
	Now          func() time.Time
	Logger       *slog.Logger
}

// Adapter is the Stripe gateway (billing.Gateway, billing.SetupGateway,
// billing.PayPageGateway, billing.CredentialChecker, billing.RefundLooker,
// billing.CurrencyGateway).
type Adapter struct {
	opts      Options
	customers *gwref.Customers
	breakers  *breaker.Set
	mu        sync.Mutex
	clients   map[string]*stripe.Client
}

// Available reports whether a scope's Stripe calls are going through (its
// circuit breaker is closed), for failover decisions.
func (a *Adapter) Available(s billing.Scope) bool { return a.breakers.Available(s) }

// New returns a Stripe adapter.
func New(o Options) *Adapter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.NetworkRetries == nil {
		o.NetworkRetries = stripe.Int64(DefaultNetworkRetries)
	}
	if o.RateLimit <= 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.ActionWindow <= 0 {
		o.ActionWindow = DefaultActionWindow
	}
	return &Adapter{opts: o, clients: map[string]*stripe.Client{}, breakers: breaker.New(o.Now),
		customers: &gwref.Customers{Store: o.Store, Gateway: billing.GatewayStripe, Now: o.Now, Logger: o.Logger}}
}

// Name implements billing.Gateway.
func (a *Adapter) Name() string { return billing.GatewayStripe }

// client returns the Stripe client for a scope's credentials.
func (a *Adapter) client(ctx context.Context, s billing.Scope) (*stripe.Client, error) {
	c, err := a.opts.Credentials(ctx, s)
	if err != nil {
		return nil, err
	}
	return a.clientFor(s, c)
}

// clientFor returns (and keeps, one per key and address, so that the rate
// limiter is shared by every call with that key) the client for c.
func (a *Adapter) clientFor(s billing.Scope, c billing.GatewayCredentials) (*stripe.Client, error) {
	if c.APIKey == "" {
		return nil, billing.Invalid("api_key", billing.CodeGatewayCredentialsInvalid, "the Stripe secret key is missing")
	}
	if c.BaseURL != "" && s.Mode == billing.ModeLive {
		return nil, billing.Invalid("base_url", billing.CodeParameterInvalid, "live mode always talks to api.stripe.com")
	}
	sum := sha256.Sum256([]byte(c.APIKey + "\x00" + c.BaseURL))
	id := hex.EncodeToString(sum[:])
	a.mu.Lock()
	defer a.mu.Unlock()
	if cl, ok := a.clients[id]; ok {
		return cl, nil
	}
	var rt http.RoundTripper = http.DefaultTransport
	if a.opts.HTTPClient != nil && a.opts.HTTPClient.Transport != nil {
		rt = a.opts.HTTPClient.Transport
	}
	hc := &http.Client{Timeout: a.opts.Timeout,
		Transport: &limitedTransport{base: rt, bucket: newBucket(a.opts.RateLimit, a.opts.RateBurst, time.Now)}}
	// Network retries: stripe-go re-sends a request only when no answer
	// came (a dropped connection, a timeout) or on a 429 lock_timeout;
	// Stripe's own error answers (a 5xx, a 409, a 429 rate limit, a
	// decline) are never re-sent. Go's http.Transport may also re-send a
	// request carrying an Idempotency-Key when a reused connection drops.
	// Every re-send carries the Idempotency-Key cuota set, so Stripe
	// answers a re-sent charge with the saved answer of the first one and
	// never charges twice; reads (no key) are harmless to repeat. A retry
	// can thus only turn an unknown outcome into a known one. Retries do
	// not outlive the caller's context.
	cfg := &stripe.BackendConfig{HTTPClient: hc, MaxNetworkRetries: a.opts.NetworkRetries,
		// stripe-go's logger would print API errors to stderr; cuota logs
		// what it needs itself, without secrets.
		LeveledLogger:   &stripe.LeveledLogger{Level: stripe.LevelNull},
		EnableTelemetry: stripe.Bool(false)}
	if c.BaseURL != "" {
		cfg.URL = stripe.String(c.BaseURL)
	}
	cl := stripe.NewClient(c.APIKey, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))
	a.clients[id] = cl
	return cl, nil
}

// CheckCredentials makes one harmless authenticated read with c (list at
// most one customer) and checks that the key belongs to the scope's mode.
func (a *Adapter) CheckCredentials(ctx context.Context, s billing.Scope, c billing.GatewayCredentials) error {
	want := "_test_"
	if s.Mode == billing.ModeLive {
		want = "_live_"
	}
	if !(strings.HasPrefix(c.APIKey, "sk"+want) || strings.HasPrefix(c.APIKey, "rk"+want)) {
		return billing.Invalid("api_key", billing.CodeGatewayCredentialsInvalid,
			"%s mode takes a Stripe secret key that starts with sk%s (or a restricted key rk%s)", s.Mode, want, want)
	}
	if c.WebhookSecret != "" && !strings.HasPrefix(c.WebhookSecret, "whsec_") {
		return billing.Invalid("webhook_secret", billing.CodeGatewayCredentialsInvalid,
			"a Stripe webhook signing secret starts with whsec_ (Dashboard → Developers → Webhooks → your endpoint)")
	}
	cl, err := a.clientFor(s, c)
	if err != nil {
		return err
	}
	// The first page is fetched when the list is made.
	err = cl.V1Customers.List(ctx, &stripe.CustomerListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(1), Single: true}}).Err()
	var se *stripe.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.HTTPStatusCode == http.StatusUnauthorized:
		return billing.Invalid("api_key", billing.CodeGatewayCredentialsInvalid, "Stripe does not accept this secret key")
	case errors.As(err, &se) && se.HTTPStatusCode == http.StatusForbidden:
		return billing.Invalid("api_key", billing.CodeGatewayCredentialsInvalid,
			"this restricted key may not read customers; cuota needs write access to Customers, PaymentIntents, SetupIntents, Checkout Sessions, PaymentMethods and Refunds")
	case errors.As(err, &se):
		return billing.Invalid("api_key", billing.CodeGatewayCredentialsInvalid, "Stripe refused the credentials check: %s", stripeMessage(se))
	default:
		return billing.Errorf(billing.KindInvalid, billing.CodeGatewayCredentialsInvalid,
			"Stripe could not be reached to check the credentials; try again")
	}
}

// stripeMessage is Stripe's own message of an error, safe to show.
func stripeMessage(e *stripe.Error) string {
	if e.Msg != "" {
		return e.Msg
	}
	if e.Code != "" {
		return string(e.Code)
	}
	return "HTTP " + strconv.Itoa(e.HTTPStatusCode)
}

// unavailable turns a failed Stripe call that moved no money into an error
// for the API: Stripe's refusal (a billing error the caller can act on),
// or Stripe being unreachable (a plain error: the app reports 503).
func unavailable(what string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 &&
		se.HTTPStatusCode != http.StatusConflict && se.HTTPStatusCode != http.StatusTooManyRequests {
		return billing.Invalid("gateway", billing.CodeParameterInvalid, "Stripe refused to %s: %s", what, stripeMessage(se))
	}
	return fmt.Errorf("stripe: %s: %w", what, err)
}

// metadata is the metadata cuota writes on an object of scope s.
func metadata(s billing.Scope, kv ...string) map[string]string {
	m := map[string]string{MetaMerchant: s.MerchantID, MetaMode: string(s.Mode)}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

// stripeCustomerID returns the id of an expandable customer ("" for nil).
func stripeCustomerID(c *stripe.Customer) string {
	if c == nil {
		return ""
	}
	return c.ID
}

package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Gateway names.
const (
	GatewaySim    = "sim"
	GatewayFlow   = "flow"
	GatewayStripe = "stripe"
)

// ChargeRequest asks a gateway to charge a saved payment method.
type ChargeRequest struct {
	Scope          Scope
	IdempotencyKey string // the same on every retry of one payment attempt
	Amount         int64  // minor units
	Currency       string
	PaymentMethod  PaymentMethod
	Description    string
}

// ChargeResult is what a gateway answered. Status is PaymentSucceeded,
// PaymentFailed or PaymentPending; failures carry a class and code.
type ChargeResult struct {
	Status         PaymentStatus
	GatewayRef     string
	FailureClass   FailureClass
	FailureCode    string
	FailureMessage string
}

// RefundRequest asks a gateway to return money of a charge.
type RefundRequest struct {
	Scope          Scope
	IdempotencyKey string
	ChargeKey      string // the idempotency key of the charge being refunded
	ChargeRef      string
	Amount         int64
	Currency       string
	// CustomerEmail is the payer's email; Flow sends the refund to it.
	CustomerEmail string
}

// RefundResult is a gateway's answer to a refund.
type RefundResult struct {
	Status     RefundStatus // RefundSucceeded, RefundPending or RefundFailed
	GatewayRef string
}

// ErrOutcomeUnknown marks a gateway error after which nobody knows whether
// money moved (a timeout, a 5xx, a dropped connection). The payment becomes
// unknown and only reconciliation (LookupCharge) may resolve it; charging
// again is forbidden until then (docs/architecture.md, "Charging exactly once").
var ErrOutcomeUnknown = errors.New("gateway outcome unknown")

// ErrCircuitOpen is returned by a gateway adapter, before anything is
// sent, while its circuit breaker for the scope is open (its calls got no
// answer several times in a row). Nothing was charged; app raises the
// gateway_unavailable alert (docs/alerts.md).
var ErrCircuitOpen = errors.New("gateway unavailable (circuit open after repeated failures)")

// Gateway is a payment gateway adapter: it stores tokens and moves money;
// every schedule, retry and state rule stays in cuota.
type Gateway interface {
	// Name is the gateway's name ("sim", "flow", "stripe").
	Name() string
	// AttachToken turns a gateway token into a payment method for a
	// customer (verifying it with the gateway). The returned value has
	// Gateway, Token, Brand, Last4 and expiry filled in.
	AttachToken(ctx context.Context, s Scope, customerID, token string) (PaymentMethod, error)
	// Charge charges a saved payment method. A non-nil error wrapping
	// ErrOutcomeUnknown means the outcome is unknown; any other error means
	// the gateway was not reached and nothing was charged.
	Charge(ctx context.Context, r ChargeRequest) (ChargeResult, error)
	// LookupCharge asks the gateway what happened to the charge with the
	// given idempotency key; found is false when it never happened.
	LookupCharge(ctx context.Context, s Scope, idempotencyKey string) (ChargeResult, bool, error)
	// Refund returns money of a charge.
	Refund(ctx context.Context, r RefundRequest) (RefundResult, error)
}

// BatchCharger is a Gateway that can take many charges in one call; the
// batched renewal sweep uses it when a gateway offers it. results[i] and
// errs[i] mean what Charge's results mean for rs[i].
type BatchCharger interface {
	ChargeMany(ctx context.Context, rs []ChargeRequest) (results []ChargeResult, errs []error)
}

// GatewayCredentials are a merchant's credentials for one gateway in one
// mode, as the adapters read them. Flow: APIKey and Secret (its secretKey);
// Stripe: APIKey (the secret key sk_…) and WebhookSecret (whsec_…).
// Environment is Flow's "sandbox" or "production". BaseURL overrides the
// gateway's address (a simulator, stripe-mock) in test mode only.
type GatewayCredentials struct {
	APIKey        string `json:"api_key"`
	Secret        string `json:"secret,omitempty"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
	Environment   string `json:"environment,omitempty"`
	BaseURL       string `json:"base_url,omitempty"`
}

// CodeAuthenticationRequired is the failure code of a pending charge that
// waits for the customer to authenticate it (SCA). It is a payment's
// failure_code, not an error code: the error codes are in codes.go.
const CodeAuthenticationRequired = "authentication_required"

// RefundLooker is a Gateway that settles refunds later and can say what
// became of one, by the reference it gave the refund.
type RefundLooker interface {
	LookupRefund(ctx context.Context, s Scope, gatewayRef string) (RefundResult, error)
}

// CurrencyGateway is a Gateway that charges only some currencies.
type CurrencyGateway interface {
	SupportsCurrency(code string) bool
}

// CredentialChecker is a Gateway that can tell whether credentials work
// before they are saved (one signed, harmless call).
type CredentialChecker interface {
	CheckCredentials(ctx context.Context, s Scope, c GatewayCredentials) error
}

// SetupRequest asks a gateway to start saving a card for a customer on its
// own hosted page. ReturnURL is cuota's page the gateway sends the browser
// (or its notification) back to.
type SetupRequest struct {
	Scope     Scope
	Customer  Customer
	Setup     PaymentMethodSetup
	ReturnURL string
}

// SetupStart is where to send the customer's browser, and the gateway's
// id of the setup, kept to verify the outcome with the gateway.
type SetupStart struct {
	RedirectURL string
	GatewayRef  string
}

// SetupOutcome is what the gateway says happened to a setup: SetupSucceeded
// with the saved PaymentMethod, SetupFailed with a message, or
// SetupPending when the customer has not finished.
type SetupOutcome struct {
	Status         string
	PaymentMethod  PaymentMethod
	FailureMessage string
}

// SetupGateway is a Gateway that saves cards on its own hosted page. The
// outcome is always asked of the gateway (FinishSetup), never taken from
// the browser's redirect.
type SetupGateway interface {
	StartSetup(ctx context.Context, r SetupRequest) (SetupStart, error)
	FinishSetup(ctx context.Context, st PaymentMethodSetup) (SetupOutcome, error)
}

// MerchantSettingsJSON encodes settings for storage.
func MerchantSettingsJSON(s MerchantSettings) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("encode merchant settings: %w", err)
	}
	return string(b), nil
}

// ParseMerchantSettings decodes stored settings. A merchant that never
// saved any ("" or "{}") has the defaults.
func ParseMerchantSettings(text string) (MerchantSettings, error) {
	if text == "" || text == "{}" {
		return DefaultMerchantSettings(), nil
	}
	var s MerchantSettings
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return MerchantSettings{}, fmt.Errorf("decode merchant settings: %w", err)
	}
	return s, nil
}

// PayRequest asks a gateway to take a payment on its own hosted page (a
// one-off invoice, a payment-mode checkout) or to let the customer
// authenticate a charge that waits for them (SCA). Payment is already
// recorded (pending, with its idempotency key): the gateway's order must
// carry that key, so the outcome can always be looked up by it.
type PayRequest struct {
	Scope       Scope
	Payment     Payment
	Customer    Customer
	Description string
	Locale      string
	// ReturnURL is cuota's page the customer's browser comes back to.
	ReturnURL string
	// ExpiresAt is when the gateway must stop taking this payment: after
	// it, cuota fails the attempt and may make another.
	ExpiresAt time.Time
}

// PayStart is where to send the customer's browser, and the gateway's id
// of the pay order.
type PayStart struct {
	RedirectURL string
	GatewayRef  string
}

// PayPageGateway is a Gateway that takes payments on its own hosted page.
// The outcome is always asked of the gateway (LookupPayment), never taken
// from the browser's return.
type PayPageGateway interface {
	StartPayment(ctx context.Context, r PayRequest) (PayStart, error)
	// LookupPayment says what became of a pay-page payment:
	// PaymentPending while the customer has not finished.
	LookupPayment(ctx context.Context, p Payment) (ChargeResult, error)
}

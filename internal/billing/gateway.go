package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	Status         string
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
}

// RefundResult is a gateway's answer to a refund.
type RefundResult struct {
	Status     string // RefundSucceeded, RefundPending or RefundFailed
	GatewayRef string
}

// ErrOutcomeUnknown marks a gateway error after which nobody knows whether
// money moved (a timeout, a 5xx, a dropped connection). The payment becomes
// unknown and only reconciliation (LookupCharge) may resolve it; charging
// again is forbidden until then (DESIGN §6).
var ErrOutcomeUnknown = errors.New("gateway outcome unknown")

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

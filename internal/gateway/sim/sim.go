// Package sim is cuota's simulated payment gateway, for test mode only.
//
// It implements billing.Gateway with deterministic test tokens (see
// billing.SimTokens and README.md) and keeps a ledger of every charge and
// refund it handled in the database (table sim_charges, through a
// LedgerStore: both stores are one; see ledger.go), so the
// ledger survives a crash of the cuota process and is shared by every
// process on the same database — the sim behaves like an external system
// that tests can compare with cuota's own records.
//
// Every call runs in its own store transaction. Never call the sim from
// inside a caller's Store.InTx: it is a gateway, and on SQLite (one
// connection) that would deadlock.
//
// A live-mode request is refused with CodeLiveMode; the sim never pretends
// that a live payment happened (docs/architecture.md, "Principles").
package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Error codes of the *billing.Error values the sim returns (besides codes
// such as amount_invalid). They are defined in billing's code registry;
// these names are aliases for the sim's callers and tests.
const (
	// CodeLiveMode refuses every live-mode request.
	CodeLiveMode = billing.CodeSimLiveMode
	// CodeTokenInvalid refuses a token that is not a sim test token.
	CodeTokenInvalid = billing.CodeTokenInvalid
	// CodeChargeNotFound refuses a refund of a charge the ledger lacks.
	CodeChargeNotFound = billing.CodeChargeNotFound
	// CodeChargeNotRefundable refuses a refund of a charge that did not
	// succeed (declined or errored: no money moved).
	CodeChargeNotRefundable = billing.CodeChargeNotRefundable
	// CodeRefundExceedsCharge refuses a refund that would return more than
	// the charge collected (counting earlier refunds).
	CodeRefundExceedsCharge = billing.CodeRefundExceedsCharge
)

// Failure codes of declined or errored charges (ChargeResult.FailureCode and
// the ledger's Code).
const (
	FailCardDeclined      = "card_declined"
	FailInsufficientFunds = "insufficient_funds"
	FailLostCard          = "lost_card"
	FailProcessingError   = "processing_error"
)

// Ledger outcomes (Charge.Outcome).
const (
	// OutcomeSucceeded: the charge moved money. Refunded tracks how much of
	// it was returned.
	OutcomeSucceeded = "succeeded"
	// OutcomeDeclined: the card was declined; nothing moved.
	OutcomeDeclined = "declined"
	// OutcomeError: the gateway failed (a 502) before moving anything.
	OutcomeError = "error"
	// OutcomeRefund: a refund. Key is the refund's idempotency key, Token
	// the key of the refunded charge, Amount the amount returned.
	OutcomeRefund = "refund"
)

// Reference prefixes of the objects the sim makes.
const (
	chargeRefPrefix = "simch_"
	refundRefPrefix = "simre_"
	// refundKeyPrefix starts the ledger key of a refund requested without
	// an idempotency key.
	refundKeyPrefix = "simrefund_"
)

// ErrTimeoutAfterCharge is wrapped by the error of a first charge of
// billing.SimTokTimeoutAfterCharge: the money moved, but the caller cannot know.
var ErrTimeoutAfterCharge = fmt.Errorf("timeout after the charge was made: %w", billing.ErrOutcomeUnknown)

// ErrBadGateway is wrapped by the error of a billing.SimTokGatewayError charge that
// failed with a 502: nothing moved, but the caller cannot know.
var ErrBadGateway = fmt.Errorf("502 from gateway: %w", billing.ErrOutcomeUnknown)

// Gateway is the simulated gateway. It holds no state of its own: the
// ledger is in the store, so any number of Gateway values (in one process
// or several) on the same database behave as one gateway.
type Gateway struct {
	store LedgerStore
	now   func() time.Time
}

var _ billing.Gateway = (*Gateway)(nil)

// New returns a simulated gateway keeping its ledger in store. now stamps
// ledger entries and references (a test clock's time is fine); nil means
// time.Now.
func New(store LedgerStore, now func() time.Time) *Gateway {
	if now == nil {
		now = time.Now
	}
	return &Gateway{store: store, now: now}
}

// inLedger runs fn in a store transaction of its own that sees only the
// ledger: nothing else of cuota's data is the sim's business.
func (g *Gateway) inLedger(ctx context.Context, fn func(ledger Ledger) error) error {
	return g.store.InSimLedger(ctx, fn)
}

// Name returns billing.GatewaySim.
func (g *Gateway) Name() string { return billing.GatewaySim }

// timeNow returns the current time in UTC, truncated to microseconds (what
// both stores keep).
func (g *Gateway) timeNow() time.Time {
	return g.now().UTC().Truncate(time.Microsecond)
}

// testModeOnly refuses every scope that is not test mode.
func testModeOnly(s billing.Scope) error {
	if s.Mode == billing.ModeTest {
		return nil
	}
	if s.Mode == billing.ModeLive {
		return &billing.Error{Kind: billing.KindInvalid, Code: CodeLiveMode,
			Message: "the sim gateway exists only in test mode; live mode needs a real gateway"}
	}
	return &billing.Error{Kind: billing.KindInvalid, Code: CodeLiveMode,
		Message: fmt.Sprintf("the sim gateway exists only in test mode, not in mode %q", s.Mode)}
}

// AttachToken turns a test token (one of billing.SimTokens) into a payment method. The
// Token of the result is a new reference "simpm_<id>:<token>", so that the
// per-card behaviours (billing.SimTokFailAfterFirst, billing.SimTokGatewayError) count per
// attachment: two payment methods made from the same test token are
// independent cards. Brand, Last4 and expiry are fixed per token; Scope,
// CustomerID and Status (active) are filled in too; ID and timestamps are
// the caller's. Nothing is written to the ledger.
func (g *Gateway) AttachToken(ctx context.Context, s billing.Scope, customerID, token string) (billing.PaymentMethod, error) {
	if err := testModeOnly(s); err != nil {
		return billing.PaymentMethod{}, err
	}
	if err := ctx.Err(); err != nil {
		return billing.PaymentMethod{}, err
	}
	info, ok := billing.LookupSimToken(token)
	if !ok {
		return billing.PaymentMethod{}, billing.Invalid("token", CodeTokenInvalid,
			"%q is not a sim test token; use one of %s", token, strings.Join(billing.SimTokens(), ", "))
	}
	return billing.PaymentMethod{
		Scope:      s,
		CustomerID: customerID,
		Gateway:    billing.GatewaySim,
		Token:      billing.NewID(refPrefix, g.timeNow()) + ":" + info.Token,
		Brand:      info.Brand,
		Last4:      info.Last4,
		ExpMonth:   info.ExpMonth,
		ExpYear:    info.ExpYear,
		Status:     billing.PaymentMethodActive,
	}, nil
}

// LookupCharge reports what happened to the charge with the given
// idempotency key. A key the ledger lacks never happened: found is false and
// the error nil. A recorded success reports succeeded with its reference; a
// decline reports failed with its code and class; a recorded 502 reports
// failed, class technical, code processing_error (nothing moved, so the
// engine may retry with a new attempt). The key of a refund is refused.
func (g *Gateway) LookupCharge(ctx context.Context, s billing.Scope, idempotencyKey string) (billing.ChargeResult, bool, error) {
	if err := testModeOnly(s); err != nil {
		return billing.ChargeResult{}, false, err
	}
	if idempotencyKey == "" {
		return billing.ChargeResult{}, false, billing.Invalid("idempotency_key", billing.CodeParameterMissing,
			"an idempotency key is required")
	}
	var c Charge
	err := g.inLedger(ctx, func(ledger Ledger) error {
		var err error
		c, err = ledger.GetCharge(ctx, idempotencyKey)
		return err
	})
	if errors.Is(err, billing.ErrNotFound) {
		return billing.ChargeResult{}, false, nil
	}
	if err != nil {
		return billing.ChargeResult{}, false, fmt.Errorf("sim: read ledger: %w", err)
	}
	res, err := chargeResult(c)
	if err != nil {
		return billing.ChargeResult{}, false, err
	}
	return res, true, nil
}

// Ledger returns every entry of the sim's ledger (charges, declines, errors
// and refunds) in the order they were recorded, for tests to compare with
// cuota's records.
func (g *Gateway) Ledger(ctx context.Context) ([]Charge, error) {
	var out []Charge
	err := g.inLedger(ctx, func(ledger Ledger) error {
		var err error
		out, err = ledger.ListCharges(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sim: read ledger: %w", err)
	}
	return out, nil
}

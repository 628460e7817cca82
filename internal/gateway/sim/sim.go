// Package sim is cuota's simulated payment gateway, for test mode only.
//
// It implements billing.Gateway with deterministic test tokens (see
// billing.SimTokens and README.md) and keeps a ledger of every charge and refund it
// handled in the database (table sim_charges, through the store's sim
// methods), so the ledger survives a crash of the cuota process and is
// shared by every process on the same database — the sim behaves like an
// external system that tests can compare with cuota's own records.
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

// Ledger outcomes (billing.SimCharge.Outcome).
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
	store billing.Store
	now   func() time.Time
}

var _ billing.Gateway = (*Gateway)(nil)

// New returns a simulated gateway keeping its ledger in store. now stamps
// ledger entries and references (a test clock's time is fine); nil means
// time.Now.
func New(store billing.Store, now func() time.Time) *Gateway {
	if now == nil {
		now = time.Now
	}
	return &Gateway{store: store, now: now}
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

// Charge charges a sim payment method (its Token as made by AttachToken, or
// a bare test token name, which then counts as one card shared by every
// such request).
//
// Idempotency: the ledger is keyed by r.IdempotencyKey. When the key is
// already there, nothing is charged again and the recorded outcome is
// returned as a definitive result (the same one LookupCharge gives) with a
// nil error — also for billing.SimTokTimeoutAfterCharge (a replay reports the success
// whose answer the first call lost) and for a recorded 502 (a replay reports
// a technical failure: nothing moved). The faults happen only on the call
// that did the work. A replay whose token, amount or currency differ from
// the recorded charge is refused (idempotency_key_reused), as Stripe does.
//
// Behaviours of a new key, per token (see README.md): succeeded; declined
// (customer class, or hard for lost_card); for billing.SimTokTimeoutAfterCharge a
// recorded success and an error wrapping ErrTimeoutAfterCharge; for
// billing.SimTokGatewayError either a success or a recorded "error" and an error
// wrapping ErrBadGateway. Both wrap billing.ErrOutcomeUnknown.
//
// Invalid requests (non-positive amount, empty currency or key, a token
// that is not a sim token) are refused with a *billing.Error before the
// ledger is touched.
func (g *Gateway) Charge(ctx context.Context, r billing.ChargeRequest) (billing.ChargeResult, error) {
	name, err := validateCharge(r)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	var rec billing.SimCharge
	fresh := false
	err = g.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		rec, fresh, err = g.record(ctx, tx, name, r)
		return err
	})
	if err != nil {
		return billing.ChargeResult{}, err
	}
	return outcome(rec, name, fresh, r.IdempotencyKey)
}

// ChargeMany charges several payment methods in one ledger transaction,
// with exactly the rules of Charge for each (billing.BatchCharger). The
// batched renewal sweep uses it so that the simulated gateway's own
// bookkeeping does not dominate what a benchmark measures: charges whose
// outcome depends only on their card are decided in memory and recorded
// with one statement; the rest (cards whose outcome depends on their
// history, repeated keys) go through Charge's path one by one. A ledger
// error fails every charge of the call, none of which is then recorded.
func (g *Gateway) ChargeMany(ctx context.Context, rs []billing.ChargeRequest) ([]billing.ChargeResult, []error) {
	results := make([]billing.ChargeResult, len(rs))
	errs := make([]error, len(rs))
	names := make([]string, len(rs))
	recs := make([]billing.SimCharge, len(rs))
	fresh := make([]bool, len(rs))
	for i, r := range rs {
		names[i], errs[i] = validateCharge(r)
	}
	err := g.store.InTx(ctx, func(tx billing.Tx) error {
		var batch []billing.SimCharge
		var at, slow []int
		seen := map[string]bool{}
		for i, r := range rs {
			if errs[i] != nil {
				continue
			}
			if stateful(names[i]) || seen[r.IdempotencyKey] {
				slow = append(slow, i)
				continue
			}
			seen[r.IdempotencyKey] = true
			c, err := g.decide(ctx, tx, names[i], r)
			if err != nil {
				return err
			}
			batch = append(batch, c)
			at = append(at, i)
		}
		got, inserted, err := tx.InsertSimCharges(ctx, batch)
		if err != nil {
			return fmt.Errorf("sim: write ledger: %w", err)
		}
		for j, i := range at {
			recs[i], fresh[i] = got[j], inserted[j]
			if !inserted[j] {
				errs[i] = checkChargeReplay(got[j], rs[i])
			}
		}
		for _, i := range slow {
			var err error
			recs[i], fresh[i], err = g.record(ctx, tx, names[i], rs[i])
			if e := billing.AsError(err); e != nil {
				errs[i] = e // a refused replay: this request only
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	for i, r := range rs {
		switch {
		case errs[i] != nil:
		case err != nil:
			errs[i] = err
		default:
			results[i], errs[i] = outcome(recs[i], names[i], fresh[i], r.IdempotencyKey)
		}
	}
	return results, errs
}

// stateful reports whether a card's outcome depends on its ledger history.
func stateful(name string) bool {
	return name == billing.SimTokFailAfterFirst || name == billing.SimTokGatewayError
}

// validateCharge refuses a request the sim cannot take, before the ledger
// is touched, and returns its token's name.
func validateCharge(r billing.ChargeRequest) (string, error) {
	if err := testModeOnly(r.Scope); err != nil {
		return "", err
	}
	if r.IdempotencyKey == "" {
		return "", billing.Invalid("idempotency_key", billing.CodeParameterMissing,
			"a sim charge needs an idempotency key")
	}
	if r.Amount <= 0 {
		return "", billing.Invalid("amount", billing.CodeAmountInvalid,
			"amount must be positive, got %d", r.Amount)
	}
	if r.Currency == "" {
		return "", billing.Invalid("currency", billing.CodeCurrencyInvalid,
			"currency is required")
	}
	if gw := r.PaymentMethod.Gateway; gw != "" && gw != billing.GatewaySim {
		return "", billing.Invalid("payment_method", billing.CodeParameterInvalid,
			"payment method belongs to gateway %q, not %q", gw, billing.GatewaySim)
	}
	name, ok := tokenName(r.PaymentMethod.Token)
	if !ok {
		return "", billing.Invalid("payment_method", CodeTokenInvalid,
			"the payment method's token is not a sim test token")
	}
	return name, nil
}

// record finds the ledger entry of r's key or decides and writes a new
// one; fresh says it was written now.
func (g *Gateway) record(ctx context.Context, tx billing.Tx, name string, r billing.ChargeRequest) (billing.SimCharge, bool, error) {
	prev, err := tx.GetSimCharge(ctx, r.IdempotencyKey)
	if err == nil {
		return prev, false, checkChargeReplay(prev, r)
	}
	if !errors.Is(err, billing.ErrNotFound) {
		return billing.SimCharge{}, false, fmt.Errorf("sim: read ledger: %w", err)
	}
	c, err := g.decide(ctx, tx, name, r)
	if err != nil {
		return billing.SimCharge{}, false, err
	}
	got, inserted, err := tx.InsertSimCharge(ctx, c)
	if err != nil {
		return billing.SimCharge{}, false, fmt.Errorf("sim: write ledger: %w", err)
	}
	if !inserted { // a concurrent call with the same key got there first
		return got, false, checkChargeReplay(got, r)
	}
	return got, true, nil
}

// outcome is what the caller of a charge hears: the recorded result, or —
// only on the call that did the work — a timeout or a 502.
func outcome(rec billing.SimCharge, name string, fresh bool, key string) (billing.ChargeResult, error) {
	if fresh {
		switch {
		case name == billing.SimTokTimeoutAfterCharge:
			return billing.ChargeResult{}, fmt.Errorf("sim: charge %s: %w", key, ErrTimeoutAfterCharge)
		case rec.Outcome == OutcomeError:
			return billing.ChargeResult{}, fmt.Errorf("sim: charge %s: %w", key, ErrBadGateway)
		}
	}
	return chargeResult(rec)
}

// decide works out what a new charge does and returns its ledger entry.
// The per-card counters read the ledger by the payment method's token.
func (g *Gateway) decide(ctx context.Context, tx billing.Tx, name string, r billing.ChargeRequest) (billing.SimCharge, error) {
	now := g.timeNow()
	c := billing.SimCharge{
		Key:      r.IdempotencyKey,
		Token:    r.PaymentMethod.Token,
		Amount:   r.Amount,
		Currency: r.Currency,
		Created:  now,
	}
	succeed := func() (billing.SimCharge, error) {
		c.Outcome, c.Ref = OutcomeSucceeded, billing.NewID(chargeRefPrefix, now)
		return c, nil
	}
	decline := func(code string) (billing.SimCharge, error) {
		c.Outcome, c.Code, c.Ref = OutcomeDeclined, code, billing.NewID(chargeRefPrefix, now)
		return c, nil
	}
	count := func(outcome string) (int64, error) {
		n, err := tx.CountSimCharges(ctx, c.Token, outcome)
		if err != nil {
			return 0, fmt.Errorf("sim: count ledger: %w", err)
		}
		return n, nil
	}
	switch name {
	case billing.SimTokVisa, billing.SimTokTimeoutAfterCharge:
		return succeed()
	case billing.SimTokChargeDeclined:
		return decline(FailCardDeclined)
	case billing.SimTokInsufficientFunds:
		return decline(FailInsufficientFunds)
	case billing.SimTokLostCard:
		return decline(FailLostCard)
	case billing.SimTokFailAfterFirst:
		n, err := count(OutcomeSucceeded)
		if err != nil {
			return c, err
		}
		if n == 0 {
			return succeed()
		}
		return decline(FailCardDeclined)
	case billing.SimTokGatewayError:
		// The card's calls alternate error, success, error, success…: it
		// errs whenever it has erred no more often than it has succeeded.
		errs, err := count(OutcomeError)
		if err != nil {
			return c, err
		}
		oks, err := count(OutcomeSucceeded)
		if err != nil {
			return c, err
		}
		if errs <= oks {
			c.Outcome, c.Code = OutcomeError, FailProcessingError // no charge object: no ref
			return c, nil
		}
		return succeed()
	}
	return c, fmt.Errorf("sim: no behaviour for token %q", name) // unreachable: tokenName checked it
}

// checkChargeReplay refuses a repeated key whose recorded entry is not the
// same charge.
func checkChargeReplay(prev billing.SimCharge, r billing.ChargeRequest) error {
	if prev.Outcome == OutcomeRefund {
		return billing.Invalid("idempotency_key", billing.CodeIdempotencyKeyReused,
			"idempotency key %q was used for a refund", r.IdempotencyKey)
	}
	if prev.Token != r.PaymentMethod.Token || prev.Amount != r.Amount || !strings.EqualFold(prev.Currency, r.Currency) {
		return billing.Invalid("idempotency_key", billing.CodeIdempotencyKeyReused,
			"idempotency key %q was already used with other parameters (a charge of %d %s)",
			r.IdempotencyKey, prev.Amount, prev.Currency)
	}
	return nil
}

// failureMessages are the human-readable messages of the failure codes.
var failureMessages = map[string]string{
	FailCardDeclined:      "Your card was declined.",
	FailInsufficientFunds: "Your card has insufficient funds.",
	FailLostCard:          "Your card has been reported lost.",
	FailProcessingError:   "The gateway had a processing error; nothing was charged.",
}

// failureClass classifies a failure code (docs/architecture.md, "Dunning").
func failureClass(code string) billing.FailureClass {
	switch code {
	case FailLostCard:
		return billing.FailureHard
	case FailProcessingError:
		return billing.FailureTechnical
	}
	return billing.FailureCustomer
}

// chargeResult turns a ledger entry of a charge into what the gateway
// reports about it.
func chargeResult(c billing.SimCharge) (billing.ChargeResult, error) {
	switch c.Outcome {
	case OutcomeSucceeded:
		return billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: c.Ref}, nil
	case OutcomeDeclined, OutcomeError:
		return billing.ChargeResult{
			Status:         billing.PaymentFailed,
			GatewayRef:     c.Ref,
			FailureClass:   failureClass(c.Code),
			FailureCode:    c.Code,
			FailureMessage: failureMessages[c.Code],
		}, nil
	case OutcomeRefund:
		return billing.ChargeResult{}, billing.Invalid("idempotency_key", billing.CodeIdempotencyKeyReused,
			"idempotency key %q names a refund, not a charge", c.Key)
	}
	return billing.ChargeResult{}, fmt.Errorf("sim: ledger entry %q has unknown outcome %q", c.Key, c.Outcome)
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
	var c billing.SimCharge
	err := g.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		c, err = tx.GetSimCharge(ctx, idempotencyKey)
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

// Refund returns money of a succeeded charge, found by r.ChargeKey (the
// charge's idempotency key) or, when that is empty, by r.ChargeRef. It is
// refused with a *billing.Error (kind invalid) when the charge is unknown
// (CodeChargeNotFound), did not succeed (CodeChargeNotRefundable), or would
// be refunded beyond its amount (CodeRefundExceedsCharge); a non-empty
// r.Currency or r.ChargeRef must match the charge. Refused refunds leave no
// trace in the ledger.
//
// A refund is recorded as a ledger entry (outcome "refund", Key
// r.IdempotencyKey, Token the charge's key, Amount the amount returned, Ref
// "simre_…"), and the charge's Refunded grows by the amount, in one
// transaction. Repeating r.IdempotencyKey returns the recorded refund
// without refunding again (even once the charge is fully refunded); reusing
// it for another amount or charge is refused. Without an idempotency key,
// every call is a new refund.
//
// Concurrent refunds of one charge (even through several processes) never
// return more than it collected: the charge's row update serializes them
// and the refunded total is recounted from the refund entries after it.
func (g *Gateway) Refund(ctx context.Context, r billing.RefundRequest) (billing.RefundResult, error) {
	if err := testModeOnly(r.Scope); err != nil {
		return billing.RefundResult{}, err
	}
	if r.Amount <= 0 {
		return billing.RefundResult{}, billing.Invalid("amount", billing.CodeAmountInvalid,
			"refund amount must be positive, got %d", r.Amount)
	}
	if r.ChargeKey == "" && r.ChargeRef == "" {
		return billing.RefundResult{}, billing.Invalid("charge_key", billing.CodeParameterMissing,
			"a refund needs the charge's idempotency key or reference")
	}
	now := g.timeNow()
	key := r.IdempotencyKey
	if key == "" {
		key = billing.NewID(refundKeyPrefix, now)
	}
	var rec billing.SimCharge
	err := g.store.InTx(ctx, func(tx billing.Tx) error {
		prev, err := tx.GetSimCharge(ctx, key)
		if err == nil {
			rec = prev
			return checkRefundReplay(prev, key, r)
		}
		if !errors.Is(err, billing.ErrNotFound) {
			return fmt.Errorf("sim: read ledger: %w", err)
		}
		charge, err := findCharge(ctx, tx, r)
		if err != nil {
			return err
		}
		if charge.Outcome != OutcomeSucceeded {
			return billing.Invalid("charge_key", CodeChargeNotRefundable,
				"charge %q did not succeed (%s): there is nothing to refund", charge.Key, charge.Outcome)
		}
		if r.Currency != "" && !strings.EqualFold(r.Currency, charge.Currency) {
			return billing.Invalid("currency", billing.CodeCurrencyInvalid,
				"refund currency %s differs from the charge's %s", r.Currency, charge.Currency)
		}
		if left := charge.Amount - charge.Refunded; r.Amount > left {
			return billing.Invalid("amount", CodeRefundExceedsCharge,
				"refund of %d exceeds the %d left to refund of charge %q (amount %d, refunded %d)",
				r.Amount, left, charge.Key, charge.Amount, charge.Refunded)
		}
		got, inserted, err := tx.InsertSimCharge(ctx, billing.SimCharge{
			Key:      key,
			Token:    charge.Key,
			Amount:   r.Amount,
			Currency: charge.Currency,
			Outcome:  OutcomeRefund,
			Ref:      billing.NewID(refundRefPrefix, now),
			Created:  now,
		})
		if err != nil {
			return fmt.Errorf("sim: write ledger: %w", err)
		}
		rec = got
		if !inserted { // a concurrent call with the same key got there first
			return checkRefundReplay(got, key, r)
		}
		// The update locks the charge's row until commit, so it waits
		// for any other refund of this charge in flight. Only then is the
		// refunded total recomputed from the refund entries: a read after
		// the lock sees every refund committed before it (PostgreSQL,
		// read committed), so two concurrent refunds cannot together
		// exceed the charge. (SQLite serializes transactions anyway.)
		charge.Refunded += r.Amount
		if err := tx.UpdateSimCharge(ctx, charge); err != nil {
			return fmt.Errorf("sim: update ledger: %w", err)
		}
		total, err := refundedTotal(ctx, tx, charge.Key)
		if err != nil {
			return err
		}
		if total > charge.Amount {
			return billing.Invalid("amount", CodeRefundExceedsCharge,
				"refund of %d exceeds the %d left to refund of charge %q (amount %d, refunded %d)",
				r.Amount, charge.Amount-(total-r.Amount), charge.Key, charge.Amount, total-r.Amount)
		}
		if total != charge.Refunded {
			charge.Refunded = total
			if err := tx.UpdateSimCharge(ctx, charge); err != nil {
				return fmt.Errorf("sim: update ledger: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return billing.RefundResult{}, err
	}
	return billing.RefundResult{Status: billing.RefundSucceeded, GatewayRef: rec.Ref}, nil
}

// findCharge returns the ledger entry of the charge a refund names.
func findCharge(ctx context.Context, tx billing.Tx, r billing.RefundRequest) (billing.SimCharge, error) {
	var (
		c   billing.SimCharge
		err error
	)
	if r.ChargeKey != "" {
		c, err = tx.GetSimCharge(ctx, r.ChargeKey)
		if errors.Is(err, billing.ErrNotFound) || (err == nil && c.Outcome == OutcomeRefund) {
			return c, billing.Invalid("charge_key", CodeChargeNotFound, "no sim charge with key %q", r.ChargeKey)
		}
		if err != nil {
			return c, fmt.Errorf("sim: read ledger: %w", err)
		}
		if r.ChargeRef != "" && r.ChargeRef != c.Ref {
			return c, billing.Invalid("charge_ref", billing.CodeParameterInvalid,
				"charge %q has reference %q, not %q", r.ChargeKey, c.Ref, r.ChargeRef)
		}
		return c, nil
	}
	all, err := tx.ListSimCharges(ctx)
	if err != nil {
		return c, fmt.Errorf("sim: read ledger: %w", err)
	}
	for _, e := range all {
		if e.Outcome != OutcomeRefund && e.Ref == r.ChargeRef {
			return e, nil
		}
	}
	return c, billing.Invalid("charge_ref", CodeChargeNotFound, "no sim charge with reference %q", r.ChargeRef)
}

// refundedTotal sums the ledger's refunds of the charge with key chargeKey.
// It reads the whole ledger: refunds are rare and test ledgers small.
func refundedTotal(ctx context.Context, tx billing.Tx, chargeKey string) (int64, error) {
	all, err := tx.ListSimCharges(ctx)
	if err != nil {
		return 0, fmt.Errorf("sim: read ledger: %w", err)
	}
	var total int64
	for _, e := range all {
		if e.Outcome == OutcomeRefund && e.Token == chargeKey {
			total += e.Amount
		}
	}
	return total, nil
}

// checkRefundReplay refuses a repeated refund key whose recorded entry is
// not the same refund.
func checkRefundReplay(prev billing.SimCharge, key string, r billing.RefundRequest) error {
	if prev.Outcome != OutcomeRefund || prev.Amount != r.Amount ||
		(r.ChargeKey != "" && prev.Token != r.ChargeKey) {
		return billing.Invalid("idempotency_key", billing.CodeIdempotencyKeyReused,
			"idempotency key %q was used for another charge or refund", key)
	}
	return nil
}

// Ledger returns every entry of the sim's ledger (charges, declines, errors
// and refunds) in the order they were recorded, for tests to compare with
// cuota's records.
func (g *Gateway) Ledger(ctx context.Context) ([]billing.SimCharge, error) {
	var out []billing.SimCharge
	err := g.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		out, err = tx.ListSimCharges(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sim: read ledger: %w", err)
	}
	return out, nil
}

package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

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
	var rec Charge
	fresh := false
	err = g.inLedger(ctx, func(ledger Ledger) error {
		var err error
		rec, fresh, err = g.record(ctx, ledger, name, r)
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
	recs := make([]Charge, len(rs))
	fresh := make([]bool, len(rs))
	for i, r := range rs {
		names[i], errs[i] = validateCharge(r)
	}
	err := g.inLedger(ctx, func(ledger Ledger) error {
		var batch []Charge
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
			c, err := g.decide(ctx, ledger, names[i], r)
			if err != nil {
				return err
			}
			batch = append(batch, c)
			at = append(at, i)
		}
		got, inserted, err := ledger.InsertCharges(ctx, batch)
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
			recs[i], fresh[i], err = g.record(ctx, ledger, names[i], rs[i])
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
func (g *Gateway) record(ctx context.Context, ledger Ledger, name string, r billing.ChargeRequest) (Charge, bool, error) {
	prev, err := ledger.GetCharge(ctx, r.IdempotencyKey)
	if err == nil {
		return prev, false, checkChargeReplay(prev, r)
	}
	if !errors.Is(err, billing.ErrNotFound) {
		return Charge{}, false, fmt.Errorf("sim: read ledger: %w", err)
	}
	c, err := g.decide(ctx, ledger, name, r)
	if err != nil {
		return Charge{}, false, err
	}
	got, inserted, err := ledger.InsertCharge(ctx, c)
	if err != nil {
		return Charge{}, false, fmt.Errorf("sim: write ledger: %w", err)
	}
	if !inserted { // a concurrent call with the same key got there first
		return got, false, checkChargeReplay(got, r)
	}
	return got, true, nil
}

// outcome is what the caller of a charge hears: the recorded result, or —
// only on the call that did the work — a timeout or a 502.
func outcome(rec Charge, name string, fresh bool, key string) (billing.ChargeResult, error) {
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
func (g *Gateway) decide(ctx context.Context, ledger Ledger, name string, r billing.ChargeRequest) (Charge, error) {
	now := g.timeNow()
	c := Charge{
		Key:      r.IdempotencyKey,
		Token:    r.PaymentMethod.Token,
		Amount:   r.Amount,
		Currency: r.Currency,
		Created:  now,
	}
	succeed := func() (Charge, error) {
		c.Outcome, c.Ref = OutcomeSucceeded, billing.NewID(chargeRefPrefix, now)
		return c, nil
	}
	decline := func(code string) (Charge, error) {
		c.Outcome, c.Code, c.Ref = OutcomeDeclined, code, billing.NewID(chargeRefPrefix, now)
		return c, nil
	}
	count := func(outcome string) (int64, error) {
		n, err := ledger.CountCharges(ctx, c.Token, outcome)
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
func checkChargeReplay(prev Charge, r billing.ChargeRequest) error {
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
func chargeResult(c Charge) (billing.ChargeResult, error) {
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

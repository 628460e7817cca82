package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

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
	var rec Charge
	err := g.inLedger(ctx, func(ledger Ledger) error {
		prev, err := ledger.GetCharge(ctx, key)
		if err == nil {
			rec = prev
			return checkRefundReplay(prev, key, r)
		}
		if !errors.Is(err, billing.ErrNotFound) {
			return fmt.Errorf("sim: read ledger: %w", err)
		}
		charge, err := findCharge(ctx, ledger, r)
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
		got, inserted, err := ledger.InsertCharge(ctx, Charge{
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
		if err := ledger.UpdateCharge(ctx, charge); err != nil {
			return fmt.Errorf("sim: update ledger: %w", err)
		}
		total, err := refundedTotal(ctx, ledger, charge.Key)
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
			if err := ledger.UpdateCharge(ctx, charge); err != nil {
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
func findCharge(ctx context.Context, ledger Ledger, r billing.RefundRequest) (Charge, error) {
	var (
		c   Charge
		err error
	)
	if r.ChargeKey != "" {
		c, err = ledger.GetCharge(ctx, r.ChargeKey)
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
	all, err := ledger.ListCharges(ctx)
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
func refundedTotal(ctx context.Context, ledger Ledger, chargeKey string) (int64, error) {
	all, err := ledger.ListCharges(ctx)
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
func checkRefundReplay(prev Charge, key string, r billing.RefundRequest) error {
	if prev.Outcome != OutcomeRefund || prev.Amount != r.Amount ||
		(r.ChargeKey != "" && prev.Token != r.ChargeKey) {
		return billing.Invalid("idempotency_key", billing.CodeIdempotencyKeyReused,
			"idempotency key %q was used for another charge or refund", key)
	}
	return nil
}

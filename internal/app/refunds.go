package app

import (
	"context"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// refundRecheck is how long a refund a gateway took may stay pending
// before the reconciler asks the gateway about it (its notification may
// have been lost), and how long it waits between two questions.
const refundRecheck = time.Hour

// ReconcileRefunds asks the gateways about up to limit refunds that have
// been pending for refundRecheck, and records what they say; it returns
// how many it settled. Refunds of customers on test clocks are left to
// their clocks' notifications: real time and test clocks never mix.
func (a *Collection) ReconcileRefunds(ctx context.Context, limit int) (int, error) {
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	now := a.Now()
	refs, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.Refund, error) {
		return tx.Gateways.ListPendingRefunds(ctx, now.Add(-refundRecheck), limit)
	})
	if err != nil {
		return 0, fmt.Errorf("list pending refunds: %w", err)
	}
	settled := 0
	for _, ref := range refs {
		done, err := a.reconcileRefund(ctx, ref, now)
		if err != nil {
			if ctx.Err() != nil {
				return settled, err
			}
			a.logger.WarnContext(ctx, "reconcile refund", "refund", ref.ID, "error", err)
		}
		if done {
			settled++
		}
	}
	return settled, nil
}

func (a *Collection) reconcileRefund(ctx context.Context, ref billing.Refund, now time.Time) (bool, error) {
	s := ref.Scope
	var gateway string
	onClock := false
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		pay, err := tx.Payments.GetPayment(ctx, s, ref.PaymentID)
		if err != nil {
			return fmt.Errorf("read payment %s: %w", ref.PaymentID, err)
		}
		cus, err := tx.Customers.GetCustomer(ctx, s, pay.CustomerID)
		if err != nil {
			return fmt.Errorf("read customer %s: %w", pay.CustomerID, err)
		}
		gateway, onClock = pay.Gateway, cus.TestClockID != ""
		return nil
	})
	if err != nil || onClock {
		return false, err
	}
	gw, err := a.gateway(gateway)
	if err != nil {
		return false, err
	}
	looker, ok := gw.(billing.RefundLooker)
	var res billing.RefundResult
	if ok {
		res, err = looker.LookupRefund(ctx, s, ref.GatewayRef)
	}
	if !ok || err != nil || res.Status == billing.RefundPending {
		// Ask again after another refundRecheck.
		if terr := a.store.InTx(ctx, func(tx billing.Tx) error { return tx.Gateways.TouchRefund(ctx, s, ref.ID, now) }); terr != nil {
			return false, fmt.Errorf("touch refund %s: %w", ref.ID, terr)
		}
		if err != nil {
			return false, fmt.Errorf("look up refund %s at %s: %w", ref.ID, gateway, err)
		}
		return false, nil
	}
	if err := a.SettleGatewayRefund(ctx, s, ref.GatewayRef, res); err != nil {
		return false, err
	}
	return true, nil
}

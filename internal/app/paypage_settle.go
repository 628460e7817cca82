package app

import (
	"context"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// payPageExpired reports whether a pay-page attempt can no longer be paid
// at the gateway (its started time is Updated, see newPayment): closing or
// expired.
func payPageExpired(p billing.Payment, now time.Time) bool {
	return p.PaymentMethodID == "" && billing.PayPageStateAt(p.Updated, now) != billing.PayPagePayable
}

// payPageAbandoned reports whether a pending pay-page attempt can no longer
// be paid even by a gateway that counts its expiry a little late: its page
// expired and the grace passed.
func payPageAbandoned(p billing.Payment, now time.Time) bool {
	return p.Status == billing.PaymentPending && p.PaymentMethodID == "" && billing.PayPageStateAt(p.Updated, now) == billing.PayPageExpired
}

// lookupPayPage asks the gateway what became of a pay-page payment.
func (a *PayPages) lookupPayPage(ctx context.Context, pay billing.Payment) (billing.ChargeResult, error) {
	gw, err := a.gateway(pay.Gateway)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	if pg, ok := gw.(billing.PayPageGateway); ok {
		return pg.LookupPayment(ctx, pay)
	}
	res, found, err := gw.LookupCharge(ctx, pay.Scope, pay.IdempotencyKey)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	if !found {
		return billing.ChargeResult{Status: billing.PaymentPending}, nil
	}
	return res, nil
}

// payPageOutcome asks the gateway what became of a pay-page payment; one
// still pending once its page expired and the grace passed (the gateway
// may count the expiry from a little later) has failed: only then can no
// one pay it any more.
func (a *PayPages) payPageOutcome(ctx context.Context, pay billing.Payment) (billing.ChargeResult, error) {
	res, err := a.lookupPayPage(ctx, pay)
	if err != nil {
		return res, fmt.Errorf("look up payment %s: %w", pay.ID, err)
	}
	if res.Status == billing.PaymentPending && payPageAbandoned(pay, a.Now()) {
		res = billing.ChargeResult{Status: billing.PaymentFailed, GatewayRef: res.GatewayRef, FailureClass: billing.FailureCustomer,
			FailureCode: FailPayPageExpired, FailureMessage: "the customer did not finish paying on the gateway's page"}
	}
	return res, nil
}

// reconcilePayPage settles a pay-page payment by payPageOutcome.
func (a *PayPages) reconcilePayPage(ctx context.Context, pay billing.Payment) error {
	res, err := a.payPageOutcome(ctx, pay)
	if err != nil {
		return err
	}
	return a.collection.settlePayment(ctx, pay.Scope, pay.ID, res, nil)
}

// settleExpiredPayPage settles a pay-page attempt whose page expired
// before another is made: paid if the gateway says so, failed once it can
// no longer be paid, or a conflict until then.
func (a *PayPages) settleExpiredPayPage(ctx context.Context, s billing.Scope, paymentID string) error {
	pay, err := read(ctx, a.core, func(tx billing.Tx) (billing.Payment, error) { return tx.Payments.GetPayment(ctx, s, paymentID) })
	if err != nil {
		return fmt.Errorf("read payment %s: %w", paymentID, err)
	}
	res, err := a.payPageOutcome(ctx, pay)
	if err != nil {
		a.logger.WarnContext(ctx, "settle expired pay page", "payment", pay.ID, "error", err)
		return billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable, "the gateway could not confirm the previous payment attempt; try again in a few minutes")
	}
	if res.Status == billing.PaymentPending {
		return billing.Errorf(billing.KindConflict, billing.CodePaymentInProgress,
			"the previous payment attempt of this invoice is being closed with the gateway; try again in a few minutes")
	}
	return a.collection.settlePayment(ctx, s, paymentID, res, nil)
}

// loadHostedPayment reads the merchant and payment of a payment link.
func (a *PayPages) loadHostedPayment(ctx context.Context, tx billing.Tx, ref HostedRef) (billing.Merchant, billing.Payment, error) {
	gone := billing.NotFound("payment", ref.ID)
	m, err := tx.Merchants.GetMerchant(ctx, ref.Scope.MerchantID)
	if err != nil || !checkLinkToken(m, ref.Scope, "payment", ref.ID, ref.Token) {
		return m, billing.Payment{}, gone
	}
	pay, err := tx.Payments.GetPayment(ctx, ref.Scope, ref.ID)
	if err != nil {
		return m, pay, gone
	}
	return m, pay, nil
}

// ReturnFromPayPage handles the customer's browser coming back from a
// gateway's pay (or authentication) page: the outcome is asked of the
// gateway, never taken from the request, and settled; it returns where to
// send the browser (the invoice's page or a checkout's return).
func (a *PayPages) ReturnFromPayPage(ctx context.Context, ref HostedRef) (string, error) {
	pay, err := read(ctx, a.core, func(tx billing.Tx) (billing.Payment, error) {
		_, p, err := a.loadHostedPayment(ctx, tx, ref)
		return p, err
	})
	if err != nil {
		return "", err
	}
	if pay.Status.Unresolved() {
		if err := a.lookupAndSettle(ctx, pay); err != nil {
			// The gateway did not answer: the notification or the
			// reconciler settles it; the page shows it in progress.
			a.logger.WarnContext(ctx, "pay page return: gateway lookup failed", "payment", pay.ID, "error", err)
		}
	}
	return a.paymentReturnURL(ctx, pay)
}

// lookupAndSettle asks the gateway about an unsettled payment and records
// the answer. A charge of a saved card (an authentication) is looked up by
// its key and settled only when the gateway knows it.
func (a *PayPages) lookupAndSettle(ctx context.Context, pay billing.Payment) error {
	if pay.PaymentMethodID == "" {
		res, err := a.lookupPayPage(ctx, pay)
		if err != nil {
			return err
		}
		return a.collection.settlePayment(ctx, pay.Scope, pay.ID, res, nil)
	}
	gw, err := a.gateway(pay.Gateway)
	if err != nil {
		return err
	}
	res, found, err := gw.LookupCharge(ctx, pay.Scope, pay.IdempotencyKey)
	if err != nil || !found {
		return err
	}
	return a.collection.settlePayment(ctx, pay.Scope, pay.ID, res, nil)
}

// paymentReturnURL is where the browser goes once pay is dealt with.
func (a *PayPages) paymentReturnURL(ctx context.Context, pay billing.Payment) (string, error) {
	if pay.ReturnURL != "" {
		return pay.ReturnURL, nil
	}
	return read(ctx, a.core, func(tx billing.Tx) (string, error) {
		m, err := tx.Merchants.GetMerchant(ctx, pay.Scope.MerchantID)
		if err != nil {
			return "", fmt.Errorf("read merchant: %w", err)
		}
		return a.invoiceURL(m, pay.Scope, pay.InvoiceID)
	})
}

// ReconcilePayments asks the gateways about up to limit payments that no
// subscription sweep looks after (pay-page attempts, one-off invoices'
// charges) and have been unsettled for a while, and records what they
// say; it returns how many it looked at. Customers on test clocks are left
// alone: real time and test clocks never mix.
func (a *PayPages) ReconcilePayments(ctx context.Context, limit int) (int, error) {
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	now := a.Now()
	pays, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.Payment, error) {
		return tx.Gateways.ListUnsettledPayments(ctx, billing.PayPageExpiredBefore(now), limit)
	})
	if err != nil {
		return 0, fmt.Errorf("list unsettled payments: %w", err)
	}
	n := 0
	for _, pay := range pays {
		onClock, err := read(ctx, a.core, func(tx billing.Tx) (bool, error) {
			cus, err := tx.Customers.GetCustomer(ctx, pay.Scope, pay.CustomerID)
			return cus.TestClockID != "", err
		})
		if err != nil || onClock {
			continue
		}
		n++
		if pay.PaymentMethodID == "" {
			err = a.reconcilePayPage(ctx, pay)
		} else {
			err = a.collection.executePayment(ctx, pay.Scope, pay.ID, true)
		}
		if err != nil {
			if ctx.Err() != nil {
				return n, err
			}
			a.logger.WarnContext(ctx, "reconcile payment", "payment", pay.ID, "error", err)
		}
	}
	return n, nil
}

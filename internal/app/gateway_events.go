package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Use cases for gateways' signed notifications (Stripe's webhooks). The
// transport verifies the signature and reads the current state of the
// object from the gateway; these functions only move objects that are
// still waiting, so a repeated or late notification changes nothing.

// EventChargeDisputeCreated is written when a gateway reports that a
// customer disputed a payment with their bank (a chargeback).
const EventChargeDisputeCreated = "charge.dispute.created"

// GatewayDispute is a dispute a gateway reported on one of cuota's
// payments, as recorded in the audit log and the event.
type GatewayDispute struct {
	ID         string    `json:"id"` // the gateway's dispute id (dp_…)
	Gateway    string    `json:"gateway"`
	PaymentID  string    `json:"payment_id"`
	InvoiceID  string    `json:"invoice_id"`
	CustomerID string    `json:"customer_id"`
	Amount     int64     `json:"amount"` // cuota's minor units
	Currency   string    `json:"currency"`
	Reason     string    `json:"reason"`
	Status     string    `json:"status"`
	Created    time.Time `json:"created"`
}

// paymentByKey finds the payment with an idempotency key; unknown keys
// are not found.
func paymentByKey(ctx context.Context, tx billing.Tx, s billing.Scope, key string) (billing.Payment, error) {
	p, err := tx.Gateways.GetPaymentByIdempotencyKey(ctx, s, key)
	return p, notFound(err, "payment", key)
}

// SettleGatewayCharge records what a gateway says became of the charge with
// an idempotency key, when it settles later than the call (Stripe:
// payment_intent.succeeded / payment_failed after the customer
// authenticated, or an asynchronous method). Only pending and unknown
// payments move, through the same rule as every other answer
// (settlePayment); a pending answer changes nothing. A success reported
// for a payment cuota already recorded as failed cannot be applied: it is
// audited and raised as a payment_late_success alert for the merchant to
// refund or reconcile by hand.
func (a *Collection) SettleGatewayCharge(ctx context.Context, s billing.Scope, gateway, key string, res billing.ChargeResult) error {
	if res.Status != billing.PaymentSucceeded && res.Status != billing.PaymentFailed {
		return nil
	}
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	pay, err := read(ctx, a.core, func(tx billing.Tx) (billing.Payment, error) {
		return paymentByKey(ctx, tx, s, key)
	})
	if err != nil {
		return err
	}
	if pay.Gateway != gateway {
		return billing.NotFound("payment", key)
	}
	switch pay.Status {
	case billing.PaymentPending, billing.PaymentUnknown:
		return a.settlePayment(ctx, s, pay.ID, res, nil)
	case billing.PaymentFailed:
		if res.Status != billing.PaymentSucceeded {
			return nil
		}
		a.logger.ErrorContext(ctx, "the gateway reports money taken for a payment cuota recorded as failed",
			"merchant", s.MerchantID, "payment", pay.ID, "gateway", gateway, "gateway_ref", res.GatewayRef)
		return a.store.InTx(ctx, func(tx billing.Tx) error {
			if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "payment.late_success",
				objectType: "payment", objectID: pay.ID, before: pay, after: res}); err != nil {
				return err
			}
			_, err := a.raiseAlert(ctx, tx, s, billing.LateSuccessAlert(pay))
			return err
		})
	}
	return nil
}

// FinishGatewaySetup completes a pending setup of scope s from a gateway's
// notification (the browser may never come back): the outcome is asked of
// the gateway (CompleteGatewaySetup → FinishSetup). ref, when not empty,
// must be the gateway's id of the setup. A setup already finished, or
// finished concurrently by the browser's return, is left alone.
func (a *Collection) FinishGatewaySetup(ctx context.Context, s billing.Scope, gateway, setupID, ref string) error {
	st, err := read(ctx, a.core, func(tx billing.Tx) (billing.PaymentMethodSetup, error) {
		v, err := tx.Setups.GetSetup(ctx, s, setupID)
		return v, notFound(err, "payment_method_setup", setupID)
	})
	if err != nil {
		return err
	}
	if st.Gateway != gateway || st.GatewayRef == "" || (ref != "" && ref != st.GatewayRef) {
		return billing.NotFound("payment_method_setup", setupID)
	}
	if st.Status != billing.SetupPending {
		return nil
	}
	_, err = a.customers.CompleteGatewaySetup(ctx, gateway, st.ID, st.GatewayRef)
	if e := billing.AsError(err); e != nil && e.Kind == billing.KindConflict {
		return nil
	}
	return err
}

// RecordGatewayDispute records, once per notification, a dispute a gateway
// reported on the payment with an idempotency key: an audit entry and a
// charge.dispute.created event, in the transaction that records the
// notification. cuota does not change the payment: the money is held by
// the gateway until the dispute is decided, and answering it happens in
// the gateway's dashboard.
func (a *Collection) RecordGatewayDispute(ctx context.Context, s billing.Scope, gateway, notificationID, key string, d GatewayDispute) error {
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		pay, err := paymentByKey(ctx, tx, s, key)
		if err != nil {
			return err
		}
		if pay.Gateway != gateway {
			return billing.NotFound("payment", key)
		}
		now, err := a.customerNow(ctx, tx, s, pay.CustomerID)
		if err != nil {
			return err
		}
		first, err := tx.Gateways.RecordGatewayNotification(ctx, gateway, notificationID, s, a.Now())
		if err != nil || !first {
			return err
		}
		d.Gateway, d.PaymentID, d.InvoiceID, d.CustomerID, d.Created = gateway, pay.ID, pay.InvoiceID, pay.CustomerID, now
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "payment.dispute_created",
			objectType: "payment", objectID: pay.ID, after: d}); err != nil {
			return err
		}
		return a.emit(ctx, tx, s, EventChargeDisputeCreated, "dispute", d.ID, d, now)
	})
}

// errProbe rolls back a notification that was recorded only to learn
// whether it had been before.
var errProbe = errors.New("probe")

// GatewayNotificationSeen reports whether a gateway's notification was
// already handled (MarkGatewayNotification), without recording it.
func (a *Collection) GatewayNotificationSeen(ctx context.Context, s billing.Scope, gateway, id string) (bool, error) {
	seen := false
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		first, err := tx.Gateways.RecordGatewayNotification(ctx, gateway, id, s, a.Now())
		if err != nil {
			return err
		}
		if first {
			return errProbe // not seen: undo the insert
		}
		seen = true
		return nil
	})
	if errors.Is(err, errProbe) {
		err = nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s notification %s: %w", gateway, id, err)
	}
	return seen, nil
}

// MarkGatewayNotification records that a gateway's notification was
// handled, after its effects committed: a repeat is then acknowledged
// without acting again (and acting again would change nothing).
func (a *Collection) MarkGatewayNotification(ctx context.Context, s billing.Scope, gateway, id string) error {
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		_, err := tx.Gateways.RecordGatewayNotification(ctx, gateway, id, s, a.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("record %s notification %s: %w", gateway, id, err)
	}
	return nil
}

// SettleGatewayPayment records what a gateway's verified notification
// says of the payment with an idempotency key (the caller asked the
// gateway; the notification itself proves nothing). A payment cuota does
// not know is NotFound; one already settled is left as it is.
func (a *Collection) SettleGatewayPayment(ctx context.Context, s billing.Scope, key string, res billing.ChargeResult) error {
	pay, err := read(ctx, a.core, func(tx billing.Tx) (billing.Payment, error) {
		p, err := tx.Gateways.GetPaymentByIdempotencyKey(ctx, s, key)
		return p, notFound(err, "payment", key)
	})
	if err != nil {
		return err
	}
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "gateway:" + pay.Gateway})
	return a.settlePayment(ctx, s, pay.ID, res, nil)
}

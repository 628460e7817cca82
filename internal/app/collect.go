package app

import (
	"context"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// invoiceAction loads an invoice with its subscription for a manual action,
// refusing while a payment attempt is unresolved (nothing may act on an
// invoice whose money may be moving).
func (a *Collection) invoiceAction(ctx context.Context, tx billing.Tx, s billing.Scope, id string) (billing.Invoice, error) {
	inv, err := tx.Invoices.GetInvoice(ctx, s, id)
	if err != nil {
		return inv, notFound(err, "invoice", id)
	}
	l, _, err := tx.Payments.ListPayments(ctx, s, billing.PaymentFilter{InvoiceID: id}, billing.Page{Limit: 1})
	if err != nil {
		return inv, fmt.Errorf("list payments of %s: %w", id, err)
	}
	if latest := billing.LatestPayment(l); billing.CanCharge(inv, latest) == billing.ChargeUnresolved {
		return inv, billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
			"invoice %s has a payment whose outcome is still %s; it is being reconciled with the gateway", id, latest.Status)
	}
	return inv, nil
}

// PayInvoice tries to collect an open or uncollectible invoice now with
// the subscription's payment method.
func (a *Collection) PayInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
	var paymentID string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		inv, err := a.invoiceAction(ctx, tx, s, id)
		if err != nil {
			return err
		}
		if billing.CanCharge(inv, nil) == billing.ChargeNotPayable {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "cannot pay an invoice that is %s", inv.Status)
		}
		if inv.SubscriptionID == "" {
			paymentID, err = a.invoicing.payOneOff(ctx, tx, &inv)
			return err
		}
		sub, err := tx.Subscriptions.GetSubscription(ctx, s, inv.SubscriptionID)
		if err != nil {
			return fmt.Errorf("read subscription %s: %w", inv.SubscriptionID, err)
		}
		if sub.PaymentMethodID == "" {
			return billing.Invalid("payment_method", billing.CodeParameterMissing, "the subscription has no payment method to charge")
		}
		now, err := a.clockNow(ctx, tx, s, sub.TestClockID)
		if err != nil {
			return err
		}
		if err := billing.ReopenForPayment(&inv); err != nil {
			return err
		}
		pay, err := a.invoicing.startPayment(ctx, tx, &inv, &sub, now)
		if err != nil {
			return err
		}
		if pay != nil {
			paymentID = pay.ID
		}
		return a.renewals.touchInvoice(ctx, tx, &sub, &inv, now)
	})
	if err != nil {
		return billing.Invoice{}, err
	}
	if paymentID != "" {
		if err := a.executePayment(ctx, s, paymentID, false); err != nil {
			return billing.Invoice{}, err
		}
	}
	return a.invoicing.GetInvoice(ctx, s, id)
}

// VoidInvoice voids an open or uncollectible invoice: it is no longer owed.
// A draft (one-off) invoice can be voided too: it was never owed.
func (a *Collection) VoidInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
	return a.closeInvoice(ctx, s, id, billing.InvoiceVoid, EventInvoiceVoided)
}

// MarkUncollectible marks an open invoice uncollectible: retries stop, and
// it can still be paid or voided later.
func (a *Collection) MarkUncollectible(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
	return a.closeInvoice(ctx, s, id, billing.InvoiceUncollectible, EventInvoiceUncollectible)
}

// closeInvoice moves an invoice to `to` (void or uncollectible), as the
// invoice transition rules allow.
func (a *Collection) closeInvoice(ctx context.Context, s billing.Scope, id string, to billing.InvoiceStatus, event string) (billing.Invoice, error) {
	var inv billing.Invoice
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if inv, err = a.invoiceAction(ctx, tx, s, id); err != nil {
			return err
		}
		if !billing.InvoiceTransitionAllowed(inv.Status, to) || inv.Status == to {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "cannot make an invoice that is %s %s", inv.Status, to)
		}
		sub, now, err := a.invoiceSubscription(ctx, tx, inv)
		if err != nil {
			return err
		}
		before := inv
		if err := billing.MoveInvoice(&inv, to); err != nil {
			return err
		}
		inv.NextAttemptAt = nil
		if to == billing.InvoiceVoid {
			inv.VoidedAt = &now
		}
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "invoice." + string(to),
			objectType: "invoice", objectID: id, before: before, after: inv}); err != nil {
			return err
		}
		if err := a.emit(ctx, tx, s, event, "invoice", id, inv, now); err != nil {
			return err
		}
		return a.renewals.touchInvoice(ctx, tx, sub, &inv, now)
	})
	return inv, err
}

// CreateRefundParams ask for money of a payment back.
type CreateRefundParams struct {
	Payment string
	Amount  *int64 // default: everything not yet refunded
	Reason  string
}

// CreateRefund refunds all or part of a succeeded payment through its
// gateway, never more than was collected. The amount is reserved on the
// payment before the gateway is called, so concurrent refunds cannot
// exceed it; a failed refund gives the reservation back.
func (a *Collection) CreateRefund(ctx context.Context, s billing.Scope, p CreateRefundParams) (billing.Refund, error) {
	var v validator
	v.required("payment", p.Payment)
	v.maxLen("reason", p.Reason, maxNameLen)
	if p.Amount != nil {
		v.amount("amount", *p.Amount)
		if *p.Amount == 0 {
			v.fail("amount", billing.CodeAmountInvalid, "amount must be positive")
		}
	}
	if err := v.err(); err != nil {
		return billing.Refund{}, err
	}
	var ref billing.Refund
	var pay billing.Payment
	var email string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if pay, err = tx.Payments.GetPayment(ctx, s, p.Payment); err != nil {
			return referenced(err, "payment", p.Payment)
		}
		if pay.Status != billing.PaymentSucceeded {
			return billing.Invalid("payment", billing.CodeParameterInvalid, "only a succeeded payment can be refunded; this one is %s", pay.Status)
		}
		left := pay.Amount - pay.AmountRefunded
		amount := left
		if p.Amount != nil {
			amount = *p.Amount
		}
		if amount > left || left == 0 {
			return billing.Invalid("amount", billing.CodeAmountInvalid, "at most %d %s of this payment can still be refunded", left, pay.Currency)
		}
		if email, err = a.customerEmail(ctx, tx, s, pay.CustomerID); err != nil {
			return err
		}
		now, err := a.customerNow(ctx, tx, s, pay.CustomerID)
		if err != nil {
			return err
		}
		if ref, err = a.reserveRefund(ctx, tx, &pay, amount, p.Reason, now); err != nil {
			return err
		}
		return a.creditRefundedInvoice(ctx, tx, pay, ref)
	})
	if err != nil {
		return billing.Refund{}, err
	}
	return a.sendRefund(ctx, s, pay, ref, email)
}

// customerEmail is the email address of a customer (deleted ones too).
func (a *Collection) customerEmail(ctx context.Context, tx billing.Tx, s billing.Scope, customerID string) (string, error) {
	cus, err := tx.Customers.GetCustomer(ctx, s, customerID)
	if err != nil {
		return "", fmt.Errorf("read customer %s: %w", customerID, err)
	}
	return cus.Email, nil
}

// reserveRefund writes a pending refund of amount of pay and reserves it
// on the payment (pay is updated), so concurrent refunds cannot exceed
// what it collected.
func (a *Collection) reserveRefund(ctx context.Context, tx billing.Tx, pay *billing.Payment, amount int64, reason string, now time.Time) (billing.Refund, error) {
	s := pay.Scope
	tax, taxAmounts, err := a.refundTax(ctx, tx, *pay, amount)
	if err != nil {
		return billing.Refund{}, err
	}
	ref := billing.Refund{ID: billing.NewID(billing.PrefixRefund, now), Scope: s, PaymentID: pay.ID, Amount: amount,
		Currency: pay.Currency, Status: billing.RefundPending, Reason: reason, Tax: tax, TaxAmounts: taxAmounts,
		Created: now, Updated: now}
	if err := tx.Payments.CreateRefund(ctx, ref); err != nil {
		return ref, fmt.Errorf("create refund: %w", err)
	}
	pay.AmountRefunded += amount
	pay.Updated = now
	if err := tx.Payments.UpdatePayment(ctx, *pay); err != nil {
		return ref, fmt.Errorf("reserve refund on %s: %w", pay.ID, err)
	}
	return ref, a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "refund.create", objectType: "refund", objectID: ref.ID, after: ref})
}

// refundTax is the tax part of a refund of amount of pay (billing.
// RefundTax), counted after what the invoice's earlier credit notes (its
// refunds among them) already returned, so that refunds and credit notes
// adding up to the whole invoice return exactly its tax. A payment without
// an invoice returns none.
func (a *Collection) refundTax(ctx context.Context, tx billing.Tx, pay billing.Payment, amount int64) (int64, []billing.TaxAmount, error) {
	if pay.InvoiceID == "" {
		return 0, nil, nil
	}
	inv, err := tx.Invoices.GetInvoice(ctx, pay.Scope, pay.InvoiceID)
	if err != nil {
		return 0, nil, fmt.Errorf("read invoice %s: %w", pay.InvoiceID, err)
	}
	credited, err := tx.Credits.CreditedAmount(ctx, inv.Scope, inv.ID)
	if err != nil {
		return 0, nil, fmt.Errorf("read credited amount of %s: %w", inv.ID, err)
	}
	return billing.RefundTax(inv, credited, amount)
}

// sendRefund asks pay's gateway for a refund reserved by reserveRefund,
// outside any transaction, and records its answer.
func (a *Collection) sendRefund(ctx context.Context, s billing.Scope, pay billing.Payment, ref billing.Refund, email string) (billing.Refund, error) {
	gw, err := a.gateway(pay.Gateway)
	if err != nil {
		return billing.Refund{}, err
	}
	res, gwErr := gw.Refund(ctx, billing.RefundRequest{Scope: s, IdempotencyKey: ref.ID, ChargeKey: pay.IdempotencyKey,
		ChargeRef: pay.GatewayRef, Amount: ref.Amount, Currency: ref.Currency, CustomerEmail: email})
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		if gwErr != nil && billing.AsError(gwErr) == nil {
			return fmt.Errorf("refund %s: %w", ref.ID, gwErr) // unknown: stays pending for reconciliation
		}
		if gwErr != nil {
			res = billing.RefundResult{Status: billing.RefundFailed}
		}
		return a.recordRefundOutcome(ctx, tx, &ref, res)
	})
	if err != nil {
		return ref, err
	}
	if e := billing.AsError(gwErr); e != nil {
		return ref, e
	}
	return ref, nil
}

// recordRefundOutcome writes a gateway's answer on a pending refund: a
// failure gives the amount back to the payment's refundable balance.
func (a *Collection) recordRefundOutcome(ctx context.Context, tx billing.Tx, ref *billing.Refund, res billing.RefundResult) error {
	s := ref.Scope
	pay, err := tx.Payments.GetPayment(ctx, s, ref.PaymentID)
	if err != nil {
		return fmt.Errorf("read payment %s: %w", ref.PaymentID, err)
	}
	now, err := a.customerNow(ctx, tx, s, pay.CustomerID)
	if err != nil {
		return err
	}
	before := *ref
	if res.GatewayRef != "" {
		ref.GatewayRef = res.GatewayRef
	}
	ref.Status = res.Status
	if ref.Status == billing.RefundFailed {
		pay.AmountRefunded -= ref.Amount
		pay.Updated = now
		if err := tx.Payments.UpdatePayment(ctx, pay); err != nil {
			return fmt.Errorf("release refund on %s: %w", pay.ID, err)
		}
		if err := a.voidRefundedCreditNote(ctx, tx, *ref, now); err != nil {
			return err
		}
	}
	ref.Updated = now
	if err := tx.Payments.UpdateRefund(ctx, *ref); err != nil {
		return fmt.Errorf("update refund %s: %w", ref.ID, err)
	}
	if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "refund." + string(ref.Status),
		objectType: "refund", objectID: ref.ID, before: before, after: *ref}); err != nil {
		return err
	}
	return a.emit(ctx, tx, s, "refund."+string(ref.Status), "refund", ref.ID, *ref, now)
}

// SettleGatewayRefund records what a gateway says of a refund it settled
// later (Flow's refund callback, verified with a signed status call by
// the caller). Refunds already settled are left alone, so a repeated
// notification changes nothing.
func (a *Collection) SettleGatewayRefund(ctx context.Context, s billing.Scope, gatewayRef string, res billing.RefundResult) error {
	if res.Status == billing.RefundPending {
		return nil
	}
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		ref, err := tx.Gateways.GetRefundByGatewayRef(ctx, s, gatewayRef)
		if err != nil {
			return notFound(err, "refund", gatewayRef)
		}
		if ref.Status != billing.RefundPending {
			return nil
		}
		return a.recordRefundOutcome(ctx, tx, &ref, res)
	})
}

// GetRefund returns a refund of scope s.
func (a *Collection) GetRefund(ctx context.Context, s billing.Scope, id string) (billing.Refund, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Refund, error) {
		v, err := tx.Payments.GetRefund(ctx, s, id)
		return v, notFound(err, "refund", id)
	})
}

// GetRefunds returns the refunds of ids in scope s, by id, in one read.
// Ids not found are absent. At most maxBatchIDs ids.
func (a *Collection) GetRefunds(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Refund, error) {
	return readByIDs(ctx, a.core, ids, func(tx billing.Tx, ids []string) (map[string]billing.Refund, error) {
		return tx.Payments.GetRefunds(ctx, s, ids)
	})
}

// GetPayments returns the payments of ids in scope s, by id, in one read.
// Ids not found are absent. At most maxBatchIDs ids.
func (a *Collection) GetPayments(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Payment, error) {
	return readByIDs(ctx, a.core, ids, func(tx billing.Tx, ids []string) (map[string]billing.Payment, error) {
		return tx.Payments.GetPayments(ctx, s, ids)
	})
}

// ListRefunds lists refunds, of one payment when paymentID is set.
func (a *Collection) ListRefunds(ctx context.Context, s billing.Scope, paymentID string, page billing.Page) (List[billing.Refund], error) {
	return list(ctx, a.core, page, billing.PrefixRefund, func(tx billing.Tx, page billing.Page) ([]billing.Refund, bool, error) {
		return tx.Payments.ListRefunds(ctx, s, paymentID, page)
	})
}

// customerNow is the time for a customer's objects: its test clock's, or
// real time.
func (a *Collection) customerNow(ctx context.Context, tx billing.Tx, s billing.Scope, customerID string) (time.Time, error) {
	cus, err := tx.Customers.GetCustomer(ctx, s, customerID)
	if err != nil {
		return time.Time{}, fmt.Errorf("read customer %s: %w", customerID, err)
	}
	return a.clockNow(ctx, tx, s, cus.TestClockID)
}

// invoiceSubscription reads an invoice's subscription (nil for a one-off
// invoice) and the time its objects live at: the subscription's test
// clock, or the customer's.
func (a *Collection) invoiceSubscription(ctx context.Context, tx billing.Tx, inv billing.Invoice) (*billing.Subscription, time.Time, error) {
	if inv.SubscriptionID == "" {
		now, err := a.customerNow(ctx, tx, inv.Scope, inv.CustomerID)
		return nil, now, err
	}
	sub, err := tx.Subscriptions.GetSubscription(ctx, inv.Scope, inv.SubscriptionID)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read subscription %s: %w", inv.SubscriptionID, err)
	}
	now, err := a.clockNow(ctx, tx, inv.Scope, sub.TestClockID)
	return &sub, now, err
}

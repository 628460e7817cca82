package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// executePayment calls the gateway for a recorded payment attempt and
// settles the answer. It runs outside any transaction: the payment row was
// committed first, so a crash leaves a pending payment that recovery
// resolves by asking the gateway (lookup before retry). With recover set,
// it asks the gateway about the key first and charges only if the gateway
// has never seen it.
func (a *Collection) executePayment(ctx context.Context, s billing.Scope, paymentID string, recover bool) error {
	var pay billing.Payment
	var pm billing.PaymentMethod
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if pay, err = tx.Payments.GetPayment(ctx, s, paymentID); err != nil {
			return fmt.Errorf("read payment %s: %w", paymentID, err)
		}
		if !pay.Status.Unresolved() || pay.PaymentMethodID == "" {
			return nil
		}
		if pm, err = tx.PaymentMethods.GetPaymentMethod(ctx, s, pay.PaymentMethodID); err != nil {
			return fmt.Errorf("read payment method %s: %w", pay.PaymentMethodID, err)
		}
		return nil
	})
	if err != nil || !pay.Status.Unresolved() {
		return err
	}
	return a.chargeOrAsk(ctx, s, pay, pm, recover)
}

// chargeNew charges a payment its caller has just written (still pending,
// with its card), without reading them again. It returns the payment's
// subscription as the settlement saved it, so that the caller need not
// read it again (nil when the settlement did not leave one: see settle).
func (a *Collection) chargeNew(ctx context.Context, s billing.Scope, c newCharge) (*billing.Subscription, error) {
	return a.charge(ctx, s, c.pay, c.pm, false)
}

// chargeOrAsk calls the gateway for an unresolved payment: it charges it,
// or, when its outcome is unknown (or recover is set), first asks the
// gateway what became of it; then it settles the payment.
func (a *Collection) chargeOrAsk(ctx context.Context, s billing.Scope, pay billing.Payment, pm billing.PaymentMethod, recover bool) error {
	_, err := a.charge(ctx, s, pay, pm, recover)
	return err
}

// charge is chargeOrAsk returning what settle returns.
func (a *Collection) charge(ctx context.Context, s billing.Scope, pay billing.Payment, pm billing.PaymentMethod, recover bool) (*billing.Subscription, error) {
	if pay.PaymentMethodID == "" {
		// A pay-page attempt: only the customer can pay it, on the
		// gateway's page; cuota can only ask what became of it.
		return nil, a.payPages.reconcilePayPage(ctx, pay)
	}
	gw, err := a.gateway(pay.Gateway)
	if err != nil {
		return nil, fmt.Errorf("payment %s: %w", pay.ID, err)
	}
	if pay.Status == billing.PaymentUnknown || recover {
		res, found, err := gw.LookupCharge(ctx, s, pay.IdempotencyKey)
		switch {
		case err != nil:
			a.logger.WarnContext(ctx, "reconcile payment: lookup failed", "payment", pay.ID, "error", err)
			return a.settle(ctx, s, pay.ID, billing.ChargeResult{}, fmt.Errorf("lookup: %w: %w", billing.ErrOutcomeUnknown, err))
		case found:
			return a.settle(ctx, s, pay.ID, res, nil)
		case pay.Status == billing.PaymentUnknown:
			// The gateway never saw it: it did not happen. Fail the attempt
			// as technical; the engine retries with a new attempt.
			return a.settle(ctx, s, pay.ID, billing.ChargeResult{Status: billing.PaymentFailed,
				FailureClass: billing.FailureTechnical, FailureCode: "not_found_at_gateway",
				FailureMessage: "the gateway has no record of this charge"}, nil)
		}
	}
	res, err := gw.Charge(ctx, billing.ChargeRequest{Scope: s, IdempotencyKey: pay.IdempotencyKey, Amount: pay.Amount,
		Currency: pay.Currency, PaymentMethod: pm, Description: "invoice " + pay.InvoiceID})
	return a.settle(ctx, s, pay.ID, res, err)
}

// settlePayment records a gateway answer on a payment and carries its
// consequences to the invoice and subscription, in one transaction.
func (a *Collection) settlePayment(ctx context.Context, s billing.Scope, paymentID string, res billing.ChargeResult, callErr error) error {
	_, err := a.settle(ctx, s, paymentID, res, callErr)
	return err
}

// settle is settlePayment returning the payment's subscription as the
// settling transaction left it: nil for a one-off invoice, when someone
// else settled the payment first, when it stays pending, and when money
// that arrived for an ended subscription was given back.
func (a *Collection) settle(ctx context.Context, s billing.Scope, paymentID string, res billing.ChargeResult, callErr error) (*billing.Subscription, error) {
	// Another process may update the subscription between our read and
	// write (the version check refuses it): read again and redo.
	return retryOnConflict(maxSettleAttempts, func() (*billing.Subscription, error) {
		return a.settleOnce(ctx, s, paymentID, res, callErr)
	})
}

// maxSettleAttempts bounds settlePayment's retries after version conflicts.
const maxSettleAttempts = 5

func (a *Collection) settleOnce(ctx context.Context, s billing.Scope, paymentID string, res billing.ChargeResult, callErr error) (*billing.Subscription, error) {
	reversal := false
	var settled *billing.Subscription
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		settled = nil // a run the database aborted and ran again settled nothing
		pay, err := tx.Payments.GetPayment(ctx, s, paymentID)
		if err != nil {
			return fmt.Errorf("read payment %s: %w", paymentID, err)
		}
		if !pay.Status.Unresolved() {
			if pay.Status == billing.PaymentFailed && callErr == nil && res.Status == billing.PaymentSucceeded {
				// The gateway says money moved for an attempt cuota already
				// failed (a pay page paid after its expiry): nothing here
				// may turn a failed payment into a paid one, so a person
				// must refund it at the gateway.
				a.logger.ErrorContext(ctx, "the gateway reports a failed payment as paid; refund it at the gateway",
					"merchant", s.MerchantID, "payment", pay.ID, "gateway", pay.Gateway, "gateway_ref", res.GatewayRef)
				_, err := a.raiseAlert(ctx, tx, s, billing.LateSuccessAlert(pay))
				return err
			}
			return nil // settled by someone else meanwhile
		}
		inv, err := tx.Invoices.GetInvoice(ctx, s, pay.InvoiceID)
		if err != nil {
			return fmt.Errorf("read invoice %s: %w", pay.InvoiceID, err)
		}
		sub, now, err := a.invoiceSubscription(ctx, tx, inv) // sub is nil for a one-off invoice
		if err != nil {
			return err
		}
		merchant, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
		if err != nil {
			return fmt.Errorf("read merchant: %w", err)
		}
		before := pay
		reconciledAt := now
		to := res.Status
		switch {
		case errors.Is(callErr, billing.ErrOutcomeUnknown):
			to = billing.PaymentUnknown
			pay.FailureMessage = callErr.Error()
		case callErr != nil:
			// Not reached, nothing charged (a validation or configuration
			// error): a technical failure, retried on the technical schedule.
			to = billing.PaymentFailed
			pay.FailureClass = billing.FailureTechnical
			pay.FailureCode = "gateway_error"
			pay.FailureMessage = callErr.Error()
			if e := billing.AsError(callErr); e != nil {
				pay.FailureCode, pay.FailureMessage = e.Code, e.Message
			}
		default:
			if res.GatewayRef != "" {
				pay.GatewayRef = res.GatewayRef
			}
			pay.FailureClass, pay.FailureCode, pay.FailureMessage = res.FailureClass, res.FailureCode, res.FailureMessage
		}
		if err := billing.MovePayment(&pay, to); err != nil {
			return err
		}
		if err := a.gatewayAlerts(ctx, tx, s, chargeFacts(pay.Gateway, res, callErr)); err != nil {
			return err
		}
		if pay.Status == billing.PaymentPending {
			// Asynchronous: the gateway's notification (or a later lookup)
			// settles it. What the gateway said meanwhile (its reference,
			// why it waits, e.g. authentication_required) is kept; Updated
			// stays, as it is the base of the reconciliation backoff.
			if before.Status != billing.PaymentPending || (pay.GatewayRef == before.GatewayRef && pay.FailureCode == before.FailureCode &&
				pay.FailureMessage == before.FailureMessage) {
				return nil
			}
			if err := tx.Payments.UpdatePayment(ctx, pay); err != nil {
				return fmt.Errorf("update payment %s: %w", pay.ID, err)
			}
			if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "payment.pending",
				objectType: "payment", objectID: pay.ID, before: before, after: pay}); err != nil {
				return err
			}
			if needsAuthentication(pay) && !needsAuthentication(before) {
				return a.askToAuthenticate(ctx, tx, merchant, inv, now)
			}
			return nil
		}
		if before.Status == billing.PaymentUnknown && pay.Status == billing.PaymentUnknown {
			// Still unknown: the backoff grows with the time since the
			// previous look (kept in reconciledAt).
			reconciledAt = before.Updated
		}
		pay.Updated = now
		if pay.Status != billing.PaymentUnknown {
			pay.NextActionURL = "" // settled: nothing waits for the customer any more
		}
		if err := tx.Payments.UpdatePayment(ctx, pay); err != nil {
			return fmt.Errorf("update payment %s: %w", pay.ID, err)
		}
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "payment." + string(pay.Status),
			objectType: "payment", objectID: pay.ID, before: before, after: pay}); err != nil {
			return err
		}
		reversal = pay.Status == billing.PaymentSucceeded && sub != nil && sub.Status.Terminal()
		if err := a.afterPayment(ctx, tx, merchant, pay, &inv, sub, now, now.Sub(reconciledAt)); err != nil {
			return err
		}
		settled = sub
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !reversal {
		return settled, nil
	}
	// Money arrived for a subscription that can no longer take it (it ended
	// while the payment was unresolved): give it back (docs/architecture.md,
	// "Charging exactly once").
	if _, err := a.CreateRefund(ctx, s, CreateRefundParams{Payment: paymentID, Reason: "subscription_ended"}); err != nil {
		return nil, fmt.Errorf("reverse payment %s: %w", paymentID, err)
	}
	return nil, nil
}

// afterPayment applies a settled payment to its invoice and subscription
// (nil for a one-off invoice: paid, or still open after a failure — no
// dunning: a one-off charge is not retried by itself; the customer can
// pay on the invoice's page and the merchant can retry with PayInvoice).
//
// unknownFor is how long the payment had been unknown at the previous look
// (0 when it has just become unknown): the next look waits longer each time.
func (a *Collection) afterPayment(ctx context.Context, tx billing.Tx, m billing.Merchant, pay billing.Payment, inv *billing.Invoice, sub *billing.Subscription, now time.Time, unknownFor time.Duration) error {
	s := pay.Scope
	var subBefore billing.Subscription
	if sub != nil {
		subBefore = *sub
	}
	subEvent := ""
	switch pay.Status {
	case billing.PaymentUnknown:
		inv.NextAttemptAt = billing.DecideFailure(billing.FailureFacts{Unknown: true, UnknownFor: unknownFor, At: now}).RetryAt
		if err := a.emit(ctx, tx, s, EventPaymentUnknown, "payment", pay.ID, pay, now); err != nil {
			return err
		}
	case billing.PaymentSucceeded:
		if err := markPaid(inv, pay, now); err != nil {
			return err
		}
		if sub != nil {
			var err error
			if subEvent, err = a.applySuccess(m, pay, inv, sub, now); err != nil {
				return err
			}
		}
		if err := a.emit(ctx, tx, s, EventPaymentSucceeded, "payment", pay.ID, pay, now); err != nil {
			return err
		}
		if err := a.emit(ctx, tx, s, EventInvoicePaid, "invoice", inv.ID, inv, now); err != nil {
			return err
		}
		if sub != nil && (sub.Status == billing.SubscriptionCanceled || sub.Status == billing.SubscriptionIncompleteExpired) {
			// Money arrived for a subscription that can no longer take it:
			// settlePayment refunds it once this transaction commits.
			a.logger.WarnContext(ctx, "payment succeeded on an ended subscription; refunding it",
				"payment", pay.ID, "subscription", sub.ID)
			if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "payment.reversal",
				objectType: "payment", objectID: pay.ID, after: pay}); err != nil {
				return err
			}
		}
	case billing.PaymentFailed:
		if err := a.emit(ctx, tx, s, EventPaymentFailed, "payment", pay.ID, pay, now); err != nil {
			return err
		}
		if sub == nil {
			inv.NextAttemptAt = nil
			if err := a.emit(ctx, tx, s, EventInvoicePaymentFailed, "invoice", inv.ID, inv, now); err != nil {
				return err
			}
			break
		}
		var err error
		if subEvent, err = a.afterFailure(ctx, tx, m, pay, inv, sub, now); err != nil {
			return err
		}
	}
	inv.Updated = now
	if err := tx.Invoices.UpdateInvoice(ctx, *inv); err != nil {
		return fmt.Errorf("update invoice %s: %w", inv.ID, err)
	}
	if sub == nil {
		return nil
	}
	open, err := a.openInvoices(ctx, tx, sub)
	if err != nil {
		return err
	}
	sub.NextActionAt = nextAction(*sub, open)
	return a.saveSubscription(ctx, tx, &subBefore, sub, subEvent, now)
}

// markPaid records a succeeded payment on its invoice.
func markPaid(inv *billing.Invoice, pay billing.Payment, now time.Time) error {
	if err := billing.MoveInvoice(inv, billing.InvoicePaid); err != nil {
		return err
	}
	inv.AmountPaid, inv.PaidAt, inv.NextAttemptAt = pay.Amount, &now, nil
	return nil
}

// applySuccess applies a succeeded payment to its invoice (paid) and
// subscription (active again after incomplete, past_due, unpaid or a
// trial) and returns the subscription event to write, if any.
func (a *Collection) applySuccess(m billing.Merchant, pay billing.Payment, inv *billing.Invoice, sub *billing.Subscription, now time.Time) (string, error) {
	if err := markPaid(inv, pay, now); err != nil {
		return "", err
	}
	ev := billing.SubEventPaymentSucceeded
	switch sub.Status {
	case billing.SubscriptionIncomplete, billing.SubscriptionPastDue, billing.SubscriptionUnpaid:
	case billing.SubscriptionTrialing:
		ev = billing.SubEventTrialEndedPaid
	default:
		return "", nil
	}
	if err := a.transition(sub, ev, m.Settings); err != nil {
		return "", err
	}
	return EventSubscriptionUpdated, nil
}

// afterFailure carries out billing.DecideFailure for a failed attempt of
// a subscription's invoice: the invoice's next attempt, the subscription's
// events, voiding or marking the invoice uncollectible, and their events.
//
// It writes invoice.payment_failed once the next attempt is decided (so the
// event says when it is) and before the invoice is voided or marked
// uncollectible.
func (a *Collection) afterFailure(ctx context.Context, tx billing.Tx, m billing.Merchant, pay billing.Payment, inv *billing.Invoice, sub *billing.Subscription, now time.Time) (string, error) {
	s := pay.Scope
	payments, _, err := tx.Payments.ListPayments(ctx, s, billing.PaymentFilter{InvoiceID: inv.ID}, billing.Page{})
	if err != nil {
		return "", fmt.Errorf("list payments of %s: %w", inv.ID, err)
	}
	facts := billing.FailureFacts{Class: pay.FailureClass, Subscription: sub.Status, Policy: m.Settings.Dunning, At: now}
	for _, p := range payments {
		if p.Status != billing.PaymentFailed {
			continue
		}
		if p.FailureClass.ConsumesAttempt() {
			facts.Attempts++
		} else if p.FailureClass == billing.FailureTechnical {
			facts.TechnicalFailures++
		}
	}
	d := billing.DecideFailure(facts)
	from := sub.Status
	for _, ev := range d.SubEvents {
		if err := a.transition(sub, ev, m.Settings); err != nil {
			return "", err
		}
	}
	inv.NextAttemptAt = d.RetryAt
	if err := a.emit(ctx, tx, s, EventInvoicePaymentFailed, "invoice", inv.ID, inv, now); err != nil {
		return "", err
	}
	// The subscription event: deleted when it ended, updated when its
	// status moved (or a system failure was applied to it).
	event := ""
	switch {
	case len(d.SubEvents) == 0:
	case d.Action == billing.FailureFirstPayment:
		sub.EndedAt = &now
		event = EventSubscriptionDeleted
	case sub.Status == billing.SubscriptionCanceled:
		reason, _ := billing.CancellationReasonFor(d.SubEvents[len(d.SubEvents)-1])
		sub.CancellationReason, sub.CanceledAt, sub.EndedAt = reason, &now, &now
		event = EventSubscriptionDeleted
	case d.Action == billing.FailureSystem || sub.Status != from:
		event = EventSubscriptionUpdated
	}
	if d.Action == billing.FailureSystem {
		// The gateway keeps failing for reasons that are not the
		// customer's: a system failure, handled by the merchant's policy
		// (past_due and an alert by default), never as a decline.
		a.logger.ErrorContext(ctx, "payments keep failing at the gateway",
			"merchant", s.MerchantID, "invoice", inv.ID, "subscription", sub.ID, "failures", facts.TechnicalFailures)
		if _, err := a.raiseAlert(ctx, tx, s, billing.GatewayPaymentsFailingAlert(pay.Gateway, facts.TechnicalFailures)); err != nil {
			return "", err
		}
	}
	if d.VoidInvoice {
		if err := billing.MoveInvoice(inv, billing.InvoiceVoid); err != nil {
			return "", err
		}
		inv.VoidedAt = &now
		if err := a.subscriptions.releaseRedemptions(ctx, tx, sub); err != nil {
			return "", err
		}
		if err := a.emit(ctx, tx, s, EventInvoiceVoided, "invoice", inv.ID, inv, now); err != nil {
			return "", err
		}
	}
	if d.MarkUncollectible {
		if err := billing.MoveInvoice(inv, billing.InvoiceUncollectible); err != nil {
			return "", err
		}
		if err := a.emit(ctx, tx, s, EventInvoiceUncollectible, "invoice", inv.ID, inv, now); err != nil {
			return "", err
		}
	}
	return event, nil
}

// openInvoices returns a subscription's open invoices.
func (a *Collection) openInvoices(ctx context.Context, tx billing.Tx, sub *billing.Subscription) ([]billing.Invoice, error) {
	l, _, err := tx.Invoices.ListInvoices(ctx, sub.Scope, billing.InvoiceFilter{SubscriptionID: sub.ID, Status: billing.InvoiceOpen}, billing.Page{Limit: 100})
	if err != nil {
		return nil, fmt.Errorf("list open invoices of %s: %w", sub.ID, err)
	}
	return l, nil
}

// askToAuthenticate emails the customer the link to an invoice whose
// charge waits for them to authenticate it (SCA): on the invoice's page
// they finish that same charge on the gateway's page.
func (a *Collection) askToAuthenticate(ctx context.Context, tx billing.Tx, m billing.Merchant, inv billing.Invoice, now time.Time) error {
	if a.PublicURL() == "" {
		a.logger.WarnContext(ctx, "a charge waits for the customer to authenticate it, but there is no public URL to link to",
			"invoice", inv.ID)
		return nil
	}
	link, err := a.payPages.invoiceURL(m, inv.Scope, inv.ID)
	if err != nil {
		return err
	}
	return a.notifications.SendInvoiceEmail(ctx, tx, inv, InvoiceEmailParams{PayURL: link}, now)
}

// GetPayment returns a payment attempt of scope s.
func (a *Collection) GetPayment(ctx context.Context, s billing.Scope, id string) (billing.Payment, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Payment, error) {
		v, err := tx.Payments.GetPayment(ctx, s, id)
		return v, notFound(err, "payment", id)
	})
}

// ListPayments lists payments of scope s, newest first.
func (a *Collection) ListPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter, page billing.Page) (List[billing.Payment], error) {
	return list(ctx, a.core, page, billing.PrefixPayment, func(tx billing.Tx, page billing.Page) ([]billing.Payment, bool, error) {
		return tx.Payments.ListPayments(ctx, s, f, page)
	})
}

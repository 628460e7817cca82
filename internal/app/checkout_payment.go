package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/cuota/cuota/internal/billing"
)

// A payment-mode checkout sells one-time prices: when the customer submits
// the form, a one-off invoice is made for the line items (once per
// session) and paid on the chosen gateway's pay page; the browser comes
// back to the checkout's return, which completes the session once the
// gateway says the invoice is paid. A declined or abandoned payment leaves
// the session open with the reason, and the customer can try again (a new
// attempt on the same invoice).

// checkoutInvoiceItems are the invoice items of a checkout's line items.
func checkoutInvoiceItems(lines []billing.CheckoutLineItem) []InvoiceItemParams {
	out := make([]InvoiceItemParams, len(lines))
	for i, li := range lines {
		out[i] = InvoiceItemParams{Price: li.PriceID, Quantity: li.Quantity}
	}
	return out
}

// submitPaymentCheckout makes (once) the checkout's invoice and starts
// paying it on gateway; it returns where to send the browser.
func (a *Checkout) submitPaymentCheckout(ctx context.Context, cs billing.CheckoutSession, secret, gateway string) (string, error) {
	var invoiceID string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		cur, err := tx.Checkout.GetCheckoutSession(ctx, cs.Scope, cs.ID)
		if err != nil {
			return fmt.Errorf("read checkout session %s: %w", cs.ID, err)
		}
		if cur.InvoiceID != "" {
			invoiceID = cur.InvoiceID
			return nil
		}
		cus, err := liveCustomer(ctx, tx, cs.Scope, cur.CustomerID)
		if errors.Is(err, billing.ErrNotFound) {
			// Deleted since the session opened: the page answers as for
			// a link that no longer leads anywhere.
			return billing.NotFound("customer", cur.CustomerID)
		}
		if err != nil {
			return fmt.Errorf("read customer %s: %w", cur.CustomerID, err)
		}
		now, err := a.clockNow(ctx, tx, cs.Scope, cus.TestClockID)
		if err != nil {
			return err
		}
		dueNow := int64(0)
		inv, err := a.invoicing.createOneOff(ctx, tx, cus, CreateInvoiceParams{Items: checkoutInvoiceItems(cur.LineItems),
			Collection: billing.CollectionSendInvoice, DaysUntilDue: &dueNow}, now)
		if err != nil {
			return err
		}
		// Paid right here, on the pay page: no invoice email.
		if _, err := a.invoicing.finalizeOneOff(ctx, tx, &inv, now, false); err != nil {
			return err
		}
		before := cur
		cur.InvoiceID, cur.Updated = inv.ID, a.Now()
		invoiceID = inv.ID
		return a.saveCheckout(ctx, tx, before, &cur, "checkout_session.update", "")
	})
	if err != nil {
		return "", err
	}
	ret := a.PublicURL() + "/checkout/" + cs.ID + "/return?token=" + url.QueryEscape(secret)
	return a.payPages.startPayPage(ctx, cs.Scope, invoiceID, gateway, ret, func(billing.Tx) error { return nil })
}

// returnPaymentCheckout handles the browser's return to a payment-mode
// checkout: the invoice's latest attempt is asked of the gateway if still
// open, and the session completes once the invoice is paid.
func (a *Checkout) returnPaymentCheckout(ctx context.Context, cs billing.CheckoutSession) (CheckoutOutcome, error) {
	if cs.Status != billing.CheckoutOpen || cs.InvoiceID == "" {
		return outcomeOf(cs)
	}
	latest, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.Payment, error) {
		l, _, err := tx.Payments.ListPayments(ctx, cs.Scope, billing.PaymentFilter{InvoiceID: cs.InvoiceID}, billing.Page{Limit: 1})
		return l, err
	})
	if err != nil {
		return CheckoutOutcome{}, fmt.Errorf("list payments of %s: %w", cs.InvoiceID, err)
	}
	if p := billing.LatestPayment(latest); p != nil && p.Status.Unresolved() {
		if err := a.payPages.lookupAndSettle(ctx, *p); err != nil {
			a.logger.WarnContext(ctx, "checkout return: gateway lookup failed", "payment", latest[0].ID, "error", err)
		}
	}
	var inv billing.Invoice
	var pay *billing.Payment
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if inv, err = tx.Invoices.GetInvoice(ctx, cs.Scope, cs.InvoiceID); err != nil {
			return fmt.Errorf("read invoice %s: %w", cs.InvoiceID, err)
		}
		l, _, err := tx.Payments.ListPayments(ctx, cs.Scope, billing.PaymentFilter{InvoiceID: cs.InvoiceID}, billing.Page{Limit: 1})
		if err != nil {
			return fmt.Errorf("list payments of %s: %w", cs.InvoiceID, err)
		}
		if len(l) == 1 {
			pay = &l[0]
		}
		return nil
	})
	if err != nil {
		return CheckoutOutcome{}, err
	}
	switch {
	case inv.Status == billing.InvoicePaid:
		return a.completeCheckout(ctx, cs, "", "")
	case pay == nil || pay.Status.Unresolved():
		return CheckoutOutcome{Failure: CheckoutFailUnfinished}, nil
	case pay.FailureCode == FailPayPageCanceled:
		return CheckoutOutcome{Failure: CheckoutFailCanceled}, nil
	}
	return a.failCheckout(ctx, cs, CheckoutOutcome{Failure: CheckoutFailDeclined, FailureCode: pay.FailureCode, FailureMessage: pay.FailureMessage})
}

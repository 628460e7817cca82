package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// errAlreadyInvoiced reports a period that has an invoice already (the
// unique constraint on subscription and period start): another process
// renewed it first.
var errAlreadyInvoiced = errors.New("period already invoiced")

// invoicePeriod writes and finalizes the invoice of sub's current period
// [CurrentPeriodStart, CurrentPeriodEnd): one line per item, the
// prorations waiting for it, and a discount line when the coupon applies.
// An invoice that comes to zero is paid at once. A period that is already
// invoiced returns errAlreadyInvoiced.
func (a *Invoicing) invoicePeriod(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, reason string, now time.Time) (billing.Invoice, error) {
	inv, err := a.draftPeriodInvoice(m, sub, reason, now)
	if err != nil {
		return inv, err
	}
	if err := a.convertUF(ctx, tx, m, &inv); err != nil {
		var miss *ufMissing
		if errors.As(err, &miss) && ufWaiting(ctx) {
			// The source was asked and has no value: the invoice waits
			// (docs/uf.md), a draft that RetryUFWaits finalizes.
			return a.waitForUF(ctx, tx, inv, miss.date, now)
		}
		return inv, err
	}
	return a.writeInvoice(ctx, tx, m, sub, inv, now)
}

// draftPeriodInvoice builds the draft invoice of sub's current period:
// the items' lines, named in m's line language (lineText) from the product
// names the items carry, and the prorations waiting for it (which it
// takes).
func (a *Invoicing) draftPeriodInvoice(m billing.Merchant, sub *billing.Subscription, reason string, now time.Time) (billing.Invoice, error) {
	text := lineText(m)
	inv := billing.Invoice{
		ID: billing.NewID(billing.PrefixInvoice, a.Now()), Scope: sub.Scope, CustomerID: sub.CustomerID,
		SubscriptionID: sub.ID, Status: billing.InvoiceDraft, BillingReason: reason, Currency: sub.Currency,
		PeriodStart: sub.CurrentPeriodStart, PeriodEnd: sub.CurrentPeriodEnd, Created: now, Updated: now,
	}
	for _, it := range sub.Items {
		amount, err := billing.ItemTotal(billing.ProrationItem{PriceID: it.PriceID, UnitAmount: it.UnitAmount, Quantity: it.Quantity})
		if err != nil {
			return inv, err
		}
		inv.Lines = append(inv.Lines, billing.InvoiceLine{ID: billing.NewID(billing.PrefixInvoiceLine, a.Now()),
			Type: billing.LineSubscription, Description: text.Subscription(it.ProductName, it.Quantity, inv.PeriodStart, inv.PeriodEnd),
			PriceID: it.PriceID, Quantity: it.Quantity, Amount: amount, PeriodStart: inv.PeriodStart, PeriodEnd: inv.PeriodEnd,
			TaxRates: it.TaxRates})
		if it.Currency == billing.CurrencyUF {
			// In UF until converted at the invoice's day (convertUF).
			billing.UFLine(&inv.Lines[len(inv.Lines)-1], amount)
			continue
		}
		inv.Subtotal += amount
	}
	// Prorations waiting for this invoice (create_prorations) join it.
	for _, l := range sub.PendingLines {
		inv.Lines = append(inv.Lines, l)
		inv.Subtotal += l.Amount
	}
	sub.PendingLines = nil
	return inv, nil
}

// subscriptionCoupon returns sub's coupon, or nil. Its Name is what the
// customer knows it by (couponLabel): the discount line is called so.
func (a *Invoicing) subscriptionCoupon(ctx context.Context, tx billing.Tx, sub *billing.Subscription) (*billing.Coupon, error) {
	if sub.CouponID == "" {
		return nil, nil
	}
	c, err := tx.Coupons.GetCoupon(ctx, sub.Scope, sub.CouponID)
	if err != nil {
		return nil, fmt.Errorf("read coupon %s: %w", sub.CouponID, err)
	}
	if c.Name, err = couponLabel(ctx, tx, sub, c); err != nil {
		return nil, err
	}
	return &c, nil
}

// customerExempt reports whether sub's customer is tax exempt.
func (a *Invoicing) customerExempt(ctx context.Context, tx billing.Tx, sub *billing.Subscription) (bool, error) {
	cus, err := tx.Customers.GetCustomer(ctx, sub.Scope, sub.CustomerID)
	if err != nil {
		return false, fmt.Errorf("read customer %s: %w", sub.CustomerID, err)
	}
	return cus.IsTaxExempt(), nil
}

// writeInvoice prices, stores and finalizes inv.
func (a *Invoicing) writeInvoice(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, inv billing.Invoice, now time.Time) (billing.Invoice, error) {
	exempt, err := a.customerExempt(ctx, tx, sub)
	if err != nil {
		return inv, err
	}
	inv, err = a.insertDraft(ctx, tx, m, sub, exempt, inv, now)
	if err != nil {
		return inv, err
	}
	if err := openInvoice(&inv, now); err != nil {
		return inv, err
	}
	return inv, a.numberInvoice(ctx, tx, m, &inv, nil, now)
}

// priceForCustomer prices inv (priceInvoice) with what it reads of the
// subscription's coupon and customer: the exempt flag and the balance.
// Every path that prices one subscription invoice at a time reads them
// here; the batched sweep reads them per batch instead.
func (a *Invoicing) priceForCustomer(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, inv *billing.Invoice) (int64, error) {
	exempt, err := a.customerExempt(ctx, tx, sub)
	if err != nil {
		return 0, err
	}
	return a.priceWithExempt(ctx, tx, m, sub, exempt, inv)
}

// priceWithExempt is priceForCustomer for a caller that has read the
// customer already and knows whether it is exempt.
func (a *Invoicing) priceWithExempt(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, exempt bool, inv *billing.Invoice) (int64, error) {
	coupon, err := a.subscriptionCoupon(ctx, tx, sub)
	if err != nil {
		return 0, err
	}
	bal, err := customerBalance(ctx, tx, sub.Scope, sub.CustomerID)
	if err != nil {
		return 0, err
	}
	return a.priceInvoice(m, sub, coupon, exempt, inv, bal)
}

// insertDraft prices inv (exempt: whether sub's customer is tax exempt)
// and writes it as a draft, with its invoice.created event. A period that
// is already invoiced returns errAlreadyInvoiced.
func (a *Invoicing) insertDraft(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, exempt bool, inv billing.Invoice, now time.Time) (billing.Invoice, error) {
	change, err := a.priceWithExempt(ctx, tx, m, sub, exempt, &inv)
	if err != nil {
		return inv, err
	}
	if err := tx.Invoices.CreateInvoice(ctx, inv); err != nil {
		var uv *billing.ErrUniqueViolation
		if errors.As(err, &uv) && uv.Constraint == "invoices_subscription_period_key" {
			return inv, errAlreadyInvoiced
		}
		return inv, fmt.Errorf("create invoice: %w", err)
	}
	if err := a.emit(ctx, tx, sub.Scope, EventInvoiceCreated, "invoice", inv.ID, inv, now); err != nil {
		return inv, err
	}
	// The balance the invoice uses is recorded with it (its finalization
	// follows in this transaction).
	if err := a.recordBalanceUse(ctx, tx, inv, change, now); err != nil {
		return inv, err
	}
	return inv, nil
}

// numberInvoice gives inv, finalized in memory (openInvoice), its number
// from the merchant's gapless counter, writes it and emits
// invoice.finalized (and invoice.paid when nothing was due). The counter's
// row stays locked until the transaction ends, and every invoice of the
// merchant waits for it: callers take it as late in their transaction as
// they can. The events report finalized, the invoice as finalization left
// it (inv itself when nil), which gets the number too.
func (a *Invoicing) numberInvoice(ctx context.Context, tx billing.Tx, m billing.Merchant, inv, finalized *billing.Invoice, now time.Time) error {
	n, err := tx.Invoices.NextInvoiceNumber(ctx, inv.Scope)
	if err != nil {
		return fmt.Errorf("number invoice: %w", err)
	}
	inv.Number = invoiceNumber(m, n)
	if err := tx.Invoices.UpdateInvoice(ctx, *inv); err != nil {
		return fmt.Errorf("finalize invoice %s: %w", inv.ID, err)
	}
	if err := a.auditUFRates(ctx, tx, *inv); err != nil {
		return err
	}
	if finalized == nil {
		finalized = inv
	}
	finalized.Number = inv.Number
	if err := a.emit(ctx, tx, inv.Scope, EventInvoiceFinalized, "invoice", inv.ID, *finalized, now); err != nil {
		return err
	}
	if finalized.Status == billing.InvoicePaid {
		return a.emit(ctx, tx, inv.Scope, EventInvoicePaid, "invoice", inv.ID, *finalized, now)
	}
	return nil
}

// priceInvoice applies the discount, taxes the lines (billing.
// ComputeInvoiceTax: each line by the rates it carries, none for an exempt
// customer), totals inv and uses bal, the customer's balance
// (billing.ApplyBalance): its credit pays what it covers, what it owes is
// added, and a negative total (a downgrade's proration credit) goes to it.
// It returns the balance change the caller records (recordBalanceUse). A
// balance in another currency is left alone; a negative total then waits,
// as a pending line, for the subscription's next invoice, so that it is
// never lost. Every path that makes or previews a subscription invoice
// prices it here, so all of them tax alike.
func (a *Invoicing) priceInvoice(m billing.Merchant, sub *billing.Subscription, coupon *billing.Coupon, exempt bool, inv *billing.Invoice, bal billing.CustomerBalance) (int64, error) {
	if err := a.applyDiscount(m, sub, coupon, inv); err != nil {
		return 0, err
	}
	tax, err := billing.ComputeInvoiceTax(inv.Lines, inv.Discount, exempt)
	if err != nil {
		return 0, err
	}
	inv.Tax, inv.TaxAmounts = tax.Tax, tax.Amounts
	inv.Total = tax.Total(inv.Subtotal, inv.Discount)
	inv.AmountDue = inv.Total
	if bal.Currency != "" && bal.Currency != inv.Currency {
		if inv.Total < 0 {
			inv.AmountDue = 0
			sub.PendingLines = append(sub.PendingLines, billing.InvoiceLine{ID: billing.NewID(billing.PrefixInvoiceLine, a.Now()),
				Type: billing.LineProration, Description: lineText(m).CarriedCredit(), Quantity: 1,
				Amount: inv.Total, PeriodStart: inv.PeriodStart, PeriodEnd: inv.PeriodEnd})
		}
		return 0, nil
	}
	use := billing.ApplyBalance(inv.Total, bal.Balance)
	inv.AmountDue = use.AmountDue
	inv.StartingBalance = bal.Balance
	inv.EndingBalance = bal.Balance + use.Change
	if use.Change == 0 {
		inv.StartingBalance, inv.EndingBalance = 0, 0
	}
	return use.Change, nil
}

// customerBalance reads the balance of inv's customer, for pricing it.
func customerBalance(ctx context.Context, tx billing.Tx, s billing.Scope, customerID string) (billing.CustomerBalance, error) {
	bal, err := tx.Credits.GetCustomerBalance(ctx, s, customerID)
	if err != nil {
		return bal, fmt.Errorf("read balance of customer %s: %w", customerID, err)
	}
	return bal, nil
}

// recordBalanceUse writes the balance transaction of what a finalized
// invoice did with its customer's balance (change, from priceInvoice).
func (a *Invoicing) recordBalanceUse(ctx context.Context, tx billing.Tx, inv billing.Invoice, change int64, now time.Time) error {
	if change == 0 {
		return nil
	}
	bt := billing.BalanceTransaction{ID: billing.NewID(billing.PrefixBalanceTransaction, a.Now()), Scope: inv.Scope,
		CustomerID: inv.CustomerID, Type: billing.BalanceAppliedToInvoice, Amount: change, Currency: inv.Currency,
		EndingBalance: inv.EndingBalance, InvoiceID: inv.ID, Created: now}
	if err := tx.Credits.AddBalanceTransaction(ctx, bt); err != nil {
		return fmt.Errorf("apply balance to invoice %s: %w", inv.ID, err)
	}
	return nil
}

// applyDiscount adds the coupon's discount line to inv when it applies to
// the invoice's period: once (the first invoice only), repeating (periods
// that start within N months of the first discounted one) or forever.
// Percent discounts round once per invoice; amount discounts never exceed
// the subtotal. Plan-change invoices are not discounted.
func (a *Invoicing) applyDiscount(m billing.Merchant, sub *billing.Subscription, c *billing.Coupon, inv *billing.Invoice) error {
	if c == nil || inv.Subtotal <= 0 || inv.BillingReason == billing.ReasonSubscriptionUpdate {
		return nil
	}
	switch c.Duration {
	case billing.DurationOnce:
		if sub.DiscountUsed {
			return nil
		}
	case billing.DurationRepeating:
		if sub.DiscountEnd == nil {
			end, err := periodBoundary("coupon", inv.PeriodStart, billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: c.DurationInMonths}, 1, merchantLocation(m))
			if err != nil {
				return err
			}
			sub.DiscountEnd = &end
		}
		if !inv.PeriodStart.Before(*sub.DiscountEnd) {
			return nil
		}
	}
	off, err := billing.DiscountAmount(*c, inv.Subtotal)
	if err != nil {
		return err
	}
	sub.DiscountUsed = true
	inv.Discount = off
	inv.Lines = append(inv.Lines, billing.InvoiceLine{ID: billing.NewID(billing.PrefixInvoiceLine, a.Now()),
		Type: billing.LineDiscount, Description: lineText(m).Discount(c.Name, *c), Quantity: 1, Amount: -off,
		PeriodStart: inv.PeriodStart, PeriodEnd: inv.PeriodEnd})
	return nil
}

// finalizeInvoice numbers a draft invoice (n is its place in the gapless
// sequence of its merchant and mode) and opens it; a zero invoice is paid
// at once. An invoice that is not a draft is a conflict, left unchanged.
func finalizeInvoice(m billing.Merchant, inv *billing.Invoice, n int64, now time.Time) error {
	if err := openInvoice(inv, now); err != nil {
		return err
	}
	inv.Number = invoiceNumber(m, n)
	return nil
}

// invoiceNumber is the number of a merchant's n-th invoice.
func invoiceNumber(m billing.Merchant, n int64) string {
	return fmt.Sprintf("%s-%06d", m.InvoicePrefix, n)
}

// openInvoice is finalizeInvoice without the number, for a caller that
// takes the number last in its transaction (numberInvoice).
func openInvoice(inv *billing.Invoice, now time.Time) error {
	to := billing.InvoiceOpen
	if inv.AmountDue == 0 {
		to = billing.InvoicePaid
	}
	if inv.Status != billing.InvoiceDraft {
		return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "cannot finalize an invoice that is %s", inv.Status)
	}
	if err := billing.MoveInvoice(inv, to); err != nil {
		return err
	}
	inv.FinalizedAt = &now
	if to == billing.InvoicePaid {
		inv.PaidAt = &now
	}
	inv.Updated = now
	return nil
}

// startPayment records the next payment attempt of an open invoice, before any
// gateway is called (docs/architecture.md, "Charging exactly once"). Its
// idempotency key is the invoice id and attempt number. It returns nil for an
// invoice with nothing due.
func (a *Invoicing) startPayment(ctx context.Context, tx billing.Tx, inv *billing.Invoice, sub *billing.Subscription, now time.Time) (*billing.Payment, error) {
	c, err := a.startCharge(ctx, tx, inv, sub, now)
	if c == nil || err != nil {
		return nil, err
	}
	return &c.pay, nil
}

// newCharge is a payment just written, with the card it charges: what the
// gateway call after the commit needs, so that it need not read them again.
type newCharge struct {
	pay billing.Payment
	pm  billing.PaymentMethod
}

// startCharge is startPayment returning the card too.
func (a *Invoicing) startCharge(ctx context.Context, tx billing.Tx, inv *billing.Invoice, sub *billing.Subscription, now time.Time) (*newCharge, error) {
	if !chargesAtOnce(*inv) {
		return nil, nil
	}
	pm, err := tx.PaymentMethods.GetPaymentMethod(ctx, inv.Scope, sub.PaymentMethodID)
	if err != nil {
		return nil, fmt.Errorf("read payment method %s: %w", sub.PaymentMethodID, err)
	}
	pay, err := a.recordPayment(ctx, tx, inv, pm, now, a.processingTime(sub, now), "")
	if pay == nil || err != nil {
		return nil, err
	}
	return &newCharge{pay: *pay, pm: pm}, nil
}

// chargesAtOnce reports whether a just-invoiced period is charged now: an
// uncollectible invoice is charged only when asked (PayInvoice reopens it).
func chargesAtOnce(inv billing.Invoice) bool {
	return inv.Status == billing.InvoiceOpen && billing.CanCharge(inv, nil) == billing.ChargeAllowed
}

// recordPayment writes inv's next payment attempt with pm (its invoice
// counts it) and the payment.created event; a saved card (pm.ID set) must
// be active. returnURL is where a pay-page attempt's browser ends up (""
// otherwise).
func (a *Invoicing) recordPayment(ctx context.Context, tx billing.Tx, inv *billing.Invoice, pm billing.PaymentMethod, now, processing time.Time, returnURL string) (*billing.Payment, error) {
	p, err := a.insertPayment(ctx, tx, inv, pm, now, processing, returnURL)
	if err != nil {
		return nil, err
	}
	if err := tx.Invoices.UpdateInvoice(ctx, *inv); err != nil {
		return nil, fmt.Errorf("update invoice %s: %w", inv.ID, err)
	}
	if err := a.emit(ctx, tx, inv.Scope, EventPaymentCreated, "payment", p.ID, p, now); err != nil {
		return nil, err
	}
	return &p, nil
}

// insertPayment is recordPayment's first half: it writes the payment row
// and counts the attempt on inv in memory; the caller writes inv and
// emits payment.created.
func (a *Invoicing) insertPayment(ctx context.Context, tx billing.Tx, inv *billing.Invoice, pm billing.PaymentMethod, now, processing time.Time, returnURL string) (billing.Payment, error) {
	if pm.ID != "" && pm.Status != billing.PaymentMethodActive {
		// Detached (its customer was deleted): every charge of a saved
		// card is recorded here, so nothing charges it again.
		return billing.Payment{}, billing.Invalid("payment_method", billing.CodeParameterInvalid, "payment method %s is detached and cannot be charged", pm.ID)
	}
	p := a.newPayment(inv, pm, now, processing)
	p.ReturnURL = returnURL
	if pm.ID == "" {
		inv.NextAttemptAt = nil // a pay-page attempt: only the customer pays it; cuota attempts nothing
	}
	if err := tx.Payments.CreatePayment(ctx, p); err != nil {
		return billing.Payment{}, fmt.Errorf("create payment: %w", err)
	}
	return p, nil
}

// newPayment builds the next payment attempt of inv with pm at now (the
// invoice counts the attempt). Until the attempt resolves, the invoice's
// next action is to resolve it — a while after `processing`, the time the
// gateway is actually called — so a crash between recording and the
// gateway's answer is recovered then, and never while the original call
// may still be in flight.
func (a *Invoicing) newPayment(inv *billing.Invoice, pm billing.PaymentMethod, now, processing time.Time) billing.Payment {
	inv.AttemptCount++
	at := processing.Add(billing.ReconcileDelay(0))
	inv.NextAttemptAt = &at
	inv.Updated = now
	return billing.Payment{
		ID: billing.NewID(billing.PrefixPayment, a.Now()), Scope: inv.Scope, InvoiceID: inv.ID,
		CustomerID: inv.CustomerID, Attempt: inv.AttemptCount, Gateway: pm.Gateway, PaymentMethodID: pm.ID,
		Amount: inv.AmountDue, Currency: inv.Currency, IdempotencyKey: billing.PaymentIdempotencyKey(inv.ID, inv.AttemptCount),
		// Created is the billing time (a period end, maybe back-dated when a
		// sweep catches up); Updated is when the attempt is really made, the
		// base of the reconciliation backoff.
		Status: billing.PaymentPending, Created: now, Updated: processing,
	}
}

// processingTime is when work on sub due at `at` really happens: its test
// clock's time (which is `at` while the clock runs), or — in real time,
// where a sweep may be catching up on periods that ended earlier — now.
func (a *Invoicing) processingTime(sub *billing.Subscription, at time.Time) time.Time {
	if sub.TestClockID != "" {
		return at
	}
	if now := a.Now(); now.After(at) {
		return now
	}
	return at
}

// GetInvoice returns an invoice of scope s.
func (a *Invoicing) GetInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Invoice, error) { return a.getInvoice(ctx, tx, s, id) })
}

// GetInvoiceRefundLeft returns an invoice as GetInvoice does, with the
// most a refund of it can still return — billing.RefundLeft over what
// CreateCreditNote decides with (the invoice's credited amount, its
// payment's unrefunded part) — from one read: the console's invoice page
// and its refund form.
func (a *Invoicing) GetInvoiceRefundLeft(ctx context.Context, s billing.Scope, id string) (billing.Invoice, int64, error) {
	var left int64
	inv, err := read(ctx, a.core, func(tx billing.Tx) (billing.Invoice, error) {
		inv, err := a.getInvoice(ctx, tx, s, id)
		if err != nil {
			return inv, err
		}
		left, err = refundLeft(ctx, tx, inv)
		return inv, err
	})
	return inv, left, err
}

// getInvoice reads an invoice with its tax document, UF wait and hosted
// page's address.
func (a *Invoicing) getInvoice(ctx context.Context, tx billing.Tx, s billing.Scope, id string) (billing.Invoice, error) {
	v, err := tx.Invoices.GetInvoice(ctx, s, id)
	if err != nil {
		return v, notFound(err, "invoice", id)
	}
	one := []billing.Invoice{v}
	if err := withTaxDocuments(ctx, tx, s, one); err != nil {
		return v, err
	}
	if err := withUFWait(ctx, tx, &one[0]); err != nil {
		return v, err
	}
	err = a.payPages.withHostedURLs(ctx, tx, s, one)
	return one[0], err
}

// GetInvoices returns the invoices of ids in scope s as stored (without
// GetInvoice's tax document, UF wait and hosted address), by id, in one
// read: the numbers a page of payments or refunds shows. Ids not found
// are absent. At most maxBatchIDs ids.
func (a *Invoicing) GetInvoices(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Invoice, error) {
	return readByIDs(ctx, a.core, ids, func(tx billing.Tx, ids []string) (map[string]billing.Invoice, error) {
		return tx.Invoices.GetInvoices(ctx, s, ids)
	})
}

// ListInvoices lists invoices of scope s, newest first.
func (a *Invoicing) ListInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter, page billing.Page) (List[billing.Invoice], error) {
	return list(ctx, a.core, page, billing.PrefixInvoice, func(tx billing.Tx, page billing.Page) ([]billing.Invoice, bool, error) {
		l, more, err := tx.Invoices.ListInvoices(ctx, s, f, page)
		if err != nil {
			return nil, false, err
		}
		if err := withTaxDocuments(ctx, tx, s, l); err != nil {
			return nil, false, err
		}
		return l, more, a.payPages.withHostedURLs(ctx, tx, s, l)
	})
}

package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb"
)

// The subscription lifecycle (billing.LifecycleTx).

// Test clocks.

// CreateTestClock inserts c.
func (t *tx) CreateTestClock(ctx context.Context, c billing.TestClock) error {
	err := t.q.CreateTestClock(ctx, litedb.CreateTestClockParams{
		ID:         c.ID,
		MerchantID: c.Scope.MerchantID,
		Mode:       string(c.Scope.Mode),
		Name:       c.Name,
		FrozenTime: micros(c.FrozenTime),
		Status:     c.Status,
		Created:    micros(c.Created),
		Updated:    micros(c.Updated),
	})
	if err != nil {
		return dbError(err, "create test clock %s", c.ID)
	}
	return nil
}

// GetTestClock returns the test clock with id in scope s.
func (t *tx) GetTestClock(ctx context.Context, s billing.Scope, id string) (billing.TestClock, error) {
	row, err := t.q.GetTestClock(ctx, litedb.GetTestClockParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.TestClock{}, dbError(err, "get test clock %s", id)
	}
	return testClockFromRow(row)
}

// UpdateTestClock writes c's frozen time, status and updated.
func (t *tx) UpdateTestClock(ctx context.Context, c billing.TestClock) error {
	n, err := t.q.UpdateTestClock(ctx, litedb.UpdateTestClockParams{
		FrozenTime:    micros(c.FrozenTime),
		Status:        c.Status,
		Updated:       micros(c.Updated),
		AdvanceTarget: nullMicros(c.AdvanceTarget),
		MerchantID:    c.Scope.MerchantID,
		Mode:          string(c.Scope.Mode),
		ID:            c.ID,
	})
	return notFoundIfNone(n, err, "update test clock %s", c.ID)
}

// LeaseTestClock takes or renews an advance's lease on clock id. SQLite
// has one writer, so the conditional UPDATE cannot race another.
func (t *tx) LeaseTestClock(ctx context.Context, id, token string, until, now time.Time) (bool, error) {
	n, err := t.q.LeaseTestClock(ctx, litedb.LeaseTestClockParams{AdvanceToken: token, AdvancingUntil: nullMicros(&until),
		ID: id, Now: nullMicros(&now)})
	if err != nil {
		return false, dbError(err, "lease test clock %s", id)
	}
	return n == 1, nil
}

// EndTestClockLease drops clock id's lease.
func (t *tx) EndTestClockLease(ctx context.Context, id string) error {
	if err := t.q.EndTestClockLease(ctx, id); err != nil {
		return dbError(err, "end lease of test clock %s", id)
	}
	return nil
}

// AbandonedTestClocks returns up to limit advancing clocks whose lease
// ended before now.
func (t *tx) AbandonedTestClocks(ctx context.Context, now time.Time, limit int) ([]billing.TestClock, error) {
	n := int64(limit)
	if limit <= 0 {
		n = -1
	}
	rows, err := t.q.AbandonedTestClocks(ctx, litedb.AbandonedTestClocksParams{Now: nullMicros(&now), RowLimit: n})
	if err != nil {
		return nil, dbError(err, "list abandoned test clocks")
	}
	return convertRows(rows, testClockFromRow)
}

// ListTestClocks returns a page of s's test clocks, newest first.
func (t *tx) ListTestClocks(ctx context.Context, s billing.Scope, page billing.Page) ([]billing.TestClock, bool, error) {
	rows, err := t.q.ListTestClocks(ctx, litedb.ListTestClocksParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list test clocks")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, testClockFromRow)
	return out, more, err
}

func testClockFromRow(row litedb.TestClock) (billing.TestClock, error) {
	return billing.TestClock{
		ID:            row.ID,
		Scope:         billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Name:          row.Name,
		FrozenTime:    fromMicros(row.FrozenTime),
		Status:        row.Status,
		Created:       fromMicros(row.Created),
		Updated:       fromMicros(row.Updated),
		AdvanceTarget: fromNullMicros(row.AdvanceTarget),
	}, nil
}

// Payment methods.

// CreatePaymentMethod inserts pm.
func (t *tx) CreatePaymentMethod(ctx context.Context, pm billing.PaymentMethod) error {
	err := t.q.CreatePaymentMethod(ctx, litedb.CreatePaymentMethodParams{
		ID:         pm.ID,
		MerchantID: pm.Scope.MerchantID,
		Mode:       string(pm.Scope.Mode),
		CustomerID: pm.CustomerID,
		Gateway:    pm.Gateway,
		Token:      pm.Token,
		Brand:      pm.Brand,
		Last4:      pm.Last4,
		ExpMonth:   pm.ExpMonth,
		ExpYear:    pm.ExpYear,
		Status:     pm.Status,
		Created:    micros(pm.Created),
		Updated:    micros(pm.Updated),
	})
	if err != nil {
		return dbError(err, "create payment method %s", pm.ID)
	}
	return nil
}

// GetPaymentMethod returns the payment method with id in scope s.
func (t *tx) GetPaymentMethod(ctx context.Context, s billing.Scope, id string) (billing.PaymentMethod, error) {
	row, err := t.q.GetPaymentMethod(ctx, litedb.GetPaymentMethodParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PaymentMethod{}, dbError(err, "get payment method %s", id)
	}
	return paymentMethodFromRow(row)
}

// UpdatePaymentMethod writes pm's status and updated.
func (t *tx) UpdatePaymentMethod(ctx context.Context, pm billing.PaymentMethod) error {
	n, err := t.q.UpdatePaymentMethod(ctx, litedb.UpdatePaymentMethodParams{
		Status:     pm.Status,
		Updated:    micros(pm.Updated),
		MerchantID: pm.Scope.MerchantID,
		Mode:       string(pm.Scope.Mode),
		ID:         pm.ID,
	})
	return notFoundIfNone(n, err, "update payment method %s", pm.ID)
}

// ListPaymentMethods returns every payment method of a customer in s, newest first.
func (t *tx) ListPaymentMethods(ctx context.Context, s billing.Scope, customerID string) ([]billing.PaymentMethod, error) {
	rows, err := t.q.ListPaymentMethods(ctx, litedb.ListPaymentMethodsParams{
		MerchantID: s.MerchantID,
		Mode:       string(s.Mode),
		CustomerID: customerID,
	})
	if err != nil {
		return nil, dbError(err, "list payment methods of customer %s", customerID)
	}
	return convertRows(rows, paymentMethodFromRow)
}

func paymentMethodFromRow(row litedb.PaymentMethod) (billing.PaymentMethod, error) {
	return billing.PaymentMethod{
		ID:         row.ID,
		Scope:      billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		CustomerID: row.CustomerID,
		Gateway:    row.Gateway,
		Token:      row.Token,
		Brand:      row.Brand,
		Last4:      row.Last4,
		ExpMonth:   row.ExpMonth,
		ExpYear:    row.ExpYear,
		Status:     row.Status,
		Created:    fromMicros(row.Created),
		Updated:    fromMicros(row.Updated),
	}, nil
}

// Subscriptions.

// subscriptionColumns are the stored forms of a subscription's JSON and
// derived columns.
type subscriptionColumns struct {
	items, priceIDs, pendingChange, pendingLines, metadata string
}

func subscriptionJSON(sub billing.Subscription) (subscriptionColumns, error) {
	var c subscriptionColumns
	var err error
	if c.items, err = encodeList(sub.Items); err != nil {
		return c, fmt.Errorf("encode items: %w", err)
	}
	c.priceIDs = priceIDs(sub.Items)
	var pending *billing.PendingChange
	if sub.PendingChange != nil {
		p := *sub.PendingChange
		p.EffectiveAt = storedTime(p.EffectiveAt)
		pending = &p
	}
	if c.pendingChange, err = encodeJSON(pending); err != nil { // "null" when nil
		return c, fmt.Errorf("encode pending change: %w", err)
	}
	if c.pendingLines, err = encodeLines(sub.PendingLines); err != nil {
		return c, fmt.Errorf("encode pending lines: %w", err)
	}
	if c.metadata, err = encodeMap(sub.Metadata); err != nil {
		return c, fmt.Errorf("encode metadata: %w", err)
	}
	return c, nil
}

// priceIDs is the price_ids column of a subscription with items: its price
// ids between commas (",price_a,price_b,"; "," without items), so that
// LIKE '%,<id>,%' finds the subscriptions with a price.
func priceIDs(items []billing.SubscriptionItem) string {
	var b strings.Builder
	b.WriteString(",")
	for _, it := range items {
		b.WriteString(it.PriceID)
		b.WriteString(",")
	}
	return b.String()
}

// CreateSubscription inserts sub with version 1, whatever sub.Version says.
func (t *tx) CreateSubscription(ctx context.Context, sub billing.Subscription) error {
	cols, err := subscriptionJSON(sub)
	if err != nil {
		return fmt.Errorf("create subscription %s: %w", sub.ID, err)
	}
	err = t.q.CreateSubscription(ctx, litedb.CreateSubscriptionParams{
		ID:                 sub.ID,
		MerchantID:         sub.Scope.MerchantID,
		Mode:               string(sub.Scope.Mode),
		CustomerID:         sub.CustomerID,
		TestClockID:        sub.TestClockID,
		Status:             string(sub.Status),
		Items:              cols.items,
		PriceIds:           cols.priceIDs,
		Currency:           sub.Currency,
		Interval:           sub.Recurring.Interval,
		IntervalCount:      sub.Recurring.IntervalCount,
		PaymentMethodID:    sub.PaymentMethodID,
		BillingAnchor:      micros(sub.BillingAnchor),
		CycleIndex:         sub.CycleIndex,
		CurrentPeriodStart: micros(sub.CurrentPeriodStart),
		CurrentPeriodEnd:   micros(sub.CurrentPeriodEnd),
		TrialStart:         nullMicros(sub.TrialStart),
		TrialEnd:           nullMicros(sub.TrialEnd),
		TrialWillEndSent:   sub.TrialWillEndSent,
		CancelAtPeriodEnd:  sub.CancelAtPeriodEnd,
		CancelAt:           nullMicros(sub.CancelAt),
		CanceledAt:         nullMicros(sub.CanceledAt),
		CancellationReason: string(sub.CancellationReason),
		EndedAt:            nullMicros(sub.EndedAt),
		MaxCycles:          sub.MaxCycles,
		EndDate:            nullMicros(sub.EndDate),
		PendingChange:      cols.pendingChange,
		PendingLines:       cols.pendingLines,
		CouponID:           sub.CouponID,
		PromotionCodeID:    sub.PromotionCodeID,
		DiscountEnd:        nullMicros(sub.DiscountEnd),
		DiscountUsed:       sub.DiscountUsed,
		NextActionAt:       nullMicros(sub.NextActionAt),
		Metadata:           cols.metadata,
		Created:            micros(sub.Created),
		Updated:            micros(sub.Updated),
	})
	if err != nil {
		return dbError(err, "create subscription %s", sub.ID)
	}
	return nil
}

// GetSubscription returns the subscription with id in scope s.
func (t *tx) GetSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
	row, err := t.q.GetSubscription(ctx, litedb.GetSubscriptionParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Subscription{}, dbError(err, "get subscription %s", id)
	}
	return subscriptionFromRow(row)
}

// UpdateSubscription writes sub's mutable fields and bumps its version if
// the stored version is still sub.Version; otherwise it returns
// billing.ErrVersionConflict (or billing.ErrNotFound if there is no such
// subscription).
func (t *tx) UpdateSubscription(ctx context.Context, sub billing.Subscription) error {
	cols, err := subscriptionJSON(sub)
	if err != nil {
		return fmt.Errorf("update subscription %s: %w", sub.ID, err)
	}
	n, err := t.q.UpdateSubscription(ctx, litedb.UpdateSubscriptionParams{
		Status:             string(sub.Status),
		Items:              cols.items,
		PriceIds:           cols.priceIDs,
		Currency:           sub.Currency,
		Interval:           sub.Recurring.Interval,
		IntervalCount:      sub.Recurring.IntervalCount,
		PaymentMethodID:    sub.PaymentMethodID,
		BillingAnchor:      micros(sub.BillingAnchor),
		CycleIndex:         sub.CycleIndex,
		CurrentPeriodStart: micros(sub.CurrentPeriodStart),
		CurrentPeriodEnd:   micros(sub.CurrentPeriodEnd),
		TrialStart:         nullMicros(sub.TrialStart),
		TrialEnd:           nullMicros(sub.TrialEnd),
		TrialWillEndSent:   sub.TrialWillEndSent,
		CancelAtPeriodEnd:  sub.CancelAtPeriodEnd,
		CancelAt:           nullMicros(sub.CancelAt),
		CanceledAt:         nullMicros(sub.CanceledAt),
		CancellationReason: string(sub.CancellationReason),
		EndedAt:            nullMicros(sub.EndedAt),
		MaxCycles:          sub.MaxCycles,
		EndDate:            nullMicros(sub.EndDate),
		PendingChange:      cols.pendingChange,
		PendingLines:       cols.pendingLines,
		CouponID:           sub.CouponID,
		PromotionCodeID:    sub.PromotionCodeID,
		DiscountEnd:        nullMicros(sub.DiscountEnd),
		DiscountUsed:       sub.DiscountUsed,
		NextActionAt:       nullMicros(sub.NextActionAt),
		Metadata:           cols.metadata,
		Updated:            micros(sub.Updated),
		MerchantID:         sub.Scope.MerchantID,
		Mode:               string(sub.Scope.Mode),
		ID:                 sub.ID,
		Version:            sub.Version,
	})
	if err != nil {
		return dbError(err, "update subscription %s", sub.ID)
	}
	if n > 0 {
		return nil
	}
	// Nothing matched: a missing row, or one whose version moved on.
	if _, err := t.GetSubscription(ctx, sub.Scope, sub.ID); err != nil {
		return fmt.Errorf("update subscription %s: %w", sub.ID, err)
	}
	return fmt.Errorf("update subscription %s at version %d: %w", sub.ID, sub.Version, billing.ErrVersionConflict)
}

// ListSubscriptions returns a page of s's subscriptions, newest first.
func (t *tx) ListSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter, page billing.Page) ([]billing.Subscription, bool, error) {
	rows, err := t.q.ListSubscriptions(ctx, litedb.ListSubscriptionsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		CustomerID:    f.CustomerID,
		Status:        string(f.Status),
		PriceID:       f.PriceID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list subscriptions")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, subscriptionFromRow)
	return out, more, err
}

// DueSubscriptions returns up to limit (all when limit <= 0) subscriptions
// on test clock clockID ("" = real time) whose next action is due at t,
// earliest first.
func (t *tx) DueSubscriptions(ctx context.Context, clockID string, at time.Time, limit int) ([]billing.Subscription, error) {
	n := int64(limit)
	if limit <= 0 {
		n = -1 // no limit
	}
	rows, err := t.q.DueSubscriptions(ctx, litedb.DueSubscriptionsParams{
		TestClockID: clockID,
		DueBefore:   nullMicros(&at),
		RowLimit:    n,
	})
	if err != nil {
		return nil, dbError(err, "list due subscriptions of clock %q", clockID)
	}
	return convertRows(rows, subscriptionFromRow)
}

func subscriptionFromRow(row litedb.Subscription) (billing.Subscription, error) {
	items, err := decodeList[billing.SubscriptionItem](row.Items)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("decode items of subscription %s: %w", row.ID, err)
	}
	pendingLines, err := decodeList[billing.InvoiceLine](row.PendingLines)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("decode pending lines of subscription %s: %w", row.ID, err)
	}

	var pending *billing.PendingChange
	if err := json.Unmarshal([]byte(row.PendingChange), &pending); err != nil {
		return billing.Subscription{}, fmt.Errorf("decode pending change of subscription %s: %w", row.ID, err)
	}
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("decode metadata of subscription %s: %w", row.ID, err)
	}
	return billing.Subscription{
		ID:                 row.ID,
		Scope:              billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Version:            row.Version,
		CustomerID:         row.CustomerID,
		TestClockID:        row.TestClockID,
		Status:             billing.SubscriptionStatus(row.Status),
		Items:              items,
		Currency:           row.Currency,
		Recurring:          billing.Recurring{Interval: row.Interval, IntervalCount: row.IntervalCount},
		PaymentMethodID:    row.PaymentMethodID,
		BillingAnchor:      fromMicros(row.BillingAnchor),
		CycleIndex:         row.CycleIndex,
		CurrentPeriodStart: fromMicros(row.CurrentPeriodStart),
		CurrentPeriodEnd:   fromMicros(row.CurrentPeriodEnd),
		TrialStart:         fromNullMicros(row.TrialStart),
		TrialEnd:           fromNullMicros(row.TrialEnd),
		TrialWillEndSent:   row.TrialWillEndSent,
		CancelAtPeriodEnd:  row.CancelAtPeriodEnd,
		CancelAt:           fromNullMicros(row.CancelAt),
		CanceledAt:         fromNullMicros(row.CanceledAt),
		CancellationReason: billing.CancellationReason(row.CancellationReason),
		EndedAt:            fromNullMicros(row.EndedAt),
		MaxCycles:          row.MaxCycles,
		EndDate:            fromNullMicros(row.EndDate),
		PendingChange:      pending,
		PendingLines:       pendingLines,
		CouponID:           row.CouponID,
		PromotionCodeID:    row.PromotionCodeID,
		DiscountEnd:        fromNullMicros(row.DiscountEnd),
		DiscountUsed:       row.DiscountUsed,
		NextActionAt:       fromNullMicros(row.NextActionAt),
		Metadata:           metadata,
		Created:            fromMicros(row.Created),
		Updated:            fromMicros(row.Updated),
	}, nil
}

// Trials.

// ClaimTrial records that an identity used a trial with subscriptionID.
func (t *tx) ClaimTrial(ctx context.Context, s billing.Scope, kind, value, subscriptionID string) error {
	err := t.q.ClaimTrial(ctx, litedb.ClaimTrialParams{
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		Kind:           kind,
		Value:          value,
		SubscriptionID: subscriptionID,
	})
	if err != nil {
		return dbError(err, "claim %s trial for subscription %s", kind, subscriptionID)
	}
	return nil
}

// ReleaseTrials forgets the trial claims of a subscription.
func (t *tx) ReleaseTrials(ctx context.Context, s billing.Scope, subscriptionID string) error {
	err := t.q.ReleaseTrials(ctx, litedb.ReleaseTrialsParams{
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		SubscriptionID: subscriptionID,
	})
	if err != nil {
		return dbError(err, "release trials of subscription %s", subscriptionID)
	}
	return nil
}

// Invoices.

// NextInvoiceNumber takes the next number of s's invoice sequence.
func (t *tx) NextInvoiceNumber(ctx context.Context, s billing.Scope) (int64, error) {
	n, err := t.q.NextInvoiceNumber(ctx, litedb.NextInvoiceNumberParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return 0, dbError(err, "next invoice number of merchant %s (%s)", s.MerchantID, s.Mode)
	}
	return n, nil
}

// encodeLines marshals invoice lines ("[]" for none), their times as the
// store gives them back.
func encodeLines(lines []billing.InvoiceLine) (string, error) {
	stored := make([]billing.InvoiceLine, len(lines))
	for i, l := range lines {
		l.PeriodStart, l.PeriodEnd = storedTime(l.PeriodStart), storedTime(l.PeriodEnd)
		stored[i] = l
	}
	s, err := encodeList(stored)
	if err != nil {
		return "", fmt.Errorf("encode lines: %w", err)
	}
	return s, nil
}

// CreateInvoice inserts inv.
func (t *tx) CreateInvoice(ctx context.Context, inv billing.Invoice) error {
	lines, err := encodeLines(inv.Lines)
	if err != nil {
		return fmt.Errorf("create invoice %s: %w", inv.ID, err)
	}
	err = t.q.CreateInvoice(ctx, litedb.CreateInvoiceParams{
		ID:              inv.ID,
		MerchantID:      inv.Scope.MerchantID,
		Mode:            string(inv.Scope.Mode),
		CustomerID:      inv.CustomerID,
		SubscriptionID:  inv.SubscriptionID,
		Number:          inv.Number,
		Status:          inv.Status,
		BillingReason:   inv.BillingReason,
		Currency:        inv.Currency,
		PeriodStart:     micros(inv.PeriodStart),
		PeriodEnd:       micros(inv.PeriodEnd),
		Lines:           lines,
		Subtotal:        inv.Subtotal,
		Discount:        inv.Discount,
		Tax:             inv.Tax,
		Total:           inv.Total,
		AmountDue:       inv.AmountDue,
		AmountPaid:      inv.AmountPaid,
		AttemptCount:    inv.AttemptCount,
		NextAttemptAt:   nullMicros(inv.NextAttemptAt),
		FinalizedAt:     nullMicros(inv.FinalizedAt),
		PaidAt:          nullMicros(inv.PaidAt),
		VoidedAt:        nullMicros(inv.VoidedAt),
		Collection:      billing.CollectionOf(inv),
		DueDate:         nullMicros(inv.DueDate),
		PaymentMethodID: inv.PaymentMethodID,
		Created:         micros(inv.Created),
		Updated:         micros(inv.Updated),
	})
	if err != nil {
		return dbError(err, "create invoice %s", inv.ID)
	}
	return nil
}

// GetInvoice returns the invoice with id in scope s.
func (t *tx) GetInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
	row, err := t.q.GetInvoice(ctx, litedb.GetInvoiceParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Invoice{}, dbError(err, "get invoice %s", id)
	}
	return invoiceFromRow(row)
}

// UpdateInvoice writes inv's mutable fields.
func (t *tx) UpdateInvoice(ctx context.Context, inv billing.Invoice) error {
	lines, err := encodeLines(inv.Lines)
	if err != nil {
		return fmt.Errorf("update invoice %s: %w", inv.ID, err)
	}
	n, err := t.q.UpdateInvoice(ctx, litedb.UpdateInvoiceParams{
		Number:          inv.Number,
		Status:          inv.Status,
		Lines:           lines,
		Subtotal:        inv.Subtotal,
		Discount:        inv.Discount,
		Tax:             inv.Tax,
		Total:           inv.Total,
		AmountDue:       inv.AmountDue,
		AmountPaid:      inv.AmountPaid,
		AttemptCount:    inv.AttemptCount,
		NextAttemptAt:   nullMicros(inv.NextAttemptAt),
		FinalizedAt:     nullMicros(inv.FinalizedAt),
		PaidAt:          nullMicros(inv.PaidAt),
		VoidedAt:        nullMicros(inv.VoidedAt),
		DueDate:         nullMicros(inv.DueDate),
		PaymentMethodID: inv.PaymentMethodID,
		Updated:         micros(inv.Updated),
		MerchantID:      inv.Scope.MerchantID,
		Mode:            string(inv.Scope.Mode),
		ID:              inv.ID,
	})
	return notFoundIfNone(n, err, "update invoice %s", inv.ID)
}

// ListInvoices returns a page of s's invoices, newest first.
func (t *tx) ListInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter, page billing.Page) ([]billing.Invoice, bool, error) {
	rows, err := t.q.ListInvoices(ctx, litedb.ListInvoicesParams{
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		CustomerID:     f.CustomerID,
		SubscriptionID: f.SubscriptionID,
		Status:         f.Status,
		StartingAfter:  page.StartingAfter,
		RowLimit:       rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list invoices")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, invoiceFromRow)
	return out, more, err
}

func invoiceFromRow(row litedb.Invoice) (billing.Invoice, error) {
	lines, err := decodeList[billing.InvoiceLine](row.Lines)
	if err != nil {
		return billing.Invoice{}, fmt.Errorf("decode lines of invoice %s: %w", row.ID, err)
	}
	return billing.Invoice{
		ID:              row.ID,
		Scope:           billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		CustomerID:      row.CustomerID,
		SubscriptionID:  row.SubscriptionID,
		Number:          row.Number,
		Status:          row.Status,
		BillingReason:   row.BillingReason,
		Currency:        row.Currency,
		PeriodStart:     fromMicros(row.PeriodStart),
		PeriodEnd:       fromMicros(row.PeriodEnd),
		Lines:           lines,
		Subtotal:        row.Subtotal,
		Discount:        row.Discount,
		Tax:             row.Tax,
		Total:           row.Total,
		AmountDue:       row.AmountDue,
		AmountPaid:      row.AmountPaid,
		AttemptCount:    row.AttemptCount,
		NextAttemptAt:   fromNullMicros(row.NextAttemptAt),
		FinalizedAt:     fromNullMicros(row.FinalizedAt),
		PaidAt:          fromNullMicros(row.PaidAt),
		VoidedAt:        fromNullMicros(row.VoidedAt),
		Collection:      billing.CollectionFromStore(row.Collection),
		DueDate:         fromNullMicros(row.DueDate),
		PaymentMethodID: row.PaymentMethodID,
		Created:         fromMicros(row.Created),
		Updated:         fromMicros(row.Updated),
	}, nil
}

// Payments.

// CreatePayment inserts p.
func (t *tx) CreatePayment(ctx context.Context, p billing.Payment) error {
	err := t.q.CreatePayment(ctx, litedb.CreatePaymentParams{
		ID:              p.ID,
		MerchantID:      p.Scope.MerchantID,
		Mode:            string(p.Scope.Mode),
		InvoiceID:       p.InvoiceID,
		CustomerID:      p.CustomerID,
		Attempt:         p.Attempt,
		Gateway:         p.Gateway,
		PaymentMethodID: p.PaymentMethodID,
		Amount:          p.Amount,
		Currency:        p.Currency,
		IdempotencyKey:  p.IdempotencyKey,
		GatewayRef:      p.GatewayRef,
		Status:          p.Status,
		FailureClass:    string(p.FailureClass),
		FailureCode:     p.FailureCode,
		FailureMessage:  p.FailureMessage,
		AmountRefunded:  p.AmountRefunded,
		NextActionUrl:   p.NextActionURL,
		ReturnUrl:       p.ReturnURL,
		Created:         micros(p.Created),
		Updated:         micros(p.Updated),
	})
	if err != nil {
		return dbError(err, "create payment %s", p.ID)
	}
	return nil
}

// GetPayment returns the payment with id in scope s.
func (t *tx) GetPayment(ctx context.Context, s billing.Scope, id string) (billing.Payment, error) {
	row, err := t.q.GetPayment(ctx, litedb.GetPaymentParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Payment{}, dbError(err, "get payment %s", id)
	}
	return paymentFromRow(row)
}

// UpdatePayment writes p's gateway ref, status, failure fields, amount
// refunded and updated.
func (t *tx) UpdatePayment(ctx context.Context, p billing.Payment) error {
	n, err := t.q.UpdatePayment(ctx, litedb.UpdatePaymentParams{
		GatewayRef:     p.GatewayRef,
		Status:         p.Status,
		FailureClass:   string(p.FailureClass),
		FailureCode:    p.FailureCode,
		FailureMessage: p.FailureMessage,
		AmountRefunded: p.AmountRefunded,
		NextActionUrl:  p.NextActionURL,
		Updated:        micros(p.Updated),
		MerchantID:     p.Scope.MerchantID,
		Mode:           string(p.Scope.Mode),
		ID:             p.ID,
	})
	return notFoundIfNone(n, err, "update payment %s", p.ID)
}

// ListPayments returns a page of s's payments, newest first.
func (t *tx) ListPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter, page billing.Page) ([]billing.Payment, bool, error) {
	rows, err := t.q.ListPayments(ctx, litedb.ListPaymentsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		InvoiceID:     f.InvoiceID,
		CustomerID:    f.CustomerID,
		Status:        f.Status,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list payments")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, paymentFromRow)
	return out, more, err
}

func paymentFromRow(row litedb.Payment) (billing.Payment, error) {
	return billing.Payment{
		ID:              row.ID,
		Scope:           billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		InvoiceID:       row.InvoiceID,
		CustomerID:      row.CustomerID,
		Attempt:         row.Attempt,
		Gateway:         row.Gateway,
		PaymentMethodID: row.PaymentMethodID,
		Amount:          row.Amount,
		Currency:        row.Currency,
		IdempotencyKey:  row.IdempotencyKey,
		GatewayRef:      row.GatewayRef,
		Status:          row.Status,
		FailureClass:    billing.FailureClass(row.FailureClass),
		FailureCode:     row.FailureCode,
		FailureMessage:  row.FailureMessage,
		AmountRefunded:  row.AmountRefunded,
		NextActionURL:   row.NextActionUrl,
		ReturnURL:       row.ReturnUrl,
		Created:         fromMicros(row.Created),
		Updated:         fromMicros(row.Updated),
	}, nil
}

// Refunds.

// CreateRefund inserts r.
func (t *tx) CreateRefund(ctx context.Context, r billing.Refund) error {
	err := t.q.CreateRefund(ctx, litedb.CreateRefundParams{
		ID:         r.ID,
		MerchantID: r.Scope.MerchantID,
		Mode:       string(r.Scope.Mode),
		PaymentID:  r.PaymentID,
		Amount:     r.Amount,
		Currency:   r.Currency,
		Status:     r.Status,
		Reason:     r.Reason,
		GatewayRef: r.GatewayRef,
		Created:    micros(r.Created),
		Updated:    micros(r.Updated),
	})
	if err != nil {
		return dbError(err, "create refund %s", r.ID)
	}
	return nil
}

// GetRefund returns the refund with id in scope s.
func (t *tx) GetRefund(ctx context.Context, s billing.Scope, id string) (billing.Refund, error) {
	row, err := t.q.GetRefund(ctx, litedb.GetRefundParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Refund{}, dbError(err, "get refund %s", id)
	}
	return refundFromRow(row)
}

// UpdateRefund writes r's status, gateway ref and updated.
func (t *tx) UpdateRefund(ctx context.Context, r billing.Refund) error {
	n, err := t.q.UpdateRefund(ctx, litedb.UpdateRefundParams{
		Status:     r.Status,
		GatewayRef: r.GatewayRef,
		Updated:    micros(r.Updated),
		MerchantID: r.Scope.MerchantID,
		Mode:       string(r.Scope.Mode),
		ID:         r.ID,
	})
	return notFoundIfNone(n, err, "update refund %s", r.ID)
}

// ListRefunds returns a page of s's refunds (of one payment when paymentID
// is not empty), newest first.
func (t *tx) ListRefunds(ctx context.Context, s billing.Scope, paymentID string, page billing.Page) ([]billing.Refund, bool, error) {
	rows, err := t.q.ListRefunds(ctx, litedb.ListRefundsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		PaymentID:     paymentID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list refunds")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, refundFromRow)
	return out, more, err
}

func refundFromRow(row litedb.Refund) (billing.Refund, error) {
	return billing.Refund{
		ID:         row.ID,
		Scope:      billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		PaymentID:  row.PaymentID,
		Amount:     row.Amount,
		Currency:   row.Currency,
		Status:     row.Status,
		Reason:     row.Reason,
		GatewayRef: row.GatewayRef,
		Created:    fromMicros(row.Created),
		Updated:    fromMicros(row.Updated),
	}, nil
}

// Events.

// CreateEvent inserts e; its data is stored verbatim ("null" when empty).
func (t *tx) CreateEvent(ctx context.Context, e billing.Event) error {
	err := t.q.CreateEvent(ctx, litedb.CreateEventParams{
		ID:         e.ID,
		MerchantID: e.Scope.MerchantID,
		Mode:       string(e.Scope.Mode),
		Type:       e.Type,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		Data:       encodeRaw(e.Data),
		Previous:   string(e.Previous),
		Created:    micros(e.Created),
	})
	if err != nil {
		return dbError(err, "create event %s", e.ID)
	}
	return nil
}

// GetEvent returns the event with id in scope s.
func (t *tx) GetEvent(ctx context.Context, s billing.Scope, id string) (billing.Event, error) {
	row, err := t.q.GetEvent(ctx, litedb.GetEventParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Event{}, dbError(err, "get event %s", id)
	}
	return eventFromRow(row)
}

// ListEvents returns a page of s's events, newest first.
func (t *tx) ListEvents(ctx context.Context, s billing.Scope, f billing.EventFilter, page billing.Page) ([]billing.Event, bool, error) {
	rows, err := t.q.ListEvents(ctx, litedb.ListEventsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Type:          f.Type,
		ObjectID:      f.ObjectID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list events")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, eventFromRow)
	return out, more, err
}

func eventFromRow(row litedb.Event) (billing.Event, error) {
	return billing.Event{
		ID:         row.ID,
		Scope:      billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Type:       row.Type,
		ObjectType: row.ObjectType,
		ObjectID:   row.ObjectID,
		Data:       json.RawMessage(row.Data),
		Previous:   optionalRaw(row.Previous),
		Created:    fromMicros(row.Created),
	}, nil
}

// optionalRaw reads a JSON column where ” means absent.
func optionalRaw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// The simulated gateway's ledger.

// InsertSimCharge records c unless its key is already in the ledger, in
// which case it returns the recorded charge and false.
func (t *tx) InsertSimCharge(ctx context.Context, c billing.SimCharge) (billing.SimCharge, bool, error) {
	n, err := t.q.InsertSimCharge(ctx, litedb.InsertSimChargeParams{
		Key:      c.Key,
		Token:    c.Token,
		Amount:   c.Amount,
		Currency: c.Currency,
		Outcome:  c.Outcome,
		Code:     c.Code,
		Ref:      c.Ref,
		Refunded: c.Refunded,
		Created:  micros(c.Created),
	})
	if err != nil {
		return billing.SimCharge{}, false, dbError(err, "insert sim charge %q", c.Key)
	}
	if n == 1 {
		c.Created = storedTime(c.Created) // what a read would now return
		return c, true, nil
	}
	got, err := t.GetSimCharge(ctx, c.Key)
	if err != nil {
		return billing.SimCharge{}, false, err
	}
	return got, false, nil
}

// InsertSimCharges records entries with distinct keys one by one: in
// process, a statement costs no round trip.
func (t *tx) InsertSimCharges(ctx context.Context, cs []billing.SimCharge) ([]billing.SimCharge, []bool, error) {
	recorded := make([]billing.SimCharge, len(cs))
	inserted := make([]bool, len(cs))
	for i, c := range cs {
		var err error
		if recorded[i], inserted[i], err = t.InsertSimCharge(ctx, c); err != nil {
			return nil, nil, err
		}
	}
	return recorded, inserted, nil
}

// GetSimCharge returns the ledger entry for key.
func (t *tx) GetSimCharge(ctx context.Context, key string) (billing.SimCharge, error) {
	row, err := t.q.GetSimCharge(ctx, key)
	if err != nil {
		return billing.SimCharge{}, dbError(err, "get sim charge %q", key)
	}
	return simChargeFromRow(row)
}

// UpdateSimCharge writes c's refunded amount.
func (t *tx) UpdateSimCharge(ctx context.Context, c billing.SimCharge) error {
	n, err := t.q.UpdateSimCharge(ctx, litedb.UpdateSimChargeParams{Refunded: c.Refunded, Key: c.Key})
	return notFoundIfNone(n, err, "update sim charge %q", c.Key)
}

// CountSimCharges counts a token's ledger entries with the given outcome.
func (t *tx) CountSimCharges(ctx context.Context, token, outcome string) (int64, error) {
	n, err := t.q.CountSimCharges(ctx, litedb.CountSimChargesParams{Token: token, Outcome: outcome})
	if err != nil {
		return 0, dbError(err, "count sim charges")
	}
	return n, nil
}

// ListSimCharges returns the whole ledger in insertion order.
func (t *tx) ListSimCharges(ctx context.Context) ([]billing.SimCharge, error) {
	rows, err := t.q.ListSimCharges(ctx)
	if err != nil {
		return nil, dbError(err, "list sim charges")
	}
	return convertRows(rows, simChargeFromRow)
}

func simChargeFromRow(row litedb.SimCharge) (billing.SimCharge, error) {
	return billing.SimCharge{
		Key:      row.Key,
		Token:    row.Token,
		Amount:   row.Amount,
		Currency: row.Currency,
		Outcome:  row.Outcome,
		Code:     row.Code,
		Ref:      row.Ref,
		Refunded: row.Refunded,
		Created:  fromMicros(row.Created),
	}, nil
}

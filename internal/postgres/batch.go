package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/auditdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/eventsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
)

// batchTx is the billing.BatchTx of one transaction.
type batchTx struct{ *base }

var _ billing.BatchTx = batchTx{}

// ClaimDueSubscriptions returns due subscriptions no other claim holds and
// claims them for token until `until`; rows another transaction is
// claiming are skipped (FOR UPDATE SKIP LOCKED), and the claim column
// keeps them from other sweepers after the transaction ends.
func (t batchTx) ClaimDueSubscriptions(ctx context.Context, clockID string, at time.Time, limit int, token string, until time.Time) ([]billing.Subscription, error) {
	rows, err := t.lifecycle.ClaimDueSubscriptions(ctx, lifecycledb.ClaimDueSubscriptionsParams{
		TestClockID: clockID, DueBefore: new(ts(at)), RowLimit: maxRows(limit), ClaimToken: token, ClaimedUntil: new(ts(until))})
	if err != nil {
		return nil, dbError("claim due subscriptions", err)
	}
	// UPDATE … RETURNING has no order; the sweep takes them oldest due first.
	slices.SortFunc(rows, func(a, b lifecycledb.Subscription) int {
		if c := a.NextActionAt.Compare(*b.NextActionAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out, err := convertRows(rows, subscriptionFromRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim due subscriptions: %w", err)
	}
	return out, nil
}

// ExtendSubscriptionClaims moves the end of the claims made under token.
func (t batchTx) ExtendSubscriptionClaims(ctx context.Context, token string, until time.Time) error {
	if err := t.lifecycle.ExtendSubscriptionClaims(ctx, lifecycledb.ExtendSubscriptionClaimsParams{ClaimToken: token, ClaimedUntil: new(ts(until))}); err != nil {
		return dbError("extend subscription claims", err)
	}
	return nil
}

// ReleaseSubscriptionClaims ends the claims made under token.
func (t batchTx) ReleaseSubscriptionClaims(ctx context.Context, token string) error {
	if err := t.lifecycle.ReleaseSubscriptionClaims(ctx, token); err != nil {
		return dbError("release subscription claims", err)
	}
	return nil
}

// LockDueSubscriptions returns due unclaimed subscriptions, oldest due
// first, locked (FOR UPDATE SKIP LOCKED) but not claimed.
func (t batchTx) LockDueSubscriptions(ctx context.Context, clockID string, at time.Time, limit int) ([]billing.Subscription, error) {
	rows, err := t.lifecycle.LockDueSubscriptions(ctx, lifecycledb.LockDueSubscriptionsParams{
		TestClockID: clockID, DueBefore: new(ts(at)), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError("lock due subscriptions", err)
	}
	out, err := convertRows(rows, subscriptionFromRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock due subscriptions: %w", err)
	}
	return out, nil
}

// ClaimSubscriptions claims the given subscriptions for token until `until`.
func (t batchTx) ClaimSubscriptions(ctx context.Context, ids []string, token string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if err := t.lifecycle.ClaimSubscriptions(ctx, lifecycledb.ClaimSubscriptionsParams{Ids: ids, ClaimToken: token, ClaimedUntil: new(ts(until))}); err != nil {
		return dbError("claim subscriptions", err)
	}
	return nil
}

// SubscriptionsWithOpenInvoices reports which subscriptions have an open
// invoice.
func (t batchTx) SubscriptionsWithOpenInvoices(ctx context.Context, ids []string) (map[string]bool, error) {
	rows, err := t.lifecycle.SubscriptionsWithOpenInvoices(ctx, ids)
	if err != nil {
		return nil, dbError("find open invoices", err)
	}
	out := make(map[string]bool, len(rows))
	for _, id := range rows {
		out[id] = true
	}
	return out, nil
}

// TaxExemptCustomers returns which of the given customers are tax exempt.
func (t batchTx) TaxExemptCustomers(ctx context.Context, ids []string) (map[string]bool, error) {
	rows, err := t.lifecycle.TaxExemptCustomers(ctx, ids)
	if err != nil {
		return nil, dbError("find tax exempt customers", err)
	}
	out := make(map[string]bool, len(rows))
	for _, id := range rows {
		out[id] = true
	}
	return out, nil
}

// GetPaymentMethods returns scope s's payment methods with the given ids.
func (t batchTx) GetPaymentMethods(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.PaymentMethod, error) {
	rows, err := t.lifecycle.GetPaymentMethodsByID(ctx, ids)
	if err != nil {
		return nil, dbError("get payment methods", err)
	}
	out := make(map[string]billing.PaymentMethod, len(rows))
	for _, r := range rows {
		if pm := paymentMethodFromRow(r); pm.Scope == s {
			out[pm.ID] = pm
		}
	}
	return out, nil
}

// ReserveInvoiceNumbers takes k numbers of the scope's sequence.
func (t batchTx) ReserveInvoiceNumbers(ctx context.Context, s billing.Scope, k int64) (int64, error) {
	var last int64
	err := t.writeLifecycle(ctx, "reserve invoice numbers", func(q *lifecycledb.Queries) error {
		var err error
		last, err = q.ReserveInvoiceNumbers(ctx, lifecycledb.ReserveInvoiceNumbersParams{MerchantID: s.MerchantID, Mode: string(s.Mode), K: k})
		return err
	})
	return last, err
}

// WriteBatch writes b with one statement per kind of row: COPY for new
// rows, one UPDATE joined to unnested arrays per table for changed ones. A
// failure aborts the transaction (there is no savepoint per row); the
// caller rolls back and falls back to the one-at-a-time path.
func (t batchTx) WriteBatch(ctx context.Context, b billing.WriteBatch) error {
	if len(b.Invoices) > 0 {
		rows := make([]lifecycledb.CopyInvoicesParams, 0, len(b.Invoices))
		for _, inv := range b.Invoices {
			cols, err := encodeInvoice(inv)
			if err != nil {
				return fmt.Errorf("postgres: batch invoice %s: %w", inv.ID, err)
			}
			rows = append(rows, lifecycledb.CopyInvoicesParams(createInvoiceParams(inv, cols)))
		}
		if _, err := t.lifecycle.CopyInvoices(ctx, rows); err != nil {
			return dbError("copy invoices", err)
		}
	}
	if len(b.Payments) > 0 {
		rows := make([]lifecycledb.CopyPaymentsParams, 0, len(b.Payments))
		for _, p := range b.Payments {
			rows = append(rows, lifecycledb.CopyPaymentsParams(createPaymentParams(p)))
		}
		if _, err := t.lifecycle.CopyPayments(ctx, rows); err != nil {
			return dbError("copy payments", err)
		}
	}
	if len(b.InvoiceUpdates) > 0 {
		if err := t.bulkUpdateInvoices(ctx, b.InvoiceUpdates); err != nil {
			return err
		}
	}
	if len(b.PaymentUpdates) > 0 {
		if err := t.bulkUpdatePayments(ctx, b.PaymentUpdates); err != nil {
			return err
		}
	}
	if len(b.Events) > 0 {
		rows := make([]eventsdb.CopyEventsParams, 0, len(b.Events))
		for _, e := range b.Events {
			rows = append(rows, eventsdb.CopyEventsParams(createEventParams(e)))
		}
		if _, err := t.events.CopyEvents(ctx, rows); err != nil {
			return dbError("copy events", err)
		}
	}
	if len(b.Audit) > 0 {
		rows := make([]auditdb.CopyAuditEntriesParams, 0, len(b.Audit))
		for _, e := range b.Audit {
			rows = append(rows, auditdb.CopyAuditEntriesParams(insertAuditEntryParams(e)))
		}
		if _, err := t.audit.CopyAuditEntries(ctx, rows); err != nil {
			return dbError("copy audit entries", err)
		}
	}
	return nil
}

// optTime is an optional time as the bulk updates take it: "" for none.
func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ts(*t).Format(time.RFC3339Nano)
}

func (t batchTx) bulkUpdateInvoices(ctx context.Context, invs []billing.Invoice) error {
	var p lifecycledb.BulkUpdateInvoicesParams
	for _, inv := range invs {
		lines, err := encodeLines(inv.Lines)
		if err != nil {
			return fmt.Errorf("postgres: batch invoice %s: %w", inv.ID, err)
		}
		p.Ids = append(p.Ids, inv.ID)
		p.MerchantIds = append(p.MerchantIds, inv.Scope.MerchantID)
		p.Modes = append(p.Modes, string(inv.Scope.Mode))
		p.Numbers = append(p.Numbers, inv.Number)
		p.Statuses = append(p.Statuses, string(inv.Status))
		p.Lines = append(p.Lines, lines)
		p.Subtotals = append(p.Subtotals, inv.Subtotal)
		p.Discounts = append(p.Discounts, inv.Discount)
		p.Taxes = append(p.Taxes, inv.Tax)
		p.Totals = append(p.Totals, inv.Total)
		p.AmountsDue = append(p.AmountsDue, inv.AmountDue)
		p.AmountsPaid = append(p.AmountsPaid, inv.AmountPaid)
		p.AttemptCounts = append(p.AttemptCounts, inv.AttemptCount)
		p.NextAttemptsAt = append(p.NextAttemptsAt, optTime(inv.NextAttemptAt))
		p.FinalizedAts = append(p.FinalizedAts, optTime(inv.FinalizedAt))
		p.PaidAts = append(p.PaidAts, optTime(inv.PaidAt))
		p.VoidedAts = append(p.VoidedAts, optTime(inv.VoidedAt))
		p.Updateds = append(p.Updateds, ts(inv.Updated))
	}
	n, err := t.lifecycle.BulkUpdateInvoices(ctx, p)
	if err != nil {
		return dbError("bulk update invoices", err)
	}
	if n != int64(len(invs)) {
		return fmt.Errorf("postgres: bulk update invoices: %d of %d found: %w", n, len(invs), billing.ErrNotFound)
	}
	return nil
}

func (t batchTx) bulkUpdatePayments(ctx context.Context, ps []billing.Payment) error {
	var p lifecycledb.BulkUpdatePaymentsParams
	for _, pay := range ps {
		p.Ids = append(p.Ids, pay.ID)
		p.MerchantIds = append(p.MerchantIds, pay.Scope.MerchantID)
		p.Modes = append(p.Modes, string(pay.Scope.Mode))
		p.GatewayRefs = append(p.GatewayRefs, pay.GatewayRef)
		p.Statuses = append(p.Statuses, string(pay.Status))
		p.FailureClasses = append(p.FailureClasses, string(pay.FailureClass))
		p.FailureCodes = append(p.FailureCodes, pay.FailureCode)
		p.FailureMessages = append(p.FailureMessages, pay.FailureMessage)
		p.AmountsRefunded = append(p.AmountsRefunded, pay.AmountRefunded)
		p.Updateds = append(p.Updateds, ts(pay.Updated))
	}
	n, err := t.lifecycle.BulkUpdatePayments(ctx, p)
	if err != nil {
		return dbError("bulk update payments", err)
	}
	if n != int64(len(ps)) {
		return fmt.Errorf("postgres: bulk update payments: %d of %d found: %w", n, len(ps), billing.ErrNotFound)
	}
	return nil
}

// UpdateSubscriptions writes, in one UPDATE … FROM unnest, the
// subscriptions whose stored version is still theirs, changes their claims
// as c says, and returns the ids of the others.
func (t batchTx) UpdateSubscriptions(ctx context.Context, subs []billing.Subscription, c billing.ClaimChange) ([]string, error) {
	if len(subs) == 0 {
		return nil, nil
	}
	var p lifecycledb.BulkUpdateSubscriptionsParams
	for _, sub := range subs {
		cols, err := subscriptionJSON(sub)
		if err != nil {
			return nil, fmt.Errorf("postgres: batch subscription %s: %w", sub.ID, err)
		}
		p.Ids = append(p.Ids, sub.ID)
		p.MerchantIds = append(p.MerchantIds, sub.Scope.MerchantID)
		p.Modes = append(p.Modes, string(sub.Scope.Mode))
		p.Versions = append(p.Versions, sub.Version)
		p.Statuses = append(p.Statuses, string(sub.Status))
		p.Items = append(p.Items, cols.items)
		p.PriceIds = append(p.PriceIds, cols.priceIDs)
		p.Currencies = append(p.Currencies, sub.Currency)
		p.Intervals = append(p.Intervals, sub.Recurring.Interval)
		p.IntervalCounts = append(p.IntervalCounts, sub.Recurring.IntervalCount)
		p.PaymentMethodIds = append(p.PaymentMethodIds, sub.PaymentMethodID)
		p.BillingAnchors = append(p.BillingAnchors, ts(sub.BillingAnchor))
		p.CycleIndexes = append(p.CycleIndexes, sub.CycleIndex)
		p.CurrentPeriodStarts = append(p.CurrentPeriodStarts, ts(sub.CurrentPeriodStart))
		p.CurrentPeriodEnds = append(p.CurrentPeriodEnds, ts(sub.CurrentPeriodEnd))
		p.TrialStarts = append(p.TrialStarts, optTime(sub.TrialStart))
		p.TrialEnds = append(p.TrialEnds, optTime(sub.TrialEnd))
		p.TrialWillEndSents = append(p.TrialWillEndSents, sub.TrialWillEndSent)
		p.CancelAtPeriodEnds = append(p.CancelAtPeriodEnds, sub.CancelAtPeriodEnd)
		p.CancelAts = append(p.CancelAts, optTime(sub.CancelAt))
		p.CanceledAts = append(p.CanceledAts, optTime(sub.CanceledAt))
		p.CancellationReasons = append(p.CancellationReasons, string(sub.CancellationReason))
		p.EndedAts = append(p.EndedAts, optTime(sub.EndedAt))
		p.MaxCycles = append(p.MaxCycles, sub.MaxCycles)
		p.EndDates = append(p.EndDates, optTime(sub.EndDate))
		p.PendingChanges = append(p.PendingChanges, cols.pendingChange)
		p.CouponIds = append(p.CouponIds, sub.CouponID)
		p.DiscountEnds = append(p.DiscountEnds, optTime(sub.DiscountEnd))
		p.DiscountUseds = append(p.DiscountUseds, sub.DiscountUsed)
		p.NextActionsAt = append(p.NextActionsAt, optTime(sub.NextActionAt))
		p.PendingLines = append(p.PendingLines, cols.pendingLines)
		p.PromotionCodeIds = append(p.PromotionCodeIds, sub.PromotionCodeID)
		p.Metadatas = append(p.Metadatas, cols.metadata)
		p.Updateds = append(p.Updateds, ts(sub.Updated))
	}
	p.ClaimToken, p.ReleaseClaim = c.Token, c.Release
	if c.Token != "" {
		p.ClaimedUntil = new(ts(c.Until))
	}
	ids, err := t.lifecycle.BulkUpdateSubscriptions(ctx, p)
	if err != nil {
		return nil, dbError("bulk update subscriptions", err)
	}
	if len(ids) == len(subs) {
		return nil, nil
	}
	done := make(map[string]bool, len(ids))
	for _, id := range ids {
		done[id] = true
	}
	var stale []string
	for _, sub := range subs {
		if !done[sub.ID] {
			stale = append(stale, sub.ID)
		}
	}
	return stale, nil
}

package sqlite

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
)

// batchTx is the billing.BatchTx of one transaction.
type batchTx struct{ *base }

var _ billing.BatchTx = batchTx{}

// ClaimDueSubscriptions returns due subscriptions no other claim holds and
// claims them for token until `until`. SQLite has one writer and the
// transaction holds the write lock, so no row locks are needed; the claim
// column keeps them from other sweepers after the transaction ends.
func (t batchTx) ClaimDueSubscriptions(ctx context.Context, clockID string, at time.Time, limit int, token string, until time.Time) ([]billing.Subscription, error) {
	n := int64(limit)
	if limit <= 0 {
		n = -1
	}
	rows, err := t.lifecycle.ClaimDueSubscriptions(ctx, lifecycledb.ClaimDueSubscriptionsParams{TestClockID: clockID, DueBefore: nullMicros(&at),
		RowLimit: n, ClaimToken: token, ClaimedUntil: nullMicros(&until)})
	if err != nil {
		return nil, dbError(err, "claim due subscriptions of clock %q", clockID)
	}
	// UPDATE … RETURNING has no order; the sweep takes them oldest due first.
	sortDue(rows)
	return convertRows(rows, subscriptionFromRow)
}

// sortDue orders claimed rows by due time, then id.
func sortDue(rows []lifecycledb.Subscription) {
	slices.SortFunc(rows, func(a, b lifecycledb.Subscription) int {
		if c := cmp.Compare(a.NextActionAt.Int64, b.NextActionAt.Int64); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// ExtendSubscriptionClaims moves the end of the claims made under token.
func (t batchTx) ExtendSubscriptionClaims(ctx context.Context, token string, until time.Time) error {
	if err := t.lifecycle.ExtendSubscriptionClaims(ctx, lifecycledb.ExtendSubscriptionClaimsParams{ClaimToken: token, ClaimedUntil: nullMicros(&until)}); err != nil {
		return dbError(err, "extend subscription claims")
	}
	return nil
}

// ReleaseSubscriptionClaims ends the claims made under token.
func (t batchTx) ReleaseSubscriptionClaims(ctx context.Context, token string) error {
	if err := t.lifecycle.ReleaseSubscriptionClaims(ctx, token); err != nil {
		return dbError(err, "release subscription claims")
	}
	return nil
}

// LockDueSubscriptions returns due unclaimed subscriptions, oldest due
// first; the transaction's write lock keeps them (no claim is made).
func (t batchTx) LockDueSubscriptions(ctx context.Context, clockID string, at time.Time, limit int) ([]billing.Subscription, error) {
	n := int64(limit)
	if limit <= 0 {
		n = -1
	}
	rows, err := t.lifecycle.LockDueSubscriptions(ctx, lifecycledb.LockDueSubscriptionsParams{TestClockID: clockID, DueBefore: nullMicros(&at), RowLimit: n})
	if err != nil {
		return nil, dbError(err, "lock due subscriptions of clock %q", clockID)
	}
	return convertRows(rows, subscriptionFromRow)
}

// ClaimSubscriptions claims the given subscriptions for token until `until`.
func (t batchTx) ClaimSubscriptions(ctx context.Context, ids []string, token string, until time.Time) error {
	for start := 0; start < len(ids); start += maxSliceParams {
		err := t.lifecycle.ClaimSubscriptions(ctx, lifecycledb.ClaimSubscriptionsParams{
			Ids: ids[start:min(start+maxSliceParams, len(ids))], ClaimToken: token, ClaimedUntil: nullMicros(&until)})
		if err != nil {
			return dbError(err, "claim subscriptions")
		}
	}
	return nil
}

// UpdateSubscriptions writes the subscriptions row by row (SQLite runs
// in-process: a statement costs microseconds), skipping those whose
// version moved, then changes the written rows' claims as c says.
func (t batchTx) UpdateSubscriptions(ctx context.Context, subs []billing.Subscription, c billing.ClaimChange) ([]string, error) {
	var stale, done []string
	for _, sub := range subs {
		err := subscriptionTx(t).UpdateSubscription(ctx, sub)
		switch {
		case errors.Is(err, billing.ErrVersionConflict) || errors.Is(err, billing.ErrNotFound):
			stale = append(stale, sub.ID)
		case err != nil:
			return nil, err
		default:
			done = append(done, sub.ID)
		}
	}
	if c.Token != "" {
		return stale, t.ClaimSubscriptions(ctx, done, c.Token, c.Until)
	}
	if c.Release != "" {
		for start := 0; start < len(done); start += maxSliceParams {
			err := t.lifecycle.ReleaseClaimsOf(ctx, lifecycledb.ReleaseClaimsOfParams{Ids: done[start:min(start+maxSliceParams, len(done))], ClaimToken: c.Release})
			if err != nil {
				return nil, dbError(err, "release subscription claims")
			}
		}
	}
	return stale, nil
}

// maxSliceParams keeps IN (…) lists under SQLite's parameter limit.
const maxSliceParams = 500

// SubscriptionsWithOpenInvoices reports which subscriptions have an open
// invoice.
func (t batchTx) SubscriptionsWithOpenInvoices(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += maxSliceParams {
		rows, err := t.lifecycle.SubscriptionsWithOpenInvoices(ctx, ids[start:min(start+maxSliceParams, len(ids))])
		if err != nil {
			return nil, dbError(err, "find open invoices")
		}
		for _, id := range rows {
			out[id] = true
		}
	}
	return out, nil
}

// TaxExemptCustomers returns which of the given customers are tax exempt.
func (t batchTx) TaxExemptCustomers(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += maxSliceParams {
		rows, err := t.lifecycle.TaxExemptCustomers(ctx, ids[start:min(start+maxSliceParams, len(ids))])
		if err != nil {
			return nil, dbError(err, "find tax exempt customers")
		}
		for _, id := range rows {
			out[id] = true
		}
	}
	return out, nil
}

// GetPaymentMethods returns scope s's payment methods with the given ids.
func (t batchTx) GetPaymentMethods(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.PaymentMethod, error) {
	out := make(map[string]billing.PaymentMethod, len(ids))
	for start := 0; start < len(ids); start += maxSliceParams {
		rows, err := t.lifecycle.GetPaymentMethodsByID(ctx, ids[start:min(start+maxSliceParams, len(ids))])
		if err != nil {
			return nil, dbError(err, "get payment methods")
		}
		for _, r := range rows {
			pm, err := paymentMethodFromRow(r)
			if err != nil {
				return nil, err
			}
			if pm.Scope == s {
				out[pm.ID] = pm
			}
		}
	}
	return out, nil
}

// ReserveInvoiceNumbers takes k numbers of the scope's sequence.
func (t batchTx) ReserveInvoiceNumbers(ctx context.Context, s billing.Scope, k int64) (int64, error) {
	last, err := t.lifecycle.ReserveInvoiceNumbers(ctx, lifecycledb.ReserveInvoiceNumbersParams{MerchantID: s.MerchantID, Mode: string(s.Mode), K: k})
	if err != nil {
		return 0, dbError(err, "reserve invoice numbers")
	}
	return last, nil
}

// WriteBatch writes b row by row: SQLite runs in-process, so a statement
// costs microseconds and there are no round trips to save.
func (t batchTx) WriteBatch(ctx context.Context, b billing.WriteBatch) error {
	for _, inv := range b.Invoices {
		if err := invoiceTx(t).CreateInvoice(ctx, inv); err != nil {
			return err
		}
	}
	for _, p := range b.Payments {
		if err := paymentTx(t).CreatePayment(ctx, p); err != nil {
			return err
		}
	}
	for _, inv := range b.InvoiceUpdates {
		if err := invoiceTx(t).UpdateInvoice(ctx, inv); err != nil {
			return err
		}
	}
	for _, p := range b.PaymentUpdates {
		if err := paymentTx(t).UpdatePayment(ctx, p); err != nil {
			return err
		}
	}
	for _, e := range b.Events {
		if err := eventTx(t).CreateEvent(ctx, e); err != nil {
			return err
		}
	}
	for _, e := range b.Audit {
		if err := auditTx(t).InsertAuditEntry(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

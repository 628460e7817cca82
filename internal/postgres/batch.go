package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb"
)

// ClaimDueSubscriptions returns due subscriptions and locks them until the
// transaction ends; rows another transaction holds are skipped, so two
// sweepers never take the same subscription.
func (t *tx) ClaimDueSubscriptions(ctx context.Context, clockID string, at time.Time, limit int) ([]billing.Subscription, error) {
	rows, err := t.q.ClaimDueSubscriptions(ctx, pgdb.ClaimDueSubscriptionsParams{
		TestClockID: clockID, DueBefore: new(ts(at)), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, mapErr("claim due subscriptions", err)
	}
	out, err := mapRows(rows, subscriptionFromRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim due subscriptions: %w", err)
	}
	return out, nil
}

// LockSubscriptions locks subscriptions (in id order, so two lockers cannot
// deadlock) and returns their versions.
func (t *tx) LockSubscriptions(ctx context.Context, ids []string) (map[string]int64, error) {
	rows, err := t.q.LockSubscriptions(ctx, ids)
	if err != nil {
		return nil, mapErr("lock subscriptions", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Version
	}
	return out, nil
}

// SubscriptionsWithOpenInvoices reports which subscriptions have an open
// invoice.
func (t *tx) SubscriptionsWithOpenInvoices(ctx context.Context, ids []string) (map[string]bool, error) {
	rows, err := t.q.SubscriptionsWithOpenInvoices(ctx, ids)
	if err != nil {
		return nil, mapErr("find open invoices", err)
	}
	out := make(map[string]bool, len(rows))
	for _, id := range rows {
		out[id] = true
	}
	return out, nil
}

// GetPaymentMethods returns scope s's payment methods with the given ids.
func (t *tx) GetPaymentMethods(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.PaymentMethod, error) {
	rows, err := t.q.GetPaymentMethodsByID(ctx, ids)
	if err != nil {
		return nil, mapErr("get payment methods", err)
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
func (t *tx) ReserveInvoiceNumbers(ctx context.Context, s billing.Scope, k int64) (int64, error) {
	var last int64
	err := t.write(ctx, "reserve invoice numbers", func(_ pgx.Tx, q *pgdb.Queries) error {
		var err error
		last, err = q.ReserveInvoiceNumbers(ctx, pgdb.ReserveInvoiceNumbersParams{MerchantID: s.MerchantID, Mode: string(s.Mode), K: k})
		return err
	})
	return last, err
}

// WriteBatch writes b with pipelined batches: one round trip per kind of
// row. A failure aborts the transaction (there is no savepoint per row);
// the caller rolls back and falls back to the one-at-a-time path.
func (t *tx) WriteBatch(ctx context.Context, b billing.WriteBatch) error {
	var errs []error
	collect := func(what string) func(int, error) {
		return func(_ int, err error) {
			if err != nil {
				errs = append(errs, mapErr(what, err))
			}
		}
	}
	if len(b.Invoices) > 0 {
		params := make([]pgdb.BatchCreateInvoiceParams, 0, len(b.Invoices))
		for _, inv := range b.Invoices {
			lines, err := encodeLines(inv.Lines)
			if err != nil {
				return fmt.Errorf("postgres: batch invoice %s: %w", inv.ID, err)
			}
			params = append(params, pgdb.BatchCreateInvoiceParams(createInvoiceParams(inv, lines)))
		}
		t.q.BatchCreateInvoice(ctx, params).Exec(collect("batch create invoices"))
	}
	if len(b.Payments) > 0 {
		params := make([]pgdb.BatchCreatePaymentParams, 0, len(b.Payments))
		for _, p := range b.Payments {
			params = append(params, pgdb.BatchCreatePaymentParams(createPaymentParams(p)))
		}
		t.q.BatchCreatePayment(ctx, params).Exec(collect("batch create payments"))
	}
	if len(b.InvoiceUpdates) > 0 {
		params := make([]pgdb.BatchUpdateInvoiceParams, 0, len(b.InvoiceUpdates))
		for _, inv := range b.InvoiceUpdates {
			lines, err := encodeLines(inv.Lines)
			if err != nil {
				return fmt.Errorf("postgres: batch invoice %s: %w", inv.ID, err)
			}
			params = append(params, pgdb.BatchUpdateInvoiceParams(updateInvoiceParams(inv, lines)))
		}
		t.q.BatchUpdateInvoice(ctx, params).Exec(collect("batch update invoices"))
	}
	if len(b.PaymentUpdates) > 0 {
		params := make([]pgdb.BatchUpdatePaymentParams, 0, len(b.PaymentUpdates))
		for _, p := range b.PaymentUpdates {
			params = append(params, pgdb.BatchUpdatePaymentParams(updatePaymentParams(p)))
		}
		t.q.BatchUpdatePayment(ctx, params).Exec(collect("batch update payments"))
	}
	if len(b.SubscriptionUpdates) > 0 {
		params := make([]pgdb.BatchUpdateSubscriptionParams, 0, len(b.SubscriptionUpdates))
		for _, sub := range b.SubscriptionUpdates {
			cols, err := encodeSubscription(sub)
			if err != nil {
				return fmt.Errorf("postgres: batch subscription %s: %w", sub.ID, err)
			}
			params = append(params, pgdb.BatchUpdateSubscriptionParams(updateSubscriptionParams(sub, cols)))
		}
		t.q.BatchUpdateSubscription(ctx, params).QueryRow(func(i int, _ string, err error) {
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				errs = append(errs, fmt.Errorf("postgres: batch update subscription %s: %w", params[i].ID, billing.ErrVersionConflict))
			case err != nil:
				errs = append(errs, mapErr("batch update subscriptions", err))
			}
		})
	}
	if len(b.Events) > 0 {
		params := make([]pgdb.BatchCreateEventParams, 0, len(b.Events))
		for _, e := range b.Events {
			params = append(params, pgdb.BatchCreateEventParams(createEventParams(e)))
		}
		t.q.BatchCreateEvent(ctx, params).Exec(collect("batch create events"))
	}
	if len(b.Audit) > 0 {
		params := make([]pgdb.BatchInsertAuditEntryParams, 0, len(b.Audit))
		for _, e := range b.Audit {
			params = append(params, pgdb.BatchInsertAuditEntryParams(insertAuditEntryParams(e)))
		}
		t.q.BatchInsertAuditEntry(ctx, params).Exec(collect("batch insert audit entries"))
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := moveAuditHeads(b.Audit, func(m string, oldSeq int64, last billing.AuditEntry) (int64, error) {
			return t.q.MoveAuditHeadTo(ctx, pgdb.MoveAuditHeadToParams{NewSeq: last.Seq, Hash: last.Hash, MerchantID: m, OldSeq: oldSeq})
		}); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
	}
	return errors.Join(errs...)
}

// moveAuditHeads moves each merchant's audit head from just before its
// first entry in entries to its last one; move reports how many heads moved.
func moveAuditHeads(entries []billing.AuditEntry, move func(merchantID string, oldSeq int64, last billing.AuditEntry) (int64, error)) error {
	first := map[string]int64{}
	last := map[string]billing.AuditEntry{}
	var order []string
	for _, e := range entries {
		if _, ok := first[e.MerchantID]; !ok {
			first[e.MerchantID] = e.Seq
			order = append(order, e.MerchantID)
		}
		last[e.MerchantID] = e
	}
	for _, m := range order {
		n, err := move(m, first[m]-1, last[m])
		if err != nil {
			return fmt.Errorf("move audit head of %s: %w", m, err)
		}
		if n != 1 {
			return fmt.Errorf("move audit head of %s: the chain head moved", m)
		}
	}
	return nil
}

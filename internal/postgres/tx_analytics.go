package postgres

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/analyticsdb"
)

// analyticsTx is the billing.AnalyticsTx of one transaction. Its queries
// (the analytics group of sqlc.yaml) run on the base's transaction; writes go through base.write's savepoint like every other.
type analyticsTx struct{ *base }

var _ billing.AnalyticsTx = analyticsTx{}

func (t analyticsTx) q() *analyticsdb.Queries { return t.analytics }

// writeAnalytics is write with the analytics group's queries on the
// savepoint.
func (t analyticsTx) writeAnalytics(ctx context.Context, op string, fn func(q *analyticsdb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(analyticsdb.New(db)) })
}

// LastMRRBefore returns the subscription's last recorded MRR before at.
func (t analyticsTx) LastMRRBefore(ctx context.Context, s billing.Scope, subscriptionID string, at time.Time) (int64, error) {
	rows, err := t.q().LastMRRBefore(ctx, analyticsdb.LastMRRBeforeParams{SubscriptionID: subscriptionID,
		MerchantID: s.MerchantID, Mode: string(s.Mode), At: at})
	if err != nil {
		return 0, dbError("last mrr of "+subscriptionID, err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0], nil
}

// DeleteMRRChangesFrom forgets the subscription's records from at on.
func (t analyticsTx) DeleteMRRChangesFrom(ctx context.Context, s billing.Scope, subscriptionID string, at time.Time) error {
	return t.writeAnalytics(ctx, "delete mrr changes of "+subscriptionID, func(q *analyticsdb.Queries) error {
		return q.DeleteMRRChangesFrom(ctx, analyticsdb.DeleteMRRChangesFromParams{SubscriptionID: subscriptionID,
			MerchantID: s.MerchantID, Mode: string(s.Mode), At: at})
	})
}

// InsertMRRChange stores c.
func (t analyticsTx) InsertMRRChange(ctx context.Context, c billing.MRRChange) error {
	return t.writeAnalytics(ctx, "insert mrr change "+c.ID, func(q *analyticsdb.Queries) error {
		return q.InsertMRRChange(ctx, analyticsdb.InsertMRRChangeParams{ID: c.ID, MerchantID: c.Scope.MerchantID,
			Mode: string(c.Scope.Mode), SubscriptionID: c.SubscriptionID, CustomerID: c.CustomerID, Currency: c.Currency,
			At: c.At, Amount: c.Amount, Delta: c.Delta, ActiveDelta: c.ActiveDelta(), Created: c.Created})
	})
}

// MRRTotalsBefore sums the scope's records in currency before at.
func (t analyticsTx) MRRTotalsBefore(ctx context.Context, s billing.Scope, currency string, at time.Time) (int64, int64, error) {
	r, err := t.q().MRRTotalsBefore(ctx, analyticsdb.MRRTotalsBeforeParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Currency: currency, At: at})
	if err != nil {
		return 0, 0, dbError("mrr totals", err)
	}
	return r.Total, r.Subscriptions, nil
}

// CountCustomersWithMRR counts the customers with positive MRR before at.
func (t analyticsTx) CountCustomersWithMRR(ctx context.Context, s billing.Scope, currency string, at time.Time) (int64, error) {
	n, err := t.q().CountCustomersWithMRR(ctx, analyticsdb.CountCustomersWithMRRParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), Currency: currency, At: at})
	return n, dbError("count customers with mrr", err)
}

// CustomerMRRBefore returns the given customers' MRR before at.
func (t analyticsTx) CustomerMRRBefore(ctx context.Context, s billing.Scope, currency string, ids []string, at time.Time) (map[string]billing.CustomerMRR, error) {
	out := make(map[string]billing.CustomerMRR, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := t.q().CustomerMRRBefore(ctx, analyticsdb.CustomerMRRBeforeParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), Currency: currency, CustomerIds: ids, At: at})
	if err != nil {
		return nil, dbError("customer mrr", err)
	}
	for _, r := range rows {
		out[r.CustomerID] = billing.CustomerMRR{Amount: r.Amount, EverPaid: r.MaxAmount > 0}
	}
	return out, nil
}

// MRRChangesBetween returns the records in the range, by time.
func (t analyticsTx) MRRChangesBetween(ctx context.Context, s billing.Scope, r billing.ReportRange) ([]billing.MRRChange, error) {
	rows, err := t.q().MRRChangesBetween(ctx, analyticsdb.MRRChangesBetweenParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), Currency: r.Currency, FromAt: r.From, ToAt: r.To})
	if err != nil {
		return nil, dbError("mrr changes", err)
	}
	out := make([]billing.MRRChange, len(rows))
	for i, c := range rows {
		out[i] = billing.MRRChange{ID: c.ID, Scope: billing.Scope{MerchantID: c.MerchantID, Mode: billing.Mode(c.Mode)},
			SubscriptionID: c.SubscriptionID, CustomerID: c.CustomerID, Currency: c.Currency, At: c.At.UTC(),
			Amount: c.Amount, Delta: c.Delta, Created: c.Created.UTC()}
	}
	return out, nil
}

// PaymentTotals counts the range's payment attempts.
func (t analyticsTx) PaymentTotals(ctx context.Context, s billing.Scope, r billing.ReportRange) (billing.PaymentTotals, error) {
	row, err := t.q().PaymentTotals(ctx, analyticsdb.PaymentTotalsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Currency: r.Currency, FromAt: r.From, ToAt: r.To})
	return billing.PaymentTotals{Succeeded: row.Succeeded, Collected: row.Collected, Failed: row.Failed}, dbError("payment totals", err)
}

// RefundTotals adds up the range's succeeded refunds.
func (t analyticsTx) RefundTotals(ctx context.Context, s billing.Scope, r billing.ReportRange) (billing.RefundTotals, error) {
	row, err := t.q().RefundTotals(ctx, analyticsdb.RefundTotalsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Currency: r.Currency, FromAt: r.From, ToAt: r.To})
	return billing.RefundTotals{Count: row.Refunds, Amount: row.Amount}, dbError("refund totals", err)
}

// RecoveredRenewals adds up the renewals paid in the range after a decline.
func (t analyticsTx) RecoveredRenewals(ctx context.Context, s billing.Scope, r billing.ReportRange) (billing.RecoveredRenewals, error) {
	row, err := t.q().RecoveredRenewals(ctx, analyticsdb.RecoveredRenewalsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Currency: r.Currency, FromAt: &r.From, ToAt: &r.To})
	return billing.RecoveredRenewals{Count: row.Recovered, Amount: row.Amount}, dbError("recovered renewals", err)
}

// TrialTotals counts the range's ended and converted trials.
func (t analyticsTx) TrialTotals(ctx context.Context, s billing.Scope, r billing.ReportRange) (billing.TrialTotals, error) {
	row, err := t.q().TrialTotals(ctx, analyticsdb.TrialTotalsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Currency: r.Currency, FromAt: &r.From, ToAt: &r.To})
	return billing.TrialTotals{Ended: row.Ended, Converted: row.Converted}, dbError("trial totals", err)
}

// CheckoutTotals counts the range's checkout sessions.
func (t analyticsTx) CheckoutTotals(ctx context.Context, s billing.Scope, r billing.ReportRange) (billing.CheckoutTotals, error) {
	row, err := t.q().CheckoutTotals(ctx, analyticsdb.CheckoutTotalsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		FromAt: r.From, ToAt: r.To})
	return billing.CheckoutTotals{Started: row.Started, Completed: row.Completed}, dbError("checkout totals", err)
}

package billing

import (
	"context"
	"time"
)

// AnalyticsTx stores the MRR records (MRRChange) and answers the aggregate
// reads of the analytics reports (docs/analytics.md). Every read is served
// by an index: none scans a table.
type AnalyticsTx interface {
	// LastMRRBefore returns the amount of the subscription's last MRR
	// record before t (0 when it has none).
	LastMRRBefore(ctx context.Context, s Scope, subscriptionID string, t time.Time) (int64, error)
	// DeleteMRRChangesFrom forgets the subscription's records at or after
	// t: a save replaces its schedule from then on.
	DeleteMRRChangesFrom(ctx context.Context, s Scope, subscriptionID string, t time.Time) error
	// InsertMRRChange stores c (its ActiveDelta with it).
	InsertMRRChange(ctx context.Context, c MRRChange) error
	// MRRTotalsBefore returns the scope's MRR in currency just before t
	// and how many subscriptions brought some.
	MRRTotalsBefore(ctx context.Context, s Scope, currency string, t time.Time) (total, subscriptions int64, err error)
	// CountCustomersWithMRR counts the customers whose MRR in currency was
	// positive just before t.
	CountCustomersWithMRR(ctx context.Context, s Scope, currency string, t time.Time) (int64, error)
	// CustomerMRRBefore returns, for those of customerIDs with records
	// before t, their MRR in currency just before t and whether it was
	// ever positive.
	CustomerMRRBefore(ctx context.Context, s Scope, currency string, customerIDs []string, t time.Time) (map[string]CustomerMRR, error)
	// MRRChangesBetween returns the records in [r.From, r.To), by time.
	MRRChangesBetween(ctx context.Context, s Scope, r ReportRange) ([]MRRChange, error)
	// MRREpoch returns the scope's epoch (0 before the first move): only
	// the months kept in it count (analytics_kept.go).
	MRREpoch(ctx context.Context, s Scope) (int64, error)
	// BumpMRREpoch moves the scope's epoch on, which retires every month
	// kept before, and forgets those months.
	BumpMRREpoch(ctx context.Context, s Scope) error
	// KeptMRRMonths returns the periods kept in epoch for currency that lie
	// within [from, to], by start.
	KeptMRRMonths(ctx context.Context, s Scope, currency string, epoch int64, from, to time.Time) ([]MRRPeriod, error)
	// KeepMRRMonths keeps periods, computed in epoch, for currency; a
	// period kept already stays as it was.
	KeepMRRMonths(ctx context.Context, s Scope, currency string, epoch int64, periods []MRRPeriod, now time.Time) error
	// MRRCurrencies returns the currencies the scope has MRR records in.
	MRRCurrencies(ctx context.Context, s Scope) ([]string, error)

	// PaymentTotals counts the payment attempts made in the range.
	PaymentTotals(ctx context.Context, s Scope, r ReportRange) (PaymentTotals, error)
	// RefundTotals adds up the succeeded refunds made in the range.
	RefundTotals(ctx context.Context, s Scope, r ReportRange) (RefundTotals, error)
	// RecoveredRenewals adds up the renewal invoices paid in the range
	// after a declined attempt.
	RecoveredRenewals(ctx context.Context, s Scope, r ReportRange) (RecoveredRenewals, error)
	// TrialTotals counts the trials that ended in the range and those
	// after which the subscription brought MRR.
	TrialTotals(ctx context.Context, s Scope, r ReportRange) (TrialTotals, error)
	// CheckoutTotals counts the checkout sessions started in the range
	// (of any currency) and those completed.
	CheckoutTotals(ctx context.Context, s Scope, r ReportRange) (CheckoutTotals, error)
}

// ReportRange is a report's currency and its time range [From, To).
type ReportRange struct {
	Currency string
	From, To time.Time
}

// PaymentTotals are a range's payment attempts: those that succeeded (and
// what they collected) and those that failed. Pending and unknown ones
// are neither.
type PaymentTotals struct {
	Succeeded int64
	Collected int64
	Failed    int64
}

// RefundTotals are a range's succeeded refunds.
type RefundTotals struct {
	Count  int64
	Amount int64
}

// RecoveredRenewals are the renewal invoices paid in a range after a
// declined attempt: how many and what they brought.
type RecoveredRenewals struct {
	Count  int64
	Amount int64
}

// TrialTotals are the trials that ended in a range and how many converted.
type TrialTotals struct {
	Ended     int64
	Converted int64
}

// CheckoutTotals are the checkout sessions started in a range and how many
// were completed.
type CheckoutTotals struct {
	Started   int64
	Completed int64
}

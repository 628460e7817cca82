package billing

import (
	"context"
	"time"
)

// AlertTx stores alerts (docs/alerts.md) and answers the reads of the
// periodic alert check. The contract of Tx applies: ErrNotFound for
// missing rows (other scopes' included), lists newest first by id.
type AlertTx interface {
	// InsertAlert inserts a. A second unresolved alert of the same scope,
	// kind and object is *ErrUniqueViolation "alerts_unresolved_key".
	InsertAlert(ctx context.Context, a Alert) error
	GetAlert(ctx context.Context, s Scope, id string) (Alert, error)
	// GetUnresolvedAlert returns the scope's alert of kind on the object
	// that is not resolved; ErrNotFound when there is none.
	GetUnresolvedAlert(ctx context.Context, s Scope, kind AlertKind, objectType, objectID string) (Alert, error)
	// UpdateAlert writes severity, status, message, count, last seen,
	// acknowledged at, resolved at and updated.
	UpdateAlert(ctx context.Context, a Alert) error
	ListAlerts(ctx context.Context, s Scope, f AlertFilter, page Page) ([]Alert, bool, error)
	// ListUnresolvedAlerts returns up to limit of the scope's unresolved
	// alerts of kind, oldest first.
	ListUnresolvedAlerts(ctx context.Context, s Scope, kind AlertKind, limit int) ([]Alert, error)

	// UnknownPayments returns up to limit of the scope's unknown payments
	// created before a time, oldest first (id, gateway, status, created).
	UnknownPayments(ctx context.Context, s Scope, createdBefore time.Time, limit int) ([]Payment, error)
	// PendingRefunds returns up to limit of the scope's pending refunds
	// created before a time, oldest first (id, status, created).
	PendingRefunds(ctx context.Context, s Scope, createdBefore time.Time, limit int) ([]Refund, error)
	// RenewalLag counts (up to limit) the scope's subscriptions on real
	// time (no test clock) whose next action was due at or before a time,
	// and returns the earliest such due time (nil when none).
	RenewalLag(ctx context.Context, s Scope, dueBefore time.Time, limit int) (int64, *time.Time, error)
	// EmailFailures returns the scope's emails that failed for good since
	// a time (counted by their last update) and its latest sent email.
	EmailFailures(ctx context.Context, s Scope, since time.Time) (EmailFailureStats, error)
	// GatewaySucceededSince reports whether a payment of the scope at
	// gateway succeeded (was last updated as succeeded) after a time.
	GatewaySucceededSince(ctx context.Context, s Scope, gateway string, since time.Time) (bool, error)
}

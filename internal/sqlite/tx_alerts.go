package sqlite

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/alertsdb"
)

// alertTx is the billing.AlertTx of one transaction. Its queries (the
// alerts group of sqlc.yaml) are made on the transaction as they are
// needed.
type alertTx struct{ *base }

var _ billing.AlertTx = alertTx{}

func (t alertTx) q() *alertsdb.Queries { return t.alerts }

// InsertAlert stores a new alert.
func (t alertTx) InsertAlert(ctx context.Context, a billing.Alert) error {
	err := t.q().InsertAlert(ctx, alertsdb.InsertAlertParams{ID: a.ID, MerchantID: a.Scope.MerchantID, Mode: string(a.Scope.Mode),
		Kind: string(a.Kind), Severity: string(a.Severity), ObjectType: a.ObjectType, ObjectID: a.ObjectID,
		Status: string(a.Status), MessageEs: a.Message.ES, MessageEn: a.Message.EN, Count: a.Count,
		FirstSeen: micros(a.FirstSeen), LastSeen: micros(a.LastSeen), AcknowledgedAt: nullMicros(a.AcknowledgedAt),
		ResolvedAt: nullMicros(a.ResolvedAt), Created: micros(a.Created), Updated: micros(a.Updated)})
	if err != nil {
		return dbError(err, "insert alert %s", a.ID)
	}
	return nil
}

// GetAlert returns an alert of scope s.
func (t alertTx) GetAlert(ctx context.Context, s billing.Scope, id string) (billing.Alert, error) {
	r, err := t.q().GetAlert(ctx, alertsdb.GetAlertParams{ID: id, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return billing.Alert{}, dbError(err, "get alert %s", id)
	}
	return alertFromRow(r), nil
}

// GetUnresolvedAlert returns the unresolved alert of a kind on an object.
func (t alertTx) GetUnresolvedAlert(ctx context.Context, s billing.Scope, kind billing.AlertKind, objectType, objectID string) (billing.Alert, error) {
	r, err := t.q().GetUnresolvedAlert(ctx, alertsdb.GetUnresolvedAlertParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Kind: string(kind), ObjectType: objectType, ObjectID: objectID})
	if err != nil {
		return billing.Alert{}, dbError(err, "get unresolved %s alert", kind)
	}
	return alertFromRow(r), nil
}

// UpdateAlert writes an alert's mutable fields.
func (t alertTx) UpdateAlert(ctx context.Context, a billing.Alert) error {
	n, err := t.q().UpdateAlert(ctx, alertsdb.UpdateAlertParams{Severity: string(a.Severity), Status: string(a.Status),
		MessageEs: a.Message.ES, MessageEn: a.Message.EN, Count: a.Count, LastSeen: micros(a.LastSeen),
		AcknowledgedAt: nullMicros(a.AcknowledgedAt), ResolvedAt: nullMicros(a.ResolvedAt), Updated: micros(a.Updated),
		ID: a.ID, MerchantID: a.Scope.MerchantID, Mode: string(a.Scope.Mode)})
	return notFoundIfNone(n, err, "update alert %s", a.ID)
}

// ListAlerts returns a page of scope s's alerts, newest first.
func (t alertTx) ListAlerts(ctx context.Context, s billing.Scope, f billing.AlertFilter, page billing.Page) ([]billing.Alert, bool, error) {
	rows, err := t.q().ListAlerts(ctx, alertsdb.ListAlertsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Status: string(f.Status), StartingAfter: page.StartingAfter, RowLimit: rowLimit(page.Limit)})
	if err != nil {
		return nil, false, dbError(err, "list alerts")
	}
	rows, more := trimPage(rows, page.Limit)
	out := make([]billing.Alert, len(rows))
	for i, r := range rows {
		out[i] = alertFromRow(r)
	}
	return out, more, nil
}

// ListUnresolvedAlerts returns scope s's unresolved alerts of a kind.
func (t alertTx) ListUnresolvedAlerts(ctx context.Context, s billing.Scope, kind billing.AlertKind, limit int) ([]billing.Alert, error) {
	rows, err := t.q().ListUnresolvedAlerts(ctx, alertsdb.ListUnresolvedAlertsParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), Kind: string(kind), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError(err, "list unresolved alerts")
	}
	out := make([]billing.Alert, len(rows))
	for i, r := range rows {
		out[i] = alertFromRow(r)
	}
	return out, nil
}

// UnknownPayments returns scope s's unknown payments made before a time.
func (t alertTx) UnknownPayments(ctx context.Context, s billing.Scope, before time.Time, limit int) ([]billing.Payment, error) {
	rows, err := t.q().UnknownPaymentsBefore(ctx, alertsdb.UnknownPaymentsBeforeParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), CreatedBefore: micros(before), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError(err, "list unknown payments")
	}
	out := make([]billing.Payment, len(rows))
	for i, r := range rows {
		out[i] = billing.Payment{ID: r.ID, Scope: s, Gateway: r.Gateway, Status: billing.PaymentStatus(r.Status), Created: fromMicros(r.Created)}
	}
	return out, nil
}

// PendingRefunds returns scope s's pending refunds made before a time.
func (t alertTx) PendingRefunds(ctx context.Context, s billing.Scope, before time.Time, limit int) ([]billing.Refund, error) {
	rows, err := t.q().PendingRefundsBefore(ctx, alertsdb.PendingRefundsBeforeParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), CreatedBefore: micros(before), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError(err, "list pending refunds")
	}
	out := make([]billing.Refund, len(rows))
	for i, r := range rows {
		out[i] = billing.Refund{ID: r.ID, Scope: s, Status: billing.RefundStatus(r.Status), Created: fromMicros(r.Created)}
	}
	return out, nil
}

// RenewalLag counts scope s's real-time subscriptions due at or before a
// time and returns the earliest due time.
func (t alertTx) RenewalLag(ctx context.Context, s billing.Scope, dueBefore time.Time, limit int) (int64, *time.Time, error) {
	rows, err := t.q().DueSubscriptionTimes(ctx, alertsdb.DueSubscriptionTimesParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), DueBefore: nullMicros(&dueBefore), RowLimit: maxRows(limit)})
	if err != nil {
		return 0, nil, dbError(err, "list due subscriptions")
	}
	if len(rows) == 0 {
		return 0, nil, nil
	}
	return int64(len(rows)), fromNullMicros(rows[0]), nil
}

// emailFailureLimit bounds the failed emails EmailFailures counts: past
// the alert's threshold the exact number matters little.
const emailFailureLimit = 1000

// EmailFailures returns scope s's recent email failures and latest send.
func (t alertTx) EmailFailures(ctx context.Context, s billing.Scope, since time.Time) (billing.EmailFailureStats, error) {
	var st billing.EmailFailureStats
	failed, err := t.q().FailedEmailTimes(ctx, alertsdb.FailedEmailTimesParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Since: micros(since), RowLimit: emailFailureLimit})
	if err != nil {
		return st, dbError(err, "list failed emails")
	}
	st.Failed = int64(len(failed))
	if len(failed) > 0 {
		last := fromMicros(failed[0])
		st.LastFailed = &last
	}
	sent, err := t.q().LastSentEmail(ctx, alertsdb.LastSentEmailParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return st, dbError(err, "last sent email")
	}
	if len(sent) > 0 {
		st.LastSent = fromNullMicros(sent[0])
	}
	return st, nil
}

// GatewaySucceededSince reports whether a payment at gateway succeeded
// after since.
func (t alertTx) GatewaySucceededSince(ctx context.Context, s billing.Scope, gateway string, since time.Time) (bool, error) {
	ids, err := t.q().GatewaySucceededSince(ctx, alertsdb.GatewaySucceededSinceParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), Gateway: gateway, Since: micros(since)})
	if err != nil {
		return false, dbError(err, "gateway succeeded since")
	}
	return len(ids) > 0, nil
}

func alertFromRow(r alertsdb.Alert) billing.Alert {
	return billing.Alert{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Kind: billing.AlertKind(r.Kind), Severity: billing.AlertSeverity(r.Severity), ObjectType: r.ObjectType,
		ObjectID: r.ObjectID, Status: billing.AlertStatus(r.Status), Message: billing.AlertText{ES: r.MessageEs, EN: r.MessageEn},
		Count: r.Count, FirstSeen: fromMicros(r.FirstSeen), LastSeen: fromMicros(r.LastSeen),
		AcknowledgedAt: fromNullMicros(r.AcknowledgedAt), ResolvedAt: fromNullMicros(r.ResolvedAt),
		Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}
}

package postgres

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/alertsdb"
)

// alertTx is the billing.AlertTx of one transaction. Its queries (the
// alerts group of sqlc.yaml) are made on the transaction as they are
// needed; writes go through base.write's savepoint like every other, so a
// raise that loses the race for alerts_unresolved_key leaves the
// transaction usable for the bump that follows.
type alertTx struct{ *base }

var _ billing.AlertTx = alertTx{}

func (t alertTx) q() *alertsdb.Queries { return t.alerts }

// writeAlerts is write with the alerts group's queries on the savepoint.
func (t alertTx) writeAlerts(ctx context.Context, op string, fn func(q *alertsdb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(alertsdb.New(db)) })
}

// InsertAlert stores a new alert.
func (t alertTx) InsertAlert(ctx context.Context, a billing.Alert) error {
	return t.writeAlerts(ctx, "insert alert "+a.ID, func(q *alertsdb.Queries) error {
		return q.InsertAlert(ctx, alertsdb.InsertAlertParams{ID: a.ID, MerchantID: a.Scope.MerchantID, Mode: string(a.Scope.Mode),
			Kind: string(a.Kind), Severity: string(a.Severity), ObjectType: a.ObjectType, ObjectID: a.ObjectID,
			Status: string(a.Status), MessageEs: a.Message.ES, MessageEn: a.Message.EN, Count: a.Count,
			FirstSeen: ts(a.FirstSeen), LastSeen: ts(a.LastSeen), AcknowledgedAt: tsPtr(a.AcknowledgedAt),
			ResolvedAt: tsPtr(a.ResolvedAt), Created: ts(a.Created), Updated: ts(a.Updated)})
	})
}

// GetAlert returns an alert of scope s.
func (t alertTx) GetAlert(ctx context.Context, s billing.Scope, id string) (billing.Alert, error) {
	r, err := t.q().GetAlert(ctx, alertsdb.GetAlertParams{ID: id, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return billing.Alert{}, dbError("get alert "+id, err)
	}
	return alertFromRow(r), nil
}

// GetUnresolvedAlert returns the unresolved alert of a kind on an object.
func (t alertTx) GetUnresolvedAlert(ctx context.Context, s billing.Scope, kind billing.AlertKind, objectType, objectID string) (billing.Alert, error) {
	r, err := t.q().GetUnresolvedAlert(ctx, alertsdb.GetUnresolvedAlertParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Kind: string(kind), ObjectType: objectType, ObjectID: objectID})
	if err != nil {
		return billing.Alert{}, dbError("get unresolved "+string(kind)+" alert", err)
	}
	return alertFromRow(r), nil
}

// UpdateAlert writes an alert's mutable fields.
func (t alertTx) UpdateAlert(ctx context.Context, a billing.Alert) error {
	return t.writeAlerts(ctx, "update alert "+a.ID, func(q *alertsdb.Queries) error {
		return updated(q.UpdateAlert(ctx, alertsdb.UpdateAlertParams{Severity: string(a.Severity), Status: string(a.Status),
			MessageEs: a.Message.ES, MessageEn: a.Message.EN, Count: a.Count, LastSeen: ts(a.LastSeen),
			AcknowledgedAt: tsPtr(a.AcknowledgedAt), ResolvedAt: tsPtr(a.ResolvedAt), Updated: ts(a.Updated),
			ID: a.ID, MerchantID: a.Scope.MerchantID, Mode: string(a.Scope.Mode)}))
	})
}

// ListAlerts returns a page of scope s's alerts, newest first.
func (t alertTx) ListAlerts(ctx context.Context, s billing.Scope, f billing.AlertFilter, pg billing.Page) ([]billing.Alert, bool, error) {
	rows, err := t.q().ListAlerts(ctx, alertsdb.ListAlertsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Status: string(f.Status), StartingAfter: pg.StartingAfter, RowLimit: rowLimit(pg.Limit)})
	if err != nil {
		return nil, false, dbError("list alerts", err)
	}
	rows, more := trimPage(rows, pg.Limit)
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
		return nil, dbError("list unresolved alerts", err)
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
		Mode: string(s.Mode), CreatedBefore: ts(before), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError("list unknown payments", err)
	}
	out := make([]billing.Payment, len(rows))
	for i, r := range rows {
		out[i] = billing.Payment{ID: r.ID, Scope: s, Gateway: r.Gateway, Status: billing.PaymentStatus(r.Status), Created: r.Created.UTC()}
	}
	return out, nil
}

// PendingRefunds returns scope s's pending refunds made before a time.
func (t alertTx) PendingRefunds(ctx context.Context, s billing.Scope, before time.Time, limit int) ([]billing.Refund, error) {
	rows, err := t.q().PendingRefundsBefore(ctx, alertsdb.PendingRefundsBeforeParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), CreatedBefore: ts(before), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError("list pending refunds", err)
	}
	out := make([]billing.Refund, len(rows))
	for i, r := range rows {
		out[i] = billing.Refund{ID: r.ID, Scope: s, Status: billing.RefundStatus(r.Status), Created: r.Created.UTC()}
	}
	return out, nil
}

// RenewalLag counts scope s's real-time subscriptions due at or before a
// time and returns the earliest due time.
func (t alertTx) RenewalLag(ctx context.Context, s billing.Scope, dueBefore time.Time, limit int) (int64, *time.Time, error) {
	rows, err := t.q().DueSubscriptionTimes(ctx, alertsdb.DueSubscriptionTimesParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), DueBefore: tsPtr(&dueBefore), RowLimit: maxRows(limit)})
	if err != nil || len(rows) == 0 {
		return 0, nil, dbError("list due subscriptions", err)
	}
	return int64(len(rows)), utcPtr(rows[0]), nil
}

// emailFailureLimit bounds the failed emails EmailFailures counts: past
// the alert's threshold the exact number matters little.
const emailFailureLimit = 1000

// EmailFailures returns scope s's recent email failures and latest send.
func (t alertTx) EmailFailures(ctx context.Context, s billing.Scope, since time.Time) (billing.EmailFailureStats, error) {
	var st billing.EmailFailureStats
	failed, err := t.q().FailedEmailTimes(ctx, alertsdb.FailedEmailTimesParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Since: ts(since), RowLimit: emailFailureLimit})
	if err != nil {
		return st, dbError("list failed emails", err)
	}
	st.Failed = int64(len(failed))
	if len(failed) > 0 {
		last := failed[0].UTC()
		st.LastFailed = &last
	}
	sent, err := t.q().LastSentEmail(ctx, alertsdb.LastSentEmailParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return st, dbError("last sent email", err)
	}
	if len(sent) > 0 {
		st.LastSent = utcPtr(sent[0])
	}
	return st, nil
}

// GatewaySucceededSince reports whether a payment at gateway succeeded
// after since.
func (t alertTx) GatewaySucceededSince(ctx context.Context, s billing.Scope, gateway string, since time.Time) (bool, error) {
	ids, err := t.q().GatewaySucceededSince(ctx, alertsdb.GatewaySucceededSinceParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), Gateway: gateway, Since: ts(since)})
	if err != nil {
		return false, dbError("gateway succeeded since", err)
	}
	return len(ids) > 0, nil
}

func alertFromRow(r alertsdb.Alert) billing.Alert {
	return billing.Alert{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Kind: billing.AlertKind(r.Kind), Severity: billing.AlertSeverity(r.Severity), ObjectType: r.ObjectType,
		ObjectID: r.ObjectID, Status: billing.AlertStatus(r.Status), Message: billing.AlertText{ES: r.MessageEs, EN: r.MessageEn},
		Count: r.Count, FirstSeen: r.FirstSeen.UTC(), LastSeen: r.LastSeen.UTC(), AcknowledgedAt: utcPtr(r.AcknowledgedAt),
		ResolvedAt: utcPtr(r.ResolvedAt), Created: r.Created.UTC(), Updated: r.Updated.UTC()}
}

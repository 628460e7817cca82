package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// Alerts (docs/alerts.md) tell a merchant that something needs a person.
// billing's rules say when each kind's condition holds and clears; this
// file raises and resolves alerts in the caller's transaction (raiseAlert,
// resolveAlert, on core so that every area raises where the fact happens)
// and holds the merchant's use cases. alerts_check.go is the periodic
// check of the conditions that are states.

// Event types of alerts.
const (
	// EventAlertOpened is written when an alert opens (not when it is seen
	// again); the merchant's alert address is emailed about it.
	EventAlertOpened = "alert.opened"
	// EventAlertResolved is written when an alert's condition clears.
	EventAlertResolved = "alert.resolved"
)

// raiseAlert records, in tx, that condition c holds now in scope s: it
// opens an alert (with its alert.opened event and audit entry) unless one
// of c's kind on c's object is unresolved, which is then seen again (its
// count and last_seen move; an acknowledged one stays acknowledged). It
// reports whether it opened one. Alerts live on real time: a test clock
// never applies.
func (a *core) raiseAlert(ctx context.Context, tx billing.Tx, s billing.Scope, c billing.AlertCondition) (bool, error) {
	now := a.Now()
	cur, err := tx.Alerts.GetUnresolvedAlert(ctx, s, c.Kind, c.ObjectType, c.ObjectID)
	if err == nil {
		return false, a.seenAgain(ctx, tx, cur, c)
	}
	if !errors.Is(err, billing.ErrNotFound) {
		return false, fmt.Errorf("read %s alert: %w", c.Kind, err)
	}
	al := billing.NewAlert(s, c, now)
	if err := tx.Alerts.InsertAlert(ctx, al); err != nil {
		var uv *billing.ErrUniqueViolation
		if !errors.As(err, &uv) {
			return false, fmt.Errorf("open %s alert: %w", c.Kind, err)
		}
		// A concurrent raise opened it first: this one is a repeat.
		cur, err := tx.Alerts.GetUnresolvedAlert(ctx, s, c.Kind, c.ObjectType, c.ObjectID)
		if err != nil {
			return false, fmt.Errorf("read %s alert: %w", c.Kind, err)
		}
		return false, a.seenAgain(ctx, tx, cur, c)
	}
	a.logger.WarnContext(ctx, "alert opened", "merchant", s.MerchantID, "mode", s.Mode, "alert", al.ID, "kind", al.Kind,
		"severity", al.Severity, "object_type", al.ObjectType, "object", al.ObjectID)
	if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "alert.open", objectType: "alert",
		objectID: al.ID, after: al}); err != nil {
		return false, err
	}
	return true, a.emit(ctx, tx, s, EventAlertOpened, "alert", al.ID, al, now)
}

// seenAgain writes a repeat of c on the unresolved alert cur.
func (a *core) seenAgain(ctx context.Context, tx billing.Tx, cur billing.Alert, c billing.AlertCondition) error {
	billing.SeenAgain(&cur, c, a.Now())
	if err := tx.Alerts.UpdateAlert(ctx, cur); err != nil {
		return fmt.Errorf("update alert %s: %w", cur.ID, err)
	}
	return nil
}

// resolveAlert resolves, in tx, scope s's unresolved alert of kind on an
// object, if there is one, with its alert.resolved event and audit entry.
func (a *core) resolveAlert(ctx context.Context, tx billing.Tx, s billing.Scope, kind billing.AlertKind, objectType, objectID string) error {
	cur, err := tx.Alerts.GetUnresolvedAlert(ctx, s, kind, objectType, objectID)
	if errors.Is(err, billing.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s alert: %w", kind, err)
	}
	return a.resolve(ctx, tx, cur)
}

// resolve resolves the unresolved alert cur.
func (a *core) resolve(ctx context.Context, tx billing.Tx, cur billing.Alert) error {
	before := cur
	now := a.Now()
	billing.ResolveAlert(&cur, now)
	if err := tx.Alerts.UpdateAlert(ctx, cur); err != nil {
		return fmt.Errorf("resolve alert %s: %w", cur.ID, err)
	}
	a.logger.InfoContext(ctx, "alert resolved", "merchant", cur.Scope.MerchantID, "mode", cur.Scope.Mode, "alert", cur.ID,
		"kind", cur.Kind)
	if err := a.audit(ctx, tx, change{merchantID: cur.Scope.MerchantID, mode: cur.Scope.Mode, action: "alert.resolve",
		objectType: "alert", objectID: cur.ID, before: before, after: cur}); err != nil {
		return err
	}
	return a.emit(ctx, tx, cur.Scope, EventAlertResolved, "alert", cur.ID, cur, now)
}

// gatewayAlerts carries out billing.GatewayAlerts for a charge's facts:
// it raises what the charge showed. What a charge clears is left to the
// periodic check (checkGatewayAlerts), so that the hot path of a
// successful charge reads nothing more.
func (a *core) gatewayAlerts(ctx context.Context, tx billing.Tx, s billing.Scope, f billing.GatewayAlertFacts) error {
	raise, _ := billing.GatewayAlerts(f)
	for _, c := range raise {
		if _, err := a.raiseAlert(ctx, tx, s, c); err != nil {
			return err
		}
	}
	return nil
}

// chargeFacts are the gateway facts of a charge's outcome (res, or the
// call's error).
func chargeFacts(gateway string, res billing.ChargeResult, callErr error) billing.GatewayAlertFacts {
	f := billing.GatewayAlertFacts{Gateway: gateway, CircuitOpen: errors.Is(callErr, billing.ErrCircuitOpen)}
	if e := billing.AsError(callErr); e != nil && e.Code == billing.CodeGatewayCredentialsInvalid {
		f.Answered, f.CredentialsRefused = true, true
	}
	if callErr == nil {
		f.Answered = true
		f.CredentialsRefused = res.FailureCode == billing.CodeGatewayCredentialsInvalid
		f.Succeeded = res.Status == billing.PaymentSucceeded
	}
	return f
}

// GetAlert returns an alert of scope s.
func (a *Alerts) GetAlert(ctx context.Context, s billing.Scope, id string) (billing.Alert, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Alert, error) {
		v, err := tx.Alerts.GetAlert(ctx, s, id)
		return v, notFound(err, "alert", id)
	})
}

// ListAlerts lists scope s's alerts, newest first, of one status when f
// names one.
func (a *Alerts) ListAlerts(ctx context.Context, s billing.Scope, f billing.AlertFilter, page billing.Page) (List[billing.Alert], error) {
	if f.Status != "" && !billing.ValidAlertStatus(f.Status) {
		return List[billing.Alert]{}, billing.Invalid("status", billing.CodeParameterInvalid,
			"status must be one of open, acknowledged, resolved")
	}
	return list(ctx, a.core, page, billing.PrefixAlert, func(tx billing.Tx, page billing.Page) ([]billing.Alert, bool, error) {
		return tx.Alerts.ListAlerts(ctx, s, f, page)
	})
}

// AcknowledgeAlert records that the merchant saw an open alert: it becomes
// acknowledged and stays so until its condition clears (repeats do not
// reopen it). Acknowledging it again changes nothing; a resolved alert is
// refused with alert_resolved.
func (a *Alerts) AcknowledgeAlert(ctx context.Context, s billing.Scope, id string) (billing.Alert, error) {
	var out billing.Alert
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		cur, err := tx.Alerts.GetAlert(ctx, s, id)
		if err != nil {
			return notFound(err, "alert", id)
		}
		before := cur
		if err := billing.AcknowledgeAlert(&cur, a.Now()); err != nil {
			return err
		}
		out = cur
		if cur.Status == before.Status {
			return nil
		}
		if err := tx.Alerts.UpdateAlert(ctx, cur); err != nil {
			return fmt.Errorf("acknowledge alert %s: %w", id, err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "alert.acknowledge",
			objectType: "alert", objectID: id, before: before, after: cur})
	})
	return out, err
}

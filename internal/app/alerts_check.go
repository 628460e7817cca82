package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// checkLimit bounds how many objects of one kind one scope's check looks
// at: a scope with more unknown payments (or stuck refunds) than that has
// its oldest ones alerted first and the rest on the following runs.
const checkLimit = 500

// AlertCheckResult counts what one run of CheckAlerts did.
type AlertCheckResult struct {
	Opened   int // alerts opened
	Resolved int // alerts resolved
}

// CheckAlerts is the periodic check of the alert conditions that are
// states rather than events (docs/alerts.md): failing and disabled webhook
// endpoints, payments unknown past their reconciliation schedule, stuck
// refunds, a renewal sweep that falls behind, failing emails, and the
// clearing of gateway alerts. For every scope, in one transaction each, it
// raises what holds (a repeat bumps the open alert) and resolves the
// unresolved alerts whose condition cleared. The leader runs it every
// minute. A scope that fails is logged and left for the next run.
func (a *Alerts) CheckAlerts(ctx context.Context) (AlertCheckResult, error) {
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	merchants, err := a.merchants.ListMerchants(ctx)
	if err != nil {
		return AlertCheckResult{}, fmt.Errorf("check alerts: %w", err)
	}
	var total AlertCheckResult
	var errs []error
	for _, m := range merchants {
		for _, mode := range []billing.Mode{billing.ModeTest, billing.ModeLive} {
			s := billing.Scope{MerchantID: m.ID, Mode: mode}
			var r AlertCheckResult
			err := a.store.InTx(ctx, func(tx billing.Tx) error {
				r = AlertCheckResult{}
				return a.checkScope(ctx, tx, s, &r)
			})
			if err == nil {
				total.Opened += r.Opened
				total.Resolved += r.Resolved
				continue
			}
			if ctx.Err() != nil {
				return total, err
			}
			a.logger.ErrorContext(ctx, "checking alerts failed; will retry", "merchant", s.MerchantID, "mode", s.Mode, "error", err)
			errs = append(errs, fmt.Errorf("check alerts %s/%s: %w", s.MerchantID, s.Mode, err))
		}
	}
	return total, errors.Join(errs...)
}

// checker is one scope's check in one transaction.
type checker struct {
	a   *Alerts
	ctx context.Context
	tx  billing.Tx
	s   billing.Scope
	r   *AlertCheckResult
}

// raise raises c, counting an opening.
func (k checker) raise(c billing.AlertCondition) error {
	opened, err := k.a.raiseAlert(k.ctx, k.tx, k.s, c)
	if opened {
		k.r.Opened++
	}
	return err
}

// resolve resolves an unresolved alert.
func (k checker) resolve(al billing.Alert) error {
	k.r.Resolved++
	return k.a.resolve(k.ctx, k.tx, al)
}

// unresolved returns the scope's unresolved alerts of kind.
func (k checker) unresolved(kind billing.AlertKind) ([]billing.Alert, error) {
	l, err := k.tx.Alerts.ListUnresolvedAlerts(k.ctx, k.s, kind, checkLimit)
	if err != nil {
		return nil, fmt.Errorf("list unresolved %s alerts: %w", kind, err)
	}
	return l, nil
}

// sync raises the conditions that hold and resolves the unresolved alerts
// of kind whose object is not among them and for which stillHolds (the
// rule applied to the object as it is now, for objects the bounded read
// may have left out) says false.
func (k checker) sync(kind billing.AlertKind, holding []billing.AlertCondition, stillHolds func(billing.Alert) (bool, error)) error {
	seen := map[string]bool{}
	for _, c := range holding {
		seen[c.ObjectType+"/"+c.ObjectID] = true
		if err := k.raise(c); err != nil {
			return err
		}
	}
	open, err := k.unresolved(kind)
	if err != nil {
		return err
	}
	for _, al := range open {
		if seen[al.ObjectType+"/"+al.ObjectID] {
			continue
		}
		holds := false
		if stillHolds != nil {
			if holds, err = stillHolds(al); err != nil {
				return err
			}
		}
		if !holds {
			if err := k.resolve(al); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Alerts) checkScope(ctx context.Context, tx billing.Tx, s billing.Scope, r *AlertCheckResult) error {
	k := checker{a: a, ctx: ctx, tx: tx, s: s, r: r}
	for _, check := range []func() error{k.endpoints, k.unknownPayments, k.stuckRefunds, k.renewals, k.emails, k.gateways} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// endpoints checks every endpoint of the scope (a scope holds a bounded
// number of them).
func (k checker) endpoints() error {
	eps, _, err := k.tx.Notify.ListWebhookEndpoints(k.ctx, k.s, billing.Page{})
	if err != nil {
		return fmt.Errorf("list webhook endpoints: %w", err)
	}
	now := wallNow()
	held := map[billing.AlertKind][]billing.AlertCondition{}
	for _, ep := range eps {
		for _, c := range billing.WebhookEndpointAlerts(ep, now, k.a.notify.webhooks.AlertAfter) {
			held[c.Kind] = append(held[c.Kind], c)
		}
	}
	for _, kind := range []billing.AlertKind{billing.AlertWebhookEndpointFailing, billing.AlertWebhookEndpointDisabled} {
		// Every endpoint was looked at: one not holding has cleared
		// (deleted ones included).
		if err := k.sync(kind, held[kind], nil); err != nil {
			return err
		}
	}
	return nil
}

func (k checker) unknownPayments() error {
	now := k.a.Now()
	pays, err := k.tx.Alerts.UnknownPayments(k.ctx, k.s, now.Add(-billing.UnknownPaymentAlertAfter), checkLimit)
	if err != nil {
		return fmt.Errorf("list unknown payments: %w", err)
	}
	var held []billing.AlertCondition
	for _, p := range pays {
		if c, ok := billing.UnknownPaymentAlert(p, now); ok {
			held = append(held, c)
		}
	}
	return k.sync(billing.AlertPaymentUnknown, held, func(al billing.Alert) (bool, error) {
		p, err := k.tx.Payments.GetPayment(k.ctx, k.s, al.ObjectID)
		if errors.Is(err, billing.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read payment %s: %w", al.ObjectID, err)
		}
		_, ok := billing.UnknownPaymentAlert(p, now)
		return ok, nil
	})
}

func (k checker) stuckRefunds() error {
	now := k.a.Now()
	refunds, err := k.tx.Alerts.PendingRefunds(k.ctx, k.s, now.Add(-billing.RefundStuckAfter), checkLimit)
	if err != nil {
		return fmt.Errorf("list pending refunds: %w", err)
	}
	var held []billing.AlertCondition
	for _, r := range refunds {
		if c, ok := billing.StuckRefundAlert(r, now); ok {
			held = append(held, c)
		}
	}
	return k.sync(billing.AlertRefundStuck, held, func(al billing.Alert) (bool, error) {
		r, err := k.tx.Payments.GetRefund(k.ctx, k.s, al.ObjectID)
		if errors.Is(err, billing.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read refund %s: %w", al.ObjectID, err)
		}
		_, ok := billing.StuckRefundAlert(r, now)
		return ok, nil
	})
}

// renewalLagLimit bounds the count of subscriptions behind that the
// renewal alert reports.
const renewalLagLimit = 1000

func (k checker) renewals() error {
	now := k.a.Now()
	n, oldest, err := k.tx.Alerts.RenewalLag(k.ctx, k.s, now.Add(-billing.RenewalLagAfter), renewalLagLimit)
	if err != nil {
		return fmt.Errorf("read renewal lag: %w", err)
	}
	var held []billing.AlertCondition
	if c, ok := billing.RenewalLagAlert(k.s.MerchantID, oldest, n, now); ok {
		held = append(held, c)
	}
	return k.sync(billing.AlertRenewalsBehind, held, nil)
}

func (k checker) emails() error {
	st, err := k.tx.Alerts.EmailFailures(k.ctx, k.s, k.a.Now().Add(-billing.EmailFailureWindow))
	if err != nil {
		return fmt.Errorf("read email failures: %w", err)
	}
	var held []billing.AlertCondition
	if c, ok := billing.EmailsFailingAlert(k.s.MerchantID, st); ok {
		held = append(held, c)
	}
	return k.sync(billing.AlertEmailsFailing, held, nil)
}

// gateways raises gateway_unavailable for a configured gateway whose
// circuit breaker (in this process) is open, and resolves the gateway
// alerts that cleared: a payment at the gateway succeeded since the alert
// was last seen (any of the three kinds); the breaker lets calls through
// and nobody saw it open for GatewayCircuitQuiet (gateway_unavailable);
// the merchant saved new credentials, which are checked when saved
// (gateway_credentials_refused).
func (k checker) gateways() error {
	now := k.a.Now()
	configs, err := k.tx.Gateways.ListGatewayConfigs(k.ctx, k.s)
	if err != nil {
		return fmt.Errorf("list gateway configs: %w", err)
	}
	updated := map[string]billing.GatewayConfig{}
	for _, c := range configs {
		updated[c.Gateway] = c
		if !k.a.gatewayAvailable(k.s, c.Gateway) {
			raise, _ := billing.GatewayAlerts(billing.GatewayAlertFacts{Gateway: c.Gateway, CircuitOpen: true})
			for _, rc := range raise {
				if err := k.raise(rc); err != nil {
					return err
				}
			}
		}
	}
	for _, kind := range []billing.AlertKind{billing.AlertGatewayUnavailable, billing.AlertGatewayCredentialsRefused,
		billing.AlertGatewayPaymentsFailing} {
		open, err := k.unresolved(kind)
		if err != nil {
			return err
		}
		for _, al := range open {
			g := al.ObjectID
			cleared, err := k.tx.Alerts.GatewaySucceededSince(k.ctx, k.s, g, al.LastSeen)
			if err != nil {
				return fmt.Errorf("read payments at %s: %w", g, err)
			}
			switch kind {
			case billing.AlertGatewayUnavailable:
				cleared = cleared || billing.GatewayCircuitCleared(k.a.gatewayAvailable(k.s, g), al.LastSeen, now)
			case billing.AlertGatewayCredentialsRefused:
				if c, ok := updated[g]; ok && c.Updated.After(al.LastSeen) {
					cleared = true
				}
			}
			if cleared {
				if err := k.resolve(al); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// gatewayAvailable reports whether the named gateway's circuit breaker
// lets calls of scope s through (true for a gateway without a breaker,
// or one this process does not have).
func (a *core) gatewayAvailable(s billing.Scope, name string) bool {
	gw, err := a.gateway(name)
	if err != nil {
		return true
	}
	if av, ok := gw.(interface{ Available(billing.Scope) bool }); ok {
		return av.Available(s)
	}
	return true
}

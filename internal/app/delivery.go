package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// EventRenderer renders an event as the API shows it (GET /v1/events/{id}):
// the "data" of a webhook payload.
type EventRenderer func(billing.Event) (json.RawMessage, error)

// DeliveryOutcome is what one delivery attempt leaves to its job.
type DeliveryOutcome struct {
	// Retry asks for the next attempt on the retry schedule.
	Retry bool
	// Reason says why the attempt failed (for the job's error log).
	Reason string
}

// webhookPayload is the body of a delivery: the Standard Webhooks shape,
// with the event as the API shows it.
type webhookPayload struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// encodePayload renders the body of a delivery of ev. Timestamp is the
// event's time (a test clock's, for events on one), in RFC 3339.
func encodePayload(ev billing.Event, render EventRenderer) ([]byte, error) {
	data, err := render(ev)
	if err != nil {
		return nil, fmt.Errorf("render event %s: %w", ev.ID, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as the API writes JSON
	p := webhookPayload{Type: ev.Type, Timestamp: ev.Created.UTC().Format(time.RFC3339), Data: data}
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encode webhook payload of %s: %w", ev.ID, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// DeliverWebhook makes one attempt at a delivery and records it. jobAttempt
// is the job's attempt number (1 for the first run): with the retry
// schedule it decides whether another attempt follows. The HTTP request is
// made outside any transaction, signed with the endpoint's secrets (both,
// during a rotation) at the real time; the attempt, the delivery's new
// status, the endpoint's run of failures and, after DisableAfter of
// failures, its disabling (with the webhook_endpoint.disabled event that
// emails the merchant) commit together.
//
// A delivery that is gone (its endpoint was deleted), already succeeded,
// or whose endpoint is disabled is not attempted.
func (a *Notifications) DeliverWebhook(ctx context.Context, args DeliverWebhookArgs, jobAttempt int, render EventRenderer) (DeliveryOutcome, error) {
	s := billing.Scope{MerchantID: args.MerchantID, Mode: args.Mode}
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	var ep billing.WebhookEndpoint
	var d billing.WebhookDelivery
	var ev billing.Event
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if d, err = tx.Notify.GetWebhookDelivery(ctx, s, args.DeliveryID); err != nil {
			return err
		}
		if ep, err = tx.Notify.GetWebhookEndpoint(ctx, s, d.EndpointID); err != nil {
			return err
		}
		ev, err = tx.Events.GetEvent(ctx, s, d.EventID)
		return err
	})
	if errors.Is(err, billing.ErrNotFound) {
		return DeliveryOutcome{}, nil // deleted with its endpoint
	}
	if err != nil {
		return DeliveryOutcome{}, fmt.Errorf("read delivery %s: %w", args.DeliveryID, err)
	}
	if !args.Manual && d.Status != billing.DeliveryPending {
		return DeliveryOutcome{}, nil
	}
	if ep.Disabled {
		if args.Manual {
			return DeliveryOutcome{}, nil
		}
		return DeliveryOutcome{}, a.abandonDelivery(ctx, s, d.ID)
	}

	start := wallNow()
	secrets, err := a.signingSecrets(ep, a.Now())
	if err != nil {
		return DeliveryOutcome{}, err
	}
	body, err := encodePayload(ev, render)
	if err != nil {
		return DeliveryOutcome{}, err
	}
	// Test mode may reach a receiver on the merchant's own machine; live
	// mode may not.
	res := a.ports.Webhooks.Deliver(ctx, WebhookRequest{URL: ep.URL, ID: ev.ID, Timestamp: start,
		Body: body, Secrets: secrets, Timeout: a.notify.webhooks.Timeout, AllowPrivateNetworks: s.Mode != billing.ModeLive})
	if res.Kind == WebhookErrorCanceled {
		// Shutting down: the attempt says nothing about the endpoint; the
		// job runs again.
		return DeliveryOutcome{}, fmt.Errorf("delivery %s interrupted: %w", d.ID, res.Err)
	}
	var out DeliveryOutcome
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		out = DeliveryOutcome{}
		return a.recordAttempt(ctx, tx, s, args, jobAttempt, start, res, &out)
	})
	if errors.Is(err, errEndpointGone) {
		return DeliveryOutcome{}, nil
	}
	if err != nil {
		return DeliveryOutcome{}, fmt.Errorf("record attempt at delivery %s: %w", d.ID, err)
	}
	return out, nil
}

// recordAttempt writes one attempt's outcome (see DeliverWebhook). The
// endpoint's row lock orders the records of concurrent attempts.
func (a *Notifications) recordAttempt(ctx context.Context, tx billing.Tx, s billing.Scope, args DeliverWebhookArgs, jobAttempt int,
	start time.Time, res WebhookResult, out *DeliveryOutcome) error {
	d, err := tx.Notify.GetWebhookDelivery(ctx, s, args.DeliveryID)
	if errors.Is(err, billing.ErrNotFound) {
		return errEndpointGone
	}
	if err != nil {
		return err
	}
	ep, err := tx.Notify.LockWebhookEndpoint(ctx, s, d.EndpointID)
	if errors.Is(err, billing.ErrNotFound) {
		return errEndpointGone
	}
	if err != nil {
		return err
	}
	epBefore := ep
	end, now := wallNow(), a.Now()
	d.Attempts++
	attempt := billing.WebhookAttempt{ID: billing.NewID(billing.PrefixWebhookAttempt, now), Scope: s, DeliveryID: d.ID,
		Number: d.Attempts, Manual: args.Manual, Succeeded: res.Success, StatusCode: int64(res.StatusCode),
		LatencyMS: res.Latency.Milliseconds(), ErrorKind: string(res.Kind), ResponseExcerpt: res.ResponseExcerpt, Created: start}
	if res.Err != nil {
		attempt.Error = res.Err.Error()
	}
	if err := tx.Notify.CreateWebhookAttempt(ctx, attempt); err != nil {
		return fmt.Errorf("create attempt: %w", err)
	}
	d.LastAttemptAt, d.Updated = &start, now
	switch {
	case res.Success:
		d.Status, d.NextAttemptAt = billing.DeliverySucceeded, nil
		ep.FailingSince = nil
	case args.Manual:
		// A manual replay leaves the automatic schedule as it was.
	case res.Kind == WebhookErrorInvalidRequest:
		// Nothing was sent and the same request would fail the same way.
		d.Status, d.NextAttemptAt = billing.DeliveryFailed, nil
	default:
		if next, ok := a.nextWebhookAttempt(jobAttempt, end); ok {
			d.NextAttemptAt, out.Retry = &next, true
		} else {
			d.Status, d.NextAttemptAt = billing.DeliveryFailed, nil
		}
	}
	if !res.Success {
		out.Reason = failureReason(res)
		if res.Kind != WebhookErrorInvalidRequest && ep.FailingSince == nil {
			ep.FailingSince = &start
		}
		if ep.FailingSince != nil && !ep.Disabled && a.shouldDisable(*ep.FailingSince, end) {
			if err := a.disableFailingEndpoint(ctx, tx, &ep, out.Reason, now); err != nil {
				return err
			}
			if d.Status == billing.DeliveryPending {
				d.Status, d.NextAttemptAt, out.Retry = billing.DeliveryFailed, nil, false
			}
		}
	}
	if err := tx.Notify.UpdateWebhookDelivery(ctx, d); err != nil {
		return fmt.Errorf("update delivery: %w", err)
	}
	if !sameHealth(epBefore, ep) {
		ep.Updated = now
		if err := tx.Notify.UpdateWebhookEndpoint(ctx, ep); err != nil {
			return fmt.Errorf("update endpoint %s: %w", ep.ID, err)
		}
	}
	if ep.FailingSince != nil || epBefore.FailingSince != nil {
		// Failing, or just recovered: the endpoint's alerts follow now
		// (a healthy endpoint's attempts read nothing more).
		return a.endpointAlerts(ctx, tx, ep, end)
	}
	return nil
}

// endpointAlerts raises the alerts of the conditions endpoint ep is in at
// now (billing.WebhookEndpointAlerts) and resolves the others.
func (a *Notifications) endpointAlerts(ctx context.Context, tx billing.Tx, ep billing.WebhookEndpoint, now time.Time) error {
	held := map[billing.AlertKind]bool{}
	for _, c := range billing.WebhookEndpointAlerts(ep, now, a.notify.webhooks.AlertAfter) {
		held[c.Kind] = true
		if _, err := a.raiseAlert(ctx, tx, ep.Scope, c); err != nil {
			return err
		}
	}
	for _, kind := range []billing.AlertKind{billing.AlertWebhookEndpointFailing, billing.AlertWebhookEndpointDisabled} {
		if held[kind] {
			continue
		}
		if err := a.resolveAlert(ctx, tx, ep.Scope, kind, "webhook_endpoint", ep.ID); err != nil {
			return err
		}
	}
	return nil
}

// sameHealth reports whether an attempt left an endpoint's run of failures
// and status as they were.
func sameHealth(a, b billing.WebhookEndpoint) bool {
	return a.Disabled == b.Disabled && ((a.FailingSince == nil) == (b.FailingSince == nil)) &&
		(a.FailingSince == nil || a.FailingSince.Equal(*b.FailingSince))
}

// disabledEndpoint is the object of a webhook_endpoint.disabled event: the
// endpoint and the failure that made cuota give up.
type disabledEndpoint struct {
	billing.WebhookEndpoint
	LastError string `json:"last_error"`
}

// disableFailingEndpoint turns off an endpoint that has failed for
// DisableAfter, with its audit entry and the webhook_endpoint.disabled
// event (which the dispatcher turns into an email to the merchant).
func (a *Notifications) disableFailingEndpoint(ctx context.Context, tx billing.Tx, ep *billing.WebhookEndpoint, lastError string, now time.Time) error {
	before := *ep
	ep.Disabled, ep.DisabledReason = true, billing.DisabledFailing
	a.logger.WarnContext(ctx, "webhook endpoint disabled after failing for days", "merchant", ep.Scope.MerchantID,
		"endpoint", ep.ID, "failing_since", ep.FailingSince, "last_error", lastError)
	if err := a.audit(ctx, tx, change{merchantID: ep.Scope.MerchantID, mode: ep.Scope.Mode, action: "webhook_endpoint.disable",
		objectType: "webhook_endpoint", objectID: ep.ID, before: before, after: *ep}); err != nil {
		return err
	}
	return a.emit(ctx, tx, ep.Scope, EventWebhookEndpointDisabled, "webhook_endpoint", ep.ID,
		disabledEndpoint{WebhookEndpoint: *ep, LastError: lastError}, now)
}

// abandonDelivery marks a pending delivery to a disabled endpoint failed.
func (a *Notifications) abandonDelivery(ctx context.Context, s billing.Scope, id string) error {
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		d, err := tx.Notify.GetWebhookDelivery(ctx, s, id)
		if err != nil {
			return err
		}
		if d.Status != billing.DeliveryPending {
			return nil
		}
		d.Status, d.NextAttemptAt, d.Updated = billing.DeliveryFailed, nil, a.Now()
		return tx.Notify.UpdateWebhookDelivery(ctx, d)
	})
	if err != nil && !errors.Is(err, billing.ErrNotFound) {
		return fmt.Errorf("abandon delivery %s: %w", id, err)
	}
	return nil
}

// failureReason describes a failed attempt in a few words, e.g. "HTTP 500"
// or "timeout".
func failureReason(res WebhookResult) string {
	switch {
	case res.StatusCode != 0:
		return fmt.Sprintf("HTTP %d", res.StatusCode)
	case res.Err != nil:
		return string(res.Kind) + ": " + res.Err.Error()
	default:
		return string(res.Kind)
	}
}

package app

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Limits of webhook endpoints.
const (
	// MaxWebhookEndpoints is how many endpoints one scope may have
	// (Stripe's limit).
	MaxWebhookEndpoints = 16
	maxWebhookURLLen    = 2048
	// SecretRotationOverlap is how long a rotated-out secret keeps signing
	// alongside the new one.
	SecretRotationOverlap = 24 * time.Hour
)

// WebhookEndpointParams create or change a webhook endpoint. On update, nil
// fields are kept.
type WebhookEndpointParams struct {
	URL           *string
	EnabledEvents []string // event types, or ["*"] for all
	Description   *string
	Disabled      *bool // update only
	Metadata      billing.Metadata
}

// CreateWebhookEndpoint creates an endpoint and returns it with its signing
// secret ("whsec_…"), which is shown this once.
func (a *Notifications) CreateWebhookEndpoint(ctx context.Context, s billing.Scope, p WebhookEndpointParams) (billing.WebhookEndpoint, string, error) {
	var v validator
	if p.URL == nil {
		v.fail("url", billing.CodeParameterMissing, "url is required")
	}
	if p.EnabledEvents == nil {
		v.fail("enabled_events", billing.CodeParameterMissing, "enabled_events is required")
	}
	if p.Disabled != nil {
		v.fail("disabled", billing.CodeParameterUnknown, "a new endpoint is enabled; disable it with an update")
	}
	if err := v.err(); err != nil {
		return billing.WebhookEndpoint{}, "", err
	}
	now := a.Now()
	ep := billing.WebhookEndpoint{ID: billing.NewID(billing.PrefixWebhookEndpoint, now), Scope: s,
		Metadata: billing.Metadata{}, Created: now, Updated: now}
	if err := applyEndpointParams(&ep, p); err != nil {
		return billing.WebhookEndpoint{}, "", err
	}
	secret, err := a.ports.Webhooks.NewSecret()
	if err != nil {
		return billing.WebhookEndpoint{}, "", fmt.Errorf("new webhook secret: %w", err)
	}
	if ep.Secret, err = a.sealWebhookSecret(ep, secret); err != nil {
		return billing.WebhookEndpoint{}, "", err
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		n, err := tx.Notify.CountWebhookEndpoints(ctx, s)
		if err != nil {
			return fmt.Errorf("count webhook endpoints: %w", err)
		}
		if n >= MaxWebhookEndpoints {
			return billing.Errorf(billing.KindConflict, billing.CodeLimitExceeded,
				"a mode can have at most %d webhook endpoints; delete one first", MaxWebhookEndpoints)
		}
		if err := tx.Notify.CreateWebhookEndpoint(ctx, ep); err != nil {
			return fmt.Errorf("create webhook endpoint: %w", conflict(err))
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "webhook_endpoint.create",
			objectType: "webhook_endpoint", objectID: ep.ID, after: ep})
	})
	if err != nil {
		return billing.WebhookEndpoint{}, "", err
	}
	return ep, secret, nil
}

// GetWebhookEndpoint returns an endpoint of scope s (never its secret).
func (a *Notifications) GetWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.WebhookEndpoint, error) {
		v, err := tx.Notify.GetWebhookEndpoint(ctx, s, id)
		return v, notFound(err, "webhook_endpoint", id)
	})
}

// ListWebhookEndpoints lists the endpoints of scope s, newest first.
func (a *Notifications) ListWebhookEndpoints(ctx context.Context, s billing.Scope, page billing.Page) (List[billing.WebhookEndpoint], error) {
	return list(ctx, a.core, page, billing.PrefixWebhookEndpoint, func(tx billing.Tx, page billing.Page) ([]billing.WebhookEndpoint, bool, error) {
		return tx.Notify.ListWebhookEndpoints(ctx, s, page)
	})
}

// UpdateWebhookEndpoint changes an endpoint's URL, events, description,
// metadata, or turns it off and on. Turning it on again forgets its run of
// failures; deliveries missed while it was off are not sent (redeliver
// them by hand).
func (a *Notifications) UpdateWebhookEndpoint(ctx context.Context, s billing.Scope, id string, p WebhookEndpointParams) (billing.WebhookEndpoint, error) {
	var after billing.WebhookEndpoint
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Notify.LockWebhookEndpoint(ctx, s, id)
		if err != nil {
			return notFound(err, "webhook_endpoint", id)
		}
		after = before
		after.EnabledEvents = slices.Clone(before.EnabledEvents)
		if err := applyEndpointParams(&after, p); err != nil {
			return err
		}
		if p.Disabled != nil && *p.Disabled != before.Disabled {
			after.Disabled, after.DisabledReason, after.FailingSince = *p.Disabled, "", nil
			if *p.Disabled {
				after.DisabledReason = billing.DisabledByMerchant
			}
		}
		after.Updated = a.Now()
		if err := tx.Notify.UpdateWebhookEndpoint(ctx, after); err != nil {
			return fmt.Errorf("update webhook endpoint %s: %w", id, err)
		}
		if !sameHealth(before, after) {
			// Turned on again (or off by the merchant): its alerts clear.
			if err := a.endpointAlerts(ctx, tx, after, wallNow()); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "webhook_endpoint.update",
			objectType: "webhook_endpoint", objectID: id, before: before, after: after})
	})
	return after, err
}

// DeleteWebhookEndpoint deletes an endpoint with its delivery log; jobs
// still queued for it find nothing and stop.
func (a *Notifications) DeleteWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error) {
	var ep billing.WebhookEndpoint
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if ep, err = tx.Notify.LockWebhookEndpoint(ctx, s, id); err != nil {
			return notFound(err, "webhook_endpoint", id)
		}
		if err := tx.Notify.DeleteWebhookEndpoint(ctx, s, id); err != nil {
			return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
		}
		for _, kind := range []billing.AlertKind{billing.AlertWebhookEndpointFailing, billing.AlertWebhookEndpointDisabled} {
			if err := a.resolveAlert(ctx, tx, s, kind, "webhook_endpoint", id); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "webhook_endpoint.delete",
			objectType: "webhook_endpoint", objectID: id, before: ep})
	})
	return ep, err
}

// RotateWebhookSecret gives an endpoint a new secret, returned this once.
// The secret it replaces keeps signing alongside the new one (two
// signatures per delivery) for SecretRotationOverlap; a secret rotated out
// earlier stops at once.
func (a *Notifications) RotateWebhookSecret(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, string, error) {
	secret, err := a.ports.Webhooks.NewSecret()
	if err != nil {
		return billing.WebhookEndpoint{}, "", fmt.Errorf("new webhook secret: %w", err)
	}
	var after billing.WebhookEndpoint
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Notify.LockWebhookEndpoint(ctx, s, id)
		if err != nil {
			return notFound(err, "webhook_endpoint", id)
		}
		after = before
		now := a.Now()
		expires := now.Add(SecretRotationOverlap)
		if after.Secret, err = a.sealWebhookSecret(after, secret); err != nil {
			return err
		}
		after.PreviousSecret, after.PreviousSecretExpires, after.Updated = before.Secret, &expires, now
		if err := tx.Notify.UpdateWebhookEndpoint(ctx, after); err != nil {
			return fmt.Errorf("rotate secret of webhook endpoint %s: %w", id, err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "webhook_endpoint.rotate_secret",
			objectType: "webhook_endpoint", objectID: id, before: before, after: after})
	})
	if err != nil {
		return billing.WebhookEndpoint{}, "", err
	}
	return after, secret, nil
}

// applyEndpointParams validates p and writes it into ep (in ep's mode).
func applyEndpointParams(ep *billing.WebhookEndpoint, p WebhookEndpointParams) error {
	var v validator
	if p.URL != nil {
		u := strings.TrimSpace(*p.URL)
		v.webhookURL("url", u, ep.Scope.Mode)
		ep.URL = u
	}
	if p.EnabledEvents != nil {
		ep.EnabledEvents = v.eventTypes("enabled_events", p.EnabledEvents)
	}
	if p.Description != nil {
		v.maxLen("description", *p.Description, maxTextLen)
		ep.Description = *p.Description
	}
	if p.Metadata != nil {
		v.metadata(p.Metadata)
		ep.Metadata = mergeMetadata(ep.Metadata, p.Metadata)
	}
	return v.err()
}

// webhookURL checks an endpoint URL: absolute http(s) in test mode, https
// only in live mode, where a host that is plainly not on the public
// internet (localhost, a private or loopback address) is refused up front.
// The delivery client checks every address it dials as well (webhookout's
// SSRF guard), which also covers names that resolve to private addresses.
func (v *validator) webhookURL(param, raw string, mode billing.Mode) {
	if raw == "" {
		v.fail(param, billing.CodeParameterMissing, "%s is required", param)
		return
	}
	v.maxLen(param, raw, maxWebhookURLLen)
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		v.fail(param, billing.CodeParameterInvalid, "%s must be an absolute http or https URL", param)
		return
	}
	if mode != billing.ModeLive {
		return
	}
	if u.Scheme != "https" {
		v.fail(param, billing.CodeParameterInvalid, "%s must use https in live mode (http is allowed in test mode)", param)
		return
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		v.fail(param, billing.CodeParameterInvalid, "%s must be reachable on the public internet in live mode", param)
		return
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr = addr.Unmap(); !addr.IsGlobalUnicast() || addr.IsPrivate() {
			v.fail(param, billing.CodeParameterInvalid, "%s must be reachable on the public internet in live mode", param)
		}
	}
}

// eventTypes checks a list of event types and returns it without
// duplicates, in the given order.
func (v *validator) eventTypes(param string, types []string) []string {
	if len(types) == 0 {
		v.fail(param, billing.CodeParameterMissing, "%s must name at least one event type, or \"*\" for all", param)
		return nil
	}
	out := make([]string, 0, len(types))
	for i, t := range types {
		if t != billing.AllEvents && !slices.Contains(webhookEventTypes, t) {
			v.fail(fmt.Sprintf("%s[%d]", param, i), billing.CodeParameterInvalid,
				"%q is not an event type (see the list of event types, or use \"*\" for all)", t)
			continue
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// webhookSecretAD binds a sealed endpoint secret to its endpoint.
func webhookSecretAD(ep billing.WebhookEndpoint) string {
	return "webhook_endpoints/" + ep.Scope.MerchantID + "/" + string(ep.Scope.Mode) + "/" + ep.ID
}

// sealWebhookSecret prepares a secret for storage: sealed under
// CUOTA_SECRET_KEY when the server has one. Without a key, test-mode
// secrets are kept as given (like test-mode gateway credentials) and
// live-mode endpoints are refused.
func (a *Notifications) sealWebhookSecret(ep billing.WebhookEndpoint, secret string) (string, error) {
	if !a.gw.box.HasKey() {
		if ep.Scope.Mode == billing.ModeLive {
			return "", billing.Errorf(billing.KindInvalid, billing.CodeSecretKeyMissing,
				"live-mode webhook secrets are encrypted at rest: start cuota with CUOTA_SECRET_KEY (32 bytes, e.g. `openssl rand -hex 32`)")
		}
		return plainPrefix + secret, nil
	}
	sealed, err := a.gw.box.Seal([]byte(secret), webhookSecretAD(ep))
	if err != nil {
		return "", fmt.Errorf("seal webhook secret: %w", err)
	}
	return sealed, nil
}

// openWebhookSecret recovers a stored secret.
func (a *Notifications) openWebhookSecret(ep billing.WebhookEndpoint, stored string) (string, error) {
	if plain, ok := strings.CutPrefix(stored, plainPrefix); ok && ep.Scope.Mode == billing.ModeTest {
		return plain, nil
	}
	raw, err := a.merchants.openSealed(stored, webhookSecretAD(ep), "the signing secret of webhook endpoint "+ep.ID)
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

// signingSecrets are the secrets that sign a delivery to ep at now: the
// current one, then the previous one while its rotation overlap lasts.
func (a *Notifications) signingSecrets(ep billing.WebhookEndpoint, now time.Time) ([]string, error) {
	cur, err := a.openWebhookSecret(ep, ep.Secret)
	if err != nil {
		return nil, err
	}
	secrets := []string{cur}
	if ep.PreviousSecret != "" && ep.PreviousSecretExpires != nil && now.Before(*ep.PreviousSecretExpires) {
		prev, err := a.openWebhookSecret(ep, ep.PreviousSecret)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, prev)
	}
	return secrets, nil
}

// DeliveryView is a delivery with its attempts, oldest first.
type DeliveryView struct {
	Delivery billing.WebhookDelivery
	Attempts []billing.WebhookAttempt
}

// ListWebhookDeliveries lists an endpoint's deliveries, newest first, each
// with every attempt made.
func (a *Notifications) ListWebhookDeliveries(ctx context.Context, s billing.Scope, endpointID string, f billing.DeliveryFilter, page billing.Page) (List[DeliveryView], error) {
	return list(ctx, a.core, page, billing.PrefixWebhookDelivery, func(tx billing.Tx, page billing.Page) ([]DeliveryView, bool, error) {
		if _, err := tx.Notify.GetWebhookEndpoint(ctx, s, endpointID); err != nil {
			return nil, false, notFound(err, "webhook_endpoint", endpointID)
		}
		ds, more, err := tx.Notify.ListWebhookDeliveries(ctx, s, endpointID, f, page)
		if err != nil {
			return nil, false, fmt.Errorf("list deliveries of %s: %w", endpointID, err)
		}
		views, err := withAttempts(ctx, tx, s, ds)
		return views, more, err
	})
}

// withAttempts reads the attempts of deliveries in one query.
func withAttempts(ctx context.Context, tx billing.Tx, s billing.Scope, ds []billing.WebhookDelivery) ([]DeliveryView, error) {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	attempts, err := tx.Notify.ListWebhookAttempts(ctx, s, ids)
	if err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	by := map[string][]billing.WebhookAttempt{}
	for _, at := range attempts {
		by[at.DeliveryID] = append(by[at.DeliveryID], at)
	}
	out := make([]DeliveryView, len(ds))
	for i, d := range ds {
		out[i] = DeliveryView{Delivery: d, Attempts: by[d.ID]}
	}
	return out, nil
}

// getDelivery reads one delivery of an endpoint.
func getDelivery(ctx context.Context, tx billing.Tx, s billing.Scope, endpointID, deliveryID string) (billing.WebhookDelivery, error) {
	d, err := tx.Notify.GetWebhookDelivery(ctx, s, deliveryID)
	if err == nil && d.EndpointID != endpointID {
		err = billing.ErrNotFound
	}
	if err != nil {
		return billing.WebhookDelivery{}, notFound(err, "webhook_delivery", deliveryID)
	}
	return d, nil
}

// RedeliverWebhook queues one more attempt at a delivery, whatever its
// status (a manual replay: it is made once, not retried, and does not
// change the automatic schedule). The endpoint must be enabled.
func (a *Notifications) RedeliverWebhook(ctx context.Context, s billing.Scope, endpointID, deliveryID string) (DeliveryView, error) {
	var view DeliveryView
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		ep, err := tx.Notify.GetWebhookEndpoint(ctx, s, endpointID)
		if err != nil {
			return notFound(err, "webhook_endpoint", endpointID)
		}
		d, err := getDelivery(ctx, tx, s, endpointID, deliveryID)
		if err != nil {
			return err
		}
		if ep.Disabled {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
				"webhook endpoint %s is disabled: enable it before redelivering", ep.ID)
		}
		if err := tx.Jobs.Enqueue(ctx, DeliverWebhookArgs{MerchantID: s.MerchantID, Mode: s.Mode, DeliveryID: d.ID, Manual: true}); err != nil {
			return fmt.Errorf("enqueue redelivery of %s: %w", d.ID, err)
		}
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "webhook_delivery.redeliver",
			objectType: "webhook_delivery", objectID: d.ID, after: d}); err != nil {
			return err
		}
		views, err := withAttempts(ctx, tx, s, []billing.WebhookDelivery{d})
		if err != nil {
			return err
		}
		view = views[0]
		return nil
	})
	return view, err
}

// errEndpointGone is returned inside a delivery's transaction when its
// endpoint or the delivery itself was deleted.
var errEndpointGone = errors.New("webhook endpoint or delivery deleted")

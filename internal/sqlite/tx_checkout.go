package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/checkoutdb"
)

// checkoutTx is the billing.CheckoutTx of one transaction.
type checkoutTx struct{ *base }

var _ billing.CheckoutTx = checkoutTx{}

// CreateCheckoutSession inserts cs with version 1.
func (t checkoutTx) CreateCheckoutSession(ctx context.Context, cs billing.CheckoutSession) error {
	items, err := json.Marshal(cs.LineItems)
	if err != nil {
		return fmt.Errorf("create checkout session %s: %w", cs.ID, err)
	}
	trial := int64(-1)
	if cs.TrialPeriodDays != nil {
		trial = *cs.TrialPeriodDays
	}
	err = t.checkout.CreateCheckoutSession(ctx, checkoutdb.CreateCheckoutSessionParams{ID: cs.ID, MerchantID: cs.Scope.MerchantID,
		Mode: string(cs.Scope.Mode), SessionMode: cs.Mode, Status: cs.Status, CustomerID: cs.CustomerID,
		CustomerEmail: cs.CustomerEmail, LineItems: string(items), SuccessUrl: cs.SuccessURL, CancelUrl: cs.CancelURL,
		AllowPromotionCodes: cs.AllowPromotionCodes, TrialPeriodDays: trial, Locale: cs.Locale, Gateway: cs.Gateway,
		PromotionCode: cs.PromotionCode, SecretHash: cs.SecretHash, SetupID: cs.SetupID, PaymentMethodID: cs.PaymentMethodID,
		SubscriptionID: cs.SubscriptionID, InvoiceID: cs.InvoiceID, FailureMessage: cs.FailureMessage, PublishableKey: cs.PublishableKey,
		ExpiresAt: micros(cs.ExpiresAt), CompletedAt: nullMicros(cs.CompletedAt), Created: micros(cs.Created), Updated: micros(cs.Updated)})
	if err != nil {
		return dbError(err, "create checkout session %s", cs.ID)
	}
	return nil
}

// GetCheckoutSession returns a checkout session of scope s.
func (t checkoutTx) GetCheckoutSession(ctx context.Context, s billing.Scope, id string) (billing.CheckoutSession, error) {
	row, err := t.checkout.GetCheckoutSession(ctx, checkoutdb.GetCheckoutSessionParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.CheckoutSession{}, dbError(err, "get checkout session %s", id)
	}
	return checkoutSessionFromRow(row)
}

// GetCheckoutSessionByID returns a checkout session of any scope.
func (t checkoutTx) GetCheckoutSessionByID(ctx context.Context, id string) (billing.CheckoutSession, error) {
	row, err := t.checkout.GetCheckoutSessionByID(ctx, id)
	if err != nil {
		return billing.CheckoutSession{}, dbError(err, "get checkout session %s", id)
	}
	return checkoutSessionFromRow(row)
}

// UpdateCheckoutSession writes cs's mutable fields if its version is
// still current.
func (t checkoutTx) UpdateCheckoutSession(ctx context.Context, cs billing.CheckoutSession) error {
	items, err := json.Marshal(cs.LineItems)
	if err != nil {
		return fmt.Errorf("update checkout session %s: %w", cs.ID, err)
	}
	n, err := t.checkout.UpdateCheckoutSession(ctx, checkoutdb.UpdateCheckoutSessionParams{Status: cs.Status, CustomerID: cs.CustomerID,
		CustomerEmail: cs.CustomerEmail, LineItems: string(items), Gateway: cs.Gateway, PromotionCode: cs.PromotionCode,
		SetupID: cs.SetupID, PaymentMethodID: cs.PaymentMethodID, SubscriptionID: cs.SubscriptionID, InvoiceID: cs.InvoiceID,
		FailureMessage: cs.FailureMessage, CompletedAt: nullMicros(cs.CompletedAt), Updated: micros(cs.Updated),
		MerchantID: cs.Scope.MerchantID, Mode: string(cs.Scope.Mode), ID: cs.ID, Version: cs.Version})
	if err != nil {
		return dbError(err, "update checkout session %s", cs.ID)
	}
	if n > 0 {
		return nil
	}
	if _, err := t.GetCheckoutSession(ctx, cs.Scope, cs.ID); err != nil {
		return err
	}
	return fmt.Errorf("update checkout session %s at version %d: %w", cs.ID, cs.Version, billing.ErrVersionConflict)
}

func checkoutSessionFromRow(r checkoutdb.CheckoutSession) (billing.CheckoutSession, error) {
	cs := billing.CheckoutSession{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Version: r.Version, Mode: r.SessionMode, Status: r.Status, CustomerID: r.CustomerID, CustomerEmail: r.CustomerEmail,
		SuccessURL: r.SuccessUrl, CancelURL: r.CancelUrl, AllowPromotionCodes: r.AllowPromotionCodes, Locale: r.Locale,
		Gateway: r.Gateway, PromotionCode: r.PromotionCode, SecretHash: r.SecretHash, SetupID: r.SetupID,
		PaymentMethodID: r.PaymentMethodID, SubscriptionID: r.SubscriptionID, InvoiceID: r.InvoiceID, FailureMessage: r.FailureMessage,
		PublishableKey: r.PublishableKey, ExpiresAt: fromMicros(r.ExpiresAt), CompletedAt: fromNullMicros(r.CompletedAt),
		Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}
	if r.TrialPeriodDays >= 0 {
		d := r.TrialPeriodDays
		cs.TrialPeriodDays = &d
	}
	if err := json.Unmarshal([]byte(r.LineItems), &cs.LineItems); err != nil {
		return cs, fmt.Errorf("decode line items of %s: %w", r.ID, err)
	}
	return cs, nil
}

// CreatePortalSession inserts a portal session.
func (t checkoutTx) CreatePortalSession(ctx context.Context, p billing.PortalSession) error {
	err := t.checkout.CreatePortalSession(ctx, checkoutdb.CreatePortalSessionParams{ID: p.ID, MerchantID: p.Scope.MerchantID,
		Mode: string(p.Scope.Mode), CustomerID: p.CustomerID, ReturnUrl: p.ReturnURL, SecretHash: p.SecretHash,
		ExpiresAt: micros(p.ExpiresAt), Created: micros(p.Created)})
	if err != nil {
		return dbError(err, "create portal session %s", p.ID)
	}
	return nil
}

// GetPortalSessionByID returns a portal session of any scope.
func (t checkoutTx) GetPortalSessionByID(ctx context.Context, id string) (billing.PortalSession, error) {
	r, err := t.checkout.GetPortalSessionByID(ctx, id)
	if err != nil {
		return billing.PortalSession{}, dbError(err, "get portal session %s", id)
	}
	return billing.PortalSession{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID: r.CustomerID, ReturnURL: r.ReturnUrl, SecretHash: r.SecretHash, ExpiresAt: fromMicros(r.ExpiresAt),
		Created: fromMicros(r.Created)}, nil
}

// CreatePublishableKey inserts a publishable key.
func (t checkoutTx) CreatePublishableKey(ctx context.Context, k billing.PublishableKey) error {
	err := t.checkout.CreatePublishableKey(ctx, checkoutdb.CreatePublishableKeyParams{ID: k.ID, MerchantID: k.Scope.MerchantID,
		Mode: string(k.Scope.Mode), SuccessUrl: k.SuccessURL, CancelUrl: k.CancelURL, FormSecret: k.FormSecret,
		Revoked: nullMicros(k.Revoked), Created: micros(k.Created)})
	if err != nil {
		return dbError(err, "create publishable key")
	}
	return nil
}

// GetPublishableKey returns a publishable key of any scope.
func (t checkoutTx) GetPublishableKey(ctx context.Context, id string) (billing.PublishableKey, error) {
	r, err := t.checkout.GetPublishableKey(ctx, id)
	if err != nil {
		return billing.PublishableKey{}, dbError(err, "get publishable key")
	}
	return publishableKeyFromRow(r), nil
}

// ListPublishableKeys returns scope s's publishable keys, newest first.
func (t checkoutTx) ListPublishableKeys(ctx context.Context, s billing.Scope) ([]billing.PublishableKey, error) {
	rows, err := t.checkout.ListPublishableKeys(ctx, checkoutdb.ListPublishableKeysParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError(err, "list publishable keys")
	}
	out := make([]billing.PublishableKey, len(rows))
	for i, r := range rows {
		out[i] = publishableKeyFromRow(r)
	}
	return out, nil
}

// RevokePublishableKey sets a key's revocation time unless it is set.
func (t checkoutTx) RevokePublishableKey(ctx context.Context, s billing.Scope, id string, at time.Time) error {
	n, err := t.checkout.RevokePublishableKey(ctx, checkoutdb.RevokePublishableKeyParams{Revoked: nullMicros(&at),
		MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	return notFoundIfNone(n, err, "revoke publishable key")
}

func publishableKeyFromRow(r checkoutdb.PublishableKey) billing.PublishableKey {
	return billing.PublishableKey{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		SuccessURL: r.SuccessUrl, CancelURL: r.CancelUrl, FormSecret: r.FormSecret, Revoked: fromNullMicros(r.Revoked),
		Created: fromMicros(r.Created)}
}

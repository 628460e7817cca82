package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/checkoutdb"
)

// checkoutTx is the billing.CheckoutTx of one transaction.
type checkoutTx struct{ *base }

var _ billing.CheckoutTx = checkoutTx{}

// CreateCheckoutSession inserts cs with version 1.
func (t checkoutTx) CreateCheckoutSession(ctx context.Context, cs billing.CheckoutSession) error {
	items, err := json.Marshal(cs.LineItems)
	if err != nil {
		return fmt.Errorf("postgres: create checkout session %s: %w", cs.ID, err)
	}
	trial := int64(-1)
	if cs.TrialPeriodDays != nil {
		trial = *cs.TrialPeriodDays
	}
	return t.writeCheckout(ctx, "create checkout session "+cs.ID, func(q *checkoutdb.Queries) error {
		return q.CreateCheckoutSession(ctx, checkoutdb.CreateCheckoutSessionParams{ID: cs.ID, MerchantID: cs.Scope.MerchantID,
			Mode: string(cs.Scope.Mode), SessionMode: cs.Mode, Status: cs.Status, CustomerID: cs.CustomerID,
			CustomerEmail: cs.CustomerEmail, LineItems: string(items), SuccessUrl: cs.SuccessURL, CancelUrl: cs.CancelURL,
			AllowPromotionCodes: cs.AllowPromotionCodes, TrialPeriodDays: trial, Locale: cs.Locale, Gateway: cs.Gateway,
			PromotionCode: cs.PromotionCode, SecretHash: cs.SecretHash, SetupID: cs.SetupID, PaymentMethodID: cs.PaymentMethodID,
			SubscriptionID: cs.SubscriptionID, InvoiceID: cs.InvoiceID, FailureMessage: cs.FailureMessage, PublishableKey: cs.PublishableKey,
			ExpiresAt: ts(cs.ExpiresAt), CompletedAt: tsPtr(cs.CompletedAt), Created: ts(cs.Created), Updated: ts(cs.Updated)})
	})
}

// GetCheckoutSession returns a checkout session of scope s.
func (t checkoutTx) GetCheckoutSession(ctx context.Context, s billing.Scope, id string) (billing.CheckoutSession, error) {
	row, err := t.checkout.GetCheckoutSession(ctx, checkoutdb.GetCheckoutSessionParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.CheckoutSession{}, dbError("get checkout session "+id, err)
	}
	return checkoutSessionFromRow(row)
}

// GetCheckoutSessionByID returns a checkout session of any scope.
func (t checkoutTx) GetCheckoutSessionByID(ctx context.Context, id string) (billing.CheckoutSession, error) {
	row, err := t.checkout.GetCheckoutSessionByID(ctx, id)
	if err != nil {
		return billing.CheckoutSession{}, dbError("get checkout session "+id, err)
	}
	return checkoutSessionFromRow(row)
}

// UpdateCheckoutSession writes cs's mutable fields if its version is
// still current.
func (t checkoutTx) UpdateCheckoutSession(ctx context.Context, cs billing.CheckoutSession) error {
	items, err := json.Marshal(cs.LineItems)
	if err != nil {
		return fmt.Errorf("postgres: update checkout session %s: %w", cs.ID, err)
	}
	return t.writeCheckout(ctx, "update checkout session "+cs.ID, func(q *checkoutdb.Queries) error {
		n, err := q.UpdateCheckoutSession(ctx, checkoutdb.UpdateCheckoutSessionParams{Status: cs.Status, CustomerID: cs.CustomerID,
			CustomerEmail: cs.CustomerEmail, LineItems: string(items), Gateway: cs.Gateway, PromotionCode: cs.PromotionCode,
			SetupID: cs.SetupID, PaymentMethodID: cs.PaymentMethodID, SubscriptionID: cs.SubscriptionID, InvoiceID: cs.InvoiceID,
			FailureMessage: cs.FailureMessage, CompletedAt: tsPtr(cs.CompletedAt), Updated: ts(cs.Updated),
			MerchantID: cs.Scope.MerchantID, Mode: string(cs.Scope.Mode), ID: cs.ID, Version: cs.Version})
		if err != nil || n > 0 {
			return err
		}
		if _, err := q.GetCheckoutSession(ctx, checkoutdb.GetCheckoutSessionParams{MerchantID: cs.Scope.MerchantID,
			Mode: string(cs.Scope.Mode), ID: cs.ID}); err != nil {
			return err
		}
		return fmt.Errorf("version %d: %w", cs.Version, billing.ErrVersionConflict)
	})
}

func checkoutSessionFromRow(r checkoutdb.CheckoutSession) (billing.CheckoutSession, error) {
	cs := billing.CheckoutSession{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Version: r.Version, Mode: r.SessionMode, Status: r.Status, CustomerID: r.CustomerID, CustomerEmail: r.CustomerEmail,
		SuccessURL: r.SuccessUrl, CancelURL: r.CancelUrl, AllowPromotionCodes: r.AllowPromotionCodes, Locale: r.Locale,
		Gateway: r.Gateway, PromotionCode: r.PromotionCode, SecretHash: r.SecretHash, SetupID: r.SetupID,
		PaymentMethodID: r.PaymentMethodID, SubscriptionID: r.SubscriptionID, InvoiceID: r.InvoiceID, FailureMessage: r.FailureMessage,
		PublishableKey: r.PublishableKey, ExpiresAt: r.ExpiresAt.UTC(), CompletedAt: utcPtr(r.CompletedAt),
		Created: r.Created.UTC(), Updated: r.Updated.UTC()}
	if r.TrialPeriodDays >= 0 {
		d := r.TrialPeriodDays
		cs.TrialPeriodDays = &d
	}
	if err := json.Unmarshal([]byte(r.LineItems), &cs.LineItems); err != nil {
		return cs, fmt.Errorf("postgres: decode line items of %s: %w", r.ID, err)
	}
	return cs, nil
}

// CreatePortalSession inserts a portal session.
func (t checkoutTx) CreatePortalSession(ctx context.Context, p billing.PortalSession) error {
	return t.writeCheckout(ctx, "create portal session "+p.ID, func(q *checkoutdb.Queries) error {
		return q.CreatePortalSession(ctx, checkoutdb.CreatePortalSessionParams{ID: p.ID, MerchantID: p.Scope.MerchantID,
			Mode: string(p.Scope.Mode), CustomerID: p.CustomerID, ReturnUrl: p.ReturnURL, SecretHash: p.SecretHash,
			ExpiresAt: ts(p.ExpiresAt), Created: ts(p.Created)})
	})
}

// GetPortalSessionByID returns a portal session of any scope.
func (t checkoutTx) GetPortalSessionByID(ctx context.Context, id string) (billing.PortalSession, error) {
	r, err := t.checkout.GetPortalSessionByID(ctx, id)
	if err != nil {
		return billing.PortalSession{}, dbError("get portal session "+id, err)
	}
	return billing.PortalSession{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID: r.CustomerID, ReturnURL: r.ReturnUrl, SecretHash: r.SecretHash, ExpiresAt: r.ExpiresAt.UTC(),
		Created: r.Created.UTC()}, nil
}

// CreatePublishableKey inserts a publishable key.
func (t checkoutTx) CreatePublishableKey(ctx context.Context, k billing.PublishableKey) error {
	return t.writeCheckout(ctx, "create publishable key", func(q *checkoutdb.Queries) error {
		return q.CreatePublishableKey(ctx, checkoutdb.CreatePublishableKeyParams{ID: k.ID, MerchantID: k.Scope.MerchantID,
			Mode: string(k.Scope.Mode), SuccessUrl: k.SuccessURL, CancelUrl: k.CancelURL, FormSecret: k.FormSecret,
			Revoked: tsPtr(k.Revoked), Created: ts(k.Created)})
	})
}

// GetPublishableKey returns a publishable key of any scope.
func (t checkoutTx) GetPublishableKey(ctx context.Context, id string) (billing.PublishableKey, error) {
	r, err := t.checkout.GetPublishableKey(ctx, id)
	if err != nil {
		return billing.PublishableKey{}, dbError("get publishable key", err)
	}
	return publishableKeyFromRow(r), nil
}

// ListPublishableKeys returns scope s's publishable keys, newest first.
func (t checkoutTx) ListPublishableKeys(ctx context.Context, s billing.Scope) ([]billing.PublishableKey, error) {
	rows, err := t.checkout.ListPublishableKeys(ctx, checkoutdb.ListPublishableKeysParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError("list publishable keys", err)
	}
	out := make([]billing.PublishableKey, len(rows))
	for i, r := range rows {
		out[i] = publishableKeyFromRow(r)
	}
	return out, nil
}

// RevokePublishableKey sets a key's revocation time unless it is set.
func (t checkoutTx) RevokePublishableKey(ctx context.Context, s billing.Scope, id string, at time.Time) error {
	return t.writeCheckout(ctx, "revoke publishable key", func(q *checkoutdb.Queries) error {
		return updated(q.RevokePublishableKey(ctx, checkoutdb.RevokePublishableKeyParams{Revoked: tsPtr(&at),
			MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id}))
	})
}

func publishableKeyFromRow(r checkoutdb.PublishableKey) billing.PublishableKey {
	return billing.PublishableKey{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		SuccessURL: r.SuccessUrl, CancelURL: r.CancelUrl, FormSecret: r.FormSecret, Revoked: utcPtr(r.Revoked),
		Created: r.Created.UTC()}
}

// writeCheckout is write with the checkout group's queries on the
// savepoint.
func (t checkoutTx) writeCheckout(ctx context.Context, op string, fn func(q *checkoutdb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(checkoutdb.New(db)) })
}

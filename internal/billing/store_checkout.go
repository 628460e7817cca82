package billing

import (
	"context"
	"time"
)

// CheckoutTx is the storage of the hosted pages: checkout sessions, portal
// sessions and publishable keys. The contract of Tx applies:
// ErrNotFound for missing rows (including other scopes).
type CheckoutTx interface {
	// CreateCheckoutSession inserts cs with Version 1.
	CreateCheckoutSession(ctx context.Context, cs CheckoutSession) error
	// GetCheckoutSession returns a checkout session of scope s.
	GetCheckoutSession(ctx context.Context, s Scope, id string) (CheckoutSession, error)
	// GetCheckoutSessionByID finds a checkout session in any scope (the
	// hosted page knows only the id and checks the secret).
	GetCheckoutSessionByID(ctx context.Context, id string) (CheckoutSession, error)
	// UpdateCheckoutSession writes every mutable field of cs (status,
	// customer, email, line items, gateway, promotion code, setup, payment
	// method, subscription, failure message, completed, updated) if the
	// stored version is still cs.Version, and stores Version+1; otherwise
	// it returns ErrVersionConflict.
	UpdateCheckoutSession(ctx context.Context, cs CheckoutSession) error

	// CreatePortalSession inserts a portal session.
	CreatePortalSession(ctx context.Context, p PortalSession) error
	// GetPortalSessionByID finds a portal session in any scope.
	GetPortalSessionByID(ctx context.Context, id string) (PortalSession, error)

	// CreatePublishableKey inserts a publishable key.
	CreatePublishableKey(ctx context.Context, k PublishableKey) error
	// GetPublishableKey finds a publishable key in any scope (a pricing
	// page knows only the key).
	GetPublishableKey(ctx context.Context, id string) (PublishableKey, error)
	// ListPublishableKeys returns scope s's keys, newest first.
	ListPublishableKeys(ctx context.Context, s Scope) ([]PublishableKey, error)
	// RevokePublishableKey sets Revoked to at unless it is already set.
	RevokePublishableKey(ctx context.Context, s Scope, id string, at time.Time) error
}

package billing

import (
	"context"
	"time"
)

// GatewayConfig is a merchant's configuration of one gateway in one mode.
// Sealed holds the credentials as the app sealed them (AES-256-GCM under
// CUOTA_SECRET_KEY); the store never sees them in the clear, except in test
// mode on a server without a key, where they are kept as given.
type GatewayConfig struct {
	Scope   Scope
	Gateway string
	Sealed  string
	Created time.Time
	Updated time.Time
}

// GatewayCustomer links a cuota customer to its customer on a gateway. A
// row with an empty GatewayCustomerID is a reservation: someone is creating
// the gateway customer right now (or crashed doing it).
type GatewayCustomer struct {
	Scope             Scope
	CustomerID        string
	Gateway           string
	GatewayCustomerID string
	Created           time.Time
	Updated           time.Time
}

// GatewayTx is the storage of gateway adapters: per-merchant gateway
// configuration and the local references to gateway-side objects.
type GatewayTx interface {
	// PutGatewayConfig creates or replaces a gateway's configuration (its
	// Created is kept on replace).
	PutGatewayConfig(ctx context.Context, c GatewayConfig) error
	// GetGatewayConfig returns a scope's configuration of gateway.
	GetGatewayConfig(ctx context.Context, s Scope, gateway string) (GatewayConfig, error)
	// ListGatewayConfigs returns a scope's gateway configurations by name.
	ListGatewayConfigs(ctx context.Context, s Scope) ([]GatewayConfig, error)
	// DeleteGatewayConfig removes a scope's configuration of gateway.
	DeleteGatewayConfig(ctx context.Context, s Scope, gateway string) error

	// ReserveGatewayCustomer records c unless the customer already has a
	// row for c.Gateway; it returns the stored row and whether c was
	// inserted.
	ReserveGatewayCustomer(ctx context.Context, c GatewayCustomer) (GatewayCustomer, bool, error)
	// UpdateGatewayCustomer writes GatewayCustomerID and Updated if the
	// row's Updated is still prevUpdated (compare and set); it reports
	// whether it wrote.
	UpdateGatewayCustomer(ctx context.Context, c GatewayCustomer, prevUpdated time.Time) (bool, error)
	// ReleaseGatewayCustomer deletes c's row if it is still the reservation
	// c describes (no gateway id, Updated unchanged), so the next caller
	// reserves afresh instead of waiting for a creator that gave up; it
	// reports whether it deleted.
	ReleaseGatewayCustomer(ctx context.Context, c GatewayCustomer) (bool, error)
	// GetGatewayCustomer returns the row of a customer and gateway.
	GetGatewayCustomer(ctx context.Context, s Scope, customerID, gateway string) (GatewayCustomer, error)

	// RecordGatewayNotification records that an incoming notification
	// (gateway, externalID) is being acted on; false when it already was.
	RecordGatewayNotification(ctx context.Context, gateway, externalID string, s Scope, at time.Time) (bool, error)

	// GetPaymentByIdempotencyKey returns the payment attempt a gateway
	// knows by its idempotency key (Flow's commerceOrder, Stripe's
	// metadata), in scope s.
	GetPaymentByIdempotencyKey(ctx context.Context, s Scope, key string) (Payment, error)

	// GetRefundByGatewayRef returns the refund the gateway knows as ref.
	GetRefundByGatewayRef(ctx context.Context, s Scope, ref string) (Refund, error)

	// ListPendingRefunds returns, across merchants, pending refunds that a
	// gateway has taken (their GatewayRef is set) and that were last
	// updated before a time, oldest first.
	ListPendingRefunds(ctx context.Context, updatedBefore time.Time, limit int) ([]Refund, error)
	// ListUnsettledPayments returns, across merchants, pending or unknown
	// payments last updated before a time that no subscription sweep looks
	// after: pay-page attempts (no PaymentMethodID) and attempts on
	// invoices without a subscription; oldest first.
	ListUnsettledPayments(ctx context.Context, updatedBefore time.Time, limit int) ([]Payment, error)
	// TouchRefund sets a pending refund's Updated (the reconciler's mark
	// that it looked).
	TouchRefund(ctx context.Context, s Scope, id string, at time.Time) error

	// SetSetupGatewayRef records what the gateway calls a pending setup.
	SetSetupGatewayRef(ctx context.Context, s Scope, setupID, ref string) error
}

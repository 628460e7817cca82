package sqlite

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
	"github.com/cuota/cuota/internal/sqlite/litedb/opsdb"
)

// gatewayTx is the billing.GatewayTx of one transaction.
type gatewayTx struct{ *base }

var _ billing.GatewayTx = gatewayTx{}

// PutGatewayConfig creates or replaces a gateway configuration.
func (t gatewayTx) PutGatewayConfig(ctx context.Context, c billing.GatewayConfig) error {
	err := t.ops.PutGatewayConfig(ctx, opsdb.PutGatewayConfigParams{MerchantID: c.Scope.MerchantID, Mode: string(c.Scope.Mode),
		Gateway: c.Gateway, Sealed: c.Sealed, Created: micros(c.Created), Updated: micros(c.Updated)})
	if err != nil {
		return dbError(err, "put %s configuration", c.Gateway)
	}
	return nil
}

// GetGatewayConfig returns scope s's configuration of gateway.
func (t gatewayTx) GetGatewayConfig(ctx context.Context, s billing.Scope, gateway string) (billing.GatewayConfig, error) {
	row, err := t.ops.GetGatewayConfig(ctx, opsdb.GetGatewayConfigParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Gateway: gateway})
	if err != nil {
		return billing.GatewayConfig{}, dbError(err, "get %s configuration", gateway)
	}
	return gatewayConfigFromRow(row), nil
}

// ListGatewayConfigs returns scope s's gateway configurations by name.
func (t gatewayTx) ListGatewayConfigs(ctx context.Context, s billing.Scope) ([]billing.GatewayConfig, error) {
	rows, err := t.ops.ListGatewayConfigs(ctx, opsdb.ListGatewayConfigsParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError(err, "list gateway configurations")
	}
	out := make([]billing.GatewayConfig, len(rows))
	for i, r := range rows {
		out[i] = gatewayConfigFromRow(r)
	}
	return out, nil
}

// DeleteGatewayConfig removes scope s's configuration of gateway.
func (t gatewayTx) DeleteGatewayConfig(ctx context.Context, s billing.Scope, gateway string) error {
	n, err := t.ops.DeleteGatewayConfig(ctx, opsdb.DeleteGatewayConfigParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Gateway: gateway})
	return notFoundIfNone(n, err, "delete %s configuration", gateway)
}

func gatewayConfigFromRow(r opsdb.MerchantGateway) billing.GatewayConfig {
	return billing.GatewayConfig{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Gateway: r.Gateway,
		Sealed: r.Sealed, Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}
}

// ReserveGatewayCustomer records c unless the customer has a row for the
// gateway already, and returns the stored row.
func (t gatewayTx) ReserveGatewayCustomer(ctx context.Context, c billing.GatewayCustomer) (billing.GatewayCustomer, bool, error) {
	n, err := t.ops.ReserveGatewayCustomer(ctx, opsdb.ReserveGatewayCustomerParams{MerchantID: c.Scope.MerchantID,
		Mode: string(c.Scope.Mode), CustomerID: c.CustomerID, Gateway: c.Gateway, GatewayCustomerID: c.GatewayCustomerID,
		Created: micros(c.Created), Updated: micros(c.Updated)})
	if err != nil {
		return billing.GatewayCustomer{}, false, dbError(err, "reserve %s customer of %s", c.Gateway, c.CustomerID)
	}
	got, err := t.GetGatewayCustomer(ctx, c.Scope, c.CustomerID, c.Gateway)
	return got, n == 1, err
}

// UpdateGatewayCustomer writes the gateway customer id if the row has not
// moved since prevUpdated.
func (t gatewayTx) UpdateGatewayCustomer(ctx context.Context, c billing.GatewayCustomer, prevUpdated time.Time) (bool, error) {
	n, err := t.ops.UpdateGatewayCustomer(ctx, opsdb.UpdateGatewayCustomerParams{GatewayCustomerID: c.GatewayCustomerID,
		Updated: micros(c.Updated), MerchantID: c.Scope.MerchantID, Mode: string(c.Scope.Mode), CustomerID: c.CustomerID,
		Gateway: c.Gateway, PrevUpdated: micros(prevUpdated)})
	if err != nil {
		return false, dbError(err, "update %s customer of %s", c.Gateway, c.CustomerID)
	}
	return n == 1, nil
}

// ReleaseGatewayCustomer deletes c's row if it is still the reservation c
// describes.
func (t gatewayTx) ReleaseGatewayCustomer(ctx context.Context, c billing.GatewayCustomer) (bool, error) {
	n, err := t.ops.DeleteGatewayCustomerReservation(ctx, opsdb.DeleteGatewayCustomerReservationParams{MerchantID: c.Scope.MerchantID,
		Mode: string(c.Scope.Mode), CustomerID: c.CustomerID, Gateway: c.Gateway, Updated: micros(c.Updated)})
	if err != nil {
		return false, dbError(err, "release %s customer reservation of %s", c.Gateway, c.CustomerID)
	}
	return n == 1, nil
}

// GetGatewayCustomer returns the row of a customer and gateway.
func (t gatewayTx) GetGatewayCustomer(ctx context.Context, s billing.Scope, customerID, gateway string) (billing.GatewayCustomer, error) {
	r, err := t.ops.GetGatewayCustomer(ctx, opsdb.GetGatewayCustomerParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		CustomerID: customerID, Gateway: gateway})
	if err != nil {
		return billing.GatewayCustomer{}, dbError(err, "get %s customer of %s", gateway, customerID)
	}
	return billing.GatewayCustomer{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID: r.CustomerID, Gateway: r.Gateway, GatewayCustomerID: r.GatewayCustomerID,
		Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}, nil
}

// RecordGatewayNotification records an incoming notification once.
func (t gatewayTx) RecordGatewayNotification(ctx context.Context, gateway, externalID string, s billing.Scope, at time.Time) (bool, error) {
	n, err := t.ops.RecordGatewayNotification(ctx, opsdb.RecordGatewayNotificationParams{Gateway: gateway, ExternalID: externalID,
		MerchantID: s.MerchantID, Mode: string(s.Mode), Created: micros(at)})
	if err != nil {
		return false, dbError(err, "record %s notification", gateway)
	}
	return n == 1, nil
}

// SetSetupGatewayRef records the gateway's id of a pending setup.
func (t gatewayTx) SetSetupGatewayRef(ctx context.Context, s billing.Scope, setupID, ref string) error {
	n, err := t.ops.SetSetupGatewayRef(ctx, opsdb.SetSetupGatewayRefParams{GatewayRef: ref, MerchantID: s.MerchantID,
		Mode: string(s.Mode), ID: setupID})
	return notFoundIfNone(n, err, "set gateway reference of setup %s", setupID)
}

// GetRefundByGatewayRef returns the refund the gateway knows as ref.
func (t gatewayTx) GetRefundByGatewayRef(ctx context.Context, s billing.Scope, ref string) (billing.Refund, error) {
	row, err := t.lifecycle.GetRefundByGatewayRef(ctx, lifecycledb.GetRefundByGatewayRefParams{MerchantID: s.MerchantID, Mode: string(s.Mode), GatewayRef: ref})
	if err != nil {
		return billing.Refund{}, dbError(err, "get refund by gateway reference")
	}
	return refundFromRow(row)
}

// ListPendingRefunds returns pending refunds a gateway has taken, last
// updated before a time, oldest first.
func (t gatewayTx) ListPendingRefunds(ctx context.Context, updatedBefore time.Time, limit int) ([]billing.Refund, error) {
	rows, err := t.lifecycle.ListPendingRefunds(ctx, lifecycledb.ListPendingRefundsParams{UpdatedBefore: micros(updatedBefore), RowLimit: int64(limit)})
	if err != nil {
		return nil, dbError(err, "list pending refunds")
	}
	return convertRows(rows, refundFromRow)
}

// ListUnsettledPayments returns unsettled payments that no subscription
// sweep looks after, last updated before a time, oldest first.
func (t gatewayTx) ListUnsettledPayments(ctx context.Context, updatedBefore time.Time, limit int) ([]billing.Payment, error) {
	rows, err := t.lifecycle.ListUnsettledPayments(ctx, lifecycledb.ListUnsettledPaymentsParams{UpdatedBefore: micros(updatedBefore), RowLimit: int64(limit)})
	if err != nil {
		return nil, dbError(err, "list unsettled payments")
	}
	return convertRows(rows, paymentFromRow)
}

// TouchRefund sets a pending refund's updated time.
func (t gatewayTx) TouchRefund(ctx context.Context, s billing.Scope, id string, at time.Time) error {
	n, err := t.lifecycle.TouchRefund(ctx, lifecycledb.TouchRefundParams{Updated: micros(at), MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	return notFoundIfNone(n, err, "touch refund %s", id)
}

// GetPaymentByIdempotencyKey returns the payment with an idempotency key.
func (t gatewayTx) GetPaymentByIdempotencyKey(ctx context.Context, s billing.Scope, key string) (billing.Payment, error) {
	row, err := t.lifecycle.GetPaymentByIdempotencyKey(ctx, lifecycledb.GetPaymentByIdempotencyKeyParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), IdempotencyKey: key})
	if err != nil {
		return billing.Payment{}, dbError(err, "get payment by idempotency key %q", key)
	}
	return paymentFromRow(row)
}

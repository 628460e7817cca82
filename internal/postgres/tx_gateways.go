package postgres

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
	"github.com/cuota/cuota/internal/postgres/pgdb/opsdb"
)

// gatewayTx is the billing.GatewayTx of one transaction.
type gatewayTx struct{ *base }

var _ billing.GatewayTx = gatewayTx{}

// PutGatewayConfig creates or replaces a gateway configuration.
func (t gatewayTx) PutGatewayConfig(ctx context.Context, c billing.GatewayConfig) error {
	return t.writeOps(ctx, "put "+c.Gateway+" configuration", func(q *opsdb.Queries) error {
		return q.PutGatewayConfig(ctx, opsdb.PutGatewayConfigParams{MerchantID: c.Scope.MerchantID, Mode: string(c.Scope.Mode),
			Gateway: c.Gateway, Sealed: c.Sealed, Created: ts(c.Created), Updated: ts(c.Updated)})
	})
}

// GetGatewayConfig returns scope s's configuration of gateway.
func (t gatewayTx) GetGatewayConfig(ctx context.Context, s billing.Scope, gateway string) (billing.GatewayConfig, error) {
	row, err := t.ops.GetGatewayConfig(ctx, opsdb.GetGatewayConfigParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Gateway: gateway})
	if err != nil {
		return billing.GatewayConfig{}, dbError("get "+gateway+" configuration", err)
	}
	return gatewayConfigFromRow(row), nil
}

// ListGatewayConfigs returns scope s's gateway configurations by name.
func (t gatewayTx) ListGatewayConfigs(ctx context.Context, s billing.Scope) ([]billing.GatewayConfig, error) {
	rows, err := t.ops.ListGatewayConfigs(ctx, opsdb.ListGatewayConfigsParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError("list gateway configurations", err)
	}
	out := make([]billing.GatewayConfig, len(rows))
	for i, r := range rows {
		out[i] = gatewayConfigFromRow(r)
	}
	return out, nil
}

// DeleteGatewayConfig removes scope s's configuration of gateway.
func (t gatewayTx) DeleteGatewayConfig(ctx context.Context, s billing.Scope, gateway string) error {
	return t.writeOps(ctx, "delete "+gateway+" configuration", func(q *opsdb.Queries) error {
		return updated(q.DeleteGatewayConfig(ctx, opsdb.DeleteGatewayConfigParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Gateway: gateway}))
	})
}

func gatewayConfigFromRow(r opsdb.MerchantGateway) billing.GatewayConfig {
	return billing.GatewayConfig{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Gateway: r.Gateway,
		Sealed: r.Sealed, Created: r.Created.UTC(), Updated: r.Updated.UTC()}
}

// ReserveGatewayCustomer records c unless the customer has a row for the
// gateway already, and returns the stored row. A concurrent reservation
// waits for the other transaction and then sees its row.
func (t gatewayTx) ReserveGatewayCustomer(ctx context.Context, c billing.GatewayCustomer) (billing.GatewayCustomer, bool, error) {
	var n int64
	err := t.writeOps(ctx, "reserve "+c.Gateway+" customer of "+c.CustomerID, func(q *opsdb.Queries) error {
		var err error
		n, err = q.ReserveGatewayCustomer(ctx, opsdb.ReserveGatewayCustomerParams{MerchantID: c.Scope.MerchantID,
			Mode: string(c.Scope.Mode), CustomerID: c.CustomerID, Gateway: c.Gateway, GatewayCustomerID: c.GatewayCustomerID,
			Created: ts(c.Created), Updated: ts(c.Updated)})
		return err
	})
	if err != nil {
		return billing.GatewayCustomer{}, false, err
	}
	got, err := t.GetGatewayCustomer(ctx, c.Scope, c.CustomerID, c.Gateway)
	return got, n == 1, err
}

// UpdateGatewayCustomer writes the gateway customer id if the row has not
// moved since prevUpdated.
func (t gatewayTx) UpdateGatewayCustomer(ctx context.Context, c billing.GatewayCustomer, prevUpdated time.Time) (bool, error) {
	var n int64
	err := t.writeOps(ctx, "update "+c.Gateway+" customer of "+c.CustomerID, func(q *opsdb.Queries) error {
		var err error
		n, err = q.UpdateGatewayCustomer(ctx, opsdb.UpdateGatewayCustomerParams{GatewayCustomerID: c.GatewayCustomerID,
			Updated: ts(c.Updated), MerchantID: c.Scope.MerchantID, Mode: string(c.Scope.Mode), CustomerID: c.CustomerID,
			Gateway: c.Gateway, PrevUpdated: ts(prevUpdated)})
		return err
	})
	return n == 1, err
}

// ReleaseGatewayCustomer deletes c's row if it is still the reservation c
// describes.
func (t gatewayTx) ReleaseGatewayCustomer(ctx context.Context, c billing.GatewayCustomer) (bool, error) {
	var n int64
	err := t.writeOps(ctx, "release "+c.Gateway+" customer reservation of "+c.CustomerID, func(q *opsdb.Queries) error {
		var err error
		n, err = q.DeleteGatewayCustomerReservation(ctx, opsdb.DeleteGatewayCustomerReservationParams{MerchantID: c.Scope.MerchantID,
			Mode: string(c.Scope.Mode), CustomerID: c.CustomerID, Gateway: c.Gateway, Updated: ts(c.Updated)})
		return err
	})
	return n == 1, err
}

// GetGatewayCustomer returns the row of a customer and gateway.
func (t gatewayTx) GetGatewayCustomer(ctx context.Context, s billing.Scope, customerID, gateway string) (billing.GatewayCustomer, error) {
	r, err := t.ops.GetGatewayCustomer(ctx, opsdb.GetGatewayCustomerParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		CustomerID: customerID, Gateway: gateway})
	if err != nil {
		return billing.GatewayCustomer{}, dbError("get "+gateway+" customer of "+customerID, err)
	}
	return billing.GatewayCustomer{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID: r.CustomerID, Gateway: r.Gateway, GatewayCustomerID: r.GatewayCustomerID,
		Created: r.Created.UTC(), Updated: r.Updated.UTC()}, nil
}

// RecordGatewayNotification records an incoming notification once.
func (t gatewayTx) RecordGatewayNotification(ctx context.Context, gateway, externalID string, s billing.Scope, at time.Time) (bool, error) {
	var n int64
	err := t.writeOps(ctx, "record "+gateway+" notification", func(q *opsdb.Queries) error {
		var err error
		n, err = q.RecordGatewayNotification(ctx, opsdb.RecordGatewayNotificationParams{Gateway: gateway, ExternalID: externalID,
			MerchantID: s.MerchantID, Mode: string(s.Mode), Created: ts(at)})
		return err
	})
	return n == 1, err
}

// SetSetupGatewayRef records the gateway's id of a pending setup.
func (t gatewayTx) SetSetupGatewayRef(ctx context.Context, s billing.Scope, setupID, ref string) error {
	return t.writeOps(ctx, "set gateway reference of setup "+setupID, func(q *opsdb.Queries) error {
		return updated(q.SetSetupGatewayRef(ctx, opsdb.SetSetupGatewayRefParams{GatewayRef: ref, MerchantID: s.MerchantID,
			Mode: string(s.Mode), ID: setupID}))
	})
}

// GetRefundByGatewayRef returns the refund the gateway knows as ref.
func (t gatewayTx) GetRefundByGatewayRef(ctx context.Context, s billing.Scope, ref string) (billing.Refund, error) {
	row, err := t.lifecycle.GetRefundByGatewayRef(ctx, lifecycledb.GetRefundByGatewayRefParams{MerchantID: s.MerchantID, Mode: string(s.Mode), GatewayRef: ref})
	if err != nil {
		return billing.Refund{}, dbError("get refund by gateway reference", err)
	}
	return refundFromRow(row)
}

// ListPendingRefunds returns pending refunds a gateway has taken, last
// updated before a time, oldest first.
func (t gatewayTx) ListPendingRefunds(ctx context.Context, updatedBefore time.Time, limit int) ([]billing.Refund, error) {
	rows, err := t.lifecycle.ListPendingRefunds(ctx, lifecycledb.ListPendingRefundsParams{UpdatedBefore: ts(updatedBefore), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError("list pending refunds", err)
	}
	return convertRows(rows, refundFromRow)
}

// ListUnsettledPayments returns unsettled payments that no subscription
// sweep looks after, last updated before a time, oldest first.
func (t gatewayTx) ListUnsettledPayments(ctx context.Context, updatedBefore time.Time, limit int) ([]billing.Payment, error) {
	rows, err := t.lifecycle.ListUnsettledPayments(ctx, lifecycledb.ListUnsettledPaymentsParams{UpdatedBefore: ts(updatedBefore), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError("list unsettled payments", err)
	}
	out := make([]billing.Payment, len(rows))
	for i, r := range rows {
		out[i] = paymentFromRow(r)
	}
	return out, nil
}

// TouchRefund sets a pending refund's updated time.
func (t gatewayTx) TouchRefund(ctx context.Context, s billing.Scope, id string, at time.Time) error {
	return t.writeLifecycle(ctx, "touch refund "+id, func(q *lifecycledb.Queries) error {
		return updated(q.TouchRefund(ctx, lifecycledb.TouchRefundParams{Updated: ts(at), MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id}))
	})
}

// GetPaymentByIdempotencyKey returns the payment with an idempotency key.
func (t gatewayTx) GetPaymentByIdempotencyKey(ctx context.Context, s billing.Scope, key string) (billing.Payment, error) {
	row, err := t.lifecycle.GetPaymentByIdempotencyKey(ctx, lifecycledb.GetPaymentByIdempotencyKeyParams{MerchantID: s.MerchantID,
		Mode: string(s.Mode), IdempotencyKey: key})
	if err != nil {
		return billing.Payment{}, dbError("get payment by idempotency key "+key, err)
	}
	return paymentFromRow(row), nil
}

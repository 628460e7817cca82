package sqlite

import (
	"context"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
)

// paymentMethodTx is the billing.PaymentMethodTx of one transaction.
type paymentMethodTx struct{ *base }

var _ billing.PaymentMethodTx = paymentMethodTx{}

// CreatePaymentMethod inserts pm.
func (t paymentMethodTx) CreatePaymentMethod(ctx context.Context, pm billing.PaymentMethod) error {
	err := t.lifecycle.CreatePaymentMethod(ctx, lifecycledb.CreatePaymentMethodParams{
		ID:         pm.ID,
		MerchantID: pm.Scope.MerchantID,
		Mode:       string(pm.Scope.Mode),
		CustomerID: pm.CustomerID,
		Gateway:    pm.Gateway,
		Token:      pm.Token,
		Brand:      pm.Brand,
		Last4:      pm.Last4,
		ExpMonth:   pm.ExpMonth,
		ExpYear:    pm.ExpYear,
		Status:     pm.Status,
		Created:    micros(pm.Created),
		Updated:    micros(pm.Updated),
	})
	if err != nil {
		return dbError(err, "create payment method %s", pm.ID)
	}
	return nil
}

// GetPaymentMethod returns the payment method with id in scope s.
func (t paymentMethodTx) GetPaymentMethod(ctx context.Context, s billing.Scope, id string) (billing.PaymentMethod, error) {
	row, err := t.lifecycle.GetPaymentMethod(ctx, lifecycledb.GetPaymentMethodParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PaymentMethod{}, dbError(err, "get payment method %s", id)
	}
	return paymentMethodFromRow(row)
}

// UpdatePaymentMethod writes pm's status and updated.
func (t paymentMethodTx) UpdatePaymentMethod(ctx context.Context, pm billing.PaymentMethod) error {
	n, err := t.lifecycle.UpdatePaymentMethod(ctx, lifecycledb.UpdatePaymentMethodParams{
		Status:     pm.Status,
		Updated:    micros(pm.Updated),
		MerchantID: pm.Scope.MerchantID,
		Mode:       string(pm.Scope.Mode),
		ID:         pm.ID,
	})
	return notFoundIfNone(n, err, "update payment method %s", pm.ID)
}

// ListPaymentMethods returns every payment method of a customer in s, newest first.
func (t paymentMethodTx) ListPaymentMethods(ctx context.Context, s billing.Scope, customerID string) ([]billing.PaymentMethod, error) {
	rows, err := t.lifecycle.ListPaymentMethods(ctx, lifecycledb.ListPaymentMethodsParams{
		MerchantID: s.MerchantID,
		Mode:       string(s.Mode),
		CustomerID: customerID,
	})
	if err != nil {
		return nil, dbError(err, "list payment methods of customer %s", customerID)
	}
	return convertRows(rows, paymentMethodFromRow)
}

func paymentMethodFromRow(row lifecycledb.PaymentMethod) (billing.PaymentMethod, error) {
	return billing.PaymentMethod{
		ID:         row.ID,
		Scope:      billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		CustomerID: row.CustomerID,
		Gateway:    row.Gateway,
		Token:      row.Token,
		Brand:      row.Brand,
		Last4:      row.Last4,
		ExpMonth:   row.ExpMonth,
		ExpYear:    row.ExpYear,
		Status:     row.Status,
		Created:    fromMicros(row.Created),
		Updated:    fromMicros(row.Updated),
	}, nil
}

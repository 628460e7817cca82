package postgres

import (
	"context"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
)

// paymentMethodTx is the billing.PaymentMethodTx of one transaction.
type paymentMethodTx struct{ *base }

var _ billing.PaymentMethodTx = paymentMethodTx{}

// CreatePaymentMethod inserts pm.
func (t paymentMethodTx) CreatePaymentMethod(ctx context.Context, pm billing.PaymentMethod) error {
	return t.writeLifecycle(ctx, "create payment method "+pm.ID, func(q *lifecycledb.Queries) error {
		return q.CreatePaymentMethod(ctx, lifecycledb.CreatePaymentMethodParams{
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
			Created:    ts(pm.Created),
			Updated:    ts(pm.Updated),
		})
	})
}

// GetPaymentMethod returns the payment method with id in scope s.
func (t paymentMethodTx) GetPaymentMethod(ctx context.Context, s billing.Scope, id string) (billing.PaymentMethod, error) {
	row, err := t.lifecycle.GetPaymentMethod(ctx, lifecycledb.GetPaymentMethodParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PaymentMethod{}, dbError("get payment method "+id, err)
	}
	return paymentMethodFromRow(row), nil
}

// UpdatePaymentMethod writes pm's status and updated time.
func (t paymentMethodTx) UpdatePaymentMethod(ctx context.Context, pm billing.PaymentMethod) error {
	return t.writeLifecycle(ctx, "update payment method "+pm.ID, func(q *lifecycledb.Queries) error {
		return updated(q.UpdatePaymentMethod(ctx, lifecycledb.UpdatePaymentMethodParams{
			Status:     pm.Status,
			Updated:    ts(pm.Updated),
			MerchantID: pm.Scope.MerchantID,
			Mode:       string(pm.Scope.Mode),
			ID:         pm.ID,
		}))
	})
}

// ListPaymentMethods returns every payment method of a customer in scope
// s, newest first.
func (t paymentMethodTx) ListPaymentMethods(ctx context.Context, s billing.Scope, customerID string) ([]billing.PaymentMethod, error) {
	rows, err := t.lifecycle.ListPaymentMethods(ctx, lifecycledb.ListPaymentMethodsParams{
		MerchantID: s.MerchantID,
		Mode:       string(s.Mode),
		CustomerID: customerID,
	})
	if err != nil {
		return nil, dbError("list payment methods of customer "+customerID, err)
	}
	out := make([]billing.PaymentMethod, 0, len(rows))
	for _, r := range rows {
		out = append(out, paymentMethodFromRow(r))
	}
	return out, nil
}

func paymentMethodFromRow(r lifecycledb.PaymentMethod) billing.PaymentMethod {
	return billing.PaymentMethod{
		ID:         r.ID,
		Scope:      billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID: r.CustomerID,
		Gateway:    r.Gateway,
		Token:      r.Token,
		Brand:      r.Brand,
		Last4:      r.Last4,
		ExpMonth:   r.ExpMonth,
		ExpYear:    r.ExpYear,
		Status:     r.Status,
		Created:    r.Created.UTC(),
		Updated:    r.Updated.UTC(),
	}
}

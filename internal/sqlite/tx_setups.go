package sqlite

import (
	"context"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/opsdb"
)

// setupTx is the billing.SetupTx of one transaction.
type setupTx struct{ *base }

var _ billing.SetupTx = setupTx{}

// CreateSetup inserts a payment-method setup.
func (t setupTx) CreateSetup(ctx context.Context, st billing.PaymentMethodSetup) error {
	err := t.ops.CreateSetup(ctx, opsdb.CreateSetupParams{ID: st.ID, MerchantID: st.Scope.MerchantID, Mode: string(st.Scope.Mode),
		CustomerID: st.CustomerID, Gateway: st.Gateway, ReturnUrl: st.ReturnURL, SecretHash: st.SecretHash, Status: st.Status,
		PaymentMethodID: st.PaymentMethodID, FailureMessage: st.FailureMessage, ExpiresAt: micros(st.ExpiresAt),
		Created: micros(st.Created), Updated: micros(st.Updated), GatewayRef: st.GatewayRef})
	if err != nil {
		return dbError(err, "create setup %s", st.ID)
	}
	return nil
}

// GetSetup returns a setup of scope s.
func (t setupTx) GetSetup(ctx context.Context, s billing.Scope, id string) (billing.PaymentMethodSetup, error) {
	row, err := t.ops.GetSetup(ctx, opsdb.GetSetupParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PaymentMethodSetup{}, dbError(err, "get setup %s", id)
	}
	return setupFromRow(row), nil
}

// GetSetupByID returns a setup of any scope.
func (t setupTx) GetSetupByID(ctx context.Context, id string) (billing.PaymentMethodSetup, error) {
	row, err := t.ops.GetSetupByID(ctx, id)
	if err != nil {
		return billing.PaymentMethodSetup{}, dbError(err, "get setup %s", id)
	}
	return setupFromRow(row), nil
}

// UpdateSetup finishes a pending setup.
func (t setupTx) UpdateSetup(ctx context.Context, st billing.PaymentMethodSetup) error {
	n, err := t.ops.UpdateSetup(ctx, opsdb.UpdateSetupParams{Status: st.Status, PaymentMethodID: st.PaymentMethodID,
		FailureMessage: st.FailureMessage, Updated: micros(st.Updated), MerchantID: st.Scope.MerchantID, Mode: string(st.Scope.Mode), ID: st.ID})
	return notFoundIfNone(n, err, "update setup %s", st.ID)
}

func setupFromRow(r opsdb.PaymentMethodSetup) billing.PaymentMethodSetup {
	return billing.PaymentMethodSetup{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID: r.CustomerID, Gateway: r.Gateway, ReturnURL: r.ReturnUrl, SecretHash: r.SecretHash, Status: r.Status,
		PaymentMethodID: r.PaymentMethodID, FailureMessage: r.FailureMessage, GatewayRef: r.GatewayRef, ExpiresAt: fromMicros(r.ExpiresAt),
		Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}
}

package postgres

import (
	"context"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/opsdb"
)

// setupTx is the billing.SetupTx of one transaction.
type setupTx struct{ *base }

var _ billing.SetupTx = setupTx{}

// CreateSetup inserts a payment-method setup.
func (t setupTx) CreateSetup(ctx context.Context, st billing.PaymentMethodSetup) error {
	return t.writeOps(ctx, "create setup "+st.ID, func(q *opsdb.Queries) error {
		return q.CreateSetup(ctx, opsdb.CreateSetupParams{ID: st.ID, MerchantID: st.Scope.MerchantID, Mode: string(st.Scope.Mode),
			CustomerID: st.CustomerID, Gateway: st.Gateway, ReturnUrl: st.ReturnURL, SecretHash: st.SecretHash, Status: st.Status,
			PaymentMethodID: st.PaymentMethodID, FailureMessage: st.FailureMessage, ExpiresAt: ts(st.ExpiresAt),
			Created: ts(st.Created), Updated: ts(st.Updated), GatewayRef: st.GatewayRef})
	})
}

// GetSetup returns a setup of scope s.
func (t setupTx) GetSetup(ctx context.Context, s billing.Scope, id string) (billing.PaymentMethodSetup, error) {
	row, err := t.ops.GetSetup(ctx, opsdb.GetSetupParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PaymentMethodSetup{}, dbError("get setup "+id, err)
	}
	return setupFromRow(row), nil
}

// GetSetupByID returns a setup of any scope.
func (t setupTx) GetSetupByID(ctx context.Context, id string) (billing.PaymentMethodSetup, error) {
	row, err := t.ops.GetSetupByID(ctx, id)
	if err != nil {
		return billing.PaymentMethodSetup{}, dbError("get setup "+id, err)
	}
	return setupFromRow(row), nil
}

// UpdateSetup finishes a pending setup.
func (t setupTx) UpdateSetup(ctx context.Context, st billing.PaymentMethodSetup) error {
	return t.writeOps(ctx, "update setup "+st.ID, func(q *opsdb.Queries) error {
		return updated(q.UpdateSetup(ctx, opsdb.UpdateSetupParams{Status: st.Status, PaymentMethodID: st.PaymentMethodID,
			FailureMessage: st.FailureMessage, Updated: ts(st.Updated), MerchantID: st.Scope.MerchantID, Mode: string(st.Scope.Mode), ID: st.ID}))
	})
}

func setupFromRow(r opsdb.PaymentMethodSetup) billing.PaymentMethodSetup {
	return billing.PaymentMethodSetup{ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID: r.CustomerID, Gateway: r.Gateway, ReturnURL: r.ReturnUrl, SecretHash: r.SecretHash, Status: r.Status,
		PaymentMethodID: r.PaymentMethodID, FailureMessage: r.FailureMessage, GatewayRef: r.GatewayRef, ExpiresAt: r.ExpiresAt.UTC(),
		Created: r.Created.UTC(), Updated: r.Updated.UTC()}
}

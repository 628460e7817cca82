package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestFlowSetupWithoutEmail: a Flow card setup for a customer without an
// email is invalid input naming email (a 400), not "Flow is not
// answering" (a 503 offering failover): nothing was sent to Flow.
func TestFlowSetupWithoutEmail(t *testing.T) {
	ctx := t.Context()
	a, b, sim, gw := setupWithFlow(t, app.Gateways{billing.GatewayStripe: otherGateway{}})
	_, err := a.Merchants.SetGatewayConfig(ctx, b.scope, billing.GatewayStripe, billing.GatewayCredentials{APIKey: "sk_test_other"})
	require.NoError(t, err)

	name := "Rosa"
	cus, err := a.Customers.CreateCustomer(ctx, b.scope, app.CustomerParams{Name: &name})
	require.NoError(t, err)
	_, _, err = a.Customers.CreateSetup(ctx, b.scope, cus.ID, app.CreateSetupParams{Gateway: billing.GatewayFlow, ReturnURL: "https://shop.example.cl/ok"})
	requireError(t, err, billing.KindInvalid, billing.CodeParameterMissing, "email")
	require.Empty(t, sim.CustomerIDs(), "nothing was sent to Flow")
	require.True(t, gw.Available(b.scope))

	// With an email the same customer's setup goes through at once.
	email := "rosa@example.cl"
	_, err = a.Customers.UpdateCustomer(ctx, b.scope, cus.ID, app.CustomerParams{Email: &email})
	require.NoError(t, err)
	_, dest, err := a.Customers.CreateSetup(ctx, b.scope, cus.ID, app.CreateSetupParams{Gateway: billing.GatewayFlow, ReturnURL: "https://shop.example.cl/ok"})
	require.NoError(t, err)
	require.NotEmpty(t, dest)
	require.Len(t, sim.CustomerIDs(), 1)
}

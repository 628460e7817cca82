package app_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flowgw"
)

// TestReconcileRefunds: a Flow refund whose settlement notification never
// reached cuota is settled by asking Flow, once it has been pending for an
// hour, and never before.
func TestReconcileRefunds(t *testing.T) {
	ctx := t.Context()
	a, b, sim, _ := setupWithFlow(t, nil)

	email, name := "rosa@example.cl", "Rosa"
	cus, err := a.Customers.CreateCustomer(ctx, b.scope, app.CustomerParams{Email: &email, Name: &name})
	require.NoError(t, err)
	st, _, err := a.Customers.CreateSetup(ctx, b.scope, cus.ID, app.CreateSetupParams{Gateway: billing.GatewayFlow, ReturnURL: "https://shop.example.cl/ok"})
	require.NoError(t, err)
	st, err = a.Customers.GetSetup(ctx, b.scope, st.ID)
	require.NoError(t, err)
	var token string
	require.NoError(t, b.store.InTx(ctx, func(tx billing.Tx) error {
		full, err := tx.Setups.GetSetupByID(ctx, st.ID)
		token = full.GatewayRef
		return err
	}))
	_, err = sim.CompleteRegistration(token, flowsim.CardVisa)
	require.NoError(t, err)
	dest, err := a.Customers.CompleteGatewaySetup(ctx, billing.GatewayFlow, st.ID, token)
	require.NoError(t, err)
	u, err := url.Parse(dest)
	require.NoError(t, err)
	require.Equal(t, "succeeded", u.Query().Get("status"))

	prodName := "Plan"
	prod, err := a.Catalog.CreateProduct(ctx, b.scope, app.ProductParams{Name: &prodName})
	require.NoError(t, err)
	amount := int64(9990)
	price, err := a.Catalog.CreatePrice(ctx, b.scope, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "CLP",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
	require.NoError(t, err)
	pms, err := a.Customers.ListPaymentMethods(ctx, b.scope, cus.ID)
	require.NoError(t, err)
	require.Len(t, pms, 1)
	sub, err := a.Subscriptions.CreateSubscription(ctx, b.scope, app.CreateSubscriptionParams{Customer: cus.ID,
		Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pms[0].ID})
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	pays, err := a.Collection.ListPayments(ctx, b.scope, billing.PaymentFilter{CustomerID: cus.ID}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, pays.Data, 1)

	ref, err := a.Collection.CreateRefund(ctx, b.scope, app.CreateRefundParams{Payment: pays.Data[0].ID})
	require.NoError(t, err)
	require.Equal(t, billing.RefundPending, ref.Status)
	n, err := sim.CompleteRefund(ctx, ref.GatewayRef, true)
	require.NoError(t, err)
	require.NotEqual(t, 200, n.HTTPStatus, "the notification was lost")

	settled, err := a.Collection.ReconcileRefunds(ctx, 10)
	require.NoError(t, err)
	require.Zero(t, settled, "not before an hour")
	b.clock.Advance(61 * time.Minute)
	settled, err = a.Collection.ReconcileRefunds(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, 1, settled)
	refs, err := a.Collection.ListRefunds(ctx, b.scope, pays.Data[0].ID, billing.Page{})
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, refs.Data[0].Status)
	settled, err = a.Collection.ReconcileRefunds(ctx, 10)
	require.NoError(t, err)
	require.Zero(t, settled, "nothing left")
}

// otherGateway stands for a second configured gateway (Stripe) in
// failover tests: it only has a name.
type otherGateway struct{ billing.Gateway }

func (otherGateway) Name() string { return billing.GatewayStripe }

// TestSetupFailsOverWhenFlowIsDown: a card setup Flow cannot start is a
// 503 gateway_unavailable naming the merchant's other configured gateway,
// and the setup ends failed; nothing pretends to have worked.
func TestSetupFailsOverWhenFlowIsDown(t *testing.T) {
	ctx := t.Context()
	a, b, sim, _ := setupWithFlow(t, app.Gateways{billing.GatewayStripe: otherGateway{}})
	_, err := a.Merchants.SetGatewayConfig(ctx, b.scope, billing.GatewayStripe, billing.GatewayCredentials{APIKey: "sk_test_other"})
	require.NoError(t, err)

	email := "rosa@example.cl"
	cus, err := a.Customers.CreateCustomer(ctx, b.scope, app.CustomerParams{Email: &email})
	require.NoError(t, err)
	sim.FailNext(1, 503)
	_, _, err = a.Customers.CreateSetup(ctx, b.scope, cus.ID, app.CreateSetupParams{Gateway: billing.GatewayFlow, ReturnURL: "https://shop.example.cl/ok"})
	requireError(t, err, billing.KindUnavailable, billing.CodeGatewayUnavailable, "")
	require.Contains(t, err.Error(), `"gateway": "stripe"`)
	require.Equal(t, []string{billing.GatewayStripe}, a.Merchants.FallbackGateways(ctx, b.scope, billing.GatewayFlow, "CLP"))
	entries, err := a.Merchants.ListAuditEntries(ctx, b.scope, 0, 100)
	require.NoError(t, err)
	var actions []string
	for _, e := range entries.Data {
		if e.ObjectType == "payment_method_setup" {
			actions = append(actions, e.Action)
		}
	}
	require.Equal(t, []string{"payment_method_setup.create", "payment_method_setup.failed"}, actions, "the setup ended failed")
}

// setupWithFlow is setup with the Flow gateway over a running Flow
// simulator (configured for the bundle's merchant) next to others. Nobody
// listens at the public URL: Flow's notifications are lost.
func setupWithFlow(t *testing.T, others app.Gateways) (*app.App, *testBundle, *flowsim.Server, *flowgw.Adapter) {
	t.Helper()
	sim := flowsim.New(flowsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	sim.SetBaseURL(srv.URL)
	var a *app.App
	var gw *flowgw.Adapter
	a, b := setupWith(t, func(c *app.Config, b *testBundle) {
		c.PublicURL = func() string { return "http://127.0.0.1:1" }
		gw = flowgw.New(flowgw.Options{Store: b.store, PublicURL: c.PublicURL, Now: b.clock.Now,
			Credentials: func(ctx context.Context, s billing.Scope) (billing.GatewayCredentials, error) {
				return a.Merchants.GatewayCredentials(ctx, s, billing.GatewayFlow)
			}})
		c.Gateways = app.Gateways{billing.GatewayFlow: gw}
		for name, g := range others {
			c.Gateways[name] = g
		}
	})
	_, err := a.Merchants.SetGatewayConfig(t.Context(), b.scope, billing.GatewayFlow, billing.GatewayCredentials{APIKey: sim.APIKey(),
		Secret: sim.Secret(), BaseURL: srv.URL + "/api"})
	require.NoError(t, err)
	return a, b, sim, gw
}

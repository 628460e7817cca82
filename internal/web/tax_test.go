package web_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// A subscription invoice with IVA shows one line per tax rate, named as
// the documents name it ("IVA 19 %"), and says when prices include it.
func TestInvoicePageShowsTaxPerRate(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	ctx := t.Context()
	iva, err := w.app.Catalog.CreateTaxRate(ctx, w.scope, app.CreateTaxRateParams{DisplayName: "IVA", Percentage: "19", Inclusive: true})
	require.NoError(t, err)
	prod, err := w.app.Catalog.CreateProduct(ctx, w.scope, app.ProductParams{Name: ptr("Agente Start")})
	require.NoError(t, err)
	amount := int64(11900)
	price, err := w.app.Catalog.CreatePrice(ctx, w.scope, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "CLP",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}, TaxRates: []string{iva.ID}})
	require.NoError(t, err)
	pm, err := w.app.Customers.AttachPaymentMethod(ctx, w.scope, w.customer.ID, app.AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: billing.SimTokVisa})
	require.NoError(t, err)
	sub, err := w.app.Subscriptions.CreateSubscription(ctx, w.scope, app.CreateSubscriptionParams{Customer: w.customer.ID,
		Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID})
	require.NoError(t, err)
	invs, err := w.app.Invoicing.ListInvoices(ctx, w.scope, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{Limit: 1})
	require.NoError(t, err)
	require.Len(t, invs.Data, 1)

	res := w.get(t, w.parseHosted(t, invs.Data[0].HostedURL).url())
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Contains(t, res.body, "<span>IVA 19\u00a0% (incluido)</span> <span class=\"amount\">$1.900</span>")
	require.Contains(t, res.body, `id="total">$11.900</strong>`)
}

package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// ufWorld adds to a money world a UF price of 2,5000 UF a month (the UF's
// value of the day set by hand) and a subscription to it, paid.
func ufWorld(t *testing.T, w *moneyWorld) (billing.Price, billing.Subscription, billing.Invoice) {
	t.Helper()
	ctx := t.Context()
	m, err := w.app.Merchants.GetMerchant(ctx, w.merchant)
	require.NoError(t, err)
	loc, err := time.LoadLocation(m.Timezone)
	require.NoError(t, err)
	_, err = w.app.Invoicing.SetUFRate(ctx, w.scope, app.SetUFRateParams{Date: billing.UFDate(w.clock(), loc), Value: "39485.65"})
	require.NoError(t, err)
	productName := "Arriendo oficina"
	prod, err := w.app.Catalog.CreateProduct(ctx, w.scope, app.ProductParams{Name: &productName})
	require.NoError(t, err)
	amount := int64(25000)
	price, err := w.app.Catalog.CreatePrice(ctx, w.scope, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "clf",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
	require.NoError(t, err)
	pm, err := w.app.Customers.AttachPaymentMethod(ctx, w.scope, w.paid.CustomerID, app.AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: billing.SimTokVisa})
	require.NoError(t, err)
	sub, err := w.app.Subscriptions.CreateSubscription(ctx, w.scope, app.CreateSubscriptionParams{Customer: w.paid.CustomerID,
		Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID})
	require.NoError(t, err)
	invs, err := w.app.Invoicing.ListInvoices(ctx, w.scope, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{Limit: 1})
	require.NoError(t, err)
	require.Len(t, invs.Data, 1)
	require.Equal(t, billing.InvoicePaid, invs.Data[0].Status)
	return price, sub, invs.Data[0]
}

// TestUFPages: the console writes UF amounts as the customer's pages do
// (money.Format): an invoice's UF line shows its conversion, a UF price
// and a subscription's price read "UF 2,5000", and the currency choice
// says "UF"; "CLF" is never shown to a person.
func TestUFPages(t *testing.T) {
	forEachMoneyStore(t, func(t *testing.T, w *moneyWorld) {
		price, sub, inv := ufWorld(t, w)
		w.signIn()
		plain := func(body string) string {
			return strings.NewReplacer("\u00a0", " ", "\u2011", "-").Replace(visible(body))
		}

		res, body := w.get("/console/invoices/" + inv.ID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, plain(body), "UF 2,5000 × $39.485,65 (")
		require.Contains(t, plain(body), "$98.714")
		require.NotContains(t, plain(body), "CLF")

		res, body = w.get("/console/catalog/products/" + price.ProductID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, plain(body), "UF 2,5000 · cada mes")
		require.Contains(t, body, `<option value="CLF">UF</option>`)
		require.NotContains(t, plain(body), "CLF")

		res, body = w.get("/console/subscriptions/" + sub.ID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, plain(body), "UF 2,5000 cada mes")
		require.NotContains(t, plain(body), "CLF")

		res, body = w.get("/console/subscriptions")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, plain(body), "UF 2,5000")
		require.NotContains(t, plain(body), "CLF")
	})
}

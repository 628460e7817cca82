package scenario_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/webhookout"
)

// TestUFSweep renews a real-time UF subscription (no test clock) with the
// renewal sweep a day late and no UF source: the invoice waits for the
// value of its own day (the period's start, not the day the sweep ran),
// the retry backs off and raises the alert once, and the value set by hand
// finalizes and charges it.
func TestUFSweep(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			store := sk.open(t)
			clock := &movableClock{t: time.Date(2026, 1, 31, 15, 0, 0, 0, time.UTC)}
			a, err := app.New(app.Config{Store: store, Now: clock.now, Logger: discard,
				Ports:    app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
				Gateways: app.Gateways{billing.GatewaySim: sim.New(store, clock.now)}})
			require.NoError(t, err)
			m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Arriendos", Timezone: "America/Santiago"})
			require.NoError(t, err)
			s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
			prod, err := a.Catalog.CreateProduct(ctx, s, app.ProductParams{Name: new("Oficina")})
			require.NoError(t, err)
			price, err := a.Catalog.CreatePrice(ctx, s, app.CreatePriceParams{Product: prod.ID, UnitAmount: new(int64(123456)), Currency: "CLF",
				Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
			require.NoError(t, err)
			_, err = a.Invoicing.SetUFRate(ctx, s, app.SetUFRateParams{Date: "2026-01-31", Value: "39700.01"})
			require.NoError(t, err)
			cus, err := a.Customers.CreateCustomer(ctx, s, app.CustomerParams{})
			require.NoError(t, err)
			pm, err := a.Customers.AttachPaymentMethod(ctx, s, cus.ID, app.AttachPaymentMethodParams{Gateway: "sim", Token: billing.SimTokVisa})
			require.NoError(t, err)
			sub, err := a.Subscriptions.CreateSubscription(ctx, s, app.CreateSubscriptionParams{Customer: cus.ID,
				Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID})
			require.NoError(t, err)
			require.Equal(t, billing.SubscriptionActive, sub.Status)

			// 12,3456 UF at $39.700,01 = 490.120,44… → $490.120.
			invoices := func() []billing.Invoice {
				l, err := a.Invoicing.ListInvoices(ctx, s, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{})
				require.NoError(t, err)
				return l.Data // newest first
			}
			require.Equal(t, int64(490120), invoices()[0].AmountPaid)

			// The period ends Feb 28 at 12:00 in Santiago; the sweep runs a
			// day late. Its invoice is of Feb 28, which has no value.
			clock.set(time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC))
			_, err = a.Renewals.SweepAll(ctx, 10, app.SweepLanes, time.Now().Add(time.Minute))
			require.NoError(t, err)
			waiting := invoices()[0]
			require.Equal(t, billing.InvoiceDraft, waiting.Status)
			got, err := a.Subscriptions.GetSubscription(ctx, s, sub.ID)
			require.NoError(t, err)
			require.Equal(t, time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC), got.CurrentPeriodEnd.UTC(), "the subscription moved on")

			n, err := a.Invoicing.RetryUFWaits(ctx)
			require.NoError(t, err)
			require.Zero(t, n)
			n, err = a.Invoicing.RetryUFWaits(ctx)
			require.NoError(t, err)
			require.Zero(t, n, "the next attempt waits its backoff")
			clock.set(clock.now().Add(time.Minute))
			_, err = a.Invoicing.RetryUFWaits(ctx)
			require.NoError(t, err)
			inv, err := a.Invoicing.GetInvoice(ctx, s, waiting.ID)
			require.NoError(t, err)
			require.Equal(t, int64(2), inv.Waiting.Attempts)
			require.Equal(t, "2026-02-28", inv.Waiting.Date)
			alerts, err := a.Alerts.ListAlerts(ctx, s, billing.AlertFilter{}, billing.Page{})
			require.NoError(t, err)
			require.Len(t, alerts.Data, 1, "one alert for the day")
			require.Equal(t, int64(2), alerts.Data[0].Count)

			// Another day's value (Mar 1, the day the sweep ran) is no use.
			_, err = a.Invoicing.SetUFRate(ctx, s, app.SetUFRateParams{Date: "2026-03-01", Value: "39800"})
			require.NoError(t, err)
			n, err = a.Invoicing.RetryUFWaits(ctx)
			require.NoError(t, err)
			require.Zero(t, n)

			_, err = a.Invoicing.SetUFRate(ctx, s, app.SetUFRateParams{Date: "2026-02-28", Value: "39750.50"})
			require.NoError(t, err)
			n, err = a.Invoicing.RetryUFWaits(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			// 12,3456 UF at $39.750,50 = 490.743,77… → $490.744.
			inv, err = a.Invoicing.GetInvoice(ctx, s, waiting.ID)
			require.NoError(t, err)
			require.Equal(t, billing.InvoicePaid, inv.Status)
			require.Equal(t, int64(490744), inv.AmountPaid)
			require.Equal(t, "2026-02-28", inv.Lines[0].UF.RateDate)
			al, err := a.Alerts.GetAlert(ctx, s, alerts.Data[0].ID)
			require.NoError(t, err)
			require.Equal(t, billing.AlertResolved, al.Status)
		})
	}
}

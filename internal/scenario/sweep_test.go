package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
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

// movableClock is real time for the app, moved by the test.
type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movableClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movableClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// TestSweep renews real-time subscriptions (no test clock) with the
// batched sweep and checks that it leaves exactly what the one-at-a-time
// path leaves: the same invoices, numbers, payments, events and audit
// chain, and that declines and unknown outcomes take the full path.
func TestSweep(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			store := sk.open(t)
			clock := &movableClock{t: time.Date(2026, 1, 31, 15, 0, 0, 0, time.UTC)}
			g := sim.New(store, clock.now)
			a, err := app.New(app.Config{
				Store:    store,
				Now:      clock.now,
				Logger:   discard,
				Ports:    app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
				Gateways: app.Gateways{billing.GatewaySim: g},
			})
			require.NoError(t, err)
			m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Sweep", Timezone: "America/Santiago"})
			require.NoError(t, err)
			s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
			prod, err := a.Catalog.CreateProduct(ctx, s, app.ProductParams{Name: new("Plan")})
			require.NoError(t, err)
			amount := int64(10000)
			price, err := a.Catalog.CreatePrice(ctx, s, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "CLP",
				Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
			require.NoError(t, err)
			coupon, err := a.Catalog.CreateCoupon(ctx, s, app.CreateCouponParams{PercentOff: new(25.0), Duration: billing.DurationRepeating, DurationInMonths: 2})
			require.NoError(t, err)

			subscribe := func(token, couponID string) billing.Subscription {
				cus, err := a.Customers.CreateCustomer(ctx, s, app.CustomerParams{})
				require.NoError(t, err)
				pm, err := a.Customers.AttachPaymentMethod(ctx, s, cus.ID, app.AttachPaymentMethodParams{Gateway: "sim", Token: token})
				require.NoError(t, err)
				sub, err := a.Subscriptions.CreateSubscription(ctx, s, app.CreateSubscriptionParams{Customer: cus.ID,
					Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID, Coupon: couponID})
				require.NoError(t, err)
				return sub
			}
			var plain []billing.Subscription
			for range 7 {
				plain = append(plain, subscribe(billing.SimTokVisa, ""))
			}
			discounted := subscribe(billing.SimTokVisa, coupon.ID)
			declines := subscribe(billing.SimTokFailAfterFirst, "")
			unknown := subscribe(billing.SimTokTimeoutAfterCharge, "")
			require.Equal(t, billing.SubscriptionIncomplete, unknown.Status, "its first charge timed out")
			canceling, err := a.Subscriptions.CancelSubscription(ctx, s, subscribe(billing.SimTokVisa, "").ID, app.CancelParams{AtPeriodEnd: true})
			require.NoError(t, err)

			// Feb 28 15:00 UTC is the end of every first period (Jan 31 →
			// Feb 28 in 2026). A day later, everything is due once.
			clock.set(time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC))
			// Small chunks, two lanes at once: several batches, claimed
			// concurrently.
			total, err := a.Renewals.SweepAll(ctx, 4, app.SweepLanes, time.Now().Add(time.Minute))
			require.NoError(t, err)
			require.GreaterOrEqual(t, total, 11)
			left, err := a.Renewals.Sweep(ctx, 100)
			require.NoError(t, err)
			require.Zero(t, left, "nothing is left due")

			end := time.Date(2026, 2, 28, 15, 0, 0, 0, time.UTC)
			for _, sub := range append(plain, discounted) {
				got, err := a.Subscriptions.GetSubscription(ctx, s, sub.ID)
				require.NoError(t, err)
				require.Equal(t, billing.SubscriptionActive, got.Status)
				require.EqualValues(t, 2, got.CycleIndex)
				require.Equal(t, end, got.CurrentPeriodStart)
				require.Equal(t, time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC), got.CurrentPeriodEnd)
				require.Equal(t, got.CurrentPeriodEnd, *got.NextActionAt)
				invs, err := a.Invoicing.ListInvoices(ctx, s, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{})
				require.NoError(t, err)
				require.Len(t, invs.Data, 2)
				inv := invs.Data[0]
				require.Equal(t, billing.InvoicePaid, inv.Status)
				require.Equal(t, billing.ReasonSubscriptionCycle, inv.BillingReason)
				require.Equal(t, end, inv.PeriodStart)
				want := int64(10000)
				if sub.ID == discounted.ID {
					want = 7500 // the second of two discounted months
				}
				require.Equal(t, want, inv.Total)
				require.Equal(t, want, inv.AmountPaid)
				events, err := a.Notifications.ListEvents(ctx, s, billing.EventFilter{ObjectID: inv.ID}, billing.Page{})
				require.NoError(t, err)
				var types []string
				for i := len(events.Data) - 1; i >= 0; i-- {
					types = append(types, events.Data[i].Type)
				}
				require.Equal(t, []string{app.EventInvoiceCreated, app.EventInvoiceFinalized, app.EventInvoicePaid}, types)
				// The batch's update event keeps the subscription before the
				// renewal, for its previous_attributes.
				updates, err := a.Notifications.ListEvents(ctx, s, billing.EventFilter{ObjectID: sub.ID, Type: app.EventSubscriptionUpdated}, billing.Page{Limit: 1})
				require.NoError(t, err)
				require.Len(t, updates.Data, 1)
				var before, after billing.Subscription
				require.NoError(t, json.Unmarshal(updates.Data[0].Previous, &before), "the renewal's event keeps the object before")
				require.NoError(t, json.Unmarshal(updates.Data[0].Data, &after))
				require.Equal(t, end, before.CurrentPeriodEnd.UTC())
				require.Equal(t, end, after.CurrentPeriodStart.UTC())
			}

			got, err := a.Subscriptions.GetSubscription(ctx, s, declines.ID)
			require.NoError(t, err)
			require.Equal(t, billing.SubscriptionPastDue, got.Status, "a decline takes the full path: dunning")
			got, err = a.Subscriptions.GetSubscription(ctx, s, unknown.ID)
			require.NoError(t, err)
			require.Equal(t, billing.SubscriptionActive, got.Status, "the first charge was reconciled as succeeded")
			pays, err := a.Collection.ListPayments(ctx, s, billing.PaymentFilter{CustomerID: unknown.CustomerID}, billing.Page{})
			require.NoError(t, err)
			require.Len(t, pays.Data, 2)
			require.Equal(t, billing.PaymentUnknown, pays.Data[0].Status, "the renewal's timeout leaves it unknown for reconciliation")
			got, err = a.Subscriptions.GetSubscription(ctx, s, canceling.ID)
			require.NoError(t, err)
			require.Equal(t, billing.SubscriptionCanceled, got.Status)

			// Invoice numbers stay gapless across batches and the full path.
			all, err := a.Invoicing.ListInvoices(ctx, s, billing.InvoiceFilter{}, billing.Page{Limit: 100})
			require.NoError(t, err)
			numbers := map[string]bool{}
			for _, inv := range all.Data {
				numbers[inv.Number] = true
			}
			require.Len(t, numbers, len(all.Data))
			for i := 1; i <= len(all.Data); i++ {
				require.True(t, numbers[fmt.Sprintf("%s-%06d", m.InvoicePrefix, i)], "number %d", i)
			}

			// A minute later reconciliation finds the unknown charge.
			clock.set(time.Date(2026, 3, 1, 15, 2, 0, 0, time.UTC))
			_, err = a.Renewals.Sweep(ctx, 100)
			require.NoError(t, err)
			pays, err = a.Collection.ListPayments(ctx, s, billing.PaymentFilter{CustomerID: unknown.CustomerID}, billing.Page{})
			require.NoError(t, err)
			require.Equal(t, billing.PaymentSucceeded, pays.Data[0].Status)

			_, err = a.Merchants.SealAuditLog(ctx) // the leader's sealer, inline
			require.NoError(t, err)
			brk, n, err := a.Merchants.VerifyAuditChain(ctx, m.ID)
			require.NoError(t, err)
			require.Nil(t, brk, "the audit chain verifies after batched appends")
			require.Positive(t, n)

			// Every succeeded payment has exactly one ledger charge.
			ledger, err := g.Ledger(ctx)
			require.NoError(t, err)
			charged := map[string]int{}
			for _, c := range ledger {
				if c.Outcome == sim.OutcomeSucceeded {
					charged[c.Key]++
				}
			}
			allPays, err := a.Collection.ListPayments(ctx, s, billing.PaymentFilter{}, billing.Page{Limit: 100})
			require.NoError(t, err)
			succeeded := 0
			for _, p := range allPays.Data {
				if p.Status == billing.PaymentSucceeded {
					succeeded++
					require.Equal(t, 1, charged[p.IdempotencyKey], p.IdempotencyKey)
				}
			}
			require.Len(t, charged, succeeded)
		})
	}
}

package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestBillingCycleAnchor: a subscription that renews on the 1st, created
// mid-month, pays the prorated rest of the month at once (or nothing, with
// proration_behavior none), then full months from the anchor on; the
// partial period does not count as a cycle.
func TestBillingCycleAnchor(t *testing.T) {
	t.Parallel()
	start := ts("2024-06-11T12:00:00Z")
	anchor := ts("2024-07-01T00:00:00Z")
	fullStart := ts("2024-06-01T00:00:00Z") // the full period ending at the anchor
	subscribe := func(t *testing.T, h *harness, currency string, amount int64, behavior string, maxCycles int64) (billing.Subscription, billing.Price) {
		h.begin("UTC", start)
		price := h.price(amount, currency, billing.IntervalMonth, 0)
		cus := h.customer("ines@example.cl")
		pm := h.attach(cus.ID, billing.SimTokVisa)
		sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID,
			BillingCycleAnchor: &anchor, ProrationBehavior: behavior, MaxCycles: maxCycles})
		require.Equal(t, billing.SubscriptionActive, sub.Status)
		require.Equal(t, start, sub.CurrentPeriodStart.UTC())
		require.Equal(t, anchor, sub.CurrentPeriodEnd.UTC())
		return sub, price
	}
	runScenarios(t, []scenario{
		{"anchor_prorated_clp", func(t *testing.T, h *harness) {
			sub, price := subscribe(t, h, "CLP", 9990, "", 2)
			// 19.5 of 30 days of 9990 CLP, rounded once: 6493.5 → 6494.
			want := prorata(9990, int64(anchor.Sub(start)/time.Second), int64(anchor.Sub(fullStart)/time.Second))
			require.Equal(t, int64(6494), want)
			invs := h.invoices(sub.ID)
			require.Len(t, invs, 1)
			require.Equal(t, want, invs[0].Total)
			require.Equal(t, billing.InvoicePaid, invs[0].Status)
			require.Equal(t, []line{prorationLine(price.ID, want, start, anchor)}, linesOf(invs[0].Lines))

			// Full months from the anchor; max_cycles 2 counts full periods only.
			h.advanceTo(ts("2024-09-15T00:00:00Z"))
			invs = h.invoices(sub.ID)
			require.Len(t, invs, 3)
			require.Equal(t, []line{subLine(price.ID, 9990, anchor, ts("2024-08-01T00:00:00Z"))}, linesOf(invs[1].Lines))
			require.Equal(t, []line{subLine(price.ID, 9990, ts("2024-08-01T00:00:00Z"), ts("2024-09-01T00:00:00Z"))}, linesOf(invs[2].Lines))
			got := h.sub(sub.ID)
			require.Equal(t, billing.SubscriptionCanceled, got.Status)
			require.Equal(t, billing.CancelCompleted, got.CancellationReason)
			require.Equal(t, ts("2024-09-01T00:00:00Z"), got.EndedAt.UTC())
		}},
		{"anchor_prorated_usd", func(t *testing.T, h *harness) {
			sub, price := subscribe(t, h, "USD", 5000, "always_invoice", 0)
			want := prorata(5000, int64(anchor.Sub(start)/time.Second), int64(anchor.Sub(fullStart)/time.Second))
			require.Equal(t, int64(3250), want) // $32.50
			invs := h.invoices(sub.ID)
			require.Equal(t, []line{prorationLine(price.ID, want, start, anchor)}, linesOf(invs[0].Lines))
			require.Equal(t, want, invs[0].AmountPaid)
		}},
		{"anchor_without_proration", func(t *testing.T, h *harness) {
			sub, _ := subscribe(t, h, "CLP", 9990, "none", 0)
			invs := h.invoices(sub.ID)
			require.Len(t, invs, 1)
			require.Equal(t, int64(0), invs[0].Total, "nothing until the anchor")
			require.Equal(t, billing.InvoicePaid, invs[0].Status)
			require.Empty(t, h.payments(invs[0].ID), "a zero invoice charges nothing")
			h.advanceTo(ts("2024-07-01T01:00:00Z"))
			invs = h.invoices(sub.ID)
			require.Len(t, invs, 2)
			require.Equal(t, int64(9990), invs[1].AmountPaid)
		}},
		{"anchor_refused", func(t *testing.T, h *harness) {
			h.begin("UTC", start)
			price := h.price(9990, "CLP", billing.IntervalMonth, 0)
			cus := h.customer("ines@example.cl")
			pm := h.attach(cus.ID, billing.SimTokVisa)
			p := app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID}
			tooFar := ts("2024-08-01T00:00:00Z")
			p.BillingCycleAnchor = &tooFar
			_, err := h.app.Subscriptions.CreateSubscription(h.ctx, h.s, p)
			requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "billing_cycle_anchor")
			past := ts("2024-06-01T00:00:00Z")
			p.BillingCycleAnchor = &past
			_, err = h.app.Subscriptions.CreateSubscription(h.ctx, h.s, p)
			requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "billing_cycle_anchor")
			p.BillingCycleAnchor, p.ProrationBehavior = nil, "none"
			_, err = h.app.Subscriptions.CreateSubscription(h.ctx, h.s, p)
			requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "proration_behavior")
			p.BillingCycleAnchor, p.ProrationBehavior, p.TrialPeriodDays = &anchor, "", ptr(int64(7))
			_, err = h.app.Subscriptions.CreateSubscription(h.ctx, h.s, p)
			requireAppError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "billing_cycle_anchor")
			require.Empty(t, h.invoices(""), "nothing was written")
		}},
	})
}

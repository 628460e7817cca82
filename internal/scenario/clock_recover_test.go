package scenario_test

import (
	"github.com/cuota/cuota/internal/gateway/sim"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/webhookout"
)

// dailySubscription subscribes a new customer on the scenario's clock to a
// daily CLP 100 price with a card that pays.
func (h *harness) dailySubscription() billing.Subscription {
	h.t.Helper()
	price := h.price(100, "CLP", billing.IntervalDay, 0)
	cus := h.customer("ana@example.cl")
	pm := h.attach(cus.ID, "tok_visa")
	return h.subscribeTo(cus.ID, price.ID, pm.ID)
}

// TestClockRecoveryLeavesALiveAdvance: while one process is advancing a
// test clock (held mid-advance in its gateway call), a second process
// that starts and recovers clocks, on the same database, leaves the clock
// alone: it stays advancing, and the first advance finishes it.
func TestClockRecoveryLeavesALiveAdvance(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			var g *heldGateway
			h := newHarnessWith(t, sk.open(t), func(c *app.Config, gw *sim.Gateway) {
				g = &heldGateway{Gateway: gw, charges: map[string]int{}}
				c.Gateways = app.Gateways{billing.GatewaySim: held{g}}
			})
			t0 := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
			h.begin("UTC", t0)
			sub := h.dailySubscription()

			g.arm()
			type result struct {
				clock billing.TestClock
				err   error
			}
			done := make(chan result, 1)
			go func() {
				c, err := h.app.Renewals.AdvanceTestClock(h.ctx, h.s, h.clock, t0.AddDate(0, 0, 3))
				done <- result{c, err}
			}()
			<-g.entered // the first process is mid-advance

			second, err := app.New(app.Config{
				Store:  h.store,
				Now:    wallClock,
				Logger: discard,
				Ports:  app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
			})
			require.NoError(t, err)
			n, err := second.Renewals.RecoverTestClocks(h.ctx)
			require.NoError(t, err)
			require.Zero(t, n, "a clock a live process is advancing is not recovered")
			c, err := second.Renewals.GetTestClock(h.ctx, h.s, h.clock)
			require.NoError(t, err)
			require.Equal(t, billing.TestClockAdvancing, c.Status)
			_, err = second.Renewals.AdvanceTestClock(h.ctx, h.s, h.clock, t0.AddDate(0, 0, 5))
			requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")

			g.let()
			r := <-done
			require.NoError(t, r.err)
			require.Equal(t, billing.TestClockReady, r.clock.Status)
			require.True(t, r.clock.FrozenTime.Equal(t0.AddDate(0, 0, 3)), "%s", r.clock.FrozenTime)
			require.True(t, h.sub(sub.ID).CurrentPeriodEnd.Equal(t0.AddDate(0, 0, 4)))
		})
	}
}

// TestClockRecoveryResumesAnAbandonedAdvance: a clock whose advancing
// process is gone (its lease ended unrenewed) is taken over by recovery
// and resumed to the time its advance was asked to reach; before the
// lease ends, recovery leaves it alone.
func TestClockRecoveryResumesAnAbandonedAdvance(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sk.open(t))
			t0 := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
			h.begin("UTC", t0)
			sub := h.dailySubscription()
			h.advanceTo(t0.Add(36 * time.Hour)) // renewed once: the clock is mid-way to its target
			target := t0.AddDate(0, 0, 3)

			// What a process that died advancing to target leaves behind:
			// the clock advancing, with a lease of 10s that nobody renews.
			lease := 10 * time.Second
			require.NoError(t, h.store.InTx(h.ctx, func(tx billing.Tx) error {
				c, err := tx.Clocks.GetTestClock(h.ctx, h.s, h.clock)
				if err != nil {
					return err
				}
				c.Status, c.AdvanceTarget = billing.TestClockAdvancing, &target
				if err := tx.Clocks.UpdateTestClock(h.ctx, c); err != nil {
					return err
				}
				held, err := tx.Clocks.LeaseTestClock(h.ctx, h.clock, "dead", wallClock().Add(lease), wallClock())
				require.True(t, held)
				return err
			}))

			early, err := app.New(app.Config{
				Store:          h.store,
				Now:            func() time.Time { return wallClock().Add(lease - time.Second) },
				Logger:         discard,
				Ports:          app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
				TestClockLease: lease,
			})
			require.NoError(t, err)
			n, err := early.Renewals.RecoverTestClocks(h.ctx)
			require.NoError(t, err)
			require.Zero(t, n, "the lease has not ended yet")
			c, err := early.Renewals.GetTestClock(h.ctx, h.s, h.clock)
			require.NoError(t, err)
			require.Equal(t, billing.TestClockAdvancing, c.Status)

			later, err := app.New(app.Config{
				Store:          h.store,
				Now:            func() time.Time { return wallClock().Add(lease + time.Second) },
				Logger:         discard,
				Ports:          app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
				TestClockLease: lease,
				Gateways:       app.Gateways{billing.GatewaySim: h.sim},
			})
			require.NoError(t, err)
			n, err = later.Renewals.RecoverTestClocks(h.ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			later.Renewals.WaitResumedAdvances()

			c, err = later.Renewals.GetTestClock(h.ctx, h.s, h.clock)
			require.NoError(t, err)
			require.Equal(t, billing.TestClockReady, c.Status)
			require.True(t, c.FrozenTime.Equal(target), "resumed to its target, at %s", c.FrozenTime)
			require.Nil(t, c.AdvanceTarget)
			s := h.sub(sub.ID)
			require.True(t, s.CurrentPeriodStart.Equal(target), "%s", s.CurrentPeriodStart)
			require.True(t, s.CurrentPeriodEnd.Equal(target.AddDate(0, 0, 1)))
			require.Len(t, h.invoices(sub.ID), 4, "the first and one per day, each once")

			// Nothing is left to recover, and the clock advances again.
			n, err = later.Renewals.RecoverTestClocks(h.ctx)
			require.NoError(t, err)
			require.Zero(t, n)
			h.advanceTo(target.AddDate(0, 0, 1))
		})
	}
}

package scenario_test

import (
	"context"
	"log/slog"
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

// errorLog is a slog handler that keeps the messages of ERROR records.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *errorLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *errorLog) WithGroup(string) slog.Handler            { return l }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		l.mu.Lock()
		defer l.mu.Unlock()
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
		l.msgs = append(l.msgs, msg)
	}
	return nil
}

func (l *errorLog) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

// heldGateway is the sim gateway whose first call, once armed, waits until
// the test lets it go: the sweep that makes it is then mid-work on its
// subscriptions (outside any transaction) for as long as the test wants.
// It counts charges per idempotency key.
type heldGateway struct {
	*sim.Gateway
	mu      sync.Mutex
	armed   bool
	entered chan struct{}
	release chan struct{}
	charges map[string]int
}

// arm makes the next call wait for let().
func (g *heldGateway) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.entered, g.release = true, make(chan struct{}), make(chan struct{})
}

func (g *heldGateway) let() { close(g.release) }

func (g *heldGateway) hold() {
	g.mu.Lock()
	armed := g.armed
	g.armed = false
	entered, release := g.entered, g.release
	g.mu.Unlock()
	if armed {
		close(entered)
		<-release
	}
}

// Charge waits if armed and counts the key.
func (g *heldGateway) Charge(ctx context.Context, r billing.ChargeRequest) (billing.ChargeResult, error) {
	g.hold()
	g.mu.Lock()
	g.charges[r.IdempotencyKey]++
	g.mu.Unlock()
	return g.Gateway.Charge(ctx, r)
}

// LookupCharge waits if armed.
func (g *heldGateway) LookupCharge(ctx context.Context, s billing.Scope, key string) (billing.ChargeResult, bool, error) {
	g.hold()
	return g.Gateway.LookupCharge(ctx, s, key)
}

// held hides sim's ChargeMany, so every charge goes through Charge.
type held struct{ g *heldGateway }

func (h held) Name() string { return h.g.Name() }
func (h held) AttachToken(ctx context.Context, s billing.Scope, customerID, token string) (billing.PaymentMethod, error) {
	return h.g.AttachToken(ctx, s, customerID, token)
}
func (h held) Charge(ctx context.Context, r billing.ChargeRequest) (billing.ChargeResult, error) {
	return h.g.Charge(ctx, r)
}
func (h held) LookupCharge(ctx context.Context, s billing.Scope, key string) (billing.ChargeResult, bool, error) {
	return h.g.LookupCharge(ctx, s, key)
}
func (h held) Refund(ctx context.Context, r billing.RefundRequest) (billing.RefundResult, error) {
	return h.g.Refund(ctx, r)
}

// TestSweepLanesNeverShareASubscription has two sweep lanes work over
// subscriptions whose card fails technically every other call (renewals,
// unknown outcomes, reconciliations and retries), on both stores. While
// one lane is still working on what it claimed (held in its gateway
// call), a second lane claims none of it; concurrent lanes over the whole
// life charge each payment key once and log no ERROR.
func TestSweepLanesNeverShareASubscription(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			store := sk.open(t)
			clock := &movableClock{t: time.Date(2026, 1, 31, 15, 0, 0, 0, time.UTC)}
			logs := &errorLog{}
			g := &heldGateway{Gateway: sim.New(store, clock.now), charges: map[string]int{}}
			a, err := app.New(app.Config{
				Store:    store,
				Now:      clock.now,
				Logger:   slog.New(logs),
				Ports:    app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
				Gateways: app.Gateways{billing.GatewaySim: held{g}},
			})
			require.NoError(t, err)
			m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Lanes", Timezone: "America/Santiago"})
			require.NoError(t, err)
			s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
			prod, err := a.Catalog.CreateProduct(ctx, s, app.ProductParams{Name: new("Plan")})
			require.NoError(t, err)
			amount := int64(10000)
			price, err := a.Catalog.CreatePrice(ctx, s, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "CLP",
				Recurring: &billing.Recurring{Interval: billing.IntervalDay, IntervalCount: 1}})
			require.NoError(t, err)
			var subs []billing.Subscription
			for range 3 {
				cus, err := a.Customers.CreateCustomer(ctx, s, app.CustomerParams{})
				require.NoError(t, err)
				// A card that fails technically every other call; a day's
				// trial, so the first charge is the sweep's.
				pm, err := a.Customers.AttachPaymentMethod(ctx, s, cus.ID, app.AttachPaymentMethodParams{Gateway: "sim", Token: billing.SimTokGatewayError})
				require.NoError(t, err)
				sub, err := a.Subscriptions.CreateSubscription(ctx, s, app.CreateSubscriptionParams{Customer: cus.ID,
					Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID, TrialPeriodDays: new(int64(1))})
				require.NoError(t, err)
				require.Equal(t, billing.SubscriptionTrialing, sub.Status)
				subs = append(subs, sub)
			}

			// Every few hours for a week: renewals, their technical failures,
			// reconciliations and retries fall due.
			held := 0
			for step := range 7 * 8 {
				clock.set(time.Date(2026, 1, 31, 15, 0, 0, 0, time.UTC).Add(time.Duration(step+1) * 3 * time.Hour))
				// Lane one is held in its first gateway call, mid-work on
				// everything it claimed; lane two sweeps meanwhile.
				g.arm()
				var n1 int
				var err1 error
				done := make(chan struct{})
				go func() {
					defer close(done)
					n1, err1 = a.Renewals.Sweep(ctx, 100)
				}()
				select {
				case <-g.entered:
					held++
					n2, err := a.Renewals.Sweep(ctx, 100)
					require.NoError(t, err)
					require.Zero(t, n2, "step %d: a second lane claimed subscriptions the first is working on", step)
					g.let()
				case <-done:
					g.mu.Lock()
					g.armed = false // nothing called the gateway
					g.mu.Unlock()
				}
				<-done
				require.NoError(t, err1)
				require.LessOrEqual(t, n1, len(subs))
				// Two lanes at once over what is left.
				_, err = a.Renewals.SweepAll(ctx, 1, app.SweepLanes, time.Now().Add(time.Minute))
				require.NoError(t, err)
			}
			require.Positive(t, held, "the first lane was held mid-work at least once")
			require.Empty(t, logs.errors(), "a normal sweep logs no ERROR")

			// One charge per payment key, one payment per key.
			for key, n := range g.charges {
				require.Equal(t, 1, n, "charges with key %s", key)
			}
			for _, sub := range subs {
				pays, err := a.Collection.ListPayments(ctx, s, billing.PaymentFilter{CustomerID: sub.CustomerID}, billing.Page{Limit: 100})
				require.NoError(t, err)
				keys := map[string]bool{}
				for _, p := range pays.Data {
					require.False(t, keys[p.IdempotencyKey], "payment key %s used twice", p.IdempotencyKey)
					keys[p.IdempotencyKey] = true
				}
				require.Greater(t, len(pays.Data), 3, "renewals, failures and retries happened")
			}
		})
	}
}

package scenario_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/webhookout"
)

// testStore is a store that also keeps the simulated gateway's ledger
// (both stores do).
type testStore interface {
	billing.Store
	sim.LedgerStore
}

// storeKind opens a fresh, migrated store for one test and closes it when
// the test ends.
type storeKind struct {
	name string
	open func(t *testing.T) testStore
}

var discard = slog.New(slog.DiscardHandler)

var storeKinds = []storeKind{
	{"sqlite", func(t *testing.T) testStore {
		ctx := context.Background()
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cuota.db"), discard)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, st.Close()) })
		require.NoError(t, st.Migrate(ctx))
		return st
	}},
	{"postgres", func(t *testing.T) testStore {
		ctx := context.Background()
		url := pgtest.URL(t)
		st, err := postgres.Open(ctx, url, discard)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, st.Close()) })
		require.NoError(t, st.Migrate(ctx))
		return st
	}},
}

// scenario is one subscription life. run drives it through h; the ledger
// check runs after it returns.
type scenario struct {
	name string
	run  func(t *testing.T, h *harness)
}

// runScenarios runs every scenario on every store, stores and scenarios in
// parallel, each scenario on its own fresh database.
func runScenarios(t *testing.T, scenarios []scenario) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					h := newHarness(t, sk.open(t))
					// A panic in the engine fails this scenario only, with its
					// stack, instead of taking the whole test binary down.
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("panic: %v\n%s", r, debug.Stack())
						}
					}()
					sc.run(t, h)
					h.requireLedgerMatchesPayments()
				})
			}
		})
	}
}

// wallClock is the App's own clock (ids, created/updated stamps of objects
// not on a test clock). It never moves: billing time comes from the test
// clock only.
func wallClock() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }

// harness is one scenario's world: a store, an App with the sim gateway,
// one merchant in test mode and one test clock.
type harness struct {
	t     *testing.T
	ctx   context.Context
	store testStore
	app   *app.App
	sim   *sim.Gateway
	m     billing.Merchant
	s     billing.Scope
	clock string
	loc   *time.Location
}

func newHarness(t *testing.T, store testStore) *harness {
	return newHarnessWith(t, store, nil)
}

// newHarnessWith is newHarness with configure changing the App's
// configuration, given the harness's sim gateway, before the App is built.
func newHarnessWith(t *testing.T, store testStore, configure func(c *app.Config, gw *sim.Gateway)) *harness {
	gw := sim.New(store, wallClock)
	cfg := app.Config{Store: store, Now: wallClock, Logger: discard,
		PublicURL: func() string { return "https://billing.example.test" },
		Ports:     app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
		Gateways:  app.Gateways{"sim": gw}}
	if configure != nil {
		configure(&cfg, gw)
	}
	a, err := app.New(cfg)
	require.NoError(t, err)
	return &harness{t: t, ctx: context.Background(), store: store, app: a, sim: gw}
}

// begin creates the merchant (named "Agente": invoices are AGEN-000001…)
// in time zone tz and a test clock frozen at start.
func (h *harness) begin(tz string, start time.Time) {
	h.t.Helper()
	m, err := h.app.Merchants.CreateMerchant(h.ctx, app.CreateMerchantParams{Name: "Agente", Timezone: tz})
	require.NoError(h.t, err)
	require.Equal(h.t, "AGEN", m.InvoicePrefix)
	h.m, h.s = m, billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	h.loc, err = time.LoadLocation(tz)
	require.NoError(h.t, err)
	c, err := h.app.Renewals.CreateTestClock(h.ctx, h.s, "scenario", start)
	require.NoError(h.t, err)
	require.True(h.t, c.FrozenTime.Equal(start))
	h.clock = c.ID
}

// now is the test clock's time.
func (h *harness) now() time.Time {
	h.t.Helper()
	c, err := h.app.Renewals.GetTestClock(h.ctx, h.s, h.clock)
	require.NoError(h.t, err)
	return c.FrozenTime.UTC()
}

// advanceTo moves the test clock to at, running everything due on the way.
func (h *harness) advanceTo(at time.Time) {
	h.t.Helper()
	c, err := h.app.Renewals.AdvanceTestClock(h.ctx, h.s, h.clock, at)
	require.NoError(h.t, err)
	require.True(h.t, c.FrozenTime.Equal(at), "clock at %s, want %s", c.FrozenTime, at)
	require.Equal(h.t, billing.TestClockReady, c.Status)
}

func (h *harness) advance(d time.Duration) { h.t.Helper(); h.advanceTo(h.now().Add(d)) }

func (h *harness) product(name string, features map[string]int64) billing.Product {
	h.t.Helper()
	p, err := h.app.Catalog.CreateProduct(h.ctx, h.s, app.ProductParams{Name: &name, Features: features})
	require.NoError(h.t, err)
	return p
}

// price creates a recurring price (interval count 1) for a new product.
func (h *harness) price(amount int64, currency, interval string, trialDays int64) billing.Price {
	h.t.Helper()
	prod := h.product("Plan "+interval, nil)
	return h.priceOf(prod.ID, amount, currency, interval, trialDays)
}

func (h *harness) priceOf(productID string, amount int64, currency, interval string, trialDays int64) billing.Price {
	h.t.Helper()
	p, err := h.app.Catalog.CreatePrice(h.ctx, h.s, app.CreatePriceParams{Product: productID, UnitAmount: &amount,
		Currency: currency, Recurring: &billing.Recurring{Interval: interval, IntervalCount: 1}, TrialPeriodDays: trialDays})
	require.NoError(h.t, err)
	return p
}

// customer creates a customer living on the scenario's test clock.
func (h *harness) customer(email string) billing.Customer {
	h.t.Helper()
	p := app.CustomerParams{TestClock: &h.clock}
	if email != "" {
		p.Email = &email
	}
	c, err := h.app.Customers.CreateCustomer(h.ctx, h.s, p)
	require.NoError(h.t, err)
	require.Equal(h.t, h.clock, c.TestClockID)
	return c
}

func (h *harness) attach(customerID, token string) billing.PaymentMethod {
	h.t.Helper()
	pm, err := h.app.Customers.AttachPaymentMethod(h.ctx, h.s, customerID, app.AttachPaymentMethodParams{Gateway: "sim", Token: token})
	require.NoError(h.t, err)
	return pm
}

func (h *harness) subscribe(p app.CreateSubscriptionParams) billing.Subscription {
	h.t.Helper()
	sub, err := h.app.Subscriptions.CreateSubscription(h.ctx, h.s, p)
	require.NoError(h.t, err)
	return sub
}

// subscribeTo subscribes a customer to one price with a payment method.
func (h *harness) subscribeTo(customerID, priceID, pmID string) billing.Subscription {
	h.t.Helper()
	return h.subscribe(app.CreateSubscriptionParams{Customer: customerID, Items: []app.ItemParams{{Price: priceID}}, PaymentMethod: pmID})
}

func (h *harness) sub(id string) billing.Subscription {
	h.t.Helper()
	sub, err := h.app.Subscriptions.GetSubscription(h.ctx, h.s, id)
	require.NoError(h.t, err)
	return sub
}

// listAll pages through a list (newest first) and returns it oldest first.
func listAll[T any](t *testing.T, id func(T) string, fn func(page billing.Page) (app.List[T], error)) []T {
	t.Helper()
	var out []T
	page := billing.Page{Limit: 100}
	for {
		l, err := fn(page)
		require.NoError(t, err)
		out = append(out, l.Data...)
		if !l.HasMore {
			break
		}
		page.StartingAfter = id(l.Data[len(l.Data)-1])
	}
	slices.Reverse(out)
	return out
}

// invoices returns a subscription's invoices, oldest first.
func (h *harness) invoices(subID string) []billing.Invoice {
	h.t.Helper()
	return listAll(h.t, func(v billing.Invoice) string { return v.ID }, func(p billing.Page) (app.List[billing.Invoice], error) {
		return h.app.Invoicing.ListInvoices(h.ctx, h.s, billing.InvoiceFilter{SubscriptionID: subID}, p)
	})
}

// payments returns the payments of an invoice ("" = all of the scope),
// oldest first.
func (h *harness) payments(invoiceID string) []billing.Payment {
	h.t.Helper()
	return listAll(h.t, func(v billing.Payment) string { return v.ID }, func(p billing.Page) (app.List[billing.Payment], error) {
		return h.app.Collection.ListPayments(h.ctx, h.s, billing.PaymentFilter{InvoiceID: invoiceID}, p)
	})
}

// events returns every event of the scope, oldest first.
func (h *harness) events() []billing.Event {
	h.t.Helper()
	return listAll(h.t, func(v billing.Event) string { return v.ID }, func(p billing.Page) (app.List[billing.Event], error) {
		return h.app.Notifications.ListEvents(h.ctx, h.s, billing.EventFilter{}, p)
	})
}

// eventTypes returns the types of the events of the scope's subscriptions,
// invoices and payments, oldest first. The events of the customers the
// scenarios set up (customer.created, customer.updated) are left out: they
// tell nothing of a subscription's life, and TestCustomerEvents checks them.
func (h *harness) eventTypes() []string {
	h.t.Helper()
	return lifeEventTypes(h.events())
}

// lifeEventTypes are the types of events, leaving out customer events (see
// eventTypes).
func lifeEventTypes(events []billing.Event) []string {
	var out []string
	for _, e := range events {
		if e.Type == app.EventCustomerCreated || e.Type == app.EventCustomerUpdated {
			continue
		}
		out = append(out, e.Type)
	}
	return out
}

// requireEvents checks the exact sequence of event types of the scope.
func (h *harness) requireEvents(want ...[]string) {
	h.t.Helper()
	require.Equal(h.t, slices.Concat(want...), h.eventTypes(), "events of the scope, oldest first")
}

// eventAt returns the creation time of the only event of type typ about
// objectID.
func (h *harness) eventAt(typ, objectID string) time.Time {
	h.t.Helper()
	var at []time.Time
	for _, e := range h.events() {
		if e.Type == typ && e.ObjectID == objectID {
			at = append(at, e.Created.UTC())
		}
	}
	require.Len(h.t, at, 1, "events %s of %s", typ, objectID)
	return at[0]
}

func (h *harness) entitlements(customerID string) map[string]int64 {
	h.t.Helper()
	e, err := h.app.Subscriptions.Entitlements(h.ctx, h.s, customerID)
	require.NoError(h.t, err)
	return e
}

// Expected values.

// pay is an expected payment attempt: status, failure class and code, and
// when it was made (test-clock time).
type pay struct {
	Status billing.PaymentStatus
	Class  billing.FailureClass
	Code   string
	At     time.Time
}

func paid(at time.Time) pay { return pay{Status: billing.PaymentSucceeded, At: at} }
func declined(at time.Time) pay {
	return pay{Status: billing.PaymentFailed, Class: billing.FailureCustomer, Code: sim.FailCardDeclined, At: at}
}

// inv is an expected invoice with its payments in attempt order.
type inv struct {
	Number   string
	Status   billing.InvoiceStatus
	Reason   string
	Start    time.Time
	End      time.Time
	Subtotal int64
	Discount int64
	Total    int64
	Paid     int64
	Payments []pay
}

func number(n int) string { return fmt.Sprintf("AGEN-%06d", n) }

// requireInvoices checks a subscription's invoices, oldest first, and
// their payments, plus the invariants every invoice keeps: lines add up to
// the total, one payment row per attempt with the deterministic key and the
// amount due, created at the start of its period (everything runs at its
// own due time), paid/void stamps that match the status.
func (h *harness) requireInvoices(subID string, want ...inv) []billing.Invoice {
	h.t.Helper()
	sub := h.sub(subID)
	invoices := h.invoices(subID)
	var got []inv
	for _, in := range invoices {
		g := inv{Number: in.Number, Status: in.Status, Reason: in.BillingReason, Start: in.PeriodStart.UTC(), End: in.PeriodEnd.UTC(),
			Subtotal: in.Subtotal, Discount: in.Discount, Total: in.Total, Paid: in.AmountPaid}
		pays := h.payments(in.ID)
		for i, p := range pays {
			g.Payments = append(g.Payments, pay{Status: p.Status, Class: p.FailureClass, Code: p.FailureCode, At: p.Created.UTC()})
			require.Equal(h.t, int64(i+1), p.Attempt, "attempt numbers of %s", in.Number)
			require.Equal(h.t, billing.PaymentIdempotencyKey(in.ID, p.Attempt), p.IdempotencyKey)
			require.Equal(h.t, in.AmountDue, p.Amount, "payment amount of %s", in.Number)
			require.Equal(h.t, in.Currency, p.Currency)
			require.Equal(h.t, in.CustomerID, p.CustomerID)
			require.Equal(h.t, "sim", p.Gateway)
		}
		require.Equal(h.t, int64(len(pays)), in.AttemptCount, "attempt count of %s", in.Number)
		require.Equal(h.t, sub.Currency, in.Currency)
		require.Equal(h.t, sub.CustomerID, in.CustomerID)
		require.Equal(h.t, in.Total, in.AmountDue, "amount due of %s", in.Number)
		require.Equal(h.t, in.Subtotal-in.Discount+in.Tax, in.Total, "total of %s", in.Number)
		var lines int64
		for _, l := range in.Lines {
			lines += l.Amount
		}
		require.Equal(h.t, in.Total, lines, "lines of %s", in.Number)
		require.True(h.t, in.Created.Equal(in.PeriodStart), "%s created at %s, its period starts at %s", in.Number, in.Created, in.PeriodStart)
		require.NotNil(h.t, in.FinalizedAt, "%s finalized", in.Number)
		switch in.Status {
		case billing.InvoicePaid:
			require.NotNil(h.t, in.PaidAt, "%s paid_at", in.Number)
			require.Equal(h.t, in.Total, in.AmountPaid)
			require.Nil(h.t, in.NextAttemptAt, "%s next attempt", in.Number)
		case billing.InvoiceVoid:
			require.NotNil(h.t, in.VoidedAt, "%s voided_at", in.Number)
			require.Nil(h.t, in.NextAttemptAt, "%s next attempt", in.Number)
		case billing.InvoiceUncollectible:
			require.Nil(h.t, in.NextAttemptAt, "%s next attempt", in.Number)
		}
		got = append(got, g)
	}
	if len(want) == 0 {
		want = nil
	}
	requireSame(h.t, want, got, "invoices of %s, oldest first", subID)
	return invoices
}

// subState is the expected state of a subscription.
type subState struct {
	Status            billing.SubscriptionStatus
	Cycle             int64
	PeriodStart       time.Time
	PeriodEnd         time.Time
	TrialStart        *time.Time
	TrialEnd          *time.Time
	CancelAtPeriodEnd bool
	CancelAt          *time.Time
	CanceledAt        *time.Time
	EndedAt           *time.Time
	Reason            billing.CancellationReason
	NextActionAt      *time.Time
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// requireSub checks a subscription's status and dates.
func (h *harness) requireSub(id string, want subState) billing.Subscription {
	h.t.Helper()
	sub := h.sub(id)
	got := subState{
		Status: sub.Status, Cycle: sub.CycleIndex, PeriodStart: sub.CurrentPeriodStart.UTC(), PeriodEnd: sub.CurrentPeriodEnd.UTC(),
		TrialStart: utcPtr(sub.TrialStart), TrialEnd: utcPtr(sub.TrialEnd), CancelAtPeriodEnd: sub.CancelAtPeriodEnd,
		CancelAt: utcPtr(sub.CancelAt), CanceledAt: utcPtr(sub.CanceledAt), EndedAt: utcPtr(sub.EndedAt),
		Reason: sub.CancellationReason, NextActionAt: utcPtr(sub.NextActionAt),
	}
	requireSame(h.t, want, got, "subscription %s", id)
	return sub
}

// requireLedgerMatchesPayments compares the sim gateway's ledger with
// cuota's payments: every succeeded payment has exactly one succeeded
// ledger entry under its idempotency key (same amount, currency and
// reference), every ledger entry of a charge belongs to a recorded payment,
// no ledger success lacks a succeeded payment, and no invoice was paid
// twice.
func (h *harness) requireLedgerMatchesPayments() {
	h.t.Helper()
	ledger, err := h.sim.Ledger(h.ctx)
	require.NoError(h.t, err)
	payments := h.payments("")
	byKey := map[string]billing.Payment{}
	succeededPerInvoice := map[string]int{}
	for _, p := range payments {
		_, dup := byKey[p.IdempotencyKey]
		require.False(h.t, dup, "two payments with key %s", p.IdempotencyKey)
		byKey[p.IdempotencyKey] = p
		if p.Status == billing.PaymentSucceeded {
			succeededPerInvoice[p.InvoiceID]++
		}
	}
	for id, n := range succeededPerInvoice {
		require.Equal(h.t, 1, n, "succeeded payments of invoice %s", id)
	}
	successes := map[string][]sim.Charge{}
	for _, c := range ledger {
		if c.Outcome == sim.OutcomeRefund {
			continue
		}
		p, ok := byKey[c.Key]
		require.True(h.t, ok, "ledger entry %s (%s) has no payment in cuota", c.Key, c.Outcome)
		require.Equal(h.t, p.Amount, c.Amount, "amount of %s", c.Key)
		require.Equal(h.t, p.Currency, c.Currency, "currency of %s", c.Key)
		if c.Outcome == sim.OutcomeSucceeded {
			successes[c.Key] = append(successes[c.Key], c)
			require.Equal(h.t, billing.PaymentSucceeded, p.Status,
				"the sim charged %s (%d %s) but cuota's payment %s is %s", c.Key, c.Amount, c.Currency, p.ID, p.Status)
		}
	}
	for _, p := range payments {
		if p.Status != billing.PaymentSucceeded {
			continue
		}
		got := successes[p.IdempotencyKey]
		require.Len(h.t, got, 1, "ledger successes for payment %s (key %s)", p.ID, p.IdempotencyKey)
		require.Equal(h.t, got[0].Ref, p.GatewayRef, "gateway ref of %s", p.ID)
	}
}

// requireSame checks want and got are deeply equal; when they are not, it
// compares them rendered one field a line, times in RFC 3339, so that the
// diff reads as dates instead of time.Time internals.
func requireSame(t *testing.T, want, got any, msgAndArgs ...any) {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return
	}
	require.Equal(t, render(reflect.ValueOf(want), ""), render(reflect.ValueOf(got), ""), msgAndArgs...)
}

var timeType = reflect.TypeFor[time.Time]()

func render(v reflect.Value, indent string) string {
	switch {
	case !v.IsValid():
		return "nil"
	case v.Type() == timeType:
		return v.Interface().(time.Time).UTC().Format(time.RFC3339Nano)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "nil"
		}
		return render(v.Elem(), indent)
	case reflect.Struct:
		var b strings.Builder
		b.WriteString("{\n")
		for i := range v.NumField() {
			fmt.Fprintf(&b, "%s  %s: %s\n", indent, v.Type().Field(i).Name, render(v.Field(i), indent+"  "))
		}
		b.WriteString(indent + "}")
		return b.String()
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return "[]"
		}
		var b strings.Builder
		b.WriteString("[\n")
		for i := range v.Len() {
			fmt.Fprintf(&b, "%s  %s\n", indent, render(v.Index(i), indent+"  "))
		}
		b.WriteString(indent + "]")
		return b.String()
	}
	return fmt.Sprintf("%#v", v.Interface())
}

// Small helpers.

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func tp(s string) *time.Time { t := ts(s); return &t }

func ptr[T any](v T) *T { return &v }

// requireAppError checks err is a *billing.Error of the given kind, code
// and param.
func requireAppError(t *testing.T, err error, kind billing.Kind, code, param string) {
	t.Helper()
	require.Error(t, err)
	e := billing.AsError(err)
	require.NotNil(t, e, "%v is not a *billing.Error", err)
	require.Equal(t, kind, e.Kind, "%v", err)
	require.Equal(t, code, e.Code, "%v", err)
	require.Equal(t, param, e.Param, "%v", err)
}

package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestClockCustomerTimeline: a customer on a test clock has events at the
// clock's time and audit entries at the real time; its timeline is in the
// order things happened and says which times are the clock's.
func TestClockCustomerTimeline(t *testing.T) {
	t.Parallel()
	b := setup(t, "http://console.example.test")
	ctx := app.WithRequestInfo(t.Context(), app.RequestInfo{Actor: "cli"})
	s := billing.Scope{MerchantID: b.merchant, Mode: billing.ModeTest}
	// The clock is years ahead: sorted by their times, every event would
	// come before the audit entries.
	clock, err := b.app.Renewals.CreateTestClock(ctx, s, "futuro", b.clock().AddDate(4, 0, 0))
	require.NoError(t, err)
	email := "reloj@example.cl"
	c, err := b.app.Customers.CreateCustomer(ctx, s, app.CustomerParams{Email: &email, TestClock: &clock.ID})
	require.NoError(t, err)
	// The subscription's events carry the clock's time.
	prodName := "Plan"
	prod, err := b.app.Catalog.CreateProduct(ctx, s, app.ProductParams{Name: &prodName})
	require.NoError(t, err)
	amount := int64(9990)
	price, err := b.app.Catalog.CreatePrice(ctx, s, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "CLP",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}, TrialPeriodDays: 7})
	require.NoError(t, err)
	_, err = b.app.Subscriptions.CreateSubscription(ctx, s, app.CreateSubscriptionParams{Customer: c.ID, Items: []app.ItemParams{{Price: price.ID}}})
	require.NoError(t, err)
	b.now.Add(int64(time.Minute))
	name := "Cliente del reloj"
	_, err = b.app.Customers.UpdateCustomer(ctx, s, c.ID, app.CustomerParams{Name: &name})
	require.NoError(t, err)

	b.signIn()
	_, body := b.get("/console/customers/" + c.ID)
	require.Contains(t, body, `id="clock-note"`)
	require.Contains(t, body, "hora del reloj de prueba")
	timeline := body[strings.Index(body, `id="timeline"`):]
	updated, created := strings.Index(timeline, "Cliente actualizado"), strings.Index(timeline, "Cliente creado")
	require.Positive(t, updated)
	require.Positive(t, created)
	require.Less(t, updated, created, "the update happened after the creation")
	audit := strings.Index(timeline, `class="audit"`)
	require.Positive(t, audit, "the audit entries are listed")
	require.Less(t, audit, created, "an audit entry of the update comes before the creation's event, whatever the clock says")
	subscribed := strings.Index(timeline, "Suscripción creada")
	require.Positive(t, subscribed)
	require.Less(t, updated, subscribed, "the update came after the subscription, although the clock dates the subscription years later")
	require.Less(t, subscribed, created)
	// Only the clock-dated events say so: the customer's own events were
	// stamped with the real time.
	require.Equal(t, 1, strings.Count(timeline, "hora del reloj de prueba"), timeline)

	// A customer without a clock: no note, no clock times.
	other := "real@example.cl"
	r, err := b.app.Customers.CreateCustomer(ctx, s, app.CustomerParams{Email: &other})
	require.NoError(t, err)
	_, body = b.get("/console/customers/" + r.ID)
	require.NotContains(t, body, `id="clock-note"`)
	require.NotContains(t, body, "hora del reloj de prueba")
}

package scenario_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/cmf"
	"github.com/cuota/cuota/internal/cmfsim"
	"github.com/cuota/cuota/internal/gateway/sim"
)

// UF-indexed prices (docs/uf.md) on both stores: a renewal at the day's
// value, the proration of an upgrade, and an invoice that waits for a
// missing value and completes when it is set. Every peso below is worked
// out by hand from the UF amounts and the values.
func TestUFPrices(t *testing.T) {
	runScenarios(t, []scenario{
		{"renewal_at_the_days_value", scenarioUFRenewal},
		{"upgrade_proration_rounded_once", scenarioUFUpgrade},
		{"missing_value_waits_then_completes", scenarioUFMissing},
		{"one_alert_per_day_not_per_invoice", scenarioUFOneAlertPerDay},
		{"fetched_from_the_cmf", scenarioUFFromCMF},
		{"peso_to_uf_change_compares_pesos", scenarioUFMixedChange},
		{"pricing_table_leaves_uf_out", scenarioUFPricingTable},
	})
}

// ufSource is the UF source of the scenarios: the values it publishes, by
// day, and how many times it was asked.
type ufSource struct {
	mu     sync.Mutex
	values map[string]int64
	asked  []string
}

func (s *ufSource) UFRate(_ context.Context, date string) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, date)
	v, ok := s.values[date]
	return v, ok, nil
}

// ufHarness is a harness whose App asks src for UF values, with a merchant
// in Santiago and its clock at 12:00 of 7 November 2026 there.
// The scenario's harness becomes it, so that the ledger check after the
// scenario sees this App's payments.
func ufHarness(t *testing.T, h *harness, src *ufSource) *harness {
	*h = *newHarnessWith(t, h.store, func(c *app.Config, _ *sim.Gateway) { c.Ports.UF = src })
	h.begin("America/Santiago", ts("2026-11-07T15:00:00Z"))
	return h
}

// ufPrice is a monthly price of clf (1/10000 UF) for a new product.
func ufPrice(h *harness, name string, clf int64) billing.Price {
	h.t.Helper()
	return h.priceOf(h.product(name, nil).ID, clf, "clf", billing.IntervalMonth, 0)
}

// ufOf is a converted line's UF part.
func ufOf(clf, rate int64, date string) *billing.LineUF {
	return &billing.LineUF{Amount: clf, Rate: rate, RateDate: date}
}

func scenarioUFRenewal(t *testing.T, h *harness) {
	src := &ufSource{values: map[string]int64{"2026-11-07": 3942110, "2026-12-07": 3948565}}
	h = ufHarness(t, h, src)
	plan := ufPrice(h, "Plan UF", 25000) // 2,5000 UF
	require.Equal(t, "CLF", plan.Currency)
	support := h.price(5000, "clp", billing.IntervalMonth, 0) // a CLP price on the same subscription
	cus := h.customer("uf@example.com")
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, PaymentMethod: h.attach(cus.ID, billing.SimTokVisa).ID,
		Items: []app.ItemParams{{Price: plan.ID}, {Price: support.ID}}})
	require.Equal(t, "CLP", sub.Currency, "a UF price is charged in pesos")

	// First invoice, 7 Nov at $39.421,10: 2,5 × 39.421,10 = 98.552,75 → 98.553.
	// Renewal, 7 Dec at $39.485,65: 2,5 × 39.485,65 = 98.714,125 → 98.714.
	h.advanceTo(ts("2026-12-07T15:00:00Z"))
	invs := h.invoices(sub.ID)
	require.Len(t, invs, 2)
	for i, want := range []struct {
		clp  int64
		uf   *billing.LineUF
		paid time.Time
	}{
		{98553, ufOf(25000, 3942110, "2026-11-07"), ts("2026-11-07T15:00:00Z")},
		{98714, ufOf(25000, 3948565, "2026-12-07"), ts("2026-12-07T15:00:00Z")},
	} {
		inv := invs[i]
		require.Equal(t, billing.InvoicePaid, inv.Status, "invoice %d", i+1)
		require.Equal(t, "CLP", inv.Currency)
		require.Len(t, inv.Lines, 2)
		require.Equal(t, plan.ID, inv.Lines[0].PriceID)
		require.Equal(t, want.uf, inv.Lines[0].UF)
		require.Equal(t, want.clp, inv.Lines[0].Amount)
		require.Nil(t, inv.Lines[1].UF)
		require.Equal(t, int64(5000), inv.Lines[1].Amount)
		require.Equal(t, want.clp+5000, inv.Total)
		require.Equal(t, want.clp+5000, inv.AmountPaid)
		pays := h.payments(inv.ID)
		require.Len(t, pays, 1)
		require.Equal(t, billing.PaymentSucceeded, pays[0].Status)
		require.Equal(t, want.clp+5000, pays[0].Amount)
	}
	require.Equal(t, "2026-12-07", h.requireUFAudit(invs[1].ID).RateDate)
}

// requireUFAudit returns the rate the audit log recorded for an invoice.
func (h *harness) requireUFAudit(invoiceID string) struct{ Rate, RateDate string } {
	h.t.Helper()
	l, err := h.app.Merchants.ListAuditEntries(h.ctx, h.s, 0, 100)
	require.NoError(h.t, err)
	for _, e := range l.Data {
		if e.Action != "invoice.uf_rate" || e.ObjectID != invoiceID {
			continue
		}
		var after struct {
			Rates []struct {
				Rate     string `json:"rate"`
				RateDate string `json:"rate_date"`
			} `json:"uf_rates"`
		}
		require.NoError(h.t, json.Unmarshal(e.After, &after))
		require.NotEmpty(h.t, after.Rates)
		return struct{ Rate, RateDate string }{after.Rates[0].Rate, after.Rates[0].RateDate}
	}
	h.t.Fatalf("no invoice.uf_rate audit entry for %s", invoiceID)
	return struct{ Rate, RateDate string }{}
}

func scenarioUFUpgrade(t *testing.T, h *harness) {
	src := &ufSource{values: map[string]int64{"2026-11-07": 3942110, "2026-11-17": 3948565}}
	h = ufHarness(t, h, src)
	basic, pro := ufPrice(h, "Basic", 10000), ufPrice(h, "Pro", 25000) // 1,0000 and 2,5000 UF
	cus := h.customer("up@example.com")
	sub := h.subscribeTo(cus.ID, basic.ID, h.attach(cus.ID, billing.SimTokVisa).ID)

	// 10 of the period's 30 days gone: two thirds remain. At $39.485,65:
	//   credit 1,0 UF × 2/3 = 39.485,65 × 2/3 = 26.323,77 → −26.324 (−0,6667 UF)
	//   debit  2,5 UF × 2/3 = 98.714,125 × 2/3 = 65.809,42 → 65.809 (1,6667 UF)
	// Rounding the UF first would give −26.325 and 65.811.
	h.advanceTo(ts("2026-11-17T15:00:00Z"))
	preview, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: pro.ID}}})
	require.NoError(t, err)
	require.Len(t, preview.Lines, 2)
	require.Equal(t, int64(-26324+65809), preview.AmountDueNow)
	_, err = h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: pro.ID}}})
	require.NoError(t, err)

	invs := h.invoices(sub.ID)
	require.Len(t, invs, 2)
	require.Equal(t, int64(39421), invs[0].Total, "1,0 UF at $39.421,10")
	up := invs[1]
	require.Equal(t, billing.ReasonSubscriptionUpdate, up.BillingReason)
	require.Equal(t, billing.InvoicePaid, up.Status)
	require.Len(t, up.Lines, 2)
	third := int64(30 * 86400)
	require.Equal(t, &billing.LineUF{Amount: -6667, Full: -10000, Num: 20 * 86400, Den: third, Rate: 3948565, RateDate: "2026-11-17"}, up.Lines[0].UF)
	require.Equal(t, int64(-26324), up.Lines[0].Amount)
	require.Equal(t, &billing.LineUF{Amount: 16667, Full: 25000, Num: 20 * 86400, Den: third, Rate: 3948565, RateDate: "2026-11-17"}, up.Lines[1].UF)
	require.Equal(t, int64(65809), up.Lines[1].Amount)
	require.Equal(t, int64(39485), up.Total)
	require.Equal(t, int64(39485), up.AmountPaid)
	require.Equal(t, "39485.65", h.requireUFAudit(up.ID).Rate)
}

func scenarioUFMissing(t *testing.T, h *harness) {
	// The source has the day before, not the renewal's day: cuota never
	// uses yesterday's value.
	src := &ufSource{values: map[string]int64{"2026-11-07": 3942110, "2026-12-06": 3947000}}
	h = ufHarness(t, h, src)
	plan := ufPrice(h, "Plan UF", 25000)
	cus := h.customer("wait@example.com")
	sub := h.subscribeTo(cus.ID, plan.ID, h.attach(cus.ID, billing.SimTokVisa).ID)

	h.advanceTo(ts("2026-12-07T15:00:00Z"))
	invs := h.invoices(sub.ID)
	require.Len(t, invs, 2)
	waiting := invs[1]
	require.Equal(t, billing.InvoiceDraft, waiting.Status, "the renewal waits for its value")
	require.Empty(t, waiting.Number)
	require.Equal(t, &billing.LineUF{Amount: 25000}, waiting.Lines[0].UF)
	require.Empty(t, h.payments(waiting.ID))
	require.Equal(t, billing.SubscriptionActive, h.sub(sub.ID).Status)
	require.Contains(t, src.asked, "2026-12-07")

	// The retry asks again, finds nothing, and raises the day's alert.
	n, err := h.app.Invoicing.RetryUFWaits(h.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	alerts, err := h.app.Alerts.ListAlerts(h.ctx, h.s, billing.AlertFilter{}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, alerts.Data, 1)
	al := alerts.Data[0]
	require.Equal(t, billing.AlertUFRateMissing, al.Kind)
	require.Equal(t, billing.AlertOpen, al.Status)
	require.Equal(t, "uf_rate", al.ObjectType)
	require.Equal(t, "2026-12-07", al.ObjectID)
	inv, err := h.app.Invoicing.GetInvoice(h.ctx, h.s, waiting.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceDraft, inv.Status)
	require.NotNil(t, inv.Waiting, "the draft says why it waits")
	require.Equal(t, "2026-12-07", inv.Waiting.Date)
	require.Equal(t, int64(1), inv.Waiting.Attempts)
	// It cannot be finalized by hand without its value.
	_, err = h.app.Invoicing.FinalizeInvoice(h.ctx, h.s, waiting.ID)
	require.Equal(t, billing.CodeUFRateUnavailable, billing.AsError(err).Code)

	// Bad values are refused, and change nothing.
	for _, bad := range []app.SetUFRateParams{{Date: "2026-12-07", Value: "39.485,65"}, {Date: "2026-12-07", Value: "-1"},
		{Date: "2026-13-07", Value: "39485.65"}, {Date: "2026-12-07"}} {
		_, err := h.app.Invoicing.SetUFRate(h.ctx, h.s, bad)
		require.NotNil(t, billing.AsError(err), "%+v", bad)
	}
	_, err = h.app.Invoicing.GetUFRate(h.ctx, h.s, "2026-12-07")
	require.Equal(t, billing.CodeResourceMissing, billing.AsError(err).Code)

	// The merchant sets the day's value by hand: the invoice completes.
	r, err := h.app.Invoicing.SetUFRate(h.ctx, h.s, app.SetUFRateParams{Date: "2026-12-07", Value: "39485.65"})
	require.NoError(t, err)
	require.Equal(t, billing.UFSourceManual, r.Source)
	n, err = h.app.Invoicing.RetryUFWaits(h.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	inv, err = h.app.Invoicing.GetInvoice(h.ctx, h.s, waiting.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, inv.Status)
	require.Nil(t, inv.Waiting)
	require.Equal(t, number(2), inv.Number)
	require.Equal(t, ufOf(25000, 3948565, "2026-12-07"), inv.Lines[0].UF)
	require.Equal(t, int64(98714), inv.Total)
	pays := h.payments(inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentSucceeded, pays[0].Status)
	require.Equal(t, int64(98714), pays[0].Amount)
	al, err = h.app.Alerts.GetAlert(h.ctx, h.s, al.ID)
	require.NoError(t, err)
	require.Equal(t, billing.AlertResolved, al.Status)
	got, err := h.app.Invoicing.GetUFRate(h.ctx, h.s, "2026-12-07")
	require.NoError(t, err)
	require.Equal(t, int64(3948565), got.Value)
	require.Equal(t, "39485.65", h.requireUFAudit(inv.ID).Rate)

	// Nothing is left waiting; the next period renews at its own day's value.
	n, err = h.app.Invoicing.RetryUFWaits(h.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Equal(t, billing.SubscriptionActive, h.sub(sub.ID).Status)
}

// scenarioUFOneAlertPerDay: three invoices wait for the same day's value;
// a retry run raises that day's uf_rate_missing alert once (counted once,
// its message naming the three invoices), not once per invoice.
func scenarioUFOneAlertPerDay(t *testing.T, h *harness) {
	src := &ufSource{values: map[string]int64{"2026-11-07": 3942110}}
	h = ufHarness(t, h, src)
	plan := ufPrice(h, "Plan UF", 25000)
	var subs []billing.Subscription
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		cus := h.customer(email)
		subs = append(subs, h.subscribeTo(cus.ID, plan.ID, h.attach(cus.ID, billing.SimTokVisa).ID))
	}
	h.advanceTo(ts("2026-12-07T15:00:00Z"))
	for _, sub := range subs {
		invs := h.invoices(sub.ID)
		require.Len(t, invs, 2)
		require.Equal(t, billing.InvoiceDraft, invs[1].Status, "the renewal waits for its value")
	}

	n, err := h.app.Invoicing.RetryUFWaits(h.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	alerts, err := h.app.Alerts.ListAlerts(h.ctx, h.s, billing.AlertFilter{}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, alerts.Data, 1)
	al := alerts.Data[0]
	require.Equal(t, billing.AlertUFRateMissing, al.Kind)
	require.Equal(t, "2026-12-07", al.ObjectID)
	require.Equal(t, int64(1), al.Count, "one run, one sighting: not one per waiting invoice")
	require.Contains(t, al.Message.ES, "3 facturas en UF esperan")
	for _, sub := range subs {
		inv, err := h.app.Invoicing.GetInvoice(h.ctx, h.s, h.invoices(sub.ID)[1].ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), inv.Waiting.Attempts, "each invoice keeps its own attempts")
	}

	// The value is set: all three complete and the day's alert resolves.
	_, err = h.app.Invoicing.SetUFRate(h.ctx, h.s, app.SetUFRateParams{Date: "2026-12-07", Value: "39485.65"})
	require.NoError(t, err)
	n, err = h.app.Invoicing.RetryUFWaits(h.ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	al, err = h.app.Alerts.GetAlert(h.ctx, h.s, al.ID)
	require.NoError(t, err)
	require.Equal(t, billing.AlertResolved, al.Status)
	require.Equal(t, int64(1), al.Count)
}

// scenarioUFFromCMF takes the values from the CMF's API (its fake, over
// HTTP, through the real adapter): a source that fails is never guessed
// around, and the value it publishes is stored once and reused.
func scenarioUFFromCMF(t *testing.T, h *harness) {
	fake := cmfsim.New("key")
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	*h = *newHarnessWith(t, h.store, func(c *app.Config, _ *sim.Gateway) {
		c.Ports.UF = &cmf.Client{BaseURL: srv.URL, APIKey: "key"}
	})
	h.begin("America/Santiago", ts("2026-11-07T15:00:00Z"))
	plan := ufPrice(h, "Plan UF", 25000)
	cus := h.customer("cmf@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	params := app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: plan.ID}}, PaymentMethod: pm.ID}

	// The CMF has no value for the day yet, then answers 500: no
	// subscription, no invoice.
	_, err := h.app.Subscriptions.CreateSubscription(h.ctx, h.s, params)
	require.Equal(t, billing.CodeUFRateUnavailable, billing.AsError(err).Code)
	fake.Set("2026-11-07", "39.421,10")
	fake.FailNext(1)
	_, err = h.app.Subscriptions.CreateSubscription(h.ctx, h.s, params)
	require.Equal(t, billing.CodeUFRateUnavailable, billing.AsError(err).Code)
	subs, err := h.app.Subscriptions.ListSubscriptions(h.ctx, h.s, billing.SubscriptionFilter{}, billing.Page{})
	require.NoError(t, err)
	require.Empty(t, subs.Data)

	sub := h.subscribe(params)
	invs := h.invoices(sub.ID)
	require.Len(t, invs, 1)
	require.Equal(t, ufOf(25000, 3942110, "2026-11-07"), invs[0].Lines[0].UF)
	require.Equal(t, int64(98553), invs[0].AmountPaid)
	r, err := h.app.Invoicing.GetUFRate(h.ctx, h.s, "2026-11-07")
	require.NoError(t, err)
	require.Equal(t, billing.UFSourceCMF, r.Source)
	asked := fake.Requests()
	other := h.customer("otro@example.com")
	h.subscribeTo(other.ID, plan.ID, h.attach(other.ID, billing.SimTokVisa).ID)
	require.Equal(t, asked, fake.Requests(), "a stored value is not fetched again")
}

// scenarioUFMixedChange moves a subscription from a $50.000 price to a
// 2,0000 UF one ($78.971,30 at $39.485,65): in their own units 20000 is
// less than 50000, in pesos it is more, so the change is an upgrade that
// applies and is invoiced at once.
func scenarioUFMixedChange(t *testing.T, h *harness) {
	src := &ufSource{values: map[string]int64{"2026-11-17": 3948565}}
	h = ufHarness(t, h, src)
	clp := h.price(50000, "clp", billing.IntervalMonth, 0)
	uf := ufPrice(h, "Plan UF", 20000)
	cus := h.customer("mix@example.com")
	sub := h.subscribeTo(cus.ID, clp.ID, h.attach(cus.ID, billing.SimTokVisa).ID)
	h.advanceTo(ts("2026-11-17T15:00:00Z"))
	p, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: uf.ID}}})
	require.NoError(t, err)
	require.True(t, p.Upgrade)
	require.Equal(t, app.ChangeNow, p.Timing)
	// Two thirds of the period remain: −$33.333 for the pesos price,
	// 2,0 UF × 2/3 at $39.485,65 = $52.647,53 → $52.648.
	require.Len(t, p.Lines, 2)
	require.Equal(t, int64(-33333), p.Lines[0].Amount)
	require.Nil(t, p.Lines[0].UF)
	require.Equal(t, int64(52648), p.Lines[1].Amount)
	require.Equal(t, int64(52648-33333), p.AmountDueNow)
}

// The pricing table shows no UF price: its checkout could not take it.
func scenarioUFPricingTable(t *testing.T, h *harness) {
	h.begin("America/Santiago", ts("2026-11-07T15:00:00Z"))
	prod := h.product("Oficina", nil)
	clp := h.priceOf(prod.ID, 99000, "CLP", billing.IntervalMonth, 0)
	h.priceOf(prod.ID, 25000, "clf", billing.IntervalMonth, 0)
	pk, err := h.app.Checkout.CreatePublishableKey(h.ctx, h.s, app.PublishableKeyParams{})
	require.NoError(t, err)
	v, err := h.app.Checkout.PricingTable(h.ctx, pk.ID, nil)
	require.NoError(t, err)
	require.Len(t, v.Plans, 1)
	require.Equal(t, clp.ID, v.Plans[0].Price.ID)
}

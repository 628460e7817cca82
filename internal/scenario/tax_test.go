package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Tax rates (docs/taxes.md) on both stores: IVA 19 % exclusive and
// inclusive, CLP and USD, with a coupon and with an upgrade's proration,
// the precedence of the rates, and a tax-exempt customer. Every expected
// amount is worked out here from the rule: tax per rate on the lines after
// discount, rounded once per invoice half away from zero; exclusive adds
// net × 19 / 100, inclusive extracts gross × 19 / 119.
func TestTaxes(t *testing.T) {
	runScenarios(t, []scenario{
		{"iva_exclusive_clp_coupon_merchant_default", scenarioIVAExclusiveCoupon},
		{"iva_inclusive_clp_upgrade_proration", scenarioIVAInclusiveUpgrade},
		{"iva_exclusive_usd_upgrade_subscription_default", scenarioIVAExclusiveUSDUpgrade},
		{"iva_inclusive_usd_coupon", scenarioIVAInclusiveUSDCoupon},
		{"tax_rate_precedence", scenarioTaxPrecedence},
		{"tax_exempt_customer", scenarioTaxExempt},
	})
}

// taxRate creates a tax rate of the scenario's merchant.
func (h *harness) taxRate(name, pct string, inclusive bool) billing.TaxRate {
	h.t.Helper()
	r, err := h.app.Catalog.CreateTaxRate(h.ctx, h.s, app.CreateTaxRateParams{DisplayName: name, Percentage: pct, Inclusive: inclusive, Country: "CL"})
	require.NoError(h.t, err)
	return r
}

// priceTaxed is priceOf with the price's own tax rates.
func (h *harness) priceTaxed(amount int64, currency string, rates ...billing.TaxRate) billing.Price {
	h.t.Helper()
	prod := h.product("Plan", nil)
	var ids []string
	for _, r := range rates {
		ids = append(ids, r.ID)
	}
	p, err := h.app.Catalog.CreatePrice(h.ctx, h.s, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: currency,
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}, TaxRates: ids})
	require.NoError(h.t, err)
	return p
}

// requireTax checks an invoice's tax block, its tax and its total
// excluding tax.
func requireTax(t *testing.T, inv billing.Invoice, totalExcludingTax int64, want ...billing.TaxAmount) {
	t.Helper()
	var tax int64
	for _, a := range want {
		tax += a.Amount
	}
	require.Equal(t, want, inv.TaxAmounts, "tax amounts of %s", inv.Number)
	require.Equal(t, tax, inv.Tax, "tax of %s", inv.Number)
	require.Equal(t, totalExcludingTax, inv.TotalExcludingTax(), "total excluding tax of %s", inv.Number)
}

func taxOf(r billing.TaxRate, amount, taxable int64) billing.TaxAmount {
	return billing.TaxAmount{TaxRate: r.Applied(), Amount: amount, TaxableAmount: taxable}
}

func discountLine(amount int64, start, end time.Time) line {
	return line{Type: billing.LineDiscount, Qty: 1, Amount: -amount, Start: start, End: end}
}

// IVA 19 % exclusive as the merchant's default, CLP 10.000 a month, 20 %
// off the first invoice: 10.000 − 2.000 = 8.000, IVA 1.520, total 9.520.
// The renewal: 10.000 + 1.900 = 11.900. Refunding half of it returns half
// its IVA (950).
func scenarioIVAExclusiveCoupon(t *testing.T, h *harness) {
	t0, t1, t2 := ts("2026-06-01T00:00:00Z"), ts("2026-07-01T00:00:00Z"), ts("2026-08-01T00:00:00Z")
	h.begin("UTC", t0)
	iva := h.taxRate("IVA", "19", false)
	_, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{DefaultTaxRates: &[]string{iva.ID}, Mode: h.s.Mode})
	require.NoError(t, err)
	price := h.price(10000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("iva@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	c := h.coupon(app.CreateCouponParams{PercentOff: ptr(20.0), Duration: billing.DurationOnce})
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID, Coupon: c.ID})
	require.Equal(t, []billing.AppliedTaxRate{iva.Applied()}, sub.Items[0].TaxRates, "the merchant default fixed on the item")

	h.advanceTo(t1)
	invs := h.requireBills(sub.ID,
		bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
			Lines: []line{subLine(price.ID, 10000, t0, t1), discountLine(2000, t0, t1)}, Subtotal: 10000, Discount: 2000,
			Total: 9520, Due: 9520, Paid: 9520, Payments: []pay{paid(t0)}},
		bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2,
			Lines: []line{subLine(price.ID, 10000, t1, t2)}, Subtotal: 10000, Total: 11900, Due: 11900, Paid: 11900,
			Payments: []pay{paid(t1)}})
	requireTax(t, invs[0], 8000, taxOf(iva, 1520, 8000))
	requireTax(t, invs[1], 10000, taxOf(iva, 1900, 10000))

	pays := h.payments(invs[1].ID)
	ref, err := h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: pays[0].ID, Amount: ptr(int64(5950))})
	require.NoError(t, err)
	require.Equal(t, int64(950), ref.Tax, "half the invoice returns half its IVA")
	require.Equal(t, []billing.TaxAmount{taxOf(iva, 950, 5000)}, ref.TaxAmounts)
	ref, err = h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: pays[0].ID})
	require.NoError(t, err)
	require.Equal(t, int64(950), ref.Tax, "the rest returns the rest: the refunds return exactly the invoice's IVA")
	// Each refund's credit note carries its tax per rate, as the refund.
	notes := h.creditNotes(invs[1].ID)
	require.Len(t, notes, 2)
	for _, n := range notes {
		require.Equal(t, []int64{5950, 5000, 950}, []int64{n.Total, n.Subtotal, n.Tax})
		require.Equal(t, []billing.TaxAmount{taxOf(iva, 950, 5000)}, n.TaxAmounts)
	}
}

// IVA 19 % inclusive on the prices, CLP: Basic 11.900 (IVA 1.900), Pro
// 23.800. An upgrade a third into a 30-day period credits
// −round(11.900 × 20/30) = −7.933 and charges round(23.800 × 20/30) =
// 15.867: 7.934, which includes round(7.934 × 19/119) = 1.267 of IVA. The
// renewal: 23.800 with 3.800 of IVA.
func scenarioIVAInclusiveUpgrade(t *testing.T, h *harness) {
	t0, at, e, e2 := ts("2026-06-01T00:00:00Z"), ts("2026-06-11T00:00:00Z"), ts("2026-07-01T00:00:00Z"), ts("2026-08-01T00:00:00Z")
	h.begin("UTC", t0)
	iva := h.taxRate("IVA", "19", true)
	basic, pro := h.priceTaxed(11900, "CLP", iva), h.priceTaxed(23800, "CLP", iva)
	cus := h.customer("incl@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, basic.ID, pm.ID)

	h.advanceTo(at)
	pv, err := h.app.Subscriptions.PreviewChange(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: pro.ID}}})
	require.NoError(t, err)
	require.Equal(t, int64(7934), pv.AmountDueNow, "inclusive: the tax is in the amount")
	require.Equal(t, int64(1267), pv.Tax)
	_, err = h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: pro.ID}}})
	require.NoError(t, err)

	h.advanceTo(e)
	invs := h.requireBills(sub.ID,
		bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: e,
			Lines: []line{subLine(basic.ID, 11900, t0, e)}, Subtotal: 11900, Total: 11900, Due: 11900, Paid: 11900, Payments: []pay{paid(t0)}},
		bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionUpdate, Start: at, End: e,
			Lines: []line{prorationLine(basic.ID, -7933, at, e), prorationLine(pro.ID, 15867, at, e)}, Subtotal: 7934, Total: 7934,
			Due: 7934, Paid: 7934, Payments: []pay{paid(at)}},
		bill{Number: number(3), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: e, End: e2,
			Lines: []line{subLine(pro.ID, 23800, e, e2)}, Subtotal: 23800, Total: 23800, Due: 23800, Paid: 23800, Payments: []pay{paid(e)}})
	requireTax(t, invs[0], 10000, taxOf(iva, 1900, 10000))
	requireTax(t, invs[1], 6667, taxOf(iva, 1267, 6667))
	requireTax(t, invs[2], 20000, taxOf(iva, 3800, 20000))
}

// IVA 19 % exclusive as the subscription's default, USD: it takes
// precedence over the prices' own 10 %. Basic US$19.99 pays 3.7981 → 380
// cents of IVA; an upgrade to Pro US$49.99 a third into the period credits
// −round(1999 × 2/3) = −1333 and charges round(4999 × 2/3) = 3333: 2000
// cents, plus 380 of IVA. The renewal: 4999 + round(949.81) = 5949.
func scenarioIVAExclusiveUSDUpgrade(t *testing.T, h *harness) {
	t0, at, e, e2 := ts("2026-06-01T00:00:00Z"), ts("2026-06-11T00:00:00Z"), ts("2026-07-01T00:00:00Z"), ts("2026-08-01T00:00:00Z")
	h.begin("UTC", t0)
	iva := h.taxRate("IVA", "19", false)
	other := h.taxRate("Sales tax", "10", false)
	basic, pro := h.priceTaxed(1999, "USD", other), h.priceTaxed(4999, "USD", other)
	cus := h.customer("usd@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: basic.ID}}, PaymentMethod: pm.ID,
		DefaultTaxRates: []string{iva.ID}})
	require.Equal(t, []string{iva.ID}, sub.DefaultTaxRates)

	h.advanceTo(at)
	_, err := h.app.Subscriptions.ChangeSubscription(h.ctx, h.s, sub.ID, app.ChangeParams{Items: []app.ItemParams{{Price: pro.ID}}})
	require.NoError(t, err)
	h.advanceTo(e)
	invs := h.requireBills(sub.ID,
		bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: e,
			Lines: []line{subLine(basic.ID, 1999, t0, e)}, Subtotal: 1999, Total: 2379, Due: 2379, Paid: 2379, Payments: []pay{paid(t0)}},
		bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionUpdate, Start: at, End: e,
			Lines: []line{prorationLine(basic.ID, -1333, at, e), prorationLine(pro.ID, 3333, at, e)}, Subtotal: 2000, Total: 2380,
			Due: 2380, Paid: 2380, Payments: []pay{paid(at)}},
		bill{Number: number(3), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: e, End: e2,
			Lines: []line{subLine(pro.ID, 4999, e, e2)}, Subtotal: 4999, Total: 5949, Due: 5949, Paid: 5949, Payments: []pay{paid(e)}})
	requireTax(t, invs[0], 1999, taxOf(iva, 380, 1999))
	requireTax(t, invs[1], 2000, taxOf(iva, 380, 2000))
	requireTax(t, invs[2], 4999, taxOf(iva, 950, 4999))
}

// IVA 19 % inclusive, USD US$23.80 with 25 % off the first invoice: 2380 −
// 595 = 1785, of which round(1785 × 19/119) = 285 is IVA. The renewal:
// 2380 with 380 of IVA.
func scenarioIVAInclusiveUSDCoupon(t *testing.T, h *harness) {
	t0, t1, t2 := ts("2026-06-01T00:00:00Z"), ts("2026-07-01T00:00:00Z"), ts("2026-08-01T00:00:00Z")
	h.begin("UTC", t0)
	iva := h.taxRate("IVA", "19", true)
	price := h.priceTaxed(2380, "USD", iva)
	cus := h.customer("usdcoupon@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	c := h.coupon(app.CreateCouponParams{PercentOff: ptr(25.0), Duration: billing.DurationOnce})
	sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID, Coupon: c.ID})
	h.advanceTo(t1)
	invs := h.requireBills(sub.ID,
		bill{Number: number(1), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCreate, Start: t0, End: t1,
			Lines: []line{subLine(price.ID, 2380, t0, t1), discountLine(595, t0, t1)}, Subtotal: 2380, Discount: 595,
			Total: 1785, Due: 1785, Paid: 1785, Payments: []pay{paid(t0)}},
		bill{Number: number(2), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: t1, End: t2,
			Lines: []line{subLine(price.ID, 2380, t1, t2)}, Subtotal: 2380, Total: 2380, Due: 2380, Paid: 2380, Payments: []pay{paid(t1)}})
	requireTax(t, invs[0], 1500, taxOf(iva, 285, 1500))
	requireTax(t, invs[1], 2000, taxOf(iva, 380, 2000))
}

// The precedence of rates: the subscription's default_tax_rates, else the
// price's tax_rates, else the merchant's default. And bad input: an
// unknown rate, an inactive one, an inclusive rate beside another, a bad
// percentage, each a 400 naming the parameter, nothing written.
func scenarioTaxPrecedence(t *testing.T, h *harness) {
	t0, t1 := ts("2026-06-01T00:00:00Z"), ts("2026-07-01T00:00:00Z")
	h.begin("UTC", t0)
	merchantRate := h.taxRate("Impuesto", "10", false)
	priceRate := h.taxRate("IVA", "19", true)
	subRate := h.taxRate("IVA", "19", false)
	_, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{DefaultTaxRates: &[]string{merchantRate.ID}, Mode: h.s.Mode})
	require.NoError(t, err)
	plain := h.price(10000, "CLP", billing.IntervalMonth, 0)
	taxed := h.priceTaxed(11900, "CLP", priceRate)
	cus := h.customer("prec@example.com")
	pm := h.attach(cus.ID, billing.SimTokVisa)

	first := func(sub billing.Subscription) billing.Invoice {
		invs := h.invoices(sub.ID)
		require.Len(t, invs, 1)
		return invs[0]
	}
	byMerchant := first(h.subscribeTo(cus.ID, plain.ID, pm.ID))
	requireTax(t, byMerchant, 10000, taxOf(merchantRate, 1000, 10000))
	require.Equal(t, int64(11000), byMerchant.Total)
	byPrice := first(h.subscribeTo(cus.ID, taxed.ID, pm.ID))
	requireTax(t, byPrice, 10000, taxOf(priceRate, 1900, 10000))
	require.Equal(t, int64(11900), byPrice.Total)
	bySub := first(h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, Items: []app.ItemParams{{Price: taxed.ID}}, PaymentMethod: pm.ID,
		DefaultTaxRates: []string{subRate.ID}}))
	requireTax(t, bySub, 11900, taxOf(subRate, 2261, 11900))
	require.Equal(t, int64(14161), bySub.Total)
	require.Equal(t, t1, bySub.PeriodEnd.UTC())

	requireInvalid := func(err error, code, param string) {
		t.Helper()
		e := billing.AsError(err)
		require.NotNil(t, e, "%v", err)
		require.Equal(t, code, e.Code)
		require.Equal(t, param, e.Param)
	}
	_, err = h.app.Subscriptions.CreateSubscription(h.ctx, h.s, app.CreateSubscriptionParams{Customer: cus.ID,
		Items: []app.ItemParams{{Price: plain.ID}}, PaymentMethod: pm.ID, DefaultTaxRates: []string{"txr_missing"}})
	requireInvalid(err, billing.CodeResourceMissing, "default_tax_rates")
	_, err = h.app.Catalog.UpdateTaxRate(h.ctx, h.s, subRate.ID, app.UpdateTaxRateParams{Active: ptr(false)})
	require.NoError(t, err)
	_, err = h.app.Subscriptions.CreateSubscription(h.ctx, h.s, app.CreateSubscriptionParams{Customer: cus.ID,
		Items: []app.ItemParams{{Price: plain.ID}}, PaymentMethod: pm.ID, DefaultTaxRates: []string{subRate.ID}})
	requireInvalid(err, billing.CodeTaxRateInactive, "default_tax_rates")
	amount := int64(5000)
	_, err = h.app.Catalog.CreatePrice(h.ctx, h.s, app.CreatePriceParams{Product: plain.ProductID, UnitAmount: &amount, Currency: "CLP",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}, TaxRates: []string{priceRate.ID, merchantRate.ID}})
	requireInvalid(err, billing.CodeTaxRatesIncompatible, "tax_rates")
	_, err = h.app.Catalog.CreateTaxRate(h.ctx, h.s, app.CreateTaxRateParams{DisplayName: "IVA", Percentage: "19.00001"})
	requireInvalid(err, billing.CodeTaxPercentageInvalid, "percentage")
	subs, err := h.app.Subscriptions.ListSubscriptions(h.ctx, h.s, billing.SubscriptionFilter{CustomerID: cus.ID}, billing.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, subs.Data, 3, "no subscription was made by the refused requests")
	// The deactivated rate keeps applying where it already is.
	require.Equal(t, []billing.AppliedTaxRate{subRate.Applied()}, h.sub(bySub.SubscriptionID).Items[0].TaxRates)
}

// A tax-exempt customer pays no tax although the merchant's default is
// IVA 19 % exclusive; once no longer exempt, the next renewal carries it.
func scenarioTaxExempt(t *testing.T, h *harness) {
	t0, t1, t2 := ts("2026-06-01T00:00:00Z"), ts("2026-07-01T00:00:00Z"), ts("2026-08-01T00:00:00Z")
	h.begin("UTC", t0)
	iva := h.taxRate("IVA", "19", false)
	_, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{DefaultTaxRates: &[]string{iva.ID}, Mode: h.s.Mode})
	require.NoError(t, err)
	price := h.price(10000, "CLP", billing.IntervalMonth, 0)
	cus := h.customer("exempt@example.com")
	cus, err = h.app.Customers.UpdateCustomer(h.ctx, h.s, cus.ID, app.CustomerParams{TaxExempt: ptr(billing.TaxExemptExempt)})
	require.NoError(t, err)
	require.True(t, cus.IsTaxExempt())
	pm := h.attach(cus.ID, billing.SimTokVisa)
	sub := h.subscribeTo(cus.ID, price.ID, pm.ID)

	h.advanceTo(t1)
	invs := h.requireBills(sub.ID, cycleBillCreate(price.ID, 10000, t0, t1), cycleBill(2, price.ID, 10000, t1, t2))
	requireTax(t, invs[0], 10000)
	requireTax(t, invs[1], 10000)

	_, err = h.app.Customers.UpdateCustomer(h.ctx, h.s, cus.ID, app.CustomerParams{TaxExempt: ptr(billing.TaxExemptNone)})
	require.NoError(t, err)
	h.advanceTo(t2)
	invs = h.invoices(sub.ID)
	require.Len(t, invs, 3)
	requireTax(t, invs[2], 10000, taxOf(iva, 1900, 10000))
	require.Equal(t, int64(11900), invs[2].Total)
}

// cycleBillCreate is the paid first invoice of one item, charged at its
// start.
func cycleBillCreate(priceID string, amount int64, start, end time.Time) bill {
	b := cycleBill(1, priceID, amount, start, end)
	b.Reason = billing.ReasonSubscriptionCreate
	return b
}

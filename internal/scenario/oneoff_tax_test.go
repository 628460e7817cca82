package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestOneOffTax: one-off invoices are taxed like subscription invoices, on
// both stores.
func TestOneOffTax(t *testing.T) {
	runScenarios(t, []scenario{
		{"merchant_default_item_rates_exempt", scenarioOneOffTax},
	})
}

// A CLP 10.000 one-off line under the merchant's default IVA 19 %
// exclusive: tax 1.900, total 11.900; the same line with its own 10 %
// rate: 1.000, total 11.000; an inactive or unknown rate is refused with
// its param; a tax-exempt customer pays none: 10.000.
func scenarioOneOffTax(t *testing.T, h *harness) {
	h.begin("America/Santiago", ts("2026-03-02T12:00:00Z"))
	iva := h.taxRate("IVA", "19", false)
	_, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{DefaultTaxRates: &[]string{iva.ID}, Mode: h.s.Mode})
	require.NoError(t, err)
	other := h.taxRate("Impuesto", "10", false)
	cus := h.customer("factura@example.com")
	item := func(rates ...string) app.CreateInvoiceParams {
		return app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP", Collection: billing.CollectionSendInvoice,
			Items: []app.InvoiceItemParams{{Amount: amountPtr(10000), Quantity: 1, Description: "Asesoría", TaxRates: rates}}}
	}

	inv := h.oneOff(item())
	require.Equal(t, []int64{10000, 1900, 11900, 11900}, []int64{inv.Subtotal, inv.Tax, inv.Total, inv.AmountDue})
	require.Len(t, inv.TaxAmounts, 1)
	require.Equal(t, iva.ID, inv.TaxAmounts[0].TaxRate.ID)
	require.Equal(t, int64(10000), inv.TaxAmounts[0].TaxableAmount)

	inv = h.oneOff(item(other.ID))
	require.Equal(t, []int64{10000, 1000, 11000, 11000}, []int64{inv.Subtotal, inv.Tax, inv.Total, inv.AmountDue})

	_, err = h.app.Invoicing.CreateInvoice(h.ctx, h.s, item("txr_missing"))
	var perr *billing.Error
	require.ErrorAs(t, err, &perr)
	require.Equal(t, "items[0].tax_rates", perr.Param)
	_, err = h.app.Catalog.UpdateTaxRate(h.ctx, h.s, other.ID, app.UpdateTaxRateParams{Active: ptr(false)})
	require.NoError(t, err)
	_, err = h.app.Invoicing.CreateInvoice(h.ctx, h.s, item(other.ID))
	require.ErrorAs(t, err, &perr)
	require.Equal(t, billing.CodeTaxRateInactive, perr.Code)

	_, err = h.app.Customers.UpdateCustomer(h.ctx, h.s, cus.ID, app.CustomerParams{TaxExempt: ptr(billing.TaxExemptExempt)})
	require.NoError(t, err)
	inv = h.oneOff(item())
	require.Equal(t, []int64{10000, 0, 10000, 10000}, []int64{inv.Subtotal, inv.Tax, inv.Total, inv.AmountDue})
}

package billing

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePercentage(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want Percentage
		text string
	}{
		{"19", 190000, "19"},
		{"19.5", 195000, "19.5"},
		{"19.0000", 190000, "19"},
		{"10.0001", 100001, "10.0001"},
		{"0.0001", 1, "0.0001"},
		{"0", 0, "0"},
		{"100", 1000000, "100"},
		{"007.25", 72500, "7.25"},
	}
	for _, c := range good {
		got, err := ParsePercentage("percentage", c.in)
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, got, c.in)
		require.Equal(t, c.text, got.String(), c.in)
	}
	for _, in := range []string{"", "100.0001", "101", "1000", "19.00001", "-1", "+1", "1e2", " 19", "19 ", "19.", ".5", "abc", "19,5", "1.2.3"} {
		_, err := ParsePercentage("percentage", in)
		e := AsError(err)
		require.NotNil(t, e, "%q", in)
		require.Equal(t, CodeTaxPercentageInvalid, e.Code, "%q", in)
		require.Equal(t, "percentage", e.Param, "%q", in)
	}
}

func TestPercentageText(t *testing.T) {
	t.Parallel()
	require.Equal(t, "19\u00a0%", Percentage(190000).Text("es-CL"))
	require.Equal(t, "19,5\u00a0%", Percentage(195000).Text("es"))
	require.Equal(t, "19.5%", Percentage(195000).Text("en-US"))
	require.Equal(t, "IVA 19\u00a0%", AppliedTaxRate{DisplayName: "IVA", Percentage: 190000}.Label("es-CL"))
}

var (
	ivaExcl = AppliedTaxRate{ID: "txr_excl", DisplayName: "IVA", Percentage: 190000}
	ivaIncl = AppliedTaxRate{ID: "txr_incl", DisplayName: "IVA", Percentage: 190000, Inclusive: true}
	tenExcl = AppliedTaxRate{ID: "txr_ten", DisplayName: "Tax", Percentage: 100000}
)

func line(amount int64, rates ...AppliedTaxRate) InvoiceLine {
	return InvoiceLine{Type: LineSubscription, Quantity: 1, Amount: amount, TaxRates: rates}
}

func TestComputeInvoiceTax(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		lines     []InvoiceLine
		discount  int64
		exempt    bool
		amounts   []TaxAmount
		exclusive int64
	}{
		{"exclusive adds on top", []InvoiceLine{line(10000, ivaExcl)}, 0, false,
			[]TaxAmount{{TaxRate: ivaExcl, Amount: 1900, TaxableAmount: 10000}}, 1900},
		{"inclusive extracts", []InvoiceLine{line(11900, ivaIncl)}, 0, false,
			[]TaxAmount{{TaxRate: ivaIncl, Amount: 1900, TaxableAmount: 10000}}, 0},
		// 5000 × 19 / 119 = 798.32 → 798.
		{"inclusive rounds", []InvoiceLine{line(5000, ivaIncl)}, 0, false,
			[]TaxAmount{{TaxRate: ivaIncl, Amount: 798, TaxableAmount: 4202}}, 0},
		// Per line 333 × 0.19 = 63.27 would round to 63 three times (189);
		// rounded once per invoice and rate, 999 × 0.19 = 189.81 → 190.
		{"rounded once per rate", []InvoiceLine{line(333, ivaExcl), line(333, ivaExcl), line(333, ivaExcl)}, 0, false,
			[]TaxAmount{{TaxRate: ivaExcl, Amount: 190, TaxableAmount: 999}}, 190},
		// 50 × 1 % = 0.5 → 1 and −0.5 → −1: half away from zero.
		{"half away from zero", []InvoiceLine{line(50, AppliedTaxRate{ID: "one", Percentage: 10000})}, 0, false,
			[]TaxAmount{{TaxRate: AppliedTaxRate{ID: "one", Percentage: 10000}, Amount: 1, TaxableAmount: 50}}, 1},
		{"negative half away from zero", []InvoiceLine{line(-50, AppliedTaxRate{ID: "one", Percentage: 10000})}, 0, false,
			[]TaxAmount{{TaxRate: AppliedTaxRate{ID: "one", Percentage: 10000}, Amount: -1, TaxableAmount: -50}}, -1},
		// The discount of 3000 is spread 2000 / 1000 over 10000 and 5000.
		{"discount spread in proportion", []InvoiceLine{line(10000, ivaExcl), line(5000, tenExcl),
			{Type: LineDiscount, Quantity: 1, Amount: -3000}}, 3000, false,
			[]TaxAmount{{TaxRate: ivaExcl, Amount: 1520, TaxableAmount: 8000}, {TaxRate: tenExcl, Amount: 400, TaxableAmount: 4000}}, 1920},
		// A credit line gets no share of the discount; it lowers the base.
		{"credit line and discount", []InvoiceLine{line(10000, ivaExcl), line(-4000, ivaExcl)}, 1200, false,
			[]TaxAmount{{TaxRate: ivaExcl, Amount: 912, TaxableAmount: 4800}}, 912},
		{"four decimals", []InvoiceLine{line(1000000, AppliedTaxRate{ID: "p", Percentage: 100001})}, 0, false,
			[]TaxAmount{{TaxRate: AppliedTaxRate{ID: "p", Percentage: 100001}, Amount: 100001, TaxableAmount: 1000000}}, 100001},
		{"two exclusive rates on one line", []InvoiceLine{line(1000, ivaExcl, tenExcl)}, 0, false,
			[]TaxAmount{{TaxRate: ivaExcl, Amount: 190, TaxableAmount: 1000}, {TaxRate: tenExcl, Amount: 100, TaxableAmount: 1000}}, 290},
		{"mixed lines", []InvoiceLine{line(11900, ivaIncl), line(1000)}, 0, false,
			[]TaxAmount{{TaxRate: ivaIncl, Amount: 1900, TaxableAmount: 10000}}, 0},
		{"exempt pays none", []InvoiceLine{line(10000, ivaExcl), line(11900, ivaIncl)}, 0, true, nil, 0},
		{"no rates", []InvoiceLine{line(10000)}, 500, false, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ComputeInvoiceTax(c.lines, c.discount, c.exempt)
			require.NoError(t, err)
			require.Equal(t, c.amounts, got.Amounts)
			var sum int64
			for _, a := range c.amounts {
				sum += a.Amount
			}
			require.Equal(t, sum, got.Tax)
			require.Equal(t, c.exclusive, got.Exclusive)
		})
	}
}

func TestComputeInvoiceTaxRefusesIncompatibleRates(t *testing.T) {
	t.Parallel()
	_, err := ComputeInvoiceTax([]InvoiceLine{line(1000, ivaIncl, tenExcl)}, 0, false)
	require.Equal(t, CodeTaxRatesIncompatible, AsError(err).Code)
	_, err = ComputeInvoiceTax([]InvoiceLine{line(1000, ivaExcl, ivaExcl)}, 0, false)
	require.Equal(t, CodeParameterInvalid, AsError(err).Code)
	require.NoError(t, CheckTaxRates("tax_rates", []AppliedTaxRate{ivaExcl, tenExcl}))
	require.NoError(t, CheckTaxRates("tax_rates", []AppliedTaxRate{ivaIncl}))
}

func TestResolveTaxRates(t *testing.T) {
	t.Parallel()
	sub, price, merchant := []AppliedTaxRate{ivaExcl}, []AppliedTaxRate{ivaIncl}, []AppliedTaxRate{tenExcl}
	require.Equal(t, sub, ResolveTaxRates(sub, price, merchant))
	require.Equal(t, price, ResolveTaxRates(nil, price, merchant))
	require.Equal(t, merchant, ResolveTaxRates(nil, nil, merchant))
	require.Nil(t, ResolveTaxRates(nil, nil, nil))
}

func TestRefundTax(t *testing.T) {
	t.Parallel()
	inv := Invoice{Total: 11900, Tax: 1900, TaxAmounts: []TaxAmount{{TaxRate: ivaIncl, Amount: 1900, TaxableAmount: 10000}}}
	// Half the invoice returns half its tax.
	tax, parts, err := RefundTax(inv, 0, 5950)
	require.NoError(t, err)
	require.Equal(t, int64(950), tax)
	require.Equal(t, []TaxAmount{{TaxRate: ivaIncl, Amount: 950, TaxableAmount: 5000}}, parts)

	// Three refunds that add up to the whole invoice return exactly its
	// tax: 633.4 → 633, then 1266.8 → 1267 (634 more), then 1900 (633).
	var refunded, returned int64
	for _, amount := range []int64{3967, 3967, 3966} {
		tax, _, err := RefundTax(inv, refunded, amount)
		require.NoError(t, err)
		refunded += amount
		returned += tax
	}
	require.Equal(t, inv.Tax, returned)

	// Two rates share the tax part in proportion to their amounts.
	two := Invoice{Total: 1300, Tax: 300, TaxAmounts: []TaxAmount{
		{TaxRate: ivaExcl, Amount: 200, TaxableAmount: 1000}, {TaxRate: tenExcl, Amount: 100, TaxableAmount: 1000}}}
	tax, parts, err = RefundTax(two, 0, 650)
	require.NoError(t, err)
	require.Equal(t, int64(150), tax)
	require.Equal(t, []TaxAmount{{TaxRate: ivaExcl, Amount: 100, TaxableAmount: 500}, {TaxRate: tenExcl, Amount: 50, TaxableAmount: 500}}, parts)

	// No tax, no part.
	tax, parts, err = RefundTax(Invoice{Total: 1000}, 0, 500)
	require.NoError(t, err)
	require.Zero(t, tax)
	require.Nil(t, parts)
}

func TestTotalExcludingTax(t *testing.T) {
	t.Parallel()
	require.Equal(t, int64(10000), Invoice{Total: 11900, Tax: 1900}.TotalExcludingTax())
}

func TestInvoiceTaxTotal(t *testing.T) {
	for _, c := range []struct {
		name               string
		tax                InvoiceTax
		subtotal, discount int64
		want               int64
	}{
		{"exclusive tax on top of the discounted lines", InvoiceTax{Tax: 3040, Exclusive: 3040}, 20000, 4000, 19040},
		{"inclusive tax already in the lines", InvoiceTax{Tax: 1597}, 10000, 0, 10000},
		{"no tax", InvoiceTax{}, 5000, 1000, 4000},
		{"a proration credit", InvoiceTax{Tax: -190, Exclusive: -190}, -1000, 0, -1190},
	} {
		require.Equal(t, c.want, c.tax.Total(c.subtotal, c.discount), c.name)
	}
}

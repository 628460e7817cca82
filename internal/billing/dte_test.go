package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

var (
	iva        = billing.AppliedTaxRate{ID: "txr_iva", DisplayName: "IVA", Percentage: 190000}
	ivaIncl    = billing.AppliedTaxRate{ID: "txr_incl", DisplayName: "IVA", Percentage: 190000, Inclusive: true}
	otherRate  = billing.AppliedTaxRate{ID: "txr_10", DisplayName: "Other", Percentage: 100000}
	business   = billing.CustomerTaxProfile{LegalName: "Inmobiliaria Los Aromos SpA", Activity: "Corretaje de propiedades", TaxIDs: []billing.TaxID{{Type: billing.TaxIDChileRUT, Value: "76086428-5"}}}
	businessNo = billing.CustomerTaxProfile{LegalName: "Inmobiliaria Los Aromos SpA", TaxIDs: []billing.TaxID{{Type: billing.TaxIDChileRUT, Value: "76086428-5"}}}
)

// priced is an invoice priced by the real tax rule.
func priced(t *testing.T, currency string, discount int64, exempt bool, lines ...billing.InvoiceLine) billing.Invoice {
	t.Helper()
	inv := billing.Invoice{ID: "in_1", Number: "PYA-000005", Currency: currency, Lines: lines, Discount: discount}
	for _, l := range lines {
		inv.Subtotal += l.Amount
	}
	tax, err := billing.ComputeInvoiceTax(lines, discount, exempt)
	require.NoError(t, err)
	inv.Tax, inv.TaxAmounts = tax.Tax, tax.Amounts
	inv.Total = inv.Subtotal - discount + tax.Exclusive
	return inv
}

func line(desc string, qty, amount int64, rates ...billing.AppliedTaxRate) billing.InvoiceLine {
	return billing.InvoiceLine{Type: billing.LineSubscription, Description: desc, Quantity: qty, Amount: amount, TaxRates: rates}
}

func TestChooseDTE(t *testing.T) {
	t.Parallel()
	taxed := billing.Invoice{Currency: "CLP", Lines: []billing.InvoiceLine{line("Plan", 1, 10000, iva)}}
	untaxed := billing.Invoice{Currency: "CLP", Lines: []billing.InvoiceLine{line("Curso", 1, 10000)}}
	mixed := billing.Invoice{Currency: "CLP", Lines: []billing.InvoiceLine{line("Plan", 1, 10000, iva), line("Curso", 1, 5000)}}
	cases := []struct {
		name    string
		inv     billing.Invoice
		profile billing.CustomerTaxProfile
		exempt  string
		want    billing.DTEType
	}{
		{"consumer, taxed → boleta", taxed, billing.CustomerTaxProfile{}, "", billing.DTEBoleta},
		{"business, taxed → factura", taxed, business, "", billing.DTEFactura},
		{"business without giro → boleta", taxed, businessNo, "", billing.DTEBoleta},
		{"consumer, exempt product → boleta exenta", untaxed, billing.CustomerTaxProfile{}, "", billing.DTEBoletaExenta},
		{"business, exempt product → factura exenta", untaxed, business, "", billing.DTEFacturaExenta},
		{"exempt customer → boleta exenta", taxed, billing.CustomerTaxProfile{}, billing.TaxExemptExempt, billing.DTEBoletaExenta},
		{"exempt business customer → factura exenta", taxed, business, billing.TaxExemptExempt, billing.DTEFacturaExenta},
		{"mixed lines stay taxed", mixed, billing.CustomerTaxProfile{}, "", billing.DTEBoleta},
		{"a RUT of another type is no RUT", taxed, billing.CustomerTaxProfile{LegalName: "X", Activity: "Y",
			TaxIDs: []billing.TaxID{{Type: "ar_cuit", Value: "20-1"}}}, "", billing.DTEBoleta},
	}
	for _, c := range cases {
		got := billing.ChooseDTE(c.inv, billing.Customer{TaxProfile: c.profile, TaxExempt: c.exempt})
		require.Equal(t, c.want, got, c.name)
	}
}

func TestDTETypeNames(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Boleta electrónica", billing.DTEBoleta.Name("es-CL"))
	require.Equal(t, "Factura exenta electrónica", billing.DTEFacturaExenta.Name("fr"))
	require.Equal(t, "Electronic receipt (boleta)", billing.DTEBoleta.Name("en"))
	for _, ty := range []billing.DTEType{33, 34, 39, 41, 61} {
		require.True(t, ty.Valid())
		require.NotEmpty(t, ty.Name("es"))
		require.NotEmpty(t, ty.Name("en"))
	}
	require.False(t, billing.DTEType(52).Valid())
	require.True(t, billing.DTEBoletaExenta.Boleta() && billing.DTEBoletaExenta.Exempt())
	require.False(t, billing.DTEFactura.Boleta() || billing.DTEFactura.Exempt())
}

func TestDTEEmissionKey(t *testing.T) {
	t.Parallel()
	require.Equal(t, "dte_in_abc_39_1", billing.DTEEmissionKey("in_abc", billing.DTEBoleta, 1))
	require.Equal(t, billing.DTEEmissionKey("in_abc", billing.DTEBoleta, 1), billing.DTEEmissionKey("in_abc", billing.DTEBoleta, 1), "deterministic")
	require.NotEqual(t, billing.DTEEmissionKey("in_abc", billing.DTEBoleta, 1), billing.DTEEmissionKey("in_abc", billing.DTEBoleta, 2))
	require.NotEqual(t, billing.DTEEmissionKey("in_abc", billing.DTEBoleta, 1), billing.DTEEmissionKey("in_abc", billing.DTEFactura, 1))
}

func TestMoveDTE(t *testing.T) {
	t.Parallel()
	type move struct {
		from    billing.DTEStatus
		outcome billing.DTEOutcome
		to      billing.DTEStatus
	}
	good := []move{
		{billing.DTEPending, billing.DTENotSent, billing.DTEPending},
		{billing.DTEPending, billing.DTEProviderIssued, billing.DTEIssued},
		{billing.DTEPending, billing.DTEAnswerLost, billing.DTEUnknown},
		{billing.DTEPending, billing.DTEProviderRefused, billing.DTERejected},
		{billing.DTEUnknown, billing.DTEProviderIssued, billing.DTEIssued},
		{billing.DTEUnknown, billing.DTEAnswerLost, billing.DTEUnknown},
		{billing.DTEUnknown, billing.DTEProviderRefused, billing.DTERejected},
		{billing.DTEIssued, billing.DTESIIPending, billing.DTEIssued},
		{billing.DTEIssued, billing.DTESIIAccepted, billing.DTEAccepted},
		{billing.DTEIssued, billing.DTESIIRejected, billing.DTERejected},
		{billing.DTEIssued, billing.DTEAnswerLost, billing.DTEIssued},
	}
	for _, m := range good {
		to, err := billing.MoveDTE(m.from, m.outcome)
		require.NoError(t, err, "%s + %s", m.from, m.outcome)
		require.Equal(t, m.to, to, "%s + %s", m.from, m.outcome)
	}
	bad := []move{
		{from: billing.DTEPending, outcome: billing.DTESIIAccepted},
		{from: billing.DTEUnknown, outcome: billing.DTESIIAccepted},
		{from: billing.DTEIssued, outcome: billing.DTEProviderIssued},
		{from: billing.DTEAccepted, outcome: billing.DTESIIRejected},
		{from: billing.DTERejected, outcome: billing.DTEProviderIssued},
		{from: billing.DTEAccepted, outcome: billing.DTEAnswerLost},
	}
	for _, m := range bad {
		_, err := billing.MoveDTE(m.from, m.outcome)
		e := billing.AsError(err)
		require.NotNil(t, e, "%s + %s", m.from, m.outcome)
		require.Equal(t, billing.CodeInvalidStateTransition, e.Code)
	}
	require.True(t, billing.DTEAccepted.Final())
	require.True(t, billing.DTERejected.Final())
	require.False(t, billing.DTEUnknown.Final())
}

func TestDTELookupWindowAndRetry(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	require.True(t, billing.CanLookUpDTE(sent, sent.Add(time.Hour)))
	require.True(t, billing.CanLookUpDTE(sent, sent.Add(22*time.Hour+59*time.Minute)))
	require.False(t, billing.CanLookUpDTE(sent, sent.Add(23*time.Hour)))
	require.False(t, billing.CanLookUpDTE(time.Time{}, sent), "never sent: nothing to look up")
	want := []time.Duration{30 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for tries, d := range want {
		require.Equal(t, d, billing.DTERetryDelay(tries), "tries %d", tries)
	}
	require.Equal(t, time.Hour, billing.DTERetryDelay(50))
}

func TestBuildDTE(t *testing.T) {
	t.Parallel()
	date := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	issuer := billing.DTEIssuer{RUT: "76795561-8", LegalName: "Haulmer SpA", Activity: "Software", ActivityCode: 620200}
	cases := []struct {
		name   string
		ty     billing.DTEType
		inv    billing.Invoice
		totals billing.DTETotals
		lines  []billing.DTELine
	}{
		{
			name:   "boleta: lines carry IVA",
			ty:     billing.DTEBoleta,
			inv:    priced(t, "CLP", 0, false, line("Plan Pro", 1, 10000, iva)),
			totals: billing.DTETotals{Net: 10000, IVA: 1900, IVAPercent: 19, Total: 11900},
			lines:  []billing.DTELine{{Name: "Plan Pro", Quantity: 1, UnitPrice: 11900, Amount: 11900}},
		},
		{
			name:   "factura: lines net",
			ty:     billing.DTEFactura,
			inv:    priced(t, "CLP", 0, false, line("Asientos", 3, 30000, iva)),
			totals: billing.DTETotals{Net: 30000, IVA: 5700, IVAPercent: 19, Total: 35700},
			lines:  []billing.DTELine{{Name: "Asientos", Quantity: 3, UnitPrice: 10000, Amount: 30000}},
		},
		{
			name:   "inclusive price on a boleta",
			ty:     billing.DTEBoleta,
			inv:    priced(t, "CLP", 0, false, line("Plan", 1, 10000, ivaIncl)),
			totals: billing.DTETotals{Net: 8403, IVA: 1597, IVAPercent: 19, Total: 10000},
			lines:  []billing.DTELine{{Name: "Plan", Quantity: 1, UnitPrice: 10000, Amount: 10000}},
		},
		{
			name:   "boleta exenta",
			ty:     billing.DTEBoletaExenta,
			inv:    priced(t, "CLP", 0, false, line("Curso", 2, 5001)),
			totals: billing.DTETotals{Exempt: 5001, Total: 5001},
			lines:  []billing.DTELine{{Name: "Curso", Quantity: 1, UnitPrice: 5001, Amount: 5001, Exempt: true}},
		},
		{
			name:   "mixed factura with a discount spread over both kinds",
			ty:     billing.DTEFactura,
			inv:    priced(t, "CLP", 1500, false, line("Plan", 1, 10000, iva), line("Curso", 1, 5000)),
			totals: billing.DTETotals{Net: 9000, IVA: 1710, IVAPercent: 19, Exempt: 4500, Total: 15210},
			lines: []billing.DTELine{
				{Name: "Plan", Quantity: 1, UnitPrice: 9000, Amount: 9000},
				{Name: "Curso", Quantity: 1, UnitPrice: 4500, Amount: 4500, Exempt: true},
			},
		},
		{
			name: "a proration credit collapses the lines",
			ty:   billing.DTEBoleta,
			inv: priced(t, "CLP", 0, false, line("Plan Pro", 1, 20000, iva),
				billing.InvoiceLine{Type: billing.LineProration, Description: "Tiempo no usado", Quantity: 1, Amount: -5000, TaxRates: []billing.AppliedTaxRate{iva}}),
			totals: billing.DTETotals{Net: 15000, IVA: 2850, IVAPercent: 19, Total: 17850},
			lines:  []billing.DTELine{{Name: "Cobro PYA-000005", Quantity: 1, UnitPrice: 17850, Amount: 17850}},
		},
		{
			name:   "an exempt customer's taxed product on a factura exenta",
			ty:     billing.DTEFacturaExenta,
			inv:    priced(t, "CLP", 0, true, line("Plan", 1, 10000, iva)),
			totals: billing.DTETotals{Exempt: 10000, Total: 10000},
			lines:  []billing.DTELine{{Name: "Plan", Quantity: 1, UnitPrice: 10000, Amount: 10000, Exempt: true}},
		},
	}
	for _, c := range cases {
		doc, err := billing.BuildDTE(c.ty, "dte_in_1_39_1", c.inv, issuer, billing.DTEReceptor{}, date)
		require.NoError(t, err, c.name)
		require.Equal(t, c.totals, doc.Totals, c.name)
		require.Equal(t, c.lines, doc.Lines, c.name)
		require.Equal(t, c.inv.Total, doc.Totals.Net+doc.Totals.IVA+doc.Totals.Exempt, c.name)
		var sum int64
		for _, l := range doc.Lines {
			sum += l.Amount
		}
		want := doc.Totals.Net + doc.Totals.Exempt
		if c.ty.Boleta() {
			want += doc.Totals.IVA
		}
		require.Equal(t, want, sum, "%s: the lines add up to the totals", c.name)
	}

	refused := []struct {
		name string
		ty   billing.DTEType
		inv  billing.Invoice
	}{
		{"USD", billing.DTEBoleta, priced(t, "USD", 0, false, line("Plan", 1, 1000, iva))},
		{"zero total", billing.DTEBoleta, priced(t, "CLP", 0, false, line("Plan", 1, 0, iva))},
		{"a rate other than IVA", billing.DTEBoleta, priced(t, "CLP", 0, false, line("Plan", 1, 1000, otherRate))},
		{"exempt type with IVA", billing.DTEBoletaExenta, priced(t, "CLP", 0, false, line("Plan", 1, 1000, iva))},
		{"credit note from an invoice", billing.DTENotaDeCredito, priced(t, "CLP", 0, false, line("Plan", 1, 1000, iva))},
	}
	for _, c := range refused {
		_, err := billing.BuildDTE(c.ty, "k", c.inv, issuer, billing.DTEReceptor{}, date)
		e := billing.AsError(err)
		require.NotNil(t, e, c.name)
		require.Equal(t, billing.CodeDTENotApplicable, e.Code, c.name)
	}
}

func TestDTEReceptorOf(t *testing.T) {
	t.Parallel()
	r := billing.DTEReceptorOf(billing.Customer{TaxProfile: billing.CustomerTaxProfile{LegalName: " X SpA ", Activity: " Giro ",
		TaxIDs: []billing.TaxID{{Type: "ar_cuit", Value: "1"}, {Type: billing.TaxIDChileRUT, Value: "76086428-5"}}}})
	require.Equal(t, billing.DTEReceptor{RUT: "76086428-5", LegalName: "X SpA", Activity: "Giro"}, r)
	require.True(t, r.Business())
	require.Equal(t, billing.DTERefVoid, billing.CreditNoteReferenceCode(1000, 1000))
	require.Equal(t, billing.DTERefCorrectAmount, billing.CreditNoteReferenceCode(400, 1000))
}

func TestInvoiceDocumentName(t *testing.T) {
	t.Parallel()
	paid := billing.Invoice{Status: billing.InvoicePaid}
	require.Equal(t, "Comprobante de pago", billing.InvoiceDocumentName(paid, "es-CL").Title)
	for _, c := range []struct {
		status billing.DTEStatus
		folio  int64
		es, en string
	}{
		{billing.DTEPending, 0, "Comprobante de pago", "Payment receipt"},
		{billing.DTEUnknown, 0, "Comprobante de pago", "Payment receipt"},
		{billing.DTEIssued, 1021, "Comprobante de pago", "Payment receipt"},
		{billing.DTEAccepted, 1021, "Comprobante de pago", "Payment receipt"},
		{billing.DTERejected, 1021, "Comprobante de pago", "Payment receipt"},
	} {
		inv := paid
		inv.TaxDocument = &billing.TaxDocument{Type: billing.DTEBoleta, Status: c.status, Folio: c.folio}
		require.Equal(t, c.es, billing.InvoiceDocumentName(inv, "es-CL").Title, c.status)
		require.Equal(t, c.en, billing.InvoiceDocumentName(inv, "en").Title, c.status)
		require.Equal(t, "comprobante", billing.InvoiceDocumentName(inv, "es-CL").FileStem, "the file keeps its name")
		if c.folio > 0 {
			require.Equal(t, "Boleta electrónica N.º 1021", billing.TaxDocumentTitle(*inv.TaxDocument, "es-CL"), "named beside it")
			require.Equal(t, "Electronic receipt (boleta) No. 1021", billing.TaxDocumentTitle(*inv.TaxDocument, "en"))
		}
	}
}

func TestBuildCreditNoteDTE(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	inv := priced(t, "CLP", 0, false, line("Plan", 1, 10000, iva)) // 11.900
	orig := billing.TaxDocument{Type: billing.DTEFactura, Status: billing.DTEAccepted, Folio: 106}
	partial := billing.CreditNote{Number: "AGEN-CN-000001", Currency: "CLP", Total: 4000, Tax: 639}
	doc, err := billing.BuildCreditNoteDTE("k", orig, day, inv, partial, billing.DTEIssuer{}, billing.DTEReceptor{}, day)
	require.NoError(t, err)
	require.Equal(t, billing.DTENotaDeCredito, doc.Type)
	require.Equal(t, billing.DTETotals{Net: 3361, IVA: 639, IVAPercent: 19, Total: 4000}, doc.Totals)
	require.Equal(t, []billing.DTELine{{Name: "Nota de crédito AGEN-CN-000001", Quantity: 1, UnitPrice: 3361, Amount: 3361}}, doc.Lines)
	require.Equal(t, &billing.DTEReference{Type: billing.DTEFactura, Folio: 106, Date: day, Code: billing.DTERefCorrectAmount, Reason: "Corrige montos"}, doc.Reference)

	// A second refund of 4.000 returns 638 of IVA (1.277 so far, rounded
	// on the refunds' sum); the document carries the SII's split of the
	// same 4.000: 3.361 + 639.
	second := billing.CreditNote{Number: "AGEN-CN-000002", Currency: "CLP", Total: 4000, Tax: 638}
	doc, err = billing.BuildCreditNoteDTE("k", orig, day, inv, second, billing.DTEIssuer{}, billing.DTEReceptor{}, day)
	require.NoError(t, err)
	require.Equal(t, billing.DTETotals{Net: 3361, IVA: 639, IVAPercent: 19, Total: 4000}, doc.Totals)

	whole := billing.CreditNote{Currency: "CLP", Total: 11900, Tax: 1900}
	doc, err = billing.BuildCreditNoteDTE("k", orig, day, inv, whole, billing.DTEIssuer{}, billing.DTEReceptor{}, day)
	require.NoError(t, err)
	require.Equal(t, billing.DTERefVoid, doc.Reference.Code, "returning everything voids the original")

	exemptInv := priced(t, "CLP", 0, false, line("Curso", 1, 5000))
	exemptOrig := billing.TaxDocument{Type: billing.DTEBoletaExenta, Status: billing.DTEIssued, Folio: 7}
	doc, err = billing.BuildCreditNoteDTE("k", exemptOrig, day, exemptInv, billing.CreditNote{Currency: "CLP", Total: 1000}, billing.DTEIssuer{}, billing.DTEReceptor{}, day)
	require.NoError(t, err)
	require.Equal(t, billing.DTETotals{Exempt: 1000, Total: 1000}, doc.Totals)
	require.True(t, doc.Lines[0].Exempt)

	for name, o := range map[string]billing.TaxDocument{
		"no folio yet": {Type: billing.DTEFactura, Status: billing.DTEPending},
		"rejected":     {Type: billing.DTEFactura, Status: billing.DTERejected, Folio: 3},
		"a note":       {Type: billing.DTENotaDeCredito, Status: billing.DTEAccepted, Folio: 3},
	} {
		_, err := billing.BuildCreditNoteDTE("k", o, day, inv, partial, billing.DTEIssuer{}, billing.DTEReceptor{}, day)
		require.Equal(t, billing.CodeDTENotApplicable, billing.AsError(err).Code, name)
	}
}

// TestDTESplitGrossMatchesTheSIIRule checks, for every taxed total up to
// 50.000, that a nota de crédito keeps its total and carries the split
// the SII's rule gives whenever one exists.
func TestDTESplitGrossMatchesTheSIIRule(t *testing.T) {
	t.Parallel()
	for gross := int64(1); gross <= 50000; gross++ {
		note := billing.CreditNote{Currency: "CLP", Total: gross, Tax: gross - (gross*100+59)/119}
		orig := billing.TaxDocument{Type: billing.DTEFactura, Status: billing.DTEAccepted, Folio: 1}
		inv := billing.Invoice{Currency: "CLP", Total: 1000000, Tax: 159664, TaxAmounts: []billing.TaxAmount{{TaxRate: iva, Amount: 159664, TaxableAmount: 840336}}}
		doc, err := billing.BuildCreditNoteDTE("k", orig, time.Time{}, inv, note, billing.DTEIssuer{}, billing.DTEReceptor{}, time.Time{})
		require.NoError(t, err)
		require.Equal(t, gross, doc.Totals.Net+doc.Totals.IVA, "gross %d keeps its total", gross)
		ruled := doc.Totals.IVA == (doc.Totals.Net*19+50)/100
		exists := false
		for n := gross*100/119 - 2; n <= gross*100/119+2; n++ {
			exists = exists || n+(n*19+50)/100 == gross
		}
		require.Equal(t, exists, ruled, "gross %d: the rule's split is used whenever one exists", gross)
	}
}

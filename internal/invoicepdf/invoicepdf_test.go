package invoicepdf

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/Santiago and America/New_York without relying on the system's zoneinfo

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.pdf from the current output")

func ptr[T any](v T) *T { return &v }

// santiago returns the instant of a wall-clock time in America/Santiago.
func santiago(t testing.TB, y int, m time.Month, d, h, min int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

// clpInput is a paid CLP invoice in Spanish (es-CL) with every line type
// billing has: a period charge, a proration credit and debit, a one-off
// charge, a discount and tax. It totals $5.000.
func clpInput(t testing.TB) Input {
	t.Helper()
	start := santiago(t, 2026, time.November, 21, 0, 0)
	end := santiago(t, 2026, time.December, 21, 0, 0)
	change := santiago(t, 2026, time.December, 5, 10, 30)
	// 21:30 on November 21 in Santiago is already November 22 in UTC: the
	// document must still say the 21st.
	finalized := santiago(t, 2026, time.November, 21, 21, 30)
	paid := santiago(t, 2026, time.November, 21, 21, 31)
	return Input{
		Merchant: billing.Merchant{ID: "mer_1", Name: "Agente Propiedades SpA", Timezone: "America/Santiago",
			Locale: "es-CL", InvoicePrefix: "AGT"},
		Customer: billing.Customer{ID: "cus_1", Name: "Łucja Muñoz Ñúñez", Email: "lucja@example.cl", Locale: "es-CL"},
		Invoice: billing.Invoice{
			ID: "in_clp", CustomerID: "cus_1", SubscriptionID: "sub_1", Number: "AGT-000042",
			Status: billing.InvoicePaid, BillingReason: billing.ReasonSubscriptionCycle, Currency: "CLP",
			PeriodStart: start, PeriodEnd: end,
			Lines: []billing.InvoiceLine{
				{ID: "il_1", Type: billing.LineSubscription, Description: "Plan Pro (mensual)", Quantity: 1, Amount: 3990, PeriodStart: start, PeriodEnd: end},
				{ID: "il_2", Type: billing.LineProration, Description: "Tiempo no usado de Plan Básico", Quantity: 1, Amount: -1321, PeriodStart: change, PeriodEnd: end},
				{ID: "il_3", Type: billing.LineProration, Description: "Tiempo restante de Plan Pro", Quantity: 1, Amount: 1500, PeriodStart: change, PeriodEnd: end},
				{ID: "il_4", Type: billing.LineOneOff, Description: "Publicación destacada en Łódź y Zürich (€ cobrado aparte)", Quantity: 1, Amount: 500},
				{ID: "il_5", Type: billing.LineDiscount, Description: "Cupón BIENVENIDA (10 %)", Quantity: 1, Amount: -467, PeriodStart: start, PeriodEnd: end},
				{ID: "il_6", Type: billing.LineTax, Description: "IVA 19 %", Amount: 798},
			},
			Subtotal: 4669, Discount: 467, Tax: 798, Total: 5000, AmountDue: 5000, AmountPaid: 5000, AttemptCount: 1,
			FinalizedAt: &finalized, PaidAt: &paid, Created: finalized, Updated: paid,
		},
		Parties: Parties{
			MerchantAddress: "Av. Providencia 1234, oficina 56\nProvidencia, Santiago",
			MerchantTaxID:   "76.543.210-K",
			MerchantEmail:   "facturacion@agente.cl",
		},
	}
}

// usdInput is an open USD invoice in English with a due date. It totals
// $50.00.
func usdInput(t testing.TB) Input {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	start := time.Date(2026, time.November, 21, 0, 0, 0, 0, ny)
	end := time.Date(2026, time.December, 21, 0, 0, 0, 0, ny)
	finalized := time.Date(2026, time.November, 21, 9, 0, 0, 0, ny)
	due := time.Date(2026, time.December, 5, 9, 0, 0, 0, ny)
	return Input{
		Merchant: billing.Merchant{ID: "mer_2", Name: "Cuota Labs Inc.", Timezone: "America/New_York", Locale: "en-US", InvoicePrefix: "CL"},
		Customer: billing.Customer{ID: "cus_2", Name: "Zoë Ångström", Email: "zoe@example.com", Locale: "en"},
		Invoice: billing.Invoice{
			ID: "in_usd", CustomerID: "cus_2", SubscriptionID: "sub_2", Number: "CL-000007",
			Status: billing.InvoiceOpen, BillingReason: billing.ReasonSubscriptionCycle, Currency: "USD",
			PeriodStart: start, PeriodEnd: end,
			Lines: []billing.InvoiceLine{
				{ID: "il_7", Type: billing.LineSubscription, Description: "Team plan, 5 seats", Quantity: 5, Amount: 4000, PeriodStart: start, PeriodEnd: end},
				{ID: "il_8", Type: billing.LineOneOff, Description: "Onboarding workshop — Łódź office (€ expenses billed separately)", Quantity: 1, Amount: 500},
				{ID: "il_9", Type: billing.LineTax, Description: "Sales tax", Amount: 500},
			},
			Subtotal: 4500, Tax: 500, Total: 5000, AmountDue: 5000,
			FinalizedAt: &finalized, Created: finalized, Updated: finalized,
		},
		Parties: Parties{
			MerchantAddress:    "100 Main Street, Suite 200\nBrooklyn, NY 11201",
			MerchantTaxID:      "12-3456789",
			MerchantTaxIDLabel: "EIN",
			MerchantEmail:      "billing@cuotalabs.example",
		},
		DueDate: &due,
	}
}

// manyLines returns in with n more period lines, each with a different
// description.
func manyLines(in Input, n int) Input {
	lines := append([]billing.InvoiceLine(nil), in.Invoice.Lines...)
	for i := range n {
		lines = append(lines, billing.InvoiceLine{ID: fmt.Sprintf("il_x%d", i), Type: billing.LineOneOff,
			Description: fmt.Sprintf("Extra item number %03d", i+1), Quantity: 1, Amount: 100})
	}
	in.Invoice.Lines = lines
	return in
}

// pdftotext extracts the text of pdf with poppler's pdftotext, keeping the
// layout: the columns of a row stay on one line and pages end in a form
// feed. CI installs poppler-utils, so a missing pdftotext fails the test.
func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	return runPdftotext(t, pdf, "-layout")
}

// flatText extracts the text of pdf in reading order with every run of
// white space made one space, so that a description wrapped over two lines
// reads as written.
func flatText(t *testing.T, pdf []byte) string {
	t.Helper()
	return strings.Join(strings.Fields(runPdftotext(t, pdf)), " ")
}

func runPdftotext(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext not found (install poppler-utils; CI does): %v", err)
	}
	path := filepath.Join(t.TempDir(), "invoice.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	args = append(args, "-enc", "UTF-8", path, "-")
	out, err := exec.Command(bin, args...).Output()
	require.NoError(t, err, "pdftotext")
	return string(out)
}

// word is one word pdftotext found, with its box in points from the top
// left corner of its page.
type word struct {
	page                   int
	text                   string
	xMin, yMin, xMax, yMax float64
}

var (
	bboxPage = regexp.MustCompile(`<page width="([0-9.]+)" height="([0-9.]+)">`)
	bboxWord = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">(.*)</word>`)
)

// words returns the page size (of the last page) and every word of pdf
// with its position, as pdftotext -bbox reports them.
func words(t *testing.T, pdf []byte) (pageW, pageH float64, ws []word) {
	t.Helper()
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return f
	}
	page := 0
	for _, line := range strings.Split(runPdftotext(t, pdf, "-bbox"), "\n") {
		if m := bboxPage.FindStringSubmatch(line); m != nil {
			page++
			pageW, pageH = num(m[1]), num(m[2])
		}
		if m := bboxWord.FindStringSubmatch(line); m != nil {
			ws = append(ws, word{page, m[5], num(m[1]), num(m[2]), num(m[3]), num(m[4])})
		}
	}
	require.NotEmpty(t, ws)
	return pageW, pageH, ws
}

// requireInsideMargins checks that no text of pdf crosses the side
// margins or runs from the content area into the footer, and that no two
// words overlap.
func requireInsideMargins(t *testing.T, pdf []byte) {
	t.Helper()
	const pt = 72 / 25.4 // points per millimetre
	pageW, pageH, ws := words(t, pdf)
	contentBottom := pageH - footerZone*pt
	for _, w := range ws {
		require.GreaterOrEqual(t, w.xMin, marginX*pt, "page %d: %q starts left of the margin", w.page, w.text)
		require.LessOrEqual(t, w.xMax, pageW-marginX*pt, "page %d: %q ends right of the margin", w.page, w.text)
		require.GreaterOrEqual(t, w.yMin, marginTop*pt-1, "page %d: %q is above the top margin", w.page, w.text)
		inFooter := w.yMin >= contentBottom
		require.True(t, inFooter || w.yMax <= contentBottom, "page %d: %q runs into the footer", w.page, w.text)
		require.LessOrEqual(t, w.yMax, pageH-5*pt, "page %d: %q is off the page", w.page, w.text)
	}
	const slack = 0.5 // points; glyph boxes of neighbouring lines may touch
	for i, a := range ws {
		for _, b := range ws[i+1:] {
			if a.page != b.page {
				continue
			}
			overlap := a.xMin < b.xMax-slack && b.xMin < a.xMax-slack && a.yMin < b.yMax-slack && b.yMin < a.yMax-slack
			require.False(t, overlap, "page %d: %q and %q overlap", a.page, a.text, b.text)
		}
	}
}

// pages splits pdftotext output into its pages.
func pages(text string) []string {
	return strings.Split(strings.TrimSuffix(text, "\f"), "\f")
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		in   func(testing.TB) Input
	}{
		{"clp_es", clpInput},
		{"usd_en", usdInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.in(t))
			require.NoError(t, err)
			path := filepath.Join("testdata", tt.name+".golden.pdf")
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./internal/invoicepdf/ -run TestGolden -update to create it")
			require.True(t, bytes.Equal(want, got),
				"%s differs from the rendered PDF (%d bytes, golden %d); if the change is intended, rerun with -update and look at the PDF",
				path, len(got), len(want))
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, in := range []Input{clpInput(t), usdInput(t), manyLines(clpInput(t), 80)} {
		first, err := Render(in)
		require.NoError(t, err)
		for range 3 {
			again, err := Render(in)
			require.NoError(t, err)
			require.True(t, bytes.Equal(first, again), "invoice %s: two renders differ", in.Invoice.ID)
		}
		// The PDF's dates come from the invoice, not the clock.
		require.Contains(t, string(first), "/CreationDate (D:"+in.Invoice.FinalizedAt.UTC().Format("20060102150405")+")")
	}
}

func TestTextSpanish(t *testing.T) {
	in := clpInput(t)
	pdf, err := Render(in)
	require.NoError(t, err)
	requireInsideMargins(t, pdf)
	text := pdftotext(t, pdf)

	for _, want := range []string{
		"Agente Propiedades SpA", "Av. Providencia 1234, oficina 56", "Providencia, Santiago",
		"RUT: 76.543.210-K", "facturacion@agente.cl",
		"DOCUMENTO DE COBRO", "PAGADO", "Número", "AGT-000042",
		"Fecha de emisión", "21 de noviembre de 2026", // finalized 21:30 in Santiago, already the 22nd in UTC
		"Fecha de pago", "Período", "21 nov 2026 – 21 dic 2026",
		"CLIENTE", "Łucja Muñoz Ñúñez", "lucja@example.cl",
		"Descripción", "Cant.", "Monto",
		"Cargo del período", "Crédito por prorrateo", "Cargo por prorrateo", "Cargo único", "Impuesto",
		"5 dic 2026 – 21 dic 2026",
		"$3.990", "$-1.321", "$1.500", "$500", "$-467", "$798",
		"Página 1/1",
	} {
		require.Contains(t, text, want)
	}
	flat := flatText(t, pdf)
	for _, l := range in.Invoice.Lines {
		require.Contains(t, flat, l.Description)
	}
	// The discount is one row of the totals, named by its line, not also
	// a line of the table; a line that says its period does not repeat it.
	require.Equal(t, 1, strings.Count(flat, "Cupón BIENVENIDA (10 %)"))
	require.Equal(t, 1, strings.Count(text, "$-467"))
	// Non-Latin-1 characters survive: the font is embedded with them.
	require.Contains(t, text, "Łódź")
	require.Contains(t, text, "€")

	for _, re := range []string{
		`Subtotal\s+\$4\.669`,
		`Cupón BIENVENIDA \(10 %\)\s+\$-467\n`,
		`Impuesto\s+\$798\n`,
		`Total\s+\$5\.000`,
		`Monto pagado\s+\$5\.000`,
		`Monto adeudado\s+\$0\n`, // paid in full
	} {
		require.Regexp(t, regexp.MustCompile(re), text)
	}
	require.NotContains(t, text, "Fecha de vencimiento", "no due date was given")
	require.NotContains(t, text, "Invoice")
}

func TestTextEnglish(t *testing.T) {
	in := usdInput(t)
	pdf, err := Render(in)
	require.NoError(t, err)
	requireInsideMargins(t, pdf)
	text := pdftotext(t, pdf)

	for _, want := range []string{
		"Cuota Labs Inc.", "EIN: 12-3456789", "billing@cuotalabs.example",
		"PAYMENT REQUEST", "Number", "CL-000007",
		"Date of issue", "November 21, 2026", "Date due", "December 5, 2026",
		"Service period", "Nov 21, 2026 – Dec 21, 2026",
		"BILLED TO", "Zoë Ångström", "zoe@example.com",
		"Description", "Period", "Qty", "Amount",
		"Period charge", "One-off charge", "Tax",
		"$40.00", "$5.00",
		"Page 1/1",
	} {
		require.Contains(t, text, want)
	}
	flat := flatText(t, pdf)
	for _, l := range in.Invoice.Lines {
		require.Contains(t, flat, l.Description)
	}
	require.Contains(t, text, "Łódź")
	require.Regexp(t, `Team plan, 5 seats.*\s5\s+\$40\.00`, text)
	for _, re := range []string{
		`Subtotal\s+\$45\.00`,
		`Tax\s+\$5\.00\n`,
		`Total\s+\$50\.00`,
		`Amount paid\s+\$0\.00`,
		`Amount due\s+\$50\.00`,
	} {
		require.Regexp(t, regexp.MustCompile(re), text)
	}
	// An open invoice has no stamp, and a zero discount no row.
	require.NotContains(t, text, "PAID")
	require.NotContains(t, text, "Discount")
	require.NotContains(t, text, "Factura")
	require.NotContains(t, text, "INVOICE", "never named an invoice")
}

func TestStatusStamps(t *testing.T) {
	voided := santiago(t, 2026, time.November, 23, 12, 0)
	tests := []struct {
		name   string
		modify func(*Input)
		want   []string
		absent []string
	}{
		{"void es", func(in *Input) {
			in.Invoice.Status, in.Invoice.PaidAt, in.Invoice.AmountPaid, in.Invoice.VoidedAt = billing.InvoiceVoid, nil, 0, &voided
		}, []string{"ANULADO", "Fecha de anulación", "23 de noviembre de 2026"}, []string{"PAGADO"}},
		{"draft es", func(in *Input) {
			in.Invoice.Status, in.Invoice.Number, in.Invoice.FinalizedAt, in.Invoice.PaidAt, in.Invoice.AmountPaid = billing.InvoiceDraft, "", nil, nil, 0
		}, []string{"BORRADOR"}, []string{"Fecha de emisión", "Número"}},
		{"uncollectible es", func(in *Input) {
			in.Invoice.Status, in.Invoice.PaidAt, in.Invoice.AmountPaid = billing.InvoiceUncollectible, nil, 0
		}, []string{"INCOBRABLE"}, nil},
		{"paid en", func(in *Input) {
			in.Customer.Locale = "en-US"
			in.Invoice.Status, in.Invoice.Number = billing.InvoicePaid, "AGT-000042"
		}, []string{"PAID", "PAYMENT REQUEST", "Date paid", "November 21, 2026"}, []string{"PAGADO"}},
		{"void en", func(in *Input) {
			in.Customer.Locale = "en"
			in.Invoice.Status, in.Invoice.PaidAt, in.Invoice.AmountPaid, in.Invoice.VoidedAt = billing.InvoiceVoid, nil, 0, &voided
		}, []string{"VOID", "Date voided", "November 23, 2026"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := clpInput(t)
			tt.modify(&in)
			pdf, err := Render(in)
			require.NoError(t, err)
			text := pdftotext(t, pdf)
			for _, w := range tt.want {
				require.Contains(t, text, w)
			}
			for _, a := range tt.absent {
				require.NotContains(t, text, a)
			}
		})
	}
	t.Run("void owes nothing", func(t *testing.T) {
		in := usdInput(t)
		in.Invoice.Status, in.Invoice.VoidedAt = billing.InvoiceVoid, &voided
		pdf, err := Render(in)
		require.NoError(t, err)
		require.Regexp(t, `Amount due\s+\$0\.00`, pdftotext(t, pdf))
	})
}

func TestManyLinesFlowOntoPages(t *testing.T) {
	in := manyLines(usdInput(t), 70)
	pdf, err := Render(in)
	require.NoError(t, err)
	requireInsideMargins(t, pdf)
	pp := pages(pdftotext(t, pdf))
	require.GreaterOrEqual(t, len(pp), 2)
	n := len(pp)
	for i, p := range pp {
		// Every page numbers itself and repeats the table header, except
		// a last page that holds only the totals.
		require.Contains(t, p, fmt.Sprintf("Page %d/%d", i+1, n), "page %d", i+1)
		if strings.Contains(p, "Extra item") {
			require.Regexp(t, `Description\s+Period\s+Qty\s+Amount`, p, "page %d", i+1)
		}
		if i > 0 {
			require.Contains(t, p, "Payment request CL-000007 (continued)", "page %d", i+1)
		}
	}
	// Every line appears exactly once, in order, and the totals come last.
	text := strings.Join(pp, "\n")
	last := -1
	for i := range 70 {
		d := fmt.Sprintf("Extra item number %03d", i+1)
		require.Equal(t, 1, strings.Count(text, d), d)
		at := strings.Index(text, d)
		require.Greater(t, at, last, d)
		last = at
	}
	require.Contains(t, pp[n-1], "Amount due")
	require.Greater(t, strings.Index(text, "Amount due"), last)
}

func TestTotalsAlwaysFitOnAPage(t *testing.T) {
	// Whatever the number of lines, the totals block is drawn whole on the
	// last page, and that page also carries at least the last line under a
	// repeated table header: totals never stand alone. The counts cover
	// both the first page and a continuation page filling up.
	maxPages := 0
	for n := 0; n <= 30; n++ {
		in := manyLines(clpInput(t), n)
		pdf, err := Render(in)
		require.NoError(t, err, "n=%d", n)
		pp := pages(pdftotext(t, pdf))
		maxPages = max(maxPages, len(pp))
		lastPage := pp[len(pp)-1]
		for _, label := range []string{"Descripción", "Subtotal", "Total", "Monto pagado", "Monto adeudado"} {
			require.Contains(t, lastPage, label, "n=%d, %d pages", n, len(pp))
		}
		lastLine := in.Invoice.Lines[len(in.Invoice.Lines)-1].Description
		require.Contains(t, lastPage, lastLine, "n=%d, %d pages", n, len(pp))
		require.Equal(t, 1, strings.Count(strings.Join(pp, ""), lastLine), "n=%d", n)
	}
	require.GreaterOrEqual(t, maxPages, 2)
}

func TestLongTextIsWrappedAndCut(t *testing.T) {
	in := usdInput(t)
	long := strings.Repeat("Extended enterprise support with guaranteed response times ", 12) + "TAILMARKER"
	in.Invoice.Lines[1].Description = long
	in.Invoice.Lines[0].Description = "Supercalifragilisticexpialidocious" + strings.Repeat("X", 200) // one word wider than the column
	in.Merchant.Name = strings.Repeat("Very Long Merchant Name ", 20)
	pdf, err := Render(in)
	require.NoError(t, err)
	text := pdftotext(t, pdf)
	require.Contains(t, text, "Extended enterprise support")
	require.Contains(t, text, "…")
	require.NotContains(t, text, "TAILMARKER", "a description longer than four lines is cut")
	require.Contains(t, text, "Supercalifragilistic")
	require.Regexp(t, `Amount due\s+\$50\.00`, text)
	requireInsideMargins(t, pdf)
}

func TestChooseLanguage(t *testing.T) {
	tests := []struct {
		customer, merchant string
		lang, locale       string
	}{
		{"es-CL", "en-US", "es", "es-CL"},
		{"en", "es-CL", "en", "en"},
		{"", "es-CL", "es", "es-CL"},
		{"", "", "en", "en"},
		{"  ", "es", "es", "es"},
		{"es", "es-CL", "es", "es-CL"}, // the merchant's region formats CLP as $5.000
		{"es_419", "en", "es", "es_419"},
		{"ES-cl", "", "es", "ES-cl"},
		{"fr-FR", "es-CL", "en", "en"}, // a customer locale that is not Spanish means English
		{"en", "en-US", "en", "en-US"},
		{"est", "es-CL", "en", "en"}, // Estonian-like tags are not Spanish
	}
	for _, tt := range tests {
		t.Run(tt.customer+"|"+tt.merchant, func(t *testing.T) {
			l, locale := chooseLanguage(tt.customer, tt.merchant)
			require.Equal(t, tt.lang, l.code)
			require.Equal(t, tt.locale, locale)
		})
	}
}

func TestLanguageFallsBackToMerchant(t *testing.T) {
	in := clpInput(t)
	in.Customer.Locale = ""
	pdf, err := Render(in)
	require.NoError(t, err)
	text := pdftotext(t, pdf)
	require.Contains(t, text, "DOCUMENTO DE COBRO")
	require.Regexp(t, `Total\s+\$5\.000`, text)

	in.Merchant.Locale = "en"
	pdf, err = Render(in)
	require.NoError(t, err)
	text = pdftotext(t, pdf)
	require.Contains(t, text, "PAYMENT REQUEST")
	require.Regexp(t, `Total\s+CLP\s5,000`, text) // CLP in English
}

func TestPDFLang(t *testing.T) {
	require.Equal(t, "es-CL", pdfLang("es-CL", "es"))
	require.Equal(t, "es-419", pdfLang("es_419", "es"))
	require.Equal(t, "en", pdfLang("(", "en"))
	require.Equal(t, "esCL", pdfLang("es)CL", "es"))

	in := clpInput(t)
	in.Customer.Locale = "es_419"
	pdf, err := Render(in)
	require.NoError(t, err)
	require.Contains(t, string(pdf), "/Lang (es-419)")
	in.Customer.Locale = "es-CL) /Evil ("
	pdf, err = Render(in)
	require.NoError(t, err)
	require.Contains(t, string(pdf), "/Lang (es-CLEvil)")
}

func TestDates(t *testing.T) {
	tm := time.Date(2026, time.November, 22, 2, 30, 0, 0, time.UTC) // 23:30 on the 21st in Santiago (UTC-3)
	loc, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	require.Equal(t, "21 de noviembre de 2026", spanish.longDate(tm.In(loc)))
	require.Equal(t, "November 21, 2026", english.longDate(tm.In(loc)))
	require.Equal(t, "November 22, 2026", english.longDate(tm))
	require.Equal(t, "21 nov 2026", spanish.shortDate(tm.In(loc)))
	require.Equal(t, "Nov 21, 2026", english.shortDate(tm.In(loc)))
	require.Equal(t, "", spanish.dateRange(time.Time{}, tm, loc))
	require.Equal(t, "21 nov 2026", spanish.dateRange(tm, time.Time{}, loc))
	for m := range 12 {
		d := time.Date(2026, time.Month(m+1), 1, 12, 0, 0, 0, time.UTC)
		require.NotEmpty(t, spanish.longDate(d))
		require.NotEmpty(t, english.shortDate(d))
	}
}

func TestEmptyTimezoneIsUTC(t *testing.T) {
	in := clpInput(t)
	in.Merchant.Timezone = ""
	pdf, err := Render(in)
	require.NoError(t, err)
	// Finalized at 21:30 in Santiago, 00:30 on the 22nd in UTC.
	require.Contains(t, pdftotext(t, pdf), "22 de noviembre de 2026")
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Input)
		want   string
	}{
		{"unknown currency", func(in *Input) { in.Invoice.Currency = "ZZZ" }, `currency "ZZZ"`},
		{"lower-case currency", func(in *Input) { in.Invoice.Currency = "clp" }, `currency "clp"`},
		{"no currency", func(in *Input) { in.Invoice.Currency = "" }, `currency ""`},
		{"nil lines", func(in *Input) { in.Invoice.Lines = nil }, "no lines"},
		{"empty lines", func(in *Input) { in.Invoice.Lines = []billing.InvoiceLine{} }, "no lines"},
		{"unknown line type", func(in *Input) { in.Invoice.Lines[2].Type = "usage" }, `line 3 (il_3): unknown type "usage"`},
		{"unknown status", func(in *Input) { in.Invoice.Status = "pending" }, `unknown status "pending"`},
		{"no merchant name", func(in *Input) { in.Merchant.Name = " " }, "merchant mer_1 has no name"},
		{"finalized without number", func(in *Input) { in.Invoice.Number = "" }, "paid invoice has no number"},
		{"bad time zone", func(in *Input) { in.Merchant.Timezone = "Mars/Olympus_Mons" }, "merchant time zone"},
		{"bad paper", func(in *Input) { in.Paper = "A0" }, `unknown paper size "A0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := clpInput(t)
			tt.modify(&in)
			var (
				pdf []byte
				err error
			)
			require.NotPanics(t, func() { pdf, err = Render(in) })
			require.ErrorIs(t, err, ErrInvalidInput)
			require.ErrorContains(t, err, "invoice in_clp")
			require.ErrorContains(t, err, tt.want)
			require.Nil(t, pdf)
		})
	}
	t.Run("currency error wraps money's", func(t *testing.T) {
		in := clpInput(t)
		in.Invoice.Currency = "ZZZ"
		_, err := Render(in)
		require.ErrorIs(t, err, money.ErrInvalidCurrency)
	})
	t.Run("zero input", func(t *testing.T) {
		require.NotPanics(t, func() {
			_, err := Render(Input{})
			require.ErrorIs(t, err, ErrInvalidInput)
		})
	})
}

func TestAwkwardTextDoesNotBreakRendering(t *testing.T) {
	in := usdInput(t)
	in.Invoice.Lines[0].Description = "emoji 😀 astral 𐀀 CJK 請求書 control\x00\x07 tab\tend\r\nnext line \xff\xfe invalid"
	in.Invoice.Lines[1].Description = "\U00010000" // the first astral rune trips an off-by-one in fpdf's width table
	in.Customer.Name = "Ωμέγα Кириллица\nSecond line"
	in.Merchant.Name = "Ünïcödé ✓ Merchant"
	in.MerchantAddress = "\n\n\n"
	in.Paper = PaperA4
	var (
		pdf []byte
		err error
	)
	require.NotPanics(t, func() { pdf, err = Render(in) })
	require.NoError(t, err)
	text := pdftotext(t, pdf)
	require.Contains(t, text, "Ωμέγα Кириллица Second line")
	require.Contains(t, text, "Ünïcödé ✓ Merchant")
	require.Contains(t, text, "emoji")
	require.Contains(t, text, "next line")
	require.NotContains(t, text, "\x00")
}

func TestPaperSize(t *testing.T) {
	letter, err := Render(usdInput(t))
	require.NoError(t, err)
	in := usdInput(t)
	in.Paper = PaperA4
	a4, err := Render(in)
	require.NoError(t, err)
	// MediaBox in points: Letter is 612 × 792, A4 595.28 × 841.89.
	require.Contains(t, string(letter), "/MediaBox [0 0 612.00 792.00]")
	require.Contains(t, string(a4), "/MediaBox [0 0 595.28 841.89]")
}

func BenchmarkRender(b *testing.B) {
	in := clpInput(b)
	for b.Loop() {
		if _, err := Render(in); err != nil {
			b.Fatal(err)
		}
	}
}

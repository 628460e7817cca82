package console

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// overviewView is the overview page's data: the MRR series with its chart
// and movements, and the key figures of this month against last month's.
type overviewView struct {
	Currency   string
	Currencies []string
	Chart      template.HTML
	Months     []monthRow
	Figures    []figure
	Note       string
}

// monthRow is one month of the movements table.
type monthRow struct {
	Label                                                 string
	Start, New, Expansion, Contraction, Churn, React, End string
}

// figure is one key figure, this month and last.
type figure struct {
	ID, Label  string
	This, Prev string
	Value      int64 // this month's, as a number, for tests and tools
	Up, Down   bool  // this month is above / below last month
	Comparable bool  // both months have a value
}

// currencies returns the currencies the merchant's active prices are in,
// the first one first (the overview's default), at most a page of prices
// read; CLP when there are none.
func (h *handler) currencies(q *req) ([]string, error) {
	active := true
	prices, err := h.app.Catalog.ListPrices(q.ctx, q.scope(), billing.PriceFilter{Active: &active}, billing.Page{Limit: 100})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range prices.Data {
		if !slices.Contains(out, p.Currency) {
			out = append(out, p.Currency)
		}
	}
	if len(out) == 0 {
		out = []string{"CLP"}
	}
	slices.Sort(out)
	return out, nil
}

func (h *handler) overview(q *req) {
	currencies, err := h.currencies(q)
	if err != nil {
		h.fail(q, err)
		return
	}
	currency := currencies[0]
	if c, ok := money.NormalizeCurrency(q.r.URL.Query().Get("currency")); ok {
		currency = c
		if !slices.Contains(currencies, c) {
			currencies = append(currencies, c)
		}
	}
	// One read for the series and both months' summaries (the same
	// figures as MRR and two Summary calls: app.Analytics.Overview).
	ov, err := h.app.Analytics.Overview(q.ctx, q.scope(), app.OverviewParams{Currency: currency, Months: 12})
	if err != nil {
		h.fail(q, err)
		return
	}
	report, this, prev := ov.MRR, ov.ThisMonth, ov.LastMonth
	loc, err := time.LoadLocation(report.Timezone)
	if err != nil {
		loc = time.UTC
	}
	l := q.l
	m := func(v int64) string { return fmtMoney(l, v, currency) }
	view := overviewView{Currency: currency, Currencies: currencies, Note: fmt.Sprintf(l.PeriodNote, report.Timezone)}
	for _, mo := range report.Months {
		mv := mo.Movements
		view.Months = append(view.Months, monthRow{Label: monthLabel(l, mo.Start.In(loc)), Start: m(mo.StartMRR),
			New: m(mv.New), Expansion: m(mv.Expansion), Contraction: m(mv.Contraction), Churn: m(mv.Churn),
			React: m(mv.Reactivation), End: m(mo.EndMRR)})
	}
	slices.Reverse(view.Months) // the latest month first
	view.Chart = mrrChart(l, report, loc, currency)
	money := func(id, label string, a, b int64) figure {
		return figure{ID: id, Label: label, This: m(a), Prev: m(b), Value: a, Up: a > b, Down: a < b, Comparable: true}
	}
	count := func(id, label string, a, b int64) figure {
		return figure{ID: id, Label: label, This: fmt.Sprint(a), Prev: fmt.Sprint(b), Value: a, Up: a > b, Down: a < b, Comparable: true}
	}
	// optional is a figure that may have no value (a rate of nothing).
	optional := func(id, label string, a, b *int64, format func(int64) string) figure {
		f := figure{ID: id, Label: label, This: l.NoValue, Prev: l.NoValue}
		if a != nil {
			f.This, f.Value = format(*a), *a
		}
		if b != nil {
			f.Prev = format(*b)
		}
		if a != nil && b != nil {
			f.Up, f.Down, f.Comparable = *a > *b, *a < *b, true
		}
		return f
	}
	pct := func(v int64) string { return fmtBP(l, v) }
	last := report.Months[len(report.Months)-1]
	view.Figures = []figure{
		money("fig-mrr", l.FigMRR, last.EndMRR, prev.MRR.EndMRR),
		count("fig-subscriptions", l.FigSubs, last.EndSubscriptions, prev.MRR.EndSubscriptions),
		count("fig-customers", l.FigCustomers, last.EndCustomers, prev.MRR.EndCustomers),
		optional("fig-arpa", l.FigARPA, this.ARPA, prev.ARPA, m),
		money("fig-net-revenue", l.FigNetRevenue, this.NetRevenue, prev.NetRevenue),
		optional("fig-payment-success", l.FigPayments, this.PaymentSuccessBP, prev.PaymentSuccessBP, pct),
		optional("fig-logo-churn", l.FigLogoChurn, this.LogoChurnBP, prev.LogoChurnBP, pct),
		optional("fig-revenue-churn", l.FigRevenueChurn, this.RevenueChurnBP, prev.RevenueChurnBP, pct),
		optional("fig-trial-conversion", l.FigTrialConv, this.TrialConversionBP, prev.TrialConversionBP, pct),
		money("fig-recovered", l.FigRecov, this.Recovered.Amount, prev.Recovered.Amount),
	}
	d := q.data(l.OverviewTitle, "overview")
	d.D = view
	h.show(q, "overview", d)
}

// monthLabel is a month as the table and chart name it: "mar 2026".
func monthLabel(l *lang, t time.Time) string {
	return fmt.Sprintf("%s %d", l.MonthsShort[t.Month()-1], t.Year())
}

// mrrChart draws the MRR series as an SVG chart on the server: above, a
// bar per month of its end MRR, with the largest value on the axis; below,
// each month's movements, what it gained (new, expansion, reactivation)
// up in green and what it lost (contraction, churn) down in red, on a
// scale of their own. It scales to its container (viewBox), so it fits
// 375 px; the table under it has the exact figures.
func mrrChart(l *lang, report app.MRRReport, loc *time.Location, currency string) template.HTML {
	const w, hgt, left, top, base, mid, half, labelY = 640.0, 330.0, 8.0, 30.0, 190.0, 255.0, 42.0, 322.0
	n := len(report.Months)
	if n == 0 {
		return ""
	}
	var maxV, maxMove int64
	for _, m := range report.Months {
		maxV = max(maxV, m.EndMRR)
		gain, loss := movementSums(m.Movements)
		maxMove = max(maxMove, gain, -loss)
	}
	esc := template.HTMLEscapeString
	slot := (w - left*2) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="mrr-chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="mrr-chart-title">`, w, hgt)
	fmt.Fprintf(&b, `<title id="mrr-chart-title">%s</title>`, esc(l.MRRChart))
	fmt.Fprintf(&b, `<line class="axis" x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f"/>`, left, base, w-left, base)
	fmt.Fprintf(&b, `<line class="axis" x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f"/>`, left, mid, w-left, mid)
	fmt.Fprintf(&b, `<text class="label" x="%.0f" y="20">%s</text>`, left, esc(fmtMoney(l, maxV, currency)))
	scale := func(v, of int64, room float64) float64 {
		if of <= 0 {
			return 0
		}
		return float64(v) / float64(of) * room
	}
	for i, m := range report.Months {
		x := left + float64(i)*slot + slot*0.15
		label := monthLabel(l, m.Start.In(loc))
		bh := scale(m.EndMRR, maxV, base-top)
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
			x, base-bh, slot*0.7, bh, esc(label), esc(fmtMoney(l, m.EndMRR, currency)))
		gain, loss := movementSums(m.Movements)
		if gh := scale(gain, maxMove, half); gh > 0 {
			fmt.Fprintf(&b, `<rect class="gain" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: +%s</title></rect>`,
				x, mid-gh, slot*0.7, gh, esc(label), esc(fmtMoney(l, gain, currency)))
		}
		if lh := scale(-loss, maxMove, half); lh > 0 {
			fmt.Fprintf(&b, `<rect class="loss" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
				x, mid, slot*0.7, lh, esc(label), esc(fmtMoney(l, loss, currency)))
		}
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+slot*0.35, labelY,
			esc(l.MonthsShort[m.Start.In(loc).Month()-1]))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text in it is escaped above
}

// movementSums are a month's gains (new, expansion, reactivation) and its
// losses (contraction and churn, negative).
func movementSums(m billing.MRRMovements) (gain, loss int64) {
	return m.New + m.Expansion + m.Reactivation, m.Contraction + m.Churn
}

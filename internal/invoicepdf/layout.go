package invoicepdf

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// rgb is a colour.
type rgb struct{ r, g, b int }

var (
	colText   = rgb{33, 37, 41}
	colMuted  = rgb{108, 117, 125}
	colRule   = rgb{206, 212, 218}
	colHeadBg = rgb{233, 236, 239}
)

// Geometry, in millimetres.
const (
	marginX    = 16.0 // left and right
	marginTop  = 16.0
	footerZone = 20.0 // kept free at the bottom of every page for the footer
	cellMargin = 1.5  // padding inside every text cell

	metaWidth      = 100.0 // top-right block: number and dates
	metaLabelWidth = 44.0
	gutter         = 6.0

	colPeriodWidth   = 48.0
	colQuantityWidth = 14.0
	colAmountWidth   = 32.0

	tableHeadHeight = 7.0
	rowPad          = 1.8
	descLineHeight  = 4.4 // 9 pt
	kindLineHeight  = 3.6 // 7.5 pt
	periodLineH     = 4.0 // 8 pt

	maxDescLines    = 4 // a longer description is cut with "…"
	maxPeriodLines  = 2
	maxAddressLines = 4

	totalsWidth      = 96.0
	totalsLabelWidth = 56.0
	totalsRowHeight  = 6.0
	totalsDueHeight  = 8.0
	totalsGap        = 6.0

	contHeaderHeight = 12.0 // merchant and title line on pages after the first
)

// layout draws one document: it holds the fpdf document and the page
// geometry.
type layout struct {
	pdf      *fpdf.Fpdf
	c        *content
	pageW    float64
	pageH    float64
	bottom   float64    // lowest y content may reach
	contentW float64    // width between the side margins
	cols     [4]float64 // description, period, quantity, amount
	pages    int        // total page count, known once the rows are laid out
}

// row is one invoice line fitted to the table.
type row struct {
	desc   []string
	period []string
	text   lineText
	height float64
}

// draw lays c out and writes the PDF to w.
// logoHeight is the logo's height on the first page, in mm.
const logoHeight = 14.0

// testMarkColor draws the test-mode mark.
var testMarkColor = rgb{179, 38, 30}

func draw(c *content, w io.Writer) error {
	pdf := fpdf.New("P", "mm", string(c.paper), "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(c.created)
	pdf.SetModificationDate(c.modified)
	pdf.SetCreator("cuota", false)
	pdf.SetAuthor(c.merchantName, true)
	pdf.SetTitle(strings.TrimSpace(c.title+" "+c.number), true)
	pdf.SetLang(pdfLang(c.locale, c.lang.code))
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetAutoPageBreak(false, 0) // pages break where layout decides, so the table header can repeat
	pdf.SetCellMargin(cellMargin)
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", fontBold)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("load fonts: %w", err)
	}

	d := &layout{pdf: pdf, c: c}
	d.pageW, d.pageH, _ = pdf.PageSize(0)
	d.bottom = d.pageH - footerZone
	d.contentW = d.pageW - 2*marginX
	d.cols = [4]float64{d.contentW - colPeriodWidth - colQuantityWidth - colAmountWidth, colPeriodWidth, colQuantityWidth, colAmountWidth}

	pdf.AddPage()
	y := d.header()

	// Lay the rows out first, so that every footer can say "1/N".
	rows := d.fitRows()
	breakBefore, totalsAlone := d.paginate(rows, y)
	d.pages = 1
	for _, b := range breakBefore {
		if b {
			d.pages++
		}
	}
	if totalsAlone {
		d.pages++
	}

	page := 1
	y = d.tableHead(y)
	for i, r := range rows {
		if breakBefore[i] {
			page = d.nextPage(page)
			y = d.tableHead(d.continuationHeader())
		}
		d.row(y, r)
		y += r.height
	}
	if totalsAlone {
		page = d.nextPage(page)
		y = d.continuationHeader()
	}
	d.totals(y + totalsGap)
	d.footer(page)
	if page != d.pages {
		return fmt.Errorf("layout drew %d pages, planned %d", page, d.pages)
	}

	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// pdfLang turns a locale into the PDF's /Lang entry: a BCP 47 tag with
// hyphens ("es_419" → "es-419"). fpdf writes it unescaped, so anything but
// letters, digits and hyphens is dropped; an empty result is fallback.
func pdfLang(locale, fallback string) string {
	tag := strings.Map(func(r rune) rune {
		switch {
		case r == '_' || r == '-':
			return '-'
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return -1
	}, locale)
	tag = strings.Trim(tag, "-")
	if tag == "" {
		return fallback
	}
	return tag
}

// font selects the document's font in style "" (regular) or "B" (bold)
// at size points.
func (d *layout) font(style string, size float64) {
	d.pdf.SetFont(fontFamily, style, size)
}

// color sets the text colour.
func (d *layout) color(c rgb) {
	d.pdf.SetTextColor(c.r, c.g, c.b)
}

// text writes one line of s in a w × h cell at (x, y), aligned "L", "C"
// or "R".
func (d *layout) text(x, y, w, h float64, s, align string) {
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(w, h, s, "", 0, align+"M", false, 0, "")
}

// fit wraps s (which may hold line breaks) into lines that fit a cell w
// wide in the current font, at most maxLines of them; when more are needed the
// last one ends in "…". It returns nil for a blank s.
func (d *layout) fit(s string, w float64, maxLines int) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	lines := d.pdf.SplitText(s, w)
	if len(lines) <= maxLines {
		return lines
	}
	lines = lines[:maxLines]
	last := []rune(strings.TrimRight(lines[maxLines-1], " "))
	avail := w - 2*cellMargin
	for len(last) > 0 && d.pdf.GetStringWidth(string(last)+"…") > avail {
		last = last[:len(last)-1]
	}
	lines[maxLines-1] = strings.TrimRight(string(last), " ") + "…"
	return lines
}

// header draws the top of the first page — merchant, title, status,
// number, dates and customer — and returns the y below it.
func (d *layout) header() float64 {
	c := d.c
	metaX := d.pageW - marginX - metaWidth
	leftW := metaX - marginX - gutter

	// Logo and merchant, top left.
	y := marginTop
	if len(c.logo) > 0 {
		opt := fpdf.ImageOptions{ImageType: "PNG", ReadDpi: false}
		info := d.pdf.RegisterImageOptionsReader("logo", opt, bytes.NewReader(c.logo))
		if info != nil && d.pdf.Ok() {
			h := logoHeight
			w := h * info.Width() / info.Height()
			if w > leftW {
				w, h = leftW, leftW*info.Height()/info.Width()
			}
			d.pdf.ImageOptions("logo", marginX+cellMargin, y, w, h, false, opt, 0, "")
			y += h + 3
		} else {
			d.pdf.ClearError() // a logo that cannot be drawn is left out, not fatal
		}
	}
	d.font("B", 14)
	d.color(colText)
	for _, s := range d.fit(c.merchantName, leftW, 2) {
		d.text(marginX, y, leftW, 6.4, s, "L")
		y += 6.4
	}
	y += 1
	d.font("", 9)
	d.color(colMuted)
	for _, s := range d.fit(c.merchantAddress, leftW, maxAddressLines) {
		d.text(marginX, y, leftW, 4.4, s, "L")
		y += 4.4
	}
	for _, detail := range c.merchantDetails {
		for _, s := range d.fit(detail, leftW, 1) {
			d.text(marginX, y, leftW, 4.4, s, "L")
			y += 4.4
		}
	}
	leftBottom := y

	// Title, status, number and dates, top right.
	y = marginTop
	// A long title (a credit note's) shrinks to its column rather than
	// run into the merchant's name.
	title, size := strings.ToUpper(c.title), 20.0
	d.font("B", size)
	for size > 12 && d.pdf.GetStringWidth(title) > metaWidth-2*cellMargin {
		size--
		d.font("B", size)
	}
	d.color(colText)
	d.text(metaX, y, metaWidth, 9, title, "R")
	y += 10
	if c.testMark != "" {
		d.font("B", 12)
		w := d.pdf.GetStringWidth(c.testMark) + 10
		x := metaX + metaWidth - w - cellMargin
		d.pdf.SetDrawColor(testMarkColor.r, testMarkColor.g, testMarkColor.b)
		d.pdf.SetLineWidth(0.8)
		d.pdf.Rect(x, y, w, 8, "D")
		d.color(testMarkColor)
		d.text(x, y, w, 8, c.testMark, "C")
		y += 11
	}
	if c.stamp != "" {
		d.font("B", 10)
		w := d.pdf.GetStringWidth(c.stamp) + 8
		x := metaX + metaWidth - w - cellMargin
		d.pdf.SetDrawColor(c.stampColor.r, c.stampColor.g, c.stampColor.b)
		d.pdf.SetLineWidth(0.6)
		d.pdf.Rect(x, y, w, 7, "D")
		d.color(c.stampColor)
		d.text(x, y, w, 7, c.stamp, "C")
		y += 10
	}
	valueW := metaWidth - metaLabelWidth
	for _, m := range c.meta {
		d.font("", 9)
		d.color(colMuted)
		d.text(metaX, y, metaLabelWidth, 5, m.label, "L")
		d.color(colText)
		for _, s := range d.fit(m.value, valueW, 2) {
			d.text(metaX+metaLabelWidth, y, valueW, 5, s, "R")
			y += 5
		}
	}
	y = max(leftBottom, y) + 7

	// Customer.
	if c.customerName != "" || c.customerEmail != "" {
		half := d.contentW / 2
		d.font("B", 8)
		d.color(colMuted)
		d.text(marginX, y, half, 4.5, strings.ToUpper(c.billTo), "L")
		y += 5
		d.font("B", 10)
		d.color(colText)
		for _, s := range d.fit(c.customerName, half, 2) {
			d.text(marginX, y, half, 5.2, s, "L")
			y += 5.2
		}
		d.font("", 9)
		for _, detail := range c.customerDetails {
			for _, s := range d.fit(detail, half, 1) {
				d.text(marginX, y, half, 4.6, s, "L")
				y += 4.6
			}
		}
		for _, s := range d.fit(c.customerEmail, half, 1) {
			d.text(marginX, y, half, 4.6, s, "L")
			y += 4.6
		}
		y += 6
	}
	return y
}

// continuationHeader draws the top of a page after the first and returns
// the y below it.
func (d *layout) continuationHeader() float64 {
	c := d.c
	half := d.contentW / 2
	d.font("B", 10)
	d.color(colText)
	for _, s := range d.fit(c.merchantName, half, 1) {
		d.text(marginX, marginTop, half, 6, s, "L")
	}
	d.font("", 9)
	d.color(colMuted)
	title := strings.TrimSpace(c.title+" "+c.number) + " " + c.lang.continued
	for _, s := range d.fit(title, half, 1) {
		d.text(marginX+half, marginTop, half, 6, s, "R")
	}
	d.rule(marginTop + 7.5)
	return marginTop + contHeaderHeight
}

// rule draws a thin horizontal line across the content width at y.
func (d *layout) rule(y float64) {
	d.pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
	d.pdf.SetLineWidth(0.2)
	d.pdf.Line(marginX, y, marginX+d.contentW, y)
}

// tableHead draws the table's column titles at y and returns the y below.
func (d *layout) tableHead(y float64) float64 {
	l := d.c.lang
	d.pdf.SetFillColor(colHeadBg.r, colHeadBg.g, colHeadBg.b)
	d.pdf.Rect(marginX, y, d.contentW, tableHeadHeight, "F")
	d.font("B", 8.5)
	d.color(colText)
	titles := [4]string{l.colDescription, l.colPeriod, l.colQuantity, l.colAmount}
	aligns := [4]string{"L", "L", "R", "R"}
	x := marginX
	for i, t := range titles {
		d.text(x, y, d.cols[i], tableHeadHeight, t, aligns[i])
		x += d.cols[i]
	}
	return y + tableHeadHeight
}

// fitRows wraps every line's description and period to its column and
// measures the row.
func (d *layout) fitRows() []row {
	rows := make([]row, len(d.c.lines))
	for i, lt := range d.c.lines {
		r := row{text: lt}
		d.font("", 9)
		r.desc = d.fit(lt.description, d.cols[0], maxDescLines)
		d.font("", 8)
		r.period = d.fit(lt.period, d.cols[1], maxPeriodLines)
		left := float64(len(r.desc))*descLineHeight + kindLineHeight
		r.height = 2*rowPad + max(left, float64(len(r.period))*periodLineH, descLineHeight)
		rows[i] = r
	}
	return rows
}

// paginate decides where the table breaks: breakBefore[i] starts a new
// page before row i, and totalsAlone puts the totals on a page of their
// own. The table starts at y on the first page. When the totals do not fit
// under the last row, the last row moves to the next page with them, so
// that the totals never stand alone under a repeated header — unless that
// row already starts its page.
func (d *layout) paginate(rows []row, y float64) (breakBefore []bool, totalsAlone bool) {
	breakBefore = make([]bool, len(rows))
	y += tableHeadHeight
	top := marginTop + contHeaderHeight + tableHeadHeight
	pageStart := 0 // index of the first row on the current page
	for i, r := range rows {
		if y+r.height > d.bottom && i > pageStart {
			breakBefore[i] = true
			pageStart = i
			y = top
		}
		y += r.height
	}
	if y+totalsGap+d.totalsHeight() <= d.bottom {
		return breakBefore, false
	}
	last := len(rows) - 1
	if last > pageStart {
		breakBefore[last] = true
		return breakBefore, false
	}
	return breakBefore, true
}

// nextPage ends page (drawing its footer), starts the next one and
// returns its number.
func (d *layout) nextPage(page int) int {
	d.footer(page)
	d.pdf.AddPage()
	return page + 1
}

// row draws one table row with its top at y.
func (d *layout) row(y float64, r row) {
	x := marginX
	top := y + rowPad

	d.font("", 9)
	d.color(colText)
	yy := top
	for _, s := range r.desc {
		d.text(x, yy, d.cols[0], descLineHeight, s, "L")
		yy += descLineHeight
	}
	d.font("", 7.5)
	d.color(colMuted)
	d.text(x, yy, d.cols[0], kindLineHeight, r.text.kind, "L")
	x += d.cols[0]

	d.font("", 8)
	d.color(colText)
	yy = top
	for _, s := range r.period {
		d.text(x, yy, d.cols[1], periodLineH, s, "L")
		yy += periodLineH
	}
	x += d.cols[1]

	d.font("", 9)
	d.text(x, top, d.cols[2], descLineHeight, r.text.quantity, "R")
	x += d.cols[2]
	d.text(x, top, d.cols[3], descLineHeight, r.text.amount, "R")

	d.rule(y + r.height)
}

// totalsHeight is the height totals draws.
func (d *layout) totalsHeight() float64 {
	return float64(len(d.c.totals)-1)*totalsRowHeight + 1.5 + totalsDueHeight
}

// totals draws the totals block, right-aligned, with its top at y. The
// last row (the amount still due) stands out.
func (d *layout) totals(y float64) {
	x := marginX + d.contentW - totalsWidth
	valueW := totalsWidth - totalsLabelWidth
	n := len(d.c.totals)
	for i, t := range d.c.totals {
		h := totalsRowHeight
		switch {
		case i == n-1:
			y += 1.5
			d.pdf.SetDrawColor(colText.r, colText.g, colText.b)
			d.pdf.SetLineWidth(0.4)
			d.pdf.Line(x, y, x+totalsWidth, y)
			h = totalsDueHeight
			d.font("B", 11)
			d.color(colText)
		case t.strong:
			d.font("B", 9.5)
			d.color(colText)
		default:
			d.font("", 9)
			d.color(colMuted)
		}
		d.text(x, y, totalsLabelWidth, h, t.label, "L")
		d.color(colText)
		d.text(x+totalsLabelWidth, y, valueW, h, t.value, "R")
		y += h
	}
}

// footer draws page's footer: who issued which invoice, and "page/total".
func (d *layout) footer(page int) {
	c := d.c
	y := d.pageH - footerZone + 6
	d.rule(y)
	d.font("", 8)
	d.color(colMuted)
	pageText := c.lang.page + " " + strconv.Itoa(page) + "/" + strconv.Itoa(d.pages)
	pageW := d.pdf.GetStringWidth(pageText) + 2*cellMargin
	left := c.merchantName + " · " + strings.TrimSpace(c.title+" "+c.number)
	if c.testMark != "" {
		left += " · " + c.testMark
	}
	for _, s := range d.fit(left, d.contentW-pageW-gutter, 1) {
		d.text(marginX, y+1.5, d.contentW-pageW-gutter, 5, s, "L")
	}
	d.text(marginX+d.contentW-pageW, y+1.5, pageW, 5, pageText, "R")
}

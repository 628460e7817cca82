package invoicepdf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// ErrInvalidInput is wrapped by every error Render returns for an Input it
// cannot render: an unknown currency, an invoice without lines, a line type
// or status billing does not define, and the like.
var ErrInvalidInput = errors.New("invoicepdf: invalid input")

// Paper is a page size.
type Paper string

// The page sizes Render knows. The zero Paper is PaperLetter, the size in
// use in Chile and the United States.
const (
	PaperLetter Paper = "Letter"
	PaperA4     Paper = "A4"
)

// Input is everything one invoice document shows. Merchant, Customer and
// Invoice (with its Lines) come from billing as they are; the other fields
// are details billing does not hold yet, all optional.
type Input struct {
	// Merchant issues the invoice. Its Name heads the document, its
	// Timezone (IANA; empty means UTC) sets the calendar day of every date
	// and its Locale chooses the language when the customer has none.
	Merchant billing.Merchant
	// Customer is billed. Its Name and Email are printed and its Locale
	// chooses the document's language.
	Customer billing.Customer
	// Invoice is the invoice shown, lines included.
	Invoice billing.Invoice

	// Parties are the merchant's and customer's details printed beside
	// their names, the logo and the test mark.
	Parties
	// Title names the document (billing.DocumentName.Title); empty means
	// the language's request-for-payment title.
	Title string
	// DueDate is when the invoice must be paid, if it has such a date.
	DueDate *time.Time
	// Paper is the page size; empty means PaperLetter.
	Paper Paper
}

// Parties is what a document prints of who it is from and to beyond the
// merchant's and customer's names, the same on invoices and credit notes.
type Parties struct {
	// MerchantAddress is printed under the merchant's name; it may hold
	// several lines separated by "\n".
	MerchantAddress string
	// MerchantTaxID is the merchant's tax identifier, e.g. a Chilean RUT
	// "76.543.210-K".
	MerchantTaxID string
	// MerchantTaxIDLabel names MerchantTaxID; empty means "RUT" in Spanish
	// and "Tax ID" in English.
	MerchantTaxIDLabel string
	// MerchantEmail is the merchant's contact address.
	MerchantEmail string
	// MerchantDetails are further lines under the merchant's name, e.g. its
	// legal name and business activity (giro).
	MerchantDetails []string
	// TestMark, when not empty, is stamped on the document ("PRUEBA"): a
	// test-mode document must never pass for a real one.
	TestMark string
	// Logo is the merchant's logo as PNG bytes, drawn above its name;
	// nil for none.
	Logo []byte
	// CustomerDetails are further lines of the bill-to block: tax ids and
	// address.
	CustomerDetails []string
}

// addParties prints p: the logo and test mark, the merchant's address,
// details, tax id and email under its name, the customer's details in the
// bill-to block.
func (c *content) addParties(p Parties) {
	c.logo, c.testMark = p.Logo, strings.TrimSpace(singleLine(p.TestMark))
	for _, s := range p.CustomerDetails {
		if s = strings.TrimSpace(singleLine(s)); s != "" {
			c.customerDetails = append(c.customerDetails, s)
		}
	}
	for _, s := range p.MerchantDetails {
		if s = strings.TrimSpace(singleLine(s)); s != "" {
			c.merchantDetails = append(c.merchantDetails, s)
		}
	}
	c.merchantAddress = strings.TrimSpace(multiLine(p.MerchantAddress))
	if id := strings.TrimSpace(singleLine(p.MerchantTaxID)); id != "" {
		label := strings.TrimSpace(singleLine(p.MerchantTaxIDLabel))
		if label == "" {
			label = c.lang.taxIDDefault
		}
		c.merchantDetails = append(c.merchantDetails, label+": "+id)
	}
	if s := strings.TrimSpace(singleLine(p.MerchantEmail)); s != "" {
		c.merchantDetails = append(c.merchantDetails, s)
	}
}

// Render draws the invoice in in as a PDF and returns its bytes. The same
// Input always gives the same bytes (see the package documentation).
//
// It returns an error wrapping ErrInvalidInput when in cannot be rendered:
// no merchant name, an invoice currency money does not know, no lines, a
// line type or invoice status billing does not define, a finalized invoice
// without a number, an unknown time zone or paper size.
func Render(in Input) (out []byte, err error) {
	// fpdf reports most failures through its error state, but a few
	// inputs make it index out of range. Those are turned into errors, so
	// that one bad invoice never takes its caller down.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("invoicepdf: render invoice %s: unexpected failure: %v", in.Invoice.ID, r)
		}
	}()
	c, err := compose(in)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := draw(c, &buf); err != nil {
		return nil, fmt.Errorf("invoicepdf: render invoice %s: %w", in.Invoice.ID, err)
	}
	return buf.Bytes(), nil
}

// content is an invoice reduced to the text the document prints, already
// translated and formatted, plus the few choices the layout needs.
type content struct {
	lang   *lang
	locale string // BCP 47 tag for money.Format and the PDF's /Lang
	paper  Paper

	title      string // "Documento de cobro", "Comprobante de pago"…
	billTo     string // heads the customer block
	number     string
	stamp      string // "" for none
	stampColor rgb

	merchantName    string
	logo            []byte // PNG, or nil
	testMark        string
	customerDetails []string
	merchantAddress string   // may hold "\n"
	merchantDetails []string // tax id and email, when given
	meta            []pair   // number and dates, shown at the top right
	customerName    string
	customerEmail   string

	lines  []lineText
	totals []totalRow

	created  time.Time // PDF creation and modification dates
	modified time.Time
}

// pair is a label and its value.
type pair struct {
	label, value string
}

// totalRow is one row of the totals block; strong rows are bold.
type totalRow struct {
	label, value string
	strong       bool
}

// lineText is one invoice line as printed.
type lineText struct {
	description string
	kind        string
	period      string
	quantity    string
	amount      string
}

// compose validates in and turns it into the document's text.
func compose(in Input) (*content, error) {
	inv := in.Invoice
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: invoice %s: %s", ErrInvalidInput, inv.ID, fmt.Sprintf(format, args...))
	}

	name := strings.TrimSpace(singleLine(in.Merchant.Name))
	if name == "" {
		return nil, bad("merchant %s has no name", in.Merchant.ID)
	}
	if !money.ValidCurrency(inv.Currency) {
		return nil, fmt.Errorf("%w: invoice %s: currency %q: %w", ErrInvalidInput, inv.ID, inv.Currency, money.ErrInvalidCurrency)
	}
	if len(inv.Lines) == 0 {
		return nil, bad("no lines")
	}
	paper := in.Paper
	switch paper {
	case "":
		paper = PaperLetter
	case PaperLetter, PaperA4:
	default:
		return nil, bad("unknown paper size %q", paper)
	}
	loc, err := time.LoadLocation(in.Merchant.Timezone) // "" is UTC
	if err != nil {
		return nil, fmt.Errorf("%w: invoice %s: merchant time zone: %w", ErrInvalidInput, inv.ID, err)
	}

	l, locale := chooseLanguage(in.Customer.Locale, in.Merchant.Locale)
	c := &content{lang: l, locale: locale, paper: paper, title: l.title, billTo: l.billTo, merchantName: name}
	if t := strings.TrimSpace(singleLine(in.Title)); t != "" {
		c.title = t
	}
	c.addParties(in.Parties)

	stamp, ok := l.stamp(inv.Status)
	if !ok {
		return nil, bad("unknown status %q", inv.Status)
	}
	c.stamp, c.stampColor = stamp, stampColors[inv.Status]
	c.number = strings.TrimSpace(singleLine(inv.Number))
	if c.number == "" && inv.Status != billing.InvoiceDraft {
		return nil, bad("%s invoice has no number", inv.Status)
	}

	// Number and dates.
	if c.number != "" {
		c.meta = append(c.meta, pair{l.number, c.number})
	}
	date := func(label string, t *time.Time) {
		if t != nil && !t.IsZero() {
			c.meta = append(c.meta, pair{label, l.longDate(t.In(loc))})
		}
	}
	date(l.issued, inv.FinalizedAt)
	date(l.due, in.DueDate)
	date(l.paid, inv.PaidAt)
	date(l.voided, inv.VoidedAt)
	if p := l.dateRange(inv.PeriodStart, inv.PeriodEnd, loc); p != "" {
		c.meta = append(c.meta, pair{l.period, p})
	}

	c.customerName = strings.TrimSpace(singleLine(in.Customer.Name))
	c.customerEmail = strings.TrimSpace(singleLine(in.Customer.Email))

	format := func(what string, minor int64) (string, error) {
		s, err := money.Format(money.Amount{Minor: minor, Currency: inv.Currency}, locale)
		if err != nil {
			return "", fmt.Errorf("invoicepdf: invoice %s: format %s: %w", inv.ID, what, err)
		}
		return s, nil
	}

	// Lines. The discount is not a line of the table but the totals' row
	// named by its line ("Descuento VERANO (20 %)"), as on the invoice's
	// page, so that it is never read as taken off twice; a line whose text
	// already says its period (a subscription's) does not repeat it.
	discountName := l.discount
	for i, line := range inv.Lines {
		kind, ok := l.lineKind(line)
		if !ok {
			return nil, bad("line %d (%s): unknown type %q", i+1, line.ID, line.Type)
		}
		amount, err := format("line "+strconv.Itoa(i+1), line.Amount)
		if err != nil {
			return nil, err
		}
		description := strings.TrimSpace(multiLine(line.Description))
		if line.Type == billing.LineDiscount {
			if name := singleLine(description); name != "" {
				discountName = name
			}
			continue
		}
		if line.UF != nil {
			// A UF line says what it converts: "UF 2,5000 × $39.485,65
			// (07-12-2026)" (docs/uf.md).
			description += "\n" + billing.UFLineDetail(*line.UF, locale)
		}
		lt := lineText{
			description: description,
			kind:        kind,
			period:      l.dateRange(line.PeriodStart, line.PeriodEnd, loc),
			amount:      amount,
		}
		if lt.period != "" && strings.Contains(description, lt.period) {
			lt.period = ""
		}
		switch line.Type {
		case billing.LineSubscription, billing.LineProration, billing.LineOneOff:
			if line.Quantity > 0 {
				lt.quantity = strconv.FormatInt(line.Quantity, 10)
			}
		}
		c.lines = append(c.lines, lt)
	}

	// Totals. What is still owed is what was due less what was paid;
	// nothing is owed on a void invoice.
	remaining := max(inv.AmountDue-inv.AmountPaid, 0)
	if inv.Status == billing.InvoiceVoid {
		remaining = 0
	}
	type amountRow struct {
		label        string
		minor        int64
		show, strong bool
	}
	rows := []amountRow{
		{l.subtotal, inv.Subtotal, true, false},
		{discountName, -inv.Discount, inv.Discount != 0, false},
		{l.tax, inv.Tax, inv.Tax != 0 && len(inv.TaxAmounts) == 0, false},
	}
	for _, a := range inv.TaxAmounts {
		rows = append(rows, amountRow{l.taxRow(a.TaxRate), a.Amount, true, false})
	}
	rows = append(rows, []amountRow{
		{l.total, inv.Total, true, true},
		{l.amountPaid, inv.AmountPaid, true, false},
		{l.amountDue, remaining, true, true},
	}...)
	for _, r := range rows {
		if !r.show {
			continue
		}
		s, err := format(r.label, r.minor)
		if err != nil {
			return nil, err
		}
		c.totals = append(c.totals, totalRow{r.label, s, r.strong})
	}

	// Document dates come from the invoice, never from the clock: created
	// when finalized (a draft: when created), modified at its last update.
	c.created = inv.Created
	if inv.FinalizedAt != nil && !inv.FinalizedAt.IsZero() {
		c.created = *inv.FinalizedAt
	}
	if c.created.IsZero() {
		c.created = time.Unix(0, 0)
	}
	c.created = c.created.UTC()
	c.modified = c.created
	if inv.Updated.After(c.created) {
		c.modified = inv.Updated.UTC()
	}
	return c, nil
}

// stampColors colours each status stamp.
var stampColors = map[billing.InvoiceStatus]rgb{
	billing.InvoiceDraft:         {108, 117, 125},
	billing.InvoicePaid:          {25, 135, 84},
	billing.InvoiceVoid:          {200, 35, 51},
	billing.InvoiceUncollectible: {204, 102, 0},
}

// multiLine makes s safe to draw, keeping its line breaks: invalid UTF-8
// and characters beyond the Basic Multilingual Plane (which fpdf cannot
// encode) become U+FFFD, tabs become spaces and other control characters
// are dropped.
func multiLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		case r > 0xFFFF:
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// singleLine is multiLine with line breaks turned into spaces.
func singleLine(s string) string {
	return strings.ReplaceAll(multiLine(s), "\n", " ")
}

// taxRow names the row of one tax rate's amount, as the rate is named
// ("IVA 19 %"); a tax the prices include says so, as it is not added to
// the total. Invoices and credit notes print one such row per rate.
func (l *lang) taxRow(r billing.AppliedTaxRate) string {
	label := r.Label(l.code)
	if r.Inclusive {
		label += " " + l.taxIncluded
	}
	return label
}

package billing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/money"
)

// LineText writes the descriptions of invoice lines in one language. A
// line's description is written once, when its invoice (or the proration
// waiting for one) is made, and never rewritten: the API, the invoice
// page, the PDF and the emails all show that same text, so a document
// reads the same forever even if the product is renamed later. The text
// names what the customer bought (a product's name, a coupon's code or
// name), never an internal id.
//
// Language is chosen once by the caller (the app's lineLocale). Locale is a
// BCP 47 tag: "en" and its regional variants write English, anything else
// Spanish (es-CL), cuota's first language. Loc is the time zone dates are
// shown in (the merchant's); nil means UTC.
type LineText struct {
	Locale string
	Loc    *time.Location
}

// lineWords are the words of line descriptions in one language.
type lineWords struct {
	months       [12]string
	date         func(w *lineWords, t time.Time) string
	percent      string // format of a percentage, %s the number
	decimalComma bool
	subscription string // a subscription whose product has no name
	partial      string // %s the product
	credit       string // %s the product
	debit        string // %s the product
	discount     string // the word before the coupon's name
	carried      string // credit carried from an earlier invoice
}

var spanishLines = lineWords{
	// CLDR's es abbreviated month names and medium date ("6 dic 2026").
	months: [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
	date: func(w *lineWords, t time.Time) string {
		return fmt.Sprintf("%d %s %d", t.Day(), w.months[t.Month()-1], t.Year())
	},
	percent:      "%s\u00a0%%", // CLDR es: "20 %" with a no-break space
	decimalComma: true,
	subscription: "Suscripción",
	partial:      "Período parcial de %s",
	credit:       "Crédito por tiempo no usado de %s",
	debit:        "Tiempo restante de %s",
	discount:     "Descuento",
	carried:      "Saldo a favor del cobro anterior",
}

var englishLines = lineWords{
	// CLDR's en abbreviated month names and medium date ("Dec 6, 2026").
	months: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	date: func(w *lineWords, t time.Time) string {
		return fmt.Sprintf("%s %d, %d", w.months[t.Month()-1], t.Day(), t.Year())
	},
	percent:      "%s%%",
	subscription: "Subscription",
	partial:      "Partial period of %s",
	credit:       "Credit for unused time on %s",
	debit:        "Remaining time on %s",
	discount:     "Discount",
	carried:      "Credit carried from the previous invoice",
}

// English reports whether locale writes English line texts.
func (t LineText) English() bool {
	l := strings.ToLower(t.Locale)
	return l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_")
}

func (t LineText) words() *lineWords {
	if t.English() {
		return &englishLines
	}
	return &spanishLines
}

// moneyLocale is the CLDR locale amounts inside a text are formatted in.
func (t LineText) moneyLocale() string {
	if t.English() {
		return t.Locale
	}
	return "es-CL"
}

// item is a product with its quantity when above one: "Agente Start",
// "Agente Start × 3". An empty name (a product read from nowhere) is the
// generic word, never an id.
func (t LineText) item(name string, qty int64) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = t.words().subscription
	}
	if qty > 1 {
		return name + " × " + strconv.FormatInt(qty, 10)
	}
	return name
}

// Date is a calendar date in Loc: "6 dic 2026", "Dec 6, 2026".
func (t LineText) Date(at time.Time) string {
	loc := t.Loc
	if loc == nil {
		loc = time.UTC
	}
	w := t.words()
	return w.date(w, at.In(loc))
}

// period is "6 dic 2026 – 6 ene 2027": the period's start and its end
// boundary, as Stripe shows them.
func (t LineText) period(start, end time.Time) string {
	return t.Date(start) + " – " + t.Date(end)
}

// Subscription is the line of a subscription item's period: "Agente Start
// · 6 dic 2026 – 6 ene 2027", "Agente Start × 3 · …".
func (t LineText) Subscription(product string, qty int64, start, end time.Time) string {
	return t.item(product, qty) + " · " + t.period(start, end)
}

// PartialPeriod is the prorated line of a first period that ends at a
// billing anchor: "Período parcial de Agente Start · 6 dic 2026 – 1 ene
// 2027".
func (t LineText) PartialPeriod(product string, qty int64, start, end time.Time) string {
	return fmt.Sprintf(t.words().partial, t.item(product, qty)) + " · " + t.period(start, end)
}

// Proration is a plan change's line: a credit for the old item's unused
// time ("Crédito por tiempo no usado de Agente Start") or a charge for the
// new item's remaining time ("Tiempo restante de Agente Pro").
func (t LineText) Proration(product string, qty int64, credit bool) string {
	f := t.words().debit
	if credit {
		f = t.words().credit
	}
	return fmt.Sprintf(f, t.item(product, qty))
}

// OneOff is a one-off invoice item: its description (or product name) with
// the quantity when above one.
func (t LineText) OneOff(description string, qty int64) string {
	return t.item(description, qty)
}

// Discount is a coupon's line: "Descuento VERANO (20 %)", "Descuento
// VERANO ($5.000)". label is what the customer knows the discount by (the
// promotion code they entered, else the coupon's name); empty leaves it
// out: "Descuento (20 %)".
func (t LineText) Discount(label string, c Coupon) string {
	w := t.words()
	var off string
	if c.PercentOffBP > 0 {
		off = fmt.Sprintf(w.percent, t.percent(c.PercentOffBP))
	} else {
		s, err := money.Format(money.Amount{Minor: c.AmountOff, Currency: c.Currency}, t.moneyLocale())
		if err != nil {
			s = money.Amount{Minor: c.AmountOff, Currency: c.Currency}.String()
		}
		off = s
	}
	s := w.discount
	if label = strings.TrimSpace(label); label != "" {
		s += " " + label
	}
	return s + " (" + off + ")"
}

// percent writes basis points as a percentage number without trailing
// zeros: 2000 → "20", 1250 → "12,5" (Spanish) or "12.5".
func (t LineText) percent(bp int64) string {
	s := strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		d := strings.TrimRight(fmt.Sprintf("%02d", frac), "0")
		sep := "."
		if t.words().decimalComma {
			sep = ","
		}
		s += sep + d
	}
	return s
}

// CarriedCredit is the line of a credit larger than the invoice it came
// from, carried to the subscription's next invoice.
func (t LineText) CarriedCredit() string {
	return t.words().carried
}

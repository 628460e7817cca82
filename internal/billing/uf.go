package billing

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/money"
)

// UF-indexed prices (docs/uf.md). A price may be stated in UF (Unidad de
// Fomento, ISO 4217 "CLF", 4 decimals: its minor unit is 1/10000 UF) and is
// then charged in pesos: its subscription and invoices are in CLP, and each
// of its lines is converted at the UF's value of the invoice's date. The
// rules below are the whole conversion; app looks the value up and waits
// when there is none, never guessing one.

// CurrencyUF is the ISO 4217 code of the Unidad de Fomento, and CurrencyCLP
// the currency UF prices are charged in.
const (
	CurrencyUF  = "CLF"
	CurrencyCLP = "CLP"
)

// ChargeCurrency returns the currency a price in currency is charged in:
// CLP for a UF price, the price's own currency otherwise. A subscription's
// currency is its prices' charge currency, so UF and CLP prices mix on one
// subscription.
func ChargeCurrency(currency string) string {
	if currency == CurrencyUF {
		return CurrencyCLP
	}
	return currency
}

// The sources of a UF value.
const (
	UFSourceCMF    = "cmf"    // fetched from the CMF's API
	UFSourceManual = "manual" // set by hand by the merchant (PUT /v1/uf_rates/{date})
)

// UFRate is the value of one UF in pesos on one day, as the CMF publishes
// it: with two decimals, so Value counts centavos (3948565 is
// $39.485,65). A fetched value belongs to no merchant (Scope is zero); a
// value set by hand belongs to its merchant and mode and wins over the
// fetched one for them.
type UFRate struct {
	Scope   Scope     `json:"scope"`
	Date    string    `json:"date"` // YYYY-MM-DD, the day it is the value of
	Value   int64     `json:"value"`
	Source  string    `json:"source"`
	SetBy   string    `json:"set_by"` // who set it by hand (the API key's or user's id); "" when fetched
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// MaxUFValue bounds a UF value a person may set: 10 million pesos, some
// 250 times today's value, so that a slip of the decimal point is refused
// rather than charged.
const MaxUFValue = 10_000_000_00

// UFDate returns the day whose UF value applies to an invoice made at t:
// the invoice's date in the merchant's time zone loc (a renewal at the
// period's boundary, a change at the moment it is made). It never moves
// afterwards: an invoice that waits for its value is converted at the value
// of the day it was made, whenever the value arrives.
func UFDate(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}

// ParseUFDate checks a day written YYYY-MM-DD (the API's form) and returns
// it; a bad one is a parameter_invalid *Error on param.
func ParseUFDate(param, s string) (string, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Format(time.DateOnly) != s {
		return "", Invalid(param, CodeParameterInvalid, "%q is not a date written YYYY-MM-DD", s)
	}
	if d.Year() < 1977 { // the UF's daily values start in the late 1970s
		return "", Invalid(param, CodeParameterInvalid, "%s is before any published UF value", s)
	}
	return s, nil
}

// ParseUFValue reads a UF value in pesos written with a decimal point and
// at most two decimals ("39485.65", "39485.6", "39485") and returns it in
// centavos. It must be positive and at most MaxUFValue; anything else is a
// parameter_invalid *Error on param.
func ParseUFValue(param, s string) (int64, error) {
	bad := func(why string) (int64, error) {
		return 0, Invalid(param, CodeParameterInvalid, "%q is not a UF value in pesos: %s", s, why)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 10 || (hasDot && (frac == "" || len(frac) > 2)) {
		return bad("write it like 39485.65, with at most two decimals")
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return bad("write it like 39485.65, with at most two decimals")
			}
		}
	}
	for len(frac) < 2 {
		frac += "0"
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return bad("too large")
	}
	if v <= 0 || v > MaxUFValue {
		return bad("it must be above 0 and at most 10000000")
	}
	return v, nil
}

// FormatUFValue writes a value in centavos as the API shows it: "39485.65".
func FormatUFValue(v int64) string {
	return fmt.Sprintf("%d.%02d", v/100, v%100)
}

// LineUF is what a line charged for a UF price keeps: the UF amount it
// charges, and once converted the value it was converted at, that value's
// day and (in the line's Amount) the pesos.
type LineUF struct {
	// Amount is the UF the line charges, in 1/10000 UF: the item's total,
	// or for a proration ProRata(Full, Num, Den), as a person reads it.
	Amount int64 `json:"amount"`
	// Full, Num and Den are a proration's exact fraction (UFProrationLine):
	// the pesos are rounded once from Full × Num / Den × Rate. Den is 0 on
	// a whole-period line.
	Full int64 `json:"full,omitempty"`
	Num  int64 `json:"num,omitempty"`
	Den  int64 `json:"den,omitempty"`
	// Rate is the UF's value in centavos it was converted at and RateDate
	// that value's day; both empty until the line is converted.
	Rate     int64  `json:"rate,omitempty"`
	RateDate string `json:"rate_date,omitempty"`
}

// Converted reports whether the line has its pesos.
func (u LineUF) Converted() bool { return u.Rate > 0 }

// UFToCLP returns the pesos of full × num / den (in 1/10000 UF; num =
// den = 1 for a whole amount) at rate (centavos per UF): computed
// exactly, then rounded once, half away from zero, to a whole peso, by
// cuota's one rounding rule (roundHalfAway). A proration's pesos come
// from its exact fraction of the full amount, never from its UF already
// rounded to 4 decimals (docs/uf.md).
func UFToCLP(full, num, den, rate int64) (int64, error) {
	if den <= 0 || rate <= 0 {
		return 0, Errorf(KindInternal, CodeInternal, "converting UF: bad fraction %d/%d or rate %d", num, den, rate)
	}
	n := new(big.Int).Mul(big.NewInt(full), big.NewInt(num))
	n.Mul(n, big.NewInt(rate))
	d := new(big.Int).Mul(big.NewInt(den), big.NewInt(1_000_000)) // 10^4 per UF × 10^2 per peso
	clp, err := roundHalfAway(new(big.Rat).SetFrac(n, d))
	if err != nil {
		return 0, Invalid("items", CodeAmountInvalid, "the UF amount %d at %s overflows", full, FormatUFValue(rate))
	}
	return clp, nil
}

// UFLine makes l a line of a UF price charging clf (1/10000 UF) for the
// whole period: its Amount waits for ConvertUFLines.
func UFLine(l *InvoiceLine, clf int64) {
	l.UF = &LineUF{Amount: clf}
	l.Amount = 0
}

// UFProrationLine makes l, made from the proration line p of a UF price
// whose whole-period total is full (unit amount × quantity, in 1/10000 UF)
// on the period [start, end), a UF line: p's amount is in UF (Prorate's
// rounding, for people to read), and the exact fraction is kept so that
// the pesos are rounded once, from full × (e − t) / (e − s) × rate. The
// fraction is Prorate's: whole seconds, t the line's start. A line whose
// UF rounded to zero (a change in the period's last moments) stays zero.
func UFProrationLine(l *InvoiceLine, p ProrationLine, full int64, start, end time.Time) {
	u := LineUF{Amount: p.Amount, Num: end.Unix() - p.PeriodStart.Unix(), Den: end.Unix() - start.Unix()}
	switch {
	case p.Amount > 0:
		u.Full = full
	case p.Amount < 0:
		u.Full = -full
	default:
		u.Den = 0 // zero UF: zero pesos
	}
	l.UF = &u
	l.Amount = 0
}

// NeedsUFRate reports whether any of lines is a UF line not yet converted.
func NeedsUFRate(lines []InvoiceLine) bool {
	for _, l := range lines {
		if l.UF != nil && !l.UF.Converted() {
			return true
		}
	}
	return false
}

// UFLineCLP returns the pesos of a UF line at rate: the whole UF amount,
// or a proration's exact fraction of the full amount, rounded once.
func UFLineCLP(u LineUF, rate int64) (int64, error) {
	if u.Den > 0 {
		return UFToCLP(u.Full, u.Num, u.Den, rate)
	}
	return UFToCLP(u.Amount, 1, 1, rate)
}

// ConvertUFLines converts every UF line of lines not yet converted at r:
// its Amount becomes the pesos (UFLineCLP) and it keeps r's value and day.
// Lines already converted (a proration converted on the invoice that
// made it) keep theirs. It returns how many lines it converted.
func ConvertUFLines(lines []InvoiceLine, r UFRate) (int, error) {
	n := 0
	for i := range lines {
		u := lines[i].UF
		if u == nil || u.Converted() {
			continue
		}
		clp, err := UFLineCLP(*u, r.Value)
		if err != nil {
			return n, err
		}
		conv := *u
		conv.Rate, conv.RateDate = r.Value, r.Date
		lines[i].UF, lines[i].Amount = &conv, clp
		n++
	}
	return n, nil
}

// PickUFRate chooses, of the values known for one day, the one that
// applies to a merchant: its own value set by hand wins over a fetched one.
// ok is false when there is none: the invoice waits.
func PickUFRate(s Scope, rates []UFRate) (UFRate, bool) {
	var fetched *UFRate
	for i := range rates {
		switch {
		case rates[i].Scope == s:
			return rates[i], true
		case rates[i].Scope == (Scope{}) && fetched == nil:
			fetched = &rates[i]
		}
	}
	if fetched != nil {
		return *fetched, true
	}
	return UFRate{}, false
}

// UFRetryDelay is how long an invoice waiting for its UF value waits
// before the attempt after attempt (1, 2, …): 1 minute, 5, 15, 1 hour,
// then every hour. A value set by hand retries its waiting invoices at
// once, so the wait matters only for the fetched source.
func UFRetryDelay(attempt int64) time.Duration {
	switch {
	case attempt <= 1:
		return time.Minute
	case attempt == 2:
		return 5 * time.Minute
	case attempt == 3:
		return 15 * time.Minute
	}
	return time.Hour
}

// UFWait is an invoice waiting for the UF value of its day before it can
// be finalized.
type UFWait struct {
	Scope         Scope     `json:"scope"`
	InvoiceID     string    `json:"invoice_id"`
	Date          string    `json:"date"`
	Attempts      int64     `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	Created       time.Time `json:"created"`
}

// UFLineDetail is what a converted UF line shows under its description,
// in the document's locale, its amounts written by money's one formatter
// (money.Format writes the UF as "UF"): "UF 2,5000 × $39.485,65
// (07-12-2026)" in Spanish, "UF 2.5000 × CLP 39,485.65 (Dec 7, 2026)" in
// English (with no-break spaces after "UF" and "CLP"). A line still
// waiting for its value shows its UF only: "UF 2,5000".
func UFLineDetail(u LineUF, locale string) string {
	uf, err := money.Format(money.Amount{Minor: u.Amount, Currency: CurrencyUF}, locale)
	if err != nil || !u.Converted() {
		return uf
	}
	value, err := money.FormatPrecise(u.Rate, 2, CurrencyCLP, locale)
	if err != nil {
		return uf
	}
	day, err := time.Parse(time.DateOnly, u.RateDate)
	if err != nil {
		return uf
	}
	if LocaleLanguage(locale) == "en" {
		return fmt.Sprintf("%s × %s (%s %d, %d)", uf, value, day.Month().String()[:3], day.Day(), day.Year())
	}
	return fmt.Sprintf("%s × %s (%s)", uf, value, day.Format("02-01-2006"))
}

// ItemsTotalPesos is the per-period total of pesos items and UF items in
// pesos, the UF total converted at rate with UFToCLP: what IsUpgrade
// compares when a change mixes UF and peso prices.
func ItemsTotalPesos(pesos, uf []ProrationItem, rate int64) (int64, error) {
	p, err := ItemsTotal(pesos)
	if err != nil {
		return 0, err
	}
	u, err := ItemsTotal(uf)
	if err != nil {
		return 0, err
	}
	c, err := UFToCLP(u, 1, 1, rate)
	if err != nil {
		return 0, err
	}
	if p > 1<<63-1-c {
		return 0, Invalid("items", CodeAmountInvalid, "the items' total overflows")
	}
	return p + c, nil
}

// PeriodAmounts is what a set of subscription items costs per period, in
// its two units: pesos (or the subscription's currency) for ordinary
// prices and 1/10000 UF for UF prices, which are never added to pesos
// (their peso value is known only on an invoice's day).
func PeriodAmounts(items []SubscriptionItem) (amount, uf int64) {
	for _, it := range items {
		if it.Currency == CurrencyUF {
			uf += it.UnitAmount * it.Quantity
			continue
		}
		amount += it.UnitAmount * it.Quantity
	}
	return amount, uf
}

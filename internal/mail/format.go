package mail

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/money"
)

// The languages emails are written in.
const (
	LangSpanish = "es"
	LangEnglish = "en"
)

// Language returns the language an email to a reader with this locale is
// written in: LangSpanish when the locale's language is Spanish ("es",
// "es-CL", "es_MX", "ES-cl"), LangEnglish for anything else, including an
// empty or malformed locale.
func Language(locale string) string {
	primary, _, _ := strings.Cut(strings.TrimSpace(locale), "-")
	primary, _, _ = strings.Cut(primary, "_")
	if strings.EqualFold(primary, "es") {
		return LangSpanish
	}
	return LangEnglish
}

// Formatter formats amounts and dates for one reader: a locale (BCP 47, as
// in billing.Customer.Locale) and a time zone (usually the merchant's).
type Formatter struct {
	// Locale picks the language (see Language) and the number format.
	Locale string
	// Location is the time zone dates are shown in; nil means UTC.
	Location *time.Location
}

// NewFormatter returns a Formatter for locale and an IANA time zone name
// (e.g. "America/Santiago"; "" means UTC).
func NewFormatter(locale, timezone string) (Formatter, error) {
	loc := time.UTC
	if timezone != "" {
		l, err := time.LoadLocation(timezone)
		if err != nil {
			return Formatter{}, fmt.Errorf("mail: time zone %q: %w", timezone, err)
		}
		loc = l
	}
	return Formatter{Locale: locale, Location: loc}, nil
}

// Lang is the language of f's locale (see Language).
func (f Formatter) Lang() string { return Language(f.Locale) }

// moneyLocale is the locale amounts are formatted in: the reader's own
// when it is in the email's language (so "es-CL" gives "$5.000" and
// "es-MX" gives "CLP 5,000"), else plain "en" — an English email to a
// "fr-FR" reader shows "$50.00", not "50,00 $US".
func (f Formatter) moneyLocale() string {
	if Language(f.Locale) == LangSpanish {
		return strings.TrimSpace(f.Locale)
	}
	primary, _, _ := strings.Cut(strings.TrimSpace(f.Locale), "-")
	primary, _, _ = strings.Cut(primary, "_")
	if strings.EqualFold(primary, "en") {
		return strings.TrimSpace(f.Locale)
	}
	return "en"
}

// Amount formats a for display with money.Format: CLP 5000 in "es-CL" is
// "$5.000", USD 5000 in "en" is "$50.00". It fails only for an invalid
// currency.
func (f Formatter) Amount(a money.Amount) (string, error) {
	s, err := money.Format(a, f.moneyLocale())
	if err != nil {
		return "", fmt.Errorf("mail: format amount: %w", err)
	}
	return s, nil
}

// Date formats the calendar day of t in f's time zone: "21 de noviembre de
// 2026" in Spanish, "November 21, 2026" in English.
func (f Formatter) Date(t time.Time) string {
	t = t.In(f.location())
	if f.Lang() == LangSpanish {
		return strconv.Itoa(t.Day()) + " de " + monthsES[t.Month()-1] + " de " + strconv.Itoa(t.Year())
	}
	return t.Month().String() + " " + strconv.Itoa(t.Day()) + ", " + strconv.Itoa(t.Year())
}

// DateTime formats t in f's time zone with the time of day and the zone's
// name: "21 de noviembre de 2026, 14:05 (America/Santiago)" in Spanish,
// "November 21, 2026, 2:05 PM (America/Santiago)" in English.
func (f Formatter) DateTime(t time.Time) string {
	loc := f.location()
	t = t.In(loc)
	clock := t.Format("15:04")
	if f.Lang() == LangEnglish {
		clock = t.Format("3:04 PM")
	}
	return f.Date(t) + ", " + clock + " (" + loc.String() + ")"
}

func (f Formatter) location() *time.Location {
	if f.Location == nil {
		return time.UTC
	}
	return f.Location
}

var monthsES = [12]string{
	"enero", "febrero", "marzo", "abril", "mayo", "junio",
	"julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
}

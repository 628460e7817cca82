package console

import (
	"strings"

	"github.com/cuota/cuota/internal/money"
)

// maxAmountDigits bounds the digits of a typed amount, far below what an
// int64 of minor units holds, so that parsing never overflows.
const maxAmountDigits = 15

// parseAmount reads an amount a person typed in the currency's major
// units, written the way the page's language writes numbers — "$12.345"
// or "12.345,50" in Spanish, "$12,345.50" in English — into minor units,
// exactly: no float, no rounding. A currency symbol ("$", "US$") or the
// currency's code (or "UF" for CLF) may come before or after the number; thousands
// separators must group three digits; decimals beyond the currency's
// minor unit are refused unless they are zeros ("$12.345,00" for CLP).
// ok is false for anything else, negative amounts included.
func parseAmount(l *lang, s, currency string) (minor int64, ok bool) {
	digits, valid := money.Digits(currency)
	if !valid {
		return 0, false
	}
	group, decimal := '.', ','
	if l == english {
		group, decimal = ',', '.'
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", " "))
	for _, name := range []string{currency, currencyName(currency)} { // "CLF" or "UF"
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, name), name))
	}
	if rest, found := strings.CutPrefix(s, "US$"); found && currency == "USD" {
		s = rest
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "$"))
	whole, frac, hasFrac := strings.Cut(s, string(decimal))
	if whole == "" || (hasFrac && frac == "") {
		return 0, false
	}
	// The whole part: plain digits, or groups of three after the first.
	groups := strings.Split(whole, string(group))
	var intDigits strings.Builder
	for i, g := range groups {
		if g == "" || !allDigits(g) || (i > 0 && len(g) != 3) || (len(groups) > 1 && i == 0 && len(g) > 3) {
			return 0, false
		}
		intDigits.WriteString(g)
	}
	if hasFrac && !allDigits(frac) {
		return 0, false
	}
	// Decimals past the minor unit must be zeros: the amount stays exact.
	if len(frac) > digits {
		if strings.Trim(frac[digits:], "0") != "" {
			return 0, false
		}
		frac = frac[:digits]
	}
	frac += strings.Repeat("0", digits-len(frac))
	all := strings.TrimLeft(intDigits.String()+frac, "0")
	if len(all) > maxAmountDigits {
		return 0, false
	}
	for _, c := range all {
		minor = minor*10 + int64(c-'0')
	}
	return minor, true
}

// allDigits reports whether s is made of ASCII digits only (and is not
// empty).
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// amountExample is how the page's language writes an amount of currency,
// shown to a person whose amount could not be read: "$12.345" for CLP in
// Spanish.
func amountExample(l *lang, currency string) string {
	digits, _ := money.Digits(currency)
	example := int64(12345)
	for range digits {
		example *= 10
	}
	return fmtMoney(l, example, currency)
}

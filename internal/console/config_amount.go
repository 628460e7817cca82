package console

import (
	"strconv"
	"strings"

	"github.com/cuota/cuota/internal/money"
)

// parseMajor reads an amount typed in major units of currency — "$9.990"
// or "9990" for CLP, "12,50", "12.50" or "1.234,5" for USD — into minor
// units, exactly (no float). People write both Chilean and English
// separators, so the separator is read from the text itself:
//
//   - the last "." or "," is the decimal mark when 1 to Digits(currency)
//     digits follow it and it is the only one of its kind (for a currency
//     with three decimals, "1.234" is a decimal; a second "." makes it a
//     thousands separator);
//   - every other separator groups thousands: one to three digits, then
//     groups of exactly three;
//   - a leading "$", "US$" or the currency's code and spaces are ignored.
//
// Anything else (letters, a sign, more decimals than the currency has, a
// group of two) is refused: ok is false, and the form says so.
func parseMajor(s, currency string) (int64, bool) {
	digits, ok := money.Digits(currency)
	if !ok {
		return 0, false
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", " "))
	for _, p := range []string{currency, strings.ToLower(currency), "US$", "CLP$", "$"} {
		s = strings.TrimSpace(strings.TrimPrefix(s, p))
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, currency))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" || len(s) > 40 {
		return 0, false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' && r != ',' {
			return 0, false
		}
	}
	whole, frac := s, ""
	if i := strings.LastIndexAny(s, ".,"); i >= 0 {
		tail, sep := s[i+1:], s[i]
		single := strings.Count(s, string(sep)) == 1
		if digits > 0 && single && len(tail) >= 1 && len(tail) <= digits && (len(tail) != 3 || digits >= 3) {
			whole, frac = s[:i], tail
			if strings.ContainsRune(whole, rune(sep)) {
				return 0, false
			}
		}
	}
	if whole == "" {
		whole = "0"
	}
	intPart, ok := thousands(whole)
	if !ok || strings.ContainsAny(frac, ".,") {
		return 0, false
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// thousands removes the thousands separators of s, which must all be the
// same character and group the digits by three ("9.990", "1,234,567"); s
// without separators passes as it is.
func thousands(s string) (string, bool) {
	i := strings.IndexAny(s, ".,")
	if i < 0 {
		return s, s != ""
	}
	sep := s[i]
	groups := strings.Split(s, string(sep))
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || strings.ContainsAny(g, ".,") {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

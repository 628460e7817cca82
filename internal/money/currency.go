package money

import (
	"strings"

	"github.com/bojanz/currency"
)

// ValidCurrency reports whether code is a canonical ISO 4217 currency code:
// exactly three upper-case ASCII letters that github.com/bojanz/currency
// knows. Lower-case codes ("usd"), the empty string and unknown codes
// ("ZZZ", "XXX") are rejected; use [NormalizeCurrency] to accept user input
// in any case.
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	// currency.IsValid treats "" as valid; the length check above excludes it.
	return currency.IsValid(code)
}

// NormalizeCurrency trims surrounding white space from s, upper-cases it and
// validates it with [ValidCurrency]. It returns the canonical code ("clp" →
// "CLP") and true, or "" and false when s is not a known currency.
func NormalizeCurrency(s string) (string, bool) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if !ValidCurrency(code) {
		return "", false
	}
	return code, true
}

// Digits returns the number of minor-unit digits of the currency code as
// defined by ISO 4217 and CLDR (CLP 0, USD 2, KWD 3, CLF 4). The second
// result is false when code is not valid according to [ValidCurrency].
func Digits(code string) (int, bool) {
	if !ValidCurrency(code) {
		return 0, false
	}
	d, ok := currency.GetDigits(code)
	if !ok {
		return 0, false
	}
	return int(d), true
}

package money

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bojanz/currency"
)

// Amount is a monetary amount: an integer number of minor units of an ISO
// 4217 currency. USD 19.99 is Amount{Minor: 1999, Currency: "USD"}; CLP 19.990
// is Amount{Minor: 19990, Currency: "CLP"} because CLP has no minor digits.
type Amount struct {
	// Minor is the amount in the currency's minor unit (may be negative).
	Minor int64
	// Currency is the canonical upper-case ISO 4217 code, e.g. "CLP".
	Currency string
}

// String returns the amount in major units followed by the currency code,
// computed with integer arithmetic: "50.00 USD", "5000 CLP", "-0.05 USD".
// It does no locale formatting; use [Format] for display. When the currency
// is not valid the raw minor units are shown, e.g. `5 minor units of "ZZZ"`.
func (a Amount) String() string {
	digits, ok := Digits(a.Currency)
	if !ok {
		return fmt.Sprintf("%d minor units of %q", a.Minor, a.Currency)
	}
	return decimalString(a.Minor, digits) + " " + a.Currency
}

// Decimal returns the amount in major units as a plain decimal without the
// currency, computed with integer arithmetic: "50.00" for USD 5000, "5000"
// for CLP 5000, "-0.05" for USD -5. It is what machine-readable outputs
// (CSV exports) write beside the currency code. For a currency that is not
// valid it returns the minor units.
func (a Amount) Decimal() string {
	digits, ok := Digits(a.Currency)
	if !ok {
		return strconv.FormatInt(a.Minor, 10)
	}
	return decimalString(a.Minor, digits)
}

// Format renders a for display in the given CLDR locale (e.g. "es-CL", "en",
// "en-US") using github.com/bojanz/currency: CLP 5000 in "es-CL" is "$5.000"
// and USD 5000 in "en" is "$50.00". The minor units are handed to the
// formatter exactly, never through a float. Locales without their own data
// fall back along the CLDR parent chain, ending at "en"; an empty locale
// means "en". The UF (ISO 4217 "CLF", 4 decimals) is written "UF", as it
// is in Chile, in every locale: CLF 25000 is "UF 2,5000" in "es-CL" and
// "UF 2.5000" in "en" (with a no-break space), never "CLF". It returns an
// error when a.Currency is not valid.
func Format(a Amount, locale string) (string, error) {
	digits, ok := Digits(a.Currency)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrInvalidCurrency, a.Currency)
	}
	return FormatPrecise(a.Minor, digits, a.Currency, locale)
}

// FormatPrecise renders v, counted in 10^-digits of one unit of the
// currency code, with exactly digits decimals, the way Format renders amounts
// (the same locales, the same symbols): a value finer than the currency's
// minor unit, such as the UF's value in pesos with its centavos
// (FormatPrecise(3948565, 2, "CLP", "es-CL") is "$39.485,65"; in "en",
// "CLP 39,485.65"). An amount of money is formatted with Format.
func FormatPrecise(v int64, digits int, code, locale string) (string, error) {
	if !ValidCurrency(code) {
		return "", fmt.Errorf("%w: %q", ErrInvalidCurrency, code)
	}
	if digits < 0 || digits > 6 {
		return "", fmt.Errorf("money: format %d with %d decimals: at most 6", v, digits)
	}
	amt, err := currency.NewAmount(decimalString(v, digits), code)
	if err != nil {
		return "", fmt.Errorf("money: format %d %s: %w", v, code, err)
	}
	loc := currency.NewLocale(locale)
	if loc.IsEmpty() {
		loc = currency.NewLocale("en")
	}
	f := currency.NewFormatter(loc)
	f.MinDigits, f.MaxDigits = uint8(digits), uint8(digits)
	f.SymbolMap[ufCode] = "UF"
	return f.Format(amt), nil
}

// ufCode is the ISO 4217 code of the Unidad de Fomento, which Chileans
// write "UF".
const ufCode = "CLF"

// decimalString renders minor units as a plain decimal with the given number
// of fraction digits using only integer arithmetic (1999, 2 → "19.99";
// -5, 2 → "-0.05"; 5000, 0 → "5000").
func decimalString(minor int64, digits int) string {
	neg := minor < 0
	mag := uint64(minor)
	if neg {
		mag = -mag // two's complement: correct for math.MinInt64 too
	}
	s := strconv.FormatUint(mag, 10)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cuota/cuota/internal/textcut"
)

// errNotNumber is the cause of every failed Number conversion.
var errNotNumber = errors.New("not a number")

// Number is a numeric field of a Flow answer, kept as the decimal text that
// arrived. Flow sends the same field sometimes as a JSON number and sometimes
// as a string ("12000.00", "1"), hasMore as true/false or 1/0, and absent
// values as null; Number accepts all of these (true is "1", false is "0",
// null is ""). Decoding never fails on valid JSON: an object or array is kept
// as its JSON text and only the accessors report that it is not a number.
type Number string

// UnmarshalJSON implements json.Unmarshaler leniently (see Number).
func (n *Number) UnmarshalJSON(b []byte) error {
	s, err := lenientText(b, true)
	if err != nil {
		return fmt.Errorf("flow number: %w", err)
	}
	*n = Number(s)
	return nil
}

// MarshalJSON writes a JSON number when the text is one, null when it is
// empty, and a JSON string otherwise.
func (n Number) MarshalJSON() ([]byte, error) {
	s := string(n)
	if s == "" {
		return []byte("null"), nil
	}
	if isJSONNumber(s) {
		return []byte(s), nil
	}
	return json.Marshal(s)
}

// String returns the text as received ("" when absent).
func (n Number) String() string { return string(n) }

// IsZero reports whether the field was absent or null.
func (n Number) IsZero() bool { return n == "" }

// Int64 returns the value as an exact integer. Decimal text whose fraction is
// all zeros ("12000.00", "1.2e3") is accepted; anything else that is not an
// integer in int64 range is an error.
func (n Number) Int64() (int64, error) {
	v, err := parseDecimalInt(string(n))
	if err != nil {
		return 0, fmt.Errorf("flow number %q: %w", truncate(string(n), 40), err)
	}
	return v, nil
}

// NumberFromInt returns the Number for v.
func NumberFromInt(v int64) Number { return Number(strconv.FormatInt(v, 10)) }

// Text is a string field of a Flow answer. Flow sometimes sends strings as
// JSON numbers (a numeric commerceOrder, status 1 for "1") or booleans; Text
// keeps the literal text of those, null as "", and objects or arrays as their
// JSON text. Decoding never fails on valid JSON.
type Text string

// UnmarshalJSON implements json.Unmarshaler leniently (see Text).
func (t *Text) UnmarshalJSON(b []byte) error {
	s, err := lenientText(b, false)
	if err != nil {
		return fmt.Errorf("flow text: %w", err)
	}
	*t = Text(s)
	return nil
}

// String returns the text.
func (t Text) String() string { return string(t) }

// lenientText turns one JSON value into text. With booleansAsDigits, true
// and false become "1" and "0" (hasMore); otherwise "true" and "false".
func lenientText(b []byte, booleansAsDigits bool) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", errors.New("empty JSON value")
	}
	switch b[0] {
	case 'n':
		return "", nil
	case 't':
		if booleansAsDigits {
			return "1", nil
		}
		return "true", nil
	case 'f':
		if booleansAsDigits {
			return "0", nil
		}
		return "false", nil
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", fmt.Errorf("decode string: %w", err)
		}
		return strings.TrimSpace(s), nil
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return "", fmt.Errorf("decode JSON value: %w", err)
		}
		return buf.String(), nil
	default:
		// A JSON number literal: the decoder validated it already.
		return string(b), nil
	}
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	var v json.Number
	return json.Unmarshal([]byte(s), &v) == nil && s != "" && s[0] != '"'
}

// maxExponent bounds the exponent Int64 accepts, so that hostile input
// ("1e999999999") cannot make it build huge strings.
const maxExponent = 400

// parseDecimalInt parses [+-]digits[.digits][(e|E)[+-]digits] and returns it
// when it is an integer in int64 range.
func parseDecimalInt(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty", errNotNumber)
	}
	i := 0
	neg := false
	if s[i] == '+' || s[i] == '-' {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[start:i]
	frac := ""
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fs:i]
	}
	if intPart == "" && frac == "" {
		return 0, errNotNumber
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		digits := strings.TrimLeft(s[es:i], "0")
		if es == i {
			return 0, errNotNumber
		}
		if len(digits) > 3 {
			return 0, fmt.Errorf("%w: exponent out of range", errNotNumber)
		}
		e, _ := strconv.Atoi("0" + digits) // at most 3 digits: cannot fail
		if e > maxExponent {
			return 0, fmt.Errorf("%w: exponent out of range", errNotNumber)
		}
		if eneg {
			e = -e
		}
		exp = e
	}
	if i != len(s) {
		return 0, errNotNumber
	}
	digits := intPart + frac
	point := len(intPart) + exp // digits[:point] is the integer part
	var whole string
	switch {
	case point <= 0:
		whole = ""
		if strings.Trim(digits, "0") != "" {
			return 0, fmt.Errorf("%w: not an integer", errNotNumber)
		}
	case point >= len(digits):
		if strings.Trim(digits, "0") == "" {
			whole = ""
		} else {
			whole = digits + strings.Repeat("0", point-len(digits))
		}
	default:
		if strings.Trim(digits[point:], "0") != "" {
			return 0, fmt.Errorf("%w: not an integer", errNotNumber)
		}
		whole = digits[:point]
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		return 0, nil
	}
	if len(whole) > 19 {
		return 0, fmt.Errorf("%w: out of int64 range", errNotNumber)
	}
	if neg {
		whole = "-" + whole
	}
	v, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: out of int64 range", errNotNumber)
	}
	return v, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// truncate shortens s to at most n characters for messages.
func truncate(s string, n int) string {
	if cut := textcut.Runes(s, n); cut != s {
		return cut + "…"
	}
	return s
}

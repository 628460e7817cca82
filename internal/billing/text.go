package billing

import (
	"strings"
	"unicode/utf8"
)

// ValidText reports whether s is text every store can hold: UTF-8 without
// NUL characters. PostgreSQL refuses both in text columns while SQLite
// stores them, so input is checked against this rule before any store sees
// it, and both stores answer bad text alike.
func ValidText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// CheckText returns a parameter_invalid error naming param if s is not
// ValidText.
func CheckText(param, s string) error {
	if ValidText(s) {
		return nil
	}
	return TextInvalid(param)
}

// TextInvalid is the error for a param whose text is not ValidText.
func TextInvalid(param string) *Error {
	return Invalid(param, CodeParameterInvalid, "%s must be UTF-8 text without NUL characters", param)
}

// PrintableParam makes a parameter name taken from input safe to show in
// an error: invalid UTF-8 and NUL characters become U+FFFD.
func PrintableParam(name string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(name, "\uFFFD"), "\x00", "\uFFFD")
}

// PrefixEnd is the least text greater than every text that starts with p,
// in code point order (PostgreSQL's "C" collation, SQLite's BINARY: both
// compare UTF-8 bytes): a prefix match read as the range [p, PrefixEnd(p))
// of an ordered index. Its last character is the next one after p's
// (surrogates skipped); "" when no text is greater (p empty or only
// U+10FFFF), where the range has no end.
func PrefixEnd(p string) string {
	r := []rune(p)
	for len(r) > 0 {
		last := r[len(r)-1]
		switch {
		case last == 0xD7FF:
			r[len(r)-1] = 0xE000
			return string(r)
		case last < 0x10FFFF:
			r[len(r)-1] = last + 1
			return string(r)
		}
		r = r[:len(r)-1]
	}
	return ""
}

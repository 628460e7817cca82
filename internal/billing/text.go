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

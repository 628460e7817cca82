// Package textcut shortens text for places with a length limit (a
// gateway's description or subject, a header, a log or error snippet)
// without cutting inside a character. A byte slice like s[:200] can end in
// the middle of a multi-byte UTF-8 character ("ñ" is two bytes), and the
// invalid UTF-8 it leaves breaks whatever receives it: Flow, for one,
// refuses the request's signature. Every cut of text in cuota goes through
// here.
package textcut

import "unicode/utf8"

// Runes returns s cut to at most n characters (runes); it is s itself when
// s is no longer. Limits that gateways state in characters use it.
func Runes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s // n bytes are at most n runes
	}
	count := 0
	for i := range s {
		if count == n {
			return s[:i]
		}
		count++
	}
	return s
}

// Bytes returns s cut to at most n bytes, at the start of a character, so
// a multi-byte character that would not fit whole is left out. Limits in
// bytes (a stored excerpt, a bound on what is parsed) use it.
func Bytes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	// Step back over at most UTFMax-1 continuation bytes to the start of
	// the character the cut falls in (invalid UTF-8 gets no further back).
	for i := n; i > n-utf8.UTFMax && i >= 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:n]
}

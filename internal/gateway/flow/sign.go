package flow

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
)

// SignatureParam is the name of the parameter that carries the signature.
const SignatureParam = "s"

// Sign returns Flow's signature of params with the merchant's secret key
// (https://www.flow.cl/docs/api.html, "how to sign"): every parameter except
// "s" (apiKey included), sorted by name in byte order, each written as name
// immediately followed by its raw (not URL-encoded) value with no separators;
// the string is signed with HMAC-SHA256 keyed by secret and returned as
// lowercase hex.
//
// Flow parameters are single-valued; a name given several values contributes
// name+value once per value, in order, so what is signed is exactly what an
// encoding of params transmits. This is the one place the rule lives: the
// client signs with it and internal/flowsim verifies with it.
func Sign(secret string, params url.Values) string {
	mac := hmac.New(sha256.New, []byte(secret))
	// hash.Hash.Write never returns an error.
	_, _ = mac.Write([]byte(signingString(params)))
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether params carries exactly one "s" equal to
// Sign(secret, params). The comparison is constant-time and exact: only the
// documented lowercase hex is accepted (Flow's documentation does not say
// whether it also accepts uppercase).
func Verify(secret string, params url.Values) bool {
	got := params[SignatureParam]
	if len(got) != 1 {
		return false
	}
	want := Sign(secret, params)
	return subtle.ConstantTimeCompare([]byte(got[0]), []byte(want)) == 1
}

// signingString is the text Sign signs.
func signingString(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != SignatureParam {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range params[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return b.String()
}

package app

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// Limits on merchant-supplied strings (Stripe's, where it has one).
const (
	maxMetadataKeys   = 50
	maxMetadataKeyLen = 40
	maxMetadataValLen = 500
	maxNameLen        = 250
	maxTextLen        = 5000
	maxKeyLen         = 200 // lookup_key, external_id
)

// validator collects the first problem found; use cases check err() once.
type validator struct{ first *billing.Error }

func (v *validator) fail(param, code, format string, args ...any) {
	if v.first == nil {
		v.first = billing.Invalid(param, code, format, args...)
	}
}

func (v *validator) err() error {
	if v.first == nil {
		return nil
	}
	return v.first
}

func (v *validator) required(param, s string) {
	if strings.TrimSpace(s) == "" {
		v.fail(param, billing.CodeParameterMissing, "%s is required", param)
	}
}

func (v *validator) maxLen(param, s string, n int) {
	if utf8.RuneCountInString(s) > n {
		v.fail(param, billing.CodeParameterInvalid, "%s must be at most %d characters", param, n)
	}
	if !utf8.ValidString(s) {
		v.fail(param, billing.CodeParameterInvalid, "%s must be valid UTF-8", param)
	}
}

func (v *validator) metadata(m billing.Metadata) {
	if len(m) > maxMetadataKeys {
		v.fail("metadata", billing.CodeParameterInvalid, "metadata can have at most %d keys", maxMetadataKeys)
	}
	for k, val := range m {
		if k == "" || utf8.RuneCountInString(k) > maxMetadataKeyLen || !utf8.ValidString(k) {
			v.fail("metadata", billing.CodeParameterInvalid, "metadata keys must be 1 to %d characters", maxMetadataKeyLen)
		}
		v.maxLen("metadata["+k+"]", val, maxMetadataValLen)
	}
}

func (v *validator) nonNegative(param string, n int64) {
	if n < 0 {
		v.fail(param, billing.CodeParameterInvalid, "%s must not be negative", param)
	}
}

// MaxAmount is the largest money amount accepted as input, in minor units:
// far above any real price, far below where sums of amounts could overflow.
const MaxAmount = 99_999_999_999

// amount checks a money amount in minor units.
func (v *validator) amount(param string, n int64) {
	if n < 0 {
		v.fail(param, billing.CodeAmountInvalid, "%s must be a non-negative integer of minor units", param)
	}
	if n > MaxAmount {
		v.fail(param, billing.CodeAmountInvalid, "%s is too large", param)
	}
}

// currency normalises and checks an ISO 4217 code ("clp" → "CLP").
func (v *validator) currency(param, code string) string {
	c, ok := money.NormalizeCurrency(code)
	if !ok {
		if strings.TrimSpace(code) == "" {
			v.fail(param, billing.CodeParameterMissing, "%s is required", param)
		} else {
			v.fail(param, billing.CodeCurrencyInvalid, "%q is not an ISO 4217 currency code", code)
		}
	}
	return c
}

func (v *validator) email(param, s string) {
	if s == "" {
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		v.fail(param, billing.CodeParameterInvalid, "%s is not a valid email address", param)
	}
}

var localeRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z]{2}|-[0-9]{3})?$`)

func (v *validator) locale(param, s string) {
	if s != "" && !localeRE.MatchString(s) {
		v.fail(param, billing.CodeParameterInvalid, "%s must be a language tag such as es-CL or en", param)
	}
}

func (v *validator) timezone(param, s string) {
	if _, err := time.LoadLocation(s); err != nil || s == "" || s == "Local" {
		v.fail(param, billing.CodeParameterInvalid, "%s must be an IANA time zone such as America/Santiago", param)
	}
}

func (v *validator) cursor(p billing.Page, prefix string) {
	if p.StartingAfter != "" && !strings.HasPrefix(p.StartingAfter, prefix) {
		v.fail("starting_after", billing.CodeParameterInvalid, "starting_after must be an id starting with %s", prefix)
	}
}

// mergeMetadata applies an update: keys with empty values are removed,
// others are set (Stripe's rule).
func mergeMetadata(cur, upd billing.Metadata) billing.Metadata {
	out := billing.Metadata{}
	for k, v := range cur {
		out[k] = v
	}
	for k, v := range upd {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func orEmpty(m billing.Metadata) billing.Metadata {
	if m == nil {
		return billing.Metadata{}
	}
	return m
}

package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPickLang checks a hosted page's language rule: ?lang=, else the
// customer's locale, else the merchant's, else Spanish; never the
// browser's Accept-Language.
func TestPickLang(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		query, customer, merchant, accept string
		want                              *lang
	}{
		{"en", "es-CL", "es-CL", "es", english},
		{"", "en-US", "es-CL", "es", english},
		{"", "", "en", "es", english},
		{"", "", "es-CL", "en-US,en;q=0.9", spanish},
		{"fr", "", "en", "", english},
		{"", "pt-BR", "", "en", spanish},
		{"es", "en", "en", "en", spanish},
	} {
		r := httptest.NewRequest(http.MethodGet, "/portal/x?lang="+tc.query, nil)
		r.Header.Set("Accept-Language", tc.accept)
		require.Same(t, tc.want, pickLang(r, tc.customer, tc.merchant), "%+v", tc)
	}
}

func TestSetupCSP(t *testing.T) {
	t.Parallel()
	const withMerchant = "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self' https://shop.example.cl; base-uri 'none'; frame-ancestors 'none'"
	cases := map[string]string{
		"https://shop.example.cl/return?x=1":   withMerchant,
		"HTTPS://shop.example.cl/return#frag":  withMerchant,
		"http://localhost:3000/back":           "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self' http://localhost:3000; base-uri 'none'; frame-ancestors 'none'",
		"http://[::1]:8080/back":               "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self' http://[::1]:8080; base-uri 'none'; frame-ancestors 'none'",
		"https://user:pw@shop.example.cl/back": withMerchant,
		"javascript:alert(1)":                  csp,
		"https://a.example;script-src/x":       csp,
		"https://a.example%3Bscript-src*/x":    csp,
		"::not a url":                          csp,
		"":                                     csp,
	}
	for in, want := range cases {
		require.Equal(t, want, setupCSP(in), "return url %q", in)
	}
}

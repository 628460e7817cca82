package web

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAcceptLanguage(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                             "",
		"es":                           "es",
		"en-US,en;q=0.9,es;q=0.8":      "en-US",
		"fr-CH, fr;q=0.9, en;q=0.8":    "en",
		"en;q=0.2, es-CL;q=0.9":        "es-CL",
		"en;q=0.5, es;q=0.5":           "en",
		"de, *;q=0.5":                  "",
		"en;q=0":                       "",
		"en;q=bogus, es;q=0.1":         "es",
		"EN-gb":                        "EN-gb",
		"en; foo=bar; q=0.4, es;q=0.3": "en",
		" es_CL ":                      "es_CL",
	}
	for header, want := range cases {
		require.Equal(t, want, acceptLanguage(header), "header %q", header)
	}
}

func TestSetupCSP(t *testing.T) {
	t.Parallel()
	const withMerchant = "default-src 'none'; style-src 'self'; form-action 'self' https://shop.example.cl; base-uri 'none'; frame-ancestors 'none'"
	cases := map[string]string{
		"https://shop.example.cl/return?x=1":   withMerchant,
		"HTTPS://shop.example.cl/return#frag":  withMerchant,
		"http://localhost:3000/back":           "default-src 'none'; style-src 'self'; form-action 'self' http://localhost:3000; base-uri 'none'; frame-ancestors 'none'",
		"http://[::1]:8080/back":               "default-src 'none'; style-src 'self'; form-action 'self' http://[::1]:8080; base-uri 'none'; frame-ancestors 'none'",
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

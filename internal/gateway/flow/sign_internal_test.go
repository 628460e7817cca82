package flow

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Known-answer vectors, computed independently (Flow publishes none): the
// first two sign the example parameters of Flow's API documentation
// (https://www.flow.cl/docs/api.html), the third mixes case-sensitive
// ordering, characters that URL encoding would change, and UTF-8.
var signVectors = []struct {
	name     string
	secret   string
	params   url.Values
	toSign   string
	wantSign string
}{
	{
		name:     "S3 example params",
		secret:   "my secret",
		params:   url.Values{"apiKey": {"1F90971E-8276-4715-97FF-2BLG5030EE3B"}, "token": {"AJ089FF5467367"}},
		toSign:   "apiKey1F90971E-8276-4715-97FF-2BLG5030EE3BtokenAJ089FF5467367",
		wantSign: "191947b8253f1b615adeda260fab7d8c8cc0507b22e19d4742baa00b0e464d44",
	},
	{
		name:     "S1 example",
		secret:   "my secret",
		params:   url.Values{"apiKey": {"XXXX-XXXX-XXXX"}, "currency": {"CLP"}, "amount": {"5000"}},
		toSign:   "amount5000apiKeyXXXX-XXXX-XXXXcurrencyCLP",
		wantSign: "dc3f67215dc89404aedc1deed0be7c2b49d810ca1a6e3feab3b799d77c4a9950",
	},
	{
		name:   "byte order, raw values, UTF-8",
		secret: "s3cr3t",
		params: url.Values{
			"apiKey": {"k"}, "paymentMethod": {"9"}, "payment_currency": {"CLP"}, "email": {"a+b@x.cl"},
			"urlReturn": {"https://x.cl/r?a=1&b=2"}, "subject": {"Suscripción ñ"},
		},
		toSign:   "apiKeykemaila+b@x.clpaymentMethod9payment_currencyCLPsubjectSuscripción ñurlReturnhttps://x.cl/r?a=1&b=2",
		wantSign: "af49445a6157c798b37009011643953365f226ba5d3965f54ad41e074cb465c1",
	},
}

func TestSignVectors(t *testing.T) {
	for _, v := range signVectors {
		t.Run(v.name, func(t *testing.T) {
			require.Equal(t, v.toSign, signingString(v.params))
			require.Equal(t, v.wantSign, Sign(v.secret, v.params))

			// s itself is never signed.
			withS := url.Values{}
			for k, vs := range v.params {
				withS[k] = vs
			}
			withS.Set("s", "whatever")
			require.Equal(t, v.wantSign, Sign(v.secret, withS))
			withS.Set("s", v.wantSign)
			require.True(t, Verify(v.secret, withS))
		})
	}
}

func TestSignIsNotTheLegacyForm(t *testing.T) {
	// The legacy k=v& form of vector 1 (Flow's 2018 client signed that way)
	// gives another digest.
	p := signVectors[0].params
	mac := hmac.New(sha256.New, []byte("my secret"))
	mac.Write([]byte("apiKey=" + p.Get("apiKey") + "&token=" + p.Get("token")))
	legacy := hex.EncodeToString(mac.Sum(nil))
	require.Equal(t, "353d1eb3344d1c2ce5f7f69bf593c7bb8bdad050ee327568636f999ce4822e44", legacy)
	require.NotEqual(t, legacy, Sign("my secret", p))
}

func TestSignEmptyAndRepeatedValues(t *testing.T) {
	// An empty value is still signed (name only); repeated values are signed
	// in order, once each.
	require.Equal(t, "aapiKeykb", signingString(url.Values{"apiKey": {"k"}, "a": {""}, "b": {""}}))
	require.Equal(t, "a1a2", signingString(url.Values{"a": {"1", "2"}}))
}

func TestVerify(t *testing.T) {
	p := url.Values{"apiKey": {"k"}, "amount": {"5000"}}
	good := Sign("secret", p)

	signed := func(s ...string) url.Values {
		q := url.Values{"apiKey": {"k"}, "amount": {"5000"}}
		q["s"] = s
		return q
	}
	require.True(t, Verify("secret", signed(good)))
	require.False(t, Verify("other", signed(good)), "wrong secret")
	require.False(t, Verify("secret", signed()), "missing s")
	require.False(t, Verify("secret", signed(good, good)), "two s")
	require.False(t, Verify("secret", signed(strings.ToUpper(good))), "uppercase hex is not the documented form")
	tampered := signed(good)
	tampered.Set("amount", "5001")
	require.False(t, Verify("secret", tampered))
	extra := signed(good)
	extra.Set("extra", "1")
	require.False(t, Verify("secret", extra), "unknown params are signed too")
}

package httpapi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	same := func(a, b string) {
		t.Helper()
		ca, ok := canonicalJSON([]byte(a))
		require.True(t, ok, a)
		cb, ok := canonicalJSON([]byte(b))
		require.True(t, ok, b)
		require.Equal(t, string(ca), string(cb), "%s vs %s", a, b)
	}
	differ := func(a, b string) {
		t.Helper()
		ca, _ := canonicalJSON([]byte(a))
		cb, _ := canonicalJSON([]byte(b))
		require.NotEqual(t, string(ca), string(cb), "%s vs %s", a, b)
	}
	same(`{"name":"x","description":"y"}`, `{"description": "y", "name": "x"}`)
	same(`{"a":[1,{"c":2,"b":3}]}`, ` {"a":[ 1 , {"b":3,"c":2} ]}`+"\n")
	same(`{"s":"\u00e9x"}`, `{"s":"éx"}`)
	// Numbers are compared as written, never through a float64.
	differ(`{"n":9007199254740993}`, `{"n":9007199254740992}`)
	differ(`{"n":1e400}`, `{"n":2e400}`)
	differ(`{"a":[1,2]}`, `{"a":[2,1]}`)
	differ(`{"a":null}`, `{}`)

	for _, bad := range []string{`{"a":1} x`, `{"a":`, "", "{\"a\":\"\xff\"}"} {
		_, ok := canonicalJSON([]byte(bad))
		require.False(t, ok, bad)
	}
}

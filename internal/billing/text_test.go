package billing_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestPrefixEnd checks that [p, PrefixEnd(p)) holds exactly the texts that
// start with p, in byte order (Go's string comparison, as the stores').
func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct{ p, want string }{
		{"a", "b"},
		{"an", "ao"},
		{"pé", "pê"},
		{"z", "{"},
		{"\uD7FF", "\uE000"},
		{"a\U0010FFFF", "b"},
		{"\U0010FFFF", ""},
		{"", ""},
	} {
		require.Equal(t, c.want, billing.PrefixEnd(c.p), "%q", c.p)
	}
	texts := []string{"", "a", "an", "ana", "anb", "ao", "ap", "an\U0010FFFF", "anñ", "b", "añ", "am\U0010FFFF"}
	for _, p := range []string{"a", "an", "añ"} {
		end := billing.PrefixEnd(p)
		for _, s := range texts {
			require.Equal(t, strings.HasPrefix(s, p), s >= p && s < end, "%q in [%q, %q)", s, p, end)
		}
	}
}

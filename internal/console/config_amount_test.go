package console

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseMajor reads amounts as people type them, exactly, in the
// currency's decimals, and refuses the rest.
func TestParseMajor(t *testing.T) {
	for _, c := range []struct {
		in, currency string
		want         int64
		ok           bool
	}{
		{"$9.990", "CLP", 9990, true},
		{"9990", "CLP", 9990, true},
		{"9,990", "CLP", 9990, true},
		{"1.234.567", "CLP", 1234567, true},
		{"CLP 15.000", "CLP", 15000, true},
		{"9,5", "CLP", 0, false},
		{"9.99", "CLP", 0, false},
		{"12,50", "USD", 1250, true},
		{"12.50", "USD", 1250, true},
		{"12,5", "USD", 1250, true},
		{"US$ 1,234.56", "USD", 123456, true},
		{"1.234,56", "USD", 123456, true},
		{"1,234", "USD", 123400, true},
		{",5", "USD", 50, true},
		{"12.345", "USD", 1234500, true},
		{"1.2345", "USD", 0, false},
		{"1.23.4", "USD", 0, false},
		{"1,2,3", "USD", 0, false},
		{"1.234", "KWD", 1234, true},
		{"-5", "USD", 0, false},
		{"5e3", "USD", 0, false},
		{"", "USD", 0, false},
		{"$", "CLP", 0, false},
		{"99999999999999999999", "CLP", 0, false},
		{"10", "XXX", 0, false},
		{"1.000,5.5", "USD", 0, false},
	} {
		got, ok := parseMajor(c.in, c.currency)
		require.Equal(t, c.ok, ok, "%q %s", c.in, c.currency)
		require.Equal(t, c.want, got, "%q %s", c.in, c.currency)
	}
}

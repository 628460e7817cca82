package console

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseAmount reads amounts as people type them in each language,
// exactly, and refuses what is not one amount.
func TestParseAmount(t *testing.T) {
	for _, c := range []struct {
		l        *lang
		in, cur  string
		want     int64
		accepted bool
	}{
		{spanish, "$12.345", "CLP", 12345, true},
		{spanish, "12345", "CLP", 12345, true},
		{spanish, " 12.345 CLP ", "CLP", 12345, true},
		{spanish, "CLP 1.000.000", "CLP", 1000000, true},
		{spanish, "$12.345,00", "CLP", 12345, true}, // zero decimals change nothing
		{spanish, "$0", "CLP", 0, true},
		{spanish, "12,5", "CLP", 0, false}, // CLP has no decimals
		{spanish, "12.5", "CLP", 0, false}, // a group of one digit
		{spanish, "1234.567", "CLP", 0, false},
		{spanish, "12.34.5", "CLP", 0, false},
		{spanish, "-500", "CLP", 0, false},
		{spanish, "", "CLP", 0, false},
		{spanish, "$", "CLP", 0, false},
		{spanish, "12,", "CLP", 0, false},
		{spanish, "١٢", "CLP", 0, false}, // digits of another script
		{spanish, "99999999999999999999", "CLP", 0, false},
		{spanish, "US$12,50", "USD", 1250, true},
		{spanish, "12,505", "USD", 0, false}, // a third decimal that is not zero
		{spanish, "12,500", "USD", 1250, true},
		{english, "$12,345.50", "USD", 1234550, true},
		// A UF amount reads as the console writes it ("UF 2,5000"), or by
		// its code.
		{spanish, "UF 2,5", "CLF", 25000, true},
		{spanish, "UF\u00a012.345,0000", "CLF", 123450000, true},
		{spanish, "2,5 CLF", "CLF", 25000, true},
		{english, "UF 2.5", "CLF", 25000, true},
		{spanish, "2,50001", "CLF", 0, false},
		{english, "12.5", "USD", 1250, true},
		{english, "12,345", "CLP", 12345, true},
		{english, "12.345", "CLP", 0, false},
		{english, "1,2345", "USD", 0, false},
		{spanish, "100", "XXX1", 0, false},
	} {
		got, ok := parseAmount(c.l, c.in, c.cur)
		require.Equal(t, c.accepted, ok, "%s %q %s", c.l.Tag, c.in, c.cur)
		require.Equal(t, c.want, got, "%s %q %s", c.l.Tag, c.in, c.cur)
	}
	require.Equal(t, "$12.345", amountExample(spanish, "CLP"))
	// The example a refused UF amount shows is one the form reads back.
	ex := amountExample(spanish, "CLF")
	require.Equal(t, "UF\u00a012.345,0000", ex)
	got, ok := parseAmount(spanish, ex, "CLF")
	require.True(t, ok)
	require.Equal(t, int64(123450000), got)
}

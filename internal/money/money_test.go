package money

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDigits(t *testing.T) {
	tests := []struct {
		code   string
		digits int
		ok     bool
	}{
		{"CLP", 0, true},
		{"USD", 2, true},
		{"JPY", 0, true},
		{"KWD", 3, true},
		{"CLF", 4, true},
		{"usd", 0, false},
		{"", 0, false},
		{"ZZZ", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			d, ok := Digits(tt.code)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.digits, d)
		})
	}
}

func TestValidCurrency(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"CLP", true},
		{"USD", true},
		{"CLF", true},
		{"KWD", true},
		{"", false}, // bojanz's IsValid accepts "", we do not
		{"US", false},
		{"usd", false},
		{"Usd", false},
		{"USDX", false},
		{" USD", false},
		{"ZZZ", false},
		{"XXX", false},
		{"U$D", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			require.Equal(t, tt.want, ValidCurrency(tt.code))
		})
	}
}

func TestNormalizeCurrency(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"clp", "CLP", true},
		{"CLP", "CLP", true},
		{"Usd", "USD", true},
		{" usd ", "USD", true},
		{"", "", false},
		{"us", "", false},
		{"zzz", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := NormalizeCurrency(tt.in)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name   string
		amount Amount
		locale string
		want   string
	}{
		{"CLP es-CL", Amount{5000, "CLP"}, "es-CL", "$5.000"},
		{"CLP es-CL 19990", Amount{19990, "CLP"}, "es-CL", "$19.990"},
		{"USD en-US", Amount{5000, "USD"}, "en-US", "$50.00"},
		{"USD en", Amount{5000, "USD"}, "en", "$50.00"},
		{"USD en 1999", Amount{1999, "USD"}, "en", "$19.99"},
		{"USD cents", Amount{5, "USD"}, "en", "$0.05"},
		{"zero", Amount{0, "USD"}, "en", "$0.00"},
		{"negative USD", Amount{-1999, "USD"}, "en", "-$19.99"},
		// Negatives follow each locale's CLDR pattern: es-CL puts the
		// sign after the symbol (¤-#,##0), en before it (-¤#,##0).
		{"negative CLP", Amount{-5000, "CLP"}, "es-CL", "$-5.000"},
		{"negative USD in es-CL", Amount{-123456, "USD"}, "es-CL", "US$-1.234,56"},
		{"negative CLP in en", Amount{-5000, "CLP"}, "en", "-CLP\u00a05,000"},
		{"USD in es-CL", Amount{1999, "USD"}, "es-CL", "US$19,99"},
		{"underscore locale", Amount{1999, "USD"}, "es_cl", "US$19,99"},
		{"CLP in en", Amount{5000, "CLP"}, "en", "CLP\u00a05,000"},
		{"KWD", Amount{1234567, "KWD"}, "en", "KWD\u00a01,234.567"},
		// The UF is written "UF", as Chileans write it, in every locale.
		{"CLF es-CL", Amount{12345, "CLF"}, "es-CL", "UF\u00a01,2345"},
		{"CLF en", Amount{25000, "CLF"}, "en", "UF\u00a02.5000"},
		{"CLF thousands es-CL", Amount{250000000, "CLF"}, "es-CL", "UF\u00a025.000,0000"},
		{"negative CLF es-CL", Amount{-16667, "CLF"}, "es-CL", "UF-1,6667"},
		{"JPY ja", Amount{5000, "JPY"}, "ja", "￥5,000"},
		{"unknown locale", Amount{1999, "USD"}, "zz", "$19.99"},
		{"empty locale", Amount{1999, "USD"}, "", "$19.99"},
		{"junk locale", Amount{1999, "USD"}, "!!", "$19.99"},
		{"min int64", Amount{math.MinInt64, "USD"}, "en", "-$92,233,720,368,547,758.08"},
		{"max int64", Amount{math.MaxInt64, "USD"}, "en", "$92,233,720,368,547,758.07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Format(tt.amount, tt.locale)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// A value finer than the currency's minor unit (the UF's value in pesos
// with its centavos) is written with exactly its decimals, in the
// locale's pattern.
func TestFormatPrecise(t *testing.T) {
	for _, tt := range []struct {
		v            int64
		digits       int
		code, locale string
		want         string
	}{
		{3948565, 2, "CLP", "es-CL", "$39.485,65"},
		{3948565, 2, "CLP", "en", "CLP\u00a039,485.65"},
		{3948500, 2, "CLP", "es-CL", "$39.485,00"},
		{5, 2, "CLP", "es-CL", "$0,05"},
		{25000, 4, "CLF", "es-CL", "UF\u00a02,5000"},
	} {
		got, err := FormatPrecise(tt.v, tt.digits, tt.code, tt.locale)
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
	_, err := FormatPrecise(1, 2, "clp", "en")
	require.ErrorIs(t, err, ErrInvalidCurrency)
	_, err = FormatPrecise(1, 7, "CLP", "en")
	require.Error(t, err)
}

func TestFormatInvalidCurrency(t *testing.T) {
	for _, code := range []string{"", "usd", "ZZZ", "US"} {
		_, err := Format(Amount{100, code}, "en")
		require.ErrorIs(t, err, ErrInvalidCurrency, code)
	}
}

func TestAmountString(t *testing.T) {
	tests := []struct {
		amount Amount
		want   string
	}{
		{Amount{5000, "USD"}, "50.00 USD"},
		{Amount{5000, "CLP"}, "5000 CLP"},
		{Amount{1999, "USD"}, "19.99 USD"},
		{Amount{5, "USD"}, "0.05 USD"},
		{Amount{-5, "USD"}, "-0.05 USD"},
		{Amount{0, "USD"}, "0.00 USD"},
		{Amount{-19990, "CLP"}, "-19990 CLP"},
		{Amount{1, "KWD"}, "0.001 KWD"},
		{Amount{12345, "CLF"}, "1.2345 CLF"},
		{Amount{math.MinInt64, "USD"}, "-92233720368547758.08 USD"},
		{Amount{math.MaxInt64, "JPY"}, "9223372036854775807 JPY"},
		{Amount{5, "ZZZ"}, `5 minor units of "ZZZ"`},
		{Amount{}, `0 minor units of ""`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, tt.amount.String())
		})
	}
}

func TestProRata(t *testing.T) {
	tests := []struct {
		name             string
		amount, num, den int64
		want             int64
	}{
		{"whole", 5000, 1, 1, 5000},
		{"half period", 5000, 15, 30, 2500},
		{"exact half rounds up", 5, 1, 2, 3},        // 2.5 → 3
		{"negative half rounds down", -5, 1, 2, -3}, // -2.5 → -3
		{"negative num half", 5, -1, 2, -3},         // -2.5 → -3
		{"both negative half", -5, -1, 2, 3},        // 2.5 → 3
		{"1.5 → 2", 3, 1, 2, 2},
		{"-1.5 → -2", -3, 1, 2, -2},
		{"below half", 7, 1, 3, 2},            // 2.33 → 2
		{"above half", 8, 1, 3, 3},            // 2.67 → 3
		{"negative below half", -7, 1, 3, -2}, // -2.33 → -2
		{"negative above half", -8, 1, 3, -3}, // -2.67 → -3
		{"zero amount", 0, 7, 9, 0},
		{"zero num", 5000, 0, 9, 0},
		{"USD 19.99 one third", 1999, 1, 3, 666},                                  // 666.33
		{"USD 19.99 two thirds", 1999, 2, 3, 1333},                                // 1332.67
		{"CLP 19990 over 30 days, 17 left", 19990, 17 * 86400, 30 * 86400, 11328}, // 11327.67
		{"overflow-range product", 9e15, 1e6, 1e6, 9e15},
		{"overflow-range product half", 9e15 + 1, 5e5, 1e6, 4500000000000001}, // 4.5e15 + 0.5
		{"max int64 identity", math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64},
		{"min int64 identity", math.MinInt64, 1e9, 1e9, math.MinInt64},
		{"num > den", 1000, 3, 2, 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ProRata(tt.amount, tt.num, tt.den)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestProRataErrors(t *testing.T) {
	_, err := ProRata(100, 1, 0)
	require.ErrorIs(t, err, ErrInvalidDenominator)
	_, err = ProRata(100, 1, -5)
	require.ErrorIs(t, err, ErrInvalidDenominator)
	_, err = ProRata(math.MaxInt64, 2, 1)
	require.ErrorIs(t, err, ErrOverflow)
	_, err = ProRata(math.MinInt64, 2, 1)
	require.ErrorIs(t, err, ErrOverflow)
	_, err = ProRata(math.MinInt64, -1, 1) // +2^63 does not fit
	require.ErrorIs(t, err, ErrOverflow)
	_, err = ProRata(math.MaxInt64, 3, 2) // rounding pushes past the limit too
	require.ErrorIs(t, err, ErrOverflow)
}

func TestPercentOf(t *testing.T) {
	tests := []struct {
		name        string
		amount, bps int64
		want        int64
	}{
		{"12.5% of 1000", 1000, 1250, 125},
		{"19% IVA of 19990", 19990, 1900, 3798}, // 3798.1
		{"19% IVA of 10000", 10000, 1900, 1900},
		{"12.5% of 4 exact half", 4, 1250, 1},    // 0.5 → 1
		{"12.5% of -4 exact half", -4, 1250, -1}, // -0.5 → -1
		{"12.5% of 20 half", 20, 1250, 3},        // 2.5 → 3
		{"12.5% of -20 half", -20, 1250, -3},     // -2.5 → -3
		{"negative bps", 20, -1250, -3},
		{"0%", 1999, 0, 0},
		{"100%", 1999, 10000, 1999},
		{"0.01% of 1", 1, 1, 0},
		{"50% of 1", 1, 5000, 1},                                   // 0.5 → 1
		{"50% of -1", -1, 5000, -1},                                // -0.5 → -1
		{"large amount", math.MaxInt64, 5000, 4611686018427387904}, // (2^63-1)/2 = ...903.5 → ...904
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PercentOf(tt.amount, tt.bps)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestPercentOfOverflow(t *testing.T) {
	_, err := PercentOf(math.MaxInt64, 20000)
	require.ErrorIs(t, err, ErrOverflow)
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name   string
		total  int64
		ratios []int64
		want   []int64
	}{
		{"three ways", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{"USD 19.99 three ways", 1999, []int64{1, 1, 1}, []int64{667, 666, 666}},
		{"two leftovers", 5, []int64{1, 1, 1}, []int64{2, 2, 1}},
		{"negative total", -100, []int64{1, 1, 1}, []int64{-34, -33, -33}},
		{"weighted", 100, []int64{70, 20, 10}, []int64{70, 20, 10}},
		{"weighted leftovers", 101, []int64{3, 7}, []int64{31, 70}}, // 30.3, 70.7
		{"single", 12345, []int64{9}, []int64{12345}},
		{"zero total", 0, []int64{1, 2}, []int64{0, 0}},
		{"zero ratio keeps zero", 100, []int64{0, 1, 1, 1}, []int64{0, 34, 33, 33}},
		{"fewer units than parts", 2, []int64{1, 1, 1, 1}, []int64{1, 1, 0, 0}},
		{"large total", math.MaxInt64, []int64{1, 1}, []int64{4611686018427387904, 4611686018427387903}},
		{"min total", math.MinInt64, []int64{1, 2}, []int64{-3074457345618258603, -6148914691236517205}},
		{"large ratios", 1000, []int64{math.MaxInt64 / 2, math.MaxInt64 / 2}, []int64{500, 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Allocate(tt.total, tt.ratios)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			var sum int64
			for _, p := range got {
				sum += p
			}
			require.Equal(t, tt.total, sum)
		})
	}
}

func TestAllocateSumsExactly(t *testing.T) {
	ratioSets := [][]int64{{1, 1, 1}, {1, 2, 3, 4}, {7, 0, 13}, {86400 * 30, 86400 * 17}, {1, 1, 1, 1, 1, 1, 1}}
	for _, ratios := range ratioSets {
		for total := int64(-1000); total <= 1000; total += 7 {
			got, err := Allocate(total, ratios)
			require.NoError(t, err)
			var sum int64
			for i, p := range got {
				sum += p
				if ratios[i] == 0 {
					require.Zero(t, p)
				}
			}
			require.Equal(t, total, sum, "total %d ratios %v", total, ratios)
		}
	}
}

func TestAllocateErrors(t *testing.T) {
	tests := []struct {
		name   string
		ratios []int64
	}{
		{"nil", nil},
		{"empty", []int64{}},
		{"all zero", []int64{0, 0}},
		{"negative", []int64{1, -1}},
		{"sum overflow", []int64{math.MaxInt64, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Allocate(100, tt.ratios)
			require.ErrorIs(t, err, ErrInvalidRatios)
		})
	}
}

func TestDecimal(t *testing.T) {
	t.Parallel()
	require.Equal(t, "50.00", Amount{Minor: 5000, Currency: "USD"}.Decimal())
	require.Equal(t, "5000", Amount{Minor: 5000, Currency: "CLP"}.Decimal())
	require.Equal(t, "-0.05", Amount{Minor: -5, Currency: "USD"}.Decimal())
	require.Equal(t, "12", Amount{Minor: 12, Currency: "ZZZ"}.Decimal())
}

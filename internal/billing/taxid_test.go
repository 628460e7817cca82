package billing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestNormalizeRUT(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" means refused
	}{
		{"76.086.428-5", "76086428-5"},
		{"76086428-5", "76086428-5"},
		{"760864285", "76086428-5"},
		{" 76 086 428 - 5 ", "76086428-5"},
		{"11.111.111-1", "11111111-1"},
		{"10.000.013-k", "10000013-K"},
		{"10000013-K", "10000013-K"},
		{"10.000.004-0", "10000004-0"},
		{"5.126.663-3", "5126663-3"},
		{"1.000.005-K", "1000005-K"},
		{"012345678-5", "12345678-5"},
		{"12345678-K", ""}, // the check digit is 5
		{"76.086.428-4", ""},
		{"10000013-0", ""},
		{"7608642A-5", ""},
		{"-5", ""},
		{"5", ""},
		{"", ""},
		{"0-0", ""},
		{"1234567890-1", ""},
		{"76.086.428-55", ""},
	} {
		got, err := billing.NormalizeRUT(tc.in)
		if tc.want == "" {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestFormatRUT(t *testing.T) {
	for in, want := range map[string]string{
		"76086428-5": "76.086.428-5",
		"5126663-3":  "5.126.663-3",
		"1000005-K":  "1.000.005-K",
		"999-9":      "999-9",
		"1-9":        "1-9",
		"weird":      "weird",
	} {
		require.Equal(t, want, billing.FormatRUT(in), in)
	}
}

func TestNormalizeTaxID(t *testing.T) {
	id, err := billing.NormalizeTaxID("tax_id", "cl_rut", "76.086.428-5")
	require.NoError(t, err)
	require.Equal(t, billing.TaxID{Type: "cl_rut", Value: "76086428-5"}, id)
	require.Equal(t, "76.086.428-5", billing.FormatTaxID(id))

	id, err = billing.NormalizeTaxID("tax_id", "cl_tin", "10000013-k")
	require.NoError(t, err)
	require.Equal(t, billing.TaxID{Type: "cl_rut", Value: "10000013-K"}, id, "Stripe's name for a RUT is stored as cl_rut")

	id, err = billing.NormalizeTaxID("tax_id", "ar_cuit", " 20-12345678-9 ")
	require.NoError(t, err)
	require.Equal(t, billing.TaxID{Type: "ar_cuit", Value: "20-12345678-9"}, id, "other countries' ids are kept as given")

	for _, tc := range []struct{ typ, value, param string }{
		{"cl_rut", "12345678-K", "tax_id.value"},
		{"cl_rut", "", "tax_id.value"},
		{"rut", "76086428-5", "tax_id.type"},
		{"", "76086428-5", "tax_id.type"},
		{"us_ein", string(make([]byte, 65)), "tax_id.value"},
		{"us_ein", "12\x003", "tax_id.value"},
	} {
		_, err := billing.NormalizeTaxID("tax_id", tc.typ, tc.value)
		e := billing.AsError(err)
		require.NotNil(t, e, "%s %q", tc.typ, tc.value)
		require.Equal(t, billing.CodeTaxIDInvalid, e.Code)
		require.Equal(t, tc.param, e.Param)
		require.Equal(t, billing.KindInvalid, e.Kind)
	}
}

func TestTaxIDLabel(t *testing.T) {
	require.Equal(t, "RUT", billing.TaxIDLabel("cl_rut"))
	require.Equal(t, "CUIT", billing.TaxIDLabel("ar_cuit"))
	require.Equal(t, "VAT", billing.TaxIDLabel("eu_vat"))
}

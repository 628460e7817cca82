package billing_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestNormalizeColor(t *testing.T) {
	got, err := billing.NormalizeColor("brand_color", "#0B5FFF")
	require.NoError(t, err)
	require.Equal(t, "#0b5fff", got)
	for _, bad := range []string{"", "0b5fff", "#0b5ff", "#0b5fffa", "#gggggg", "red", "#0b5fff "} {
		_, err := billing.NormalizeColor("brand_color", bad)
		e := billing.AsError(err)
		require.NotNil(t, e, bad)
		require.Equal(t, "brand_color", e.Param)
		require.Equal(t, billing.CodeParameterInvalid, e.Code)
	}
}

func TestBrandContrast(t *testing.T) {
	for _, tc := range []struct{ in, text, accent string }{
		{"#000000", "#ffffff", "#000000"},
		{"#ffffff", "#000000", "#6c6c6c"}, // white is darkened until it reads on white
		{"#ffeb3b", "#000000", ""},        // a light yellow takes black text
		{"#0b5fff", "#ffffff", "#0b5fff"}, // a dark blue already reads on white
		{"", "#ffffff", "#0b5fff"},        // the default colour
	} {
		b := billing.Brand(tc.in)
		require.Equal(t, tc.text, b.Text, tc.in)
		if tc.accent != "" {
			require.Equal(t, tc.accent, b.Accent, tc.in)
		}
	}
}

func testPNG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestSniffLogo(t *testing.T) {
	ct, err := billing.SniffLogo("logo", testPNG(t, 40, 20))
	require.NoError(t, err)
	require.Equal(t, billing.LogoPNG, ct)

	ct, err = billing.SniffLogo("logo", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`))
	require.NoError(t, err)
	require.Equal(t, billing.LogoSVG, ct)

	for name, data := range map[string][]byte{
		"text":             []byte("hello"),
		"html":             []byte("<html><body>x</body></html>"),
		"svg with doctype": []byte(`<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`),
		"broken svg":       []byte(`<svg xmlns="http://www.w3.org/2000/svg"><g></svg>`),
		"other namespace":  []byte(`<svg xmlns="urn:x"/>`),
		"truncated png":    testPNG(t, 40, 20)[:40],
		"jpeg":             {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'},
		"empty":            {},
		"png too wide":     testPNG(t, 5000, 1),
		"not utf-8 svg":    []byte("<svg xmlns=\"http://www.w3.org/2000/svg\">\xff</svg>"),
	} {
		_, err := billing.SniffLogo("logo", data)
		e := billing.AsError(err)
		require.NotNil(t, e, name)
		require.Equal(t, billing.CodeLogoInvalid, e.Code, name)
		require.Equal(t, "logo", e.Param, name)
	}

	_, err = billing.SniffLogo("logo", make([]byte, billing.MaxLogoBytes+1))
	e := billing.AsError(err)
	require.NotNil(t, e)
	require.Equal(t, billing.CodeLogoTooLarge, e.Code)
	require.Equal(t, billing.KindTooLarge, e.Kind)
}

func TestAddress(t *testing.T) {
	a, err := billing.NormalizeAddress("address", billing.Address{Line1: " Av. Providencia 1234 ", Line2: "Of. 501",
		District: "Providencia", City: "Santiago", State: "Región Metropolitana", Country: "cl"})
	require.NoError(t, err)
	require.Equal(t, "CL", a.Country)
	require.Equal(t, []string{"Av. Providencia 1234, Of. 501", "Providencia, Santiago", "Región Metropolitana", "Chile"}, a.Lines("es-CL"))
	require.Equal(t, []string{"Santiago", "United States"}, billing.Address{District: "Santiago", City: "Santiago", Country: "US"}.Lines("en"))

	_, err = billing.NormalizeAddress("address", billing.Address{Country: "Chile"})
	require.Equal(t, "address.country", billing.AsError(err).Param)
	_, err = billing.NormalizeAddress("address", billing.Address{Line1: "a\nb"})
	require.Equal(t, "address.line1", billing.AsError(err).Param)
}

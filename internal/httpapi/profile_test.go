package httpapi_test

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

func smallPNG(t *testing.T) []byte {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 4))))
	return buf.Bytes()
}

// TestMerchantProfile sets, reads and refuses profile fields on both
// stores.
func TestMerchantProfile(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			_, b := setupOn(t, httpapi.Config{}, kind)
			m := ok[httpapi.MerchantJSON](t, b.do(t, http.MethodPatch, "/v1/merchant", b.a, map[string]any{
				"legal_name": "Agente Inmobiliario SpA", "tax_id": "76.086.428-5", "activity": "Servicios de software",
				"address": map[string]any{"line1": "Av. Providencia 1234", "district": "Providencia", "city": "Santiago",
					"state": "Región Metropolitana", "country": "cl"},
				"support_email": "soporte@agente.cl", "support_phone": "+56 2 2345 6789", "brand_color": "#0B5FFF", "locale": "en",
			}))
			require.Equal(t, "76086428-5", *m.TaxID, "stored normalised")
			require.Equal(t, "#0b5fff", *m.BrandColor)
			require.Equal(t, "CL", m.Address.Country)
			require.Equal(t, "Providencia", m.Address.District)
			require.Equal(t, "en", m.Locale)
			require.Nil(t, m.LogoURL)

			got := ok[httpapi.MerchantJSON](t, b.get(t, b.a, "/v1/merchant"))
			require.Equal(t, m, got)

			for _, tc := range []struct {
				body        map[string]any
				code, param string
			}{
				{map[string]any{"tax_id": "12.345.678-K"}, "tax_id_invalid", "tax_id"},
				{map[string]any{"tax_id": "hello"}, "tax_id_invalid", "tax_id"},
				{map[string]any{"brand_color": "blue"}, "parameter_invalid", "brand_color"},
				{map[string]any{"brand_color": "#12345"}, "parameter_invalid", "brand_color"},
				{map[string]any{"support_email": "nope"}, "parameter_invalid", "support_email"},
				{map[string]any{"support_phone": "call me"}, "parameter_invalid", "support_phone"},
				{map[string]any{"address": map[string]any{"country": "C1"}}, "parameter_invalid", "address.country"},
				{map[string]any{"locale": "fr"}, "parameter_invalid", "locale"},
			} {
				requireProblem(t, b.do(t, http.MethodPatch, "/v1/merchant", b.a, tc.body), http.StatusBadRequest, tc.code, tc.param)
			}
			require.Equal(t, m, ok[httpapi.MerchantJSON](t, b.get(t, b.a, "/v1/merchant")), "nothing half-written")

			// "" removes a field.
			m = ok[httpapi.MerchantJSON](t, b.do(t, http.MethodPatch, "/v1/merchant", b.a, map[string]any{"tax_id": "", "brand_color": ""}))
			require.Nil(t, m.TaxID)
			require.Nil(t, m.BrandColor)
		})
	}
}

// TestMerchantLogo uploads, serves and refuses logos on both stores.
func TestMerchantLogo(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			_, b := setupOn(t, httpapi.Config{}, kind)
			pngData := smallPNG(t)
			// The declared type is not trusted: a PNG sent as SVG is a PNG.
			m := ok[httpapi.MerchantJSON](t, b.do(t, http.MethodPut, "/v1/merchant/logo", b.a, pngData, "Content-Type", "image/svg+xml"))
			require.NotNil(t, m.LogoURL)
			require.True(t, strings.HasSuffix(*m.LogoURL, ".png"), *m.LogoURL)

			svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>`)
			m = ok[httpapi.MerchantJSON](t, b.do(t, http.MethodPut, "/v1/merchant/logo", b.a, svg, "Content-Type", "image/svg+xml"))
			require.True(t, strings.HasSuffix(*m.LogoURL, ".svg"), *m.LogoURL)

			requireProblem(t, b.do(t, http.MethodPut, "/v1/merchant/logo", b.a, []byte("<html><script>alert(1)</script></html>"), "Content-Type", "image/png"),
				http.StatusBadRequest, "logo_invalid", "logo")
			requireProblem(t, b.do(t, http.MethodPut, "/v1/merchant/logo", b.a, []byte("GIF89a...."), "Content-Type", "image/png"),
				http.StatusBadRequest, "logo_invalid", "logo")
			big := append(bytes.Clone(pngData), make([]byte, billing.MaxLogoBytes)...)
			requireProblem(t, b.do(t, http.MethodPut, "/v1/merchant/logo", b.a, big, "Content-Type", "image/png"),
				http.StatusRequestEntityTooLarge, "logo_too_large", "logo")
			require.Equal(t, m, ok[httpapi.MerchantJSON](t, b.get(t, b.a, "/v1/merchant")), "a refused logo leaves the old one")

			m = ok[httpapi.MerchantJSON](t, b.do(t, http.MethodDelete, "/v1/merchant/logo", b.a, nil))
			require.Nil(t, m.LogoURL)
		})
	}
}

// TestCustomerTaxProfile sets and refuses a customer's tax profile on
// both stores.
func TestCustomerTaxProfile(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			_, b := setupOn(t, httpapi.Config{}, kind)
			c := b.createCustomer(t, b.a, map[string]any{
				"email": "compras@aromos.cl", "name": "Pedro", "legal_name": "Inmobiliaria Los Aromos SpA",
				"preferred_locales": []string{"en", "es-CL"},
				"address":           map[string]any{"line1": "Los Aromos 55", "district": "Ñuñoa", "city": "Santiago", "country": "CL"},
				"tax_id_data":       []map[string]any{{"type": "cl_rut", "value": "76.086.428-5"}, {"type": "ar_cuit", "value": "20-12345678-9"}},
			})
			require.Equal(t, "Inmobiliaria Los Aromos SpA", *c.LegalName)
			require.Equal(t, []string{"en"}, c.PreferredLocales)
			require.Equal(t, "en", c.Locale)
			require.Equal(t, []billing.TaxID{{Type: "cl_rut", Value: "76086428-5"}, {Type: "ar_cuit", Value: "20-12345678-9"}}, c.TaxIDs)
			require.Equal(t, "Ñuñoa", c.Address.District)

			for _, tc := range []struct {
				body  map[string]any
				param string
			}{
				{map[string]any{"tax_id_data": []map[string]any{{"type": "cl_rut", "value": "12345678-K"}}}, "tax_id_data[0].value"},
				{map[string]any{"tax_id_data": []map[string]any{{"type": "cl_rut", "value": "76086428-5"}, {"type": "cl_tin", "value": "1-1"}}}, "tax_id_data[1].value"},
				{map[string]any{"tax_id_data": []map[string]any{{"type": "RUT", "value": "76086428-5"}}}, "tax_id_data[0].type"},
			} {
				requireProblem(t, b.post(t, b.a, "/v1/customers/"+c.ID, tc.body), http.StatusBadRequest, "tax_id_invalid", tc.param)
				requireProblem(t, b.post(t, b.a, "/v1/customers", tc.body), http.StatusBadRequest, "tax_id_invalid", tc.param)
			}
			require.Equal(t, c, ok[apiobj.CustomerJSON](t, b.get(t, b.a, "/v1/customers/"+c.ID)), "nothing half-written")

			c = ok[apiobj.CustomerJSON](t, b.post(t, b.a, "/v1/customers/"+c.ID, map[string]any{"tax_id_data": []any{}, "preferred_locales": []string{}}))
			require.Empty(t, c.TaxIDs)
			require.Empty(t, c.PreferredLocales)
			require.Equal(t, "Inmobiliaria Los Aromos SpA", *c.LegalName, "kept")
		})
	}
}

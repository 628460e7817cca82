package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMerchantProfileOnPages sets a merchant's legal profile, brand colour
// and logo, and a customer's tax profile, then reads them where customers
// see them: the invoice page (with its honest name and test mark), its PDF
// and the pricing table, at phone width; the logo is served with a policy
// that lets it run nothing.
func TestMerchantProfileOnPages(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)

	img := image.NewRGBA(image.Rect(0, 0, 160, 48))
	for x := range 160 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: 0x8a, G: 0x1c, B: 0x7c, A: 255})
		}
	}
	var logo bytes.Buffer
	require.NoError(t, png.Encode(&logo, img))
	m := s.putLogo(logo.Bytes(), "application/octet-stream")
	logoURL := m["logo_url"].(string)
	require.True(t, strings.HasPrefix(logoURL, s.url+"/logos/"), logoURL)
	s.ok("PATCH", "/v1/merchant", map[string]any{"legal_name": "Corredora Sur SpA", "tax_id": "76.086.428-5",
		"activity": "Corretaje de propiedades", "brand_color": "#8a1c7c", "support_email": "ayuda@corredorasur.cl",
		"address": map[string]any{"line1": "Av. Apoquindo 3000", "district": "Las Condes", "city": "Santiago", "country": "CL"}})

	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "compras@aromos.cl", "name": "Pedro Soto",
		"legal_name": "Inmobiliaria Los Aromos SpA", "tax_id_data": []map[string]any{{"type": "cl_rut", "value": "10.000.013-K"}}})
	inv := s.ok("POST", "/v1/invoices", map[string]any{"customer": cus["id"], "collection": "send_invoice", "days_until_due": 14,
		"auto_finalize": true, "currency": "CLP", "items": []map[string]any{{"amount": 45000, "description": "Tasación comercial"}}})
	number := inv["number"].(string)

	b.visit(inv["hosted_invoice_url"].(string), "#pay")
	require.Equal(t, "Documento de cobro "+number, b.text("#invoice-title"))
	require.Equal(t, "PRUEBA", b.text("#test-mark"))
	require.Equal(t, "Corredora Sur SpA", b.text("#merchant-legal-name"))
	require.Equal(t, "76.086.428-5", b.text("#merchant-rut"))
	require.Equal(t, "Corretaje de propiedades", b.text("#merchant-activity"))
	require.Equal(t, "Av. Apoquindo 3000, Las Condes, Santiago, Chile", b.text("#merchant-address"))
	require.Equal(t, "Inmobiliaria Los Aromos SpA", b.text("#bill-to-name"))
	require.Contains(t, b.text("#bill-to"), "RUT 10.000.013-K")
	require.Equal(t, logoURL, evaluate[string](b, `document.querySelector('#merchant-logo').src`))
	require.Equal(t, 160, evaluate[int](b, `document.querySelector('#merchant-logo').naturalWidth`), "the logo loads under the page's policy")
	require.Equal(t, "rgb(138, 28, 124)", evaluate[string](b, `getComputedStyle(document.querySelector('#pay')).backgroundColor`), "the brand colour paints the button")
	require.Equal(t, "rgb(255, 255, 255)", evaluate[string](b, `getComputedStyle(document.querySelector('#pay')).color`), "readable on it")
	b.checkPage()

	// The PDF says the same.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url+"/v1/invoices/"+inv["id"].(string)+"/pdf", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.key)
	pdfRes, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer pdfRes.Body.Close()
	pdf, err := io.ReadAll(pdfRes.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, pdfRes.StatusCode, "%s", pdf)
	cmd := exec.CommandContext(t.Context(), "pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	require.NoError(t, err)
	text := string(out)
	for _, want := range []string{"Corredora Sur", "Corredora Sur SpA", "RUT: 76.086.428-5", "Inmobiliaria Los Aromos SpA", "RUT 10.000.013-K", "PRUEBA", "DOCUMENTO DE COBRO"} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, strings.ToLower(text), "factura")

	// The logo itself: its content type, immutable caching and a policy
	// under which it can run nothing.
	logoRes, err := http.Get(logoURL)
	require.NoError(t, err)
	defer logoRes.Body.Close()
	require.Equal(t, http.StatusOK, logoRes.StatusCode)
	require.Equal(t, "image/png", logoRes.Header.Get("Content-Type"))
	require.Equal(t, "nosniff", logoRes.Header.Get("X-Content-Type-Options"))
	require.Contains(t, logoRes.Header.Get("Content-Security-Policy"), "sandbox")
	require.Contains(t, logoRes.Header.Get("Cache-Control"), "immutable")

	// The pricing table shows the merchant too.
	prod := s.product("Plan Corredor", nil)
	s.price(prod, 15000, "CLP", "month")
	pk := s.ok("POST", "/v1/publishable_keys", map[string]any{})
	b.visit(s.url+"/pricing/"+pk["id"].(string), "#merchant-info")
	require.Equal(t, "es-CL", evaluate[string](b, `document.documentElement.lang`), "the merchant's default locale")
	require.Equal(t, "76.086.428-5", b.text("#merchant-rut"))
	require.Equal(t, 160, evaluate[int](b, `document.querySelector('#merchant-logo').naturalWidth`))
	b.checkPage()

	// ?lang= chooses the page's language over the merchant's.
	b.visit(s.url+"/pricing/"+pk["id"].(string)+"?lang=en", "#merchant-info")
	require.Equal(t, "en", evaluate[string](b, `document.documentElement.lang`))
	require.Contains(t, b.text("#merchant-info"), "RUT (Chilean tax ID) 76.086.428-5")
}

package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// fetch GETs u outside the browser and returns the response and its body.
func fetch(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, body
}

// TestPortalInvoiceLinksAndCancelReason: each invoice of the portal opens
// its page and downloads its PDF under the page's own link token (another
// token gets nothing); the page offers the same PDF; canceling asks why,
// refuses no reason, and the API shows the reason and the comment.
func TestPortalInvoiceLinksAndCancelReason(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	prod := s.product("Plan Oficina", nil)
	price := s.price(prod, 5000, "CLP", "month")
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "rosa@example.cl", "name": "Rosa Díaz", "locale": "es-CL"})
	cusID := cus["id"].(string)
	pm := s.ok("POST", "/v1/customers/"+cusID+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	sub := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cusID, "items": []map[string]any{{"price": price}}, "payment_method": pm["id"]})
	subID := sub["id"].(string)
	inv := s.ok("GET", "/v1/invoices?subscription="+subID, nil)["data"].([]any)[0].(map[string]any)
	invID, number := inv["id"].(string), inv["number"].(string)

	portal := s.ok("POST", "/v1/portal_sessions", map[string]any{"customer": cusID, "return_url": s.merchant + "/account"})
	b.visit(portal["url"].(string), "#invoice-"+invID)
	require.Equal(t, number, b.text("#open-"+invID))
	require.Equal(t, "PDF", b.text("#pdf-"+invID))
	b.checkPage()

	// The row's PDF link downloads the invoice's PDF.
	pdfURL := evaluate[string](b, `document.querySelector("#pdf-`+invID+`").href`)
	res, body := fetch(t, pdfURL)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
	require.Equal(t, `attachment; filename="comprobante-`+number+`-prueba.pdf"`, res.Header.Get("Content-Disposition"), "named as the document it is (billing.DocumentFilename)")
	require.True(t, strings.HasPrefix(string(body), "%PDF-"))
	// The token is the page's capability: a wrong one finds nothing.
	u, err := url.Parse(pdfURL)
	require.NoError(t, err)
	u.RawQuery = url.Values{"t": {"x" + u.Query().Get("t")[1:]}}.Encode()
	res, _ = fetch(t, u.String())
	require.Equal(t, http.StatusNotFound, res.StatusCode)

	// The row's page link opens the invoice's page, which offers the PDF.
	b.click("#open-"+invID, "#invoice-number")
	require.Equal(t, number, b.text("#invoice-number"))
	require.Equal(t, "Descargar PDF", b.text("#download-pdf"))
	require.Equal(t, pdfURL, evaluate[string](b, `document.querySelector("#download-pdf").href`))
	b.checkPage()

	// Cancel: the form asks why; without a reason the server refuses.
	b.visit(portal["url"].(string), "#cancel-"+subID)
	b.click("#cancel-"+subID, "#confirm-cancel")
	require.Contains(t, b.text("legend"), "¿Por qué cancelas?")
	require.Equal(t, "Es demasiado caro", b.text(`label[for="feedback-too_expensive"]`))
	b.checkPage()
	pu, err := url.Parse(portal["url"].(string))
	require.NoError(t, err)
	form := url.Values{"token": {pu.Query().Get("token")}}
	cancelURL := s.url + pu.Path + "/cancel/" + subID
	req, err := http.NewRequest(http.MethodPost, cancelURL, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.url)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	page, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, string(page), "Elige un motivo para cancelar.")
	require.Equal(t, false, s.ok("GET", "/v1/subscriptions/"+subID, nil)["cancel_at_period_end"])

	b.choose("#feedback-too_expensive")
	b.run(chromedp.SendKeys(chromedp.CSS("#comment"), "Muy caro para una oficina chica")) // empty: nothing to clear
	b.click("#confirm-cancel", "#notice")
	got := s.ok("GET", "/v1/subscriptions/"+subID, nil)
	require.Equal(t, true, got["cancel_at_period_end"])
	require.Equal(t, map[string]any{"reason": "requested_by_customer", "feedback": "too_expensive",
		"comment": "Muy caro para una oficina chica"}, got["cancellation_details"])
}

// TestOneTimeCheckoutThanks: a one-time checkout without success_url says
// "Pagar", shows the merchant's IVA 19 % (exclusive) on top of the price,
// and ends on cuota's thank-you page, which says what was bought, the IVA
// and what was paid, and opens the customer's portal, where the invoice
// is listed.
func TestOneTimeCheckoutThanks(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	b := newTab(t)
	iva := s.ok("POST", "/v1/tax_rates", map[string]any{"display_name": "IVA", "percentage": 19, "inclusive": false, "country": "CL"})
	s.ok("PATCH", "/v1/merchant", map[string]any{"default_tax_rates": []string{iva["id"].(string)}})
	prod := s.product("Kit de bienvenida", nil)
	price := s.ok("POST", "/v1/prices", map[string]any{"product": prod, "unit_amount": 15000, "currency": "CLP"})["id"].(string)
	cs := s.ok("POST", "/v1/checkout_sessions", map[string]any{"mode": "payment", "locale": "es-CL",
		"line_items": []map[string]any{{"price": price, "quantity": 2}}, "cancel_url": s.merchant + "/shop"})
	id := cs["id"].(string)

	b.visit(cs["url"].(string), "#pay")
	require.Equal(t, "Pagar", b.text("#title"))
	require.Equal(t, "$30.000", b.text("#subtotal"))
	require.Equal(t, "IVA 19 % $5.700", b.text(".tax"))
	require.Equal(t, "$35.700", b.text("#total"))
	b.checkPage()
	b.typeInto("#email", "ines@example.cl")
	b.click("#pay", "#card-"+billing.SimTokVisa)
	b.choose("#card-" + billing.SimTokVisa)
	b.click("#pay", "#thanks-title")
	require.Contains(t, b.location(), "/checkout/"+id+"/thanks?session_id="+id+"&token=")
	require.Equal(t, "Tu pago a Corredora Sur fue recibido.", b.text("#thanks-body"))
	require.Equal(t, "2 × Kit de bienvenida $15.000", b.text("#bought"))
	require.Equal(t, "IVA 19 % $5.700", b.text(".tax"))
	require.Equal(t, "$35.700", b.text("#paid-today"))
	b.absent("#next-charge")
	require.Equal(t, "Ver mis compras y documentos", b.text("#to-portal"))
	b.checkPage()

	// Without the link's token the page is not found.
	res, _ := fetch(t, s.url+"/checkout/"+id+"/thanks")
	require.Equal(t, http.StatusNotFound, res.StatusCode)

	invID := s.ok("GET", "/v1/checkout_sessions/"+id, nil)["invoice"].(string)
	b.click("#to-portal", "#invoice-"+invID)
	b.click("#return", "#merchant-page")
	require.Equal(t, s.merchant+"/shop", b.location())
}

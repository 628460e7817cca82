package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// widths are the screens every customer page is checked at: a small phone
// and a laptop.
var widths = []int{375, 1280}

// resize sets the tab's viewport width (and a phone's or a laptop's
// height).
func (b *tab) resize(width int) {
	b.t.Helper()
	height := 812
	if width > 800 {
		height = 900
	}
	b.run(chromedp.EmulateViewport(int64(width), int64(height)))
	// A phone's scrollbars float over the page; desktop Chromium's take
	// 15 px of the layout and are left out of screenshots. Hidden, the page
	// is laid out and shot at the full width (through the CSSOM, which the
	// pages' style policy allows).
	evaluate[int](b, `document.styleSheets[0].insertRule('::-webkit-scrollbar { display: none }', 0)`)
}

// requireFits fails when anything on the page sticks out of the screen
// sideways, or when a scrolling box (the portal's table) has to scroll:
// every element's right edge is within the viewport, and no element
// marked .table-wrap is wider inside than out.
func (b *tab) requireFits() {
	b.t.Helper()
	width := evaluate[int](b, `document.documentElement.clientWidth`)
	over := evaluate[[]string](b, `[...document.querySelectorAll('main *')]
		.filter(e => e.getClientRects().length && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
		.map(e => e.tagName + '#' + e.id + '.' + e.className)`)
	require.Empty(b.t, over, "elements past the right edge at %d px on %s", width, b.location())
	scrolls := evaluate[[]string](b, `[...document.querySelectorAll('.table-wrap')]
		.filter(e => e.scrollWidth > e.clientWidth).map(e => e.id || e.className)`)
	require.Empty(b.t, scrolls, "boxes that scroll sideways at %d px on %s", width, b.location())
}

// requireOneLine fails when sel's text breaks over two lines (an invoice
// number cut after its hyphen).
func (b *tab) requireOneLine(sel string) {
	b.t.Helper()
	lines := evaluate[int](b, `(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector(`+"`"+sel+"`"+`));
		return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size })()`)
	require.Equal(b.t, 1, lines, "%s breaks over lines at %d px", sel, evaluate[int](b, `window.innerWidth`))
}

// shoot checks the page at each width and, when dir is set, saves a
// full-page screenshot of it at each as dir/name-WIDTH.png.
func (b *tab) shoot(dir, name string, oneLine ...string) {
	b.t.Helper()
	for _, w := range widths {
		b.resize(w)
		b.requireFits()
		for _, sel := range oneLine {
			b.requireOneLine(sel)
		}
		if dir != "" {
			shot := get(b, chromedp.FullScreenshot(100))
			require.NoError(b.t, os.WriteFile(filepath.Join(dir, name+"-"+strconv.Itoa(w)+".png"), shot, 0o644))
		}
	}
	b.resize(375)
}

// brandLogo is a small PNG logo in the merchant's colour.
func brandLogo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 48))
	for x := range 160 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: 0x0b, G: 0x5c, B: 0x8a, A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestInvoiceAsTheCustomerGetsIt makes one invoice as a Chilean merchant's
// customer receives it — a merchant with RUT, giro, address and logo, IVA
// 19 % exclusive as its default, a customer with RUT, two seats of Agente
// Pro (CLP 25.000 each) with the promotion code VERANO (20 %) — and reads
// it everywhere it reaches the customer: its page, its PDF (pdftotext),
// the receipt email as the SMTP server received it, the portal, a
// checkout and its thank-you page. The numbers: 2 × 25.000 = 50.000,
// less 10.000, 40.000 of net, IVA 7.600, total 47.600. Every page is
// checked at 375 and 1280 px: nothing sticks out, no table scrolls, and
// document numbers never break. With CUOTA_E2E_DOCS set to a directory,
// the test leaves there what it read: the pages' screenshots, the PDF,
// its text and its first page as a PNG, and the email (email.txt).
func TestInvoiceAsTheCustomerGetsIt(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("CUOTA_E2E_DOCS")
	if dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTPSender(smtp.Config())
	require.NoError(t, err)
	s := newStackWith(t, app.Mailer{Sender: sender, From: "cobros@agenteia.cl"}).asMerchant("Agente IA", "es-CL")
	b := newTab(t)

	s.putLogo(brandLogo(t), "image/png")
	s.ok("PATCH", "/v1/merchant", map[string]any{"legal_name": "Agente IA SpA", "tax_id": "76.086.428-5",
		"activity": "Desarrollo de software", "brand_color": "#0b5c8a", "support_email": "ayuda@agenteia.cl",
		"address": map[string]any{"line1": "Av. Providencia 1208, of. 1603", "district": "Providencia", "city": "Santiago", "country": "CL"}})
	iva := s.ok("POST", "/v1/tax_rates", map[string]any{"display_name": "IVA", "percentage": 19, "country": "CL"})
	s.ok("PATCH", "/v1/merchant", map[string]any{"default_tax_rates": []string{iva["id"].(string)}})
	pro := s.product("Agente Pro", map[string]int64{"properties": 50})
	s.ok("POST", "/v1/products/"+pro, map[string]any{"feature_labels": map[string]any{
		"es-CL": map[string]string{"properties": "Propiedades publicadas"}, "en": map[string]string{"properties": "Listings"}}})
	month := s.price(pro, 25000, "CLP", "month")
	coupon := s.ok("POST", "/v1/coupons", map[string]any{"percent_off": 20, "duration": "once"})
	s.ok("POST", "/v1/promotion_codes", map[string]any{"coupon": coupon["id"], "code": "VERANO"})
	cus := s.ok("POST", "/v1/customers", map[string]any{"email": "compras@losaromos.cl", "name": "Pedro Soto",
		"legal_name": "Inmobiliaria Los Aromos SpA", "locale": "es-CL",
		"tax_id_data": []map[string]any{{"type": "cl_rut", "value": "10.000.013-K"}},
		"address":     map[string]any{"line1": "Los Aromos 455", "district": "Ñuñoa", "city": "Santiago", "country": "CL"}})
	cusID := cus["id"].(string)
	pm := s.ok("POST", "/v1/customers/"+cusID+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
	sub := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cusID, "payment_method": pm["id"],
		"promotion_code": "VERANO", "items": []map[string]any{{"price": month, "quantity": 2}}})
	invs := s.ok("GET", "/v1/invoices?subscription="+sub["id"].(string), nil)["data"].([]any)
	require.Len(t, invs, 1)
	inv := invs[0].(map[string]any)
	number := inv["number"].(string)
	require.Equal(t, "paid", inv["status"])
	for k, want := range map[string]float64{"subtotal": 50000, "tax": 7600, "total": 47600, "amount_paid": 47600} {
		require.EqualValues(t, want, inv[k], k)
	}

	// The invoice's page.
	b.visit(inv["hosted_invoice_url"].(string), "#invoice-number")
	require.Equal(t, "Comprobante de pago "+number, b.text("#invoice-title"))
	require.Equal(t, "PRUEBA", b.text("#test-mark"))
	lines := b.text("#lines")
	require.Contains(t, lines, "Agente Pro × 2 · ")
	require.Contains(t, lines, "$50.000")
	require.Equal(t, "Descuento VERANO (20 %)", b.text("#discount-name"))
	require.Equal(t, "$-10.000", b.text("#discount"), "es-CL's CLDR pattern, as everywhere")
	require.Equal(t, "IVA 19 % $7.600", b.text(".tax"))
	require.Equal(t, "$47.600", b.text("#total"))
	require.Contains(t, b.text("#bill-to"), "RUT 10.000.013-K")
	require.Equal(t, "76.086.428-5", b.text("#merchant-rut"))
	requireNoIDs(t, "the invoice page", pageText(b))
	b.checkPage()
	b.shoot(dir, "invoice", "#invoice-number")

	// Its PDF, as the customer downloads it from the page.
	pdfURL := evaluate[string](b, `document.querySelector("#download-pdf").href`)
	res, pdf := fetch(t, pdfURL)
	require.Equal(t, 200, res.StatusCode)
	text := pdfToText(t, pdf)
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{"COMPROBANTE DE PAGO", number, "PRUEBA", "Agente IA SpA", "RUT: 76.086.428-5", "Desarrollo de software",
		"Inmobiliaria Los Aromos SpA", "RUT 10.000.013-K", "Agente Pro × 2", "Descuento VERANO (20 %)", "$-10.000",
		"IVA 19 % $7.600", "$47.600"} {
		require.Contains(t, flat, want)
	}
	require.NotContains(t, strings.ToLower(flat), "factura")
	requireNoIDs(t, "the PDF", text)

	// The receipt email, as the SMTP server received it.
	_, err = s.app.Notifications.DispatchNotifications(t.Context())
	require.NoError(t, err)
	emails := s.ok("GET", "/v1/emails?type=payment_receipt", nil)["data"].([]any)
	require.Len(t, emails, 1)
	out, err := s.app.Notifications.SendEmail(t.Context(), app.SendEmailArgs{MerchantID: s.scope.MerchantID, Mode: s.scope.Mode,
		EmailID: emails[0].(map[string]any)["id"].(string)}, 1)
	require.NoError(t, err)
	require.False(t, out.Retry, out.Reason)
	msgs := smtp.Messages()
	require.Len(t, msgs, 1)
	msg := msgs[0]
	require.Equal(t, []string{"compras@losaromos.cl"}, msg.To)
	for _, want := range []string{number, "$47.600", "IVA 19\u00a0%: $7.600", "Agente IA SpA"} {
		require.Contains(t, msg.Text, want)
	}
	requireNoIDs(t, "the email's subject", msg.Subject)
	requireNoIDs(t, "the email's text", msg.Text)
	requireNoIDs(t, "the email's HTML", tagText.ReplaceAllString(msg.HTML, " "))
	require.Len(t, msg.Attachments, 1)
	require.Equal(t, "comprobante-"+number+"-prueba.pdf", msg.Attachments[0].Filename)
	require.Equal(t, flat, strings.Join(strings.Fields(pdfToText(t, msg.Attachments[0].Data)), " "), "the attachment is the page's PDF")

	// The portal, where the invoice is listed.
	portal := s.ok("POST", "/v1/portal_sessions", map[string]any{"customer": cusID, "return_url": s.merchant + "/cuenta"})
	b.visit(portal["url"].(string), "#inv-h")
	require.Equal(t, "Documentos", b.text("#inv-h"), "named as document.go names a list of documents")
	require.Equal(t, number, b.text("#open-"+inv["id"].(string)))
	require.Contains(t, b.text("#invoice-"+inv["id"].(string)), "Pagado")
	requireNoIDs(t, "the portal", pageText(b))
	b.checkPage()
	b.shoot(dir, "portal", "#open-"+inv["id"].(string))

	// A checkout of the same plan, and a one-time purchase to its
	// thank-you page.
	_, checkoutURL := s.checkout(map[string]any{"mode": "subscription", "locale": "es-CL",
		"line_items": []map[string]any{{"price": month, "quantity": 2}}})
	b.visit(checkoutURL, "#total")
	require.Equal(t, "$59.500", b.text("#total"), "50.000 + IVA 9.500")
	require.Equal(t, "IVA 19 % $9.500", b.text(".tax"))
	requireNoIDs(t, "the checkout", pageText(b))
	b.checkPage()
	b.shoot(dir, "checkout")

	kit := s.product("Kit de puesta en marcha", nil)
	oneTime := s.ok("POST", "/v1/prices", map[string]any{"product": kit, "unit_amount": 40000, "currency": "CLP"})["id"].(string)
	cs := s.ok("POST", "/v1/checkout_sessions", map[string]any{"mode": "payment", "customer": cusID,
		"line_items": []map[string]any{{"price": oneTime}}, "cancel_url": s.merchant + "/tienda"})
	b.visit(cs["url"].(string), "#pay")
	require.Equal(t, "$47.600", b.text("#total"))
	b.shoot(dir, "checkout-payment")
	b.click("#pay", "#card-"+billing.SimTokVisa)
	b.choose("#card-" + billing.SimTokVisa)
	b.click("#pay", "#thanks-title")
	require.Equal(t, "IVA 19 % $7.600", b.text(".tax"))
	require.Equal(t, "$47.600", b.text("#paid-today"))
	requireNoIDs(t, "the thank-you page", pageText(b))
	b.checkPage()
	b.shoot(dir, "thanks")

	if dir == "" {
		return
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "invoice.pdf"), pdf, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "invoice.txt"), []byte(text), 0o644))
	ppm := exec.CommandContext(context.WithoutCancel(t.Context()), "pdftoppm", "-png", "-r", "110", "-singlefile",
		filepath.Join(dir, "invoice.pdf"), filepath.Join(dir, "invoice-pdf"))
	outp, err := ppm.CombinedOutput()
	require.NoError(t, err, "%s", outp)
	var email strings.Builder
	for _, h := range []string{"From", "To", "Subject", "Date", "Message-ID"} {
		v := msg.Header.Get(h)
		if h == "Subject" {
			v = msg.Subject
		}
		email.WriteString(h + ": " + v + "\n")
	}
	for _, a := range msg.Attachments {
		email.WriteString("Attachment: " + a.Filename + " (" + a.ContentType + ")\n")
	}
	email.WriteString("\n" + msg.Text)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "email.txt"), []byte(email.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "email.html"), []byte(msg.HTML), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "email.eml"), msg.Raw, 0o644))
}

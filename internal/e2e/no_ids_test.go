package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// internalID matches an id cuota makes: a known prefix (every one of
// billing's Prefix… constants) followed by the id's base32 body, or a
// credit note line's number within its note (cnli_1). Invoice and credit
// note numbers ("CORR-000001", "CORR-CN-000001") are a document's identity
// and never match.
var internalID = regexp.MustCompile(`\b(mch|key|prod|price|cus|coupon|promo|txr|audit|clock|pm|pmsetup|pmss|sub|si|in|il|pay|re|evt|we|wd|wa|em|bps|hps|cs_test|cs_live|pk_test|pk_live|cn|cbtxn|mrrc)_[0-9a-z]{10,}|\bcnli_[0-9]+`)

// link matches a URL written out as text.
var link = regexp.MustCompile(`https?://\S+`)

// requireNoIDs fails when what a customer reads holds an internal id.
//
// The rule: no price, product, coupon, promotion code, invoice line,
// subscription, customer or other internal id is ever part of what a
// customer reads — not on a hosted page, not in a PDF, not in an email.
// The only exceptions are links: an href is not visible text, and a plain
// text email can only show its links written out, so a URL (which carries
// the invoice's id and the page's secret token, the document's address) is
// removed before checking. Invoice numbers are the document's identity and
// are allowed everywhere.
func requireNoIDs(t *testing.T, where, text string) {
	t.Helper()
	visible := link.ReplaceAllString(text, "")
	require.Empty(t, internalID.FindAllString(visible, -1), "internal ids in %s:\n%s", where, text)
}

// pageText is what a reader of the tab's page sees or hears: the visible
// text, the title, and the labels and alternative texts read aloud.
func pageText(b *tab) string {
	return evaluate[string](b, `[document.title, document.body.innerText,
		...[...document.querySelectorAll('[aria-label],[alt],[title],[placeholder]')].flatMap(e =>
			['aria-label', 'alt', 'title', 'placeholder'].map(a => e.getAttribute(a) || ''))].join('\n')`)
}

// tagText drops an HTML email's tags (and so its hrefs), keeping its text.
var tagText = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`)

// TestNoInternalIDsShown runs a customer's story in Spanish and in English
// — under the merchant's default IVA 19 %, a subscription to three seats
// with a promotion code, an upgrade charged at once with its proration, a
// partial refund of the first invoice with its credit note, and a one-time
// purchase ending on the thank-you page — and reads every page, PDF and
// email the customer gets: none shows an internal id, and the lines read
// as the language's texts.
func TestNoInternalIDsShown(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatalf("pdftotext (poppler-utils) is needed to read the PDFs: %v", err)
	}
	for _, tc := range []struct {
		locale                          string
		credit, debit, discount, period string
		feature, mark, iva              string
	}{
		{"es-CL", "Crédito por tiempo no usado de Agente Start × 3", "Tiempo restante de Agente Pro × 3",
			"Descuento VERANO (20\u00a0%)", "Agente Start × 3 · ", "Propiedades: 5", "PRUEBA", "IVA 19 %"},
		{"en", "Credit for unused time on Agente Start × 3", "Remaining time on Agente Pro × 3",
			"Discount VERANO (20%)", "Agente Start × 3 · ", "Listings: 5", "TEST", "IVA 19%"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			t.Parallel()
			smtp := mailtest.Start(t)
			sender, err := mail.NewSMTPSender(smtp.Config())
			require.NoError(t, err)
			s := newStackWith(t, app.Mailer{Sender: sender, From: "cobros@corredora.example"}).asMerchant("Agente IA", tc.locale)
			b := newTab(t)

			iva := s.ok("POST", "/v1/tax_rates", map[string]any{"display_name": "IVA", "percentage": 19, "country": "CL"})
			s.ok("PATCH", "/v1/merchant", map[string]any{"default_tax_rates": []string{iva["id"].(string)}})
			start := s.product("Agente Start", map[string]int64{"properties": 5})
			s.ok("POST", "/v1/products/"+start, map[string]any{"feature_labels": map[string]any{
				"es-CL": map[string]string{"properties": "Propiedades"}, "en": map[string]string{"properties": "Listings"}}})
			pro := s.product("Agente Pro", map[string]int64{"properties": 20})
			startMonth := s.price(start, 5000, "CLP", "month")
			proMonth := s.price(pro, 12000, "CLP", "month")
			coupon := s.ok("POST", "/v1/coupons", map[string]any{"percent_off": 20, "duration": "forever"})
			s.ok("POST", "/v1/promotion_codes", map[string]any{"coupon": coupon["id"], "code": "VERANO"})
			cus := s.ok("POST", "/v1/customers", map[string]any{"email": "rosa@example.cl", "name": "Rosa Díaz", "locale": tc.locale})
			pm, err := s.app.Customers.AttachPaymentMethod(t.Context(), s.scope, cus["id"].(string),
				app.AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: billing.SimTokVisa})
			require.NoError(t, err)
			sub := s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cus["id"], "payment_method": pm.ID,
				"promotion_code": "VERANO", "items": []map[string]any{{"price": startMonth, "quantity": 3}}})
			s.ok("POST", "/v1/subscriptions/"+sub["id"].(string)+"/change", map[string]any{
				"items": []map[string]any{{"price": proMonth, "quantity": 3}}, "proration_behavior": "always_invoice"})

			invoices := s.ok("GET", "/v1/invoices?subscription="+sub["id"].(string), nil)["data"].([]any)
			require.Len(t, invoices, 2)
			upgrade, first := invoices[0].(map[string]any), invoices[1].(map[string]any)
			descriptions := func(inv map[string]any) []string {
				var out []string
				for _, l := range inv["lines"].([]any) {
					out = append(out, l.(map[string]any)["description"].(string))
				}
				return out
			}
			got := descriptions(first)
			require.Len(t, got, 2)
			require.True(t, strings.HasPrefix(got[0], tc.period), got[0])
			require.Equal(t, tc.discount, got[1])
			require.Equal(t, []string{tc.credit, tc.debit}, descriptions(upgrade))

			// The pages: each invoice's, the pricing table, a checkout and the
			// portal.
			var urls []string
			for _, inv := range invoices {
				urls = append(urls, inv.(map[string]any)["hosted_invoice_url"].(string))
			}
			pk := s.ok("POST", "/v1/publishable_keys", map[string]any{})
			lang := map[string]string{"es-CL": "es", "en": "en"}[tc.locale]
			urls = append(urls, pk["pricing_table_url"].(string)+"?lang="+lang)
			_, checkoutURL := s.checkout(map[string]any{"mode": "subscription", "line_items": []map[string]any{{"price": startMonth, "quantity": 3}},
				"locale": tc.locale, "allow_promotion_codes": true})
			urls = append(urls, checkoutURL)
			portal := s.ok("POST", "/v1/portal_sessions", map[string]any{"customer": cus["id"], "return_url": s.merchant + "/cuenta"})
			urls = append(urls, portal["url"].(string))

			// A partial refund of the first invoice, with its credit note.
			note := s.ok("POST", "/v1/credit_notes", map[string]any{"invoice": first["id"], "refund_amount": 1190,
				"reason": "product_unsatisfactory", "lines": []map[string]any{{"invoice_line": first["lines"].([]any)[0].(map[string]any)["id"], "amount": 1190}}})
			require.NotEmpty(t, note["tax_amounts"])
			cnPDF := fetchAPI(t, s, "/v1/credit_notes/"+note["id"].(string)+"/pdf")
			requireNoIDs(t, "the credit note's PDF", pdfToText(t, cnPDF))

			// A one-time purchase, to its thank-you page.
			kit := s.product("Kit de bienvenida", nil)
			oneTime := s.ok("POST", "/v1/prices", map[string]any{"product": kit, "unit_amount": 15000, "currency": "CLP"})["id"].(string)
			cs := s.ok("POST", "/v1/checkout_sessions", map[string]any{"mode": "payment", "customer": cus["id"], "locale": tc.locale,
				"line_items": []map[string]any{{"price": oneTime}}, "cancel_url": s.merchant + "/tienda"})
			b.visit(cs["url"].(string), "#pay")
			requireNoIDs(t, "the one-time checkout", pageText(b))
			b.click("#pay", "#card-"+billing.SimTokVisa)
			b.choose("#card-" + billing.SimTokVisa)
			b.click("#pay", "#thanks-title")
			requireNoIDs(t, "the thank-you page", pageText(b))
			for _, u := range urls {
				b.visit(u, "main")
				text := pageText(b)
				requireNoIDs(t, u, text)
				if strings.Contains(u, "/invoice/") || strings.Contains(u, "/portal/") {
					continue
				}
				require.Contains(t, text, tc.feature, "the feature's label on %s", u)
			}
			b.visit(urls[1], "main")
			require.Contains(t, b.text("#lines"), tc.period)
			require.Equal(t, strings.Join(strings.Fields(tc.discount), " "), b.text("#discount-name"), "the discount row is named by its line (b.text folds the no-break space)")
			b.visit(urls[0], "main")
			require.Contains(t, b.text("#lines"), tc.credit)
			require.Contains(t, b.text("#lines"), tc.debit)

			// The PDFs, as the API serves them.
			for _, inv := range invoices {
				text := pdfText(t, s, inv.(map[string]any)["id"].(string))
				requireNoIDs(t, "the PDF of "+inv.(map[string]any)["number"].(string), text)
				flat := strings.Join(strings.Fields(text), " ")
				require.Contains(t, flat, "Agente", "the PDF names the products")
				require.Contains(t, flat, tc.mark, "a test-mode document carries the test mark")
				require.Contains(t, flat, tc.iva, "the PDF's IVA row")
			}

			// Every email the customer was sent, with its attachments.
			_, err = s.app.Notifications.DispatchNotifications(t.Context())
			require.NoError(t, err)
			emails := s.ok("GET", "/v1/emails", nil)["data"].([]any)
			require.NotEmpty(t, emails)
			for _, e := range emails {
				out, err := s.app.Notifications.SendEmail(t.Context(), app.SendEmailArgs{MerchantID: s.scope.MerchantID, Mode: s.scope.Mode,
					EmailID: e.(map[string]any)["id"].(string)}, 1)
				require.NoError(t, err)
				require.False(t, out.Retry, out.Reason)
			}
			msgs := smtp.Messages()
			require.Len(t, msgs, len(emails))
			var subjects []string
			for _, m := range msgs {
				subjects = append(subjects, m.Subject)
			}
			require.Contains(t, strings.Join(subjects, "\n"), note["number"].(string), "the credit note's email is among them")
			for _, m := range msgs {
				requireNoIDs(t, "the subject of "+m.Subject, m.Subject)
				requireNoIDs(t, "the text of "+m.Subject, m.Text)
				requireNoIDs(t, "the HTML of "+m.Subject, tagText.ReplaceAllString(m.HTML, " "))
				for _, a := range m.Attachments {
					requireNoIDs(t, "the name of an attachment of "+m.Subject, a.Filename)
					if a.ContentType == "application/pdf" {
						requireNoIDs(t, "the PDF attached to "+m.Subject, pdfToText(t, a.Data))
					}
				}
			}
		})
	}
}

// asMerchant returns a stack for a new merchant of the same app, in locale.
func (s *stack) asMerchant(name, locale string) *stack {
	s.t.Helper()
	m, err := s.app.Merchants.CreateMerchant(s.t.Context(), app.CreateMerchantParams{Name: name, Locale: locale})
	require.NoError(s.t, err)
	_, secret, err := s.app.Merchants.CreateAPIKey(s.t.Context(), m.ID, billing.ModeTest)
	require.NoError(s.t, err)
	other := *s
	other.key, other.scope = secret, billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	return &other
}

// pdfText downloads an invoice's PDF from the API and returns its text.
func pdfText(t *testing.T, s *stack, invoiceID string) string {
	t.Helper()
	return pdfToText(t, fetchAPI(t, s, "/v1/invoices/"+invoiceID+"/pdf"))
}

// fetchAPI GETs path of the merchant API (a PDF) and returns its body,
// requiring a 200.
func fetchAPI(t *testing.T, s *stack, path string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.key)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", data)
	return data
}

// pdfToText is pdftotext's reading of a PDF.
func pdfToText(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	out, err := exec.CommandContext(context.WithoutCancel(t.Context()), "pdftotext", "-layout", path, "-").Output()
	require.NoError(t, err)
	return string(out)
}

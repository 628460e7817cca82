package web_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// hosted is a pay-page link: its path and token (?t=).
type hosted struct {
	path, token string
}

func (h hosted) url() string { return h.path + "?t=" + url.QueryEscape(h.token) }

// parseHosted splits an absolute hosted link of the world's server.
func (w *world) parseHosted(t *testing.T, u string) hosted {
	t.Helper()
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	require.Equal(t, w.url, parsed.Scheme+"://"+parsed.Host, u)
	tok := parsed.Query().Get("t")
	require.NotEmpty(t, tok, u)
	return hosted{path: parsed.Path, token: tok}
}

// sendInvoice makes a finalized one-off send_invoice invoice of amount for
// the world's customer and returns it with its page's link.
func (w *world) sendInvoice(t *testing.T, amount int64, currency string) (billing.Invoice, hosted) {
	t.Helper()
	inv, err := w.app.Invoicing.CreateInvoice(t.Context(), w.scope, app.CreateInvoiceParams{Customer: w.customer.ID, Currency: currency,
		Items:      []app.InvoiceItemParams{{Amount: ptr(amount - 1000), Description: "Tasación"}, {Amount: ptr(int64(500)), Quantity: 2, Description: "Fotos"}},
		Collection: billing.CollectionSendInvoice, DaysUntilDue: ptr(int64(15)), Finalize: true})
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceOpen, inv.Status)
	require.NotEmpty(t, inv.Number)
	l := w.parseHosted(t, inv.HostedURL)
	require.Equal(t, "/invoice/"+w.scope.MerchantID+"/test/"+inv.ID, l.path)
	return inv, l
}

// post sends a form to path the way a same-origin browser does; hdr
// pairs replace headers (an empty value deletes one).
func (w *world) post(t *testing.T, path string, form url.Values, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.url+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return w.send(t, req)
}

// payOnPage presses the invoice page's Pay button and returns the sim pay
// page it leads to.
func (w *world) payOnPage(t *testing.T, l hosted) hosted {
	t.Helper()
	res := w.post(t, l.path, url.Values{"t": {l.token}, "gateway": {billing.GatewaySim}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	requireSecure(t, res)
	p := w.parseHosted(t, res.header.Get("Location"))
	require.True(t, strings.HasPrefix(p.path, "/sim/pay/"+w.scope.MerchantID+"/test/pay_"), p.path)
	return p
}

// paySim pays on the sim pay page with a test card and requires the way
// back to the invoice's page.
func (w *world) paySim(t *testing.T, p hosted, token string, inv billing.Invoice) {
	t.Helper()
	res := w.post(t, p.path, url.Values{"t": {p.token}, "action": {"pay"}, "token": {token}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, inv.HostedURL, res.header.Get("Location"))
}

func (w *world) payments(t *testing.T, invoiceID string) []billing.Payment {
	t.Helper()
	l, err := w.app.Collection.ListPayments(t.Context(), w.scope, billing.PaymentFilter{InvoiceID: invoiceID}, billing.Page{Limit: 10})
	require.NoError(t, err)
	return l.Data
}

func (w *world) invoiceNow(t *testing.T, id string) billing.Invoice {
	t.Helper()
	inv, err := w.app.Invoicing.GetInvoice(t.Context(), w.scope, id)
	require.NoError(t, err)
	return inv
}

func TestInvoicePage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	inv, l := w.sendInvoice(t, 5000, "CLP")

	res := w.get(t, l.url())
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Equal(t, "text/html; charset=utf-8", res.header.Get("Content-Type"))
	requireSecure(t, res)
	body := res.body
	require.Contains(t, body, `<html lang="es-CL">`)
	require.Contains(t, body, `<p class="merchant" id="merchant">Agente</p>`)
	require.Contains(t, body, `Documento de cobro <span class="doc-number" id="invoice-number">`+inv.Number+`</span>`)
	require.Contains(t, body, `id="status">Por pagar</span>`)
	require.Contains(t, body, `id="issued">1 de marzo de 2026</dd>`)
	require.Contains(t, body, `id="due-date">16 de marzo de 2026</dd>`)
	require.Contains(t, body, `Tasación</span> <span class="amount">$4.000</span>`)
	require.Contains(t, body, `Fotos × 2</span> <span class="amount">$1.000</span>`)
	require.Contains(t, body, `id="total">$5.000</strong>`)
	require.Contains(t, body, `id="amount-due">$5.000</strong>`)
	require.Contains(t, body, "Modo de prueba")
	// The form carries the link's token; the only gateway is chosen for
	// the customer.
	require.Contains(t, body, `<form method="post" action="`+inv.ID+`">`)
	require.Contains(t, body, `<input type="hidden" name="t" value="`+l.token+`">`)
	require.Contains(t, body, `<input type="hidden" name="gateway" value="sim">`)
	require.Contains(t, body, `id="pay">Pagar $5.000</button>`)
	require.NotContains(t, body, `id="error"`)
	require.NotContains(t, strings.ToLower(body), "<script")
	require.NotRegexp(t, externalRE, body)

	// The stylesheet resolves to the embedded one.
	m := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(body)
	require.Len(t, m, 2)
	base, err := url.Parse(w.url + l.path)
	require.NoError(t, err)
	ref, err := url.Parse(m[1])
	require.NoError(t, err)
	css := base.ResolveReference(ref).Path
	require.Equal(t, "/invoice/assets/style.css", css)
	res = w.get(t, css)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "text/css; charset=utf-8", res.header.Get("Content-Type"))

	// Looking pays nothing.
	require.Empty(t, w.payments(t, inv.ID))
}

func TestInvoicePageEnglish(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "en")
	inv, l := w.sendInvoice(t, 5000, "USD")
	res := w.get(t, l.url(), "Accept-Language", "es-CL")
	require.Equal(t, http.StatusOK, res.status, res.body)
	for _, s := range []string{`<html lang="en">`, `Payment request <span class="doc-number" id="invoice-number">` + inv.Number, `id="status">Due</span>`,
		`id="issued">March 1, 2026</dd>`, `id="due-date">March 16, 2026</dd>`, `id="total">$50.00</strong>`, `id="pay">Pay $50.00</button>`} {
		require.Contains(t, res.body, s)
	}
}

// linkToken signs a hosted link the way the app does (an HMAC of the
// object with the merchant's link key), to forge the link a draft would
// have: drafts get none.
func linkToken(t *testing.T, w *world, kind, id string) string {
	t.Helper()
	m, err := w.app.Merchants.GetMerchant(t.Context(), w.scope.MerchantID)
	require.NoError(t, err)
	require.NotEmpty(t, m.LinkKey)
	mac := hmac.New(sha256.New, []byte(m.LinkKey))
	mac.Write([]byte(kind + "\x00" + string(w.scope.Mode) + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))[:32]
}

func TestInvoicePageNotFound(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	inv, l := w.sendInvoice(t, 5000, "CLP")
	other, ol := w.sendInvoice(t, 7000, "CLP")
	require.Equal(t, l.token, linkToken(t, w, "invoice", inv.ID), "the forged links below are signed the app's way")

	draft, err := w.app.Invoicing.CreateInvoice(t.Context(), w.scope, app.CreateInvoiceParams{Customer: w.customer.ID, Currency: "CLP",
		Items: []app.InvoiceItemParams{{Amount: ptr(int64(3000)), Description: "Borrador"}}, Collection: billing.CollectionSendInvoice})
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceDraft, draft.Status)
	require.Empty(t, draft.HostedURL)

	prefix := "/invoice/" + w.scope.MerchantID
	cases := map[string]string{
		"wrong token":           l.path + "?t=WRONGWRONGWRONGWRONGWRONGWRONG00",
		"no token":              l.path,
		"another invoice token": l.path + "?t=" + ol.token,
		"unknown invoice":       prefix + "/test/in_nope?t=" + l.token,
		"unknown merchant":      "/invoice/mer_nope/test/" + inv.ID + "?t=" + l.token,
		"live mode":             prefix + "/live/" + inv.ID + "?t=" + l.token,
		"bad mode":              prefix + "/prod/" + inv.ID + "?t=" + l.token,
		"draft":                 prefix + "/test/" + draft.ID + "?t=" + linkToken(t, w, "invoice", draft.ID),
		"a payment's token":     l.path + "?t=" + linkToken(t, w, "payment", inv.ID),
	}
	for name, path := range cases {
		res := w.get(t, path)
		require.Equal(t, http.StatusNotFound, res.status, name)
		requireSecure(t, res)
		require.Contains(t, res.body, "Enlace no encontrado", name)
		require.NotContains(t, res.body, "Tasación", name)
		require.NotContains(t, res.body, "Borrador", name)
	}
	require.Equal(t, http.StatusOK, w.get(t, ol.url()).status, "the other invoice's own link works")

	// Paying needs the right token too.
	for _, tok := range []string{"", "WRONG", ol.token} {
		res := w.post(t, l.path, url.Values{"t": {tok}, "gateway": {billing.GatewaySim}})
		require.Equal(t, http.StatusNotFound, res.status, tok)
	}
	res := w.post(t, prefix+"/test/"+draft.ID, url.Values{"t": {linkToken(t, w, "invoice", draft.ID)}, "gateway": {billing.GatewaySim}})
	require.Equal(t, http.StatusNotFound, res.status)
	require.Empty(t, w.payments(t, inv.ID))
	require.Empty(t, w.payments(t, other.ID))
	require.Empty(t, w.payments(t, draft.ID))
}

// TestInvoicePayDeclineThenPaid pays an invoice through its page and the
// sim's pay page: a declined card, then a good one.
func TestInvoicePayDeclineThenPaid(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	inv, l := w.sendInvoice(t, 5000, "CLP")

	p := w.payOnPage(t, l)
	res := w.get(t, p.url())
	require.Equal(t, http.StatusOK, res.status, res.body)
	requireSecure(t, res)
	for _, s := range []string{`<html lang="es-CL">`, `id="merchant">Agente</p>`, `id="invoice-number">Cobro ` + inv.Number + `</span>`,
		`id="amount">$5.000</strong>`, `id="pay">Pagar $5.000</button>`, `id="cancel" formnovalidate>Cancelar</button>`,
		`<input type="hidden" name="t" value="` + p.token + `">`, `value="tok_visa" required checked>`, "no se mueve dinero real"} {
		require.Contains(t, res.body, s)
	}
	for _, tok := range billing.SimTokens() {
		require.Contains(t, res.body, `<label for="card-`+tok+`">`)
	}
	require.NotContains(t, strings.ToLower(res.body), "<script")
	pays := w.payments(t, inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentPending, pays[0].Status)

	w.paySim(t, p, billing.SimTokChargeDeclined, inv)
	res = w.get(t, l.url())
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Contains(t, res.body, `<div class="error" role="alert" id="error"><p>Pago rechazado: el banco rechazó el cobro. No se cobró nada.`)
	require.Contains(t, res.body, `id="status">Por pagar</span>`)
	require.Contains(t, res.body, `id="pay">Pagar $5.000</button>`, "the customer can try again")

	// The used sim page says so and leads back to the invoice.
	res = w.get(t, p.url())
	require.Equal(t, http.StatusGone, res.status, res.body)
	require.Contains(t, res.body, "Esta página de pago ya se usó o venció.")
	back := regexp.MustCompile(`href="([^"]+)" id="to-invoice"`).FindStringSubmatch(res.body)
	require.Len(t, back, 2)
	base, err := url.Parse(w.url + p.path)
	require.NoError(t, err)
	ref, err := url.Parse(strings.ReplaceAll(back[1], "&amp;", "&"))
	require.NoError(t, err)
	ret := base.ResolveReference(ref)
	require.Equal(t, "/return/pay/"+w.scope.MerchantID+"/test/"+pays[0].ID, ret.Path)
	res = w.get(t, ret.RequestURI())
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, inv.HostedURL, res.header.Get("Location"))
	// Paying on it again is refused the same way, and charges nothing.
	res = w.post(t, p.path, url.Values{"t": {p.token}, "action": {"pay"}, "token": {billing.SimTokVisa}})
	require.Equal(t, http.StatusGone, res.status, res.body)

	p2 := w.payOnPage(t, l)
	require.NotEqual(t, p.path, p2.path, "a new attempt")
	w.paySim(t, p2, billing.SimTokVisa, inv)

	res = w.get(t, l.url())
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Contains(t, res.body, `id="status">Pagado</span>`)
	require.Contains(t, res.body, `id="paid">Pagado el 1 de marzo de 2026. ¡Gracias!</p>`)
	require.Contains(t, res.body, `id="paid-on">1 de marzo de 2026</dd>`)
	require.Contains(t, res.body, `id="amount-paid">$5.000</strong>`)
	require.NotContains(t, res.body, `id="pay"`)
	require.NotContains(t, res.body, `name="gateway"`)
	require.NotContains(t, res.body, `id="error"`, "the old decline is not news any more")

	got := w.invoiceNow(t, inv.ID)
	require.Equal(t, billing.InvoicePaid, got.Status)
	require.EqualValues(t, 5000, got.AmountPaid)
	pays = w.payments(t, inv.ID)
	require.Len(t, pays, 2)
	statuses := []billing.PaymentStatus{pays[0].Status, pays[1].Status}
	require.ElementsMatch(t, []billing.PaymentStatus{billing.PaymentFailed, billing.PaymentSucceeded}, statuses)

	// A stale page's form cannot pay twice: back to the paid page.
	res = w.post(t, l.path, url.Values{"t": {l.token}, "gateway": {billing.GatewaySim}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, l.url(), res.header.Get("Location"))
	require.Len(t, w.payments(t, inv.ID), 2)
}

func TestInvoicePayCanceledAndContinued(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "en")
	inv, l := w.sendInvoice(t, 5000, "USD")

	// Leaving the sim page without paying: the invoice page offers to
	// continue that same attempt, not a second one.
	p := w.payOnPage(t, l)
	res := w.get(t, l.url())
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.body, `id="in-progress">You already started paying this payment request.`)
	require.Contains(t, res.body, `id="continue-payment">Continue payment</button>`)
	require.NotContains(t, res.body, `id="pay"`)
	require.Equal(t, p, w.payOnPage(t, l), "continuing resumes the same page")
	require.Len(t, w.payments(t, inv.ID), 1)

	res = w.post(t, p.path, url.Values{"t": {p.token}, "action": {"cancel"}, "token": {billing.SimTokVisa}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, inv.HostedURL, res.header.Get("Location"))
	res = w.get(t, l.url())
	require.Contains(t, res.body, `id="error"><p>You canceled the payment. Nothing was charged.`)
	require.Contains(t, res.body, `id="pay">Pay $50.00</button>`)
	pays := w.payments(t, inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentFailed, pays[0].Status)
	require.Equal(t, billing.InvoiceOpen, w.invoiceNow(t, inv.ID).Status)
}

func TestInvoicePayPageExpires(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	inv, l := w.sendInvoice(t, 5000, "CLP")
	p := w.payOnPage(t, l)

	w.clock.Advance(time.Hour)
	res := w.get(t, p.url())
	require.Equal(t, http.StatusGone, res.status, res.body)
	require.Contains(t, res.body, "Página de pago vencida")

	// Until the grace has passed (a gateway may count the expiry a little
	// late) the attempt is being closed: no second one.
	res = w.get(t, l.url())
	require.Contains(t, res.body, `id="confirming"`)
	require.NotContains(t, res.body, `id="pay"`)
	require.Len(t, w.payments(t, inv.ID), 1)

	// Then paying again settles it and starts another.
	w.clock.Advance(10 * time.Minute)
	res = w.get(t, l.url())
	require.Contains(t, res.body, `id="pay"`)
	p2 := w.payOnPage(t, l)
	require.NotEqual(t, p, p2)
	pays := w.payments(t, inv.ID)
	require.Len(t, pays, 2)
	for _, pay := range pays {
		if pay.Status == billing.PaymentFailed {
			require.Equal(t, app.FailPayPageExpired, pay.FailureCode)
		} else {
			require.Equal(t, billing.PaymentPending, pay.Status)
		}
	}
	w.paySim(t, p2, billing.SimTokVisa, inv)
	require.Equal(t, billing.InvoicePaid, w.invoiceNow(t, inv.ID).Status)
}

func TestInvoicePayFormErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	inv, l := w.sendInvoice(t, 5000, "CLP")

	// A gateway that cannot take the payment: the page again, saying so.
	res := w.post(t, l.path, url.Values{"t": {l.token}, "gateway": {billing.GatewayFlow}})
	require.Equal(t, http.StatusServiceUnavailable, res.status, res.body)
	require.Contains(t, res.body, `role="alert" id="error">La pasarela de pago no está respondiendo`)
	require.Contains(t, res.body, `id="pay">Pagar $5.000</button>`)
	require.Empty(t, w.payments(t, inv.ID))

	// The sim page without a card, with a card it does not list, or with
	// an unknown action: nothing is charged.
	p := w.payOnPage(t, l)
	for _, form := range []url.Values{
		{"t": {p.token}, "action": {"pay"}},
		{"t": {p.token}, "action": {"pay"}, "token": {"tok_bogus"}},
	} {
		res = w.post(t, p.path, form)
		require.Equal(t, http.StatusBadRequest, res.status, res.body)
		require.Contains(t, res.body, `role="alert" id="error">Elige una de las tarjetas de prueba para pagar.</p>`)
	}
	res = w.post(t, p.path, url.Values{"t": {p.token}, "action": {"refund"}, "token": {billing.SimTokVisa}})
	require.Equal(t, http.StatusBadRequest, res.status, res.body)
	for _, tok := range []string{"", "WRONG", l.token} {
		res = w.post(t, p.path, url.Values{"t": {tok}, "action": {"pay"}, "token": {billing.SimTokVisa}})
		require.Equal(t, http.StatusNotFound, res.status, tok)
	}
	res = w.get(t, strings.Replace(p.path, "/test/", "/live/", 1)+"?t="+url.QueryEscape(p.token))
	require.Equal(t, http.StatusNotFound, res.status)
	pays := w.payments(t, inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentPending, pays[0].Status)
	require.Equal(t, http.StatusOK, w.get(t, p.url()).status, "the page still works")
}

func TestInvoicePayCrossOrigin(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	inv, l := w.sendInvoice(t, 5000, "CLP")

	// Another site posting the forms, even with the token, is refused
	// before anything runs.
	cases := map[string][]string{
		"origin":         {"Origin", "https://evil.example", "Sec-Fetch-Site", ""},
		"sec-fetch-site": {"Sec-Fetch-Site", "cross-site"},
	}
	for name, hdr := range cases {
		res := w.post(t, l.path, url.Values{"t": {l.token}, "gateway": {billing.GatewaySim}}, hdr...)
		require.Equal(t, http.StatusForbidden, res.status, name)
		requireSecure(t, res)
		require.Contains(t, res.body, "Solicitud rechazada", name)
	}
	require.Empty(t, w.payments(t, inv.ID))

	p := w.payOnPage(t, l)
	for name, hdr := range cases {
		res := w.post(t, p.path, url.Values{"t": {p.token}, "action": {"pay"}, "token": {billing.SimTokVisa}}, hdr...)
		require.Equal(t, http.StatusForbidden, res.status, name)
	}
	pays := w.payments(t, inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentPending, pays[0].Status)
}

// TestPayReturn: a gateway's pay page sends the browser back (a GET, or a
// cross-origin POST with the gateway's own token); only the link's token
// opens it, and the outcome is asked of the gateway.
func TestPayReturn(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	inv, l := w.sendInvoice(t, 5000, "CLP")
	p := w.payOnPage(t, l)
	ret := strings.Replace(p.path, "/sim/pay/", "/return/pay/", 1)
	pays := w.payments(t, inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, "/return/pay/"+w.scope.MerchantID+"/test/"+pays[0].ID, ret)

	bad := map[string]string{
		"wrong token":     ret + "?t=WRONGWRONGWRONGWRONGWRONGWRONG00",
		"no token":        ret,
		"invoice's token": ret + "?t=" + l.token,
		"unknown payment": "/return/pay/" + w.scope.MerchantID + "/test/pay_nope?t=" + p.token,
		"bad mode":        strings.Replace(ret, "/test/", "/sandbox/", 1) + "?t=" + p.token,
	}
	for name, path := range bad {
		res := w.get(t, path)
		require.Equal(t, http.StatusNotFound, res.status, name)
		requireSecure(t, res)
		require.Contains(t, res.body, "Enlace no encontrado", name)
		// The gateway's cross-origin post is let through, and refused
		// the same way.
		res = w.post(t, path, url.Values{"token": {"flow-token"}}, "Origin", "https://sandbox.flow.cl", "Sec-Fetch-Site", "cross-site")
		require.Equal(t, http.StatusNotFound, res.status, name)
	}

	res := w.post(t, ret+"?t="+url.QueryEscape(p.token), url.Values{"token": {"flow-token"}}, "Origin", "https://sandbox.flow.cl", "Sec-Fetch-Site", "cross-site")
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, inv.HostedURL, res.header.Get("Location"))
	res = w.get(t, ret+"?t="+url.QueryEscape(p.token))
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, inv.HostedURL, res.header.Get("Location"))
	// Nothing was paid on the gateway: the payment still waits.
	pays = w.payments(t, inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentPending, pays[0].Status)
}

// TestInvoicePayOutcomeUnknown: the sim's charge times out after moving
// the money; until the gateway is asked, the page says the payment is
// being confirmed and offers no second one.
func TestInvoicePayOutcomeUnknown(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "es-CL")
	inv, l := w.sendInvoice(t, 5000, "CLP")
	p := w.payOnPage(t, l)
	w.paySim(t, p, billing.SimTokTimeoutAfterCharge, inv)
	pays := w.payments(t, inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentUnknown, pays[0].Status)

	res := w.get(t, l.url())
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Contains(t, res.body, `id="confirming">Estamos confirmando un pago de este cobro`)
	require.NotContains(t, res.body, `id="pay"`)
	require.NotContains(t, res.body, `id="error"`)

	// A stale form is refused, and the page says why.
	res = w.post(t, l.path, url.Values{"t": {l.token}, "gateway": {billing.GatewaySim}})
	require.Equal(t, http.StatusConflict, res.status, res.body)
	require.Contains(t, res.body, `id="confirming">Estamos confirmando`)
	require.Len(t, w.payments(t, inv.ID), 1)
}

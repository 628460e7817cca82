package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/console"
	"github.com/cuota/cuota/internal/dte/openfactura"
	"github.com/cuota/cuota/internal/dtesim"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/wiring"
)

// moneyStore is a store the sim gateway can keep its ledger in.
type moneyStore interface {
	billing.Store
	sim.LedgerStore
	Close() error
	Migrate(ctx context.Context) error
}

// moneyStores open each store the money pages are tested on.
var moneyStores = map[string]func(t *testing.T) moneyStore{
	"sqlite": func(t *testing.T) moneyStore {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cuota.db"), nil)
		require.NoError(t, err)
		return st
	},
	"postgres": func(t *testing.T) moneyStore {
		st, err := postgres.Open(t.Context(), pgtest.URL(t), nil)
		require.NoError(t, err)
		return st
	},
}

// moneyWorld is a console with the sim gateway and PDFs, one customer
// with a card, a paid invoice and an open one.
type moneyWorld struct {
	*bundle
	scope billing.Scope
	paid  billing.Invoice
	open  billing.Invoice
}

func setupMoney(t *testing.T, open func(t *testing.T) moneyStore) *moneyWorld {
	t.Helper()
	ctx := t.Context()
	store := open(t)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(ctx))
	now := new(atomic.Int64)
	now.Store(time.Now().UnixNano())
	a, err := app.New(app.Config{Store: store, Now: func() time.Time { return time.Unix(0, now.Load()) },
		PublicURL: func() string { return "http://127.0.0.1" },
		Ports:     app.Ports{InvoicePDF: invoicepdf.Renderer{}, DTE: &openfactura.Provider{Timeout: 5 * time.Second}},
		Gateways:  app.Gateways{billing.GatewaySim: sim.New(store, time.Now)}})
	require.NoError(t, err)
	m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Corredora Sur"})
	require.NoError(t, err)
	for _, u := range []struct {
		email string
		role  billing.Role
	}{{"duena@example.cl", billing.RoleOwner}, {"mira@example.cl", billing.RoleViewer}} {
		_, err = a.Users.CreateUser(ctx, app.CreateUserParams{MerchantID: m.ID, Email: u.email, Role: u.role, Password: "una clave bien larga"})
		require.NoError(t, err)
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, console.New(wiring.Console(a), func() string { return "http://127.0.0.1" }, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	email, name := "ana@example.cl", "Ana Rojas"
	cus, err := a.Customers.CreateCustomer(ctx, s, app.CustomerParams{Email: &email, Name: &name})
	require.NoError(t, err)
	pm, err := a.Customers.AttachPaymentMethod(ctx, s, cus.ID, app.AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: billing.SimTokVisa})
	require.NoError(t, err)
	amount, due := int64(20000), int64(5000)
	paid, err := a.Invoicing.CreateInvoice(ctx, s, app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP", PaymentMethod: pm.ID, Finalize: true,
		Items: []app.InvoiceItemParams{{Amount: &amount, Description: "Asesoría de marzo"}}})
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, paid.Status)
	openInv, err := a.Invoicing.CreateInvoice(ctx, s, app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP", Finalize: true,
		Collection: billing.CollectionSendInvoice, Items: []app.InvoiceItemParams{{Amount: &due, Description: "Visita extra"}}})
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceOpen, openInv.Status)
	b := &bundle{t: t, now: now, app: a, srv: srv, merchant: m.ID, client: newClient(t)}
	return &moneyWorld{bundle: b, scope: s, paid: paid, open: openInv}
}

// signInAs signs a user in and returns the session's CSRF token.
func (b *bundle) signInAs(email string) string {
	b.t.Helper()
	_, body := b.get("/console/sign-in")
	res, _ := b.post("/console/sign-in", url.Values{"csrf": {csrf(b.t, body)}, "email": {email}, "password": {"una clave bien larga"}})
	require.Equal(b.t, http.StatusSeeOther, res.StatusCode)
	_, body = b.get("/console/invoices")
	return csrf(b.t, body)
}

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	rawIDRE = regexp.MustCompile(`\b(in|cus|pay|re|cn|pm|sub|dte)_[A-Za-z0-9]{6,}`)
)

// visible is a page's text as people read it: no tags, no attributes.
func visible(body string) string { return tagRE.ReplaceAllString(body, " ") }

func forEachMoneyStore(t *testing.T, fn func(t *testing.T, w *moneyWorld)) {
	for name, open := range moneyStores {
		t.Run(name, func(t *testing.T) { fn(t, setupMoney(t, open)) })
	}
}

// TestMoneyPages shows the documents, payments and refunds pages: lists
// with their filters, an invoice's detail and its PDF, in Spanish with
// es-CL amounts and no raw ids.
func TestMoneyPages(t *testing.T) {
	forEachMoneyStore(t, func(t *testing.T, w *moneyWorld) {
		w.signIn()
		res, body := w.get("/console/invoices")
		require.Equal(t, http.StatusOK, res.StatusCode)
		text := visible(body)
		require.Contains(t, text, "Ana Rojas")
		require.Contains(t, text, "$20.000")
		require.Contains(t, text, "$5.000")
		require.Contains(t, text, w.paid.Number)
		require.Contains(t, text, "Pagado")
		require.Contains(t, text, "Por pagar")
		require.NotRegexp(t, rawIDRE, text)

		_, body = w.get("/console/invoices?status=open")
		require.Contains(t, visible(body), w.open.Number)
		require.NotContains(t, visible(body), w.paid.Number)
		_, body = w.get("/console/invoices?q=ana@example.cl&status=paid")
		require.Contains(t, visible(body), w.paid.Number)
		require.NotContains(t, visible(body), w.open.Number)
		res, body = w.get("/console/invoices?q=nadie")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, body, "Ningún cliente coincide con «nadie».")

		res, body = w.get("/console/invoices/" + w.paid.ID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		text = visible(body)
		require.Contains(t, text, "Comprobante de pago "+w.paid.Number)
		require.Contains(t, text, "Asesoría de marzo")
		require.Contains(t, text, "Exitoso")
		require.Contains(t, text, "Pasarela simulada (prueba)")
		require.Contains(t, body, `id="refund-form"`)
		require.NotContains(t, body, `id="void"`, "a paid invoice is not voided")
		require.NotRegexp(t, rawIDRE, text)

		res, pdf := w.get("/console/invoices/" + w.paid.ID + "/pdf")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
		require.True(t, strings.HasPrefix(pdf, "%PDF"))
		require.Contains(t, res.Header.Get("Content-Disposition"), "comprobante-")

		for _, path := range []string{"/console/payments", "/console/payments?status=succeeded", "/console/refunds",
			"/console/invoices/" + w.open.ID} {
			res, body = w.get(path)
			require.Equal(t, http.StatusOK, res.StatusCode, path)
			require.NotRegexp(t, rawIDRE, visible(body), path)
		}
		pays, err := w.app.Collection.ListPayments(t.Context(), w.scope, billing.PaymentFilter{InvoiceID: w.paid.ID}, billing.Page{Limit: 5})
		require.NoError(t, err)
		require.Len(t, pays.Data, 1)
		res, body = w.get("/console/payments/" + pays.Data[0].ID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, visible(body), "Visa •••• 4242")
		require.NotRegexp(t, rawIDRE, visible(body))
	})
}

// TestMoneyRefundInput refunds part of a paid invoice from its page: junk
// amounts come back as the page with an error in Spanish (never a 5xx)
// and refund nothing; "$12.345" refunds exactly 12345 pesos through a
// credit note; then only what is left can be refunded.
func TestMoneyRefundInput(t *testing.T) {
	forEachMoneyStore(t, func(t *testing.T, w *moneyWorld) {
		token := w.signIn()
		path := "/console/invoices/" + w.paid.ID + "/refund"
		for _, c := range []struct{ amount, says string }{
			{"", "Escribe el monto a reembolsar."},
			{"abc", "No entendimos el monto «abc». Escríbelo así: $12.345."},
			{"12.34.5", "No entendimos el monto"},
			{"1.5", "No entendimos el monto"},
			{"-500", "No entendimos el monto"},
			{"12,5", "No entendimos el monto"}, // CLP has no decimals
			{"99999999999999999999", "No entendimos el monto"},
			{"$0", "debe ser mayor que cero"},
			{"$30.000", "Se puede reembolsar como máximo $20.000."},
			{"9.000.000.000.000", "Se puede reembolsar como máximo $20.000."},
		} {
			res, body := w.post(path, url.Values{"csrf": {token}, "amount": {c.amount}, "reason": {"duplicate"}})
			require.Equal(t, http.StatusBadRequest, res.StatusCode, c.amount)
			require.Contains(t, body, c.says, c.amount)
			require.Contains(t, body, `id="refund-form"`, "the page again, with its form")
		}
		res, _ := w.post(path, url.Values{"csrf": {token}, "amount": {"100"}, "reason": {"whim"}})
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		notes, err := w.app.Collection.ListCreditNotes(t.Context(), w.scope, billing.CreditNoteFilter{InvoiceID: w.paid.ID}, billing.Page{Limit: 5})
		require.NoError(t, err)
		require.Empty(t, notes.Data, "nothing was refunded")

		res, body := w.post(path, url.Values{"csrf": {token}, "amount": {"$12.345"}, "reason": {"product_unsatisfactory"}})
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, body, "Se reembolsaron $12.345.")
		notes, err = w.app.Collection.ListCreditNotes(t.Context(), w.scope, billing.CreditNoteFilter{InvoiceID: w.paid.ID}, billing.Page{Limit: 5})
		require.NoError(t, err)
		require.Len(t, notes.Data, 1)
		require.Equal(t, int64(12345), notes.Data[0].Total)
		require.Equal(t, int64(12345), notes.Data[0].RefundAmount)
		require.Contains(t, visible(body), notes.Data[0].Number, "the credit note is listed")
		require.Contains(t, visible(body), "Reembolso de $12.345")

		res, body = w.post(path, url.Values{"csrf": {token}, "amount": {"8.000"}})
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Contains(t, body, "Se puede reembolsar como máximo $7.655.")
		res, _ = w.post(path, url.Values{"csrf": {token}, "amount": {"7.655"}})
		require.Equal(t, http.StatusOK, res.StatusCode)
		_, body = w.get("/console/invoices/" + w.paid.ID)
		require.NotContains(t, body, `id="refund-form"`, "nothing is left to refund")
		res, body = w.post(path, url.Values{"csrf": {token}, "amount": {"1"}})
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Contains(t, body, "no tiene un pago con tarjeta que reembolsar")

		_, body = w.get("/console/refunds")
		require.Contains(t, visible(body), "$12.345")
		require.Contains(t, visible(body), "El cliente no quedó conforme")

		// In English, amounts are read and said the English way.
		res, _ = w.post("/console/lang", url.Values{"csrf": {token}, "back": {"/console/invoices"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		res, body = w.post(path, url.Values{"csrf": {token}, "amount": {"twelve"}})
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Contains(t, body, "We could not read the amount “twelve”. Write it like this: CLP\u00a012,345.")
	})
}

// TestMoneyActions voids and marks invoices from their page; actions that
// no longer apply, and unknown ids, answer a page, never a 5xx; a viewer
// sees no action and a forged one is 403.
func TestMoneyActions(t *testing.T) {
	forEachMoneyStore(t, func(t *testing.T, w *moneyWorld) {
		token := w.signIn()
		open := "/console/invoices/" + w.open.ID
		_, body := w.get(open)
		require.Contains(t, body, `id="void"`)
		require.Contains(t, body, `id="mark-uncollectible"`)
		require.Contains(t, body, `id="pay-now"`, "the customer's card can be charged")

		res, _ := w.post(open+"/uncollectible", url.Values{"csrf": {token}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		_, body = w.get(res.Header.Get("Location"))
		require.Contains(t, body, "El documento quedó marcado como incobrable.")
		require.Contains(t, body, `id="pay-now"`, "an uncollectible invoice can still be paid")
		res, body = w.post(open+"/pay", url.Values{"csrf": {token}})
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, body, "Cobro realizado: el documento quedó pagado.")
		inv, err := w.app.Invoicing.GetInvoice(t.Context(), w.scope, w.open.ID)
		require.NoError(t, err)
		require.Equal(t, billing.InvoicePaid, inv.Status)
		res, body = w.post(open+"/void", url.Values{"csrf": {token}})
		require.Equal(t, http.StatusConflict, res.StatusCode)
		require.Contains(t, body, `id="error"`)

		// Another open invoice, voided.
		amount := int64(3000)
		other, err := w.app.Invoicing.CreateInvoice(t.Context(), w.scope, app.CreateInvoiceParams{Customer: w.open.CustomerID, Currency: "CLP",
			Finalize: true, Collection: billing.CollectionSendInvoice, Items: []app.InvoiceItemParams{{Amount: &amount, Description: "Otra visita"}}})
		require.NoError(t, err)
		res, _ = w.post("/console/invoices/"+other.ID+"/void", url.Values{"csrf": {token}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		_, body = w.get(res.Header.Get("Location"))
		require.Contains(t, body, "El documento quedó anulado.")
		inv, err = w.app.Invoicing.GetInvoice(t.Context(), w.scope, other.ID)
		require.NoError(t, err)
		require.Equal(t, billing.InvoiceVoid, inv.Status)
		res, _ = w.post("/console/invoices/"+other.ID+"/void", url.Values{"csrf": {token}})
		require.Equal(t, http.StatusConflict, res.StatusCode)
		res, _ = w.post("/console/invoices/"+w.paid.ID+"/pay", url.Values{"csrf": {token}})
		require.Equal(t, http.StatusConflict, res.StatusCode)

		// A declined card: charging again says why, in words.
		luisEmail := "luis@example.cl"
		luis, err := w.app.Customers.CreateCustomer(t.Context(), w.scope, app.CustomerParams{Email: &luisEmail})
		require.NoError(t, err)
		card, err := w.app.Customers.AttachPaymentMethod(t.Context(), w.scope, luis.ID, app.AttachPaymentMethodParams{Gateway: billing.GatewaySim,
			Token: billing.SimTokChargeDeclined})
		require.NoError(t, err)
		declined, err := w.app.Invoicing.CreateInvoice(t.Context(), w.scope, app.CreateInvoiceParams{Customer: luis.ID, Currency: "CLP",
			PaymentMethod: card.ID, Finalize: true, Items: []app.InvoiceItemParams{{Amount: &amount, Description: "Asesoría"}}})
		require.NoError(t, err)
		require.Equal(t, billing.InvoiceOpen, declined.Status)
		res, body = w.post("/console/invoices/"+declined.ID+"/pay", url.Values{"csrf": {token}})
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, body, "El cobro no se realizó: el banco rechazó el cobro.")
		require.Contains(t, visible(body), "Intento 2")
		// The customer's page names the decline in words and leads to
		// the document and the payment.
		res, body = w.get("/console/customers/" + luis.ID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, body, `href="/console/invoices/`+declined.ID+`"`)
		require.Contains(t, body, `href="/console/payments/`)
		require.Contains(t, visible(body), "el banco rechazó el cobro")
		require.NotContains(t, visible(body), "card_declined")

		for _, path := range []string{"/console/invoices/in_none", "/console/payments/pay_none", "/console/invoices/in_none/pdf",
			"/console/credit-notes/cn_none/pdf", "/console/invoices/" + w.paid.ID + "/tax-document/pdf",
			"/console/invoices/" + w.paid.ID + "/tax-document/doc"} {
			res, _ = w.get(path)
			require.Equal(t, http.StatusNotFound, res.StatusCode, path)
		}
		for _, action := range []string{"pay", "void", "uncollectible", "refund"} {
			res, _ = w.post("/console/invoices/in_none/"+action, url.Values{"csrf": {token}, "amount": {"100"}})
			require.Equal(t, http.StatusNotFound, res.StatusCode, action)
		}
		for _, path := range []string{"/console/invoices?status=bogus&after=x&q=%00", "/console/invoices?customer=cus_none",
			"/console/payments?status=lost&after=nope", "/console/refunds?after=nope", "/console/invoices/%ff", "/console/payments/%ff"} {
			res, _ = w.get(path)
			require.Less(t, res.StatusCode, 500, path)
		}

		// A viewer: no action buttons, and a forged refund is 403.
		viewer := &bundle{t: t, now: w.now, app: w.app, srv: w.srv, merchant: w.merchant, client: newClient(t)}
		vt := viewer.signInAs("mira@example.cl")
		_, body = viewer.get("/console/invoices/" + w.paid.ID)
		require.NotContains(t, body, `id="refund-form"`)
		require.NotContains(t, body, `id="invoice-actions"`)
		res, body = viewer.post("/console/invoices/"+w.paid.ID+"/refund", url.Values{"csrf": {vt}, "amount": {"100"}})
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.Contains(t, body, "Tu rol no permite hacer esto.")
		notes, err := w.app.Collection.ListCreditNotes(t.Context(), w.scope, billing.CreditNoteFilter{InvoiceID: w.paid.ID}, billing.Page{Limit: 5})
		require.NoError(t, err)
		require.Empty(t, notes.Data)
	})
}

// TestMoneyTaxDocument shows a paid invoice's Chilean tax document on its
// page (type, folio, status) and serves its PDF and XML through the
// session, as the API does.
func TestMoneyTaxDocument(t *testing.T) {
	forEachMoneyStore(t, func(t *testing.T, w *moneyWorld) {
		ctx := t.Context()
		dsim := dtesim.New(dtesim.Options{})
		ts := httptest.NewServer(dsim)
		t.Cleanup(ts.Close)
		t.Cleanup(dsim.Close)
		legal, rut, activity := "Corredora Sur SpA", "76.086.428-5", "Corretaje de seguros"
		_, err := w.app.Merchants.UpdateMerchant(ctx, w.merchant, app.UpdateMerchantParams{Profile: app.ProfileParams{LegalName: &legal,
			TaxID: &rut, Activity: &activity, Address: &billing.Address{Line1: "Av. Providencia 1234", District: "Providencia", Country: "CL"}}})
		require.NoError(t, err)
		enabled, key, base, code := true, dsim.APIKey(), ts.URL+"/v2/dte", int64(662000)
		_, err = w.app.Merchants.SetDTESettings(ctx, w.scope, app.DTESettingsParams{Enabled: &enabled, APIKey: &key, BaseURL: &base, ActivityCode: &code})
		require.NoError(t, err)
		amount := int64(15000)
		inv, err := w.app.Invoicing.CreateInvoice(ctx, w.scope, app.CreateInvoiceParams{Customer: w.paid.CustomerID, Currency: "CLP", Finalize: true,
			Items: []app.InvoiceItemParams{{Amount: &amount, Description: "Asesoría de abril"}}})
		require.NoError(t, err)
		require.Equal(t, billing.InvoicePaid, inv.Status)
		td, err := w.app.Invoicing.IssueTaxDocument(ctx, w.scope, inv.ID)
		require.NoError(t, err)
		_, err = w.app.Invoicing.EmitTaxDocument(ctx, app.EmitTaxDocumentArgs{MerchantID: w.merchant, Mode: billing.ModeTest, TaxDocumentID: td.ID})
		require.NoError(t, err)

		w.signIn()
		res, body := w.get("/console/invoices/" + inv.ID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		text := strings.Join(strings.Fields(visible(body)), " ")
		require.Contains(t, text, "Comprobante de pago "+inv.Number)
		require.Contains(t, text, "Boleta exenta electrónica")
		require.Contains(t, text, "Folio 1")
		require.Contains(t, text, "Emitido; el SII aún no responde")
		require.NotRegexp(t, rawIDRE, text)
		res, pdf := w.get("/console/invoices/" + inv.ID + "/tax-document/pdf")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.True(t, strings.HasPrefix(pdf, "%PDF"))
		require.Equal(t, `inline; filename="dte-41-1.pdf"`, res.Header.Get("Content-Disposition"))
		res, xml := w.get("/console/invoices/" + inv.ID + "/tax-document/xml")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, xml, "<TipoDTE>41</TipoDTE><Folio>1</Folio>")
	})
}

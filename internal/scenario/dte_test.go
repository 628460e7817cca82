package scenario_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/dte/openfactura"
	"github.com/cuota/cuota/internal/dtesim"
	"github.com/cuota/cuota/internal/gateway/sim"
)

// Chilean tax documents (docs/dte.md) on both stores, against dtesim
// through the OpenFactura adapter: a paid CLP invoice gets a boleta, a
// business customer a factura, an exempt product a boleta exenta, and a
// timeout after the provider accepted ends with exactly one document
// after the lookup.
func TestTaxDocuments(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			for _, sc := range []struct {
				name string
				run  func(t *testing.T, d *dteWorld)
			}{
				{"boleta_for_a_paid_clp_invoice", scenarioBoleta},
				{"factura_for_a_business_customer", scenarioFactura},
				{"exempt_product_boleta_exenta", scenarioBoletaExenta},
				{"timeout_after_accept_one_document", scenarioDTETimeout},
				{"answer_lost_past_lookup_window_alert", scenarioDTEStuck},
				{"provider_down_money_not_blocked", scenarioDTEProviderDown},
				{"provider_down_during_a_renewal", scenarioDTEDownAtRenewal},
				{"sii_rejection_then_reissue", scenarioDTERejected},
				{"refund_nota_de_credito_references_folio", scenarioNotaDeCredito},
				{"send_invoice_issued_when_finalized_then_voided", scenarioDTEOnFinalize},
			} {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					sc.run(t, newDTEWorld(t, sk.open(t)))
				})
			}
		})
	}
}

// dteWorld is a harness whose App issues tax documents through dtesim.
type dteWorld struct {
	*harness
	dsim *dtesim.Server
	url  string
	// later moves the App's own clock (not the test clock) forward.
	later *time.Duration
}

func newDTEWorld(t *testing.T, store testStore) *dteWorld {
	return newDTEWorldWith(t, store, nil)
}

// newDTEWorldWith is newDTEWorld with more configuration (a mailer).
func newDTEWorldWith(t *testing.T, store testStore, configure func(c *app.Config)) *dteWorld {
	dsim := dtesim.New(dtesim.Options{})
	ts := httptest.NewServer(dsim)
	t.Cleanup(ts.Close)
	t.Cleanup(dsim.Close)
	later := new(time.Duration)
	h := newHarnessWith(t, store, func(c *app.Config, _ *sim.Gateway) {
		c.Ports.DTE = &openfactura.Provider{Timeout: 2 * time.Second}
		c.Now = func() time.Time { return wallClock().Add(*later) }
		if configure != nil {
			configure(c)
		}
	})
	h.begin("America/Santiago", ts0)
	legal, rut, giro := "Agente SpA", "76.086.428-5", "Desarrollo de software"
	addr := billing.Address{Line1: "Av. Providencia 1234", District: "Providencia", City: "Santiago", Country: "CL"}
	_, err := h.app.Merchants.UpdateMerchant(h.ctx, h.m.ID, app.UpdateMerchantParams{Mode: h.s.Mode,
		Profile: app.ProfileParams{LegalName: &legal, TaxID: &rut, Activity: &giro, Address: &addr}})
	require.NoError(t, err)
	key, base, code := dsim.APIKey(), ts.URL+"/v2/dte", int64(620200)
	v, err := h.app.Merchants.SetDTESettings(h.ctx, h.s, app.DTESettingsParams{Enabled: ptr(true), APIKey: &key, BaseURL: &base, ActivityCode: &code})
	require.NoError(t, err)
	require.True(t, v.Enabled)
	require.Equal(t, "…"+key[len(key)-4:], v.APIKey)
	return &dteWorld{harness: h, dsim: dsim, url: ts.URL, later: later}
}

var ts0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

// paidInvoice subscribes a new customer to a CLP price (taxed by rates)
// and returns its first invoice, paid by the sim gateway.
func (d *dteWorld) paidInvoice(profile *app.TaxProfileParams, amount int64, rates ...billing.TaxRate) billing.Invoice {
	d.t.Helper()
	cus := d.customer("cliente@example.cl")
	if profile != nil {
		_, err := d.app.Customers.UpdateCustomer(d.ctx, d.s, cus.ID, app.CustomerParams{TaxProfile: *profile})
		require.NoError(d.t, err)
	}
	pm := d.attach(cus.ID, billing.SimTokVisa)
	price := d.priceTaxed(amount, "CLP", rates...)
	sub := d.subscribeTo(cus.ID, price.ID, pm.ID)
	invs := d.invoices(sub.ID)
	require.Len(d.t, invs, 1)
	require.Equal(d.t, billing.InvoicePaid, invs[0].Status)
	return invs[0]
}

// emission starts the invoice's emission as a merchant's request does
// (the dispatcher does the same on invoice.paid: dispatched checks that
// path) and returns the tax document as the API shows it.
func (d *dteWorld) emission(invoiceID string) billing.TaxDocument {
	d.t.Helper()
	doc, err := d.app.Invoicing.IssueTaxDocument(d.ctx, d.s, invoiceID)
	require.NoError(d.t, err)
	inv, err := d.app.Invoicing.GetInvoice(d.ctx, d.s, invoiceID)
	require.NoError(d.t, err)
	require.NotNil(d.t, inv.TaxDocument)
	require.Equal(d.t, doc, *inv.TaxDocument)
	return doc
}

// dispatched runs the dispatcher until it has recorded the invoice's
// emission on invoice.paid. On PostgreSQL the dispatcher sees an event
// only once every transaction older than it has ended (other tests'
// included): it is polled, as the jobs' tests do.
func (d *dteWorld) dispatched(invoiceID string) billing.TaxDocument {
	d.t.Helper()
	var doc billing.TaxDocument
	waitFor(d.t, func() bool {
		_, err := d.app.Notifications.DispatchNotifications(d.ctx)
		require.NoError(d.t, err)
		inv, err := d.app.Invoicing.GetInvoice(d.ctx, d.s, invoiceID)
		require.NoError(d.t, err)
		if inv.TaxDocument != nil {
			doc = *inv.TaxDocument
		}
		return inv.TaxDocument != nil
	}, "the dispatcher to record the paid invoice's emission")
	return doc
}

// step runs one step of the emission job.
func (d *dteWorld) step(doc billing.TaxDocument) app.TaxDocumentStep {
	d.t.Helper()
	st, err := d.app.Invoicing.EmitTaxDocument(d.ctx, app.EmitTaxDocumentArgs{MerchantID: d.s.MerchantID, Mode: d.s.Mode, TaxDocumentID: doc.ID})
	require.NoError(d.t, err)
	return st
}

// issueAndAccept runs the emission to the SII's acceptance.
func (d *dteWorld) issueAndAccept(invoiceID string, want billing.DTEType) billing.TaxDocument {
	d.t.Helper()
	return d.runToAcceptance(d.emission(invoiceID), want)
}

func (d *dteWorld) runToAcceptance(doc billing.TaxDocument, want billing.DTEType) billing.TaxDocument {
	d.t.Helper()
	invoiceID := doc.InvoiceID
	require.Equal(d.t, billing.DTEPending, doc.Status)
	require.Equal(d.t, want, doc.Type)
	require.Equal(d.t, billing.DTEEmissionKey(invoiceID, want, doc.Attempt), doc.Key)
	st := d.step(doc)
	require.False(d.t, st.Done)
	require.Equal(d.t, billing.DTEIssued, st.Document.Status)
	require.Positive(d.t, st.Document.Folio)
	require.NotEmpty(d.t, st.Document.ProviderID)
	st = d.step(doc)
	require.Equal(d.t, billing.DTEIssued, st.Document.Status, "the SII has not decided yet")
	require.Equal(d.t, "Pendiente", st.Document.SIIStatus)
	d.dsim.Settle()
	st = d.step(doc)
	require.True(d.t, st.Done)
	require.Equal(d.t, billing.DTEAccepted, st.Document.Status)
	require.Equal(d.t, "Aceptado", st.Document.SIIStatus)
	// Asking again returns the accepted document: never a second one.
	again := d.emission(invoiceID)
	require.Equal(d.t, doc.ID, again.ID)
	require.Equal(d.t, billing.DTEAccepted, again.Status)
	return st.Document
}

func scenarioBoleta(t *testing.T, d *dteWorld) {
	iva := d.taxRate("IVA", "19", false)
	inv := d.paidInvoice(nil, 10000, iva)
	require.Equal(t, int64(11900), inv.Total)
	doc := d.runToAcceptance(d.dispatched(inv.ID), billing.DTEBoleta)
	require.Equal(t, int64(1), doc.Folio)
	docs := d.dsim.Documents()
	require.Len(t, docs, 1)
	require.Equal(t, 39, docs[0].Type)
	require.Equal(t, int64(11900), docs[0].Request.Encabezado.Totales.MntTotal)
	require.Equal(t, openfactura.GenericRUT, docs[0].Request.Encabezado.Receptor.RUTRecep)
	require.Equal(t, "76086428-5", docs[0].Request.Encabezado.Emisor.RUTEmisor)
	require.Contains(t, d.eventTypes(), app.EventInvoiceTaxDocumentIssued)

	pdf, err := d.app.Invoicing.TaxDocumentFile(d.ctx, d.s, inv.ID, app.DTEFormatPDF)
	require.NoError(t, err)
	require.Contains(t, string(pdf), "BOLETA ELECTRONICA N. 1")
}

func scenarioFactura(t *testing.T, d *dteWorld) {
	iva := d.taxRate("IVA", "19", false)
	legal, giro := "Inmobiliaria Los Aromos SpA", "Corretaje de propiedades"
	addr := billing.Address{Line1: "Los Aromos 55", District: "Ñuñoa", Country: "CL"}
	profile := &app.TaxProfileParams{LegalName: &legal, Activity: &giro, Address: &addr,
		TaxIDs: &[]app.TaxIDParams{{Type: billing.TaxIDChileRUT, Value: "76.430.498-5"}}}
	inv := d.paidInvoice(profile, 50000, iva)
	doc := d.issueAndAccept(inv.ID, billing.DTEFactura)
	require.Equal(t, int64(1), doc.Folio)
	sent := d.dsim.Documents()[0].Request.Encabezado
	require.Equal(t, "76430498-5", sent.Receptor.RUTRecep)
	require.Equal(t, legal, sent.Receptor.RznSocRecep)
	require.Equal(t, giro, sent.Receptor.GiroRecep)
	require.Equal(t, openfactura.Totales{MntNeto: 50000, TasaIVA: "19", IVA: 9500, MntTotal: 59500}, sent.Totales)
	require.Equal(t, 620200, sent.Emisor.Acteco)
}

func scenarioBoletaExenta(t *testing.T, d *dteWorld) {
	inv := d.paidInvoice(nil, 30000) // no tax rate: an exempt product
	require.Zero(t, inv.Tax)
	d.issueAndAccept(inv.ID, billing.DTEBoletaExenta)
	sent := d.dsim.Documents()[0]
	require.Equal(t, 41, sent.Type)
	require.Equal(t, 1, sent.Request.Detalle[0].IndExe)
	require.Equal(t, int64(30000), sent.Request.Encabezado.Totales.MntExe)
}

func scenarioDTETimeout(t *testing.T, d *dteWorld) {
	iva := d.taxRate("IVA", "19", false)
	inv := d.paidInvoice(nil, 10000, iva)
	doc := d.emission(inv.ID)
	d.dsim.FaultNext(1, dtesim.FaultTimeoutAfterAccept)
	st := d.step(doc) // the provider issues, the answer never comes (2 s timeout)
	require.False(t, st.Done)
	require.Equal(t, billing.DTEUnknown, st.Document.Status)
	require.Len(t, d.dsim.Documents(), 1, "the provider accepted it")
	require.NotNil(t, st.Document.FirstSent, "the first sending was recorded before the call")

	st = d.step(doc) // the lookup replays the key: OF-06 with the token
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	docs := d.dsim.Documents()
	require.Len(t, docs, 1, "exactly one document after the lookup")
	require.Equal(t, docs[0].Token, st.Document.ProviderID)
	require.Equal(t, docs[0].Folio, st.Document.Folio)
	d.dsim.Settle()
	st = d.step(doc)
	require.Equal(t, billing.DTEAccepted, st.Document.Status)
	require.Len(t, d.dsim.Documents(), 1)
}

// The provider's answer is lost and the emission cannot be looked up
// for 23 hours: it is never issued blindly again; the merchant is alerted
// (critical) to check the provider's portal.
func scenarioDTEStuck(t *testing.T, d *dteWorld) {
	iva := d.taxRate("IVA", "19", false)
	inv := d.paidInvoice(nil, 10000, iva)
	doc := d.emission(inv.ID)
	d.dsim.FaultNext(1, dtesim.FaultTimeoutAfterAccept)
	st := d.step(doc)
	require.Equal(t, billing.DTEUnknown, st.Document.Status)
	*d.later = billing.DTELookupWindow
	st = d.step(doc)
	require.True(t, st.Done, "left for the merchant")
	require.Equal(t, billing.DTEUnknown, st.Document.Status)
	require.Len(t, d.dsim.Documents(), 1, "never issued blindly again")
	open := d.alerts(billing.AlertOpen)
	require.Len(t, open, 1)
	require.Equal(t, billing.AlertTaxDocumentStuck, open[0].Kind)
	require.Equal(t, billing.SeverityCritical, open[0].Severity)
	require.Equal(t, inv.ID, open[0].ObjectID)
	require.Contains(t, open[0].Message.ES, "Revisa el portal del proveedor")
}

// The provider answers 500 before doing anything: the emission waits as
// unknown and is resolved by lookup; the invoice stays paid throughout.
func scenarioDTEProviderDown(t *testing.T, d *dteWorld) {
	iva := d.taxRate("IVA", "19", false)
	inv := d.paidInvoice(nil, 10000, iva)
	doc := d.emission(inv.ID)
	d.dsim.FaultNext(2, dtesim.FaultServerError)
	st := d.step(doc)
	require.Equal(t, billing.DTEUnknown, st.Document.Status)
	require.Equal(t, 30*time.Second, st.Retry)
	st = d.step(doc)
	require.Equal(t, billing.DTEUnknown, st.Document.Status)
	require.Equal(t, time.Minute, st.Retry, "backoff doubles")
	require.Empty(t, d.dsim.Documents())
	got, err := d.app.Invoicing.GetInvoice(d.ctx, d.s, inv.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, got.Status, "money is never blocked")
	// A job lost while the provider was down: the resume sweep starts
	// another once the emission is overdue by 15 minutes, and only then.
	n, err := d.app.Invoicing.ResumeTaxDocuments(d.ctx, 10)
	require.NoError(t, err)
	require.Zero(t, n, "not stalled yet")
	*d.later = time.Hour
	n, err = d.app.Invoicing.ResumeTaxDocuments(d.ctx, 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = d.app.Invoicing.ResumeTaxDocuments(d.ctx, 10)
	require.NoError(t, err)
	require.Zero(t, n, "rescheduled: one new job, not one per sweep")
	require.Empty(t, d.alerts(billing.AlertOpen), "an hour of silence is not yet seen by a step")

	// A step an hour after the emission was recorded that still gets no
	// answer tells the merchant, once, on the provider.
	d.dsim.FaultNext(2, dtesim.FaultServerError)
	d.step(doc)
	d.step(doc)
	open := d.alerts(billing.AlertOpen)
	require.Len(t, open, 1)
	require.Equal(t, billing.AlertTaxDocumentsDelayed, open[0].Kind)
	require.Equal(t, billing.AlertObjectDTEProvider, open[0].ObjectType)
	require.Equal(t, int64(2), open[0].Count)
	require.Contains(t, open[0].Message.ES, "sigue cobrando")

	st = d.step(doc) // back up: the lookup issues it once
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	require.Len(t, d.dsim.Documents(), 1)
	require.Empty(t, d.alerts(billing.AlertOpen), "the provider answered: resolved")
	resolved := d.alerts(billing.AlertResolved)
	require.Len(t, resolved, 1)
	require.Equal(t, billing.AlertTaxDocumentsDelayed, resolved[0].Kind)
}

// The SII rejects a factura: the emission ends rejected, with its event.
// The merchant fixes the customer's giro and asks again: a new attempt
// under a new key, which the SII accepts.
func scenarioDTERejected(t *testing.T, d *dteWorld) {
	iva := d.taxRate("IVA", "19", false)
	legal, giro := "Hosty SpA", "Servicios informáticos"
	profile := &app.TaxProfileParams{LegalName: &legal, Activity: &giro,
		TaxIDs: &[]app.TaxIDParams{{Type: billing.TaxIDChileRUT, Value: "76430498-5"}}}
	inv := d.paidInvoice(profile, 20000, iva)
	doc := d.emission(inv.ID)
	d.dsim.FaultNext(1, dtesim.FaultReject)
	st := d.step(doc)
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	d.dsim.Settle()
	st = d.step(doc)
	require.True(t, st.Done)
	require.Equal(t, billing.DTERejected, st.Document.Status)
	require.Equal(t, "Rechazado", st.Document.SIIStatus)
	require.Contains(t, d.eventTypes(), app.EventInvoiceTaxDocumentRejected)
	open := d.alerts(billing.AlertOpen)
	require.Len(t, open, 1, "the rejection needs the merchant")
	require.Equal(t, billing.AlertTaxDocumentRejected, open[0].Kind)
	require.Equal(t, "invoice", open[0].ObjectType)
	require.Equal(t, inv.ID, open[0].ObjectID)
	require.Contains(t, open[0].Message.ES, "La factura electrónica del documento "+inv.Number+" fue rechazada (Rechazado)")
	require.Contains(t, d.eventTypes(), app.EventAlertOpened)

	// The merchant fixes the customer's data and issues again.
	fixed := "Consultoría informática"
	_, err := d.app.Customers.UpdateCustomer(d.ctx, d.s, inv.CustomerID, app.CustomerParams{TaxProfile: app.TaxProfileParams{Activity: &fixed}})
	require.NoError(t, err)
	second := d.emission(inv.ID)
	require.Equal(t, 2, second.Attempt)
	require.NotEqual(t, doc.Key, second.Key)
	got := d.runToAcceptance(second, billing.DTEFactura)
	require.Equal(t, int64(2), got.Folio)
	require.Equal(t, fixed, d.dsim.Documents()[1].Request.Encabezado.Receptor.GiroRecep)
	require.Empty(t, d.alerts(billing.AlertOpen), "the second document stands: the alert resolved itself")
	require.Contains(t, d.eventTypes(), app.EventAlertResolved)
}

// A credit note refunding part of an accepted factura issues a nota de
// crédito (61) referencing the factura's type and folio, through the
// dispatcher on credit_note.created, exactly once.
func scenarioNotaDeCredito(t *testing.T, d *dteWorld) {
	iva := d.taxRate("IVA", "19", false)
	legal, giro := "Hosty SpA", "Servicios informáticos"
	profile := &app.TaxProfileParams{LegalName: &legal, Activity: &giro,
		TaxIDs: &[]app.TaxIDParams{{Type: billing.TaxIDChileRUT, Value: "76430498-5"}}}
	inv := d.paidInvoice(profile, 10000, iva) // 11.900
	orig := d.issueAndAccept(inv.ID, billing.DTEFactura)

	note, err := d.app.Collection.CreateCreditNote(d.ctx, d.s, app.CreditNoteParams{Invoice: inv.ID, Amount: ptr(int64(4000)),
		RefundAmount: ptr(int64(4000)), Reason: "product_unsatisfactory"})
	require.NoError(t, err)
	require.Equal(t, int64(639), note.Tax, "4.000 of 11.900 returns 639 of its 1.900 IVA")

	var noteDocs []billing.TaxDocument
	waitFor(t, func() bool {
		_, err := d.app.Notifications.DispatchNotifications(d.ctx)
		require.NoError(t, err)
		noteDocs, err = d.app.Invoicing.CreditNoteTaxDocuments(d.ctx, d.s, inv.ID)
		require.NoError(t, err)
		return len(noteDocs) > 0
	}, "the dispatcher to record the nota de crédito")
	require.Len(t, noteDocs, 1)
	nc := noteDocs[0]
	require.Equal(t, billing.DTENotaDeCredito, nc.Type)
	require.Equal(t, note.ID, nc.CreditNoteID)
	require.Equal(t, billing.DTEEmissionKey(note.ID, billing.DTENotaDeCredito, 1), nc.Key)
	st := d.step(nc)
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	require.Equal(t, int64(1), st.Document.Folio, "the first 61")
	d.dsim.Settle()
	st = d.step(nc)
	require.Equal(t, billing.DTEAccepted, st.Document.Status)

	docs := d.dsim.Documents()
	require.Len(t, docs, 2)
	sent := docs[1].Request
	require.Equal(t, 61, docs[1].Type)
	require.Equal(t, "33", sent.Referencia[0].TpoDocRef)
	require.Equal(t, "1", sent.Referencia[0].FolioRef)
	require.Equal(t, "3", sent.Referencia[0].CodRef, "a partial refund corrects amounts")
	require.Equal(t, openfactura.Totales{MntNeto: 3361, TasaIVA: "19", IVA: 639, MntTotal: 4000}, sent.Encabezado.Totales)
	require.Equal(t, orig.Folio, int64(1))

	// The invoice still shows its factura.
	got, err := d.app.Invoicing.GetInvoice(d.ctx, d.s, inv.ID)
	require.NoError(t, err)
	require.Equal(t, orig.ID, got.TaxDocument.ID)

	// The credit note shows its nota de crédito, in one and in a list,
	// and its PDF is the provider's 61.
	gotNote, err := d.app.Collection.GetCreditNote(d.ctx, d.s, note.ID)
	require.NoError(t, err)
	require.NotNil(t, gotNote.TaxDocument)
	require.Equal(t, nc.ID, gotNote.TaxDocument.ID)
	require.Equal(t, billing.DTEAccepted, gotNote.TaxDocument.Status)
	require.Equal(t, int64(1), gotNote.TaxDocument.Folio)
	notes, err := d.app.Collection.ListCreditNotes(d.ctx, d.s, billing.CreditNoteFilter{}, billing.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, notes.Data, 1)
	require.Equal(t, nc.ID, notes.Data[0].TaxDocument.ID)
	pdf, err := d.app.Invoicing.CreditNoteTaxDocumentFile(d.ctx, d.s, note.ID, app.DTEFormatPDF)
	require.NoError(t, err)
	require.Contains(t, string(pdf), "NOTA DE CREDITO ELECTRONICA N. 1")
}

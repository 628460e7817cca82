package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/dtesim"
)

// With issue_on finalized, an invoice sent to a business to be paid by
// hand gets its factura when it is finalized — on credit (FmaPago 2) —
// and paying it later issues nothing more. A second such invoice, voided
// after its factura was issued, gets the nota de crédito that voids it
// (CodRef 1, the whole amount). An invoice charged automatically still
// waits for its payment.
func scenarioDTEOnFinalize(t *testing.T, d *dteWorld) {
	key := d.dsim.APIKey()
	_, err := d.app.Merchants.SetDTESettings(d.ctx, d.s, app.DTESettingsParams{IssueOn: ptr("someday"), APIKey: &key})
	requireCode(t, err, billing.CodeParameterInvalid)
	v, err := d.app.Merchants.SetDTESettings(d.ctx, d.s, app.DTESettingsParams{IssueOn: ptr(billing.DTEIssueOnFinalized)})
	require.NoError(t, err)
	require.Equal(t, billing.DTEIssueOnFinalized, v.IssueOn)

	iva := d.taxRate("IVA", "19", false)
	cus := d.customer("pagos@hosty.cl")
	legal, giro := "Hosty SpA", "Servicios informáticos"
	_, err = d.app.Customers.UpdateCustomer(d.ctx, d.s, cus.ID, app.CustomerParams{TaxProfile: app.TaxProfileParams{LegalName: &legal,
		Activity: &giro, TaxIDs: &[]app.TaxIDParams{{Type: billing.TaxIDChileRUT, Value: "76430498-5"}}}})
	require.NoError(t, err)
	sendInvoice := func(amount int64) billing.Invoice {
		return d.oneOff(app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP", Collection: billing.CollectionSendInvoice, Finalize: true,
			Items: []app.InvoiceItemParams{{Amount: &amount, Description: "Asesoría", TaxRates: []string{iva.ID}}}})
	}

	inv := sendInvoice(10000)
	require.Equal(t, billing.InvoiceOpen, inv.Status)
	doc := d.dispatched(inv.ID)
	require.Equal(t, billing.DTEFactura, doc.Type)
	st := d.step(doc)
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	sent := d.dsim.Documents()[0].Request.Encabezado
	require.EqualValues(t, 2, sent.IdDoc.FmaPago, "a sale on credit")
	require.Equal(t, int64(11900), sent.Totales.MntTotal)

	// Paid later: the same document stands, nothing new is issued.
	d.attach(cus.ID, billing.SimTokVisa)
	paidLater, err := d.app.Collection.PayInvoice(d.ctx, d.s, inv.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, paidLater.Status)
	waitFor(t, func() bool {
		_, err := d.app.Notifications.DispatchNotifications(d.ctx)
		require.NoError(t, err)
		return d.receiptOfOK(inv.ID)
	}, "the dispatcher to read invoice.paid")
	d.dsim.Settle()
	d.step(doc)
	require.Len(t, d.dsim.Documents(), 1)
	got, err := d.app.Invoicing.GetInvoice(d.ctx, d.s, inv.ID)
	require.NoError(t, err)
	require.Equal(t, doc.ID, got.TaxDocument.ID)
	require.Equal(t, billing.DTEAccepted, got.TaxDocument.Status)

	// Voided after its factura: the nota de crédito voids it.
	second := sendInvoice(20000)
	doc2 := d.dispatched(second.ID)
	d.step(doc2)
	_, err = d.app.Collection.VoidInvoice(d.ctx, d.s, second.ID)
	require.NoError(t, err)
	var notes []billing.TaxDocument
	waitFor(t, func() bool {
		_, err := d.app.Notifications.DispatchNotifications(d.ctx)
		require.NoError(t, err)
		notes, err = d.app.Invoicing.CreditNoteTaxDocuments(d.ctx, d.s, second.ID)
		require.NoError(t, err)
		return len(notes) > 0
	}, "the dispatcher to record the voiding nota de crédito")
	require.Len(t, notes, 1)
	st = d.step(notes[0])
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	docs := d.dsim.Documents()
	require.Len(t, docs, 3)
	nc := docs[2]
	require.Equal(t, 61, nc.Type)
	require.Equal(t, "1", nc.Request.Referencia[0].CodRef, "voids the original")
	require.Equal(t, "33", nc.Request.Referencia[0].TpoDocRef)
	require.Equal(t, "2", nc.Request.Referencia[0].FolioRef)
	require.Equal(t, int64(23800), nc.Request.Encabezado.Totales.MntTotal)
	voided, err := d.app.Invoicing.GetInvoice(d.ctx, d.s, second.ID)
	require.NoError(t, err)
	require.Equal(t, doc2.ID, voided.TaxDocument.ID, "the invoice still names its factura")

	// Charged automatically: nothing at finalization; the payment issues it.
	paid := d.paidInvoice(nil, 5000, iva)
	require.Equal(t, billing.DTEBoleta, d.dispatched(paid.ID).Type)
}

// The provider is down when a subscription renews: the renewal is
// charged all the same, its emission waits (unknown, retried), and the
// document follows — exactly one — once the provider answers again.
func scenarioDTEDownAtRenewal(t *testing.T, d *dteWorld) {
	iva := d.taxRate("IVA", "19", false)
	first := d.paidInvoice(nil, 10000, iva)
	d.runToAcceptance(d.dispatched(first.ID), billing.DTEBoleta)

	d.advanceTo(ts0.AddDate(0, 1, 0).Add(time.Hour))
	var renewal billing.Invoice
	for _, inv := range d.invoices(first.SubscriptionID) {
		if inv.ID != first.ID {
			renewal = inv
		}
	}
	require.Equal(t, billing.InvoicePaid, renewal.Status, "the renewal is charged whatever the provider's state")
	require.Equal(t, "subscription_cycle", renewal.BillingReason)
	doc := d.dispatched(renewal.ID)
	d.dsim.FaultNext(2, dtesim.FaultServerError)
	st := d.step(doc)
	require.Equal(t, billing.DTEUnknown, st.Document.Status)
	require.False(t, st.Done)
	st = d.step(doc)
	require.Equal(t, billing.DTEUnknown, st.Document.Status, "still down: waits, retried with backoff")
	require.Len(t, d.dsim.Documents(), 1, "only the first invoice's boleta so far")

	st = d.step(doc) // back up: the lookup under the same key issues it once
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	require.Equal(t, int64(2), st.Document.Folio)
	require.Len(t, d.dsim.Documents(), 2)
	got, err := d.app.Invoicing.GetInvoice(d.ctx, d.s, renewal.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, got.Status)
	require.Equal(t, doc.ID, got.TaxDocument.ID)
}

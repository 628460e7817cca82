package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// The customer's receipt carries the boleta: the receipt waits (without
// spending an attempt) while the emission is on its way, and goes with
// the provider's PDF attached once the folio is known. A receipt whose
// document is still not issued after billing.ReceiptWaitsForTaxDocument
// goes without it.
func TestReceiptCarriesTaxDocument(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			receiptCarriesBoleta(t, sk.open(t))
		})
	}
}

func receiptCarriesBoleta(t *testing.T, store testStore) {
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTPSender(smtp.Config())
	require.NoError(t, err)
	d := newDTEWorldWith(t, store, func(c *app.Config) {
		c.Mailer = app.Mailer{Sender: sender, From: "cobros@agente.example"}
	})
	iva := d.taxRate("IVA", "19", false)
	inv := d.paidInvoice(nil, 10000, iva)
	doc := d.dispatched(inv.ID)
	receipt := d.receiptOf(inv.ID)

	out, err := d.app.Notifications.SendEmail(d.ctx, app.SendEmailArgs{MerchantID: d.s.MerchantID, Mode: d.s.Mode, EmailID: receipt.ID}, 1)
	require.NoError(t, err)
	require.Equal(t, billing.ReceiptTaxDocumentWait, out.Wait, "the boleta is on its way: the receipt waits for it")
	got, err := d.app.Notifications.GetEmail(d.ctx, d.s, receipt.ID)
	require.NoError(t, err)
	require.Equal(t, billing.EmailPending, got.Status)
	require.Zero(t, got.Attempts, "waiting is not an attempt")

	st := d.step(doc)
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	out, err = d.app.Notifications.SendEmail(d.ctx, app.SendEmailArgs{MerchantID: d.s.MerchantID, Mode: d.s.Mode, EmailID: receipt.ID}, 1)
	require.NoError(t, err)
	require.Zero(t, out.Wait)
	msgs, err := smtp.Wait(d.ctx, 1)
	require.NoError(t, err)
	m := msgs[0]
	require.Len(t, m.Attachments, 2)
	require.Equal(t, "comprobante-"+inv.Number+"-prueba.pdf", m.Attachments[0].Filename)
	require.Equal(t, "boleta-electronica-1.pdf", m.Attachments[1].Filename)
	require.Equal(t, "application/pdf", m.Attachments[1].ContentType)
	require.Contains(t, string(m.Attachments[1].Data), "BOLETA ELECTRONICA N. 1", "the provider's own PDF")
	require.Contains(t, m.Text, "Documento tributario: Boleta electrónica N.º 1")
	require.Contains(t, m.Text, "Adjuntamos también el documento tributario emitido ante el SII.")
	require.Contains(t, m.HTML, "Boleta electrónica N.º 1")

	// A second invoice whose emission never gets issued: after the wait
	// the receipt goes without it.
	inv2 := d.paidInvoice(nil, 5000, iva)
	d.dispatched(inv2.ID)
	receipt2 := d.receiptOf(inv2.ID)
	*d.later += billing.ReceiptWaitsForTaxDocument
	out, err = d.app.Notifications.SendEmail(d.ctx, app.SendEmailArgs{MerchantID: d.s.MerchantID, Mode: d.s.Mode, EmailID: receipt2.ID}, 1)
	require.NoError(t, err)
	require.Zero(t, out.Wait)
	msgs, err = smtp.Wait(d.ctx, 2)
	require.NoError(t, err)
	require.Len(t, msgs[1].Attachments, 1, "only cuota's receipt")
	require.NotContains(t, msgs[1].Text, "Documento tributario")
}

// receiptOfOK reports whether a payment receipt was recorded for an
// invoice (the dispatcher has read its invoice.paid).
func (d *dteWorld) receiptOfOK(invoiceID string) bool {
	d.t.Helper()
	l, err := d.app.Notifications.ListEmails(d.ctx, d.s, billing.EmailFilter{Template: billing.EmailPaymentReceipt}, billing.Page{Limit: 100})
	require.NoError(d.t, err)
	for _, e := range l.Data {
		if e.ObjectID == invoiceID {
			return true
		}
	}
	return false
}

// receiptOf returns the payment receipt email recorded for an invoice.
func (d *dteWorld) receiptOf(invoiceID string) billing.Email {
	d.t.Helper()
	l, err := d.app.Notifications.ListEmails(d.ctx, d.s, billing.EmailFilter{Template: billing.EmailPaymentReceipt}, billing.Page{Limit: 100})
	require.NoError(d.t, err)
	for _, e := range l.Data {
		if e.ObjectID == invoiceID {
			return e
		}
	}
	require.FailNow(d.t, "no receipt for "+invoiceID)
	return billing.Email{}
}

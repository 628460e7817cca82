package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// The credit note's own email carries its nota de crédito (61) as the
// receipt carries the boleta: it waits (without spending an attempt)
// while the 61 is on its way, then names it and attaches the provider's
// PDF beside cuota's credit note; a 61 still not issued after
// billing.ReceiptWaitsForTaxDocument does not hold the email back.
func TestCreditNoteEmailCarriesNotaDeCredito(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			creditNoteCarriesNota(t, sk.open(t))
		})
	}
}

func creditNoteCarriesNota(t *testing.T, store testStore) {
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTPSender(smtp.Config())
	require.NoError(t, err)
	d := newDTEWorldWith(t, store, func(c *app.Config) {
		c.Mailer = app.Mailer{Sender: sender, From: "cobros@agente.example"}
	})
	iva := d.taxRate("IVA", "19", false)
	legal, giro := "Hosty SpA", "Servicios informáticos"
	profile := &app.TaxProfileParams{LegalName: &legal, Activity: &giro,
		TaxIDs: &[]app.TaxIDParams{{Type: billing.TaxIDChileRUT, Value: "76430498-5"}}}
	inv := d.paidInvoice(profile, 10000, iva)
	d.issueAndAccept(inv.ID, billing.DTEFactura)

	note, nc := d.refundedNote(inv.ID, 4000)
	email := d.creditNoteEmail(note.ID)
	send := func(e billing.Email) app.EmailOutcome {
		out, err := d.app.Notifications.SendEmail(d.ctx, app.SendEmailArgs{MerchantID: d.s.MerchantID, Mode: d.s.Mode, EmailID: e.ID}, 1)
		require.NoError(t, err)
		return out
	}
	require.Equal(t, billing.ReceiptTaxDocumentWait, send(email).Wait, "the nota de crédito is on its way: the email waits for it")
	got, err := d.app.Notifications.GetEmail(d.ctx, d.s, email.ID)
	require.NoError(t, err)
	require.Equal(t, billing.EmailPending, got.Status)
	require.Zero(t, got.Attempts, "waiting is not an attempt")

	st := d.step(nc)
	require.Equal(t, billing.DTEIssued, st.Document.Status)
	require.Zero(t, send(email).Wait)
	msgs, err := smtp.Wait(d.ctx, 1)
	require.NoError(t, err)
	m := msgs[0]
	require.Len(t, m.Attachments, 2)
	require.Equal(t, app.CreditNoteFilename(d.m, billing.Customer{Locale: "es-CL"}, note), m.Attachments[0].Filename)
	require.Equal(t, "nota-de-credito-electronica-1.pdf", m.Attachments[1].Filename)
	require.Equal(t, "application/pdf", m.Attachments[1].ContentType)
	require.Contains(t, string(m.Attachments[1].Data), "NOTA DE CREDITO ELECTRONICA N. 1", "the provider's own PDF")
	require.Contains(t, m.Text, "Documento tributario: Nota de crédito electrónica N.º 1")
	require.Contains(t, m.Text, "Adjuntamos también la nota de crédito emitida ante el SII.")
	require.Contains(t, m.HTML, "Nota de crédito electrónica N.º 1")
	require.Contains(t, m.HTML, "Adjuntamos también la nota de crédito emitida ante el SII.")

	// A second note whose 61 is never issued: after the wait its email
	// goes without it.
	note2, _ := d.refundedNote(inv.ID, 1000)
	email2 := d.creditNoteEmail(note2.ID)
	*d.later += billing.ReceiptWaitsForTaxDocument
	require.Zero(t, send(email2).Wait)
	msgs, err = smtp.Wait(d.ctx, 2)
	require.NoError(t, err)
	require.Len(t, msgs[1].Attachments, 1, "only cuota's credit note")
	require.NotContains(t, msgs[1].Text, "Documento tributario")
	require.NotContains(t, msgs[1].Text, "ante el SII")
}

// refundedNote makes a credit note refunding amount of the invoice and
// runs the dispatcher until its nota de crédito is recorded.
func (d *dteWorld) refundedNote(invoiceID string, amount int64) (billing.CreditNote, billing.TaxDocument) {
	d.t.Helper()
	note, err := d.app.Collection.CreateCreditNote(d.ctx, d.s, app.CreditNoteParams{Invoice: invoiceID, Amount: ptr(amount),
		RefundAmount: ptr(amount), Reason: "product_unsatisfactory"})
	require.NoError(d.t, err)
	var nc *billing.TaxDocument
	waitFor(d.t, func() bool {
		_, err := d.app.Notifications.DispatchNotifications(d.ctx)
		require.NoError(d.t, err)
		docs, err := d.app.Invoicing.CreditNoteTaxDocuments(d.ctx, d.s, invoiceID)
		require.NoError(d.t, err)
		for i := range docs {
			if docs[i].CreditNoteID == note.ID {
				nc = &docs[i]
			}
		}
		return nc != nil
	}, "the dispatcher to record the nota de crédito")
	return note, *nc
}

// creditNoteEmail returns the email recorded for a credit note.
func (d *dteWorld) creditNoteEmail(noteID string) billing.Email {
	d.t.Helper()
	l, err := d.app.Notifications.ListEmails(d.ctx, d.s, billing.EmailFilter{Template: billing.EmailCreditNote}, billing.Page{Limit: 100})
	require.NoError(d.t, err)
	for _, e := range l.Data {
		if e.ObjectID == noteID {
			return e
		}
	}
	require.FailNow(d.t, "no email for credit note "+noteID)
	return billing.Email{}
}

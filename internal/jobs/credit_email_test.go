package jobs_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// TestCreditNoteEmails issues a credit note on a paid invoice of a
// Spanish-speaking customer (refunded to the card) and of an English one
// (to the balance), and reads the messages: the document's name and
// number, the invoice it corrects, the amount, where the money went and
// the credit note's PDF.
func TestCreditNoteEmails(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		w, srv := mailWorld(t, sk, worldOptions{})
		ana := w.subscribe("ana@example.com", "es-CL", 5000, "CLP", billing.SimTokVisa)
		bob := w.subscribe("bob@example.com", "en", 1999, "USD", billing.SimTokVisa)
		receipts := w.emails(2, "")
		invoiceOf := map[string]string{}
		for _, e := range receipts {
			invoiceOf[*e.Customer] = e.RelatedObject.ID
		}

		_, err := w.app.Collection.CreateCreditNote(w.ctx, w.s, app.CreditNoteParams{Invoice: invoiceOf[ana.ID],
			Amount: ptr(int64(2000)), RefundAmount: ptr(int64(2000))})
		require.NoError(t, err)
		_, err = w.app.Collection.CreateCreditNote(w.ctx, w.s, app.CreditNoteParams{Invoice: invoiceOf[bob.ID],
			Amount: ptr(int64(500)), CreditAmount: ptr(int64(500))})
		require.NoError(t, err)
		log := w.emails(2, "&type="+billing.EmailCreditNote)

		for _, c := range []struct {
			cus     billing.Customer
			subject string
			file    string
			number  string
			amount  string
			where   string
		}{
			{ana, "[PRUEBA] Comprobante de crédito AGEN-CN-000001 · Corrección de AGEN-000001 por $2.000",
				"credito-AGEN-CN-000001-prueba.pdf", "AGEN-CN-000001", "$2.000", "Devuelto a tu tarjeta: $2.000"},
			{bob, "[TEST] Credit note AGEN-CN-000002 · Correction of AGEN-000002 for $5.00",
				"credit-note-AGEN-CN-000002-test.pdf", "AGEN-CN-000002", "$5.00", "Added to your balance for your next invoices: $5.00"},
		} {
			var entry httpapi.EmailJSON
			for _, e := range log {
				if *e.Customer == c.cus.ID {
					entry = e
				}
			}
			require.Equal(t, billing.EmailCreditNote, entry.Template)
			require.Equal(t, billing.EmailSent, entry.Status, "%v", entry.LastError)
			require.Equal(t, "credit_note", entry.RelatedObject.Object)
			require.Equal(t, []string{c.cus.Email}, entry.To)
			var msg mailtest.Message
			for _, m := range srv.Messages() {
				if m.MessageID == *entry.MessageID {
					msg = m
				}
			}
			require.Equal(t, c.subject, msg.Subject)
			require.Contains(t, msg.Text, c.where)
			require.Contains(t, msg.Text, "Agente")
			require.Len(t, msg.Attachments, 1)
			pdf := msg.Attachments[0]
			require.Equal(t, c.file, pdf.Filename)
			require.Equal(t, "application/pdf", pdf.ContentType)
			text := pdfText(t, pdf.Data)
			require.Contains(t, text, c.number)
			require.Contains(t, text, c.amount)
			status, _ := w.call(http.MethodGet, "/v1/credit_notes/"+entry.RelatedObject.ID+"/pdf", w.key, nil)
			require.Equal(t, http.StatusOK, status)
		}
	})
}

package jobs_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

const (
	mailFrom  = "facturacion@cuota.test"
	portalURL = "https://agente.example/cuenta"
)

// mailWorld is a world whose emails go to an in-process SMTP server, with
// the merchant's notification email and portal set.
func mailWorld(t *testing.T, sk storeKind, o worldOptions) (*world, *mailtest.Server) {
	t.Helper()
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTPSender(srv.Config())
	require.NoError(t, err)
	o.mailer = &app.Mailer{Sender: sender, From: mailFrom, RetryDelays: []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}}
	w := newWorld(t, sk, o)
	ok[httpapi.MerchantJSON](w, http.MethodPatch, "/v1/merchant", map[string]any{"email": "pagos@agente.example", "portal_url": portalURL})
	return w, srv
}

// subscribe subscribes a new customer to a new monthly price and returns
// the customer.
func (w *world) subscribe(email, locale string, amount int64, currency, token string) billing.Customer {
	w.t.Helper()
	c := w.customer(email, locale)
	name := "Plan Pro"
	prod, err := w.app.Catalog.CreateProduct(w.ctx, w.s, app.ProductParams{Name: &name})
	require.NoError(w.t, err)
	price, err := w.app.Catalog.CreatePrice(w.ctx, w.s, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: currency,
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
	require.NoError(w.t, err)
	pm, err := w.app.Customers.AttachPaymentMethod(w.ctx, w.s, c.ID, app.AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: token})
	require.NoError(w.t, err)
	_, err = w.app.Subscriptions.CreateSubscription(w.ctx, w.s, app.CreateSubscriptionParams{Customer: c.ID, Items: []app.ItemParams{{Price: price.ID}},
		PaymentMethod: pm.ID})
	require.NoError(w.t, err)
	return c
}

// emails waits until the log has n emails, none pending, and returns them
// newest first.
func (w *world) emails(n int, query string) []httpapi.EmailJSON {
	w.t.Helper()
	var got []httpapi.EmailJSON
	eventually(w.t, func() bool {
		got = ok[httpapi.ListJSON[httpapi.EmailJSON]](w, http.MethodGet, "/v1/emails?limit=100"+query, nil).Data
		if len(got) != n {
			return false
		}
		for _, e := range got {
			if e.Status == billing.EmailPending {
				return false
			}
		}
		return true
	}, "%d settled emails; have %+v", n, &got)
	return got
}

// TestReceiptEmails sends payment receipts in Spanish and English with the
// invoice PDF attached, and checks the message and the log entry.
func TestReceiptEmails(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		w, srv := mailWorld(t, sk, worldOptions{})
		ana := w.subscribe("ana@example.com", "es-CL", 5000, "CLP", billing.SimTokVisa)
		bob := w.subscribe("bob@example.com", "en", 1999, "USD", billing.SimTokVisa)
		log := w.emails(2, "")
		msgs := srv.Messages()
		require.Len(t, msgs, 2, "one message per receipt")

		for _, c := range []struct {
			cus      billing.Customer
			locale   string
			subject  string
			file     string
			amount   string
			stamp    string
			greeting string
		}{
			{ana, "es-CL", "[PRUEBA] Comprobante de pago AGEN-000001 · Recibimos tu pago de $5.000", "comprobante-AGEN-000001-prueba.pdf", "$5.000", "PAGADO", "Ana"},
			{bob, "en", "[TEST] Payment receipt AGEN-000002 · Receipt for your payment of $19.99", "receipt-AGEN-000002-test.pdf", "$19.99", "PAID", "Ana"},
		} {
			var entry httpapi.EmailJSON
			for _, e := range log {
				if *e.Customer == c.cus.ID {
					entry = e
				}
			}
			require.Equal(t, billing.EmailPaymentReceipt, entry.Template)
			require.Equal(t, billing.EmailSent, entry.Status)
			require.Equal(t, c.locale, entry.Locale)
			require.Equal(t, []string{c.cus.Email}, entry.To)
			require.Equal(t, int64(1), entry.Attempts)
			require.Nil(t, entry.LastError)
			require.NotNil(t, entry.SentAt)
			require.Equal(t, "invoice", entry.RelatedObject.Object)
			require.Equal(t, &c.subject, entry.Subject)
			ev := ok[apiobj.EventJSON](w, http.MethodGet, "/v1/events/"+entry.Event, nil)
			require.Equal(t, app.EventInvoicePaid, ev.Type, "caused by invoice.paid")
			require.Equal(t, entry.RelatedObject.ID, ev.Data.ObjectID)

			var msg mailtest.Message
			for _, m := range srv.Messages() {
				if m.MessageID == *entry.MessageID {
					msg = m
				}
			}
			require.Equal(t, []string{c.cus.Email}, msg.To, "envelope recipients")
			require.Equal(t, mailFrom, msg.From)
			from, err := msg.Header.AddressList("From")
			require.NoError(t, err)
			require.Equal(t, "Agente", from[0].Name)
			replyTo, err := msg.Header.AddressList("Reply-To")
			require.NoError(t, err)
			require.Equal(t, "pagos@agente.example", replyTo[0].Address)
			require.Equal(t, c.subject, msg.Subject)
			require.Contains(t, msg.Text, c.amount)
			require.Contains(t, msg.Text, "Plan Pro")
			require.Contains(t, msg.Text, c.greeting)
			require.Contains(t, msg.HTML, c.amount)
			// The log shows the bodies that were sent.
			one := ok[httpapi.EmailJSON](w, http.MethodGet, "/v1/emails/"+entry.ID, nil)
			require.NotNil(t, one.Text)
			require.NotNil(t, one.HTML)
			require.Equal(t, msg.Text, *one.Text)
			require.Equal(t, msg.HTML, *one.HTML)
			require.Equal(t, one, entry, "the list shows the same")
			require.Len(t, msg.Attachments, 1)
			pdf := msg.Attachments[0]
			require.Equal(t, c.file, pdf.Filename)
			require.Equal(t, "application/pdf", pdf.ContentType)
			require.True(t, strings.HasPrefix(string(pdf.Data), "%PDF-"))
			text := pdfText(t, pdf.Data)
			require.Contains(t, text, c.stamp)
			number := regexp.MustCompile(`AGEN-[0-9]{6}`).FindString(c.file)
			require.NotEmpty(t, number, "the attachment is named after the invoice's number")
			require.Contains(t, text, number)
			require.Contains(t, text, c.amount)

			// The attachment shows what GET /v1/invoices/{id}/pdf shows (its
			// bytes may differ in the modification date: the email renders
			// the invoice as it was when paid).
			status, api := w.call(http.MethodGet, "/v1/invoices/"+entry.RelatedObject.ID+"/pdf", w.key, nil)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, pdfText(t, api), text)
		}

		// Renaming the product later does not change what the log says was
		// sent: the bodies are stored, not rendered again.
		entry := log[0]
		before := ok[httpapi.EmailJSON](w, http.MethodGet, "/v1/emails/"+entry.ID, nil)
		for _, p := range ok[httpapi.ListJSON[apiobj.ProductJSON]](w, http.MethodGet, "/v1/products", nil).Data {
			ok[apiobj.ProductJSON](w, http.MethodPost, "/v1/products/"+p.ID, map[string]any{"name": "Plan Renombrado"})
		}
		after := ok[httpapi.EmailJSON](w, http.MethodGet, "/v1/emails/"+entry.ID, nil)
		require.Equal(t, before, after)
		require.Contains(t, *after.Text, "Plan Pro")
	})
}

// TestEmailFailures checks retries on a temporary SMTP error, the end of a
// permanent one, and emails recorded but not sent without an SMTP server.
func TestEmailFailures(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		t.Run("temporary_then_sent", func(t *testing.T) {
			t.Parallel()
			w, srv := mailWorld(t, sk, worldOptions{})
			srv.FailNext(1, 451)
			w.subscribe("ana@example.com", "es", 5000, "CLP", billing.SimTokVisa)
			e := w.emails(1, "")[0]
			require.Equal(t, billing.EmailSent, e.Status)
			require.Equal(t, int64(2), e.Attempts, "the 451 was retried")
			require.Nil(t, e.LastError)
			msgs := srv.Messages()
			require.Len(t, msgs, 1)
			require.Equal(t, *e.MessageID, msgs[0].MessageID)
		})
		t.Run("permanent", func(t *testing.T) {
			t.Parallel()
			w, srv := mailWorld(t, sk, worldOptions{})
			srv.FailNext(1, 550)
			w.subscribe("ana@example.com", "es", 5000, "CLP", billing.SimTokVisa)
			e := w.emails(1, "")[0]
			require.Equal(t, billing.EmailFailed, e.Status)
			require.Equal(t, int64(1), e.Attempts, "a 5xx is not retried")
			require.NotNil(t, e.LastError)
			require.Contains(t, *e.LastError, "550")
			require.Empty(t, srv.Messages())
		})
		t.Run("no_smtp_server", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, sk, worldOptions{})
			w.subscribe("ana@example.com", "es-CL", 5000, "CLP", billing.SimTokVisa)
			e := w.emails(1, "")[0]
			require.Equal(t, billing.EmailSkipped, e.Status)
			require.NotNil(t, e.Subject)
			require.Equal(t, "[PRUEBA] Comprobante de pago AGEN-000001 · Recibimos tu pago de $5.000", *e.Subject, "rendered, so the log shows it")
			require.Zero(t, e.Attempts)
			require.Contains(t, *e.LastError, "CUOTA_SMTP_URL")
		})
	})
}

// TestEndpointDisabledEmail tells the merchant, in its language, that an
// endpoint was disabled.
func TestEndpointDisabledEmail(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		w, srv := mailWorld(t, sk, worldOptions{webhooks: app.WebhookOptions{DisableAfter: time.Millisecond}})
		ok[httpapi.MerchantJSON](w, http.MethodPatch, "/v1/merchant", map[string]any{"locale": "es-CL"})
		rc := newReceiver(t)
		rc.fault = func(_ string, _ int, rw http.ResponseWriter, _ *http.Request) bool {
			http.Error(rw, "gone", http.StatusGone)
			return true
		}
		ep := w.endpoint(rc.srv.URL+"/cuota", app.EventPaymentMethodAttached)
		rc.setSecret(ep.Secret)
		w.attachCard(w.customer("", "es").ID)
		e := w.emails(1, "&type=webhook_endpoint_disabled")[0]
		require.Equal(t, billing.EmailSent, e.Status)
		require.Equal(t, []string{"pagos@agente.example"}, e.To)
		require.Nil(t, e.Customer)
		require.Equal(t, httpapi.RelatedObjectJSON{Object: "webhook_endpoint", ID: ep.ID}, e.RelatedObject)
		msgs, err := srv.Wait(w.ctx, 1)
		require.NoError(t, err)
		var msg mailtest.Message
		for _, m := range msgs {
			if m.MessageID == *e.MessageID {
				msg = m
			}
		}
		require.Equal(t, []string{"pagos@agente.example"}, msg.To)
		require.Contains(t, msg.Subject, "Desactivamos un endpoint de webhooks")
		require.Contains(t, msg.Text, rc.srv.URL+"/cuota")
		require.Contains(t, msg.Text, "HTTP 410")
		from, err := msg.Header.AddressList("From")
		require.NoError(t, err)
		require.Equal(t, "cuota", from[0].Name)
	})
}

// pdfText extracts a PDF's text with poppler's pdftotext (CI installs it).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	require.NoError(t, err, "pdftotext (poppler-utils) is needed")
	path := filepath.Join(t.TempDir(), "invoice.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	require.NoError(t, err)
	return string(out)
}

// TestInvoiceToPayHook calls the hook one-off invoices use: in the caller's
// transaction it writes invoice.sent and the invoice_to_pay email, which
// goes out with the pay link and the PDF, once.
func TestInvoiceToPayHook(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, sk storeKind) {
		w, srv := mailWorld(t, sk, worldOptions{})
		cus := w.customer("ana@example.com", "es-CL")
		now := time.Now().UTC().Truncate(time.Second)
		due := now.Add(7 * 24 * time.Hour)
		inv := billing.Invoice{ID: billing.NewID(billing.PrefixInvoice, now), Scope: w.s, CustomerID: cus.ID, Number: "AGEN-000042",
			Status: billing.InvoiceOpen, BillingReason: billing.ReasonManual, Currency: "CLP",
			Lines:    []billing.InvoiceLine{{ID: "il_1", Type: billing.LineOneOff, Description: "Instalación", Quantity: 1, Amount: 12000}},
			Subtotal: 12000, Total: 12000, AmountDue: 12000, FinalizedAt: &now, Created: now, Updated: now}
		err := w.store.InTx(w.ctx, func(tx billing.Tx) error {
			if err := tx.Invoices.CreateInvoice(w.ctx, inv); err != nil {
				return err
			}
			return w.app.Notifications.SendInvoiceEmail(w.ctx, tx, inv, app.InvoiceEmailParams{PayURL: "https://cuota.test/pay/" + inv.ID, DueDate: &due}, now)
		})
		require.NoError(t, err)
		bad := w.store.InTx(w.ctx, func(tx billing.Tx) error {
			return w.app.Notifications.SendInvoiceEmail(w.ctx, tx, inv, app.InvoiceEmailParams{PayURL: "javascript:alert(1)"}, now)
		})
		require.Equal(t, "pay_url", billing.AsError(bad).Param)

		e := w.emails(1, "&type=invoice_to_pay")[0]
		require.Equal(t, billing.EmailSent, e.Status)
		require.Equal(t, httpapi.RelatedObjectJSON{Object: "invoice", ID: inv.ID}, e.RelatedObject)
		ev := ok[apiobj.EventJSON](w, http.MethodGet, "/v1/events/"+e.Event, nil)
		require.Equal(t, app.EventInvoiceSent, ev.Type)
		msgs, err := srv.Wait(w.ctx, 1)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		msg := msgs[0]
		require.Equal(t, []string{"ana@example.com"}, msg.To)
		require.Contains(t, msg.Subject, "$12.000")
		require.Contains(t, msg.Text, "https://cuota.test/pay/"+inv.ID)
		require.Len(t, msg.Attachments, 1)
		require.Equal(t, "cobro-AGEN-000042-prueba.pdf", msg.Attachments[0].Filename)
		require.Contains(t, pdfText(t, msg.Attachments[0].Data), "Instalación")

		// The dispatcher sees invoice.sent later and adds nothing.
		eventually(t, func() bool {
			n, err := w.app.Notifications.DispatchNotifications(w.ctx)
			return err == nil && n == 0
		}, "the event dispatched")
		require.Len(t, w.emails(1, ""), 1)
	})
}

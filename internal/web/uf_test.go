package web_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// An invoice of a UF price reads the same on every surface a customer
// sees, on both stores and in both languages: its hosted page and its
// PDF write the line's UF, its value and its day with money's one
// formatter ("UF 2,5000 × $39.485,65 (01-03-2026)"), and neither they
// nor the receipt email ever show the currency code "CLF".
func TestUFInvoiceSurfaces(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, c := range []struct {
			locale, detail, total string
		}{
			{"es-CL", "UF 2,5000 × $39.485,65 (01-03-2026)", "$98.714"},
			{"en", "UF 2.5000 × CLP 39,485.65 (Mar 1, 2026)", "CLP 98,714"},
		} {
			t.Run(kind+"/"+c.locale, func(t *testing.T) {
				t.Parallel()
				w := newWorldOn(t, c.locale, kind)
				inv := w.ufInvoice(t)
				plain := func(s string) string { // no-break spaces and hyphens as typed
					return strings.NewReplacer("\u00a0", " ", "\u2011", "-").Replace(s)
				}

				res := w.get(t, w.parseHosted(t, inv.HostedURL).url())
				require.Equal(t, http.StatusOK, res.status, res.body)
				require.Contains(t, plain(res.body), c.detail)
				require.Contains(t, plain(res.body), c.total)
				require.NotContains(t, res.body, "CLF")

				pdf, _, _, err := w.app.Invoicing.InvoicePDF(t.Context(), w.scope, inv.ID)
				require.NoError(t, err)
				text := plain(pdfText(t, pdf))
				require.Contains(t, text, c.detail)
				require.NotContains(t, text, "CLF")

				// The receipt, rendered and recorded (no mailer: not sent).
				// On PostgreSQL the dispatcher sees an event once every older
				// transaction has ended: it is polled.
				var emails app.List[billing.Email]
				require.Eventually(t, func() bool {
					if _, err := w.app.Notifications.DispatchNotifications(t.Context()); err != nil {
						return false
					}
					list, err := w.app.Notifications.ListEmails(t.Context(), w.scope, billing.EmailFilter{Template: billing.EmailPaymentReceipt}, billing.Page{Limit: 10})
					emails = list
					return err == nil && len(list.Data) == 1
				}, 30*time.Second, 50*time.Millisecond, "the dispatcher to record the receipt")
				_, err = w.app.Notifications.SendEmail(t.Context(), app.SendEmailArgs{MerchantID: w.scope.MerchantID, Mode: w.scope.Mode, EmailID: emails.Data[0].ID}, 1)
				require.NoError(t, err)
				e, err := w.app.Notifications.GetEmail(t.Context(), w.scope, emails.Data[0].ID)
				require.NoError(t, err)
				require.Contains(t, plain(e.TextBody), c.total)
				for _, body := range []string{e.Subject, e.TextBody, e.HTMLBody} {
					require.NotContains(t, body, "CLF")
				}
			})
		}
	}
}

// ufInvoice subscribes the world's customer to a UF price of 2,5000 UF a
// month, with the UF's value of the day set by hand, and returns its
// first invoice, paid.
func (w *world) ufInvoice(t *testing.T) billing.Invoice {
	t.Helper()
	ctx := t.Context()
	m, err := w.app.Merchants.GetMerchant(ctx, w.scope.MerchantID)
	require.NoError(t, err)
	loc, err := time.LoadLocation(m.Timezone)
	require.NoError(t, err)
	_, err = w.app.Invoicing.SetUFRate(ctx, w.scope, app.SetUFRateParams{Date: billing.UFDate(w.clock.Now(), loc), Value: "39485.65"})
	require.NoError(t, err)
	prod, err := w.app.Catalog.CreateProduct(ctx, w.scope, app.ProductParams{Name: ptr("Arriendo oficina")})
	require.NoError(t, err)
	amount := int64(25000)
	price, err := w.app.Catalog.CreatePrice(ctx, w.scope, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "clf",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
	require.NoError(t, err)
	pm, err := w.app.Customers.AttachPaymentMethod(ctx, w.scope, w.customer.ID, app.AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: billing.SimTokVisa})
	require.NoError(t, err)
	sub, err := w.app.Subscriptions.CreateSubscription(ctx, w.scope, app.CreateSubscriptionParams{Customer: w.customer.ID,
		Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID})
	require.NoError(t, err)
	invs, err := w.app.Invoicing.ListInvoices(ctx, w.scope, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{Limit: 1})
	require.NoError(t, err)
	require.Len(t, invs.Data, 1)
	inv := invs.Data[0]
	require.Equal(t, billing.InvoicePaid, inv.Status)
	require.Equal(t, int64(98714), inv.Total, "2,5000 UF at $39.485,65, rounded once")
	return inv
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

package httpapi_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

func endpointID(e apiobj.WebhookEndpointJSON) string { return e.ID }

// TestWebhookEndpointsAPI covers the endpoint resource: validation with
// machine codes, the secret shown once, updates, scopes, the per-mode
// limit, paging and deletion.
func TestWebhookEndpointsAPI(t *testing.T) {
	t.Parallel()
	_, b := setup(t)

	t.Run("Validation", func(t *testing.T) {
		for _, c := range []struct {
			key   apiKey
			body  map[string]any
			code  string
			param string
		}{
			{b.a, map[string]any{"enabled_events": []string{"*"}}, billing.CodeParameterMissing, "url"},
			{b.a, map[string]any{"url": "https://x.example"}, billing.CodeParameterMissing, "enabled_events"},
			{b.a, map[string]any{"url": "https://x.example", "enabled_events": []string{}}, billing.CodeParameterMissing, "enabled_events"},
			{b.a, map[string]any{"url": "https://x.example", "enabled_events": []string{"invoice.paid", "invoice.payed"}}, billing.CodeParameterInvalid, "enabled_events[1]"},
			{b.a, map[string]any{"url": "ftp://x.example/hooks", "enabled_events": []string{"*"}}, billing.CodeParameterInvalid, "url"},
			{b.a, map[string]any{"url": "/hooks", "enabled_events": []string{"*"}}, billing.CodeParameterInvalid, "url"},
			{b.a, map[string]any{"url": "https://x.example", "enabled_events": []string{"*"}, "secret": "whsec_x"}, billing.CodeParameterUnknown, "secret"},
			{b.a, map[string]any{"url": "https://x.example", "enabled_events": []string{"*"}, "disabled": true}, billing.CodeParameterUnknown, "disabled"},
			{b.aLive, map[string]any{"url": "http://x.example/hooks", "enabled_events": []string{"*"}}, billing.CodeParameterInvalid, "url"},
			{b.aLive, map[string]any{"url": "https://localhost/hooks", "enabled_events": []string{"*"}}, billing.CodeParameterInvalid, "url"},
			{b.aLive, map[string]any{"url": "https://10.1.2.3/hooks", "enabled_events": []string{"*"}}, billing.CodeParameterInvalid, "url"},
			{b.aLive, map[string]any{"url": "https://[::1]:8443/hooks", "enabled_events": []string{"*"}}, billing.CodeParameterInvalid, "url"},
			{b.aLive, map[string]any{"url": "https://hooks.example.cl", "enabled_events": []string{"*"}}, billing.CodeSecretKeyMissing, ""},
		} {
			res := b.post(t, c.key, "/v1/webhook_endpoints", c.body)
			requireProblem(t, res, http.StatusBadRequest, c.code, c.param)
		}
	})

	t.Run("SecretShownOnce", func(t *testing.T) {
		res := b.post(t, b.a, "/v1/webhook_endpoints", map[string]any{"url": "http://127.0.0.1:4242/hooks",
			"enabled_events": []string{"invoice.paid", "invoice.paid", "customer.subscription.deleted"}, "description": "dev",
			"metadata": map[string]string{"team": "billing"}})
		ep := ok[apiobj.WebhookEndpointJSON](t, res)
		require.Regexp(t, `^we_`, ep.ID)
		require.Equal(t, "webhook_endpoint", ep.Object)
		require.False(t, ep.Livemode)
		require.Regexp(t, `^whsec_[A-Za-z0-9+/]{43}=$`, ep.Secret)
		require.Equal(t, []string{"invoice.paid", "customer.subscription.deleted"}, ep.EnabledEvents, "duplicates dropped")
		require.False(t, ep.Disabled)
		require.Nil(t, ep.PreviousSecretExpiresAt)
		require.Equal(t, billing.Metadata{"team": "billing"}, ep.Metadata)

		for _, path := range []string{"/v1/webhook_endpoints/" + ep.ID, "/v1/webhook_endpoints"} {
			res := b.get(t, b.a, path)
			require.Equal(t, http.StatusOK, res.Status)
			require.NotContains(t, string(res.Body), "whsec_", path)
			require.NotContains(t, string(res.Body), `"secret"`, path)
		}

		upd := ok[apiobj.WebhookEndpointJSON](t, b.post(t, b.a, "/v1/webhook_endpoints/"+ep.ID, map[string]any{
			"url": "https://hooks.example.cl/v2", "enabled_events": []string{"*"}, "disabled": true, "metadata": map[string]string{"team": ""}}))
		require.Equal(t, "https://hooks.example.cl/v2", upd.URL)
		require.Equal(t, []string{"*"}, upd.EnabledEvents)
		require.True(t, upd.Disabled)
		require.Equal(t, some(billing.DisabledByMerchant), upd.DisabledReason)
		require.Equal(t, "dev", upd.Description, "kept")
		require.Empty(t, upd.Metadata)
		require.Empty(t, upd.Secret)
		requireProblem(t, b.post(t, b.a, "/v1/webhook_endpoints/"+ep.ID, map[string]any{"enabled_events": []string{"nope"}}),
			http.StatusBadRequest, billing.CodeParameterInvalid, "enabled_events[0]")

		rotated := ok[apiobj.WebhookEndpointJSON](t, b.post(t, b.a, "/v1/webhook_endpoints/"+ep.ID+"/rotate_secret", nil))
		require.Regexp(t, `^whsec_`, rotated.Secret)
		require.NotEqual(t, ep.Secret, rotated.Secret)
		require.NotNil(t, rotated.PreviousSecretExpiresAt)

		// Other scopes see nothing.
		for _, key := range []apiKey{b.b, b.aLive} {
			requireProblem(t, b.get(t, key, "/v1/webhook_endpoints/"+ep.ID), http.StatusNotFound, billing.CodeResourceMissing, "id")
			requireProblem(t, b.post(t, key, "/v1/webhook_endpoints/"+ep.ID, map[string]any{"description": "x"}), http.StatusNotFound, billing.CodeResourceMissing, "id")
			requireProblem(t, b.post(t, key, "/v1/webhook_endpoints/"+ep.ID+"/rotate_secret", nil), http.StatusNotFound, billing.CodeResourceMissing, "id")
			requireProblem(t, b.get(t, key, "/v1/webhook_endpoints/"+ep.ID+"/deliveries"), http.StatusNotFound, billing.CodeResourceMissing, "id")
			requireProblem(t, b.do(t, http.MethodDelete, "/v1/webhook_endpoints/"+ep.ID, key, nil), http.StatusNotFound, billing.CodeResourceMissing, "id")
		}
		requireProblem(t, b.post(t, b.a, "/v1/webhook_endpoints/"+ep.ID+"/deliveries/wd_nope/redeliver", nil), http.StatusNotFound, billing.CodeResourceMissing, "id")
		deliveries := ok[httpapi.ListJSON[httpapi.WebhookDeliveryJSON]](t, b.get(t, b.a, "/v1/webhook_endpoints/"+ep.ID+"/deliveries"))
		require.Empty(t, deliveries.Data)

		del := ok[httpapi.DeletedEndpointJSON](t, b.do(t, http.MethodDelete, "/v1/webhook_endpoints/"+ep.ID, b.a, nil))
		require.Equal(t, httpapi.DeletedEndpointJSON{ID: ep.ID, Object: "webhook_endpoint", Deleted: true}, del)
		requireProblem(t, b.get(t, b.a, "/v1/webhook_endpoints/"+ep.ID), http.StatusNotFound, billing.CodeResourceMissing, "id")
	})

	t.Run("LimitAndPaging", func(t *testing.T) {
		_, b := setup(t)
		var want []string
		for i := range app.MaxWebhookEndpoints {
			ep := ok[apiobj.WebhookEndpointJSON](t, b.post(t, b.a, "/v1/webhook_endpoints", map[string]any{
				"url": fmt.Sprintf("http://localhost:%d/", 9000+i), "enabled_events": []string{"*"}}))
			want = append([]string{ep.ID}, want...)
		}
		requireProblem(t, b.post(t, b.a, "/v1/webhook_endpoints", map[string]any{"url": "http://localhost/", "enabled_events": []string{"*"}}),
			http.StatusConflict, billing.CodeLimitExceeded, "")
		page := ok[httpapi.ListJSON[apiobj.WebhookEndpointJSON]](t, b.get(t, b.a, "/v1/webhook_endpoints?limit=10"))
		require.True(t, page.HasMore)
		require.Equal(t, want[:10], ids(page, endpointID))
		rest := ok[httpapi.ListJSON[apiobj.WebhookEndpointJSON]](t, b.get(t, b.a, "/v1/webhook_endpoints?limit=10&starting_after="+want[9]))
		require.False(t, rest.HasMore)
		require.Equal(t, want[10:], ids(rest, endpointID))
		requireProblem(t, b.get(t, b.a, "/v1/webhook_endpoints?starting_after=cus_1"), http.StatusBadRequest, billing.CodeParameterInvalid, "starting_after")
		// The limit is per mode.
		other := ok[httpapi.ListJSON[apiobj.WebhookEndpointJSON]](t, b.get(t, b.b, "/v1/webhook_endpoints"))
		require.Empty(t, other.Data)
	})
}

// TestMerchantNotificationSettings checks the merchant's email and portal
// link in PATCH /v1/merchant.
func TestMerchantNotificationSettings(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	m := ok[httpapi.MerchantJSON](t, b.get(t, b.a, "/v1/merchant"))
	require.Nil(t, m.Email)
	require.Nil(t, m.PortalURL)
	m = ok[httpapi.MerchantJSON](t, b.do(t, http.MethodPatch, "/v1/merchant", b.a,
		map[string]any{"email": "pagos@agente.cl", "portal_url": "https://agente.cl/cuenta/pagos"}))
	require.Equal(t, some("pagos@agente.cl"), m.Email)
	require.Equal(t, some("https://agente.cl/cuenta/pagos"), m.PortalURL)
	require.Equal(t, "Agente", m.Name, "other settings kept")
	requireProblem(t, b.do(t, http.MethodPatch, "/v1/merchant", b.a, map[string]any{"email": "not an address"}),
		http.StatusBadRequest, billing.CodeParameterInvalid, "email")
	requireProblem(t, b.do(t, http.MethodPatch, "/v1/merchant", b.a, map[string]any{"portal_url": "javascript:alert(1)"}),
		http.StatusBadRequest, billing.CodeParameterInvalid, "portal_url")
	m = ok[httpapi.MerchantJSON](t, b.do(t, http.MethodPatch, "/v1/merchant", b.a, map[string]any{"email": ""}))
	require.Nil(t, m.Email, `"" removes it`)
	require.Equal(t, some("https://agente.cl/cuenta/pagos"), m.PortalURL)
}

// TestInvoicePDF downloads a paid invoice and a draft one as PDFs and checks
// their text; other merchants and modes get 404.
func TestInvoicePDF(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	b.withSim()
	prod := b.createProduct(t, b.a, map[string]any{"name": "Plan Pro"})
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 5000, "currency": "CLP",
		"recurring": map[string]any{"interval": "month"}})
	cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.com", "name": "Ana Pérez", "locale": "es-CL"})
	pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa}))
	sub := ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, "/v1/subscriptions", map[string]any{"customer": cus.ID,
		"items": []map[string]any{{"price": price.ID}}, "payment_method": pm.ID}))
	invs := ok[httpapi.ListJSON[apiobj.InvoiceJSON]](t, b.get(t, b.a, "/v1/invoices?subscription="+sub.ID))
	require.Len(t, invs.Data, 1)
	inv := invs.Data[0]
	require.Equal(t, string(billing.InvoicePaid), inv.Status)

	res := b.get(t, b.a, "/v1/invoices/"+inv.ID+"/pdf")
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
	require.Equal(t, `inline; filename="comprobante-`+*inv.Number+`-prueba.pdf"`, res.Header.Get("Content-Disposition"), "a paid test-mode document is a receipt marked PRUEBA")
	require.True(t, strings.HasPrefix(string(res.Body), "%PDF-"))
	text := pdfText(t, res.Body)
	require.Contains(t, text, *inv.Number)
	require.Contains(t, text, "PAGADO", "Spanish for a customer in es-CL")
	require.Contains(t, text, "COMPROBANTE DE PAGO")
	require.Contains(t, text, "PRUEBA")
	require.Contains(t, text, "Ana Pérez")
	require.Contains(t, text, "$5.000")

	// A draft is shown with its stamp.
	draft := billing.Invoice{ID: billing.NewID(billing.PrefixInvoice, time.Now()), Scope: billing.Scope{MerchantID: b.merchantA, Mode: billing.ModeTest},
		CustomerID: cus.ID, Status: billing.InvoiceDraft, BillingReason: billing.ReasonManual, Currency: "CLP",
		Lines:    []billing.InvoiceLine{{ID: "il_1", Type: billing.LineOneOff, Description: "Instalación", Quantity: 1, Amount: 2000}},
		Subtotal: 2000, Total: 2000, AmountDue: 2000, Created: time.Now(), Updated: time.Now()}
	require.NoError(t, b.store.InTx(t.Context(), func(tx billing.Tx) error { return tx.Invoices.CreateInvoice(t.Context(), draft) }))
	res = b.get(t, b.a, "/v1/invoices/"+draft.ID+"/pdf")
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Equal(t, `inline; filename="cobro-borrador-prueba.pdf"`, res.Header.Get("Content-Disposition"))
	require.Contains(t, pdfText(t, res.Body), "BORRADOR")

	for _, key := range []apiKey{b.b, b.aLive} {
		requireProblem(t, b.get(t, key, "/v1/invoices/"+inv.ID+"/pdf"), http.StatusNotFound, billing.CodeResourceMissing, "id")
	}
	requireProblem(t, b.get(t, b.a, "/v1/invoices/in_nope/pdf"), http.StatusNotFound, billing.CodeResourceMissing, "id")
}

// TestEmailsAPI lists the email log the dispatcher writes, with its
// filters, and checks scopes and bad filters.
func TestEmailsAPI(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	b.withSim()
	prod := b.createProduct(t, b.a, map[string]any{"name": "Plan Pro"})
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 5000, "currency": "CLP",
		"recurring": map[string]any{"interval": "month"}})
	var customers []string
	for _, email := range []string{"ana@example.com", ""} {
		body := map[string]any{"name": "Cliente", "locale": "es-CL"}
		if email != "" {
			body["email"] = email
		}
		cus := b.createCustomer(t, b.a, body)
		customers = append(customers, cus.ID)
		pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa}))
		ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, "/v1/subscriptions", map[string]any{"customer": cus.ID,
			"items": []map[string]any{{"price": price.ID}}, "payment_method": pm.ID}))
	}
	_, err := b.app.Notifications.DispatchNotifications(t.Context())
	require.NoError(t, err)

	all := ok[httpapi.ListJSON[httpapi.EmailJSON]](t, b.get(t, b.a, "/v1/emails"))
	require.Len(t, all.Data, 2, "one receipt per paid first invoice")
	withAddress, without := all.Data[1], all.Data[0] // newest first
	require.Equal(t, "email", withAddress.Object)
	require.Equal(t, billing.EmailPaymentReceipt, withAddress.Template)
	require.Equal(t, []string{"ana@example.com"}, withAddress.To)
	require.Equal(t, "es-CL", withAddress.Locale)
	require.Equal(t, billing.EmailPending, withAddress.Status, "no worker runs in this test")
	require.Equal(t, some(customers[0]), withAddress.Customer)
	require.Equal(t, "invoice", withAddress.RelatedObject.Object)
	require.Regexp(t, `^evt_`, withAddress.Event)
	require.Equal(t, billing.EmailSkipped, without.Status)
	require.Equal(t, []string{}, without.To)
	require.Equal(t, some("the customer has no email address"), without.LastError)

	one := ok[httpapi.EmailJSON](t, b.get(t, b.a, "/v1/emails/"+withAddress.ID))
	require.Equal(t, withAddress, one)
	mine := ok[httpapi.ListJSON[httpapi.EmailJSON]](t, b.get(t, b.a, "/v1/emails?customer="+customers[0]))
	require.Equal(t, []httpapi.EmailJSON{withAddress}, mine.Data)
	receipts := ok[httpapi.ListJSON[httpapi.EmailJSON]](t, b.get(t, b.a, "/v1/emails?type=payment_receipt&limit=1"))
	require.True(t, receipts.HasMore)
	require.Equal(t, []httpapi.EmailJSON{without}, receipts.Data)
	next := ok[httpapi.ListJSON[httpapi.EmailJSON]](t, b.get(t, b.a, "/v1/emails?type=payment_receipt&limit=1&starting_after="+without.ID))
	require.Equal(t, []httpapi.EmailJSON{withAddress}, next.Data)
	none := ok[httpapi.ListJSON[httpapi.EmailJSON]](t, b.get(t, b.a, "/v1/emails?type=trial_ending"))
	require.Empty(t, none.Data)
	requireProblem(t, b.get(t, b.a, "/v1/emails?type=receipt"), http.StatusBadRequest, billing.CodeParameterInvalid, "type")

	// Dispatching again creates nothing new.
	_, err = b.app.Notifications.DispatchNotifications(t.Context())
	require.NoError(t, err)
	again := ok[httpapi.ListJSON[httpapi.EmailJSON]](t, b.get(t, b.a, "/v1/emails"))
	require.Len(t, again.Data, 2)

	for _, key := range []apiKey{b.b, b.aLive} {
		requireProblem(t, b.get(t, key, "/v1/emails/"+withAddress.ID), http.StatusNotFound, billing.CodeResourceMissing, "id")
		other := ok[httpapi.ListJSON[httpapi.EmailJSON]](t, b.get(t, key, "/v1/emails"))
		require.Empty(t, other.Data)
	}
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

func some[T any](v T) *T { return &v }

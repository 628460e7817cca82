package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestExports: the lists' CSV buttons stream the API's exports through the
// session, with the list's filters; a bad filter is a 400 page before
// anything is written, an unknown file a 404, and without a session the
// browser is sent to sign in.
func TestExports(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	s := billing.Scope{MerchantID: b.merchant, Mode: billing.ModeTest}
	for email, name := range map[string]string{"ana@example.cl": "Ana Rojas", "luis@example.cl": "Luis Soto"} {
		_, err := b.app.Customers.CreateCustomer(t.Context(), s, app.CustomerParams{Email: &email, Name: &name})
		require.NoError(t, err)
	}
	res, _ := b.get("/console/exports/customers.csv")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "sign in first")
	b.signIn()

	res, body := b.get("/console/exports/customers.csv")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
	require.Equal(t, `attachment; filename="customers.csv"`, res.Header.Get("Content-Disposition"))
	lines := strings.Split(strings.TrimSpace(body), "\r\n")
	require.Len(t, lines, 3)
	require.True(t, strings.HasPrefix(lines[0], "id,email,name,"), lines[0])

	res, body = b.get("/console/exports/customers.csv?q=ana@example.cl")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "ana@example.cl")
	require.NotContains(t, body, "luis@example.cl", "the search is the export's email filter")
	res, body = b.get("/console/exports/customers.csv?q=soto")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "luis@example.cl", "a part of the name exports what the list finds")
	require.NotContains(t, body, "ana@example.cl")

	_, page := b.get("/console/customers?q=ana@example.cl")
	require.Contains(t, page, `href="/console/exports/customers.csv?q=ana%40example.cl"`)
	_, page = b.get("/console/invoices?status=paid")
	require.Contains(t, page, `href="/console/exports/invoices.csv?status=paid"`, "the documents' list exports with its filter")
	_, page = b.get("/console/payments?status=failed")
	require.Contains(t, page, `href="/console/exports/payments.csv?status=failed"`)
	_, page = b.get("/console/payments")
	require.Contains(t, page, `href="/console/exports/payments.csv"`)

	for path, status := range map[string]int{
		"/console/exports/subscriptions.csv?status=bogus":    http.StatusBadRequest,
		"/console/exports/invoices.csv?status=bogus":         http.StatusBadRequest,
		"/console/exports/payments.csv?status=bogus":         http.StatusBadRequest,
		"/console/exports/subscriptions.csv?status=past_due": http.StatusOK,
		"/console/exports/invoices.csv?status=paid":          http.StatusOK,
		"/console/exports/payments.csv":                      http.StatusOK,
		"/console/exports/secrets.csv":                       http.StatusNotFound,
	} {
		res, body := b.get(path)
		require.Equal(t, status, res.StatusCode, path)
		if status != http.StatusOK {
			require.Contains(t, res.Header.Get("Content-Type"), "text/html", path)
			require.NotContains(t, body, "id,", path)
		}
	}

	// Bad input to the subscription actions: a clear page, never a 5xx.
	_, page = b.get("/console/alerts")
	token := csrf(t, page)
	for _, tc := range []struct {
		path   string
		form   url.Values
		status int
	}{
		{"/console/subscriptions/sub_x/cancel", url.Values{"reason": {"requested_by_customer"}, "when": {"tomorrow"}}, http.StatusBadRequest},
		{"/console/subscriptions/sub_x/cancel", url.Values{"reason": {"because"}}, http.StatusBadRequest},
		{"/console/subscriptions/sub_x/cancel", url.Values{"reason": {"requested_by_customer"}, "when": {"now"}}, http.StatusNotFound},
		{"/console/subscriptions/sub_x/change", url.Values{}, http.StatusBadRequest},
		{"/console/subscriptions/sub_x/change", url.Values{"price": {"price_x"}}, http.StatusNotFound},
		{"/console/subscriptions/sub_x/retry", url.Values{"invoice": {"in_x"}}, http.StatusNotFound},
		{"/console/subscriptions/sub_x/pause", url.Values{}, http.StatusNotFound},
		{"/console/subscriptions/sub_x/portal", url.Values{}, http.StatusNotFound},
		{"/console/alerts/alrt_x/acknowledge", url.Values{}, http.StatusNotFound},
	} {
		tc.form.Set("csrf", token)
		res, _ := b.post(tc.path, tc.form)
		require.Equal(t, tc.status, res.StatusCode, "%s %v", tc.path, tc.form)
	}
}

// TestOpsPermissions: a viewer sees the pages of this area but none of
// their actions, and a forged action (with a valid CSRF token) is 403;
// an unknown subscription is a 404 page.
func TestOpsPermissions(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	_, err := b.app.Users.CreateUser(t.Context(), app.CreateUserParams{MerchantID: b.merchant, Email: "mira@example.cl",
		Role: billing.RoleViewer, Password: "otra clave bien larga"})
	require.NoError(t, err)
	_, body := b.get("/console/sign-in")
	res, _ := b.post("/console/sign-in", url.Values{"csrf": {csrf(t, body)}, "email": {"mira@example.cl"},
		"password": {"otra clave bien larga"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	res, body = b.get("/console/alerts")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "No hay alertas.")
	token := csrf(t, body)
	for _, path := range []string{"/console/alerts/alrt_x/acknowledge", "/console/subscriptions/sub_x/pause",
		"/console/subscriptions/sub_x/resume", "/console/subscriptions/sub_x/change", "/console/subscriptions/sub_x/retry",
		"/console/subscriptions/sub_x/portal", "/console/subscriptions/sub_x/cancel", "/console/subscriptions/sub_x/reactivate"} {
		res, body := b.post(path, url.Values{"csrf": {token}, "reason": {"requested_by_customer"}, "price": {"price_x"}})
		require.Equal(t, http.StatusForbidden, res.StatusCode, path)
		require.Contains(t, body, "Tu rol no permite hacer esto.", path)
	}
	res, _ = b.get("/console/subscriptions/sub_nope")
	require.Equal(t, http.StatusNotFound, res.StatusCode)
}

package console_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestExports: the lists' CSV buttons stream the API's exports through the
// session, with the list's filters, every row the list holds; a bad filter
// is a 400 page before anything is written, an unknown file a 404, and
// without a session the browser is sent to sign in. On both stores.
func TestExports(t *testing.T) {
	forEachMoneyStore(t, testExports)
}

func testExports(t *testing.T, w *moneyWorld) {
	b, s, ctx := w.bundle, w.scope, t.Context()
	// Ana (the world's: a paid invoice and an open one) and Luis, whose
	// monthly plan is charged to his card when he subscribes.
	email, name := "luis@example.cl", "Luis Soto"
	luis, err := b.app.Customers.CreateCustomer(ctx, s, app.CustomerParams{Email: &email, Name: &name})
	require.NoError(t, err)
	pm, err := b.app.Customers.AttachPaymentMethod(ctx, s, luis.ID, app.AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: billing.SimTokVisa})
	require.NoError(t, err)
	planName, amount := "Plan Pro", int64(15000)
	product, err := b.app.Catalog.CreateProduct(ctx, s, app.ProductParams{Name: &planName})
	require.NoError(t, err)
	price, err := b.app.Catalog.CreatePrice(ctx, s, app.CreatePriceParams{Product: product.ID, UnitAmount: &amount, Currency: "CLP",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
	require.NoError(t, err)
	sub, err := b.app.Subscriptions.CreateSubscription(ctx, s, app.CreateSubscriptionParams{Customer: luis.ID,
		Items: []app.ItemParams{{Price: price.ID}}, PaymentMethod: pm.ID})
	require.NoError(t, err)
	require.Equal(t, billing.SubscriptionActive, sub.Status)
	subInvoices, err := b.app.Invoicing.ListInvoices(ctx, s, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, subInvoices.Data, 1)
	luisInv := subInvoices.Data[0]
	ana := w.paid.CustomerID

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
	requireRows(t, body, "id", map[string]map[string]string{
		luis.ID: {"email": "luis@example.cl", "name": "Luis Soto"},
		ana:     {"email": "ana@example.cl", "name": "Ana Rojas"},
	})

	res, body = b.get("/console/exports/customers.csv?q=ana@example.cl")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "ana@example.cl")
	require.NotContains(t, body, "luis@example.cl", "the search is the export's email filter")
	requireRows(t, body, "id", map[string]map[string]string{ana: {"email": "ana@example.cl"}})
	res, body = b.get("/console/exports/customers.csv?q=soto")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "luis@example.cl", "a part of the name exports what the list finds")
	require.NotContains(t, body, "ana@example.cl")
	requireRows(t, body, "id", map[string]map[string]string{luis.ID: {"email": "luis@example.cl"}})

	// The other lists' exports, with their filters, row by row.
	for path, want := range map[string]map[string]map[string]string{
		"/console/exports/subscriptions.csv?status=active": {
			sub.ID: {"customer": luis.ID, "status": "active", "currency": "CLP", "items": price.ID + "*1", "interval": "month",
				"cancel_at_period_end": "false"},
		},
		"/console/exports/subscriptions.csv?status=past_due": {},
		"/console/exports/invoices.csv?status=paid": {
			w.paid.ID: {"number": w.paid.Number, "customer": ana, "subscription": "", "status": "paid", "currency": "CLP",
				"total": "20000", "amount_paid": "20000", "amount_due": "20000"},
			luisInv.ID: {"number": luisInv.Number, "customer": luis.ID, "subscription": sub.ID, "status": "paid", "currency": "CLP",
				"total": "15000", "amount_paid": "15000"},
		},
		"/console/exports/invoices.csv?status=open": {
			w.open.ID: {"number": w.open.Number, "customer": ana, "status": "open", "total": "5000", "amount_paid": "0"},
		},
		"/console/exports/payments.csv": {
			"invoice=" + w.paid.ID:  {"customer": ana, "gateway": "sim", "status": "succeeded", "currency": "CLP", "amount": "20000"},
			"invoice=" + luisInv.ID: {"customer": luis.ID, "gateway": "sim", "status": "succeeded", "currency": "CLP", "amount": "15000"},
		},
		"/console/exports/payments.csv?status=failed": {},
	} {
		res, body := b.get(path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		key := "id"
		if strings.Contains(path, "payments") {
			key = "invoice" // a payment's id is not known here; each invoice was paid once
		}
		requireRows(t, body, key, want)
	}

	_, page := b.get("/console/customers?q=ana@example.cl")
	require.Contains(t, page, `href="/console/exports/customers.csv?q=ana%40example.cl"`)
	_, page = b.get("/console/invoices?status=paid")
	require.Contains(t, page, `href="/console/exports/invoices.csv?status=paid"`, "the documents' list exports with its filter")
	_, page = b.get("/console/payments?status=failed")
	require.Contains(t, page, `href="/console/exports/payments.csv?status=failed"`)
	_, page = b.get("/console/payments")
	require.Contains(t, page, `href="/console/exports/payments.csv"`)

	for path, status := range map[string]int{
		"/console/exports/subscriptions.csv?status=bogus": http.StatusBadRequest,
		"/console/exports/invoices.csv?status=bogus":      http.StatusBadRequest,
		"/console/exports/payments.csv?status=bogus":      http.StatusBadRequest,
		"/console/exports/secrets.csv":                    http.StatusNotFound,
	} {
		res, body := b.get(path)
		require.Equal(t, status, res.StatusCode, path)
		require.Contains(t, res.Header.Get("Content-Type"), "text/html", path)
		require.NotContains(t, body, "id,", path)
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

// requireRows parses a CSV export and requires that its rows are exactly
// want's, one a key, matched by the column key ("invoice=in_…" keys name
// the column in them instead), with want's values in the columns named.
func requireRows(t *testing.T, body, key string, want map[string]map[string]string) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows, "the header at least")
	header := rows[0]
	got := map[string]map[string]string{}
	for _, r := range rows[1:] {
		require.Len(t, r, len(header))
		m := map[string]string{}
		for i, name := range header {
			m[name] = r[i]
		}
		k := m[key]
		if key != "id" {
			k = key + "=" + k
		}
		require.NotContains(t, got, k, "one row per %s", k)
		got[k] = m
	}
	require.Len(t, got, len(want), "rows: %v", got)
	for k, cols := range want {
		require.Contains(t, got, k, "rows: %v", got)
		for col, v := range cols {
			require.Contains(t, header, col)
			require.Equal(t, v, got[k][col], "%s of %s", col, k)
		}
	}
}

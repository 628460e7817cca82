package httpapi_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

// raiseLateSuccess fails a payment at the sim and has the sim report it
// paid afterwards: a payment_late_success alert.
func raiseLateSuccess(t *testing.T, b *testBundle) string {
	t.Helper()
	cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.com"})
	prod := b.createProduct(t, b.a, map[string]any{"name": "Plan"})
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 5000, "currency": "CLP",
		"recurring": map[string]any{"interval": "month"}})
	pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods",
		map[string]any{"gateway": "sim", "token": billing.SimTokChargeDeclined}))
	ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, "/v1/subscriptions", map[string]any{"customer": cus.ID,
		"items": []map[string]any{{"price": price.ID}}, "payment_method": pm.ID}))
	pays := ok[httpapi.ListJSON[apiobj.PaymentJSON]](t, b.get(t, b.a, "/v1/payments?status=failed"))
	require.Len(t, pays.Data, 1)
	p, err := b.app.Collection.GetPayment(t.Context(), billing.Scope{MerchantID: b.merchantA, Mode: billing.ModeTest}, pays.Data[0].ID)
	require.NoError(t, err)
	require.NoError(t, b.app.Collection.SettleGatewayCharge(t.Context(), p.Scope, "sim", p.IdempotencyKey,
		billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: "ch_late"}))
	return p.ID
}

func TestAlertsAPI(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			_, b := setupOn(t, httpapi.Config{}, kind)
			b.withSim()
			payID := raiseLateSuccess(t, b)

			list := ok[httpapi.ListJSON[apiobj.AlertJSON]](t, b.get(t, b.a, "/v1/alerts?status=open"))
			require.Len(t, list.Data, 1)
			al := list.Data[0]
			require.Equal(t, "alert", al.Object)
			require.False(t, al.Livemode)
			require.Equal(t, "payment_late_success", al.Kind)
			require.Equal(t, "critical", al.Severity)
			require.Equal(t, "open", al.Status)
			require.Equal(t, apiobj.AlertObjectJSON{Type: "payment", ID: payID}, al.Concerns)
			require.Equal(t, int64(1), al.Count)
			require.NotEmpty(t, al.Message.ES)
			require.NotEmpty(t, al.Message.EN)
			require.Nil(t, al.ResolvedAt)
			require.Equal(t, "/v1/alerts", list.URL)

			require.Equal(t, al, ok[apiobj.AlertJSON](t, b.get(t, b.a, "/v1/alerts/"+al.ID)))
			require.Empty(t, ok[httpapi.ListJSON[apiobj.AlertJSON]](t, b.get(t, b.a, "/v1/alerts?status=resolved")).Data)
			require.Empty(t, ok[httpapi.ListJSON[apiobj.AlertJSON]](t, b.get(t, b.b, "/v1/alerts")).Data, "another merchant's")
			requireProblem(t, b.get(t, b.b, "/v1/alerts/"+al.ID), http.StatusNotFound, billing.CodeResourceMissing, "id")
			requireProblem(t, b.get(t, b.a, "/v1/alerts?status=closed"), http.StatusBadRequest, billing.CodeParameterInvalid, "status")
			requireProblem(t, b.get(t, b.a, "/v1/alerts?starting_after=cus_1"), http.StatusBadRequest, billing.CodeParameterInvalid, "starting_after")

			ack := ok[apiobj.AlertJSON](t, b.post(t, b.a, "/v1/alerts/"+al.ID+"/acknowledge", nil))
			require.Equal(t, "acknowledged", ack.Status)
			require.NotNil(t, ack.AcknowledgedAt)
			require.Equal(t, ack, ok[apiobj.AlertJSON](t, b.post(t, b.a, "/v1/alerts/"+al.ID+"/acknowledge", nil)))
			require.Empty(t, ok[httpapi.ListJSON[apiobj.AlertJSON]](t, b.get(t, b.a, "/v1/alerts?status=open")).Data)
			requireProblem(t, b.post(t, b.a, "/v1/alerts/alrt_missing/acknowledge", nil), http.StatusNotFound, billing.CodeResourceMissing, "id")

			// A resolved alert cannot be acknowledged.
			s := billing.Scope{MerchantID: b.merchantA, Mode: billing.ModeTest}
			require.NoError(t, b.store.InTx(t.Context(), func(tx billing.Tx) error {
				a, err := tx.Alerts.GetAlert(t.Context(), s, al.ID)
				if err != nil {
					return err
				}
				billing.ResolveAlert(&a, b.clock.Now())
				return tx.Alerts.UpdateAlert(t.Context(), a)
			}))
			requireProblem(t, b.post(t, b.a, "/v1/alerts/"+al.ID+"/acknowledge", nil), http.StatusConflict, billing.CodeAlertResolved, "id")
		})
	}
}

// TestExportsAPI: the exports stream every row their filter selects, with
// the columns the objects' JSON has; a bad filter is a 400 problem. On
// both stores.
func TestExportsAPI(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			testExportsAPI(t, kind)
		})
	}
}

func testExportsAPI(t *testing.T, kind string) {
	_, b := setupOn(t, httpapi.Config{}, kind)
	b.withSim()
	ana := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.com", "name": "=1+1"})
	bea := b.createCustomer(t, b.a, map[string]any{"email": "bea@example.com", "name": "Bea"})

	res := b.get(t, b.a, "/v1/exports/customers.csv?email=ana@example.com")
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
	require.Equal(t, `attachment; filename="customers.csv"`, res.Header.Get("Content-Disposition"))
	rows, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, "id", rows[0][0])
	require.Equal(t, "'=1+1", rows[1][2])

	// Nothing yet: the header alone.
	for _, path := range []string{"subscriptions", "invoices", "payments"} {
		require.Empty(t, exportRows(t, b, "/v1/exports/"+path+".csv"), path)
	}

	// Ana subscribes with a card that pays; Bea's is declined, which
	// voids her first invoice and expires her subscription.
	prod := b.createProduct(t, b.a, map[string]any{"name": "Plan"})
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 5000, "currency": "CLP",
		"recurring": map[string]any{"interval": "month"}})
	subscribe := func(cus, token string) (apiobj.SubscriptionJSON, apiobj.InvoiceJSON) {
		pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus+"/payment_methods",
			map[string]any{"gateway": "sim", "token": token}))
		sub := ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, "/v1/subscriptions", map[string]any{"customer": cus,
			"items": []map[string]any{{"price": price.ID}}, "payment_method": pm.ID}))
		invs := ok[httpapi.ListJSON[apiobj.InvoiceJSON]](t, b.get(t, b.a, "/v1/invoices?subscription="+sub.ID))
		require.Len(t, invs.Data, 1)
		return sub, invs.Data[0]
	}
	anaSub, anaInv := subscribe(ana.ID, billing.SimTokVisa)
	beaSub, beaInv := subscribe(bea.ID, billing.SimTokChargeDeclined)
	pays := ok[httpapi.ListJSON[apiobj.PaymentJSON]](t, b.get(t, b.a, "/v1/payments"))
	require.Len(t, pays.Data, 2)
	payOf := map[string]string{} // invoice → its payment
	for _, p := range pays.Data {
		payOf[p.Invoice] = p.ID
	}

	subs := exportRows(t, b, "/v1/exports/subscriptions.csv")
	require.Len(t, subs, 2)
	require.Equal(t, map[string]string{"customer": ana.ID, "status": "active", "currency": "CLP", "items": price.ID + "*1",
		"interval": "month", "interval_count": "1"}, pick(subs[anaSub.ID], "customer", "status", "currency", "items", "interval", "interval_count"))
	require.Equal(t, map[string]string{"customer": bea.ID, "status": "incomplete_expired", "currency": "CLP"},
		pick(subs[beaSub.ID], "customer", "status", "currency"))
	require.Len(t, exportRows(t, b, "/v1/exports/subscriptions.csv?status=active"), 1)

	invs := exportRows(t, b, "/v1/exports/invoices.csv")
	require.Len(t, invs, 2)
	require.Equal(t, map[string]string{"number": *anaInv.Number, "customer": ana.ID, "subscription": anaSub.ID, "status": "paid",
		"currency": "CLP", "total": "5000", "amount_paid": "5000"},
		pick(invs[anaInv.ID], "number", "customer", "subscription", "status", "currency", "total", "amount_paid"))
	require.Equal(t, map[string]string{"customer": bea.ID, "subscription": beaSub.ID, "status": "void", "total": "5000", "amount_paid": "0"},
		pick(invs[beaInv.ID], "customer", "subscription", "status", "total", "amount_paid"))
	require.NotEmpty(t, invs[beaInv.ID]["voided_at"])
	require.Len(t, exportRows(t, b, "/v1/exports/invoices.csv?status=paid"), 1)

	ps := exportRows(t, b, "/v1/exports/payments.csv")
	require.Len(t, ps, 2)
	require.Equal(t, map[string]string{"invoice": anaInv.ID, "customer": ana.ID, "gateway": "sim", "status": "succeeded",
		"amount": "5000", "failure_code": ""}, pick(ps[payOf[anaInv.ID]], "invoice", "customer", "gateway", "status", "amount", "failure_code"))
	require.Equal(t, map[string]string{"invoice": beaInv.ID, "customer": bea.ID, "status": "failed", "amount": "5000",
		"failure_code": "card_declined"}, pick(ps[payOf[beaInv.ID]], "invoice", "customer", "status", "amount", "failure_code"))
	require.Len(t, exportRows(t, b, "/v1/exports/payments.csv?status=failed"), 1)

	requireProblem(t, b.get(t, b.a, "/v1/exports/invoices.csv?status=lost"), http.StatusBadRequest, billing.CodeParameterInvalid, "status")
	requireProblem(t, b.get(t, b.a, "/v1/exports/subscriptions.csv?status=lost"), http.StatusBadRequest, billing.CodeParameterInvalid, "status")
	requireProblem(t, b.get(t, apiKey{}, "/v1/exports/customers.csv"), http.StatusUnauthorized, billing.CodeInvalidAPIKey, "")
}

// exportRows GETs an export and returns its rows by id, each by column,
// requiring a 200, one row per id and no more fields than the header.
func exportRows(t *testing.T, b *testBundle, path string) map[string]map[string]string {
	t.Helper()
	res := b.get(t, b.a, path)
	require.Equal(t, http.StatusOK, res.Status, "%s: %s", path, res.Body)
	rows, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows, "%s: the header at least", path)
	require.Equal(t, "id", rows[0][0])
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, name := range rows[0] {
			m[name] = r[i]
		}
		require.NotContains(t, out, m["id"], "%s: one row per id", path)
		out[m["id"]] = m
	}
	return out
}

// pick is row's columns named.
func pick(row map[string]string, columns ...string) map[string]string {
	out := map[string]string{}
	for _, c := range columns {
		v, ok := row[c]
		if !ok {
			v = "<no such column or row>"
		}
		out[c] = v
	}
	return out
}

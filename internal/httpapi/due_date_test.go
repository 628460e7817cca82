package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestDueDateBeyondCalendar: a send_invoice invoice on a test clock at the
// end of year 9999 would fall due in year 10000, which no JSON timestamp
// holds. It is 400 naming days_until_due, and nothing is written; it used
// to reach a panic encoding the invoice_to_pay email.
func TestDueDateBeyondCalendar(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			_, b := setupOn(t, httpapi.Config{}, kind)
			b.publicURL = "https://billing.example.test"
			end := time.Date(9999, time.December, 30, 0, 0, 0, 0, time.UTC).Unix()
			clock := ok[apiobj.TestClockJSON](t, b.post(t, b.a, "/v1/test_clocks", map[string]any{"frozen_time": end}))
			cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.cl", "test_clock": clock.ID})
			res := b.post(t, b.a, "/v1/invoices", map[string]any{"customer": cus.ID, "collection": "send_invoice",
				"days_until_due": 30, "auto_finalize": true, "currency": "CLP",
				"items": []map[string]any{{"amount": 1000, "description": "x"}}})
			requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "days_until_due")
			list := ok[httpapi.ListJSON[apiobj.InvoiceJSON]](t, b.get(t, b.a, "/v1/invoices?customer="+cus.ID))
			require.Empty(t, list.Data)
		})
	}
}

package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
)

// TestAmountInputs sends every kind of bad amount to every amount field of
// the API: each is 400 amount_invalid naming the field.
func TestAmountInputs(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	prod := b.createProduct(t, b.a, nil)
	price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 1000, "currency": "CLP"})
	cus := b.createCustomer(t, b.a, nil)

	fields := []struct {
		path, param string
		body        func(amount string) string
	}{
		{"/v1/prices", "unit_amount", func(a string) string {
			return `{"product":"` + prod.ID + `","currency":"CLP","unit_amount":` + a + `}`
		}},
		{"/v1/coupons", "amount_off", func(a string) string { return `{"currency":"CLP","amount_off":` + a + `}` }},
		{"/v1/refunds", "amount", func(a string) string { return `{"payment":"pay_missing","amount":` + a + `}` }},
		{"/v1/invoices", "items[1].amount", func(a string) string {
			return `{"customer":"` + cus.ID + `","collection":"send_invoice","items":[{"price":"` + price.ID + `"},{"description":"x","amount":` + a + `}]}`
		}},
	}
	bad := []string{"1.5", "-1", "-0.5", "9223372036854775808", "1e20", "1e400", "100000000000", "1999.0000000000001",
		`"1000"`, "true", "[1]", "{}"}
	for _, f := range fields {
		for _, amount := range bad {
			res := b.post(t, b.a, f.path, raw(f.body(amount)))
			p := requireProblem(t, res, http.StatusBadRequest, "amount_invalid", f.param)
			require.True(t, strings.HasPrefix(p.Detail, f.param+": "), "%s %s: %s", f.path, amount, p.Detail)
		}
	}

	// An integral value written with a fraction or an exponent is that
	// integer, on every field alike.
	for _, amount := range []string{"1999.0", "1.999e3", "19990e-1"} {
		p := ok[apiobj.PriceJSON](t, b.post(t, b.a, "/v1/prices", raw(fields[0].body(amount))))
		require.Equal(t, int64(1999), p.UnitAmount, amount)
		c := ok[apiobj.CouponJSON](t, b.post(t, b.a, "/v1/coupons", raw(fields[1].body(amount))))
		require.Equal(t, int64(1999), *c.AmountOff, amount)
		inv := ok[apiobj.InvoiceJSON](t, b.post(t, b.a, "/v1/invoices", raw(fields[3].body(amount))))
		require.Equal(t, int64(1999), inv.Lines[1].Amount, amount)
		// Valid, so the refund gets as far as looking for the payment.
		requireProblem(t, b.post(t, b.a, "/v1/refunds", raw(fields[2].body(amount))), http.StatusBadRequest, "resource_missing", "payment")
	}
	// The largest amount is accepted.
	p := ok[apiobj.PriceJSON](t, b.post(t, b.a, "/v1/prices", raw(fields[0].body("99999999999"))))
	require.Equal(t, int64(99_999_999_999), p.UnitAmount)
}

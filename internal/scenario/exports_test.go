package scenario_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// export writes e and parses it back as CSV, checking RFC 4180's CRLF line
// endings on the way.
func (h *harness) export(e app.Export, err error) [][]string {
	h.t.Helper()
	require.NoError(h.t, err)
	var buf bytes.Buffer
	require.NoError(h.t, e.WriteTo(h.ctx, &buf))
	require.True(h.t, strings.HasSuffix(buf.String(), "\r\n"), "CRLF line endings")
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(h.t, err)
	return rows
}

// byColumn maps a CSV's rows (after the header) by column name.
func byColumn(rows [][]string) []map[string]string {
	out := make([]map[string]string, 0, len(rows)-1)
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, name := range rows[0] {
			m[name] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func TestExports(t *testing.T) {
	t.Parallel()
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sk.open(t))
			t0 := ts("2026-01-05T10:00:00Z")
			h.begin("America/Santiago", t0)

			usd := h.price(1999, "USD", billing.IntervalMonth, 0)
			clp := h.price(5000, "CLP", billing.IntervalMonth, 0)
			ana := h.customer("ana@example.com")
			_, err := h.app.Customers.UpdateCustomer(h.ctx, h.s, ana.ID, app.CustomerParams{Name: ptr("Ana Pérez"),
				ExternalID: ptr("@SUM(1+1)")})
			require.NoError(t, err)
			evil := h.customer("evil@example.com")
			_, err = h.app.Customers.UpdateCustomer(h.ctx, h.s, evil.ID, app.CustomerParams{Name: ptr(`=HYPERLINK("https://x.example","clic")`)})
			require.NoError(t, err)
			anaSub := h.subscribeTo(ana.ID, usd.ID, h.attach(ana.ID, billing.SimTokVisa).ID)
			evilSub := h.subscribeTo(evil.ID, clp.ID, h.attach(evil.ID, billing.SimTokChargeDeclined).ID)
			// More customers than one page of an export (100).
			for i := range 110 {
				_, err := h.app.Customers.CreateCustomer(h.ctx, h.s, app.CustomerParams{Email: ptr(fmt.Sprintf("c%03d@example.com", i)),
					Name: ptr(fmt.Sprintf("-%d", i))})
				require.NoError(t, err)
			}

			// Customers: every one, newest first, across pages.
			rows := h.export(h.app.Exports.ExportCustomers(h.ctx, h.s, billing.CustomerFilter{}))
			require.Equal(t, []string{"id", "email", "name", "external_id", "locale", "tax_exempt", "legal_name", "tax_ids",
				"balance", "balance_decimal", "balance_currency", "created"}, rows[0])
			cs := byColumn(rows)
			require.Len(t, cs, 112)
			require.Equal(t, "c109@example.com", cs[0]["email"])
			seen := map[string]bool{}
			for _, c := range cs {
				require.False(t, seen[c["id"]], "no row twice")
				seen[c["id"]] = true
			}
			require.Equal(t, "'-109", cs[0]["name"], "text starting with - is guarded")
			last := cs[len(cs)-1]
			require.Equal(t, ana.ID, last["id"])
			require.Equal(t, "Ana Pérez", last["name"])
			require.Equal(t, "'@SUM(1+1)", last["external_id"])
			require.Equal(t, "none", last["tax_exempt"])
			require.Equal(t, ana.Created.UTC().Format(time.RFC3339), last["created"])
			require.Equal(t, `'=HYPERLINK("https://x.example","clic")`, cs[len(cs)-2]["name"])

			// A filter of the list.
			rows = h.export(h.app.Exports.ExportCustomers(h.ctx, h.s, billing.CustomerFilter{Email: "ana@example.com"}))
			require.Len(t, rows, 2)
			require.Equal(t, ana.ID, rows[1][0])

			// Subscriptions.
			ss := byColumn(h.export(h.app.Exports.ExportSubscriptions(h.ctx, h.s, billing.SubscriptionFilter{Status: billing.SubscriptionActive})))
			require.Len(t, ss, 1)
			sub := h.sub(anaSub.ID)
			require.Equal(t, map[string]string{"id": sub.ID, "customer": ana.ID, "status": "active", "currency": "USD",
				"items": usd.ID + "*1", "interval": "month", "interval_count": "1",
				"current_period_start": "2026-01-05T10:00:00Z", "current_period_end": sub.CurrentPeriodEnd.UTC().Format(time.RFC3339),
				"trial_end": "", "cancel_at_period_end": "false", "cancel_at": "", "canceled_at": "", "cancellation_reason": "",
				"ended_at": "", "coupon": "", "created": sub.Created.UTC().Format(time.RFC3339)}, ss[0])
			require.Len(t, byColumn(h.export(h.app.Exports.ExportSubscriptions(h.ctx, h.s, billing.SubscriptionFilter{}))), 2)

			// Invoices: amounts in minor units and as decimals.
			is := byColumn(h.export(h.app.Exports.ExportInvoices(h.ctx, h.s, billing.InvoiceFilter{CustomerID: ana.ID})))
			require.Len(t, is, 1)
			inv := h.invoices(anaSub.ID)[0]
			require.Equal(t, inv.ID, is[0]["id"])
			require.Equal(t, inv.Number, is[0]["number"])
			require.Equal(t, "paid", is[0]["status"])
			require.Equal(t, "USD", is[0]["currency"])
			require.Equal(t, "1999", is[0]["total"])
			require.Equal(t, "19.99", is[0]["total_decimal"])
			require.Equal(t, "19.99", is[0]["amount_paid_decimal"])
			require.Equal(t, "0.00", is[0]["discount_decimal"])
			require.Equal(t, inv.PaidAt.UTC().Format(time.RFC3339), is[0]["paid_at"])
			// (A first payment declined voids the first invoice.)
			void := byColumn(h.export(h.app.Exports.ExportInvoices(h.ctx, h.s, billing.InvoiceFilter{Status: billing.InvoiceVoid})))
			require.Len(t, void, 1)
			require.Equal(t, evilSub.ID, void[0]["subscription"])
			require.Equal(t, "5000", void[0]["total_decimal"], "CLP has no minor digits")
			require.NotEmpty(t, void[0]["voided_at"])

			// Payments.
			ps := byColumn(h.export(h.app.Exports.ExportPayments(h.ctx, h.s, billing.PaymentFilter{Status: billing.PaymentFailed})))
			require.Len(t, ps, 1)
			require.Equal(t, evil.ID, ps[0]["customer"])
			require.Equal(t, "sim", ps[0]["gateway"])
			require.Equal(t, "5000", ps[0]["amount"])
			require.Equal(t, "customer", ps[0]["failure_class"])
			require.Equal(t, "card_declined", ps[0]["failure_code"])
			require.Len(t, byColumn(h.export(h.app.Exports.ExportPayments(h.ctx, h.s, billing.PaymentFilter{}))), 2)

			// Nothing matches: the header alone.
			rows = h.export(h.app.Exports.ExportPayments(h.ctx, h.s, billing.PaymentFilter{Status: billing.PaymentUnknown}))
			require.Len(t, rows, 1)

			// A bad filter is refused before anything is written.
			_, err = h.app.Exports.ExportInvoices(h.ctx, h.s, billing.InvoiceFilter{Status: "lost"})
			require.Equal(t, "status", billing.AsError(err).Param)
			_, err = h.app.Exports.ExportPayments(h.ctx, h.s, billing.PaymentFilter{Status: "lost"})
			require.Equal(t, "status", billing.AsError(err).Param)
			_, err = h.app.Exports.ExportSubscriptions(h.ctx, h.s, billing.SubscriptionFilter{Status: "lost"})
			require.Equal(t, "status", billing.AsError(err).Param)
		})
	}
}

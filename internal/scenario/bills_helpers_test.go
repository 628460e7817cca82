package scenario_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
)

// Helpers for the plan-change, pause, refund, invoice-action and dunning
// scenarios (changes_test.go, payments_test.go). They extend harness_test.go
// without changing it.

// evRefundSucceeded is the event of a refund the gateway accepted.
const evRefundSucceeded = "refund.succeeded"

// evCreditNoteCreated is the event of a credit note issued.
const evCreditNoteCreated = "credit_note.created"

// prorata is the proration rule of docs/architecture.md ("Money and time")
// computed here, independently of billing.Prorate: amount × remaining / total,
// rounded half away from zero (amount, remaining and total are non-negative).
func prorata(amount, remaining, total int64) int64 {
	return (2*amount*remaining + total) / (2 * total)
}

// line is an expected invoice (or proration) line.
type line struct {
	Type    string
	PriceID string
	Qty     int64
	Amount  int64
	Start   time.Time
	End     time.Time
}

func linesOf(ls []billing.InvoiceLine) []line {
	out := []line{}
	for _, l := range ls {
		out = append(out, line{Type: l.Type, PriceID: l.PriceID, Qty: l.Quantity, Amount: l.Amount,
			Start: l.PeriodStart.UTC(), End: l.PeriodEnd.UTC()})
	}
	return out
}

// subLine is the line of one item for a whole period.
func subLine(priceID string, amount int64, start, end time.Time) line {
	return line{Type: billing.LineSubscription, PriceID: priceID, Qty: 1, Amount: amount, Start: start, End: end}
}

// prorationLine is a proration line of one item over [start, end).
func prorationLine(priceID string, amount int64, start, end time.Time) line {
	return line{Type: billing.LineProration, PriceID: priceID, Qty: 1, Amount: amount, Start: start, End: end}
}

// withoutIDs returns lines with their ids cleared and times in UTC, to
// compare a preview's lines with an invoice's.
func withoutIDs(ls []billing.InvoiceLine) []billing.InvoiceLine {
	out := make([]billing.InvoiceLine, 0, len(ls))
	for _, l := range ls {
		l.ID = ""
		l.PeriodStart, l.PeriodEnd = l.PeriodStart.UTC(), l.PeriodEnd.UTC()
		out = append(out, l)
	}
	return out
}

// bill is an expected invoice with its lines, the amount due (0 for a
// negative invoice, whose credit goes to the customer's balance) and its
// payments.
type bill struct {
	Number   string
	Status   billing.InvoiceStatus
	Reason   string
	Start    time.Time
	End      time.Time
	Lines    []line
	Subtotal int64
	Discount int64
	Total    int64
	// StartBal and EndBal are the customer's balance before and after
	// the invoice (negative = credit; both 0 when it used none).
	StartBal int64
	EndBal   int64
	Due      int64
	Paid     int64
	Payments []pay
}

// cycleBill is a paid cycle invoice of one item, charged at its start.
func cycleBill(n int, priceID string, amount int64, start, end time.Time) bill {
	return bill{Number: number(n), Status: billing.InvoicePaid, Reason: billing.ReasonSubscriptionCycle, Start: start, End: end,
		Lines: []line{subLine(priceID, amount, start, end)}, Subtotal: amount, Total: amount, Due: amount, Paid: amount,
		Payments: []pay{paid(start)}}
}

// requireBills is requireInvoices with lines and amount due: it checks a
// subscription's invoices, oldest first, and the invariants every invoice
// keeps (lines add up to the total, the amount due is the total or 0 when
// the total is a credit, one payment row per attempt for the amount due,
// created at the start of its period, stamps matching the status).
func (h *harness) requireBills(subID string, want ...bill) []billing.Invoice {
	h.t.Helper()
	sub := h.sub(subID)
	invoices := h.invoices(subID)
	got := []bill{}
	for _, in := range invoices {
		g := bill{Number: in.Number, Status: in.Status, Reason: in.BillingReason, Start: in.PeriodStart.UTC(), End: in.PeriodEnd.UTC(),
			Lines: linesOf(in.Lines), Subtotal: in.Subtotal, Discount: in.Discount, Total: in.Total,
			StartBal: in.StartingBalance, EndBal: in.EndingBalance, Due: in.AmountDue, Paid: in.AmountPaid}
		pays := h.payments(in.ID)
		for i, p := range pays {
			g.Payments = append(g.Payments, pay{Status: p.Status, Class: p.FailureClass, Code: p.FailureCode, At: p.Created.UTC()})
			require.Equal(h.t, int64(i+1), p.Attempt, "attempt numbers of %s", in.Number)
			require.Equal(h.t, billing.PaymentIdempotencyKey(in.ID, p.Attempt), p.IdempotencyKey)
			require.Equal(h.t, in.AmountDue, p.Amount, "payment amount of %s", in.Number)
			require.Equal(h.t, in.Currency, p.Currency)
			require.Equal(h.t, in.CustomerID, p.CustomerID)
			require.Equal(h.t, "sim", p.Gateway)
		}
		require.Equal(h.t, int64(len(pays)), in.AttemptCount, "attempt count of %s", in.Number)
		require.Equal(h.t, sub.Currency, in.Currency)
		require.Equal(h.t, sub.CustomerID, in.CustomerID)
		// What the balance lost the invoice did not ask for.
		require.Equal(h.t, in.Total+in.StartingBalance-in.EndingBalance, in.AmountDue, "amount due of %s", in.Number)
		// Exclusive tax is added on top of the lines; inclusive tax is in
		// them (docs/taxes.md).
		var exclusive, tax int64
		for _, a := range in.TaxAmounts {
			tax += a.Amount
			if !a.TaxRate.Inclusive {
				exclusive += a.Amount
			}
		}
		require.Equal(h.t, tax, in.Tax, "tax of %s", in.Number)
		require.Equal(h.t, in.Subtotal-in.Discount+exclusive, in.Total, "total of %s", in.Number)
		var sum int64
		for _, l := range in.Lines {
			sum += l.Amount
		}
		require.Equal(h.t, in.Total, sum+exclusive, "lines of %s", in.Number)
		require.True(h.t, in.Created.Equal(in.PeriodStart), "%s created at %s, its period starts at %s", in.Number, in.Created, in.PeriodStart)
		require.NotNil(h.t, in.FinalizedAt, "%s finalized", in.Number)
		switch in.Status {
		case billing.InvoicePaid:
			require.NotNil(h.t, in.PaidAt, "%s paid_at", in.Number)
			require.Equal(h.t, in.AmountDue, in.AmountPaid)
			require.Nil(h.t, in.NextAttemptAt, "%s next attempt", in.Number)
		case billing.InvoiceVoid:
			require.NotNil(h.t, in.VoidedAt, "%s voided_at", in.Number)
			require.Nil(h.t, in.NextAttemptAt, "%s next attempt", in.Number)
		case billing.InvoiceUncollectible:
			require.Nil(h.t, in.NextAttemptAt, "%s next attempt", in.Number)
		}
		got = append(got, g)
	}
	if want == nil {
		want = []bill{}
	}
	requireSame(h.t, want, got, "invoices of %s, oldest first", subID)
	return invoices
}

// requireRefused checks err is the conflict a status machine gives for an
// action the current state does not allow, and that its message names the
// state.
func requireRefused(t *testing.T, err error, state string) {
	t.Helper()
	requireAppError(t, err, billing.KindConflict, billing.CodeInvalidStateTransition, "")
	require.Contains(t, billing.AsError(err).Message, "is "+state, "the error names the current state")
}

// itemPrices returns the price ids of a subscription's items.
func itemPrices(items []billing.SubscriptionItem) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.PriceID)
	}
	return out
}

// changeTo is a ChangeParams for one price.
func changeTo(priceID, behavior, effective string) app.ChangeParams {
	return app.ChangeParams{Items: []app.ItemParams{{Price: priceID}}, ProrationBehavior: behavior, EffectiveAt: effective}
}

// ledgerRefunds returns the sim ledger's refund entries of a charge (by the
// charge's idempotency key) and the charge's own entry.
func (h *harness) ledgerRefunds(chargeKey string) (refunds []sim.Charge, charge sim.Charge) {
	h.t.Helper()
	ledger, err := h.sim.Ledger(h.ctx)
	require.NoError(h.t, err)
	found := false
	for _, c := range ledger {
		switch {
		case c.Outcome == sim.OutcomeRefund && c.Token == chargeKey:
			refunds = append(refunds, c)
		case c.Key == chargeKey:
			charge, found = c, true
		}
	}
	require.True(h.t, found, "ledger entry of charge %s", chargeKey)
	return refunds, charge
}

// eventsSince returns the types of the scope's events after the first n.
func (h *harness) eventsSince(n int) []string {
	h.t.Helper()
	all := h.events()
	require.GreaterOrEqual(h.t, len(all), n)
	return lifeEventTypes(all[n:])
}

// lastInvoiceEvent decodes the invoice of the newest event of type typ
// (about invoiceID, or any invoice when it is "").
func (h *harness) lastInvoiceEvent(typ, invoiceID string) billing.Invoice {
	h.t.Helper()
	evs := h.events()
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Type != typ || (invoiceID != "" && e.ObjectID != invoiceID) {
			continue
		}
		var inv billing.Invoice
		require.NoError(h.t, json.Unmarshal(e.Data, &inv))
		return inv
	}
	h.t.Fatalf("no %s event about %q", typ, invoiceID)
	return billing.Invoice{}
}

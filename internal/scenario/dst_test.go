package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestDSTGapKeepsTheBillingDate: a monthly subscription anchored at 00:30
// on the 5th in America/Santiago, where 2027-09-05 00:30 does not exist
// (clocks jump from 00:00 −04 to 01:00 −03). By RFC 5545 the renewal moves
// forward by the gap's hour and keeps the date, Sep 5 01:30 −03; it is not
// billed the evening before (Sep 4 23:30 −04, which time.Date gives).
func TestDSTGapKeepsTheBillingDate(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{{"santiago_sep_2027_gap", func(t *testing.T, h *harness) {
		start := ts("2027-08-05T00:30:00-04:00")
		gapRenewal := ts("2027-09-05T01:30:00-03:00")
		october := ts("2027-10-05T00:30:00-03:00")
		h.begin("America/Santiago", start)
		price := h.price(9990, "CLP", billing.IntervalMonth, 0)
		cus := h.customer("ines@example.cl")
		pm := h.attach(cus.ID, billing.SimTokVisa)
		sub := h.subscribeTo(cus.ID, price.ID, pm.ID)
		require.Equal(t, gapRenewal, sub.CurrentPeriodEnd.UTC())

		// Sep 5 at 01:00 −03, the first minute after the jump: the evening
		// before is gone and the period has not ended yet.
		h.advanceTo(ts("2027-09-05T01:00:00-03:00"))
		require.Len(t, h.invoices(sub.ID), 1)
		require.Equal(t, gapRenewal, h.sub(sub.ID).CurrentPeriodEnd.UTC())

		h.advanceTo(gapRenewal)
		invs := h.invoices(sub.ID)
		require.Len(t, invs, 2)
		require.Equal(t, []line{subLine(price.ID, 9990, gapRenewal, october)}, linesOf(invs[1].Lines))
		require.Equal(t, billing.InvoicePaid, invs[1].Status)
		got := h.sub(sub.ID)
		require.Equal(t, gapRenewal, got.CurrentPeriodStart.UTC())
		require.Equal(t, october, got.CurrentPeriodEnd.UTC())
	}}})
}

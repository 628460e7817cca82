package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestEndDate: a subscription with an end date is not renewed for a
// period that would start at or after it; it completes at the end of the
// period the date falls in.
func TestEndDate(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{{"end_date_mid_period", func(t *testing.T, h *harness) {
		endDate := ts("2024-09-15T00:00:00Z") // inside the fourth period (Sep 1 – Oct 1)
		sub, _ := activeSub(t, h, func(p *app.CreateSubscriptionParams) { p.EndDate = &endDate })
		h.advanceTo(ts("2024-12-01T00:00:00Z"))
		end := ts("2024-10-01T12:00:00Z")
		h.requireSub(sub.ID, subState{Status: billing.SubscriptionCanceled, Cycle: 4, PeriodStart: ts("2024-09-01T12:00:00Z"),
			PeriodEnd: end, CanceledAt: &end, EndedAt: &end, Reason: billing.CancelCompleted})
		h.requireInvoices(sub.ID, monthly(1, 5000, 0), monthly(2, 5000, 0), monthly(3, 5000, 0), monthly(4, 5000, 0))
		require.Equal(t, end, h.eventAt(evSubDeleted, sub.ID))
	}}})
}

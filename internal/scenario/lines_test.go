package scenario_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestLineDescriptions: lines are written in the merchant's language when
// their invoice is made, on a test clock, from a month's last day: three
// seats of a named product, a coupon named by its code, and the dates of
// each period in the merchant's time zone (Jan 31 → Feb 28 → Mar 31). A
// later rename of the product leaves written lines as they were.
func TestLineDescriptions(t *testing.T) {
	runScenarios(t, []scenario{{name: "MonthEndOnATestClock", run: func(t *testing.T, h *harness) {
		start := time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC) // 09:00 in Santiago
		h.begin("America/Santiago", start)
		prod := h.product("Agente Start", map[string]int64{"properties": 5})
		price := h.priceOf(prod.ID, 5000, "CLP", billing.IntervalMonth, 0)
		pct := 20.0
		c, err := h.app.Catalog.CreateCoupon(h.ctx, h.s, app.CreateCouponParams{Name: "Verano", PercentOff: &pct, Duration: billing.DurationForever})
		require.NoError(t, err)
		_, err = h.app.Catalog.CreatePromotionCode(h.ctx, h.s, app.CreatePromotionCodeParams{Coupon: c.ID, Code: "VERANO"})
		require.NoError(t, err)
		cus := h.customer("rosa@example.cl")
		pm := h.attach(cus.ID, billing.SimTokVisa)
		sub := h.subscribe(app.CreateSubscriptionParams{Customer: cus.ID, PaymentMethod: pm.ID, PromotionCode: "VERANO",
			Items: []app.ItemParams{{Price: price.ID, Quantity: 3}}})

		h.advanceTo(time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)) // past Feb 28: one renewal
		renamed := "Agente Inicio"
		_, err = h.app.Catalog.UpdateProduct(h.ctx, h.s, prod.ID, app.ProductParams{Name: &renamed})
		require.NoError(t, err)

		invs := h.invoices(sub.ID)
		require.Len(t, invs, 2)
		lines := func(inv billing.Invoice) []string {
			var out []string
			for _, l := range inv.Lines {
				out = append(out, l.Description)
			}
			return out
		}
		byNumber := map[string][]string{}
		for _, inv := range invs {
			byNumber[inv.Number] = lines(inv)
		}
		require.Equal(t, map[string][]string{
			"AGEN-000001": {"Agente Start × 3 · 31 ene 2027 – 28 feb 2027", "Descuento VERANO (20\u00a0%)"},
			"AGEN-000002": {"Agente Start × 3 · 28 feb 2027 – 31 mar 2027", "Descuento VERANO (20\u00a0%)"},
		}, byNumber)
		for _, inv := range invs {
			require.Equal(t, int64(12_000), inv.Total, "15.000 less 20 %")
		}
	}}})
}

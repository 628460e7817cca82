package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// lineLocale is the language invoice line texts are written in: the
// merchant's locale, es-CL when it has none. It is the one place that
// chooses, so that preferring the customer's language later changes only
// this function (and what its callers pass it).
func lineLocale(m billing.Merchant) string {
	if m.Locale != "" {
		return m.Locale
	}
	return "es-CL"
}

// lineText writes the line descriptions of m's invoices (billing.LineText)
// in lineLocale, with dates in m's time zone.
func lineText(m billing.Merchant) billing.LineText {
	return billing.LineText{Locale: lineLocale(m), Loc: merchantLocation(m)}
}

// productNames maps the price of each item to its product's name, for the
// proration lines of a change between two sets of items.
func productNames(sets ...[]billing.SubscriptionItem) map[string]string {
	out := map[string]string{}
	for _, items := range sets {
		for _, it := range items {
			out[it.PriceID] = it.ProductName
		}
	}
	return out
}

// couponLabel is what the customer knows sub's discount by: the promotion
// code that brought the coupon, else the coupon's name ("" when it has
// neither; the line then says only "Descuento (20 %)").
func couponLabel(ctx context.Context, tx billing.Tx, sub *billing.Subscription, c billing.Coupon) (string, error) {
	if sub.PromotionCodeID == "" {
		return c.Name, nil
	}
	pc, err := tx.Coupons.GetPromotionCode(ctx, sub.Scope, sub.PromotionCodeID)
	if err != nil {
		return "", fmt.Errorf("read promotion code %s: %w", sub.PromotionCodeID, err)
	}
	return pc.Code, nil
}

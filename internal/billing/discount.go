package billing

import (
	"fmt"

	"github.com/cuota/cuota/internal/money"
)

// DiscountAmount is what coupon c takes off a subtotal: a percentage
// rounded once (money's half-away-from-zero rule), or a fixed amount, never
// more than the subtotal.
func DiscountAmount(c Coupon, subtotal int64) (int64, error) {
	if subtotal <= 0 {
		return 0, nil
	}
	off := c.AmountOff
	if c.PercentOffBP > 0 {
		var err error
		if off, err = money.PercentOf(subtotal, c.PercentOffBP); err != nil {
			return 0, fmt.Errorf("discount: %w", err)
		}
	}
	return min(off, subtotal), nil
}

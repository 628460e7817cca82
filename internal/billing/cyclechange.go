package billing

import "time"

// CycleChange is what changing a subscription's billing cycle (monthly ↔
// annual) does at one moment: credits for the unused part of the old
// items' current period and charges for the new items' whole first period.
type CycleChange struct {
	Credits []ProrationLine // negative amounts, each covering [at, end)
	Charges []ProrationLine // full per-period totals, each covering [at, newEnd)
}

// Net is the charges plus the credits, before tax: negative when more is
// credited than charged (an annual plan switched to monthly early in its
// year), which the invoice then gives to the customer's balance.
func (c CycleChange) Net() int64 {
	var n int64
	for _, l := range c.Credits {
		n += l.Amount
	}
	for _, l := range c.Charges {
		n += l.Amount
	}
	return n
}

// ProrateCycleChange is the rule of a change between items of different
// billing cycles, as Stripe applies it: the change happens at at, the
// billing anchor moves to at, so a new period [at, newEnd) starts, the
// unused time of the current period [start, end) is credited by Prorate
// (the one proration rule; every old item is credited, since none carries
// over into a period of the same length), and every new item is charged
// its full per-period total (ItemTotal) for the new period. newEnd is the
// new period's end, which the caller computes from the new cycle in the
// merchant's zone (PeriodBoundary); it must be after at.
//
// Errors (*Error): those of Prorate and ItemTotal, and proration_date
// when newEnd is not after at.
func ProrateCycleChange(oldItems, newItems []ProrationItem, start, end, at, newEnd time.Time) (CycleChange, error) {
	var c CycleChange
	if newEnd.Unix() <= at.Unix() {
		return c, Invalid("proration_date", CodeParameterInvalid,
			"the new period [%s, %s) is empty", at.UTC().Format(time.RFC3339), newEnd.UTC().Format(time.RFC3339))
	}
	credits, err := Prorate(oldItems, nil, start, end, at)
	if err != nil {
		return c, err
	}
	c.Credits = credits
	from, to := time.Unix(at.Unix(), 0).UTC(), time.Unix(newEnd.Unix(), 0).UTC()
	for _, it := range newItems {
		total, err := ItemTotal(it)
		if err != nil {
			return CycleChange{}, err
		}
		c.Charges = append(c.Charges, ProrationLine{PriceID: it.PriceID, Quantity: it.Quantity, Amount: total,
			PeriodStart: from, PeriodEnd: to, Description: it.Description})
	}
	return c, nil
}

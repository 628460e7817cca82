package billing

import "time"

// CyclePeriod is period n (n ≥ 1) of a billing anchor: [boundary n−1,
// boundary n), both computed by PeriodBoundary from the anchor, never
// chained. A period that cannot be computed (it would end after 9999, see
// CheckTime) is an invalid-input error naming no parameter: the caller that
// knows which input led there names it.
func CyclePeriod(anchor time.Time, r Recurring, n int64, loc *time.Location) (start, end time.Time, err error) {
	if start, err = PeriodBoundary(anchor, r, n-1, loc); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if end, err = PeriodBoundary(anchor, r, n, loc); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return start, end, nil
}

// MoveToCycle moves sub to period n of its billing anchor (its cycle index
// and current period); on error (see CyclePeriod) sub is unchanged.
func (sub *Subscription) MoveToCycle(n int64, loc *time.Location) error {
	start, end, err := CyclePeriod(sub.BillingAnchor, sub.Recurring, n, loc)
	if err != nil {
		return err
	}
	sub.CycleIndex, sub.CurrentPeriodStart, sub.CurrentPeriodEnd = n, start, end
	return nil
}

// ApplyDueChange applies sub's scheduled change of items if it takes
// effect at or before at (a downgrade takes effect at the end of the
// period it was asked in), and reports whether it did.
func (sub *Subscription) ApplyDueChange(at time.Time) bool {
	pc := sub.PendingChange
	if pc == nil || pc.EffectiveAt.After(at) {
		return false
	}
	sub.Items, sub.PendingChange = pc.Items, nil
	return true
}

// Renew moves sub, whose current period has ended, to its next period: a
// change scheduled for the end of the current period applies first. It is
// the bookkeeping of every renewal, batched or one at a time. On error
// (see CyclePeriod) sub is unchanged.
func (sub *Subscription) Renew(loc *time.Location) error {
	n := sub.CycleIndex + 1
	start, end, err := CyclePeriod(sub.BillingAnchor, sub.Recurring, n, loc)
	if err != nil {
		return err
	}
	sub.ApplyDueChange(sub.CurrentPeriodEnd)
	sub.CycleIndex, sub.CurrentPeriodStart, sub.CurrentPeriodEnd = n, start, end
	return nil
}

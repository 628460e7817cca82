package billing

import (
	"cmp"
	"math/bits"
	"slices"
	"time"

	"github.com/cuota/cuota/internal/money"
)

// ProrationItem is one subscription item as proration sees it: a price, its
// unit amount in minor units and a quantity. All items of one call share the
// subscription's currency; Prorate does not look at currencies.
type ProrationItem struct {
	PriceID     string
	UnitAmount  int64 // minor units per unit, per period
	Quantity    int64
	Description string // copied to the item's lines; wording is the caller's (it knows the locale)
}

// ProrationLine is one invoice line produced by a mid-period change: a
// credit for the unused part of an old item (negative Amount) or a debit for
// the remaining part of a new one (positive Amount). PeriodStart is the
// change time and PeriodEnd the end of the current period, both truncated to
// whole seconds like the amounts.
type ProrationLine struct {
	PriceID     string
	Quantity    int64
	Amount      int64 // minor units; negative = credit
	PeriodStart time.Time
	PeriodEnd   time.Time
	Description string
}

// ProrationBehavior says what a plan change does with its proration lines
// (docs/architecture.md, "Money and time"); the names are Stripe's, so
// merchants recognise them.
type ProrationBehavior string

// The proration behaviours.
const (
	// ProrationCreateProrations keeps the lines pending for the next invoice.
	ProrationCreateProrations ProrationBehavior = "create_prorations"
	// ProrationAlwaysInvoice invoices the lines and charges them now; it is
	// the default for upgrades.
	ProrationAlwaysInvoice ProrationBehavior = "always_invoice"
	// ProrationNone makes no lines: the new price applies from the next
	// period's invoice on.
	ProrationNone ProrationBehavior = "none"
)

// Valid reports whether b is a known behaviour.
func (b ProrationBehavior) Valid() bool {
	switch b {
	case ProrationCreateProrations, ProrationAlwaysInvoice, ProrationNone:
		return true
	}
	return false
}

// Prorate returns the lines for changing a subscription's items from
// oldItems to newItems at time at, inside the current period [start, end).
// It is cuota's one proration rule (Stripe's):
//
//	line amount = ProRata(unit_amount × quantity, e − t, e − s)
//
// where s, e and t are start, end and at truncated to whole seconds (the
// unit the rule is stated in; sub-second parts would only add noise), and
// money.ProRata rounds half away from zero. Rounding happens once per line,
// on the line's total (unit amount × quantity), never per unit, so a line
// is off by at most half a minor unit.
//
// Every old item yields one credit line (negative amount) and every new
// item one debit line, in the order given, credits first, except that an
// item present in both lists with the same price, unit amount and quantity
// is unchanged and yields nothing. A quantity change on the same price is a
// credit of the old quantity and a debit of the new one, as Stripe does,
// rather than one net line: each line then states a whole item and the
// invoice reads like the two subscriptions it bridges. Lines that round to
// zero (a change in the period's last moments) are kept so that a preview
// shows every item. Every line covers [at, end).
//
// Errors (*Error): proration_date when at is not inside [start, end) or the
// period is empty (after truncation to seconds); items when a unit amount or
// quantity is negative; amount_invalid when unit amount × quantity
// overflows int64.
func Prorate(oldItems, newItems []ProrationItem, start, end, at time.Time) ([]ProrationLine, error) {
	s, e, t := start.Unix(), end.Unix(), at.Unix()
	if e <= s {
		return nil, Invalid("proration_date", CodeParameterInvalid,
			"the period [%s, %s) is empty", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	if t < s || t >= e {
		return nil, Invalid("proration_date", CodeParameterInvalid,
			"proration date %s is outside the current period [%s, %s)",
			at.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}

	// Cancel out unchanged items, one old item per new item, so that a
	// repeated price matches as many times as it appears in both lists.
	unchanged := map[ProrationItem]int{}
	for _, it := range newItems {
		unchanged[prorationKey(it)]++
	}
	keepOld := make([]bool, len(oldItems))
	matched := map[ProrationItem]int{}
	for i, it := range oldItems {
		k := prorationKey(it)
		if unchanged[k] > 0 {
			unchanged[k]--
			matched[k]++
			continue
		}
		keepOld[i] = true
	}

	from, to := time.Unix(t, 0).UTC(), time.Unix(e, 0).UTC()
	var lines []ProrationLine
	add := func(it ProrationItem, sign int64) error {
		total, err := ItemTotal(it)
		if err != nil {
			return err
		}
		amount, err := money.ProRata(total, e-t, e-s)
		if err != nil {
			// Unreachable: e−t ≤ e−s keeps |amount| ≤ |total|.
			return Errorf(KindInternal, CodeInternal, "prorating %d: %v", total, err)
		}
		lines = append(lines, ProrationLine{
			PriceID:     it.PriceID,
			Quantity:    it.Quantity,
			Amount:      sign * amount,
			PeriodStart: from,
			PeriodEnd:   to,
			Description: it.Description,
		})
		return nil
	}
	for i, it := range oldItems {
		if !keepOld[i] {
			if err := validateProrationItem(it); err != nil {
				return nil, err
			}
			continue
		}
		if err := add(it, -1); err != nil {
			return nil, err
		}
	}
	for _, it := range newItems {
		if k := prorationKey(it); matched[k] > 0 {
			matched[k]--
			if err := validateProrationItem(it); err != nil {
				return nil, err
			}
			continue
		}
		if err := add(it, 1); err != nil {
			return nil, err
		}
	}
	return lines, nil
}

// prorationKey is what makes two items "the same" for Prorate: price, unit
// amount and quantity. The description is wording, not substance.
func prorationKey(it ProrationItem) ProrationItem {
	it.Description = ""
	return it
}

// validateProrationItem rejects items no price could produce.
func validateProrationItem(it ProrationItem) error {
	if it.UnitAmount < 0 {
		return Invalid("items", CodeAmountInvalid, "price %s has a negative unit amount %d", it.PriceID, it.UnitAmount)
	}
	if it.Quantity < 0 {
		return Invalid("items", CodeParameterInvalid, "price %s has a negative quantity %d", it.PriceID, it.Quantity)
	}
	return nil
}

// ItemTotal returns an item's per-period total, unit amount × quantity, or
// an amount_invalid *Error if it is negative or overflows int64.
func ItemTotal(it ProrationItem) (int64, error) {
	if err := validateProrationItem(it); err != nil {
		return 0, err
	}
	hi, lo := bits.Mul64(uint64(it.UnitAmount), uint64(it.Quantity))
	if hi != 0 || lo > 1<<63-1 {
		return 0, Invalid("items", CodeAmountInvalid,
			"price %s: %d × %d overflows", it.PriceID, it.UnitAmount, it.Quantity)
	}
	return int64(lo), nil
}

// ItemsTotal returns the per-period total of items, the sum of ItemTotal,
// or an amount_invalid *Error on a negative item or an overflow. It is the
// figure IsUpgrade compares.
func ItemsTotal(items []ProrationItem) (int64, error) {
	var sum int64
	for _, it := range items {
		v, err := ItemTotal(it)
		if err != nil {
			return 0, err
		}
		if sum > 1<<63-1-v {
			return 0, Invalid("items", CodeAmountInvalid, "the items' total overflows")
		}
		sum += v
	}
	return sum, nil
}

// cycleLength returns r's nominal length in 1/4800ths of a day, an exact
// integer unit in which a day (4800), a week (33600), a mean Gregorian month
// (146097/4800 days = 146097) and a year (12 months) are all whole numbers.
// It lets cycles of different units be ordered without floats. An invalid r
// has length 0.
func cycleLength(r Recurring) int64 {
	if r.Validate() != nil {
		return 0
	}
	switch r.Interval {
	case IntervalDay:
		return 4800 * r.IntervalCount
	case IntervalWeek:
		return 7 * 4800 * r.IntervalCount
	case IntervalMonth:
		return 146097 * r.IntervalCount
	default: // IntervalYear
		return 12 * 146097 * r.IntervalCount
	}
}

// SameCycle reports whether a and b bill equally often. 12 months equals 1
// year and 7 days equals 1 week; 30 days is not 1 month. Only a change
// between items of the same cycle is prorated inside the current period: a
// change of cycle starts a new period at the change (Stripe resets the
// billing anchor then), crediting the unused part of the old one.
func SameCycle(a, b Recurring) bool {
	la := cycleLength(a)
	return la != 0 && la == cycleLength(b)
}

// IsUpgrade decides whether a plan change is an upgrade, which
// docs/architecture.md ("Money and time") applies at once with always_invoice,
// or a downgrade, which waits for the period end as a pending change. The rule:
//
//   - same cycle (see SameCycle): an upgrade when the new per-period total
//     is greater than the old one; equal totals are not an upgrade.
//   - different cycles: a longer new cycle is an upgrade and a shorter one
//     a downgrade, whatever the amounts, because a longer cycle resets the
//     billing anchor and bills at once (as in Stripe), while moving to a
//     shorter cycle is naturally done at the period end.
//
// Totals are per period of their own cycle, from ItemsTotal. Both cycles
// must be valid; an invalid one counts as shorter than any valid one.
func IsUpgrade(oldTotal int64, oldCycle Recurring, newTotal int64, newCycle Recurring) bool {
	lo, ln := cycleLength(oldCycle), cycleLength(newCycle)
	if lo == ln {
		return newTotal > oldTotal
	}
	return ln > lo
}

// FeatureChange is one entitlement that differs between two products, e.g.
// {"properties", 10, 5}. A missing feature counts as 0.
type FeatureChange struct {
	Name string
	Old  int64
	New  int64
}

// Reduced reports whether the change takes something away, which a plan
// change preview must warn about before a downgrade.
func (c FeatureChange) Reduced() bool { return c.New < c.Old }

// FeaturesDiff returns the features whose value differs between oldF and
// newF, sorted by name so that previews and tests are stable. A feature
// missing from one map counts as 0 there, so {"x": 0} and {} are equal.
func FeaturesDiff(oldF, newF map[string]int64) []FeatureChange {
	var out []FeatureChange
	for name, o := range oldF {
		if n := newF[name]; n != o {
			out = append(out, FeatureChange{Name: name, Old: o, New: n})
		}
	}
	for name, n := range newF {
		if _, ok := oldF[name]; !ok && n != 0 {
			out = append(out, FeatureChange{Name: name, Old: 0, New: n})
		}
	}
	slices.SortFunc(out, func(a, b FeatureChange) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

package billing

import (
	"fmt"
	"math/big"
	"time"
)

// PrefixMRRChange is the id prefix of MRRChange records.
const PrefixMRRChange = "mrrc_"

// MRRChange records that a subscription's MRR became Amount at At (the
// time of its customer's clock: a test clock's for a customer on one).
// Delta is Amount less the subscription's MRR just before. The use cases
// write one whenever a save changes a subscription's MRR schedule, in the
// same transaction as the change; a report adds them up.
type MRRChange struct {
	ID             string    `json:"id"`
	Scope          Scope     `json:"scope"`
	SubscriptionID string    `json:"subscription_id"`
	CustomerID     string    `json:"customer_id"`
	Currency       string    `json:"currency"`
	At             time.Time `json:"at"`
	Amount         int64     `json:"amount"`
	Delta          int64     `json:"delta"`
	Created        time.Time `json:"created"`
}

// ActiveDelta is how the change moves the count of subscriptions that
// bring MRR: +1 from zero to positive, −1 from positive to zero, else 0.
func (c MRRChange) ActiveDelta() int64 {
	return b2i(c.Amount > 0) - b2i(c.Amount-c.Delta > 0)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// MRRChanges turns a schedule into the changes to record after prev, the
// subscription's MRR just before the schedule's first point: each point
// whose amount differs from the one before it, with its delta. Ids and
// the rest are the caller's to fill.
func MRRChanges(prev int64, points []MRRPoint) []MRRChange {
	var out []MRRChange
	for _, p := range points {
		if p.Amount == prev {
			continue
		}
		out = append(out, MRRChange{At: p.At, Amount: p.Amount, Delta: p.Amount - prev})
		prev = p.Amount
	}
	return out
}

// CustomerMRR is a customer's MRR in one currency at a time, and whether
// it was ever positive before then (which makes a return a reactivation
// rather than new business).
type CustomerMRR struct {
	Amount   int64
	EverPaid bool
}

// MRRStart is the state at a report's first boundary: the total MRR, how
// many subscriptions and customers bring some, and the state of every
// customer whose MRR changes within the report.
type MRRStart struct {
	Total         int64
	Subscriptions int64
	Customers     int64
	ByCustomer    map[string]CustomerMRR
}

// MRRMovements splits a period's change of MRR by what the customer did,
// comparing each customer's MRR at the period's start and end: new (zero
// to positive, never positive before), reactivation (zero to positive,
// positive some time before), expansion (up), contraction (down, still
// positive) and churn (positive to zero). Contraction and churn are
// negative, so that start + the sum of the movements = end.
type MRRMovements struct {
	New          int64 `json:"new"`
	Expansion    int64 `json:"expansion"`
	Contraction  int64 `json:"contraction"`
	Churn        int64 `json:"churn"`
	Reactivation int64 `json:"reactivation"`
	// Customer counts of the same movements.
	NewCustomers         int64 `json:"new_customers"`
	ExpansionCustomers   int64 `json:"expansion_customers"`
	ContractionCustomers int64 `json:"contraction_customers"`
	ChurnedCustomers     int64 `json:"churned_customers"`
	ReactivatedCustomers int64 `json:"reactivated_customers"`
}

// Net is the period's change of MRR: the sum of the movements.
func (m MRRMovements) Net() int64 {
	return m.New + m.Expansion + m.Contraction + m.Churn + m.Reactivation
}

// add classifies one customer's change from start to end.
func (m *MRRMovements) add(start, end int64, everPaid bool) {
	switch {
	case start == 0 && end > 0 && everPaid:
		m.Reactivation += end
		m.ReactivatedCustomers++
	case start == 0 && end > 0:
		m.New += end
		m.NewCustomers++
	case start > 0 && end == 0:
		m.Churn -= start
		m.ChurnedCustomers++
	case end > start:
		m.Expansion += end - start
		m.ExpansionCustomers++
	case end < start:
		m.Contraction += end - start
		m.ContractionCustomers++
	}
}

// MRRPeriod is one period of an MRR report: [Start, End), the MRR and the
// counts of subscriptions and customers bringing MRR at each end, and the
// movements between.
type MRRPeriod struct {
	Start              time.Time
	End                time.Time
	StartMRR           int64
	EndMRR             int64
	StartSubscriptions int64
	EndSubscriptions   int64
	StartCustomers     int64
	EndCustomers       int64
	Movements          MRRMovements
}

// MRRPeriods walks changes (ordered by time, all within [bounds[0],
// bounds[last])) from start through the periods [bounds[i], bounds[i+1]).
// A customer's movement in a period is decided by its MRR at the period's
// two ends, so a customer who leaves and returns within one period shows
// only the net difference.
func MRRPeriods(bounds []time.Time, start MRRStart, changes []MRRChange) ([]MRRPeriod, error) {
	if len(bounds) < 2 {
		return nil, fmt.Errorf("mrr periods: %d bounds", len(bounds))
	}
	cust := make(map[string]CustomerMRR, len(start.ByCustomer))
	for id, c := range start.ByCustomer {
		cust[id] = c
	}
	total, subs, customers := start.Total, start.Subscriptions, start.Customers
	out := make([]MRRPeriod, 0, len(bounds)-1)
	i := 0
	for b := 0; b+1 < len(bounds); b++ {
		p := MRRPeriod{Start: bounds[b], End: bounds[b+1], StartMRR: total, StartSubscriptions: subs, StartCustomers: customers}
		touched := map[string]CustomerMRR{} // customer → its state at the period's start
		var order []string
		for ; i < len(changes) && changes[i].At.Before(p.End); i++ {
			c := changes[i]
			if c.At.Before(p.Start) {
				return nil, fmt.Errorf("mrr periods: change %s at %s is out of order", c.ID, c.At)
			}
			st := cust[c.CustomerID]
			if _, ok := touched[c.CustomerID]; !ok {
				touched[c.CustomerID] = st
				order = append(order, c.CustomerID)
			}
			st.Amount += c.Delta
			st.EverPaid = st.EverPaid || st.Amount > 0
			cust[c.CustomerID] = st
			total += c.Delta
			subs += c.ActiveDelta()
		}
		for _, id := range order {
			was, now := touched[id], cust[id]
			p.Movements.add(was.Amount, now.Amount, was.EverPaid)
			customers += b2i(now.Amount > 0) - b2i(was.Amount > 0)
		}
		p.EndMRR, p.EndSubscriptions, p.EndCustomers = total, subs, customers
		out = append(out, p)
	}
	if i < len(changes) {
		return nil, fmt.Errorf("mrr periods: change %s at %s is after the last period", changes[i].ID, changes[i].At)
	}
	return out, nil
}

// MonthBounds are the bounds of the calendar months (in loc) of a report
// of `months` months that ends with the month containing asOf: the first
// instant of each month, and, last, the instant just after asOf (a report
// never counts what is only scheduled after its as-of time).
func MonthBounds(asOf time.Time, loc *time.Location, months int) []time.Time {
	l := asOf.In(loc)
	first := l.Month() - time.Month(months-1)
	out := make([]time.Time, 0, months+1)
	for m := range months {
		// time.Date normalises the month (and the year) itself; day 1
		// exists in every month.
		out = append(out, time.Date(l.Year(), first+time.Month(m), 1, 0, 0, 0, 0, loc).UTC())
	}
	return append(out, asOf.Add(time.Microsecond).UTC())
}

// RatioBP is num/den in basis points (10000 = 100 %), rounded half away
// from zero; nil when den is zero (a rate of nothing is not 0 %).
func RatioBP(num, den int64) *int64 {
	if den == 0 {
		return nil
	}
	v, err := roundHalfAway(new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(num), big.NewInt(10000)), big.NewInt(den)))
	if err != nil {
		return nil
	}
	return &v
}

// Average is num/den rounded half away from zero to the minor unit; nil
// when den is zero.
func Average(num, den int64) *int64 {
	if den == 0 {
		return nil
	}
	v, err := roundHalfAway(big.NewRat(num, den))
	if err != nil {
		return nil
	}
	return &v
}

package billing

import "time"

// Pay-page expiry (see PayPageGateway). An attempt is started at its
// payment's Updated time.
const (
	// PayPageTTL is how long a pay-page attempt stays payable: the gateway
	// is told to refuse it afterwards, so one attempt at a time can
	// succeed (a new one is offered only once the previous has expired).
	PayPageTTL = time.Hour
	// PayPageGrace is how long after the expiry an attempt is still being
	// closed: a gateway may count the expiry a little late, so only then
	// is the attempt asked about a last time and failed.
	PayPageGrace = 10 * time.Minute
)

// PayPageState is where a pay-page attempt is at a given time.
type PayPageState int

// The pay-page states.
const (
	// PayPagePayable: the customer can still pay on the page.
	PayPagePayable PayPageState = iota
	// PayPageClosing: the page has expired, but a gateway that counts the
	// expiry a little late may still take a payment: no new attempt yet.
	PayPageClosing
	// PayPageExpired: nobody can pay the attempt any more; one still
	// pending at the gateway has failed, and a new attempt can start.
	PayPageExpired
)

// PayPageStateAt is the state at now of a pay-page attempt started at
// started: payable for PayPageTTL, then closing for PayPageGrace, then
// expired. Each boundary belongs to the later state.
func PayPageStateAt(started, now time.Time) PayPageState {
	switch {
	case now.Before(PayPageExpiresAt(started)):
		return PayPagePayable
	case now.Before(PayPageExpiresAt(started).Add(PayPageGrace)):
		return PayPageClosing
	}
	return PayPageExpired
}

// PayPageExpiresAt is when a pay-page attempt started at started stops
// being payable; the gateway is asked to refuse it from then on.
func PayPageExpiresAt(started time.Time) time.Time {
	return started.Add(PayPageTTL)
}

// PayPageExpiredBefore is the start time before which a pay-page attempt
// is expired at now (PayPageExpired), grace included.
func PayPageExpiredBefore(now time.Time) time.Time {
	return now.Add(-(PayPageTTL + PayPageGrace))
}

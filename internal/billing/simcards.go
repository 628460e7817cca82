package billing

// The test tokens the simulated gateway (internal/gateway/sim) knows. Each
// one is a card with a fixed, documented behaviour (see the sim's README.md
// and its Gateway.Charge). They live here, not in the sim, because the hosted
// card page (internal/web) lists them too and must not depend on a gateway.
const (
	// SimTokVisa always succeeds.
	SimTokVisa = "tok_visa"
	// SimTokChargeDeclined is declined with code card_declined (customer class).
	SimTokChargeDeclined = "tok_chargeDeclined"
	// SimTokInsufficientFunds is declined with code insufficient_funds
	// (customer class).
	SimTokInsufficientFunds = "tok_insufficientFunds"
	// SimTokLostCard is declined with code lost_card (hard class: no retries).
	SimTokLostCard = "tok_lostCard"
	// SimTokFailAfterFirst succeeds on its first successful charge and is
	// declined (card_declined, customer class) afterwards, per payment method.
	SimTokFailAfterFirst = "tok_failAfterFirst"
	// SimTokTimeoutAfterCharge moves the money and then times out: the caller
	// gets an error wrapping ErrOutcomeUnknown.
	SimTokTimeoutAfterCharge = "tok_timeoutAfterCharge"
	// SimTokGatewayError alternates per payment method: a 502 (nothing moved,
	// error wrapping ErrOutcomeUnknown), then a success, then a 502…
	SimTokGatewayError = "tok_gatewayError"
)

// SimCard describes a test token: the card it stands for and what it does.
// The hosted sim card page lists these.
type SimCard struct {
	Token       string // e.g. "tok_visa"
	Brand       string // "visa", "mastercard", "amex"
	Last4       string
	ExpMonth    int64
	ExpYear     int64
	Description string // one line for humans: what charging it does
}

// simCardExpMonth and simCardExpYear are the expiry of every test card: fixed and
// far enough in the future that no test clock reaches it by accident.
const (
	simCardExpMonth = 12
	simCardExpYear  = 2034
)

// simCards lists the tokens in display order.
var simCards = []SimCard{
	{SimTokVisa, "visa", "4242", simCardExpMonth, simCardExpYear,
		"Always succeeds."},
	{SimTokChargeDeclined, "visa", "0002", simCardExpMonth, simCardExpYear,
		"Declined: card_declined (customer; dunning retries)."},
	{SimTokInsufficientFunds, "visa", "9995", simCardExpMonth, simCardExpYear,
		"Declined: insufficient_funds (customer; dunning retries)."},
	{SimTokLostCard, "visa", "9987", simCardExpMonth, simCardExpYear,
		"Declined: lost_card (hard; never retried)."},
	{SimTokFailAfterFirst, "mastercard", "0341", simCardExpMonth, simCardExpYear,
		"The first charge succeeds; later ones are declined with card_declined."},
	{SimTokTimeoutAfterCharge, "visa", "0077", simCardExpMonth, simCardExpYear,
		"The money moves, then the call times out (outcome unknown until looked up)."},
	{SimTokGatewayError, "amex", "0005", simCardExpMonth, simCardExpYear,
		"Alternates: a 502 with nothing charged, then a success on the next try."},
}

// SimTokens returns the names of every test token, in display order.
func SimTokens() []string {
	out := make([]string, len(simCards))
	for i, t := range simCards {
		out[i] = t.Token
	}
	return out
}

// LookupSimToken returns what a test token stands for; ok is false for a name
// that is not a test token (including an attached reference "simpm_…:tok_…").
func LookupSimToken(token string) (info SimCard, ok bool) {
	for _, t := range simCards {
		if t.Token == token {
			return t, true
		}
	}
	return SimCard{}, false
}

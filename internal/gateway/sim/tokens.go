package sim

import "strings"

// The test tokens the simulated gateway knows. Each one is a card with a
// fixed, documented behaviour (see README.md and Gateway.Charge).
const (
	// TokVisa always succeeds.
	TokVisa = "tok_visa"
	// TokChargeDeclined is declined with code card_declined (customer class).
	TokChargeDeclined = "tok_chargeDeclined"
	// TokInsufficientFunds is declined with code insufficient_funds
	// (customer class).
	TokInsufficientFunds = "tok_insufficientFunds"
	// TokLostCard is declined with code lost_card (hard class: no retries).
	TokLostCard = "tok_lostCard"
	// TokFailAfterFirst succeeds on its first successful charge and is
	// declined (card_declined, customer class) afterwards, per payment method.
	TokFailAfterFirst = "tok_failAfterFirst"
	// TokTimeoutAfterCharge moves the money and then times out: the caller
	// gets an error wrapping billing.ErrOutcomeUnknown.
	TokTimeoutAfterCharge = "tok_timeoutAfterCharge"
	// TokGatewayError alternates per payment method: a 502 (nothing moved,
	// error wrapping billing.ErrOutcomeUnknown), then a success, then a 502…
	TokGatewayError = "tok_gatewayError"
)

// TokenInfo describes a test token: the card it stands for and what it does.
// The hosted sim card page lists these.
type TokenInfo struct {
	Token       string // e.g. "tok_visa"
	Brand       string // "visa", "mastercard", "amex"
	Last4       string
	ExpMonth    int64
	ExpYear     int64
	Description string // one line for humans: what charging it does
}

// cardExpMonth and cardExpYear are the expiry of every test card: fixed and
// far enough in the future that no test clock reaches it by accident.
const (
	cardExpMonth = 12
	cardExpYear  = 2034
)

// tokenInfos lists the tokens in display order.
var tokenInfos = []TokenInfo{
	{TokVisa, "visa", "4242", cardExpMonth, cardExpYear,
		"Always succeeds."},
	{TokChargeDeclined, "visa", "0002", cardExpMonth, cardExpYear,
		"Declined: card_declined (customer; dunning retries)."},
	{TokInsufficientFunds, "visa", "9995", cardExpMonth, cardExpYear,
		"Declined: insufficient_funds (customer; dunning retries)."},
	{TokLostCard, "visa", "9987", cardExpMonth, cardExpYear,
		"Declined: lost_card (hard; never retried)."},
	{TokFailAfterFirst, "mastercard", "0341", cardExpMonth, cardExpYear,
		"The first charge succeeds; later ones are declined with card_declined."},
	{TokTimeoutAfterCharge, "visa", "0077", cardExpMonth, cardExpYear,
		"The money moves, then the call times out (outcome unknown until looked up)."},
	{TokGatewayError, "amex", "0005", cardExpMonth, cardExpYear,
		"Alternates: a 502 with nothing charged, then a success on the next try."},
}

// Tokens returns the names of every test token, in display order.
func Tokens() []string {
	out := make([]string, len(tokenInfos))
	for i, t := range tokenInfos {
		out[i] = t.Token
	}
	return out
}

// LookupToken returns what a test token stands for; ok is false for a name
// that is not a test token (including an attached reference "simpm_…:tok_…").
func LookupToken(token string) (info TokenInfo, ok bool) {
	for _, t := range tokenInfos {
		if t.Token == token {
			return t, true
		}
	}
	return TokenInfo{}, false
}

// refPrefix starts the reference AttachToken gives each attachment.
const refPrefix = "simpm_"

// tokenName returns the test token behind a payment method's Token: either
// an attached reference "simpm_<id>:<token>" (the usual form, made by
// AttachToken) or, for convenience in tests, a bare token name. ok is false
// for anything else.
func tokenName(ref string) (string, bool) {
	name := ref
	if i := strings.LastIndexByte(ref, ':'); i >= 0 {
		id := ref[:i]
		if len(id) <= len(refPrefix) || !strings.HasPrefix(id, refPrefix) {
			return "", false
		}
		name = ref[i+1:]
	}
	if _, ok := LookupToken(name); !ok {
		return "", false
	}
	return name, true
}

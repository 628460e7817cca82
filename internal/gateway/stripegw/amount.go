package stripegw

import (
	"strings"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// Stripe's own minor units differ from ISO 4217 (which cuota's money
// package follows) for a few currencies (https://docs.stripe.com/currencies,
// see docs/stripe.md):
//
//   - zero-decimal in Stripe's API: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF
//     UGX VND VUV XAF XOF XPF — an amount of 5000 CLP is sent as 5000;
//   - ISK is zero-decimal in ISO but two-decimal in Stripe's API (and must
//     be a whole number of krónur);
//   - the three-decimal currencies (BHD JOD KWD OMR TND) must end in 0.
//
// stripeDigits is Stripe's number of minor-unit digits where it differs
// from, or must be pinned against, money.Digits.
var stripeDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"ISK": 2,
}

// threeDecimal are the currencies whose Stripe amounts must be multiples
// of 10.
var threeDecimal = map[string]bool{"BHD": true, "JOD": true, "KWD": true, "OMR": true, "TND": true}

// digits returns cuota's and Stripe's minor-unit digits of a currency, and
// whether cuota charges it through Stripe.
func digits(code string) (ours, theirs int, ok bool) {
	code = strings.ToUpper(code)
	ours, ok = money.Digits(code)
	if !ok || ours > 3 {
		return 0, 0, false // e.g. CLF, UYW: units of account Stripe does not charge
	}
	theirs = ours
	if d, pinned := stripeDigits[code]; pinned {
		theirs = d
	}
	return ours, theirs, true
}

// SupportsCurrency implements billing.CurrencyGateway: Stripe charges USD,
// CLP and the other ISO currencies cuota knows (with at most three
// decimals).
func (a *Adapter) SupportsCurrency(code string) bool {
	_, _, ok := digits(code)
	return ok
}

// toStripe converts an amount in cuota's minor units into Stripe's, or
// refuses it (a billing error: nothing is sent) when Stripe cannot take it
// exactly.
func toStripe(amount int64, currency string) (int64, error) {
	ours, theirs, ok := digits(currency)
	if !ok {
		return 0, billing.Invalid("currency", billing.CodeCurrencyNotSupported, "Stripe does not charge %s", strings.ToUpper(currency))
	}
	if amount <= 0 {
		return 0, billing.Invalid("amount", billing.CodeAmountInvalid, "a Stripe amount must be positive")
	}
	out := amount
	for d := ours; d < theirs; d++ {
		if out > (1<<62)/10 {
			return 0, billing.Invalid("amount", billing.CodeAmountInvalid, "amount %d %s is too large", amount, currency)
		}
		out *= 10
	}
	for d := ours; d > theirs; d-- {
		if out%10 != 0 {
			return 0, billing.Invalid("amount", billing.CodeAmountInvalid,
				"Stripe charges %s in whole units: %d minor units cannot be sent exactly", strings.ToUpper(currency), amount)
		}
		out /= 10
	}
	if threeDecimal[strings.ToUpper(currency)] && out%10 != 0 {
		return 0, billing.Invalid("amount", billing.CodeAmountInvalid,
			"Stripe requires %s amounts to end in 0 (a multiple of 10 minor units); got %d", strings.ToUpper(currency), amount)
	}
	return out, nil
}

// FromStripeAmount converts an amount in Stripe's minor units (as Stripe
// objects carry them) into cuota's, exactly, or ok is false.
func FromStripeAmount(amount int64, currency string) (int64, bool) {
	ours, theirs, ok := digits(currency)
	if !ok {
		return 0, false
	}
	for d := theirs; d > ours; d-- {
		if amount%10 != 0 {
			return 0, false
		}
		amount /= 10
	}
	for d := theirs; d < ours; d++ {
		amount *= 10
	}
	return amount, true
}

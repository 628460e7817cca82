// Package money is cuota's representation of monetary amounts.
//
// An [Amount] is an integer number of minor units (cents for USD, pesos for
// CLP, thousandths of a dinar for KWD) together with an upper-case ISO 4217
// currency code. Floating point is never used: conversions to decimal text
// and every division are done in integer arithmetic.
//
// Division happens in exactly two places, each with a documented rule:
//
//   - [ProRata] and [PercentOf] compute amount × num / den and round half
//     away from zero to the minor unit. This is the single rounding rule for
//     proration, percent discounts and tax.
//   - [Allocate] splits a total by ratios so that the parts sum exactly to the
//     total, handing the leftover minor units out one at a time.
//
// Currency metadata (minor-unit digits, validity) and locale-aware display
// come from github.com/bojanz/currency (CLDR data).
package money

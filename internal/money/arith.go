package money

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

var (
	// ErrInvalidCurrency is returned when a currency code is not a canonical
	// ISO 4217 code (see [ValidCurrency]).
	ErrInvalidCurrency = errors.New("money: invalid currency code")
	// ErrInvalidDenominator is returned by [ProRata] when den <= 0.
	ErrInvalidDenominator = errors.New("money: denominator must be positive")
	// ErrOverflow is returned when an exact result does not fit in int64.
	ErrOverflow = errors.New("money: result overflows int64")
	// ErrInvalidRatios is returned by [Allocate] when the ratios are empty,
	// contain a negative value, sum to zero or their sum overflows int64.
	ErrInvalidRatios = errors.New("money: invalid allocation ratios")
)

// ProRata returns amount × num / den rounded half away from zero to a whole
// minor unit (2.5 → 3, -2.5 → -3, 2.4 → 2). This is cuota's single rounding
// rule for proration: a charge of amount over [s, e) changed at t is
// ProRata(amount, e−t, e−s) with times in seconds.
//
// The product is computed exactly in 128 bits, so amount × num may exceed
// int64 as long as the final result fits. It returns ErrInvalidDenominator
// when den <= 0 and ErrOverflow when the result does not fit in int64.
func ProRata(amount, num, den int64) (int64, error) {
	if den <= 0 {
		return 0, fmt.Errorf("%w: %d", ErrInvalidDenominator, den)
	}
	return mulDiv(amount, num, den, true)
}

// PercentOf returns basisPoints / 10000 of amount (1250 basis points =
// 12.5%), rounded half away from zero with the same rule as [ProRata].
//
// It returns ErrOverflow if the result does not fit in int64, which can only
// happen when |basisPoints| exceeds 10000 (more than 100%) on an amount near
// the int64 limit.
func PercentOf(amount int64, basisPoints int64) (int64, error) {
	r, err := mulDiv(amount, basisPoints, 10000, true)
	if err != nil {
		return 0, fmt.Errorf("percent %d bp of %d: %w", basisPoints, amount, err)
	}
	return r, nil
}

// Allocate splits total into len(ratios) parts proportional to ratios so that
// the parts sum exactly to total. Each part is first truncated toward zero;
// the leftover minor units are then handed out one at a time, in order, to
// the parts with a non-zero ratio (so a zero ratio always gets zero). For
// example Allocate(100, []int64{1, 1, 1}) is [34 33 33] and
// Allocate(-100, []int64{1, 1, 1}) is [-34 -33 -33].
//
// It returns ErrInvalidRatios when ratios is empty, has a negative entry,
// sums to zero or its sum overflows int64.
func Allocate(total int64, ratios []int64) ([]int64, error) {
	if len(ratios) == 0 {
		return nil, fmt.Errorf("%w: no ratios", ErrInvalidRatios)
	}
	var sum int64
	for _, r := range ratios {
		if r < 0 {
			return nil, fmt.Errorf("%w: negative ratio %d", ErrInvalidRatios, r)
		}
		if sum > math.MaxInt64-r {
			return nil, fmt.Errorf("%w: sum overflows", ErrInvalidRatios)
		}
		sum += r
	}
	if sum == 0 {
		return nil, fmt.Errorf("%w: ratios sum to zero", ErrInvalidRatios)
	}

	parts := make([]int64, len(ratios))
	var allocated int64
	for i, r := range ratios {
		// |total × r / sum| <= |total| because r <= sum, so this cannot
		// overflow; mulDiv never fails here.
		p, err := mulDiv(total, r, sum, false)
		if err != nil {
			return nil, err
		}
		parts[i] = p
		allocated += p
	}

	// The leftover has the sign of total and its magnitude is smaller than
	// the number of non-zero ratios (each truncation loses less than one
	// unit), so one pass is always enough.
	left := total - allocated
	step := int64(1)
	if left < 0 {
		step = -1
	}
	for i := 0; left != 0 && i < len(parts); i++ {
		if ratios[i] == 0 {
			continue
		}
		parts[i] += step
		left -= step
	}
	return parts, nil
}

// mulDiv computes a × b / d exactly for d > 0 using a 128-bit intermediate.
// With roundHalfAway it rounds half away from zero; otherwise it truncates
// toward zero. It returns ErrOverflow when the result does not fit in int64.
func mulDiv(a, b, d int64, roundHalfAway bool) (int64, error) {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(abs64(a), abs64(b))
	ud := uint64(d)

	// 128-by-64 long division: the high word's quotient must be zero for
	// the result to fit in 64 bits.
	if hi >= ud {
		return 0, ErrOverflow
	}
	q, rem := bits.Div64(hi, lo, ud)
	if roundHalfAway && rem >= ud-rem { // rem >= d/2 without overflow
		if q == math.MaxUint64 {
			return 0, ErrOverflow
		}
		q++
	}

	if neg {
		if q > 1<<63 {
			return 0, ErrOverflow
		}
		return int64(-q), nil // -(1<<63) wraps to math.MinInt64
	}
	if q > math.MaxInt64 {
		return 0, ErrOverflow
	}
	return int64(q), nil
}

// abs64 returns |x| as a uint64; it is exact for math.MinInt64.
func abs64(x int64) uint64 {
	if x < 0 {
		return -uint64(x)
	}
	return uint64(x)
}

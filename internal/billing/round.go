package billing

import (
	"fmt"
	"math/big"
)

// roundHalfAway rounds x to the nearest integer, halves away from zero
// (2.5 → 3, −2.5 → −3): money's one rounding rule (money.ProRata), for
// the rules that compute an exact fraction wider than money's 128 bits
// (a UF line's pesos, MRR per month). It fails when the result does not
// fit in an int64.
func roundHalfAway(x *big.Rat) (int64, error) {
	num, den := new(big.Int).Set(x.Num()), x.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	// (2·num + den) / (2·den), truncated, is |x| rounded half up.
	q := new(big.Int).Add(new(big.Int).Lsh(num, 1), den)
	q.Quo(q, new(big.Int).Lsh(den, 1))
	if neg {
		q.Neg(q)
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("rounding %s: the result overflows", x.String())
	}
	return q.Int64(), nil
}

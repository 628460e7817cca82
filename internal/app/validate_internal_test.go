package app

import (
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestPercentToBP(t *testing.T) {
	t.Parallel()

	// Every percentage with at most two decimals, parsed as a JSON decoder
	// would, converts exactly.
	for bp := int64(1); bp <= 10000; bp++ {
		s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
		p, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		got, ok := percentToBP(p)
		require.True(t, ok, s)
		require.Equal(t, bp, got, s)
	}

	for _, p := range []float64{
		0, math.Copysign(0, -1), -0.01, -100, 0.001, 0.009, 0.015, 12.345, 99.999, 100.001, 100.01,
		1e9, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1),
	} {
		_, ok := percentToBP(p)
		require.False(t, ok, "%v", p)
	}
}

func TestMergeMetadata(t *testing.T) {
	t.Parallel()
	cur := billing.Metadata{"a": "1", "b": "2"}
	upd := billing.Metadata{"a": "", "c": "3", "missing": ""}

	got := mergeMetadata(cur, upd)
	require.Equal(t, billing.Metadata{"b": "2", "c": "3"}, got)
	require.Equal(t, billing.Metadata{"a": "1", "b": "2"}, cur, "the current map is not modified")
	require.Equal(t, billing.Metadata{"a": "", "c": "3", "missing": ""}, upd)

	require.Equal(t, billing.Metadata{}, mergeMetadata(nil, nil))
	require.NotNil(t, mergeMetadata(nil, nil))
	require.Equal(t, billing.Metadata{"a": "1", "b": "2"}, mergeMetadata(cur, nil))
	require.Equal(t, billing.Metadata{"x": "y"}, mergeMetadata(nil, billing.Metadata{"x": "y", "z": ""}))
	require.Equal(t, billing.Metadata{}, mergeMetadata(cur, billing.Metadata{"a": "", "b": ""}))
}

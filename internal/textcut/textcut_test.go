package textcut_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/textcut"
)

func TestRunes(t *testing.T) {
	name := "A" + strings.Repeat("ñ", 110) // 111 characters, 221 bytes
	got := textcut.Runes(name, 100)
	require.True(t, utf8.ValidString(got))
	require.Equal(t, "A"+strings.Repeat("ñ", 99), got)
	require.Equal(t, name, textcut.Runes(name, 111))
	require.Equal(t, name, textcut.Runes(name, 500))
	require.Equal(t, "", textcut.Runes(name, 0))
	require.Equal(t, "ab", textcut.Runes("abc", 2))
	require.Equal(t, "日本", textcut.Runes("日本語", 2))
}

func TestBytes(t *testing.T) {
	name := "A" + strings.Repeat("ñ", 110)
	for n := range 12 {
		got := textcut.Bytes(name, n)
		require.True(t, utf8.ValidString(got), "n=%d", n)
		require.LessOrEqual(t, len(got), n)
		require.GreaterOrEqual(t, len(got), n-1, "only a split character is left out")
		require.True(t, strings.HasPrefix(name, got))
	}
	require.Equal(t, "A", textcut.Bytes(name, 2), "half of ñ is left out")
	require.Equal(t, "", textcut.Bytes("日本", 2))
	require.Equal(t, "日", textcut.Bytes("日本", 5))
	require.Equal(t, name, textcut.Bytes(name, len(name)))
}

package secretbox_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/secretbox"
)

func TestSealOpenRoundTrip(t *testing.T) {
	box, err := secretbox.New(secretbox.NewKey())
	require.NoError(t, err)
	require.True(t, box.HasKey())

	sealed, err := box.Seal([]byte(`{"secret":"s3cr3t"}`), "merchant_gateways/mch_1/live/flow")
	require.NoError(t, err)
	require.True(t, secretbox.IsSealed(sealed))
	require.NotContains(t, sealed, "s3cr3t")

	plain, err := box.Open(sealed, "merchant_gateways/mch_1/live/flow")
	require.NoError(t, err)
	require.Equal(t, `{"secret":"s3cr3t"}`, string(plain))

	again, err := box.Seal([]byte(`{"secret":"s3cr3t"}`), "merchant_gateways/mch_1/live/flow")
	require.NoError(t, err)
	require.NotEqual(t, sealed, again, "every seal takes a fresh nonce")
}

func TestOpenRefusesOtherKeyPlaceOrDamage(t *testing.T) {
	key := secretbox.NewKey()
	box, err := secretbox.New(key)
	require.NoError(t, err)
	sealed, err := box.Seal([]byte("secret"), "a")
	require.NoError(t, err)

	other, err := secretbox.New(secretbox.NewKey())
	require.NoError(t, err)
	_, err = other.Open(sealed, "a")
	require.ErrorIs(t, err, secretbox.ErrOpen)

	_, err = box.Open(sealed, "b")
	require.ErrorIs(t, err, secretbox.ErrOpen, "a value copied elsewhere does not open")

	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	require.NoError(t, err)
	raw[len(raw)-1] ^= 1
	_, err = box.Open("v1:"+base64.StdEncoding.EncodeToString(raw), "a")
	require.ErrorIs(t, err, secretbox.ErrOpen)

	for _, bad := range []string{"", "plain", "v1:", "v1:!!!", "v1:AAAA"} {
		_, err = box.Open(bad, "a")
		require.ErrorIs(t, err, secretbox.ErrOpen, "%q", bad)
	}
}

func TestKeyForms(t *testing.T) {
	raw := make([]byte, secretbox.KeySize)
	for i := range raw {
		raw[i] = byte(i)
	}
	hexBox, err := secretbox.New(hex.EncodeToString(raw))
	require.NoError(t, err)
	b64Box, err := secretbox.New(base64.StdEncoding.EncodeToString(raw))
	require.NoError(t, err)
	sealed, err := hexBox.Seal([]byte("x"), "ad")
	require.NoError(t, err)
	plain, err := b64Box.Open(sealed, "ad")
	require.NoError(t, err, "hex and base64 of the same key are the same key")
	require.Equal(t, "x", string(plain))

	for _, bad := range []string{"short", hex.EncodeToString(raw[:16]), strings.Repeat("z", 64)} {
		_, err := secretbox.New(bad)
		require.Error(t, err, "%q", bad)
		require.NotContains(t, err.Error(), bad, "the key never appears in an error")
	}
}

func TestNoKey(t *testing.T) {
	box, err := secretbox.New("")
	require.NoError(t, err)
	require.False(t, box.HasKey())
	_, err = box.Seal([]byte("x"), "a")
	require.ErrorIs(t, err, secretbox.ErrNoKey)
	_, err = box.Open("v1:AAAA", "a")
	require.ErrorIs(t, err, secretbox.ErrNoKey)
	var nilBox *secretbox.Box
	require.False(t, nilBox.HasKey())
}

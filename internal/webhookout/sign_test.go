package webhookout_test

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/webhookout"
)

// specVectors are the signing test vectors published with the Standard
// Webhooks reference libraries (libraries v0.0.1: go/webhook_test.go
// TestWebhookSign, and rust/src/lib.rs test_sign).
var specVectors = []struct {
	name, secret, id string
	unix             int64
	body, want       string
}{
	{
		name:   "go",
		secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		id:     "msg_p5jXN8AQM9LWM0D4loKWxJek",
		unix:   1614265330,
		body:   `{"test": 2432232314}`,
		want:   "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	},
	{
		name:   "rust",
		secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
		id:     "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
		unix:   1649367553,
		body:   `{"email":"test@example.com","username":"test_user"}`,
		want:   "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
	},
}

func TestSpecVectors(t *testing.T) {
	for _, v := range specVectors {
		t.Run(v.name, func(t *testing.T) {
			ts := time.Unix(v.unix, 0)
			got, err := webhookout.Sign(v.secret, v.id, ts, []byte(v.body))
			require.NoError(t, err)
			require.Equal(t, v.want, got)

			// Sub-second parts of the timestamp are not signed.
			got, err = webhookout.Sign(v.secret, v.id, ts.Add(999*time.Millisecond), []byte(v.body))
			require.NoError(t, err)
			require.Equal(t, v.want, got)

			h, err := webhookout.Headers([]string{v.secret}, v.id, ts, []byte(v.body))
			require.NoError(t, err)
			require.Equal(t, v.id, h.Get(webhookout.HeaderID))
			require.Equal(t, strconv.FormatInt(v.unix, 10), h.Get(webhookout.HeaderTimestamp))
			require.Equal(t, v.want, h.Get(webhookout.HeaderSignature))

			require.NoError(t, webhookout.Verify([]string{v.secret}, specHeaders(v.id, v.unix, v.want), []byte(v.body), ts, 0))
		})
	}
}

func specHeaders(id string, unix int64, sig string) http.Header {
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(unix, 10))
	h.Set("webhook-signature", sig)
	return h
}

func newSecret(t *testing.T) string {
	t.Helper()
	s, err := webhookout.NewSecret()
	require.NoError(t, err)
	return s
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		s := newSecret(t)
		require.True(t, strings.HasPrefix(s, "whsec_"), s)
		key, err := webhookout.ParseSecret(s)
		require.NoError(t, err)
		require.Len(t, key, webhookout.SecretSize)
		require.False(t, seen[s], "secret repeated")
		seen[s] = true

		// The reference library accepts it.
		_, err = standardwebhooks.NewWebhook(s)
		require.NoError(t, err)
	}
}

func TestParseSecret(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for _, ok := range []string{
		"whsec_" + b64(24),
		"whsec_" + b64(32),
		"whsec_" + b64(64),
		specVectors[0].secret,
	} {
		_, err := webhookout.ParseSecret(ok)
		require.NoError(t, err, ok)
	}
	for name, bad := range map[string]string{
		"empty":          "",
		"no prefix":      b64(32),
		"wrong prefix":   "whsk_" + b64(32),
		"only prefix":    "whsec_",
		"too short":      "whsec_" + b64(23),
		"too long":       "whsec_" + b64(65),
		"url alphabet":   "whsec_" + base64.URLEncoding.EncodeToString([]byte(strings.Repeat("\xff", 30))),
		"missing pad":    "whsec_" + strings.TrimRight(b64(32), "="),
		"trailing space": "whsec_" + b64(32) + " ",
		"raw text":       "whsec_this is not base64 at all!!",
	} {
		_, err := webhookout.ParseSecret(bad)
		require.ErrorIs(t, err, webhookout.ErrInvalidSecret, name)
		if len(bad) > len("whsec_") {
			require.NotContains(t, err.Error(), bad[len("whsec_"):], "%s: the error leaks the secret", name)
		}
	}
}

func TestSignRejects(t *testing.T) {
	secret := newSecret(t)
	now := time.Unix(1_700_000_000, 0)
	for name, id := range map[string]string{
		"empty":     "",
		"dot":       "evt_1.2",
		"space":     "evt 1",
		"newline":   "evt_1\r\nX-Injected: 1",
		"non-ascii": "evt_ñ",
		"too long":  "evt_" + strings.Repeat("a", 300),
	} {
		_, err := webhookout.Sign(secret, id, now, []byte("{}"))
		require.ErrorIs(t, err, webhookout.ErrInvalidID, name)
	}
	_, err := webhookout.Sign("nope", "evt_1", now, []byte("{}"))
	require.ErrorIs(t, err, webhookout.ErrInvalidSecret)
	_, err = webhookout.Headers(nil, "evt_1", now, []byte("{}"))
	require.ErrorIs(t, err, webhookout.ErrInvalidSecret)
	_, err = webhookout.Headers([]string{secret, "whsec_bad"}, "evt_1", now, []byte("{}"))
	require.ErrorIs(t, err, webhookout.ErrInvalidSecret)
	_, err = webhookout.Sign(secret, "evt_1", time.Time{}, []byte("{}"))
	require.Error(t, err, "the zero time is a forgotten timestamp")
}

// Our signatures verify with the independent reference library, and its
// signatures verify with ours.
func TestInteropWithReferenceLibrary(t *testing.T) {
	secret := newSecret(t)
	id := "evt_01jq3v8y2k7c9m4n6p8r0t2w4x"
	body := []byte(`{"id":"evt_01jq3v8y2k7c9m4n6p8r0t2w4x","type":"invoice.paid","data":{"amount":19990,"currency":"CLP"}}`)
	now := time.Now() // the library checks against its own clock

	lib, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)

	h, err := webhookout.Headers([]string{secret}, id, now, body)
	require.NoError(t, err)
	require.NoError(t, lib.Verify(body, h))
	require.Error(t, lib.Verify(append(slices.Clone(body), ' '), h), "library accepts a tampered body")

	libSig, err := lib.Sign(id, now, body)
	require.NoError(t, err)
	ourSig, err := webhookout.Sign(secret, id, now, body)
	require.NoError(t, err)
	require.Equal(t, libSig, ourSig)

	require.NoError(t, webhookout.Verify([]string{secret}, specHeaders(id, now.Unix(), libSig), body, now, 0))

	// Rotation: a header with two signatures verifies in the library with
	// either secret alone.
	old := newSecret(t)
	h, err = webhookout.Headers([]string{secret, old}, id, now, body)
	require.NoError(t, err)
	require.Len(t, strings.Fields(h.Get(webhookout.HeaderSignature)), 2)
	for _, s := range []string{secret, old} {
		w, err := standardwebhooks.NewWebhook(s)
		require.NoError(t, err)
		require.NoError(t, w.Verify(body, h))
	}
}

func TestVerify(t *testing.T) {
	secret, other := newSecret(t), newSecret(t)
	id := "evt_1"
	body := []byte(`{"type":"invoice.paid"}`)
	sent := time.Unix(1_700_000_000, 0)
	signed := func(t *testing.T, secrets ...string) http.Header {
		h, err := webhookout.Headers(secrets, id, sent, body)
		require.NoError(t, err)
		return h
	}
	verify := func(secrets []string, h http.Header, b []byte, now time.Time) error {
		return webhookout.Verify(secrets, h, b, now, 0)
	}

	t.Run("valid", func(t *testing.T) {
		require.NoError(t, verify([]string{secret}, signed(t, secret), body, sent))
	})
	t.Run("tampered body", func(t *testing.T) {
		err := verify([]string{secret}, signed(t, secret), []byte(`{"type":"invoice.paid" }`), sent)
		require.ErrorIs(t, err, webhookout.ErrNoMatchingSignature)
	})
	t.Run("tampered id", func(t *testing.T) {
		h := signed(t, secret)
		h.Set(webhookout.HeaderID, "evt_2")
		require.ErrorIs(t, verify([]string{secret}, h, body, sent), webhookout.ErrNoMatchingSignature)
	})
	t.Run("tampered timestamp", func(t *testing.T) {
		h := signed(t, secret)
		h.Set(webhookout.HeaderTimestamp, strconv.FormatInt(sent.Unix()+1, 10))
		require.ErrorIs(t, verify([]string{secret}, h, body, sent), webhookout.ErrNoMatchingSignature)
	})
	t.Run("wrong secret", func(t *testing.T) {
		require.ErrorIs(t, verify([]string{other}, signed(t, secret), body, sent), webhookout.ErrNoMatchingSignature)
	})
	t.Run("replayed old timestamp", func(t *testing.T) {
		h := signed(t, secret)
		require.NoError(t, verify([]string{secret}, h, body, sent.Add(5*time.Minute)), "exactly at the tolerance")
		require.ErrorIs(t, verify([]string{secret}, h, body, sent.Add(5*time.Minute+time.Second)), webhookout.ErrTimestampTooOld)
		require.ErrorIs(t, verify([]string{secret}, h, body, sent.Add(24*time.Hour)), webhookout.ErrTimestampTooOld)
	})
	t.Run("future timestamp", func(t *testing.T) {
		h := signed(t, secret)
		require.NoError(t, verify([]string{secret}, h, body, sent.Add(-5*time.Minute)), "exactly at the tolerance")
		require.ErrorIs(t, verify([]string{secret}, h, body, sent.Add(-5*time.Minute-time.Second)), webhookout.ErrTimestampTooNew)
	})
	t.Run("custom tolerance", func(t *testing.T) {
		h := signed(t, secret)
		require.ErrorIs(t, webhookout.Verify([]string{secret}, h, body, sent.Add(2*time.Second), time.Second), webhookout.ErrTimestampTooOld)
		require.NoError(t, webhookout.Verify([]string{secret}, h, body, sent.Add(time.Hour), 2*time.Hour))
	})
	t.Run("rotation", func(t *testing.T) {
		h := signed(t, secret, other)
		require.NoError(t, verify([]string{secret}, h, body, sent), "new secret")
		require.NoError(t, verify([]string{other}, h, body, sent), "old secret")
		require.NoError(t, verify([]string{newSecret(t), other}, h, body, sent), "receiver holding two secrets")
		require.ErrorIs(t, verify([]string{newSecret(t)}, h, body, sent), webhookout.ErrNoMatchingSignature)
	})
	t.Run("other versions and junk are skipped", func(t *testing.T) {
		good := signed(t, secret).Get(webhookout.HeaderSignature)
		_, enc, _ := strings.Cut(good, ",")
		h := signed(t, secret)
		h.Set(webhookout.HeaderSignature, strings.Join([]string{
			"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
			"v2," + enc, // right bytes, wrong version
			"v1,",
			"v1a," + enc,
			"garbage",
			"v1,!!!!",
		}, "  "))
		require.ErrorIs(t, verify([]string{secret}, h, body, sent), webhookout.ErrNoMatchingSignature)
		h.Set(webhookout.HeaderSignature, h.Get(webhookout.HeaderSignature)+" "+good)
		require.NoError(t, verify([]string{secret}, h, body, sent))
	})
	t.Run("partial signature", func(t *testing.T) {
		good := signed(t, secret).Get(webhookout.HeaderSignature)
		for _, partial := range []string{good[:8], good[:len(good)-4] + "====", strings.TrimSuffix(good, "=")} {
			h := signed(t, secret)
			h.Set(webhookout.HeaderSignature, partial)
			require.ErrorIs(t, verify([]string{secret}, h, body, sent), webhookout.ErrNoMatchingSignature, partial)
		}
	})
	t.Run("missing headers", func(t *testing.T) {
		for _, name := range []string{webhookout.HeaderID, webhookout.HeaderTimestamp, webhookout.HeaderSignature} {
			h := signed(t, secret)
			h.Del(name)
			err := verify([]string{secret}, h, body, sent)
			require.ErrorIs(t, err, webhookout.ErrMissingHeader, name)
			require.ErrorContains(t, err, name)
		}
	})
	t.Run("bad timestamps", func(t *testing.T) {
		for _, ts := range []string{"abc", "-1700000000", "+1700000000", "1700000000.5", " 1700000000", "1e9", "9999999999999"} {
			h := signed(t, secret)
			h.Set(webhookout.HeaderTimestamp, ts)
			require.ErrorIs(t, verify([]string{secret}, h, body, sent), webhookout.ErrInvalidTimestamp, ts)
		}
	})
	t.Run("bad secrets", func(t *testing.T) {
		require.ErrorIs(t, verify(nil, signed(t, secret), body, sent), webhookout.ErrInvalidSecret)
		require.ErrorIs(t, verify([]string{secret, "whsec_x"}, signed(t, secret), body, sent), webhookout.ErrInvalidSecret)
	})
}

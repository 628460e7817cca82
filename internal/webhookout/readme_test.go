package webhookout_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/webhookout"
)

// verifyCuota is the standard-library-only check shown to merchants in
// README.md; keep the two identical.
func verifyCuota(secret string, h http.Header, body []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return errors.New("bad webhook secret")
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("bad webhook-timestamp")
	}
	if age := time.Since(time.Unix(sec, 0)); age > 5*time.Minute || age < -5*time.Minute {
		return errors.New("webhook-timestamp too far from now")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		version, enc, _ := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(enc)
		if version == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no valid webhook signature")
}

// The README's merchant-side check accepts real deliveries and refuses
// tampered ones.
func TestReadmeVerifier(t *testing.T) {
	secret := newSecret(t)
	verdicts := make(chan error, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err == nil {
			err = verifyCuota(secret, r.Header, body)
		}
		verdicts <- err
		if err != nil {
			http.Error(w, "invalid signature", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)

	res := webhookout.Deliver(t.Context(), testClient(), request(t, srv.URL, secret, newSecret(t)))
	require.True(t, res.Success, "%v", res.Err)
	require.NoError(t, <-verdicts)

	res = webhookout.Deliver(t.Context(), testClient(), request(t, srv.URL)) // another secret
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Error(t, <-verdicts)

	v := specVectors[0]
	h := specHeaders(v.id, v.unix, v.want)
	require.ErrorContains(t, verifyCuota(v.secret, h, []byte(v.body)), "too far", "a 2021 timestamp is a replay")
}

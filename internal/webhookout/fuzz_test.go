package webhookout_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/webhookout"
)

// FuzzVerify feeds arbitrary headers and bodies to Verify, which must never
// panic or accept a signature made for another body, and checks that every
// body cuota signs verifies.
func FuzzVerify(f *testing.F) {
	v := specVectors[0]
	f.Add(v.id, "1614265330", v.want, []byte(v.body))
	f.Add("msg_1", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v2,abc v1,", []byte("{}"))
	f.Add("", "-1", "v1", []byte(nil))
	f.Add("evt_1", "99999999999999999999", "  v1,,, ", []byte("\x00\xff"))
	now := time.Unix(1614265330, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(webhookout.HeaderID, id)
		h.Set(webhookout.HeaderTimestamp, ts)
		h.Set(webhookout.HeaderSignature, sig)
		err := webhookout.Verify([]string{v.secret}, h, body, now, 0)
		if err == nil {
			// Only the published vector can be accepted: anything else
			// would be a forgery.
			require.Equal(t, v.id, id)
			require.Equal(t, v.body, string(body))
		}

		signed, err := webhookout.Headers([]string{v.secret}, "evt_fuzz", now, body)
		require.NoError(t, err)
		require.NoError(t, webhookout.Verify([]string{v.secret}, signed, body, now, 0))
		tampered := append(slices.Clone(body), '!')
		require.ErrorIs(t, webhookout.Verify([]string{v.secret}, signed, tampered, now, 0), webhookout.ErrNoMatchingSignature)
	})
}

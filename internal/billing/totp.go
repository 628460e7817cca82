package billing

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"time"
)

// The console's optional second factor is a time-based one-time password
// (RFC 6238): HMAC-SHA-1 over the count of TOTPStep periods since the Unix
// epoch, truncated as HOTP does (RFC 4226) to TOTPDigits digits. This is
// what every authenticator app computes from the shared secret.
const (
	TOTPStep   = 30 * time.Second
	TOTPDigits = 6
	// TOTPSkew is how many steps before and after now a code is still
	// accepted, for clocks that drift and codes typed slowly.
	TOTPSkew = 1
)

// TOTPCode returns the digits-long code of secret at t.
func TOTPCode(secret []byte, t time.Time, digits int) string {
	return hotp(secret, uint64(t.Unix()/int64(TOTPStep/time.Second)), digits)
}

// hotp is RFC 4226's HOTP value of counter, as a zero-padded string.
func hotp(secret []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	code := bin % mod
	out := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + code%10)
		code /= 10
	}
	return string(out)
}

// TOTPValid reports whether code is secret's TOTPDigits-digit code at now,
// or at up to TOTPSkew steps before or after it. The comparison takes the
// same time whatever the code.
func TOTPValid(secret []byte, code string, now time.Time) bool {
	if len(code) != TOTPDigits {
		return false
	}
	ok := 0
	for d := -TOTPSkew; d <= TOTPSkew; d++ {
		want := TOTPCode(secret, now.Add(time.Duration(d)*TOTPStep), TOTPDigits)
		ok |= subtle.ConstantTimeCompare([]byte(want), []byte(code))
	}
	return ok == 1
}

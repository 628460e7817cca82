package app

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/cuota/cuota/internal/billing"
)

// Console passwords are hashed with argon2id (RFC 9106) and stored as a
// PHC-style string that carries its own parameters and salt:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// (base64 without padding). The parameters are OWASP's recommended
// minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane; a 16-byte
// random salt and a 32-byte hash. A stored hash is verified with the
// parameters it names, so raising them later leaves old hashes valid.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// hashPassword returns the PHC string of password under a new salt.
func hashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails on supported platforms
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches the PHC string encoded.
// A string it cannot read matches nothing.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false
	}
	// Bounds that keep a corrupted row from costing unbounded work.
	if mem == 0 || mem > 1<<20 || iter == 0 || iter > 16 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyPasswordHash is checked against when a sign-in names no user, so
// that an unknown email costs as long as a wrong password. It is made on
// first use, not when every program that links app starts.
var dummyPasswordHash = sync.OnceValue(func() string { return hashPassword("cuota: no such user") })

// checkNewPassword validates a password a user chooses.
func checkNewPassword(v *validator, param, password string) {
	switch {
	case !utf8.ValidString(password):
		v.fail(param, billing.CodeParameterInvalid, "the password must be text")
	case utf8.RuneCountInString(password) < billing.MinPasswordLength:
		v.fail(param, billing.CodeParameterInvalid, "the password must have at least %d characters", billing.MinPasswordLength)
	case len(password) > billing.MaxPasswordLength:
		v.fail(param, billing.CodeParameterInvalid, "the password may have at most %d bytes", billing.MaxPasswordLength)
	}
}

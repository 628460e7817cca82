// Package secretbox seals small secrets (gateway credentials, webhook
// signing secrets) for storage with AES-256-GCM under one process-wide key,
// CUOTA_SECRET_KEY. A sealed value is "v1:" followed by the base64 of a
// random 12-byte nonce and the ciphertext with its tag; the additional data
// binds each value to where it is stored, so a sealed value copied to
// another row or merchant does not open.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// KeySize is the size of a key in bytes (AES-256).
const KeySize = 32

// prefix marks the sealing format, so a later format can be told apart.
const prefix = "v1:"

// ErrNoKey is returned by Seal and Open on a Box without a key. It is
// billing.ErrNoSecretKey, so that app tells it apart through its port.
var ErrNoKey = billing.ErrNoSecretKey

// ErrOpen is returned when a sealed value does not open: a wrong key, other
// additional data, or a damaged value. It is billing.ErrSecretNotOpen.
var ErrOpen = billing.ErrSecretNotOpen

// Box seals and opens values. The zero Box has no key.
type Box struct {
	aead cipher.AEAD
	raw  []byte // the key, for deriving other keys (AuditKey)
}

// New returns a Box for a key given as 64 hex characters or as the
// standard or URL base64 of 32 bytes. An empty key gives a Box without a
// key (HasKey false), which refuses to seal or open.
func New(key string) (*Box, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return &Box{}, nil
	}
	raw, err := decodeKey(key)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead, raw: raw}, nil
}

// auditKeyInfo labels the audit key's derivation, so that it is
// independent of the sealing key and of any other key derived later.
const auditKeyInfo = "cuota audit chain v1"

// AuditKey returns the key that seals the audit chain: HKDF-SHA256 of the
// box's key with its own label, so that the audit MACs never use the
// encryption key itself. A box without a key gives nil (the chain is then
// sealed unkeyed).
func (b *Box) AuditKey() billing.AuditKey {
	if b == nil || len(b.raw) == 0 {
		return nil
	}
	k, err := hkdf.Key(sha256.New, b.raw, nil, auditKeyInfo, KeySize)
	if err != nil {
		panic("secretbox: derive audit key: " + err.Error()) // cannot happen: 32 bytes of SHA-256
	}
	return k
}

// NewKey returns a new random key in the hex form New accepts.
func NewKey() string {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k) // crypto/rand.Read never fails
	return hex.EncodeToString(k)
}

func decodeKey(key string) ([]byte, error) {
	if raw, err := hex.DecodeString(key); err == nil && len(raw) == KeySize {
		return raw, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(key); err == nil && len(raw) == KeySize {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("secretbox: the key must be %d bytes, as 64 hex characters or base64 (generate one with `openssl rand -hex 32`)", KeySize)
}

// HasKey reports whether the Box can seal and open.
func (b *Box) HasKey() bool { return b != nil && b.aead != nil }

// Seal encrypts plaintext bound to ad (e.g. "merchant_gateways/mch_…/live/flow").
func (b *Box) Seal(plaintext []byte, ad string) (string, error) {
	if !b.HasKey() {
		return "", ErrNoKey
	}
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := b.aead.Seal(nonce, nonce, plaintext, []byte(ad))
	return prefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal returned for the same ad.
func (b *Box) Open(sealed, ad string) ([]byte, error) {
	if !b.HasKey() {
		return nil, ErrNoKey
	}
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return nil, fmt.Errorf("%w: unknown format", ErrOpen)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, fmt.Errorf("%w: malformed", ErrOpen)
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(ad))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// IsSealed reports whether a stored value is in the sealed format (as
// opposed to a test-mode value kept in the clear because no key was set).
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }

// IsSealed is the package's IsSealed, as a method so that a Box implements
// app.Sealer. A Box without a key still recognises the format, so that a
// sealed value read without the key is reported as such.
func (*Box) IsSealed(v string) bool { return IsSealed(v) }

package webhookout

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretPrefix starts every endpoint secret, as the Standard Webhooks
// specification recommends, so that a secret is recognisable in a config
// file or a leaked log.
const SecretPrefix = "whsec_"

// Secret sizes in bytes (before base64). NewSecret draws SecretSize random
// bytes, the size of an HMAC-SHA256 output; ParseSecret accepts the range
// the specification allows.
const (
	// SecretSize is the key size NewSecret draws.
	SecretSize = 32
	// MinSecretBytes is the smallest key ParseSecret accepts.
	MinSecretBytes = 24
	// MaxSecretBytes is the largest key ParseSecret accepts.
	MaxSecretBytes = 64
)

// ErrInvalidSecret is returned, wrapped, for a secret that is not
// SecretPrefix followed by the standard base64 (with padding) of
// MinSecretBytes to MaxSecretBytes bytes.
var ErrInvalidSecret = errors.New("invalid webhook secret")

// NewSecret returns a fresh endpoint secret: SecretPrefix followed by the
// standard base64 of SecretSize bytes from crypto/rand.
func NewSecret() (string, error) {
	key := make([]byte, SecretSize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhookout: generate secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// ParseSecret checks that s is a well-formed secret and returns the HMAC key
// it encodes (the decoded bytes; the prefix and the base64 text are not the
// key). The error wraps ErrInvalidSecret and never contains the secret.
func ParseSecret(s string) ([]byte, error) {
	key, err := parseKey(s)
	if err != nil {
		return nil, fmt.Errorf("webhookout: %w", err)
	}
	return key, nil
}

// parseKey is ParseSecret without the package prefix on its errors, for
// callers that add their own context.
func parseKey(s string) ([]byte, error) {
	enc, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: missing %q prefix", ErrInvalidSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: not standard base64 after the prefix", ErrInvalidSecret)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return nil, fmt.Errorf("%w: key is %d bytes, want %d to %d", ErrInvalidSecret, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return key, nil
}

package billing

import "errors"

// The errors of sealing secrets at rest, shared by the use cases (which
// turn them into 503 secret_key_missing / secret_key_mismatch) and the
// sealer that implements their port (internal/secretbox), so that app can
// tell them apart without importing the adapter.
var (
	// ErrNoSecretKey is returned when sealing or opening without a key.
	ErrNoSecretKey = errors.New("secretbox: no key configured (set CUOTA_SECRET_KEY)")
	// ErrSecretNotOpen is returned when a sealed value does not open: a
	// wrong key, other additional data, or a damaged value.
	ErrSecretNotOpen = errors.New("secretbox: sealed value does not open with this key")
)

package webhookout

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers. They are written in lower case as the
// specification does; HTTP header names are case-insensitive, and
// http.Header canonicalises them (Webhook-Id and so on).
const (
	// HeaderID carries the message id: the event id, the same on every
	// attempt, so that receivers can drop duplicates.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries the time of the attempt in Unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries one or more space-separated signatures, each
	// "v1," followed by the base64 HMAC-SHA256 of "id.timestamp.body".
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far the webhook-timestamp may lie from the
// verifier's clock, either way, before Verify rejects the message as a
// replay (too old) or as forged ahead (too new).
const DefaultTolerance = 5 * time.Minute

// MaxIDLength bounds a message id, which travels in a header and in every
// signed string.
const MaxIDLength = 255

// Errors reported, wrapped with context, by Sign, Headers and Verify. Test
// for them with errors.Is.
var (
	// ErrInvalidID: the message id is empty, longer than MaxIDLength, or
	// holds a space, a dot, or anything but printable ASCII.
	ErrInvalidID = errors.New("invalid webhook message id")
	// ErrMissingHeader: webhook-id, webhook-timestamp or webhook-signature
	// is absent or blank.
	ErrMissingHeader = errors.New("missing webhook header")
	// ErrInvalidTimestamp: webhook-timestamp is not plain decimal digits.
	ErrInvalidTimestamp = errors.New("invalid webhook-timestamp header")
	// ErrTimestampTooOld: the message was sent more than the tolerance
	// before now (a replay, or a receiver clock far ahead).
	ErrTimestampTooOld = errors.New("webhook timestamp too old")
	// ErrTimestampTooNew: the message claims to be sent more than the
	// tolerance after now.
	ErrTimestampTooNew = errors.New("webhook timestamp too new")
	// ErrNoMatchingSignature: no v1 signature in the header matches the
	// body under any of the secrets.
	ErrNoMatchingSignature = errors.New("no matching webhook signature")
)

// signatureVersion is the only scheme the specification defines for
// symmetric keys (HMAC-SHA256).
const signatureVersion = "v1"

// checkID accepts printable ASCII without spaces and, because the signed
// string joins id, timestamp and body with dots, without dots: with a dot
// in the id, "a.1" signed at 2 and "a" signed at 1 with a body starting
// "2." would sign the same bytes.
func checkID(id string) error {
	if id == "" || len(id) > MaxIDLength {
		return fmt.Errorf("%w: length %d, want 1 to %d", ErrInvalidID, len(id), MaxIDLength)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '.' {
			return fmt.Errorf("%w: byte %d is %q; want printable ASCII without spaces or dots", ErrInvalidID, i, c)
		}
	}
	return nil
}

// mac computes the raw HMAC-SHA256 of "id.timestamp.body" under key.
func mac(key []byte, id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	_, _ = io.WriteString(h, id) // a hash.Hash never returns an error
	_, _ = h.Write([]byte{'.'})
	_, _ = h.Write(strconv.AppendInt(nil, unix, 10))
	_, _ = h.Write([]byte{'.'})
	_, _ = h.Write(body)
	return h.Sum(nil)
}

// Sign returns the signature of one message under one secret, in the form
// the webhook-signature header carries it: "v1," followed by the standard
// base64 of HMAC-SHA256(key, id + "." + unix seconds + "." + body). Only the
// whole seconds of timestamp count, as in the webhook-timestamp header.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	sigs, err := signAll([]string{secret}, id, timestamp.Unix(), body)
	if err != nil {
		return "", err
	}
	return sigs[0], nil
}

// Headers returns the three Standard Webhooks headers for one attempt at a
// message: id, timestamp (Unix seconds) and one signature per secret, in
// the order given and separated by single spaces. During a secret rotation
// pass both the new and the old secret, so that receivers holding either
// can verify. At least one secret is required.
//
// timestamp must be the real (wall-clock) time of the attempt, not a test
// clock: receivers check it against their own clock. Each retry is signed
// afresh with its own timestamp and the same id.
func Headers(secrets []string, id string, timestamp time.Time, body []byte) (http.Header, error) {
	unix := timestamp.Unix()
	sigs, err := signAll(secrets, id, unix, body)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, 3)
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(unix, 10))
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	return h, nil
}

// signAll checks the id and every secret and returns one "v1,…" signature
// per secret.
func signAll(secrets []string, id string, unix int64, body []byte) ([]string, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("webhookout: sign: %w: no secrets given", ErrInvalidSecret)
	}
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("webhookout: sign: %w", err)
	}
	if unix < 0 {
		return nil, fmt.Errorf("webhookout: sign: timestamp %d is before 1970", unix)
	}
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		key, err := parseKey(s)
		if err != nil {
			return nil, fmt.Errorf("webhookout: sign: secret %d: %w", i, err)
		}
		sigs[i] = signatureVersion + "," + base64.StdEncoding.EncodeToString(mac(key, id, unix, body))
	}
	return sigs, nil
}

// Verify checks a delivery the way a receiver should: the three headers are
// present, the timestamp lies within tolerance of now (either way; 0 or less
// means DefaultTolerance), and at least one "v1" signature in the
// webhook-signature header matches body under at least one of secrets.
// Signatures of other versions and malformed entries are skipped, so a
// header may carry several signatures during a rotation. Signatures are
// compared in constant time.
//
// body must be the raw request body, byte for byte as received: re-encoded
// JSON will not verify. The error wraps ErrInvalidSecret, ErrMissingHeader,
// ErrInvalidTimestamp, ErrTimestampTooOld, ErrTimestampTooNew or
// ErrNoMatchingSignature.
func Verify(secrets []string, headers http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if len(secrets) == 0 {
		return fmt.Errorf("webhookout: verify: %w: no secrets given", ErrInvalidSecret)
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		key, err := parseKey(s)
		if err != nil {
			return fmt.Errorf("webhookout: verify: secret %d: %w", i, err)
		}
		keys[i] = key
	}

	id := headers.Get(HeaderID)
	tsText := headers.Get(HeaderTimestamp)
	sigText := strings.Join(headers.Values(HeaderSignature), " ")
	for _, h := range [...]struct{ name, value string }{
		{HeaderID, id}, {HeaderTimestamp, tsText}, {HeaderSignature, sigText},
	} {
		if strings.TrimSpace(h.value) == "" {
			return fmt.Errorf("webhookout: verify: %w: %s", ErrMissingHeader, h.name)
		}
	}

	unix, err := parseUnix(tsText)
	if err != nil {
		return fmt.Errorf("webhookout: verify: %w", err)
	}
	sent := time.Unix(unix, 0)
	if age := now.Sub(sent); age > tolerance {
		return fmt.Errorf("webhookout: verify: %w: sent %s before now, tolerance %s", ErrTimestampTooOld, age.Truncate(time.Second), tolerance)
	}
	if ahead := sent.Sub(now); ahead > tolerance {
		return fmt.Errorf("webhookout: verify: %w: sent %s after now, tolerance %s", ErrTimestampTooNew, ahead.Truncate(time.Second), tolerance)
	}

	want := make([][]byte, len(keys))
	for i, key := range keys {
		want[i] = mac(key, id, unix, body)
	}
	for _, entry := range strings.Fields(sigText) {
		version, encoded, ok := strings.Cut(entry, ",")
		if !ok || version != signatureVersion {
			continue
		}
		got, err := base64.StdEncoding.Strict().DecodeString(encoded)
		if err != nil {
			continue
		}
		for _, w := range want {
			if hmac.Equal(got, w) {
				return nil
			}
		}
	}
	return fmt.Errorf("webhookout: verify: %w", ErrNoMatchingSignature)
}

// parseUnix reads a webhook-timestamp: decimal digits only (no sign, no
// spaces, no fraction), at most 12 of them, which covers the next 30,000
// years.
func parseUnix(s string) (int64, error) {
	if s == "" || len(s) > 12 {
		return 0, fmt.Errorf("%w: want 1 to 12 decimal digits, got %d characters", ErrInvalidTimestamp, len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: want decimal digits, got %q", ErrInvalidTimestamp, s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalidTimestamp, err)
	}
	return n, nil
}

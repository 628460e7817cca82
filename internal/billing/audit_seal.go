package billing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
	"time"
)

// How an audit entry or checkpoint is sealed (AuditEntry.Seal). Entries
// sealed before migration 00017 have "" and verify with AuditHash.
const (
	// SealHMAC is HMAC-SHA256 under the audit key: only a holder of the
	// key can recompute the chain, so rewriting an entry and every later
	// hash is detected.
	SealHMAC = "hmac-sha256"
	// SealUnkeyed is plain SHA-256, used when no key is configured (e.g.
	// development): it catches naive edits only, and verification says so.
	SealUnkeyed = "sha256"
)

// AuditKey is the key the audit chain is sealed with (derived from
// CUOTA_SECRET_KEY by internal/secretbox). A nil or empty key seals
// unkeyed (SealUnkeyed).
type AuditKey []byte

// Keyed reports whether k is a key.
func (k AuditKey) Keyed() bool { return len(k) > 0 }

// Seal is the seal that k makes.
func (k AuditKey) Seal() string {
	if k.Keyed() {
		return SealHMAC
	}
	return SealUnkeyed
}

// ID is a short public name of k, so that a checkpoint says which key
// signed it without revealing the key; "" when unkeyed.
func (k AuditKey) ID() string {
	if !k.Keyed() {
		return ""
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("cuota audit key id"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// newSealHash returns the hash function of seal under k, or nil if k
// cannot make it (a keyed seal without a key, or an unknown seal).
func newSealHash(k AuditKey, seal string) hash.Hash {
	switch seal {
	case SealHMAC:
		if !k.Keyed() {
			return nil
		}
		return hmac.New(sha256.New, k)
	case SealUnkeyed:
		return sha256.New()
	}
	return nil
}

// fieldWriter writes length-prefixed fields, so that no two different
// lists of fields serialise alike.
type fieldWriter struct{ h hash.Hash }

func (w fieldWriter) field(s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	w.h.Write(n[:])
	w.h.Write([]byte(s))
}

// AuditSealHash returns the hash that seals e in its merchant's chain under
// e.Seal: for SealHMAC the HMAC-SHA256 under k, for SealUnkeyed the
// SHA-256, of a domain label, the seal, e.PrevHash and every other field
// except Hash (as AuditHash lists them); for "" (entries sealed before
// migration 00017) AuditHash. ok is false when k cannot make e's seal.
func AuditSealHash(k AuditKey, e AuditEntry) (sum string, ok bool) {
	if e.Seal == "" {
		return AuditHash(e), true
	}
	h := newSealHash(k, e.Seal)
	if h == nil {
		return "", false
	}
	w := fieldWriter{h}
	w.field("cuota audit entry v2")
	w.field(e.Seal)
	w.field(e.PrevHash)
	w.field(e.ID)
	w.field(e.MerchantID)
	w.field(strconv.FormatInt(e.Seq, 10))
	w.field(string(e.Mode))
	w.field(e.Actor)
	w.field(e.Action)
	w.field(e.ObjectType)
	w.field(e.ObjectID)
	w.field(jsonOrNull(e.Before))
	w.field(jsonOrNull(e.After))
	w.field(e.RequestID)
	w.field(e.ClientIP)
	w.field(e.Created.UTC().Format(time.RFC3339Nano))
	return hex.EncodeToString(h.Sum(nil)), true
}

// SealAuditEntries chains entries, which must be one merchant's unsealed
// entries in commit order, after the chain's head (headSeq, headHash): each
// gets the next Seq, the previous entry's hash and its seal under k. It
// returns the sealed copies; entries is not changed.
func SealAuditEntries(k AuditKey, headSeq int64, headHash string, entries []AuditEntry) []AuditEntry {
	out := make([]AuditEntry, len(entries))
	for i, e := range entries {
		headSeq++
		e.Seq, e.PrevHash, e.Seal = headSeq, headHash, k.Seal()
		e.Hash, _ = AuditSealHash(k, e) // k makes its own seal
		headHash = e.Hash
		out[i] = e
	}
	return out
}

// AuditCheckpoint vouches for a merchant's chain up to entry Seq, whose
// hash is Head, at time Created: kept outside the database (cuota audit
// checkpoint), it shows any later rewrite or truncation of the chain up to
// there. Signature is the HMAC under the audit key (SealHMAC, naming the
// key by KeyID) or, unkeyed, a SHA-256 that catches naive edits only.
type AuditCheckpoint struct {
	MerchantID string    `json:"merchant_id"`
	Seq        int64     `json:"seq"`
	Head       string    `json:"head"`
	Created    time.Time `json:"created"`
	Seal       string    `json:"seal"`
	KeyID      string    `json:"key_id"`
	Signature  string    `json:"signature"`
}

// checkpointSum returns c's signature under k and c.Seal.
func checkpointSum(k AuditKey, c AuditCheckpoint) (string, bool) {
	h := newSealHash(k, c.Seal)
	if h == nil {
		return "", false
	}
	w := fieldWriter{h}
	w.field("cuota audit checkpoint v1")
	w.field(c.Seal)
	w.field(c.KeyID)
	w.field(c.MerchantID)
	w.field(strconv.FormatInt(c.Seq, 10))
	w.field(c.Head)
	w.field(c.Created.UTC().Format(time.RFC3339Nano))
	return hex.EncodeToString(h.Sum(nil)), true
}

// SignAuditCheckpoint returns the checkpoint of merchantID's chain at entry
// seq with hash head, made at now and signed under k.
func SignAuditCheckpoint(k AuditKey, merchantID string, seq int64, head string, now time.Time) AuditCheckpoint {
	c := AuditCheckpoint{MerchantID: merchantID, Seq: seq, Head: head, Created: now.UTC(), Seal: k.Seal(), KeyID: k.ID()}
	c.Signature, _ = checkpointSum(k, c)
	return c
}

// CheckAuditCheckpoint says why c's signature does not hold under k, or ""
// when it does.
func CheckAuditCheckpoint(k AuditKey, c AuditCheckpoint) string {
	if c.Seal == SealHMAC && c.KeyID != k.ID() {
		if !k.Keyed() {
			return "checkpoint is signed with key " + c.KeyID + " and no key is configured"
		}
		return "checkpoint is signed with key " + c.KeyID + ", not with this key (" + k.ID() + ")"
	}
	sum, ok := checkpointSum(k, c)
	if !ok {
		return "checkpoint has an unknown seal " + strconv.Quote(c.Seal)
	}
	if !hmac.Equal([]byte(sum), []byte(c.Signature)) {
		return "checkpoint signature does not hold (forged or edited)"
	}
	return ""
}

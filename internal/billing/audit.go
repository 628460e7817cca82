package billing

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditHash returns the hash that seals e in its merchant's chain: the hex
// SHA-256 of e.PrevHash and every other field except Hash, each written with
// its length so that no two different entries serialise alike. An empty
// Before or After counts as JSON null, as the stores write it.
func AuditHash(e AuditEntry) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	jsonOrNull := func(b []byte) string {
		if len(b) == 0 {
			return "null"
		}
		return string(b)
	}
	field(e.PrevHash)
	field(e.ID)
	field(e.MerchantID)
	field(strconv.FormatInt(e.Seq, 10))
	field(string(e.Mode))
	field(e.Actor)
	field(e.Action)
	field(e.ObjectType)
	field(e.ObjectID)
	field(jsonOrNull(e.Before))
	field(jsonOrNull(e.After))
	field(e.RequestID)
	field(e.ClientIP)
	field(e.Created.UTC().Format(time.RFC3339Nano))
	return hex.EncodeToString(h.Sum(nil))
}

// AuditBreak describes the first place where a chain does not verify.
type AuditBreak struct {
	Seq     int64  // sequence number where the break was found
	EntryID string // the entry at Seq, or "" if it is missing
	Reason  string
}

// AuditVerifier checks a merchant's chain one entry at a time, in ascending
// Seq order. Feed every entry to Next; the first break is returned and
// Next must not be called again after it.
type AuditVerifier struct {
	seq  int64
	hash string
}

// Next checks e against the entries seen so far.
func (v *AuditVerifier) Next(e AuditEntry) *AuditBreak {
	switch {
	case e.Seq != v.seq+1:
		return &AuditBreak{Seq: v.seq + 1, Reason: "entry " + strconv.FormatInt(v.seq+1, 10) + " is missing"}
	case e.PrevHash != v.hash:
		return &AuditBreak{Seq: e.Seq, EntryID: e.ID, Reason: "prev_hash does not match the previous entry's hash"}
	case AuditHash(e) != e.Hash:
		return &AuditBreak{Seq: e.Seq, EntryID: e.ID, Reason: "hash does not match the entry's contents"}
	}
	v.seq, v.hash = e.Seq, e.Hash
	return nil
}

// End checks that the chain ends where its head says it does (so that
// deleting the newest entries is detected too).
func (v *AuditVerifier) End(headSeq int64, headHash string) *AuditBreak {
	if headSeq != v.seq || headHash != v.hash {
		return &AuditBreak{Seq: v.seq + 1, Reason: "chain ends at entry " + strconv.FormatInt(v.seq, 10) +
			" but its head is at entry " + strconv.FormatInt(headSeq, 10)}
	}
	return nil
}

// Count returns how many entries have verified.
func (v *AuditVerifier) Count() int64 { return v.seq }

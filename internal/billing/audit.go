package billing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditHash returns the hash that sealed e in its merchant's chain before
// migration 00017 (entries whose Seal is ""), and still does: the hex
// SHA-256 of e.PrevHash and every other field except Hash, each written with
// its length so that no two different entries serialise alike. An empty
// Before or After counts as JSON null, as the stores write it.
func AuditHash(e AuditEntry) string {
	h := sha256.New()
	w := fieldWriter{h}
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
	return hex.EncodeToString(h.Sum(nil))
}

// jsonOrNull is a snapshot as hashed: empty counts as JSON null, as the
// stores write it.
func jsonOrNull(b []byte) string {
	if len(b) == 0 {
		return "null"
	}
	return string(b)
}

// AuditBreak describes the first place where a chain does not verify.
type AuditBreak struct {
	Seq     int64  // sequence number where the break was found
	EntryID string // the entry at Seq, or "" if it is missing
	Reason  string
}

// AuditVerifier checks a merchant's chain one entry at a time, in ascending
// Seq order. Feed every sealed entry to Next; the first break is returned
// and Next must not be called again after it. Key is the audit key (nil:
// no key is configured, and keyed entries cannot be checked). Checkpoints,
// in ascending Seq order, are checked as the chain passes them and at End.
type AuditVerifier struct {
	Key         AuditKey
	Checkpoints []AuditCheckpoint

	seq       int64
	hash      string
	seal      string // the seal of the last entry seen
	cp        int    // the next checkpoint to check
	seals     map[string]int64
	checkedCP int
}

// Next checks e against the entries seen so far.
func (v *AuditVerifier) Next(e AuditEntry) *AuditBreak {
	brk := func(reason string) *AuditBreak { return &AuditBreak{Seq: e.Seq, EntryID: e.ID, Reason: reason} }
	switch {
	case e.Seq != v.seq+1:
		return &AuditBreak{Seq: v.seq + 1, Reason: "entry " + strconv.FormatInt(v.seq+1, 10) + " is missing"}
	case e.PrevHash != v.hash:
		return brk("prev_hash does not match the previous entry's hash")
	case sealRank(e.Seal) < sealRank(v.seal):
		// A keyed chain never goes back to a weaker seal: an entry that
		// does was recomputed by someone without the key.
		return brk("entry is sealed " + sealName(e.Seal) + " after entries sealed " + sealName(v.seal) +
			" (rewritten and recomputed without the key)")
	}
	sum, ok := AuditSealHash(v.Key, e)
	switch {
	case !ok && e.Seal == SealHMAC:
		return brk("entry is sealed with a key (hmac-sha256) and no audit key is configured to check it")
	case !ok:
		return brk("entry has an unknown seal " + strconv.Quote(e.Seal))
	case !hmac.Equal([]byte(sum), []byte(e.Hash)) && e.Seal == SealHMAC:
		return brk("hash (HMAC) does not match the entry's contents: edited, or recomputed without the key")
	case !hmac.Equal([]byte(sum), []byte(e.Hash)):
		return brk("hash does not match the entry's contents")
	}
	for v.cp < len(v.Checkpoints) && v.Checkpoints[v.cp].Seq <= e.Seq {
		c := v.Checkpoints[v.cp]
		if reason := CheckAuditCheckpoint(v.Key, c); reason != "" {
			return &AuditBreak{Seq: c.Seq, Reason: "checkpoint at entry " + strconv.FormatInt(c.Seq, 10) + ": " + reason}
		}
		if c.Seq == e.Seq && c.Head != e.Hash {
			return brk("entry differs from the checkpoint signed at " + c.Created.UTC().Format(time.RFC3339) +
				" (rewritten after it)")
		}
		v.cp++
		v.checkedCP++
	}
	if v.seals == nil {
		v.seals = map[string]int64{}
	}
	v.seals[e.Seal]++
	v.seq, v.hash, v.seal = e.Seq, e.Hash, e.Seal
	return nil
}

// sealRank orders seals by strength: a chain may only go up.
func sealRank(seal string) int {
	switch seal {
	case SealUnkeyed:
		return 1
	case SealHMAC:
		return 2
	}
	return 0
}

// sealName names a seal for people.
func sealName(seal string) string {
	if seal == "" {
		return "sha256 (before keyed sealing)"
	}
	return seal
}

// End checks that the chain ends where its head says it does (so that
// deleting the newest entries is detected too), and that no checkpoint
// vouches for an entry past the end (a truncation).
func (v *AuditVerifier) End(headSeq int64, headHash string) *AuditBreak {
	if headSeq != v.seq || headHash != v.hash {
		return &AuditBreak{Seq: v.seq + 1, Reason: "chain ends at entry " + strconv.FormatInt(v.seq, 10) +
			" but its head is at entry " + strconv.FormatInt(headSeq, 10)}
	}
	if v.cp < len(v.Checkpoints) {
		c := v.Checkpoints[v.cp]
		if reason := CheckAuditCheckpoint(v.Key, c); reason != "" {
			return &AuditBreak{Seq: c.Seq, Reason: "checkpoint at entry " + strconv.FormatInt(c.Seq, 10) + ": " + reason}
		}
		return &AuditBreak{Seq: v.seq + 1, Reason: "chain ends at entry " + strconv.FormatInt(v.seq, 10) +
			" but a checkpoint signed at " + c.Created.UTC().Format(time.RFC3339) + " vouches for entry " +
			strconv.FormatInt(c.Seq, 10) + " (truncated)"}
	}
	return nil
}

// Count returns how many entries have verified.
func (v *AuditVerifier) Count() int64 { return v.seq }

// Sealed returns how many verified entries carry each seal ("" for those
// sealed before keyed sealing).
func (v *AuditVerifier) Sealed() map[string]int64 { return v.seals }

// CheckpointsChecked returns how many checkpoints have verified.
func (v *AuditVerifier) CheckpointsChecked() int { return v.checkedCP }

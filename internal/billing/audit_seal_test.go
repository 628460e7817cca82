package billing_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

var testAuditKey = billing.AuditKey("0123456789abcdef0123456789abcdef")

// sealedChain is chain(n) unsealed and then sealed under k.
func sealedChain(k billing.AuditKey, n int) []billing.AuditEntry {
	entries := chain(n)
	for i := range entries {
		entries[i].Seq, entries[i].PrevHash, entries[i].Hash = 0, "", ""
	}
	return billing.SealAuditEntries(k, 0, "", entries)
}

func TestAuditSealHash(t *testing.T) {
	t.Parallel()
	keyed := sealedChain(testAuditKey, 2)[1]
	unkeyed := sealedChain(nil, 2)[1]
	require.Equal(t, billing.SealHMAC, keyed.Seal)
	require.Equal(t, billing.SealUnkeyed, unkeyed.Seal)
	require.Len(t, keyed.Hash, 64)
	require.NotEqual(t, keyed.Hash, unkeyed.Hash)

	tests := map[string]struct {
		key     billing.AuditKey
		mutate  func(e *billing.AuditEntry)
		same    bool
		cannot  bool
		entryOf billing.AuditEntry
	}{
		"Deterministic":        {key: testAuditKey, mutate: func(*billing.AuditEntry) {}, same: true, entryOf: keyed},
		"HashNotCovered":       {key: testAuditKey, mutate: func(e *billing.AuditEntry) { e.Hash = "x" }, same: true, entryOf: keyed},
		"ClientIP":             {key: testAuditKey, mutate: func(e *billing.AuditEntry) { e.ClientIP = "10.9.9.9" }, entryOf: keyed},
		"PrevHash":             {key: testAuditKey, mutate: func(e *billing.AuditEntry) { e.PrevHash += "0" }, entryOf: keyed},
		"Seq":                  {key: testAuditKey, mutate: func(e *billing.AuditEntry) { e.Seq++ }, entryOf: keyed},
		"After":                {key: testAuditKey, mutate: func(e *billing.AuditEntry) { e.After = json.RawMessage(`{}`) }, entryOf: keyed},
		"Created":              {key: testAuditKey, mutate: func(e *billing.AuditEntry) { e.Created = e.Created.Add(time.Microsecond) }, entryOf: keyed},
		"OtherKey":             {key: billing.AuditKey("another key, another chain......"), mutate: func(*billing.AuditEntry) {}, entryOf: keyed},
		"KeyedWithoutKey":      {key: nil, mutate: func(*billing.AuditEntry) {}, cannot: true, entryOf: keyed},
		"UnkeyedNeedsNoKey":    {key: nil, mutate: func(*billing.AuditEntry) {}, same: true, entryOf: unkeyed},
		"UnkeyedIgnoresTheKey": {key: testAuditKey, mutate: func(*billing.AuditEntry) {}, same: true, entryOf: unkeyed},
		"SealIsCovered":        {key: testAuditKey, mutate: func(e *billing.AuditEntry) { e.Seal = billing.SealUnkeyed }, entryOf: keyed},
		"UnknownSeal":          {key: testAuditKey, mutate: func(e *billing.AuditEntry) { e.Seal = "md5" }, cannot: true, entryOf: keyed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := tc.entryOf
			tc.mutate(&e)
			sum, ok := billing.AuditSealHash(tc.key, e)
			if tc.cannot {
				require.False(t, ok)
				return
			}
			require.True(t, ok)
			require.Equal(t, tc.same, sum == tc.entryOf.Hash)
		})
	}

	// Entries sealed before keyed sealing (Seal "") keep their SHA-256.
	legacy := chain(1)[0]
	sum, ok := billing.AuditSealHash(testAuditKey, legacy)
	require.True(t, ok)
	require.Equal(t, billing.AuditHash(legacy), sum)
}

func TestSealAuditEntries(t *testing.T) {
	t.Parallel()
	legacy := chain(2) // sealed before migration 00017
	next := chain(4)[2:]
	for i := range next {
		next[i].Seq, next[i].PrevHash, next[i].Hash = 0, "", ""
	}
	sealed := billing.SealAuditEntries(testAuditKey, 2, legacy[1].Hash, next)
	require.Zero(t, next[0].Seq, "the input is not changed")
	require.EqualValues(t, 3, sealed[0].Seq)
	require.Equal(t, legacy[1].Hash, sealed[0].PrevHash, "keyed entries extend the legacy chain")
	require.Equal(t, sealed[0].Hash, sealed[1].PrevHash)
	all := append(append([]billing.AuditEntry(nil), legacy...), sealed...)
	brk, n := verifyWith(testAuditKey, nil, all, 4, sealed[1].Hash)
	require.Nil(t, brk)
	require.EqualValues(t, 4, n)
}

// verifyWith is verify with a key and checkpoints.
func verifyWith(k billing.AuditKey, cps []billing.AuditCheckpoint, entries []billing.AuditEntry, headSeq int64, headHash string) (*billing.AuditBreak, int64) {
	v := billing.AuditVerifier{Key: k, Checkpoints: cps}
	for _, e := range entries {
		if brk := v.Next(e); brk != nil {
			return brk, v.Count()
		}
	}
	return v.End(headSeq, headHash), v.Count()
}

// recompute rewrites entries from i on as someone without the key can:
// plain SHA-256, relinked.
func recompute(entries []billing.AuditEntry, i int, seal string) []billing.AuditEntry {
	out := append([]billing.AuditEntry(nil), entries...)
	for j := i; j < len(out); j++ {
		if j > 0 {
			out[j].PrevHash = out[j-1].Hash
		}
		out[j].Seal = seal
		out[j].Hash, _ = billing.AuditSealHash(nil, out[j]) // "" or SealUnkeyed: no key needed
	}
	return out
}

func TestAuditVerifierKeyed(t *testing.T) {
	t.Parallel()
	entries := sealedChain(testAuditKey, 6)
	head := entries[5]
	cp4 := billing.SignAuditCheckpoint(testAuditKey, "mch_1", 4, entries[3].Hash, head.Created)

	edited := append([]billing.AuditEntry(nil), entries...)
	edited[2].ClientIP = "10.6.6.6"

	tests := map[string]struct {
		entries  []billing.AuditEntry
		key      billing.AuditKey
		cps      []billing.AuditCheckpoint
		headSeq  int64
		headHash string
		seq      int64 // 0: verifies
		entryID  string
		reason   string
	}{
		"Valid":  {entries: entries, key: testAuditKey, cps: []billing.AuditCheckpoint{cp4}, headSeq: 6, headHash: head.Hash},
		"Edited": {entries: edited, key: testAuditKey, headSeq: 6, headHash: head.Hash, seq: 3, entryID: entries[2].ID, reason: "HMAC"},
		"RecomputedKeepingTheSeal": {entries: func() []billing.AuditEntry {
			r := recompute(edited, 2, billing.SealUnkeyed)
			for j := 2; j < len(r); j++ {
				r[j].Seal = billing.SealHMAC // claims to be keyed, hashed without the key
			}
			return r
		}(), key: testAuditKey, headSeq: 6, seq: 3, entryID: entries[2].ID, reason: "without the key"},
		"RecomputedUnkeyed": {entries: recompute(edited, 2, billing.SealUnkeyed), key: testAuditKey, headSeq: 6,
			seq: 3, entryID: entries[2].ID, reason: "without the key"},
		"RecomputedAsLegacy": {entries: recompute(edited, 2, ""), key: testAuditKey, headSeq: 6,
			seq: 3, entryID: entries[2].ID, reason: "without the key"},
		"RecomputedFromTheStart": {entries: recompute(edited, 0, billing.SealUnkeyed), key: testAuditKey,
			cps: []billing.AuditCheckpoint{cp4}, headSeq: 6, seq: 4, entryID: entries[3].ID, reason: "checkpoint"},
		"Deleted": {entries: append(append([]billing.AuditEntry(nil), entries[:2]...), entries[3:]...), key: testAuditKey,
			headSeq: 6, headHash: head.Hash, seq: 3, reason: "missing"},
		"Reordered": {entries: []billing.AuditEntry{entries[0], entries[2], entries[1]}, key: testAuditKey, seq: 2, reason: "missing"},
		"ReorderedAndRenumbered": {entries: func() []billing.AuditEntry {
			r := append([]billing.AuditEntry(nil), entries[:3]...)
			r[1], r[2] = r[2], r[1]
			r[1].Seq, r[2].Seq = 2, 3
			return r
		}(), key: testAuditKey, seq: 2, entryID: entries[2].ID, reason: "prev_hash"},
		"TruncatedWithTheHead": {entries: entries[:3], key: testAuditKey, cps: []billing.AuditCheckpoint{cp4},
			headSeq: 3, headHash: entries[2].Hash, seq: 4, reason: "truncated"},
		"ForgedCheckpoint": {entries: entries, key: testAuditKey, cps: []billing.AuditCheckpoint{func() billing.AuditCheckpoint {
			c := cp4
			c.Head = "f00d"
			return c
		}()}, headSeq: 6, headHash: head.Hash, seq: 4, reason: "signature"},
		"NoKey": {entries: entries, key: nil, headSeq: 6, headHash: head.Hash, seq: 1, entryID: entries[0].ID, reason: "no audit key"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			hh := tc.headHash
			if hh == "" && len(tc.entries) > 0 {
				hh = tc.entries[len(tc.entries)-1].Hash
			}
			brk, _ := verifyWith(tc.key, tc.cps, tc.entries, tc.headSeq, hh)
			if tc.seq == 0 {
				require.Nil(t, brk)
				return
			}
			require.NotNil(t, brk)
			require.Equal(t, tc.seq, brk.Seq, "%+v", brk)
			require.Equal(t, tc.entryID, brk.EntryID, "%+v", brk)
			require.Contains(t, brk.Reason, tc.reason)
		})
	}
}

func TestAuditCheckpoint(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := billing.SignAuditCheckpoint(testAuditKey, "mch_1", 7, "abc", at)
	require.Equal(t, billing.SealHMAC, c.Seal)
	require.Equal(t, testAuditKey.ID(), c.KeyID)
	require.Len(t, c.KeyID, 16)
	require.Empty(t, billing.CheckAuditCheckpoint(testAuditKey, c))

	u := billing.SignAuditCheckpoint(nil, "mch_1", 7, "abc", at)
	require.Equal(t, billing.SealUnkeyed, u.Seal)
	require.Empty(t, u.KeyID)
	require.Empty(t, billing.CheckAuditCheckpoint(nil, u))
	require.Empty(t, billing.CheckAuditCheckpoint(testAuditKey, u), "an unkeyed checkpoint checks with or without a key")

	mutations := map[string]func(c *billing.AuditCheckpoint){
		"Merchant": func(c *billing.AuditCheckpoint) { c.MerchantID = "mch_2" },
		"Seq":      func(c *billing.AuditCheckpoint) { c.Seq++ },
		"Head":     func(c *billing.AuditCheckpoint) { c.Head = "abd" },
		"Created":  func(c *billing.AuditCheckpoint) { c.Created = c.Created.Add(time.Second) },
		"KeyID":    func(c *billing.AuditCheckpoint) { c.KeyID = "0000000000000000" },
		"Seal":     func(c *billing.AuditCheckpoint) { c.Seal = billing.SealUnkeyed },
	}
	for name, mutate := range mutations {
		d := c
		mutate(&d)
		require.NotEmpty(t, billing.CheckAuditCheckpoint(testAuditKey, d), name)
	}
	require.Contains(t, billing.CheckAuditCheckpoint(nil, c), "no key is configured")
	require.Contains(t, billing.CheckAuditCheckpoint(billing.AuditKey("another key......................"), c), "not with this key")

	// Its JSON form (cuota audit checkpoint) round-trips.
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var back billing.AuditCheckpoint
	require.NoError(t, json.Unmarshal(b, &back))
	require.Empty(t, billing.CheckAuditCheckpoint(testAuditKey, back))
}

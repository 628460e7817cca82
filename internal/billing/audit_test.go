package billing_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// chain builds n sealed entries of one merchant.
func chain(n int) []billing.AuditEntry {
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var out []billing.AuditEntry
	prev := ""
	for i := 1; i <= n; i++ {
		e := billing.AuditEntry{
			ID:         "audit_" + strconv.Itoa(i),
			MerchantID: "mch_1",
			Seq:        int64(i),
			Mode:       billing.ModeTest,
			Actor:      "api_key:key_1",
			Action:     "product.update",
			ObjectType: "product",
			ObjectID:   "prod_1",
			Before:     json.RawMessage(`{"name":"v` + strconv.Itoa(i-1) + `"}`),
			After:      json.RawMessage(`{"name":"v` + strconv.Itoa(i) + `"}`),
			RequestID:  "req_" + strconv.Itoa(i),
			ClientIP:   "127.0.0.1",
			Created:    created.Add(time.Duration(i) * time.Second),
			PrevHash:   prev,
		}
		e.Hash = billing.AuditHash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

// verify feeds entries to a verifier and then checks the end against the
// given head; it returns the first break.
func verify(entries []billing.AuditEntry, headSeq int64, headHash string) (*billing.AuditBreak, int64) {
	var v billing.AuditVerifier
	for _, e := range entries {
		if brk := v.Next(e); brk != nil {
			return brk, v.Count()
		}
	}
	return v.End(headSeq, headHash), v.Count()
}

func TestAuditHash(t *testing.T) {
	t.Parallel()
	base := chain(2)[1]
	h := billing.AuditHash(base)
	require.Len(t, h, 64)
	require.Equal(t, h, billing.AuditHash(base), "deterministic")

	other := base
	other.Hash = "anything"
	require.Equal(t, h, billing.AuditHash(other), "the hash does not cover itself")

	// Every other field is covered.
	mutations := map[string]func(e *billing.AuditEntry){
		"PrevHash":   func(e *billing.AuditEntry) { e.PrevHash += "0" },
		"ID":         func(e *billing.AuditEntry) { e.ID = "audit_x" },
		"MerchantID": func(e *billing.AuditEntry) { e.MerchantID = "mch_2" },
		"Seq":        func(e *billing.AuditEntry) { e.Seq++ },
		"Mode":       func(e *billing.AuditEntry) { e.Mode = billing.ModeLive },
		"ModeEmpty":  func(e *billing.AuditEntry) { e.Mode = "" },
		"Actor":      func(e *billing.AuditEntry) { e.Actor = "cli" },
		"Action":     func(e *billing.AuditEntry) { e.Action = "product.create" },
		"ObjectType": func(e *billing.AuditEntry) { e.ObjectType = "price" },
		"ObjectID":   func(e *billing.AuditEntry) { e.ObjectID = "prod_2" },
		"Before":     func(e *billing.AuditEntry) { e.Before = json.RawMessage(`{"name":"x"}`) },
		"BeforeNull": func(e *billing.AuditEntry) { e.Before = json.RawMessage(`null`) },
		"After":      func(e *billing.AuditEntry) { e.After = json.RawMessage(`{"name":"y"}`) },
		"RequestID":  func(e *billing.AuditEntry) { e.RequestID = "req_other" },
		"ClientIP":   func(e *billing.AuditEntry) { e.ClientIP = "10.0.0.1" },
		"Created":    func(e *billing.AuditEntry) { e.Created = e.Created.Add(time.Microsecond) },
	}
	seen := map[string]string{h: "original"}
	for name, mutate := range mutations {
		e := base
		mutate(&e)
		got := billing.AuditHash(e)
		require.NotEqual(t, h, got, "changing %s must change the hash", name)
		require.NotContains(t, seen, got, "%s collides with %s", name, seen[got])
		seen[got] = name
	}

	// Fields are length-prefixed: moving a boundary changes the hash.
	a, b := base, base
	a.ObjectType, a.ObjectID = "product", "prod_1"
	b.ObjectType, b.ObjectID = "productprod", "_1"
	require.NotEqual(t, billing.AuditHash(a), billing.AuditHash(b))

	// Empty JSON counts as null, as the stores write it.
	a, b = base, base
	a.Before, b.Before = nil, json.RawMessage("null")
	require.Equal(t, billing.AuditHash(a), billing.AuditHash(b))

	// The time is hashed in UTC: the same instant in another zone agrees.
	a = base
	a.Created = base.Created.In(time.FixedZone("CLT", -3*3600))
	require.Equal(t, h, billing.AuditHash(a))
}

func TestAuditVerifier(t *testing.T) {
	t.Parallel()
	entries := chain(5)
	head := entries[len(entries)-1]

	t.Run("Valid", func(t *testing.T) {
		t.Parallel()
		brk, n := verify(entries, head.Seq, head.Hash)
		require.Nil(t, brk)
		require.EqualValues(t, 5, n)
	})

	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		brk, n := verify(nil, 0, "")
		require.Nil(t, brk)
		require.Zero(t, n)
	})

	t.Run("ModifiedEntry", func(t *testing.T) {
		t.Parallel()
		tampered := append([]billing.AuditEntry(nil), entries...)
		tampered[2].After = json.RawMessage(`{"name":"forged"}`)
		brk, n := verify(tampered, head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 3, brk.Seq)
		require.Equal(t, tampered[2].ID, brk.EntryID)
		require.Contains(t, brk.Reason, "hash")
		require.EqualValues(t, 2, n, "entries before the break verified")
	})

	t.Run("ModifiedAndResealedEntry", func(t *testing.T) {
		t.Parallel()
		// Recomputing the tampered entry's hash breaks the next link.
		tampered := append([]billing.AuditEntry(nil), entries...)
		tampered[2].Actor = "someone else"
		tampered[2].Hash = billing.AuditHash(tampered[2])
		brk, _ := verify(tampered, head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 4, brk.Seq)
		require.Equal(t, tampered[3].ID, brk.EntryID)
		require.Contains(t, brk.Reason, "prev_hash")
	})

	t.Run("MissingMiddleEntry", func(t *testing.T) {
		t.Parallel()
		gap := append(append([]billing.AuditEntry(nil), entries[:2]...), entries[3:]...)
		brk, n := verify(gap, head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 3, brk.Seq)
		require.Empty(t, brk.EntryID, "the missing entry has no id")
		require.Contains(t, brk.Reason, "missing")
		require.EqualValues(t, 2, n)
	})

	t.Run("MissingFirstEntry", func(t *testing.T) {
		t.Parallel()
		brk, _ := verify(entries[1:], head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 1, brk.Seq)
	})

	t.Run("WrongPrevHash", func(t *testing.T) {
		t.Parallel()
		tampered := append([]billing.AuditEntry(nil), entries...)
		tampered[1].PrevHash = entries[2].Hash
		tampered[1].Hash = billing.AuditHash(tampered[1]) // sealed, but linked wrongly
		brk, _ := verify(tampered, head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 2, brk.Seq)
		require.Equal(t, entries[1].ID, brk.EntryID)
		require.Contains(t, brk.Reason, "prev_hash")

		first := append([]billing.AuditEntry(nil), entries...)
		first[0].PrevHash = "deadbeef"
		first[0].Hash = billing.AuditHash(first[0])
		brk, _ = verify(first, head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 1, brk.Seq, "the first entry must have no prev_hash")
	})

	t.Run("DuplicateEntry", func(t *testing.T) {
		t.Parallel()
		dup := append(append([]billing.AuditEntry(nil), entries[:3]...), entries[2:]...)
		brk, _ := verify(dup, head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 4, brk.Seq)
	})

	t.Run("TruncatedTail", func(t *testing.T) {
		t.Parallel()
		// The newest two entries were deleted; the head still says 5.
		brk, n := verify(entries[:3], head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 4, brk.Seq)
		require.Empty(t, brk.EntryID)
		require.Contains(t, brk.Reason, "head")
		require.EqualValues(t, 3, n)

		// Everything deleted.
		brk, _ = verify(nil, head.Seq, head.Hash)
		require.NotNil(t, brk)
		require.EqualValues(t, 1, brk.Seq)
	})

	t.Run("HeadMismatch", func(t *testing.T) {
		t.Parallel()
		// Same length, but the head's hash is not the last entry's.
		brk, _ := verify(entries, head.Seq, entries[3].Hash)
		require.NotNil(t, brk)
		// A head behind the chain is a break too.
		brk, _ = verify(entries, head.Seq-1, entries[3].Hash)
		require.NotNil(t, brk)
	})
}

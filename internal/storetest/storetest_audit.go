package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func exerciseAudit(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("AppendLockAndList", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		// A create (Before nil), updates, a delete (After nil). The JSON is
		// deliberately unsorted and spaced: it must come back byte for byte.
		var entries []billing.AuditEntry
		prev := ""
		for seq := int64(1); seq <= 5; seq++ {
			e := buildAuditEntry(b.merchantA.ID, seq, prev, b.clock.next())
			switch seq {
			case 1:
				e.Before = nil
			case 4:
				e.Mode = billing.ModeLive
			case 5:
				e.After = nil
			}
			entries = append(entries, e)
			prev = e.Hash
		}

		tx := begin(t, b.store)
		appendAudit(t, tx.Tx, entries[0])
		tx.commit(t)

		tx = begin(t, b.store)
		seq, hash, err := tx.Audit.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), seq)
		require.Equal(t, "h1", hash)
		require.NoError(t, tx.Audit.InsertAuditEntry(ctx, entries[1]))
		tx.commit(t)

		// Several entries in one transaction.
		tx = begin(t, b.store)
		for _, e := range entries[2:] {
			appendAudit(t, tx.Tx, e)
		}
		tx.commit(t)

		want := slices.Clone(entries)
		want[0].Before = json.RawMessage("null")
		want[4].After = json.RawMessage("null")

		tx = begin(t, b.store)
		seq, hash, err = tx.Audit.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(5), seq)
		require.Equal(t, "h5", hash)

		got, err := tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.Equal(t, `{"b":1,"a":2}`, string(got[1].Before), "JSON bytes are kept as given")
		require.Equal(t, `{ "name": "Plan  Pro",  "features": {"z": 1, "a": 2} }`, string(got[1].After))

		got, err = tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 2, 2)
		require.NoError(t, err)
		require.Equal(t, want[2:4], got)

		got, err = tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 1)
		require.NoError(t, err)
		require.Equal(t, want[:1], got)

		got, err = tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 4, 100)
		require.NoError(t, err)
		require.Equal(t, want[4:], got)

		got, err = tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 5, 100)
		require.NoError(t, err)
		require.Empty(t, got)
		tx.commit(t)
	})

	t.Run("ListByObject", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		// Unsealed entries (seq 0) about two objects, in both modes and of
		// another merchant: an object's list is its scope's entries about
		// it, sealed or not, newest first, at most the limit.
		entry := func(merchantID string, mode billing.Mode, objectID string) billing.AuditEntry {
			e := buildAuditEntry(merchantID, 0, "", b.clock.next())
			e.Mode, e.ObjectID, e.Hash = mode, objectID, ""
			return e
		}
		mine := []billing.AuditEntry{entry(b.merchantA.ID, billing.ModeTest, "cus_1"), entry(b.merchantA.ID, billing.ModeTest, "sub_1"),
			entry(b.merchantA.ID, billing.ModeTest, "cus_1"), entry(b.merchantA.ID, billing.ModeLive, "cus_1"),
			entry(b.merchantB.ID, billing.ModeTest, "cus_1"), entry(b.merchantA.ID, billing.ModeTest, "cus_1")}
		tx := begin(t, b.store)
		for _, e := range mine {
			require.NoError(t, tx.Audit.InsertAuditEntry(ctx, e))
		}
		tx.commit(t)

		ids := func(l []billing.AuditEntry) []string {
			var out []string
			for _, e := range l {
				out = append(out, e.ID)
			}
			return out
		}
		tx = begin(t, b.store)
		s := billing.Scope{MerchantID: b.merchantA.ID, Mode: billing.ModeTest}
		got, err := tx.Audit.ListObjectAuditEntries(ctx, s, "cus_1", 10)
		require.NoError(t, err)
		require.Equal(t, []string{mine[5].ID, mine[2].ID, mine[0].ID}, ids(got))
		require.Equal(t, "product.update", got[0].Action)
		got, err = tx.Audit.ListObjectAuditEntries(ctx, s, "cus_1", 2)
		require.NoError(t, err)
		require.Equal(t, []string{mine[5].ID, mine[2].ID}, ids(got))
		got, err = tx.Audit.ListObjectAuditEntries(ctx, billing.Scope{MerchantID: b.merchantA.ID, Mode: billing.ModeLive}, "cus_1", 10)
		require.NoError(t, err)
		require.Equal(t, []string{mine[3].ID}, ids(got))
		got, err = tx.Audit.ListObjectAuditEntries(ctx, s, "cus_2", 10)
		require.NoError(t, err)
		require.Empty(t, got)
		tx.commit(t)
	})

	t.Run("RejectsEntryNotFollowingHead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		first := buildAuditEntry(b.merchantA.ID, 1, "", b.clock.next())
		tx := begin(t, b.store)
		appendAudit(t, tx.Tx, first)
		tx.commit(t)

		// (Seq 0 is not a sealed entry: it appends unsealed, see
		// exerciseAuditSealing.)
		for _, seq := range []int64{1, 3} {
			tx = begin(t, b.store)
			head, _, err := tx.Audit.LockAuditHead(ctx, b.merchantA.ID)
			require.NoError(t, err)
			require.Equal(t, int64(1), head)
			e := buildAuditEntry(b.merchantA.ID, seq, first.Hash, b.clock.next())
			require.Error(t, tx.Audit.InsertAuditEntry(ctx, e), "an entry with seq %d after head 1 is rejected", seq)
			tx.rollback(t)
		}

		tx = begin(t, b.store)
		seq, hash, err := tx.Audit.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), seq)
		require.Equal(t, first.Hash, hash)
		got, err := tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{first}, got)
		tx.commit(t)
	})

	t.Run("ListByMode", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		// One chain holds test, live and mode-less (merchant) entries.
		var chain []billing.AuditEntry
		for i, mode := range []billing.Mode{"", billing.ModeTest, billing.ModeLive, billing.ModeTest, billing.ModeLive} {
			prev := ""
			if i > 0 {
				prev = chain[i-1].Hash
			}
			e := buildAuditEntry(b.merchantA.ID, int64(i+1), prev, b.clock.next())
			e.Mode = mode
			chain = append(chain, e)
		}
		tx := begin(t, b.store)
		for _, e := range chain {
			appendAudit(t, tx.Tx, e)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, billing.ModeTest, 0, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{chain[0], chain[1], chain[3]}, got, "test mode sees its entries and the mode-less ones")
		got, err = tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, billing.ModeLive, 1, 1)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{chain[2]}, got, "after_seq and limit apply after the mode filter")
		got, err = tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, chain, got, "no mode: the whole chain")
		tx.commit(t)
	})

	t.Run("ChainsArePerMerchant", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		a1 := buildAuditEntry(b.merchantA.ID, 1, "", b.clock.next())
		a1.Hash = "a1"
		a2 := buildAuditEntry(b.merchantA.ID, 2, a1.Hash, b.clock.next())
		a2.Hash = "a2"
		b1 := buildAuditEntry(b.merchantB.ID, 1, "", b.clock.next())
		b1.Hash = "b1"

		tx := begin(t, b.store)
		appendAudit(t, tx.Tx, a1)
		appendAudit(t, tx.Tx, a2)
		tx.commit(t)

		tx = begin(t, b.store)
		appendAudit(t, tx.Tx, b1) // B's chain starts at 0 whatever A holds
		tx.commit(t)

		tx = begin(t, b.store)
		seq, hash, err := tx.Audit.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(2), seq)
		require.Equal(t, "a2", hash)
		seq, hash, err = tx.Audit.LockAuditHead(ctx, b.merchantB.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), seq)
		require.Equal(t, "b1", hash)

		got, err := tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{a1, a2}, got)
		got, err = tx.Audit.ListAuditEntries(ctx, b.merchantB.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditEntry{b1}, got)
		tx.commit(t)
	})
}

// appendAudit locks the merchant's audit head, checks that e follows it and
// inserts e.
func appendAudit(t *testing.T, tx billing.Tx, e billing.AuditEntry) {
	t.Helper()

	seq, hash, err := tx.Audit.LockAuditHead(t.Context(), e.MerchantID)
	require.NoError(t, err)
	require.Equal(t, e.Seq-1, seq, "audit head seq")
	require.Equal(t, e.PrevHash, hash, "audit head hash")
	require.NoError(t, tx.Audit.InsertAuditEntry(t.Context(), e))
}

// buildAuditEntry returns entry seq of merchantID's chain, following
// prevHash, with hash "h<seq>".
func buildAuditEntry(merchantID string, seq int64, prevHash string, at time.Time) billing.AuditEntry {
	return billing.AuditEntry{
		ID:         billing.NewID(billing.PrefixAuditEntry, at),
		MerchantID: merchantID,
		Seq:        seq,
		Mode:       billing.ModeTest,
		Actor:      "api_key:key_0123456789",
		Action:     "product.update",
		ObjectType: "product",
		ObjectID:   "prod_0123456789",
		Before:     json.RawMessage(`{"b":1,"a":2}`),
		After:      json.RawMessage(`{ "name": "Plan  Pro",  "features": {"z": 1, "a": 2} }`),
		RequestID:  fmt.Sprintf("req_%d", seq),
		ClientIP:   "2001:db8::7",
		Created:    at,
		PrevHash:   prevHash,
		Hash:       fmt.Sprintf("h%d", seq),
	}
}

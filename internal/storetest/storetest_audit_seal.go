package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseAuditSealing checks the sealer's storage: unsealed appends that
// take no lock, pending entries in commit order, sealing under the head,
// and checkpoints.
func exerciseAuditSealing(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("AppendUnsealedThenSeal", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		key := billing.AuditKey("0123456789abcdef0123456789abcdef")

		// Three requests append without touching the head, one per
		// transaction, in this commit order.
		var appended []billing.AuditEntry
		for i := range 3 {
			e := buildAuditEntry(b.merchantA.ID, 0, "", b.clock.next())
			e.Hash, e.RequestID = "", "req_pending_"+string(rune('a'+i))
			tx := begin(t, b.store)
			require.NoError(t, tx.Audit.InsertAuditEntry(ctx, e))
			tx.commit(t)
			appended = append(appended, e)
		}

		tx, pending := beginWithPending(t, b.store, b.merchantA.ID, 3)
		got, err := tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Empty(t, got, "unsealed entries are not in the chain")
		ids, err := tx.Audit.PendingAuditMerchants(ctx)
		require.NoError(t, err)
		require.Contains(t, ids, b.merchantA.ID)
		require.NotContains(t, ids, b.merchantB.ID)
		n, err := tx.Audit.CountPendingAuditEntries(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.EqualValues(t, 3, n)
		for i, p := range pending {
			require.Equal(t, appended[i].ID, p.ID, "commit order")
			require.Zero(t, p.Seq)
			require.JSONEq(t, string(appended[i].After), string(p.After))
			require.Equal(t, string(appended[i].After), string(p.After), "snapshots byte for byte")
		}
		first, err := tx.Audit.PendingAuditEntries(ctx, b.merchantA.ID, 1)
		require.NoError(t, err)
		require.Equal(t, pending[:1], first, "limit")

		// Sealing under the head: the head moves, the entries join the
		// chain and are pending no more.
		seq, hash, err := tx.Audit.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		sealed := billing.SealAuditEntries(key, seq, hash, pending)
		require.NoError(t, tx.Audit.SealAuditEntries(ctx, sealed))
		cp := billing.SignAuditCheckpoint(key, b.merchantA.ID, 3, sealed[2].Hash, b.clock.next())
		require.NoError(t, tx.Audit.InsertAuditCheckpoint(ctx, cp))
		tx.commit(t)

		tx = begin(t, b.store)
		seq, hash, err = tx.Audit.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.EqualValues(t, 3, seq)
		require.Equal(t, sealed[2].Hash, hash)
		got, err = tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 100)
		require.NoError(t, err)
		require.Equal(t, sealed, got, "sealed entries round-trip with their seal")
		var v billing.AuditVerifier
		v.Key = key
		for _, e := range got {
			require.Nil(t, v.Next(e))
		}
		n, err = tx.Audit.CountPendingAuditEntries(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Zero(t, n)
		ids, err = tx.Audit.PendingAuditMerchants(ctx)
		require.NoError(t, err)
		require.NotContains(t, ids, b.merchantA.ID)

		// Checkpoints: one per seq, the first kept.
		require.NoError(t, tx.Audit.InsertAuditCheckpoint(ctx, billing.SignAuditCheckpoint(key, b.merchantA.ID, 3, "other", b.clock.next())))
		cp1 := billing.SignAuditCheckpoint(key, b.merchantA.ID, 1, sealed[0].Hash, b.clock.next())
		require.NoError(t, tx.Audit.InsertAuditCheckpoint(ctx, cp1))
		cps, err := tx.Audit.ListAuditCheckpoints(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.AuditCheckpoint{cp1, cp}, cps)
		for _, c := range cps {
			require.Empty(t, billing.CheckAuditCheckpoint(key, c))
		}
		cps, err = tx.Audit.ListAuditCheckpoints(ctx, b.merchantB.ID)
		require.NoError(t, err)
		require.Empty(t, cps)
		tx.commit(t)

		// An entry is sealed once.
		tx = begin(t, b.store)
		require.Error(t, tx.Audit.SealAuditEntries(ctx, billing.SealAuditEntries(key, 3, sealed[2].Hash, pending[:1])))
		tx.rollback(t)
	})

	t.Run("SealRequiresTheHead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		e := buildAuditEntry(b.merchantA.ID, 0, "", b.clock.next())
		tx := begin(t, b.store)
		require.NoError(t, tx.Audit.InsertAuditEntry(ctx, e))
		tx.commit(t)

		tx, pending := beginWithPending(t, b.store, b.merchantA.ID, 1)
		// Sealed as if the head were at 5: the head is at 0, so nothing moves.
		require.Error(t, tx.Audit.SealAuditEntries(ctx, billing.SealAuditEntries(nil, 5, "x", pending)))
		tx.rollback(t)
	})
}

// beginWithPending begins a transaction in which merchantID's pending
// entries number want and returns it with them. A store may hold entries
// back while older transactions are still running elsewhere (Postgres, as
// for events), so it begins again, each time after a round trip, until the
// deadline.
func beginWithPending(t *testing.T, store Store, merchantID string, want int) (*testTx, []billing.AuditEntry) {
	t.Helper()

	deadline := time.Now().Add(txTimeout)
	for {
		tx := begin(t, store)
		pending, err := tx.Audit.PendingAuditEntries(t.Context(), merchantID, 100)
		require.NoError(t, err)
		if len(pending) >= want || time.Now().After(deadline) {
			require.Len(t, pending, want, "pending audit entries")
			return tx, pending
		}
		tx.rollback(t)
	}
}

package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cuota/cuota/internal/billing"
)

// auditBatch is how many entries verification reads, and the sealer seals,
// at a time.
const auditBatch = 500

// AuditCheckpointEvery is how many sealed entries of a merchant lie at most
// between two checkpoints the sealer writes: it writes one whenever a
// merchant's chain passes a multiple of it.
const AuditCheckpointEvery = 1000

// ListAuditEntries returns a merchant's sealed audit entries with Seq >
// afterSeq, oldest first, at most limit (1–100) of them, keeping only those
// of mode (entries without a mode, such as merchant creation, are shown in
// both). The merchant's committed entries are sealed first, so that the log
// is not behind the merchant's own writes (on PostgreSQL, entries of
// transactions that started before a still-running one wait for it).
func (a *Merchants) ListAuditEntries(ctx context.Context, s billing.Scope, afterSeq int64, limit int) (List[billing.AuditEntry], error) {
	var out List[billing.AuditEntry]
	if limit == 0 {
		limit = 10
	}
	if limit < 1 || limit > 100 {
		return out, billing.Invalid("limit", billing.CodeParameterInvalid, "limit must be between 1 and 100")
	}
	if afterSeq < 0 {
		return out, billing.Invalid("after_seq", billing.CodeParameterInvalid, "after_seq must not be negative")
	}
	if _, err := a.SealMerchantAudit(ctx, s.MerchantID); err != nil {
		// The log is still worth reading; the periodic sealer retries.
		a.logger.ErrorContext(ctx, "sealing the audit log before listing it failed", "merchant", s.MerchantID, "error", err)
	}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		out.Data, err = tx.Audit.ListAuditEntries(ctx, s.MerchantID, s.Mode, afterSeq, limit+1)
		if err != nil {
			return fmt.Errorf("list audit entries: %w", err)
		}
		return nil
	})
	if len(out.Data) > limit {
		out.Data, out.HasMore = out.Data[:limit], true
	}
	return out, err
}

// ListObjectAudit returns the newest audit entries (at most limit, 1–100)
// of scope s about one object, sealed or not yet: what was done to it, by
// whom and when, for a page that shows an object's history.
func (a *Merchants) ListObjectAudit(ctx context.Context, s billing.Scope, objectID string, limit int) ([]billing.AuditEntry, error) {
	if limit < 1 || limit > 100 {
		return nil, billing.Invalid("limit", billing.CodeParameterInvalid, "limit must be between 1 and 100")
	}
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.AuditEntry, error) {
		l, err := tx.Audit.ListObjectAuditEntries(ctx, s, objectID, limit)
		if err != nil {
			return nil, fmt.Errorf("list audit entries of %s: %w", objectID, err)
		}
		return l, nil
	})
}

// ListObjectsAudit returns the newest limit audit entries (1 to 100) of
// any of objectIDs (at most maxBatchIDs), newest first, in one read: a
// customer's timeline.
func (a *Merchants) ListObjectsAudit(ctx context.Context, s billing.Scope, objectIDs []string, limit int) ([]billing.AuditEntry, error) {
	if err := checkBatch(objectIDs, limit); err != nil {
		return nil, err
	}
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.AuditEntry, error) {
		l, err := tx.Audit.ListObjectsAuditEntries(ctx, s, objectIDs, limit)
		if err != nil {
			return nil, fmt.Errorf("list audit entries of %d objects: %w", len(objectIDs), err)
		}
		return l, nil
	})
}

// SealAuditLog is the sealer: for every merchant with unsealed entries it
// chains the committed ones in commit order under the audit key and writes
// checkpoints (see SealMerchantAudit). It returns how many entries it
// sealed. A merchant that fails is logged and left for the next run.
func (a *Merchants) SealAuditLog(ctx context.Context) (int, error) {
	ids, err := read(ctx, a.core, func(tx billing.Tx) ([]string, error) { return tx.Audit.PendingAuditMerchants(ctx) })
	if err != nil {
		return 0, fmt.Errorf("seal audit log: %w", err)
	}
	total := 0
	var errs []error
	for _, id := range ids {
		n, err := a.SealMerchantAudit(ctx, id)
		total += n
		if err != nil {
			if ctx.Err() != nil {
				return total, err
			}
			a.logger.ErrorContext(ctx, "sealing the audit log failed; will retry", "merchant", id, "error", err)
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// SealMerchantAudit seals one merchant's committed unsealed entries, a
// batch per transaction under the merchant's locked head (only sealers take
// it), in the order the store returns them (commit order, as the event
// dispatcher reads events), and writes a checkpoint whenever the chain
// passes a multiple of AuditCheckpointEvery. It returns how many it sealed.
func (a *Merchants) SealMerchantAudit(ctx context.Context, merchantID string) (int, error) {
	total := 0
	for {
		n := 0
		err := a.store.InTx(ctx, func(tx billing.Tx) error {
			n = 0
			// The head first: under its lock no other sealer can seal
			// what this one reads.
			seq, head, err := tx.Audit.LockAuditHead(ctx, merchantID)
			if err != nil {
				return notFound(err, "merchant", merchantID)
			}
			pending, err := tx.Audit.PendingAuditEntries(ctx, merchantID, auditBatch)
			if err != nil || len(pending) == 0 {
				return err
			}
			sealed := billing.SealAuditEntries(a.auditKey, seq, head, pending)
			if err := tx.Audit.SealAuditEntries(ctx, sealed); err != nil {
				return fmt.Errorf("seal audit entries: %w", err)
			}
			n = len(sealed)
			last := sealed[n-1]
			if seq/AuditCheckpointEvery != last.Seq/AuditCheckpointEvery {
				c := billing.SignAuditCheckpoint(a.auditKey, merchantID, last.Seq, last.Hash, a.Now())
				if err := tx.Audit.InsertAuditCheckpoint(ctx, c); err != nil {
					return fmt.Errorf("write audit checkpoint: %w", err)
				}
			}
			return nil
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("seal audit log of %s: %w", merchantID, err)
		}
		if n < auditBatch {
			return total, nil
		}
	}
}

// CheckpointAudit seals the merchant's committed entries, writes a signed
// checkpoint of its chain's head (unless one is there already) and returns
// the latest checkpoint, for safekeeping outside the database. A chain
// with no sealed entry has no checkpoint: ok is false.
func (a *Merchants) CheckpointAudit(ctx context.Context, merchantID string) (c billing.AuditCheckpoint, ok bool, err error) {
	if _, err := a.SealMerchantAudit(ctx, merchantID); err != nil {
		return c, false, err
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		seq, head, err := tx.Audit.LockAuditHead(ctx, merchantID)
		if err != nil {
			return notFound(err, "merchant", merchantID)
		}
		if seq == 0 {
			return nil
		}
		if err := tx.Audit.InsertAuditCheckpoint(ctx, billing.SignAuditCheckpoint(a.auditKey, merchantID, seq, head, a.Now())); err != nil {
			return fmt.Errorf("write audit checkpoint: %w", err)
		}
		cps, err := tx.Audit.ListAuditCheckpoints(ctx, merchantID)
		if err != nil {
			return fmt.Errorf("read audit checkpoints: %w", err)
		}
		c, ok = cps[len(cps)-1], true
		return nil
	})
	return c, ok, err
}

// AuditReport is the outcome of verifying one merchant's chain.
type AuditReport struct {
	// Break is the first place the chain does not verify; nil when it does.
	Break *billing.AuditBreak
	// Verified is how many sealed entries verified before any break.
	Verified int64
	// Sealed counts the verified entries by seal (billing.SealHMAC,
	// billing.SealUnkeyed, "" for those sealed before keyed sealing).
	Sealed map[string]int64
	// Pending is how many committed entries await the sealer: not broken,
	// just not chained yet.
	Pending int64
	// Checkpoints is how many checkpoints verified; Latest is the newest
	// one stored (zero Seq when none).
	Checkpoints int
	Latest      billing.AuditCheckpoint
	// Keyed says whether an audit key is configured; KeyID names it.
	Keyed bool
	KeyID string
}

// VerifyAuditChain checks one merchant's whole chain and returns the first
// break, or nil when it verifies, and how many entries it checked.
func (a *Merchants) VerifyAuditChain(ctx context.Context, merchantID string) (*billing.AuditBreak, int64, error) {
	r, err := a.VerifyAudit(ctx, merchantID, nil)
	return r.Break, r.Verified, err
}

// VerifyAudit checks one merchant's sealed chain under the audit key, with
// its stored checkpoints and the given ones (kept outside the database),
// and counts the entries not sealed yet.
func (a *Merchants) VerifyAudit(ctx context.Context, merchantID string, extra []billing.AuditCheckpoint) (AuditReport, error) {
	v := billing.AuditVerifier{Key: a.auditKey}
	r := AuditReport{Keyed: a.auditKey.Keyed(), KeyID: a.auditKey.ID()}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		headSeq, headHash, err := tx.Audit.LockAuditHead(ctx, merchantID)
		if err != nil {
			return notFound(err, "merchant", merchantID)
		}
		stored, err := tx.Audit.ListAuditCheckpoints(ctx, merchantID)
		if err != nil {
			return fmt.Errorf("list audit checkpoints: %w", err)
		}
		if len(stored) > 0 {
			r.Latest = stored[len(stored)-1]
		}
		v.Checkpoints = mergeCheckpoints(stored, extra, merchantID)
		if r.Pending, err = tx.Audit.CountPendingAuditEntries(ctx, merchantID); err != nil {
			return fmt.Errorf("count unsealed audit entries: %w", err)
		}
		after := int64(0)
		for {
			batch, err := tx.Audit.ListAuditEntries(ctx, merchantID, "", after, auditBatch)
			if err != nil {
				return fmt.Errorf("list audit entries: %w", err)
			}
			for _, e := range batch {
				if r.Break = v.Next(e); r.Break != nil {
					return nil
				}
				after = e.Seq
			}
			if len(batch) < auditBatch {
				break
			}
		}
		r.Break = v.End(headSeq, headHash)
		return nil
	})
	r.Verified, r.Sealed, r.Checkpoints = v.Count(), v.Sealed(), v.CheckpointsChecked()
	return r, err
}

// mergeCheckpoints returns merchantID's checkpoints of stored and extra by
// Seq, each once (an extra copy of a stored checkpoint counts once; one
// that differs is kept, so that the verifier checks both).
func mergeCheckpoints(stored, extra []billing.AuditCheckpoint, merchantID string) []billing.AuditCheckpoint {
	out := slices.Clone(stored)
	for _, c := range extra {
		if c.MerchantID == merchantID && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(x, y billing.AuditCheckpoint) int { return int(x.Seq - y.Seq) })
	return out
}

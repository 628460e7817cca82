package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// auditBatch is how many entries verification reads at a time.
const auditBatch = 500

// ListAuditEntries returns a merchant's audit entries with Seq > afterSeq,
// oldest first, at most limit (1–100) of them, keeping only those of mode
// (entries without a mode, such as merchant creation, are shown in both).
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

// VerifyAuditChain checks one merchant's whole chain and returns the first
// break, or nil when it verifies, and how many entries it checked.
func (a *Merchants) VerifyAuditChain(ctx context.Context, merchantID string) (*billing.AuditBreak, int64, error) {
	var v billing.AuditVerifier
	var brk *billing.AuditBreak
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		headSeq, headHash, err := tx.Audit.LockAuditHead(ctx, merchantID)
		if err != nil {
			return notFound(err, "merchant", merchantID)
		}
		after := int64(0)
		for {
			batch, err := tx.Audit.ListAuditEntries(ctx, merchantID, "", after, auditBatch)
			if err != nil {
				return fmt.Errorf("list audit entries: %w", err)
			}
			for _, e := range batch {
				if brk = v.Next(e); brk != nil {
					return nil
				}
				after = e.Seq
			}
			if len(batch) < auditBatch {
				break
			}
		}
		brk = v.End(headSeq, headHash)
		return nil
	})
	return brk, v.Count(), err
}

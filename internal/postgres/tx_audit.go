package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/auditdb"
)

// auditTx is the billing.AuditTx of one transaction.
type auditTx struct{ *base }

var _ billing.AuditTx = auditTx{}

// errHeadMoved reports an audit entry that does not follow the chain's head.
var errHeadMoved = errors.New("audit chain head moved")

// LockAuditHead locks the merchant's audit chain head row until the
// transaction ends (the query is an UPDATE … RETURNING) and returns the
// sequence number and hash of the last entry. A merchant without a head
// gives billing.ErrNotFound.
func (t auditTx) LockAuditHead(ctx context.Context, merchantID string) (int64, string, error) {
	row, err := t.audit.LockAuditHead(ctx, merchantID)
	if err != nil {
		return 0, "", dbError("lock audit head of merchant "+merchantID, err)
	}
	return row.Seq, row.Hash, nil
}

// InsertAuditEntry appends e and moves the head to it. If e.Seq does not
// follow the head, nothing is written and the error says the head moved.
func (t auditTx) InsertAuditEntry(ctx context.Context, e billing.AuditEntry) error {
	op := fmt.Sprintf("insert audit entry %d of merchant %s", e.Seq, e.MerchantID)
	return t.writeAudit(ctx, op, func(q *auditdb.Queries) error {
		if err := q.InsertAuditEntry(ctx, insertAuditEntryParams(e)); err != nil {
			return err
		}
		n, err := q.MoveAuditHead(ctx, auditdb.MoveAuditHeadParams{Seq: e.Seq, Hash: e.Hash, MerchantID: e.MerchantID})
		if err != nil {
			return err
		}
		if n == 0 {
			return errHeadMoved
		}
		return nil
	})
}

// ListAuditEntries returns at most limit of the merchant's entries with
// Seq > afterSeq, in ascending Seq order. A limit of zero or less means no
// limit, as in the SQLite store.
func (t auditTx) ListAuditEntries(ctx context.Context, merchantID string, mode billing.Mode, afterSeq int64, limit int) ([]billing.AuditEntry, error) {
	rows, err := t.audit.ListAuditEntries(ctx, auditdb.ListAuditEntriesParams{
		MerchantID: merchantID,
		AfterSeq:   afterSeq,
		Mode:       string(mode),
		RowLimit:   maxRows(limit),
	})
	if err != nil {
		return nil, dbError("list audit entries of merchant "+merchantID, err)
	}
	out := make([]billing.AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, billing.AuditEntry{
			ID:         r.ID,
			MerchantID: r.MerchantID,
			Seq:        r.Seq,
			Mode:       billing.Mode(r.Mode),
			Actor:      r.Actor,
			Action:     r.Action,
			ObjectType: r.ObjectType,
			ObjectID:   r.ObjectID,
			Before:     json.RawMessage(r.Before),
			After:      json.RawMessage(r.After),
			RequestID:  r.RequestID,
			ClientIP:   r.ClientIp,
			Created:    r.Created.UTC(),
			PrevHash:   r.PrevHash,
			Hash:       r.Hash,
		})
	}
	return out, nil
}

// rawJSON is the text stored for an audit snapshot: its bytes verbatim, or
// "null" when there is none.
func rawJSON(m json.RawMessage) string {
	if len(m) == 0 {
		return "null"
	}
	return string(m)
}

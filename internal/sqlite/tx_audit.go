package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/auditdb"
)

// auditTx is the billing.AuditTx of one transaction.
type auditTx struct{ *base }

var _ billing.AuditTx = auditTx{}

// Audit chain.

// LockAuditHead returns the head of the merchant's audit chain.
func (t auditTx) LockAuditHead(ctx context.Context, merchantID string) (int64, string, error) {
	// With one connection and BEGIN IMMEDIATE the transaction already holds
	// SQLite's write lock; the no-op update also checks the head exists.
	head, err := t.audit.LockAuditHead(ctx, merchantID)
	if err != nil {
		return 0, "", dbError(err, "lock audit head of merchant %s", merchantID)
	}
	return head.Seq, head.Hash, nil
}

// InsertAuditEntry appends e to its merchant's chain and moves the head to it.
func (t auditTx) InsertAuditEntry(ctx context.Context, e billing.AuditEntry) error {
	err := t.audit.InsertAuditEntry(ctx, auditdb.InsertAuditEntryParams{
		ID:         e.ID,
		MerchantID: e.MerchantID,
		Seq:        e.Seq,
		Mode:       string(e.Mode),
		Actor:      e.Actor,
		Action:     e.Action,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		Before:     encodeRaw(e.Before),
		After:      encodeRaw(e.After),
		RequestID:  e.RequestID,
		ClientIp:   e.ClientIP,
		Created:    micros(e.Created),
		PrevHash:   e.PrevHash,
		Hash:       e.Hash,
	})
	if err != nil {
		return dbError(err, "insert audit entry %s", e.ID)
	}
	n, err := t.audit.MoveAuditHead(ctx, auditdb.MoveAuditHeadParams{Seq: e.Seq, Hash: e.Hash, MerchantID: e.MerchantID})
	if err != nil {
		return dbError(err, "move audit head of merchant %s", e.MerchantID)
	}
	if n == 0 {
		return fmt.Errorf("insert audit entry %s: the audit chain head of merchant %s moved: seq %d does not follow it",
			e.ID, e.MerchantID, e.Seq)
	}
	return nil
}

// ListAuditEntries returns the merchant's entries after afterSeq, in order.
func (t auditTx) ListAuditEntries(ctx context.Context, merchantID string, mode billing.Mode, afterSeq int64, limit int) ([]billing.AuditEntry, error) {
	rowLimit := int64(limit)
	if limit <= 0 {
		rowLimit = -1 // no limit
	}
	rows, err := t.audit.ListAuditEntries(ctx, auditdb.ListAuditEntriesParams{
		MerchantID: merchantID,
		AfterSeq:   afterSeq,
		Mode:       string(mode),
		RowLimit:   rowLimit,
	})
	if err != nil {
		return nil, dbError(err, "list audit entries of merchant %s", merchantID)
	}
	out := make([]billing.AuditEntry, 0, len(rows))
	for _, row := range rows {
		out = append(out, billing.AuditEntry{
			ID:         row.ID,
			MerchantID: row.MerchantID,
			Seq:        row.Seq,
			Mode:       billing.Mode(row.Mode),
			Actor:      row.Actor,
			Action:     row.Action,
			ObjectType: row.ObjectType,
			ObjectID:   row.ObjectID,
			Before:     json.RawMessage(row.Before),
			After:      json.RawMessage(row.After),
			RequestID:  row.RequestID,
			ClientIP:   row.ClientIp,
			Created:    fromMicros(row.Created),
			PrevHash:   row.PrevHash,
			Hash:       row.Hash,
		})
	}
	return out, nil
}

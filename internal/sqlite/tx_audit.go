package sqlite

import (
	"context"
	"database/sql"
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

// InsertAuditEntry appends e: unsealed when e.Seq is 0 (no head to move),
// else sealed, moving the head to it.
func (t auditTx) InsertAuditEntry(ctx context.Context, e billing.AuditEntry) error {
	if e.Seq == 0 {
		err := t.audit.InsertPendingAuditEntry(ctx, auditdb.InsertPendingAuditEntryParams{
			ID: e.ID, MerchantID: e.MerchantID, Mode: string(e.Mode), Actor: e.Actor, Action: e.Action,
			ObjectType: e.ObjectType, ObjectID: e.ObjectID, Before: encodeRaw(e.Before), After: encodeRaw(e.After),
			RequestID: e.RequestID, ClientIp: e.ClientIP, Created: micros(e.Created),
		})
		if err != nil {
			return dbError(err, "append audit entry %s", e.ID)
		}
		return nil
	}
	err := t.audit.InsertAuditEntry(ctx, auditdb.InsertAuditEntryParams{
		ID:         e.ID,
		MerchantID: e.MerchantID,
		Seq:        sql.NullInt64{Int64: e.Seq, Valid: true},
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

// ListAuditEntries returns the merchant's sealed entries after afterSeq, in
// order.
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
		out = append(out, auditEntry(row))
	}
	return out, nil
}

// PendingAuditMerchants lists the merchants with unsealed entries.
func (t auditTx) PendingAuditMerchants(ctx context.Context) ([]string, error) {
	ids, err := t.audit.PendingAuditMerchants(ctx)
	if err != nil {
		return nil, dbError(err, "list merchants with unsealed audit entries")
	}
	return ids, nil
}

// PendingAuditEntries returns the merchant's unsealed entries by id. SQLite
// has one writer and entry ids are made inside write transactions, so id
// order is commit order and nothing committed later sorts before them.
func (t auditTx) PendingAuditEntries(ctx context.Context, merchantID string, limit int) ([]billing.AuditEntry, error) {
	rowLimit := int64(limit)
	if limit <= 0 {
		rowLimit = -1 // no limit
	}
	rows, err := t.audit.PendingAuditEntries(ctx, auditdb.PendingAuditEntriesParams{MerchantID: merchantID, RowLimit: rowLimit})
	if err != nil {
		return nil, dbError(err, "read unsealed audit entries of merchant %s", merchantID)
	}
	out := make([]billing.AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, billing.AuditEntry{
			ID: r.ID, MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode), Actor: r.Actor, Action: r.Action,
			ObjectType: r.ObjectType, ObjectID: r.ObjectID, Before: json.RawMessage(r.Before), After: json.RawMessage(r.After),
			RequestID: r.RequestID, ClientIP: r.ClientIp, Created: fromMicros(r.Created),
		})
	}
	return out, nil
}

// CountPendingAuditEntries counts the merchant's unsealed entries.
func (t auditTx) CountPendingAuditEntries(ctx context.Context, merchantID string) (int64, error) {
	n, err := t.audit.CountPendingAuditEntries(ctx, merchantID)
	if err != nil {
		return 0, dbError(err, "count unsealed audit entries of merchant %s", merchantID)
	}
	return n, nil
}

// SealAuditEntries writes each entry's seal and moves the head from just
// before the first to the last.
func (t auditTx) SealAuditEntries(ctx context.Context, entries []billing.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	first, last := entries[0], entries[len(entries)-1]
	for _, e := range entries {
		n, err := t.audit.SealAuditEntry(ctx, auditdb.SealAuditEntryParams{Seq: sql.NullInt64{Int64: e.Seq, Valid: true},
			PrevHash: e.PrevHash, Hash: e.Hash, Seal: e.Seal, ID: e.ID, MerchantID: e.MerchantID})
		if err != nil {
			return dbError(err, "seal audit entry %s", e.ID)
		}
		if n != 1 {
			return fmt.Errorf("sqlite: seal audit entry %s: sealed already or missing", e.ID)
		}
	}
	n, err := t.audit.MoveAuditHeadTo(ctx, auditdb.MoveAuditHeadToParams{NewSeq: last.Seq, Hash: last.Hash,
		MerchantID: first.MerchantID, OldSeq: first.Seq - 1})
	if err != nil {
		return dbError(err, "move audit head of merchant %s", first.MerchantID)
	}
	if n != 1 {
		return fmt.Errorf("sqlite: seal audit entries: the audit chain head of merchant %s moved", first.MerchantID)
	}
	return nil
}

// InsertAuditCheckpoint stores c unless its merchant has one at c.Seq.
func (t auditTx) InsertAuditCheckpoint(ctx context.Context, c billing.AuditCheckpoint) error {
	err := t.audit.InsertAuditCheckpoint(ctx, auditdb.InsertAuditCheckpointParams{MerchantID: c.MerchantID, Seq: c.Seq,
		Head: c.Head, Created: micros(c.Created), Seal: c.Seal, KeyID: c.KeyID, Signature: c.Signature})
	if err != nil {
		return dbError(err, "insert audit checkpoint of merchant %s", c.MerchantID)
	}
	return nil
}

// ListAuditCheckpoints returns the merchant's checkpoints by Seq.
func (t auditTx) ListAuditCheckpoints(ctx context.Context, merchantID string) ([]billing.AuditCheckpoint, error) {
	rows, err := t.audit.ListAuditCheckpoints(ctx, merchantID)
	if err != nil {
		return nil, dbError(err, "list audit checkpoints of merchant %s", merchantID)
	}
	out := make([]billing.AuditCheckpoint, 0, len(rows))
	for _, r := range rows {
		out = append(out, billing.AuditCheckpoint{MerchantID: r.MerchantID, Seq: r.Seq, Head: r.Head,
			Created: fromMicros(r.Created), Seal: r.Seal, KeyID: r.KeyID, Signature: r.Signature})
	}
	return out, nil
}

// auditEntry is a stored audit entry as billing knows it.
func auditEntry(row auditdb.AuditEntry) billing.AuditEntry {
	return billing.AuditEntry{
		ID:         row.ID,
		MerchantID: row.MerchantID,
		Seq:        row.Seq.Int64,
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
		Seal:       row.Seal,
	}
}

// ListObjectAuditEntries returns at most limit of scope s's entries about
// one object, sealed or not, newest first.
func (t auditTx) ListObjectAuditEntries(ctx context.Context, s billing.Scope, objectID string, limit int) ([]billing.AuditEntry, error) {
	rowLimit := int64(limit)
	if limit <= 0 {
		rowLimit = -1 // no limit
	}
	rows, err := t.audit.ListObjectAuditEntries(ctx, auditdb.ListObjectAuditEntriesParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), ObjectID: objectID, RowLimit: rowLimit,
	})
	if err != nil {
		return nil, dbError(err, "list audit entries of %s", objectID)
	}
	out := make([]billing.AuditEntry, 0, len(rows))
	for _, row := range rows {
		out = append(out, auditEntry(row))
	}
	return out, nil
}

// ListObjectsAuditEntries returns the newest limit entries of objectIDs.
func (t auditTx) ListObjectsAuditEntries(ctx context.Context, s billing.Scope, objectIDs []string, limit int) ([]billing.AuditEntry, error) {
	if len(objectIDs) == 0 {
		return nil, nil
	}
	rows, err := t.audit.ListObjectsAuditEntries(ctx, auditdb.ListObjectsAuditEntriesParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), ObjectIds: objectIDs, RowLimit: maxRows(limit),
	})
	if err != nil {
		return nil, dbError(err, "list audit entries of objects")
	}
	out := make([]billing.AuditEntry, 0, len(rows))
	for _, row := range rows {
		out = append(out, auditEntry(row))
	}
	return out, nil
}

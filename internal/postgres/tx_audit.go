package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"

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
// sequence number and hash of the last sealed entry. Only sealers take it.
// A merchant without a head gives billing.ErrNotFound.
func (t auditTx) LockAuditHead(ctx context.Context, merchantID string) (int64, string, error) {
	row, err := t.audit.LockAuditHead(ctx, merchantID)
	if err != nil {
		return 0, "", dbError("lock audit head of merchant "+merchantID, err)
	}
	return row.Seq, row.Hash, nil
}

// InsertAuditEntry appends e: unsealed when e.Seq is 0 (no lock, no head;
// the row's txid column records the transaction for the sealer), else
// sealed, moving the head to it. If a sealed e does not follow the head,
// nothing is written and the error says the head moved.
func (t auditTx) InsertAuditEntry(ctx context.Context, e billing.AuditEntry) error {
	if e.Seq == 0 {
		return t.appendRow("append audit entry "+e.ID, func(db dbtx) error {
			return auditdb.New(db).InsertPendingAuditEntry(ctx, auditdb.InsertPendingAuditEntryParams{
				ID: e.ID, MerchantID: e.MerchantID, Mode: string(e.Mode), Actor: e.Actor, Action: e.Action,
				ObjectType: e.ObjectType, ObjectID: e.ObjectID, Before: rawJSON(e.Before), After: rawJSON(e.After),
				RequestID: e.RequestID, ClientIp: e.ClientIP, Created: ts(e.Created),
			})
		})
	}
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

// ListAuditEntries returns at most limit of the merchant's sealed entries
// with Seq > afterSeq, in ascending Seq order. A limit of zero or less
// means no limit, as in the SQLite store.
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
		out = append(out, auditEntry(r))
	}
	return out, nil
}

// PendingAuditMerchants lists the merchants with unsealed entries.
func (t auditTx) PendingAuditMerchants(ctx context.Context) ([]string, error) {
	ids, err := t.audit.PendingAuditMerchants(ctx)
	if err != nil {
		return nil, dbError("list merchants with unsealed audit entries", err)
	}
	return ids, nil
}

// PendingAuditEntries returns the merchant's unsealed entries by (txid,
// id), of transactions older than every audit-writing transaction still
// running (audit_seal_horizon, migration 00017; the dispatcher's technique
// of 00008 narrowed to the transactions that write the audit log).
func (t auditTx) PendingAuditEntries(ctx context.Context, merchantID string, limit int) ([]billing.AuditEntry, error) {
	rows, err := t.audit.PendingAuditEntries(ctx, auditdb.PendingAuditEntriesParams{MerchantID: merchantID, RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError("read unsealed audit entries of merchant "+merchantID, err)
	}
	out := make([]billing.AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, billing.AuditEntry{
			ID: r.ID, MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode), Actor: r.Actor, Action: r.Action,
			ObjectType: r.ObjectType, ObjectID: r.ObjectID, Before: json.RawMessage(r.Before), After: json.RawMessage(r.After),
			RequestID: r.RequestID, ClientIP: r.ClientIp, Created: r.Created.UTC(),
		})
	}
	return out, nil
}

// CountPendingAuditEntries counts the merchant's visible unsealed entries.
func (t auditTx) CountPendingAuditEntries(ctx context.Context, merchantID string) (int64, error) {
	n, err := t.audit.CountPendingAuditEntries(ctx, merchantID)
	if err != nil {
		return 0, dbError("count unsealed audit entries of merchant "+merchantID, err)
	}
	return n, nil
}

// SealAuditEntries writes the entries' seals in one statement and moves the
// head from just before the first to the last.
func (t auditTx) SealAuditEntries(ctx context.Context, entries []billing.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	first, last := entries[0], entries[len(entries)-1]
	return t.writeAudit(ctx, "seal audit entries of merchant "+first.MerchantID, func(q *auditdb.Queries) error {
		p := auditdb.SealAuditEntriesParams{MerchantID: first.MerchantID}
		for _, e := range entries {
			p.Ids, p.Seqs = append(p.Ids, e.ID), append(p.Seqs, e.Seq)
			p.PrevHashes, p.Hashes, p.Seals = append(p.PrevHashes, e.PrevHash), append(p.Hashes, e.Hash), append(p.Seals, e.Seal)
		}
		n, err := q.SealAuditEntries(ctx, p)
		if err != nil {
			return err
		}
		if n != int64(len(entries)) {
			return fmt.Errorf("%d of %d audit entries were sealed already or missing", int64(len(entries))-n, len(entries))
		}
		n, err = q.MoveAuditHeadTo(ctx, auditdb.MoveAuditHeadToParams{NewSeq: last.Seq, Hash: last.Hash,
			MerchantID: first.MerchantID, OldSeq: first.Seq - 1})
		if err != nil {
			return err
		}
		if n != 1 {
			return errHeadMoved
		}
		return nil
	})
}

// InsertAuditCheckpoint stores c unless its merchant has one at c.Seq.
func (t auditTx) InsertAuditCheckpoint(ctx context.Context, c billing.AuditCheckpoint) error {
	return t.writeAudit(ctx, "insert audit checkpoint of merchant "+c.MerchantID, func(q *auditdb.Queries) error {
		return q.InsertAuditCheckpoint(ctx, auditdb.InsertAuditCheckpointParams{MerchantID: c.MerchantID, Seq: c.Seq,
			Head: c.Head, Created: ts(c.Created), Seal: c.Seal, KeyID: c.KeyID, Signature: c.Signature})
	})
}

// ListAuditCheckpoints returns the merchant's checkpoints by Seq.
func (t auditTx) ListAuditCheckpoints(ctx context.Context, merchantID string) ([]billing.AuditCheckpoint, error) {
	rows, err := t.audit.ListAuditCheckpoints(ctx, merchantID)
	if err != nil {
		return nil, dbError("list audit checkpoints of merchant "+merchantID, err)
	}
	out := make([]billing.AuditCheckpoint, 0, len(rows))
	for _, r := range rows {
		out = append(out, billing.AuditCheckpoint{MerchantID: r.MerchantID, Seq: r.Seq, Head: r.Head,
			Created: r.Created.UTC(), Seal: r.Seal, KeyID: r.KeyID, Signature: r.Signature})
	}
	return out, nil
}

// auditSeq is the stored seq of e: NULL while unsealed.
func auditSeq(e billing.AuditEntry) pgtype.Int8 { return pgtype.Int8{Int64: e.Seq, Valid: e.Seq > 0} }

// rawJSON is the text stored for an audit snapshot: its bytes verbatim, or
// "null" when there is none.
func rawJSON(m json.RawMessage) string {
	if len(m) == 0 {
		return "null"
	}
	return string(m)
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
		Created:    row.Created.UTC(),
		PrevHash:   row.PrevHash,
		Hash:       row.Hash,
		Seal:       row.Seal,
	}
}

// ListObjectAuditEntries returns at most limit of scope s's entries about
// one object, sealed or not, newest first.
func (t auditTx) ListObjectAuditEntries(ctx context.Context, s billing.Scope, objectID string, limit int) ([]billing.AuditEntry, error) {
	rows, err := t.audit.ListObjectAuditEntries(ctx, auditdb.ListObjectAuditEntriesParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), ObjectID: objectID, RowLimit: maxRows(limit),
	})
	if err != nil {
		return nil, dbError("list audit entries of "+objectID, err)
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
		return nil, dbError("list audit entries of objects", err)
	}
	out := make([]billing.AuditEntry, 0, len(rows))
	for _, row := range rows {
		out = append(out, auditEntry(row))
	}
	return out, nil
}

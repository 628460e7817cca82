-- name: LockAuditHead :one
-- The no-op UPDATE takes the row lock (Postgres) or the write lock (SQLite)
-- until the transaction ends, so sealers of one merchant serialise
-- (requests append unsealed entries and never take it).
UPDATE audit_heads SET seq = seq WHERE merchant_id = sqlc.arg(merchant_id) RETURNING seq, hash;

-- name: InsertAuditEntry :exec
INSERT INTO audit_entries (id, merchant_id, seq, mode, actor, action, object_type, object_id, before, after,
                           request_id, client_ip, created, prev_hash, hash)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(seq), sqlc.arg(mode), sqlc.arg(actor), sqlc.arg(action),
        sqlc.arg(object_type), sqlc.arg(object_id), sqlc.arg(before), sqlc.arg(after), sqlc.arg(request_id),
        sqlc.arg(client_ip), sqlc.arg(created), sqlc.arg(prev_hash), sqlc.arg(hash));

-- name: MoveAuditHead :execrows
UPDATE audit_heads SET seq = sqlc.arg(seq), hash = sqlc.arg(hash)
WHERE merchant_id = sqlc.arg(merchant_id) AND seq = sqlc.arg(seq) - 1;

-- name: ListAuditEntries :many
-- Sealed entries only (an unsealed entry's seq is NULL). With a mode: that mode's entries and the merchant's mode-less ones.
SELECT * FROM audit_entries
WHERE merchant_id = sqlc.arg(merchant_id) AND seq > CAST(sqlc.arg(after_seq) AS bigint)
  AND (CAST(sqlc.arg(mode) AS text) = '' OR mode = sqlc.arg(mode) OR mode = '')
ORDER BY seq
LIMIT sqlc.arg(row_limit);

-- name: MoveAuditHeadTo :execrows
-- Moves the head over several entries appended at once.
UPDATE audit_heads SET seq = sqlc.arg(new_seq), hash = sqlc.arg(hash)
WHERE merchant_id = sqlc.arg(merchant_id) AND seq = sqlc.arg(old_seq);


-- name: InsertPendingAuditEntry :exec
-- An unsealed entry: no seq, no hashes. It takes no lock: the sealer
-- chains it once it has committed.
INSERT INTO audit_entries (id, merchant_id, mode, actor, action, object_type, object_id, before, after,
                           request_id, client_ip, created, prev_hash, hash, seal)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(actor), sqlc.arg(action),
        sqlc.arg(object_type), sqlc.arg(object_id), sqlc.arg(before), sqlc.arg(after), sqlc.arg(request_id),
        sqlc.arg(client_ip), sqlc.arg(created), '', '', '');

-- name: PendingAuditMerchants :many
SELECT DISTINCT merchant_id FROM audit_entries WHERE seq IS NULL ORDER BY merchant_id;

-- name: CountPendingAuditEntries :one
SELECT count(*) FROM audit_entries WHERE merchant_id = sqlc.arg(merchant_id) AND seq IS NULL;

-- name: SealAuditEntry :execrows
UPDATE audit_entries SET seq = sqlc.arg(seq), prev_hash = sqlc.arg(prev_hash), hash = sqlc.arg(hash), seal = sqlc.arg(seal)
WHERE id = sqlc.arg(id) AND merchant_id = sqlc.arg(merchant_id) AND seq IS NULL;

-- name: InsertAuditCheckpoint :exec
INSERT INTO audit_checkpoints (merchant_id, seq, head, created, seal, key_id, signature)
VALUES (sqlc.arg(merchant_id), sqlc.arg(seq), sqlc.arg(head), sqlc.arg(created), sqlc.arg(seal), sqlc.arg(key_id), sqlc.arg(signature))
ON CONFLICT (merchant_id, seq) DO NOTHING;

-- name: ListAuditCheckpoints :many
SELECT * FROM audit_checkpoints WHERE merchant_id = sqlc.arg(merchant_id) ORDER BY seq;

-- name: ListObjectAuditEntries :many
-- One object's entries, sealed or not, newest first (audit_entries_object_idx).
SELECT * FROM audit_entries
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND object_id = sqlc.arg(object_id)
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

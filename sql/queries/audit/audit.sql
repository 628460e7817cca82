-- name: LockAuditHead :one
-- The no-op UPDATE takes the row lock (Postgres) or the write lock (SQLite)
-- until the transaction ends, so appenders of one merchant serialise.
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
-- With a mode: that mode's entries and the merchant's mode-less ones.
SELECT * FROM audit_entries
WHERE merchant_id = sqlc.arg(merchant_id) AND seq > sqlc.arg(after_seq)
  AND (CAST(sqlc.arg(mode) AS text) = '' OR mode = sqlc.arg(mode) OR mode = '')
ORDER BY seq
LIMIT sqlc.arg(row_limit);

-- name: MoveAuditHeadTo :execrows
-- Moves the head over several entries appended at once.
UPDATE audit_heads SET seq = sqlc.arg(new_seq), hash = sqlc.arg(hash)
WHERE merchant_id = sqlc.arg(merchant_id) AND seq = sqlc.arg(old_seq);


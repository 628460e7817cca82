-- SQLite-only queries of the audit log.

-- name: PendingAuditEntries :many
-- A merchant's unsealed entries by id: SQLite has one writer and ids are
-- made inside write transactions, so ids follow commit order (as for
-- EventsToDispatch).
SELECT id, merchant_id, mode, actor, action, object_type, object_id, before, after, request_id, client_ip, created
FROM audit_entries
WHERE merchant_id = sqlc.arg(merchant_id) AND seq IS NULL
ORDER BY id
LIMIT sqlc.arg(row_limit);

-- name: ListObjectsAuditEntries :many
-- The newest entries of a few objects (a customer's timeline), in one read
-- of audit_entries_object_idx. sqlc numbers the parameters after a slice wrongly, so
-- the slice goes last and the limit is named first too, in a condition
-- that always holds (the store's limit is positive, or -1 for none).
SELECT * FROM audit_entries
WHERE CAST(sqlc.arg(row_limit) AS INTEGER) <> 0 AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND object_id IN (sqlc.slice(object_ids))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

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

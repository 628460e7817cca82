-- Postgres-only queries of the audit log.

-- name: PendingAuditEntries :many
-- A merchant's unsealed entries in the dispatcher's order (see
-- EventsToDispatch): by (txid, id), of transactions older than every
-- transaction still running, which can gain no more entries; so nothing
-- can later appear before the last row read.
SELECT id, merchant_id, mode, actor, action, object_type, object_id, before, after, request_id, client_ip, created
FROM audit_entries
WHERE merchant_id = sqlc.arg(merchant_id) AND seq IS NULL
  AND txid < CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint)
ORDER BY txid, id
LIMIT sqlc.arg(row_limit);

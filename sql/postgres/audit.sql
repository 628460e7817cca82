-- Postgres-only queries of the audit log.

-- name: PendingAuditEntries :many
-- A merchant's unsealed entries by (txid, id), as EventsToDispatch reads
-- events, of transactions older than every audit-writing transaction still
-- running (audit_seal_horizon, migration 00017): an entry visible now
-- committed before every entry still invisible, so entries sealed now never
-- follow one committed later.
SELECT id, merchant_id, mode, actor, action, object_type, object_id, before, after, request_id, client_ip, created
FROM audit_entries
WHERE merchant_id = sqlc.arg(merchant_id) AND seq IS NULL AND txid < audit_seal_horizon()
ORDER BY txid, id
LIMIT sqlc.arg(row_limit);

-- Postgres-only audit queries: the batched renewal pipeline appends audit
-- entries with COPY (see sql/postgres/lifecycle/bulk.sql), and the sealer reads
-- committed entries in commit order.

-- name: CopyAuditEntries :copyfrom
INSERT INTO audit_entries (id, merchant_id, seq, mode, actor, action, object_type, object_id, before, after,
                           request_id, client_ip, created, prev_hash, hash)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(seq), sqlc.arg(mode), sqlc.arg(actor), sqlc.arg(action),
        sqlc.arg(object_type), sqlc.arg(object_id), sqlc.arg(before), sqlc.arg(after), sqlc.arg(request_id),
        sqlc.arg(client_ip), sqlc.arg(created), sqlc.arg(prev_hash), sqlc.arg(hash));


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

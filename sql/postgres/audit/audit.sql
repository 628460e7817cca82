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

-- name: SealAuditEntries :execrows
-- Seals one merchant's batch of entries in one statement, as the bulk
-- updates of the renewal pipeline do; only entries still unsealed change,
-- so the caller compares the count with the batch's length.
UPDATE audit_entries AS a SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash, seal = u.seal
FROM (
    SELECT unnest(sqlc.arg(ids)::text[]) AS id, unnest(sqlc.arg(seqs)::bigint[]) AS seq,
        unnest(sqlc.arg(prev_hashes)::text[]) AS prev_hash, unnest(sqlc.arg(hashes)::text[]) AS hash,
        unnest(sqlc.arg(seals)::text[]) AS seal
) AS u
WHERE a.id = u.id AND a.merchant_id = sqlc.arg(merchant_id) AND a.seq IS NULL;

-- name: ListObjectsAuditEntries :many
-- The newest entries of a few objects (a customer's timeline), in one read
-- of audit_entries_object_idx.
SELECT * FROM audit_entries
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND object_id = ANY(sqlc.arg(object_ids)::text[])
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- Postgres-only audit queries: the batched renewal pipeline appends audit
-- entries with COPY (see sql/postgres/lifecycle/bulk.sql).

-- name: CopyAuditEntries :copyfrom
INSERT INTO audit_entries (id, merchant_id, seq, mode, actor, action, object_type, object_id, before, after,
                           request_id, client_ip, created, prev_hash, hash)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(seq), sqlc.arg(mode), sqlc.arg(actor), sqlc.arg(action),
        sqlc.arg(object_type), sqlc.arg(object_id), sqlc.arg(before), sqlc.arg(after), sqlc.arg(request_id),
        sqlc.arg(client_ip), sqlc.arg(created), sqlc.arg(prev_hash), sqlc.arg(hash));

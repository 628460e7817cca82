-- Postgres-only event queries: the notify dispatcher reads events in
-- commit order.

-- name: EventsToDispatch :many
-- A scope's events past the cursor (txid, id), in that order, of
-- transactions older than every transaction still running: those can gain
-- no more events, so nothing can later appear before the last row read.
SELECT id, merchant_id, mode, type, object_type, object_id, data, created, txid, previous FROM events
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND txid >= sqlc.arg(after_txid) AND (txid > sqlc.arg(after_txid) OR id > sqlc.arg(after_id))
  AND txid < CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint)
ORDER BY txid, id
LIMIT sqlc.arg(row_limit);

-- The renewal pipeline's events of a whole chunk at once.
-- name: CopyEvents :copyfrom
INSERT INTO events (id, merchant_id, mode, type, object_type, object_id, data, previous, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(type), sqlc.arg(object_type),
        sqlc.arg(object_id), sqlc.arg(data), sqlc.arg(previous), sqlc.arg(created));

-- name: ListObjectsEvents :many
-- The newest events of a few objects (a customer's timeline), in one read:
-- events_object_idx gives each object's events; only those are sorted.
SELECT * FROM events
WHERE object_id = ANY(sqlc.arg(object_ids)::text[]) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- SQLite-only event queries: the notify dispatcher reads events in commit
-- order.

-- name: EventsToDispatch :many
-- A scope's events past the cursor, by id: SQLite has one writer and ids
-- are made inside write transactions, so ids follow commit order.
SELECT * FROM events
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id > sqlc.arg(after_id)
ORDER BY id
LIMIT sqlc.arg(row_limit);

-- name: ListObjectsEvents :many
-- The newest events of a few objects (a customer's timeline), in one read:
-- events_object_idx gives each object's events; only those are sorted.
SELECT * FROM events
WHERE object_id IN (sqlc.slice(object_ids)) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

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
-- The newest events of a few objects (a customer's timeline), in one read
-- of events_object_idx. sqlc numbers the parameters after a slice wrongly, so
-- the slice goes last and the limit is named first too, in a condition
-- that always holds (the store's limit is positive, or -1 for none).
SELECT * FROM events
WHERE CAST(sqlc.arg(row_limit) AS INTEGER) <> 0 AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND object_id IN (sqlc.slice(object_ids))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

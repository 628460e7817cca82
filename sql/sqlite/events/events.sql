-- SQLite-only event queries: the notify dispatcher reads events in commit
-- order.

-- name: EventsToDispatch :many
-- A scope's events past the cursor, by id: SQLite has one writer and ids
-- are made inside write transactions, so ids follow commit order.
SELECT * FROM events
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id > sqlc.arg(after_id)
ORDER BY id
LIMIT sqlc.arg(row_limit);

-- SQLite-only queries of outgoing notifications.

-- name: EventsToDispatch :many
-- A scope's events past the cursor, by id: SQLite has one writer and ids
-- are made inside write transactions, so ids follow commit order.
SELECT * FROM events
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id > sqlc.arg(after_id)
ORDER BY id
LIMIT sqlc.arg(row_limit);

-- name: ListWebhookAttempts :many
-- The slice goes last: sqlc numbers the parameters after it wrongly.
SELECT * FROM webhook_attempts
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND delivery_id IN (sqlc.slice(delivery_ids))
ORDER BY delivery_id, id;

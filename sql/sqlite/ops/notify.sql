-- SQLite-only queries of outgoing notifications.

-- name: ListWebhookAttempts :many
-- The slice goes last: sqlc numbers the parameters after it wrongly.
SELECT * FROM webhook_attempts
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND delivery_id IN (sqlc.slice(delivery_ids))
ORDER BY delivery_id, id;

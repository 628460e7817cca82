-- Postgres-only queries of outgoing notifications.

-- name: ListWebhookAttempts :many
SELECT * FROM webhook_attempts
WHERE delivery_id = ANY(sqlc.arg(delivery_ids)::text[]) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
ORDER BY delivery_id, id;

-- name: LockWebhookEndpoint :one
SELECT * FROM webhook_endpoints
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id)
FOR UPDATE;

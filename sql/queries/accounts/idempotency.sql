-- name: ReserveIdempotencyKey :execrows
INSERT INTO idempotency_keys (merchant_id, mode, key, request_hash, completed, response_status, response_body, created)
VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(key), sqlc.arg(request_hash), false, 0, sqlc.arg(response_body), sqlc.arg(created))
ON CONFLICT (merchant_id, mode, key) DO NOTHING;

-- name: GetIdempotencyKey :one
SELECT * FROM idempotency_keys WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND key = sqlc.arg(key);

-- name: CompleteIdempotencyKey :execrows
UPDATE idempotency_keys SET completed = true, response_status = sqlc.arg(response_status), response_body = sqlc.arg(response_body)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND key = sqlc.arg(key);

-- name: DeleteIdempotencyKey :exec
DELETE FROM idempotency_keys WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND key = sqlc.arg(key);

-- name: DeleteIdempotencyKeysBefore :execrows
DELETE FROM idempotency_keys WHERE created < sqlc.arg(created);

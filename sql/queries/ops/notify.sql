-- Outgoing notifications: webhook endpoints, deliveries, attempts, emails
-- and the dispatcher's cursors. Engine-specific queries (lists of ids,
-- locks) are in sql/postgres/ops and sql/sqlite/ops; reading events in
-- dispatch order is with the events, in sql/{postgres,sqlite}/lifecycle.

-- name: CreateWebhookEndpoint :exec
INSERT INTO webhook_endpoints (id, merchant_id, mode, url, description, enabled_events, disabled, disabled_reason,
    secret, previous_secret, previous_secret_expires, failing_since, metadata, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(url), sqlc.arg(description),
    sqlc.arg(enabled_events), sqlc.arg(disabled), sqlc.arg(disabled_reason), sqlc.arg(secret),
    sqlc.arg(previous_secret), sqlc.narg(previous_secret_expires), sqlc.narg(failing_since), sqlc.arg(metadata),
    sqlc.arg(created), sqlc.arg(updated));

-- name: GetWebhookEndpoint :one
SELECT * FROM webhook_endpoints WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateWebhookEndpoint :execrows
UPDATE webhook_endpoints SET url = sqlc.arg(url), description = sqlc.arg(description),
    enabled_events = sqlc.arg(enabled_events), disabled = sqlc.arg(disabled), disabled_reason = sqlc.arg(disabled_reason),
    secret = sqlc.arg(secret), previous_secret = sqlc.arg(previous_secret),
    previous_secret_expires = sqlc.narg(previous_secret_expires), failing_since = sqlc.narg(failing_since),
    metadata = sqlc.arg(metadata), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: DeleteWebhookEndpoint :execrows
DELETE FROM webhook_endpoints WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListWebhookEndpoints :many
SELECT * FROM webhook_endpoints
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CountWebhookEndpoints :one
SELECT count(*) FROM webhook_endpoints WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: InsertWebhookDelivery :execrows
INSERT INTO webhook_deliveries (id, merchant_id, mode, endpoint_id, event_id, event_type, status, attempts,
    next_attempt_at, last_attempt_at, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(endpoint_id), sqlc.arg(event_id),
    sqlc.arg(event_type), sqlc.arg(status), sqlc.arg(attempts), sqlc.narg(next_attempt_at), sqlc.narg(last_attempt_at),
    sqlc.arg(created), sqlc.arg(updated))
ON CONFLICT (endpoint_id, event_id) DO NOTHING;

-- name: GetWebhookDelivery :one
SELECT * FROM webhook_deliveries WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateWebhookDelivery :execrows
UPDATE webhook_deliveries SET status = sqlc.arg(status), attempts = sqlc.arg(attempts),
    next_attempt_at = sqlc.narg(next_attempt_at), last_attempt_at = sqlc.narg(last_attempt_at), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListWebhookDeliveries :many
SELECT * FROM webhook_deliveries
WHERE endpoint_id = sqlc.arg(endpoint_id) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(event_id) AS text) = '' OR event_id = sqlc.arg(event_id))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CreateWebhookAttempt :exec
INSERT INTO webhook_attempts (id, merchant_id, mode, delivery_id, number, manual, succeeded, status_code, latency_ms,
    error_kind, error, response_excerpt, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(delivery_id), sqlc.arg(number), sqlc.arg(manual),
    sqlc.arg(succeeded), sqlc.arg(status_code), sqlc.arg(latency_ms), sqlc.arg(error_kind), sqlc.arg(error),
    sqlc.arg(response_excerpt), sqlc.arg(created));

-- name: InsertEmail :execrows
INSERT INTO emails (id, merchant_id, mode, template, locale, recipients, subject, customer_id, event_id, object_type,
    object_id, params, status, attempts, last_error, message_id, sent_at, created, updated, text_body, html_body)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(template), sqlc.arg(locale),
    sqlc.arg(recipients), sqlc.arg(subject), sqlc.arg(customer_id), sqlc.arg(event_id), sqlc.arg(object_type),
    sqlc.arg(object_id), sqlc.arg(params), sqlc.arg(status), sqlc.arg(attempts), sqlc.arg(last_error),
    sqlc.arg(message_id), sqlc.narg(sent_at), sqlc.arg(created), sqlc.arg(updated), sqlc.arg(text_body), sqlc.arg(html_body))
ON CONFLICT (event_id, template) DO NOTHING;

-- name: GetEmail :one
SELECT * FROM emails WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateEmail :execrows
UPDATE emails SET locale = sqlc.arg(locale), recipients = sqlc.arg(recipients), subject = sqlc.arg(subject),
    text_body = sqlc.arg(text_body), html_body = sqlc.arg(html_body), status = sqlc.arg(status), attempts = sqlc.arg(attempts), last_error = sqlc.arg(last_error),
    message_id = sqlc.arg(message_id), sent_at = sqlc.narg(sent_at), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListEmails :many
SELECT * FROM emails
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(customer_id) AS text) = '' OR customer_id = sqlc.arg(customer_id))
  AND (CAST(sqlc.arg(template) AS text) = '' OR template = sqlc.arg(template))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: LockNotifyCursor :one
-- The upsert takes the row lock (Postgres), so concurrent dispatchers of
-- one scope take turns.
INSERT INTO notify_cursors (merchant_id, mode, position, updated)
VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), '', sqlc.arg(updated))
ON CONFLICT (merchant_id, mode) DO UPDATE SET position = notify_cursors.position
RETURNING position;

-- name: GetNotifyCursor :many
SELECT position FROM notify_cursors WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: SetNotifyCursor :execrows
UPDATE notify_cursors SET position = sqlc.arg(position), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- Alerts (docs/alerts.md) and the reads of their periodic check. Each
-- check read is a range of a partial index of migration 00030 and returns
-- only the columns the rules need, so no row type of another group is
-- repeated here.

-- name: InsertAlert :exec
INSERT INTO alerts (id, merchant_id, mode, kind, severity, object_type, object_id, status, message_es, message_en,
                    count, first_seen, last_seen, acknowledged_at, resolved_at, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(kind), sqlc.arg(severity), sqlc.arg(object_type),
        sqlc.arg(object_id), sqlc.arg(status), sqlc.arg(message_es), sqlc.arg(message_en), sqlc.arg(count),
        sqlc.arg(first_seen), sqlc.arg(last_seen), sqlc.narg(acknowledged_at), sqlc.narg(resolved_at),
        sqlc.arg(created), sqlc.arg(updated));

-- name: GetAlert :one
SELECT * FROM alerts WHERE id = sqlc.arg(id) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: GetUnresolvedAlert :one
SELECT * FROM alerts
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND kind = sqlc.arg(kind)
  AND object_type = sqlc.arg(object_type) AND object_id = sqlc.arg(object_id) AND status <> 'resolved';

-- name: UpdateAlert :execrows
UPDATE alerts SET severity = sqlc.arg(severity), status = sqlc.arg(status), message_es = sqlc.arg(message_es),
    message_en = sqlc.arg(message_en), count = sqlc.arg(count), last_seen = sqlc.arg(last_seen),
    acknowledged_at = sqlc.narg(acknowledged_at), resolved_at = sqlc.narg(resolved_at), updated = sqlc.arg(updated)
WHERE id = sqlc.arg(id) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: ListAlerts :many
SELECT * FROM alerts
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListUnresolvedAlerts :many
SELECT * FROM alerts
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND kind = sqlc.arg(kind) AND status <> 'resolved'
ORDER BY id
LIMIT sqlc.arg(row_limit);

-- name: UnknownPaymentsBefore :many
SELECT id, gateway, status, created FROM payments
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND status = 'unknown'
  AND created < sqlc.arg(created_before)
ORDER BY created
LIMIT sqlc.arg(row_limit);

-- name: PendingRefundsBefore :many
SELECT id, status, created FROM refunds
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND status = 'pending'
  AND created < sqlc.arg(created_before)
ORDER BY created
LIMIT sqlc.arg(row_limit);

-- name: DueSubscriptionTimes :many
-- The due times of the scope's real-time subscriptions due at or before
-- due_before, earliest first: the first is the oldest, their number (up
-- to the limit) how many are behind.
SELECT next_action_at FROM subscriptions
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND test_clock_id = ''
  AND next_action_at IS NOT NULL AND next_action_at <= sqlc.arg(due_before)
ORDER BY next_action_at
LIMIT sqlc.arg(row_limit);

-- name: FailedEmailTimes :many
-- When the scope's emails that failed for good since a time last changed,
-- latest first.
SELECT updated FROM emails
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND status = 'failed' AND updated >= sqlc.arg(since)
ORDER BY updated DESC
LIMIT sqlc.arg(row_limit);

-- name: LastSentEmail :many
SELECT sent_at FROM emails
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND status = 'sent' AND sent_at IS NOT NULL
ORDER BY sent_at DESC
LIMIT 1;

-- name: GatewaySucceededSince :many
-- Whether a payment at the gateway succeeded after a time: what clears
-- the gateway's alerts.
SELECT id FROM payments
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND gateway = sqlc.arg(gateway)
  AND status = 'succeeded' AND updated > sqlc.arg(since)
LIMIT 1;

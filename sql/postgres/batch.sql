-- Postgres-only queries for the batched renewal pipeline (DESIGN §10):
-- claiming rows with FOR UPDATE SKIP LOCKED; the writes are in bulk.sql.

-- name: ClaimDueSubscriptions :many
SELECT * FROM subscriptions
WHERE test_clock_id = sqlc.arg(test_clock_id) AND next_action_at IS NOT NULL AND next_action_at <= sqlc.arg(due_before)
ORDER BY next_action_at, id
LIMIT sqlc.arg(row_limit)
FOR UPDATE SKIP LOCKED;

-- name: LockSubscriptions :many
SELECT id, version FROM subscriptions WHERE id = ANY(sqlc.arg(ids)::text[]) ORDER BY id FOR UPDATE;

-- name: SubscriptionsWithOpenInvoices :many
SELECT DISTINCT subscription_id FROM invoices WHERE subscription_id = ANY(sqlc.arg(ids)::text[]) AND status = 'open';

-- name: ReserveInvoiceNumbers :one
INSERT INTO invoice_counters (merchant_id, mode, last) VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(k))
ON CONFLICT (merchant_id, mode) DO UPDATE SET last = invoice_counters.last + excluded.last
RETURNING last;

-- name: GetPaymentMethodsByID :many
SELECT * FROM payment_methods WHERE id = ANY(sqlc.arg(ids)::text[]);

-- SQLite-only queries for the batched renewal pipeline. SQLite has one
-- writer, so claiming needs no row locks.

-- name: ClaimDueSubscriptions :many
SELECT * FROM subscriptions
WHERE test_clock_id = sqlc.arg(test_clock_id) AND next_action_at IS NOT NULL AND next_action_at <= sqlc.arg(due_before)
ORDER BY next_action_at, id
LIMIT sqlc.arg(row_limit);

-- name: LockSubscriptions :many
SELECT id, version FROM subscriptions WHERE id IN (sqlc.slice(ids)) ORDER BY id;

-- name: SubscriptionsWithOpenInvoices :many
SELECT DISTINCT subscription_id FROM invoices WHERE subscription_id IN (sqlc.slice(ids)) AND status = 'open';

-- name: ReserveInvoiceNumbers :one
INSERT INTO invoice_counters (merchant_id, mode, last) VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(k))
ON CONFLICT (merchant_id, mode) DO UPDATE SET last = invoice_counters.last + excluded.last
RETURNING last;

-- name: GetPaymentMethodsByID :many
SELECT * FROM payment_methods WHERE id IN (sqlc.slice(ids));

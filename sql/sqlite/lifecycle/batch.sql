-- SQLite-only queries for the batched renewal pipeline. SQLite has one
-- writer, so claiming needs no row locks, but claims outlive the
-- transaction (a claim token) just as on Postgres.

-- name: ClaimDueSubscriptions :many
-- Marks the claimed rows with the lane's token until claimed_until: the
-- write lock ends with the transaction, the claim lasts until the lane
-- releases it, so a lane still working on a subscription (its gateway
-- call, a retry) keeps it.
UPDATE subscriptions SET claim_token = sqlc.arg(claim_token), claimed_until = sqlc.arg(claimed_until)
WHERE id IN (
    SELECT d.id FROM subscriptions d
    WHERE d.test_clock_id = sqlc.arg(test_clock_id) AND d.next_action_at IS NOT NULL AND d.next_action_at <= sqlc.arg(due_before)
      AND (d.claimed_until IS NULL OR d.claimed_until <= sqlc.arg(due_before))
    ORDER BY d.next_action_at, d.id
    LIMIT sqlc.arg(row_limit))
RETURNING *;

-- name: LockDueSubscriptions :many
-- The batched sweep's first statement: the transaction's write lock keeps
-- what it reads; it claims what it renews in the write that renews it.
SELECT * FROM subscriptions
WHERE test_clock_id = sqlc.arg(test_clock_id) AND next_action_at IS NOT NULL AND next_action_at <= sqlc.arg(due_before)
  AND (claimed_until IS NULL OR claimed_until <= sqlc.arg(due_before))
ORDER BY next_action_at, id
LIMIT sqlc.arg(row_limit);

-- name: ClaimSubscriptions :exec
UPDATE subscriptions SET claim_token = sqlc.arg(claim_token), claimed_until = sqlc.arg(claimed_until)
WHERE id IN (sqlc.slice(ids));

-- name: ReleaseClaimsOf :exec
-- Ends the claims made under claim_token of the given subscriptions only.
UPDATE subscriptions SET claim_token = '', claimed_until = NULL
WHERE claim_token = sqlc.arg(claim_token) AND id IN (sqlc.slice(ids));

-- name: SubscriptionsWithOpenInvoices :many
SELECT DISTINCT subscription_id FROM invoices WHERE subscription_id IN (sqlc.slice(ids)) AND status = 'open';

-- name: ReserveInvoiceNumbers :one
INSERT INTO invoice_counters (merchant_id, mode, last) VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(k))
ON CONFLICT (merchant_id, mode) DO UPDATE SET last = invoice_counters.last + excluded.last
RETURNING last;

-- name: GetPaymentMethodsByID :many
SELECT * FROM payment_methods WHERE id IN (sqlc.slice(ids));

-- name: TaxExemptCustomers :many
SELECT id FROM customers WHERE id IN (sqlc.slice(ids)) AND tax_exempt = 'exempt';

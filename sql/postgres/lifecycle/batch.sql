-- Postgres-only queries for the batched renewal pipeline (docs/architecture.md,
-- "Scale"): claiming rows with FOR UPDATE SKIP LOCKED and a claim token that
-- lasts until the lane releases it; the writes are in bulk.sql.

-- name: ClaimDueSubscriptions :many
-- Marks the claimed rows with the lane's token until claimed_until, in the
-- claiming statement itself: the claim outlives the transaction, so a
-- lane still working on a subscription (its gateway call, a retry) keeps
-- it. SKIP LOCKED passes over rows another lane is claiming right now; a
-- row it claimed and committed meanwhile is re-checked and left out.
UPDATE subscriptions SET claim_token = sqlc.arg(claim_token), claimed_until = sqlc.arg(claimed_until)
WHERE id IN (
    SELECT d.id FROM subscriptions d
    WHERE d.test_clock_id = sqlc.arg(test_clock_id) AND d.next_action_at IS NOT NULL AND d.next_action_at <= sqlc.arg(due_before)
      AND (d.claimed_until IS NULL OR d.claimed_until <= sqlc.arg(due_before))
    ORDER BY d.next_action_at, d.id
    LIMIT sqlc.arg(row_limit)
    FOR UPDATE SKIP LOCKED)
RETURNING *;

-- name: LockDueSubscriptions :many
-- The batched sweep's first statement: it locks what it will renew and
-- claims it in the write that renews it (BulkUpdateSubscriptions), so a
-- renewed row is written once, not claimed first. SKIP LOCKED passes over
-- rows another lane is taking right now; a row another lane claimed and
-- committed meanwhile is re-checked and left out.
SELECT * FROM subscriptions
WHERE test_clock_id = sqlc.arg(test_clock_id) AND next_action_at IS NOT NULL AND next_action_at <= sqlc.arg(due_before)
  AND (claimed_until IS NULL OR claimed_until <= sqlc.arg(due_before))
ORDER BY next_action_at, id
LIMIT sqlc.arg(row_limit)
FOR UPDATE SKIP LOCKED;

-- name: ClaimSubscriptions :exec
UPDATE subscriptions SET claim_token = sqlc.arg(claim_token), claimed_until = sqlc.arg(claimed_until)
WHERE id = ANY(sqlc.arg(ids)::text[]);

-- name: SubscriptionsWithOpenInvoices :many
SELECT DISTINCT subscription_id FROM invoices WHERE subscription_id = ANY(sqlc.arg(ids)::text[]) AND status = 'open';

-- name: ReserveInvoiceNumbers :one
INSERT INTO invoice_counters (merchant_id, mode, last) VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(k))
ON CONFLICT (merchant_id, mode) DO UPDATE SET last = invoice_counters.last + excluded.last
RETURNING last;

-- name: GetPaymentMethodsByID :many
SELECT * FROM payment_methods WHERE id = ANY(sqlc.arg(ids)::text[]);

-- name: TaxExemptCustomers :many
SELECT id FROM customers WHERE id = ANY(sqlc.arg(ids)::text[]) AND tax_exempt = 'exempt';

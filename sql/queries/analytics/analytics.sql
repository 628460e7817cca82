-- Analytics (docs/analytics.md): the MRR records and the figures a report
-- reads from invoices, payments, refunds, checkout sessions and
-- subscriptions. Every query is served by an index of migration 00025.

-- name: InsertMRRChange :exec
INSERT INTO mrr_changes (id, merchant_id, mode, subscription_id, customer_id, currency, at, amount, delta, active_delta, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(subscription_id), sqlc.arg(customer_id),
        sqlc.arg(currency), sqlc.arg(at), sqlc.arg(amount), sqlc.arg(delta), sqlc.arg(active_delta), sqlc.arg(created));

-- name: LastMRRBefore :many
-- The subscription's last recorded MRR before at (none: zero).
SELECT amount FROM mrr_changes
WHERE subscription_id = sqlc.arg(subscription_id) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND at < sqlc.arg(at)
ORDER BY at DESC, id DESC
LIMIT 1;

-- name: DeleteMRRChangesFrom :exec
-- Forgets the subscription's schedule from at on, which a save replaces.
DELETE FROM mrr_changes
WHERE subscription_id = sqlc.arg(subscription_id) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND at >= sqlc.arg(at);

-- name: MRRTotalsBefore :one
SELECT CAST(COALESCE(SUM(delta), 0) AS bigint) AS total, CAST(COALESCE(SUM(active_delta), 0) AS bigint) AS subscriptions
FROM mrr_changes
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency) AND at < sqlc.arg(at);

-- name: CountCustomersWithMRR :one
SELECT CAST(COUNT(*) AS bigint) FROM (
    SELECT customer_id FROM mrr_changes
    WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency) AND at < sqlc.arg(at)
    GROUP BY customer_id
    HAVING SUM(delta) > 0
) AS paying;

-- name: MRRChangesBetween :many
SELECT * FROM mrr_changes
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency)
  AND at >= sqlc.arg(from_at) AND at < sqlc.arg(to_at)
ORDER BY at, id;

-- name: PaymentTotals :one
SELECT CAST(COALESCE(SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), 0) AS bigint) AS succeeded,
       CAST(COALESCE(SUM(CASE WHEN status = 'succeeded' THEN amount ELSE 0 END), 0) AS bigint) AS collected,
       CAST(COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS bigint) AS failed
FROM payments
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency)
  AND created >= sqlc.arg(from_at) AND created < sqlc.arg(to_at);

-- name: RefundTotals :one
SELECT CAST(COUNT(*) AS bigint) AS refunds, CAST(COALESCE(SUM(amount), 0) AS bigint) AS amount
FROM refunds
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency)
  AND created >= sqlc.arg(from_at) AND created < sqlc.arg(to_at) AND status = 'succeeded';

-- name: RecoveredRenewals :one
-- Renewal invoices paid in the range after a declined attempt (a later
-- attempt number means an earlier one failed: technical retries reuse it).
SELECT CAST(COUNT(*) AS bigint) AS recovered, CAST(COALESCE(SUM(amount_paid), 0) AS bigint) AS amount
FROM invoices
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency)
  AND paid_at IS NOT NULL AND billing_reason = 'subscription_cycle'
  AND paid_at >= sqlc.arg(from_at) AND paid_at < sqlc.arg(to_at) AND attempt_count > 1;

-- name: TrialTotals :one
-- Trials that ended in the range, and those after which the subscription
-- brought MRR.
SELECT CAST(COUNT(*) AS bigint) AS ended,
       CAST(COALESCE(SUM(CASE WHEN EXISTS (
           SELECT 1 FROM mrr_changes m WHERE m.subscription_id = s.id AND m.at >= s.trial_end AND m.amount > 0
       ) THEN 1 ELSE 0 END), 0) AS bigint) AS converted
FROM subscriptions s
WHERE s.merchant_id = sqlc.arg(merchant_id) AND s.mode = sqlc.arg(mode) AND s.currency = sqlc.arg(currency)
  AND s.trial_end IS NOT NULL AND s.trial_end >= sqlc.arg(from_at) AND s.trial_end < sqlc.arg(to_at);

-- name: CheckoutTotals :one
SELECT CAST(COUNT(*) AS bigint) AS started,
       CAST(COALESCE(SUM(CASE WHEN status = 'complete' THEN 1 ELSE 0 END), 0) AS bigint) AS completed
FROM checkout_sessions
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND created >= sqlc.arg(from_at) AND created < sqlc.arg(to_at);

-- name: MRREpoch :many
-- The scope's epoch (no row: 0). Kept closed months carry the epoch they
-- were computed in; only those of the current one count.
SELECT epoch FROM mrr_epochs WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: BumpMRREpoch :one
-- Moves the scope's epoch on: a record was written into the settled past.
INSERT INTO mrr_epochs (merchant_id, mode, epoch) VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), 1)
ON CONFLICT (merchant_id, mode) DO UPDATE SET epoch = mrr_epochs.epoch + 1
RETURNING epoch;

-- name: DeleteMRRMonthsBefore :exec
-- Forgets the kept months of epochs before the current one.
DELETE FROM mrr_month_cache
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND epoch < sqlc.arg(epoch);

-- name: KeptMRRMonths :many
-- The kept periods of the epoch within [from_at, to_at), by start.
SELECT period_start, period_end, figures FROM mrr_month_cache
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency)
  AND epoch = sqlc.arg(epoch) AND period_start >= sqlc.arg(from_at) AND period_end <= sqlc.arg(to_at)
ORDER BY period_start, period_end;

-- name: KeepMRRMonth :exec
INSERT INTO mrr_month_cache (merchant_id, mode, currency, period_start, period_end, epoch, figures, created)
VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(currency), sqlc.arg(period_start), sqlc.arg(period_end),
        sqlc.arg(epoch), sqlc.arg(figures), sqlc.arg(created))
ON CONFLICT (merchant_id, mode, currency, epoch, period_start, period_end) DO NOTHING;

-- name: MRRCurrencies :many
-- The currencies of the scope's MRR records, one index probe each (a
-- loose walk of mrr_changes_scope_at_idx rather than a read of every
-- record).
WITH RECURSIVE found (currency) AS (
    SELECT MIN(m.currency) FROM mrr_changes m
    WHERE m.merchant_id = sqlc.arg(merchant_id) AND m.mode = sqlc.arg(mode)
    UNION ALL
    SELECT (SELECT MIN(n.currency) FROM mrr_changes n
            WHERE n.merchant_id = sqlc.arg(merchant_id) AND n.mode = sqlc.arg(mode) AND n.currency > found.currency)
    FROM found WHERE found.currency IS NOT NULL
)
SELECT CAST(currency AS text) AS currency FROM found WHERE currency IS NOT NULL;

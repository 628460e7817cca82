-- name: CreateTestClock :exec
INSERT INTO test_clocks (id, merchant_id, mode, name, frozen_time, status, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(name), sqlc.arg(frozen_time),
        sqlc.arg(status), sqlc.arg(created), sqlc.arg(updated));

-- name: GetTestClock :one
SELECT * FROM test_clocks WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateTestClock :execrows
UPDATE test_clocks SET frozen_time = sqlc.arg(frozen_time), status = sqlc.arg(status), updated = sqlc.arg(updated),
                       advance_target = sqlc.narg(advance_target)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: LeaseTestClock :execrows
-- An advance takes or renews its lease on an advancing clock: it holds the
-- lease already (same token), or nobody does (no lease, or it ended before
-- now). The UPDATE locks the row, so two processes cannot both take it.
UPDATE test_clocks SET advance_token = sqlc.arg(advance_token), advancing_until = sqlc.arg(advancing_until)
WHERE id = sqlc.arg(id) AND status = 'advancing'
  AND (advance_token = sqlc.arg(advance_token) OR advancing_until IS NULL OR advancing_until < sqlc.arg(now));

-- name: EndTestClockLease :exec
UPDATE test_clocks SET advance_token = '', advancing_until = NULL WHERE id = sqlc.arg(id);

-- name: AbandonedTestClocks :many
-- Clocks left advancing whose lease ended: their advancing process is gone.
SELECT * FROM test_clocks
WHERE status = 'advancing' AND (advancing_until IS NULL OR advancing_until < sqlc.arg(now))
ORDER BY id
LIMIT sqlc.arg(row_limit);

-- name: ListTestClocks :many
SELECT * FROM test_clocks
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CreatePaymentMethod :exec
INSERT INTO payment_methods (id, merchant_id, mode, customer_id, gateway, token, brand, last4, exp_month, exp_year,
                             status, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(customer_id), sqlc.arg(gateway), sqlc.arg(token),
        sqlc.arg(brand), sqlc.arg(last4), sqlc.arg(exp_month), sqlc.arg(exp_year), sqlc.arg(status),
        sqlc.arg(created), sqlc.arg(updated));

-- name: GetPaymentMethod :one
SELECT * FROM payment_methods WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdatePaymentMethod :execrows
UPDATE payment_methods SET status = sqlc.arg(status), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListPaymentMethods :many
SELECT * FROM payment_methods
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND customer_id = sqlc.arg(customer_id)
ORDER BY id DESC;

-- name: CreateSubscription :exec
INSERT INTO subscriptions (id, merchant_id, mode, version, customer_id, test_clock_id, status, items, price_ids,
    currency, interval, interval_count, payment_method_id, billing_anchor, cycle_index, current_period_start,
    current_period_end, trial_start, trial_end, trial_will_end_sent, cancel_at_period_end, cancel_at, canceled_at,
    cancellation_reason, ended_at, max_cycles, end_date, pending_change, coupon_id, discount_end, discount_used,
    next_action_at, pending_lines, promotion_code_id, default_tax_rates, metadata, created, updated,
    cancellation_feedback, cancellation_comment)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), 1, sqlc.arg(customer_id), sqlc.arg(test_clock_id),
    sqlc.arg(status), sqlc.arg(items), sqlc.arg(price_ids), sqlc.arg(currency), sqlc.arg(interval),
    sqlc.arg(interval_count), sqlc.arg(payment_method_id), sqlc.arg(billing_anchor), sqlc.arg(cycle_index),
    sqlc.arg(current_period_start), sqlc.arg(current_period_end), sqlc.narg(trial_start), sqlc.narg(trial_end),
    sqlc.arg(trial_will_end_sent), sqlc.arg(cancel_at_period_end), sqlc.narg(cancel_at), sqlc.narg(canceled_at),
    sqlc.arg(cancellation_reason), sqlc.narg(ended_at), sqlc.arg(max_cycles), sqlc.narg(end_date),
    sqlc.arg(pending_change), sqlc.arg(coupon_id), sqlc.narg(discount_end), sqlc.arg(discount_used),
    sqlc.narg(next_action_at), sqlc.arg(pending_lines), sqlc.arg(promotion_code_id), sqlc.arg(default_tax_rates),
    sqlc.arg(metadata), sqlc.arg(created), sqlc.arg(updated), sqlc.arg(cancellation_feedback), sqlc.arg(cancellation_comment));

-- name: GetSubscription :one
SELECT * FROM subscriptions WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateSubscription :execrows
UPDATE subscriptions SET
    version = version + 1, status = sqlc.arg(status), items = sqlc.arg(items), price_ids = sqlc.arg(price_ids),
    currency = sqlc.arg(currency), interval = sqlc.arg(interval), interval_count = sqlc.arg(interval_count),
    payment_method_id = sqlc.arg(payment_method_id), billing_anchor = sqlc.arg(billing_anchor),
    cycle_index = sqlc.arg(cycle_index), current_period_start = sqlc.arg(current_period_start),
    current_period_end = sqlc.arg(current_period_end), trial_start = sqlc.narg(trial_start),
    trial_end = sqlc.narg(trial_end), trial_will_end_sent = sqlc.arg(trial_will_end_sent),
    cancel_at_period_end = sqlc.arg(cancel_at_period_end), cancel_at = sqlc.narg(cancel_at),
    canceled_at = sqlc.narg(canceled_at), cancellation_reason = sqlc.arg(cancellation_reason),
    ended_at = sqlc.narg(ended_at), max_cycles = sqlc.arg(max_cycles), end_date = sqlc.narg(end_date),
    pending_change = sqlc.arg(pending_change), coupon_id = sqlc.arg(coupon_id), discount_end = sqlc.narg(discount_end),
    discount_used = sqlc.arg(discount_used), next_action_at = sqlc.narg(next_action_at),
    pending_lines = sqlc.arg(pending_lines), promotion_code_id = sqlc.arg(promotion_code_id),
    default_tax_rates = sqlc.arg(default_tax_rates), metadata = sqlc.arg(metadata), updated = sqlc.arg(updated),
    cancellation_feedback = sqlc.arg(cancellation_feedback), cancellation_comment = sqlc.arg(cancellation_comment)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND version = sqlc.arg(version);

-- name: ListSubscriptions :many
SELECT * FROM subscriptions
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(customer_id) AS text) = '' OR customer_id = sqlc.arg(customer_id))
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  -- replace() finds the exact ",id," substring on both engines (LIKE would
  -- treat _ and % as wildcards and ignore case on SQLite).
  -- A filter holding a comma (the separator) matches nothing.
  AND (CAST(sqlc.arg(price_id) AS text) = '' OR (replace(price_ids, ',' || sqlc.arg(price_id) || ',', '') <> price_ids
       AND replace(sqlc.arg(price_id), ',', '') = sqlc.arg(price_id)))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListSubscriptionsOfCustomer :many
-- A customer's rows by their own index (subscriptions_customer_idx): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- merchant_id || '' keeps the scope's index out of reach: without
-- statistics SQLite would otherwise prefer it for its two equalities.
SELECT * FROM subscriptions
WHERE merchant_id || '' = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND customer_id = sqlc.arg(customer_id)
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  -- replace() finds the exact ",id," substring on both engines (LIKE would
  -- treat _ and % as wildcards and ignore case on SQLite).
  -- A filter holding a comma (the separator) matches nothing.
  AND (CAST(sqlc.arg(price_id) AS text) = '' OR (replace(price_ids, ',' || sqlc.arg(price_id) || ',', '') <> price_ids
       AND replace(sqlc.arg(price_id), ',', '') = sqlc.arg(price_id)))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListSubscriptionsWithStatus :many
-- One status's rows by their own index (subscriptions_status_idx,
-- migration 00042), newest first: the optional-filter form walks the
-- merchant's every subscription until a page of that status turns up, all
-- of them for a status with fewer than a page.
SELECT * FROM subscriptions
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND status = sqlc.arg(status)
  -- replace() finds the exact ",id," substring on both engines (LIKE would
  -- treat _ and % as wildcards and ignore case on SQLite).
  -- A filter holding a comma (the separator) matches nothing.
  AND (CAST(sqlc.arg(price_id) AS text) = '' OR (replace(price_ids, ',' || sqlc.arg(price_id) || ',', '') <> price_ids
       AND replace(sqlc.arg(price_id), ',', '') = sqlc.arg(price_id)))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: DueSubscriptions :many
SELECT * FROM subscriptions
WHERE test_clock_id = sqlc.arg(test_clock_id) AND next_action_at IS NOT NULL AND next_action_at <= sqlc.arg(due_before)
ORDER BY next_action_at, id
LIMIT sqlc.arg(row_limit);

-- name: ClaimTrial :exec
INSERT INTO trial_redemptions (merchant_id, mode, kind, value, subscription_id)
VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(kind), sqlc.arg(value), sqlc.arg(subscription_id));

-- name: ReleaseTrials :exec
DELETE FROM trial_redemptions
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND subscription_id = sqlc.arg(subscription_id);

-- name: NextInvoiceNumber :one
INSERT INTO invoice_counters (merchant_id, mode, last) VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), 1)
ON CONFLICT (merchant_id, mode) DO UPDATE SET last = invoice_counters.last + 1
RETURNING last;

-- name: CreateInvoice :exec
INSERT INTO invoices (id, merchant_id, mode, customer_id, subscription_id, number, status, billing_reason, currency,
    period_start, period_end, lines, subtotal, discount, tax, total, amount_due, amount_paid, attempt_count,
    next_attempt_at, finalized_at, paid_at, voided_at, collection, due_date, payment_method_id, tax_amounts,
    starting_balance, ending_balance, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(customer_id), sqlc.arg(subscription_id),
    sqlc.arg(number), sqlc.arg(status), sqlc.arg(billing_reason), sqlc.arg(currency), sqlc.arg(period_start),
    sqlc.arg(period_end), sqlc.arg(lines), sqlc.arg(subtotal), sqlc.arg(discount), sqlc.arg(tax), sqlc.arg(total),
    sqlc.arg(amount_due), sqlc.arg(amount_paid), sqlc.arg(attempt_count), sqlc.narg(next_attempt_at),
    sqlc.narg(finalized_at), sqlc.narg(paid_at), sqlc.narg(voided_at), sqlc.arg(collection), sqlc.narg(due_date),
    sqlc.arg(payment_method_id), sqlc.arg(tax_amounts), sqlc.arg(starting_balance), sqlc.arg(ending_balance),
    sqlc.arg(created), sqlc.arg(updated));

-- name: GetInvoice :one
SELECT * FROM invoices WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateInvoice :execrows
UPDATE invoices SET
    number = sqlc.arg(number), status = sqlc.arg(status), lines = sqlc.arg(lines), subtotal = sqlc.arg(subtotal),
    discount = sqlc.arg(discount), tax = sqlc.arg(tax), tax_amounts = sqlc.arg(tax_amounts), total = sqlc.arg(total), amount_due = sqlc.arg(amount_due),
    amount_paid = sqlc.arg(amount_paid), attempt_count = sqlc.arg(attempt_count),
    next_attempt_at = sqlc.narg(next_attempt_at), finalized_at = sqlc.narg(finalized_at), paid_at = sqlc.narg(paid_at),
    voided_at = sqlc.narg(voided_at), due_date = sqlc.narg(due_date), payment_method_id = sqlc.arg(payment_method_id),
    starting_balance = sqlc.arg(starting_balance), ending_balance = sqlc.arg(ending_balance), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListInvoices :many
SELECT * FROM invoices
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(customer_id) AS text) = '' OR customer_id = sqlc.arg(customer_id))
  AND (CAST(sqlc.arg(subscription_id) AS text) = '' OR subscription_id = sqlc.arg(subscription_id))
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListInvoicesOfSubscription :many
-- A subscription's rows by their own index (invoices_subscription_idx): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- merchant_id || '' keeps the scope's index out of reach: without
-- statistics SQLite would otherwise prefer it for its two equalities.
SELECT * FROM invoices
WHERE merchant_id || '' = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(customer_id) AS text) = '' OR customer_id = sqlc.arg(customer_id))
  AND subscription_id = sqlc.arg(subscription_id)
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListInvoicesOfCustomer :many
-- A customer's rows by their own index (invoices_customer_idx): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- merchant_id || '' keeps the scope's index out of reach: without
-- statistics SQLite would otherwise prefer it for its two equalities.
SELECT * FROM invoices
WHERE merchant_id || '' = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND customer_id = sqlc.arg(customer_id)
  AND (CAST(sqlc.arg(subscription_id) AS text) = '' OR subscription_id = sqlc.arg(subscription_id))
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CreatePayment :exec
INSERT INTO payments (id, merchant_id, mode, invoice_id, customer_id, attempt, gateway, payment_method_id, amount,
    currency, idempotency_key, gateway_ref, status, failure_class, failure_code, failure_message, amount_refunded,
    next_action_url, return_url, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(invoice_id), sqlc.arg(customer_id),
    sqlc.arg(attempt), sqlc.arg(gateway), sqlc.arg(payment_method_id), sqlc.arg(amount), sqlc.arg(currency),
    sqlc.arg(idempotency_key), sqlc.arg(gateway_ref), sqlc.arg(status), sqlc.arg(failure_class),
    sqlc.arg(failure_code), sqlc.arg(failure_message), sqlc.arg(amount_refunded), sqlc.arg(next_action_url),
    sqlc.arg(return_url), sqlc.arg(created), sqlc.arg(updated));

-- name: GetPayment :one
SELECT * FROM payments WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: GetPaymentByIdempotencyKey :one
SELECT * FROM payments
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND idempotency_key = sqlc.arg(idempotency_key);

-- name: UpdatePayment :execrows
UPDATE payments SET gateway_ref = sqlc.arg(gateway_ref), status = sqlc.arg(status), failure_class = sqlc.arg(failure_class),
    failure_code = sqlc.arg(failure_code), failure_message = sqlc.arg(failure_message),
    amount_refunded = sqlc.arg(amount_refunded), next_action_url = sqlc.arg(next_action_url), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListUnsettledPayments :many
-- Payments whose outcome is still open, last touched before a time, that
-- no subscription sweep looks after: pay-page attempts (no saved card)
-- and attempts on invoices without a subscription (all merchants: the
-- reconciler is a system job).
SELECT * FROM payments
WHERE payments.status IN ('pending', 'unknown') AND payments.updated < sqlc.arg(updated_before)
  AND (payments.payment_method_id = ''
    OR payments.invoice_id IN (SELECT invoices.id FROM invoices WHERE invoices.subscription_id = ''))
ORDER BY payments.updated, payments.id
LIMIT sqlc.arg(row_limit);

-- name: ListPayments :many
SELECT * FROM payments
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(invoice_id) AS text) = '' OR invoice_id = sqlc.arg(invoice_id))
  AND (CAST(sqlc.arg(customer_id) AS text) = '' OR customer_id = sqlc.arg(customer_id))
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListPaymentsOfInvoice :many
-- An invoice's rows by their own index (payments_invoice_idx): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- merchant_id || '' keeps the scope's index out of reach: without
-- statistics SQLite would otherwise prefer it for its two equalities.
SELECT * FROM payments
WHERE merchant_id || '' = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND invoice_id = sqlc.arg(invoice_id)
  AND (CAST(sqlc.arg(customer_id) AS text) = '' OR customer_id = sqlc.arg(customer_id))
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListPaymentsOfCustomer :many
-- A customer's rows by their own index (payments_customer_idx): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- merchant_id || '' keeps the scope's index out of reach: without
-- statistics SQLite would otherwise prefer it for its two equalities.
SELECT * FROM payments
WHERE merchant_id || '' = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(invoice_id) AS text) = '' OR invoice_id = sqlc.arg(invoice_id))
  AND customer_id = sqlc.arg(customer_id)
  AND (CAST(sqlc.arg(status) AS text) = '' OR status = sqlc.arg(status))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CreateRefund :exec
INSERT INTO refunds (id, merchant_id, mode, payment_id, amount, currency, status, reason, gateway_ref, tax, tax_amounts,
    created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(payment_id), sqlc.arg(amount), sqlc.arg(currency),
    sqlc.arg(status), sqlc.arg(reason), sqlc.arg(gateway_ref), sqlc.arg(tax), sqlc.arg(tax_amounts),
    sqlc.arg(created), sqlc.arg(updated));

-- name: GetRefund :one
SELECT * FROM refunds WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateRefund :execrows
UPDATE refunds SET status = sqlc.arg(status), gateway_ref = sqlc.arg(gateway_ref), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListRefunds :many
SELECT * FROM refunds
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(payment_id) AS text) = '' OR payment_id = sqlc.arg(payment_id))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: GetRefundByGatewayRef :one
SELECT * FROM refunds WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND gateway_ref = sqlc.arg(gateway_ref)
ORDER BY id LIMIT 1;

-- name: ListPendingRefunds :many
-- Refunds a gateway has taken but not settled, last touched before a time
-- (all merchants: the reconciler is a system job).
SELECT * FROM refunds WHERE status = 'pending' AND gateway_ref <> '' AND updated < sqlc.arg(updated_before)
ORDER BY updated, id
LIMIT sqlc.arg(row_limit);

-- name: TouchRefund :execrows
UPDATE refunds SET updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND status = 'pending';

-- name: ReleaseSubscriptionClaims :exec
-- A sweep lane is done with what it claimed under claim_token.
-- claim_token <> '' lets a generic plan use the partial subscriptions_claim_idx
-- (without it PostgreSQL scanned every subscription on each call).
UPDATE subscriptions SET claim_token = '', claimed_until = NULL
WHERE claim_token = sqlc.arg(claim_token) AND claim_token <> '';

-- name: ExtendSubscriptionClaims :exec
-- A sweep lane still working renews its claims (a heartbeat), so a short
-- lease frees a dead sweeper's subscriptions soon without a live one's
-- expiring under it. claim_token <> '': see ReleaseSubscriptionClaims.
UPDATE subscriptions SET claimed_until = sqlc.arg(claimed_until)
WHERE claim_token = sqlc.arg(claim_token) AND claim_token <> '';

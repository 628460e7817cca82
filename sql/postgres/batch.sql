-- Postgres-only queries for the batched renewal pipeline (DESIGN §10):
-- claiming rows with FOR UPDATE SKIP LOCKED and pipelined batch writes.

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

-- name: BatchCreateInvoice :batchexec
INSERT INTO invoices (id, merchant_id, mode, customer_id, subscription_id, number, status, billing_reason, currency,
    period_start, period_end, lines, subtotal, discount, tax, total, amount_due, amount_paid, attempt_count,
    next_attempt_at, finalized_at, paid_at, voided_at, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(customer_id), sqlc.arg(subscription_id),
    sqlc.arg(number), sqlc.arg(status), sqlc.arg(billing_reason), sqlc.arg(currency), sqlc.arg(period_start),
    sqlc.arg(period_end), sqlc.arg(lines), sqlc.arg(subtotal), sqlc.arg(discount), sqlc.arg(tax), sqlc.arg(total),
    sqlc.arg(amount_due), sqlc.arg(amount_paid), sqlc.arg(attempt_count), sqlc.narg(next_attempt_at),
    sqlc.narg(finalized_at), sqlc.narg(paid_at), sqlc.narg(voided_at), sqlc.arg(created), sqlc.arg(updated));

-- name: BatchCreatePayment :batchexec
INSERT INTO payments (id, merchant_id, mode, invoice_id, customer_id, attempt, gateway, payment_method_id, amount,
    currency, idempotency_key, gateway_ref, status, failure_class, failure_code, failure_message, amount_refunded,
    created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(invoice_id), sqlc.arg(customer_id),
    sqlc.arg(attempt), sqlc.arg(gateway), sqlc.arg(payment_method_id), sqlc.arg(amount), sqlc.arg(currency),
    sqlc.arg(idempotency_key), sqlc.arg(gateway_ref), sqlc.arg(status), sqlc.arg(failure_class),
    sqlc.arg(failure_code), sqlc.arg(failure_message), sqlc.arg(amount_refunded), sqlc.arg(created), sqlc.arg(updated));

-- name: BatchCreateEvent :batchexec
INSERT INTO events (id, merchant_id, mode, type, object_type, object_id, data, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(type), sqlc.arg(object_type),
        sqlc.arg(object_id), sqlc.arg(data), sqlc.arg(created));

-- name: BatchInsertAuditEntry :batchexec
INSERT INTO audit_entries (id, merchant_id, seq, mode, actor, action, object_type, object_id, before, after,
                           request_id, client_ip, created, prev_hash, hash)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(seq), sqlc.arg(mode), sqlc.arg(actor), sqlc.arg(action),
        sqlc.arg(object_type), sqlc.arg(object_id), sqlc.arg(before), sqlc.arg(after), sqlc.arg(request_id),
        sqlc.arg(client_ip), sqlc.arg(created), sqlc.arg(prev_hash), sqlc.arg(hash));

-- name: BatchUpdateInvoice :batchexec
UPDATE invoices SET
    number = sqlc.arg(number), status = sqlc.arg(status), lines = sqlc.arg(lines), subtotal = sqlc.arg(subtotal),
    discount = sqlc.arg(discount), tax = sqlc.arg(tax), total = sqlc.arg(total), amount_due = sqlc.arg(amount_due),
    amount_paid = sqlc.arg(amount_paid), attempt_count = sqlc.arg(attempt_count),
    next_attempt_at = sqlc.narg(next_attempt_at), finalized_at = sqlc.narg(finalized_at), paid_at = sqlc.narg(paid_at),
    voided_at = sqlc.narg(voided_at), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: BatchUpdatePayment :batchexec
UPDATE payments SET gateway_ref = sqlc.arg(gateway_ref), status = sqlc.arg(status), failure_class = sqlc.arg(failure_class),
    failure_code = sqlc.arg(failure_code), failure_message = sqlc.arg(failure_message),
    amount_refunded = sqlc.arg(amount_refunded), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: BatchUpdateSubscription :batchone
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
    pending_lines = sqlc.arg(pending_lines), promotion_code_id = sqlc.arg(promotion_code_id), metadata = sqlc.arg(metadata),
    updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND version = sqlc.arg(version)
RETURNING id;

-- name: GetPaymentMethodsByID :many
SELECT * FROM payment_methods WHERE id = ANY(sqlc.arg(ids)::text[]);

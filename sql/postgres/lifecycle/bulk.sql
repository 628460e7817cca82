-- Postgres-only bulk writes for the batched renewal pipeline
-- (docs/architecture.md, "Scale"). New rows go in with COPY; updates join the
-- table to unnested arrays, so a chunk of hundreds of rows costs one statement
-- per table, not one per row. Optional times travel as text ('' = NULL) because
-- array parameters cannot carry NULL elements through sqlc's time.Time mapping.

-- name: CopyInvoices :copyfrom
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

-- name: CopyPayments :copyfrom
INSERT INTO payments (id, merchant_id, mode, invoice_id, customer_id, attempt, gateway, payment_method_id, amount,
    currency, idempotency_key, gateway_ref, status, failure_class, failure_code, failure_message, amount_refunded,
    next_action_url, return_url, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(invoice_id), sqlc.arg(customer_id),
    sqlc.arg(attempt), sqlc.arg(gateway), sqlc.arg(payment_method_id), sqlc.arg(amount), sqlc.arg(currency),
    sqlc.arg(idempotency_key), sqlc.arg(gateway_ref), sqlc.arg(status), sqlc.arg(failure_class),
    sqlc.arg(failure_code), sqlc.arg(failure_message), sqlc.arg(amount_refunded), sqlc.arg(next_action_url),
    sqlc.arg(return_url), sqlc.arg(created), sqlc.arg(updated));

-- name: BulkUpdateInvoices :execrows
UPDATE invoices AS i SET
    number = u.number, status = u.status, lines = u.lines, subtotal = u.subtotal, discount = u.discount, tax = u.tax,
    total = u.total, amount_due = u.amount_due, amount_paid = u.amount_paid, attempt_count = u.attempt_count,
    next_attempt_at = NULLIF(u.next_attempt_at, '')::timestamptz, finalized_at = NULLIF(u.finalized_at, '')::timestamptz,
    paid_at = NULLIF(u.paid_at, '')::timestamptz, voided_at = NULLIF(u.voided_at, '')::timestamptz, updated = u.updated
FROM (
    SELECT unnest(sqlc.arg(ids)::text[]) AS id, unnest(sqlc.arg(merchant_ids)::text[]) AS merchant_id,
        unnest(sqlc.arg(modes)::text[]) AS mode, unnest(sqlc.arg(numbers)::text[]) AS number,
        unnest(sqlc.arg(statuses)::text[]) AS status, unnest(sqlc.arg(lines)::text[]) AS lines,
        unnest(sqlc.arg(subtotals)::bigint[]) AS subtotal, unnest(sqlc.arg(discounts)::bigint[]) AS discount,
        unnest(sqlc.arg(taxes)::bigint[]) AS tax, unnest(sqlc.arg(totals)::bigint[]) AS total,
        unnest(sqlc.arg(amounts_due)::bigint[]) AS amount_due, unnest(sqlc.arg(amounts_paid)::bigint[]) AS amount_paid,
        unnest(sqlc.arg(attempt_counts)::bigint[]) AS attempt_count,
        unnest(sqlc.arg(next_attempts_at)::text[]) AS next_attempt_at,
        unnest(sqlc.arg(finalized_ats)::text[]) AS finalized_at, unnest(sqlc.arg(paid_ats)::text[]) AS paid_at,
        unnest(sqlc.arg(voided_ats)::text[]) AS voided_at, unnest(sqlc.arg(updateds)::timestamptz[]) AS updated
) AS u
-- The row is found by its primary key; its scope is checked, not searched
-- (as an index condition it drew the planner to a (merchant_id, mode, …)
-- index and a scan of the merchant's rows for each one).
WHERE i.id = u.id AND (i.merchant_id, i.mode) IS NOT DISTINCT FROM (u.merchant_id, u.mode);

-- name: BulkUpdatePayments :execrows
UPDATE payments AS p SET
    gateway_ref = u.gateway_ref, status = u.status, failure_class = u.failure_class, failure_code = u.failure_code,
    failure_message = u.failure_message, amount_refunded = u.amount_refunded, updated = u.updated
FROM (
    SELECT unnest(sqlc.arg(ids)::text[]) AS id, unnest(sqlc.arg(merchant_ids)::text[]) AS merchant_id,
        unnest(sqlc.arg(modes)::text[]) AS mode, unnest(sqlc.arg(gateway_refs)::text[]) AS gateway_ref,
        unnest(sqlc.arg(statuses)::text[]) AS status, unnest(sqlc.arg(failure_classes)::text[]) AS failure_class,
        unnest(sqlc.arg(failure_codes)::text[]) AS failure_code,
        unnest(sqlc.arg(failure_messages)::text[]) AS failure_message,
        unnest(sqlc.arg(amounts_refunded)::bigint[]) AS amount_refunded,
        unnest(sqlc.arg(updateds)::timestamptz[]) AS updated
) AS u
-- The row is found by its primary key; its scope is checked, not searched
-- (as an index condition it drew the planner to a (merchant_id, mode, …)
-- index and a scan of the merchant's rows for each one).
WHERE p.id = u.id AND (p.merchant_id, p.mode) IS NOT DISTINCT FROM (u.merchant_id, u.mode);

-- name: BulkUpdateSubscriptions :many
-- Optimistic: a row whose version moved is left alone and missing from the
-- returned ids. claim_token, when not empty, claims the rows until
-- claimed_until; otherwise release_claim, when it is the row's claim,
-- ends it (billing.ClaimChange).
UPDATE subscriptions AS s SET
    claim_token = CASE WHEN sqlc.arg(claim_token)::text <> '' THEN sqlc.arg(claim_token)::text
        WHEN s.claim_token = sqlc.arg(release_claim)::text THEN '' ELSE s.claim_token END,
    claimed_until = CASE WHEN sqlc.arg(claim_token)::text <> '' THEN sqlc.narg(claimed_until)::timestamptz
        WHEN s.claim_token = sqlc.arg(release_claim)::text THEN NULL ELSE s.claimed_until END,
    version = s.version + 1, status = u.status, items = u.items, price_ids = u.price_ids, currency = u.currency,
    interval = u.interval, interval_count = u.interval_count, payment_method_id = u.payment_method_id,
    billing_anchor = u.billing_anchor, cycle_index = u.cycle_index, current_period_start = u.current_period_start,
    current_period_end = u.current_period_end, trial_start = NULLIF(u.trial_start, '')::timestamptz,
    trial_end = NULLIF(u.trial_end, '')::timestamptz, trial_will_end_sent = u.trial_will_end_sent,
    cancel_at_period_end = u.cancel_at_period_end, cancel_at = NULLIF(u.cancel_at, '')::timestamptz,
    canceled_at = NULLIF(u.canceled_at, '')::timestamptz, cancellation_reason = u.cancellation_reason,
    ended_at = NULLIF(u.ended_at, '')::timestamptz, max_cycles = u.max_cycles,
    end_date = NULLIF(u.end_date, '')::timestamptz, pending_change = u.pending_change, coupon_id = u.coupon_id,
    discount_end = NULLIF(u.discount_end, '')::timestamptz, discount_used = u.discount_used,
    next_action_at = NULLIF(u.next_action_at, '')::timestamptz, pending_lines = u.pending_lines,
    promotion_code_id = u.promotion_code_id, metadata = u.metadata, updated = u.updated
FROM (
    SELECT unnest(sqlc.arg(ids)::text[]) AS id, unnest(sqlc.arg(merchant_ids)::text[]) AS merchant_id,
        unnest(sqlc.arg(modes)::text[]) AS mode, unnest(sqlc.arg(versions)::bigint[]) AS version,
        unnest(sqlc.arg(statuses)::text[]) AS status, unnest(sqlc.arg(items)::text[]) AS items,
        unnest(sqlc.arg(price_ids)::text[]) AS price_ids, unnest(sqlc.arg(currencies)::text[]) AS currency,
        unnest(sqlc.arg(intervals)::text[]) AS interval, unnest(sqlc.arg(interval_counts)::bigint[]) AS interval_count,
        unnest(sqlc.arg(payment_method_ids)::text[]) AS payment_method_id,
        unnest(sqlc.arg(billing_anchors)::timestamptz[]) AS billing_anchor,
        unnest(sqlc.arg(cycle_indexes)::bigint[]) AS cycle_index,
        unnest(sqlc.arg(current_period_starts)::timestamptz[]) AS current_period_start,
        unnest(sqlc.arg(current_period_ends)::timestamptz[]) AS current_period_end,
        unnest(sqlc.arg(trial_starts)::text[]) AS trial_start, unnest(sqlc.arg(trial_ends)::text[]) AS trial_end,
        unnest(sqlc.arg(trial_will_end_sents)::boolean[]) AS trial_will_end_sent,
        unnest(sqlc.arg(cancel_at_period_ends)::boolean[]) AS cancel_at_period_end,
        unnest(sqlc.arg(cancel_ats)::text[]) AS cancel_at, unnest(sqlc.arg(canceled_ats)::text[]) AS canceled_at,
        unnest(sqlc.arg(cancellation_reasons)::text[]) AS cancellation_reason,
        unnest(sqlc.arg(ended_ats)::text[]) AS ended_at, unnest(sqlc.arg(max_cycles)::bigint[]) AS max_cycles,
        unnest(sqlc.arg(end_dates)::text[]) AS end_date, unnest(sqlc.arg(pending_changes)::text[]) AS pending_change,
        unnest(sqlc.arg(coupon_ids)::text[]) AS coupon_id, unnest(sqlc.arg(discount_ends)::text[]) AS discount_end,
        unnest(sqlc.arg(discount_useds)::boolean[]) AS discount_used,
        unnest(sqlc.arg(next_actions_at)::text[]) AS next_action_at,
        unnest(sqlc.arg(pending_lines)::text[]) AS pending_lines,
        unnest(sqlc.arg(promotion_code_ids)::text[]) AS promotion_code_id,
        unnest(sqlc.arg(metadatas)::text[]) AS metadata, unnest(sqlc.arg(updateds)::timestamptz[]) AS updated
) AS u
-- The row is found by its primary key; its scope is checked, not searched
-- (as an index condition it drew the planner to a (merchant_id, mode, …)
-- index and a scan of the merchant's rows for each one).
WHERE s.id = u.id AND (s.merchant_id, s.mode) IS NOT DISTINCT FROM (u.merchant_id, u.mode) AND s.version = u.version
RETURNING s.id;

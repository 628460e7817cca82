-- Hosted pages: checkout sessions, portal sessions, publishable keys.

-- name: CreateCheckoutSession :exec
INSERT INTO checkout_sessions (id, merchant_id, mode, version, session_mode, status, customer_id, customer_email,
    line_items, success_url, cancel_url, allow_promotion_codes, trial_period_days, locale, gateway, promotion_code,
    secret_hash, setup_id, payment_method_id, subscription_id, failure_message, publishable_key, expires_at,
    completed_at, invoice_id, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), 1, sqlc.arg(session_mode), sqlc.arg(status),
    sqlc.arg(customer_id), sqlc.arg(customer_email), sqlc.arg(line_items), sqlc.arg(success_url), sqlc.arg(cancel_url),
    sqlc.arg(allow_promotion_codes), sqlc.arg(trial_period_days), sqlc.arg(locale), sqlc.arg(gateway),
    sqlc.arg(promotion_code), sqlc.arg(secret_hash), sqlc.arg(setup_id), sqlc.arg(payment_method_id),
    sqlc.arg(subscription_id), sqlc.arg(failure_message), sqlc.arg(publishable_key), sqlc.arg(expires_at),
    sqlc.narg(completed_at), sqlc.arg(invoice_id), sqlc.arg(created), sqlc.arg(updated));

-- name: GetCheckoutSession :one
SELECT * FROM checkout_sessions WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: GetCheckoutSessionByID :one
SELECT * FROM checkout_sessions WHERE id = sqlc.arg(id);

-- name: UpdateCheckoutSession :execrows
UPDATE checkout_sessions SET version = version + 1, status = sqlc.arg(status), customer_id = sqlc.arg(customer_id),
    customer_email = sqlc.arg(customer_email), line_items = sqlc.arg(line_items), gateway = sqlc.arg(gateway),
    promotion_code = sqlc.arg(promotion_code), setup_id = sqlc.arg(setup_id),
    payment_method_id = sqlc.arg(payment_method_id), subscription_id = sqlc.arg(subscription_id),
    failure_message = sqlc.arg(failure_message), completed_at = sqlc.narg(completed_at), invoice_id = sqlc.arg(invoice_id),
    updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND version = sqlc.arg(version);

-- name: CreatePortalSession :exec
INSERT INTO portal_sessions (id, merchant_id, mode, customer_id, return_url, secret_hash, expires_at, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(customer_id), sqlc.arg(return_url),
    sqlc.arg(secret_hash), sqlc.arg(expires_at), sqlc.arg(created));

-- name: GetPortalSessionByID :one
SELECT * FROM portal_sessions WHERE id = sqlc.arg(id);

-- name: CreatePublishableKey :exec
INSERT INTO publishable_keys (id, merchant_id, mode, success_url, cancel_url, form_secret, revoked, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(success_url), sqlc.arg(cancel_url),
    sqlc.arg(form_secret), sqlc.narg(revoked), sqlc.arg(created));

-- name: GetPublishableKey :one
SELECT * FROM publishable_keys WHERE id = sqlc.arg(id);

-- name: ListPublishableKeys :many
SELECT * FROM publishable_keys WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) ORDER BY id DESC LIMIT 100;

-- name: RevokePublishableKey :execrows
UPDATE publishable_keys SET revoked = COALESCE(revoked, sqlc.arg(revoked))
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

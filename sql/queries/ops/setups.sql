-- Payment method setups: a customer saving a payment method through a
-- gateway's hosted flow, and the gateway's reference to it.

-- name: CreateSetup :exec
INSERT INTO payment_method_setups (id, merchant_id, mode, customer_id, gateway, return_url, secret_hash, status,
    payment_method_id, failure_message, expires_at, created, updated, gateway_ref)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(customer_id), sqlc.arg(gateway),
    sqlc.arg(return_url), sqlc.arg(secret_hash), sqlc.arg(status), sqlc.arg(payment_method_id),
    sqlc.arg(failure_message), sqlc.arg(expires_at), sqlc.arg(created), sqlc.arg(updated), sqlc.arg(gateway_ref));

-- name: GetSetup :one
SELECT * FROM payment_method_setups WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: GetSetupByID :one
SELECT * FROM payment_method_setups WHERE id = sqlc.arg(id);

-- name: UpdateSetup :execrows
UPDATE payment_method_setups SET status = sqlc.arg(status), payment_method_id = sqlc.arg(payment_method_id),
    failure_message = sqlc.arg(failure_message), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND status = 'pending';

-- name: SetSetupGatewayRef :execrows
UPDATE payment_method_setups SET gateway_ref = sqlc.arg(gateway_ref)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND status = 'pending';

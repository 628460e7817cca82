-- Gateway configuration and references to gateway-side objects.

-- name: PutGatewayConfig :exec
INSERT INTO merchant_gateways (merchant_id, mode, gateway, sealed, created, updated)
VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(gateway), sqlc.arg(sealed), sqlc.arg(created), sqlc.arg(updated))
ON CONFLICT (merchant_id, mode, gateway) DO UPDATE SET sealed = excluded.sealed, updated = excluded.updated;

-- name: GetGatewayConfig :one
SELECT * FROM merchant_gateways WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND gateway = sqlc.arg(gateway);

-- name: ListGatewayConfigs :many
SELECT * FROM merchant_gateways WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) ORDER BY gateway;

-- name: DeleteGatewayConfig :execrows
DELETE FROM merchant_gateways WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND gateway = sqlc.arg(gateway);

-- name: ReserveGatewayCustomer :execrows
INSERT INTO gateway_customers (merchant_id, mode, customer_id, gateway, gateway_customer_id, created, updated)
VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(customer_id), sqlc.arg(gateway), sqlc.arg(gateway_customer_id),
        sqlc.arg(created), sqlc.arg(updated))
ON CONFLICT (merchant_id, mode, customer_id, gateway) DO NOTHING;

-- name: UpdateGatewayCustomer :execrows
UPDATE gateway_customers SET gateway_customer_id = sqlc.arg(gateway_customer_id), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND customer_id = sqlc.arg(customer_id)
  AND gateway = sqlc.arg(gateway) AND updated = sqlc.arg(prev_updated);

-- name: DeleteGatewayCustomerReservation :execrows
-- Only a reservation (no gateway id yet) that is still the caller's (its
-- updated unchanged since the caller reserved it or took it over).
DELETE FROM gateway_customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND customer_id = sqlc.arg(customer_id)
  AND gateway = sqlc.arg(gateway) AND gateway_customer_id = '' AND updated = sqlc.arg(updated);

-- name: GetGatewayCustomer :one
SELECT * FROM gateway_customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND customer_id = sqlc.arg(customer_id) AND gateway = sqlc.arg(gateway);

-- name: RecordGatewayNotification :execrows
INSERT INTO gateway_notifications (gateway, external_id, merchant_id, mode, created)
VALUES (sqlc.arg(gateway), sqlc.arg(external_id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(created))
ON CONFLICT (gateway, external_id) DO NOTHING;

-- name: SetSetupGatewayRef :execrows
UPDATE payment_method_setups SET gateway_ref = sqlc.arg(gateway_ref)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND status = 'pending';

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

-- name: GetPaymentByIdempotencyKey :one
SELECT * FROM payments
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND idempotency_key = sqlc.arg(idempotency_key);

-- Gateway configuration, gateway customers and incoming notifications.
-- Reads of payments and refunds by their gateway references are with
-- their tables in sql/queries/lifecycle; setups in setups.sql.

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

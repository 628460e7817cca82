-- name: CustomerBalances :many
SELECT * FROM customer_balances
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND customer_id IN (sqlc.slice(ids));

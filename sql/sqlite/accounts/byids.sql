-- name: GetCustomers :many
-- The customers a page of rows names, in one read by primary key.
SELECT * FROM customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id IN (sqlc.slice(ids));

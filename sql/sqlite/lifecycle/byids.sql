-- Reads by a page's ids: the invoices, payments and refunds a page of
-- rows names, each kind in one read by primary key.

-- name: GetInvoices :many
SELECT * FROM invoices
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id IN (sqlc.slice(ids));

-- name: GetPayments :many
SELECT * FROM payments
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id IN (sqlc.slice(ids));

-- name: GetRefunds :many
SELECT * FROM refunds
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id IN (sqlc.slice(ids));

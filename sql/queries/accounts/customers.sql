-- name: CreateCustomer :exec
INSERT INTO customers (id, merchant_id, mode, email, name, external_id, locale, test_clock_id, tax_exempt, metadata, tax_profile, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(email), sqlc.arg(name),
        sqlc.arg(external_id), sqlc.arg(locale), sqlc.arg(test_clock_id), sqlc.arg(tax_exempt), sqlc.arg(metadata), sqlc.arg(tax_profile),
        sqlc.arg(created), sqlc.arg(updated));

-- name: GetCustomer :one
SELECT * FROM customers WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateCustomer :execrows
UPDATE customers
SET email = sqlc.arg(email), name = sqlc.arg(name), external_id = sqlc.arg(external_id),
    locale = sqlc.arg(locale), tax_exempt = sqlc.arg(tax_exempt), metadata = sqlc.arg(metadata), tax_profile = sqlc.arg(tax_profile),
    updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND deleted IS NULL;

-- name: DeleteCustomer :execrows
-- A soft delete: the row stays for what refers to it (invoices, payments,
-- audit entries); a customer already deleted is not touched.
UPDATE customers SET deleted = sqlc.arg(deleted), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id) AND deleted IS NULL;

-- name: ListCustomers :many
SELECT * FROM customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND deleted IS NULL
  AND (CAST(sqlc.arg(email) AS text) = '' OR email = sqlc.arg(email))
  AND (CAST(sqlc.arg(external_id) AS text) = '' OR external_id = sqlc.arg(external_id))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListCustomersByExternalID :many
-- An external id's row by its partial unique index (customers_external_id_key): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- Ordering by id || '' (the same order) keeps SQLite from preferring the
-- scope's index, which would spare it the sort of these few rows.
SELECT * FROM customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND deleted IS NULL
  AND (CAST(sqlc.arg(email) AS text) = '' OR email = sqlc.arg(email))
  AND external_id = sqlc.arg(external_id) AND external_id <> '' -- implies the partial index's predicate
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id || '' DESC
LIMIT sqlc.arg(row_limit);

-- name: ListCustomersByEmail :many
-- An email address's rows by their own index (customers_email_idx): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- Ordering by id || '' (the same order) keeps SQLite from preferring the
-- scope's index, which would spare it the sort of these few rows.
SELECT * FROM customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND deleted IS NULL
  AND email = sqlc.arg(email)
  AND (CAST(sqlc.arg(external_id) AS text) = '' OR external_id = sqlc.arg(external_id))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id || '' DESC
LIMIT sqlc.arg(row_limit);


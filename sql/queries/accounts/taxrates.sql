-- name: CreateTaxRate :exec
INSERT INTO tax_rates (id, merchant_id, mode, display_name, description, country, percentage, inclusive,
                       active, metadata, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(display_name), sqlc.arg(description),
        sqlc.arg(country), sqlc.arg(percentage), sqlc.arg(inclusive), sqlc.arg(active), sqlc.arg(metadata),
        sqlc.arg(created), sqlc.arg(updated));

-- name: GetTaxRate :one
SELECT * FROM tax_rates WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateTaxRate :execrows
-- percentage and inclusive are not here: they never change.
UPDATE tax_rates
SET display_name = sqlc.arg(display_name), description = sqlc.arg(description), country = sqlc.arg(country),
    active = sqlc.arg(active), metadata = sqlc.arg(metadata), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListTaxRates :many
SELECT * FROM tax_rates
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (NOT CAST(sqlc.arg(filter_active) AS boolean) OR active = sqlc.arg(active))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CreateProduct :exec
INSERT INTO products (id, merchant_id, mode, name, description, features, feature_labels, active, metadata, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(name), sqlc.arg(description),
        sqlc.arg(features), sqlc.arg(feature_labels), sqlc.arg(active), sqlc.arg(metadata), sqlc.arg(created), sqlc.arg(updated));

-- name: GetProduct :one
SELECT * FROM products WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateProduct :execrows
UPDATE products
SET name = sqlc.arg(name), description = sqlc.arg(description), features = sqlc.arg(features),
    feature_labels = sqlc.arg(feature_labels), active = sqlc.arg(active), metadata = sqlc.arg(metadata), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListProducts :many
SELECT * FROM products
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (NOT CAST(sqlc.arg(filter_active) AS boolean) OR active = sqlc.arg(active))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CreatePrice :exec
INSERT INTO prices (id, merchant_id, mode, product_id, nickname, unit_amount, currency, type,
                    recurring_interval, recurring_interval_count, lookup_key, trial_period_days,
                    active, tax_rates, metadata, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(product_id), sqlc.arg(nickname),
        sqlc.arg(unit_amount), sqlc.arg(currency), sqlc.arg(type), sqlc.arg(recurring_interval),
        sqlc.arg(recurring_interval_count), sqlc.arg(lookup_key), sqlc.arg(trial_period_days),
        sqlc.arg(active), sqlc.arg(tax_rates), sqlc.arg(metadata), sqlc.arg(created), sqlc.arg(updated));

-- name: GetPrice :one
SELECT * FROM prices WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdatePrice :execrows
UPDATE prices
SET nickname = sqlc.arg(nickname), lookup_key = sqlc.arg(lookup_key),
    trial_period_days = sqlc.arg(trial_period_days), active = sqlc.arg(active), tax_rates = sqlc.arg(tax_rates),
    metadata = sqlc.arg(metadata), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListPrices :many
SELECT * FROM prices
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(product_id) AS text) = '' OR product_id = sqlc.arg(product_id))
  AND (CAST(sqlc.arg(lookup_key) AS text) = '' OR lookup_key = sqlc.arg(lookup_key))
  AND (CAST(sqlc.arg(type) AS text) = '' OR type = sqlc.arg(type))
  AND (NOT CAST(sqlc.arg(filter_active) AS boolean) OR active = sqlc.arg(active))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

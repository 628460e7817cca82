-- The accounts group's queries only SQLite runs.

-- name: SearchCustomers :many
-- The console's search: an exact email or external id, or a part of the
-- name, all ignoring case (query is in lower case and not empty). A name
-- contains query when removing query changes it (SQLite's LIKE ignores
-- case of ASCII letters only). This reads the merchant's customers:
-- SQLite has no trigram index; PostgreSQL's twin uses one.
SELECT * FROM customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND deleted IS NULL
  AND (lower(email) = sqlc.arg(query) OR lower(external_id) = sqlc.arg(query)
       OR replace(lower(name), sqlc.arg(query), '') <> lower(name))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: SearchCustomersByPrefix :many
-- The console's search of one or two characters: the start of the email,
-- the external id, the name or the name's second word, ignoring case
-- (prefix is in lower case, prefix_end is billing.PrefixEnd of it: the
-- range [prefix, prefix_end) is exactly the texts that start with prefix,
-- SQLite comparing text by its bytes). Each alternative is a range of its
-- own index of migration 00044, which SQLite reads as one OR of indexes.
SELECT * FROM customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND deleted IS NULL
  AND ((lower(email) >= sqlc.arg(prefix) AND lower(email) < sqlc.arg(prefix_end))
    OR (external_id <> '' AND lower(external_id) >= sqlc.arg(prefix) AND lower(external_id) < sqlc.arg(prefix_end))
    OR (lower(name) >= sqlc.arg(prefix) AND lower(name) < sqlc.arg(prefix_end))
    OR (instr(name, ' ') > 0 AND substr(lower(name), instr(lower(name), ' ') + 1) >= sqlc.arg(prefix)
        AND substr(lower(name), instr(lower(name), ' ') + 1) < sqlc.arg(prefix_end)))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

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

-- The accounts group's queries only PostgreSQL runs.

-- name: SearchCustomers :many
-- The console's search: an exact email or external id, or a part of the
-- name, all ignoring case (query is in lower case and not empty;
-- name_pattern is '%' || query || '%' with LIKE's %, _ and \ escaped, so
-- it matches exactly the names that contain query). Each alternative has
-- an index (migration 00042): the lower-case email and external id, and
-- the trigram index on lower(name) where pg_trgm is installed, so the
-- planner can take the rows that match instead of reading the merchant's
-- every customer. The order is by id || '' (the same order) so that no
-- index gives it: otherwise a generic plan, which cannot see the limit,
-- walks the primary key newest first and filters, reading every customer
-- when fewer than a page match. SQLite's twin says the same with replace().
SELECT * FROM customers
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND deleted IS NULL
  AND (lower(email) = sqlc.arg(query) OR lower(external_id) = sqlc.arg(query)
       OR lower(name) LIKE sqlc.arg(name_pattern))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id || '' DESC
LIMIT sqlc.arg(row_limit);

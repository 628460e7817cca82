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

-- name: SearchCustomersByPrefix :many
-- The console's search of one or two characters (too short for the trigram
-- index): the start of the email, the external id, the name or the name's
-- second word, ignoring case (prefix is in lower case, prefix_end is
-- billing.PrefixEnd of it: the range [prefix, prefix_end) in byte order is
-- exactly the texts that start with prefix). Each branch reads its own index
-- of migration 00044 and keeps its newest row_limit ids, so a prefix that
-- most customers share costs one index range, never the table; the order
-- by id || '' (in the branches and outside) keeps a generic plan from
-- walking the primary key instead (see SearchCustomers). The union is at
-- most four pages of ids, whose rows are read by primary key.
SELECT customers.* FROM customers
WHERE customers.merchant_id = sqlc.arg(merchant_id) AND customers.mode = sqlc.arg(mode) AND customers.id IN (
  (SELECT c.id FROM customers c WHERE c.merchant_id = sqlc.arg(merchant_id) AND c.mode = sqlc.arg(mode) AND c.deleted IS NULL
     AND lower(c.email) COLLATE "C" >= sqlc.arg(prefix) AND lower(c.email) COLLATE "C" < sqlc.arg(prefix_end)
     AND (CAST(sqlc.arg(starting_after) AS text) = '' OR c.id < sqlc.arg(starting_after))
   ORDER BY c.id || '' DESC LIMIT sqlc.arg(row_limit))
  UNION ALL
  (SELECT c.id FROM customers c WHERE c.merchant_id = sqlc.arg(merchant_id) AND c.mode = sqlc.arg(mode) AND c.deleted IS NULL
     AND c.external_id <> ''
     AND lower(c.external_id) COLLATE "C" >= sqlc.arg(prefix) AND lower(c.external_id) COLLATE "C" < sqlc.arg(prefix_end)
     AND (CAST(sqlc.arg(starting_after) AS text) = '' OR c.id < sqlc.arg(starting_after))
   ORDER BY c.id || '' DESC LIMIT sqlc.arg(row_limit))
  UNION ALL
  (SELECT c.id FROM customers c WHERE c.merchant_id = sqlc.arg(merchant_id) AND c.mode = sqlc.arg(mode) AND c.deleted IS NULL
     AND lower(c.name) COLLATE "C" >= sqlc.arg(prefix) AND lower(c.name) COLLATE "C" < sqlc.arg(prefix_end)
     AND (CAST(sqlc.arg(starting_after) AS text) = '' OR c.id < sqlc.arg(starting_after))
   ORDER BY c.id || '' DESC LIMIT sqlc.arg(row_limit))
  UNION ALL
  (SELECT c.id FROM customers c WHERE c.merchant_id = sqlc.arg(merchant_id) AND c.mode = sqlc.arg(mode) AND c.deleted IS NULL
     AND strpos(c.name, ' ') > 0
     AND substr(lower(c.name), strpos(lower(c.name), ' ') + 1) COLLATE "C" >= sqlc.arg(prefix)
     AND substr(lower(c.name), strpos(lower(c.name), ' ') + 1) COLLATE "C" < sqlc.arg(prefix_end)
     AND (CAST(sqlc.arg(starting_after) AS text) = '' OR c.id < sqlc.arg(starting_after))
   ORDER BY c.id || '' DESC LIMIT sqlc.arg(row_limit)))
ORDER BY customers.id || '' DESC
LIMIT sqlc.arg(row_limit);

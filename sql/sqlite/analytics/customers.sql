-- name: CustomerMRRBefore :many
-- The MRR before at of the given customers, and whether it was ever
-- positive (the largest of their subscriptions' amounts).
SELECT customer_id, CAST(SUM(delta) AS bigint) AS amount, CAST(MAX(amount) AS bigint) AS max_amount
FROM mrr_changes
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency)
  AND at < sqlc.arg(at)
  -- The slice goes last: sqlc numbers the parameters after it wrongly.
  AND customer_id IN (sqlc.slice(customer_ids))
GROUP BY customer_id;

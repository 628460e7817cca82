-- name: CustomerMRRBefore :many
-- The MRR before at of the given customers, and whether it was ever
-- positive (the largest of their subscriptions' amounts).
SELECT customer_id, CAST(SUM(delta) AS bigint) AS amount, CAST(MAX(amount) AS bigint) AS max_amount
FROM mrr_changes
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND currency = sqlc.arg(currency)
  AND customer_id = ANY(sqlc.arg(customer_ids)::text[]) AND at < sqlc.arg(at)
GROUP BY customer_id;

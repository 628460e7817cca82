-- UF values per day and the invoices waiting for them (portable; docs/uf.md).

-- name: PutUFRate :exec
INSERT INTO uf_rates (date, merchant_id, mode, value, source, set_by, created, updated)
VALUES (sqlc.arg(date), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(value), sqlc.arg(source), sqlc.arg(set_by),
    sqlc.arg(created), sqlc.arg(updated))
ON CONFLICT (date, merchant_id, mode) DO UPDATE SET value = excluded.value, source = excluded.source,
    set_by = excluded.set_by, updated = excluded.updated;

-- name: UFRatesOn :many
-- The values of one day a scope may use: its own and the fetched one.
SELECT * FROM uf_rates
WHERE date = sqlc.arg(date) AND ((merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)) OR merchant_id = '')
ORDER BY merchant_id DESC;

-- name: ListUFRates :many
-- A scope's values and the fetched ones, newest day first, before a day.
SELECT * FROM uf_rates
WHERE date < sqlc.arg(before) AND ((merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)) OR merchant_id = '')
ORDER BY date DESC, merchant_id DESC
LIMIT sqlc.arg(lim);

-- name: CreateUFWait :exec
INSERT INTO uf_waits (invoice_id, merchant_id, mode, date, attempts, next_attempt_at, created)
VALUES (sqlc.arg(invoice_id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(date), sqlc.arg(attempts),
    sqlc.arg(next_attempt_at), sqlc.arg(created));

-- name: GetUFWait :one
SELECT * FROM uf_waits WHERE invoice_id = sqlc.arg(invoice_id) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: DueUFWaits :many
SELECT * FROM uf_waits WHERE next_attempt_at <= sqlc.arg(before) ORDER BY next_attempt_at, invoice_id LIMIT sqlc.arg(lim);

-- name: UpdateUFWait :execrows
UPDATE uf_waits SET attempts = sqlc.arg(attempts), next_attempt_at = sqlc.arg(next_attempt_at)
WHERE invoice_id = sqlc.arg(invoice_id) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: DeleteUFWait :exec
DELETE FROM uf_waits WHERE invoice_id = sqlc.arg(invoice_id) AND merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: HurryUFWaits :exec
-- A day's value arrived: its waiting invoices are retried at once.
UPDATE uf_waits SET next_attempt_at = sqlc.arg(at)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND date = sqlc.arg(date) AND next_attempt_at > sqlc.arg(at);

-- name: CountUFWaits :one
SELECT count(*) FROM uf_waits WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND date = sqlc.arg(date);

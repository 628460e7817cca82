-- Chilean electronic tax documents: a merchant's DTE settings and each
-- emission (portable; docs/dte.md).

-- name: PutDTESettings :exec
INSERT INTO dte_settings (merchant_id, mode, enabled, provider, sealed, activity_code, issue_on, created, updated)
VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(enabled), sqlc.arg(provider), sqlc.arg(sealed),
    sqlc.arg(activity_code), sqlc.arg(issue_on), sqlc.arg(created), sqlc.arg(updated))
ON CONFLICT (merchant_id, mode) DO UPDATE SET enabled = excluded.enabled, provider = excluded.provider,
    sealed = excluded.sealed, activity_code = excluded.activity_code, issue_on = excluded.issue_on,
    updated = excluded.updated;

-- name: GetDTESettings :one
SELECT * FROM dte_settings WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode);

-- name: CreateTaxDocument :execrows
-- A second emission under the same key inserts nothing.
INSERT INTO tax_documents (id, merchant_id, mode, invoice_id, credit_note_id, type, attempt, key, provider, status,
    folio, provider_id, track_id, sii_status, reason, tries, next_try, first_sent, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(invoice_id), sqlc.arg(credit_note_id),
    sqlc.arg(type), sqlc.arg(attempt), sqlc.arg(key), sqlc.arg(provider), sqlc.arg(status), sqlc.arg(folio),
    sqlc.arg(provider_id), sqlc.arg(track_id), sqlc.arg(sii_status), sqlc.arg(reason), sqlc.arg(tries),
    sqlc.narg(next_try), sqlc.narg(first_sent), sqlc.arg(created), sqlc.arg(updated))
ON CONFLICT (merchant_id, mode, key) DO NOTHING;

-- name: GetTaxDocument :one
SELECT * FROM tax_documents WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: GetTaxDocumentByKey :one
SELECT * FROM tax_documents WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND key = sqlc.arg(key);

-- name: ListInvoiceTaxDocuments :many
SELECT * FROM tax_documents
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND invoice_id = sqlc.arg(invoice_id)
ORDER BY created, id;

-- name: UpdateTaxDocument :execrows
-- Compare and set on updated, so two workers never both record an outcome.
UPDATE tax_documents SET status = sqlc.arg(status), folio = sqlc.arg(folio), provider_id = sqlc.arg(provider_id),
    track_id = sqlc.arg(track_id), sii_status = sqlc.arg(sii_status), reason = sqlc.arg(reason),
    tries = sqlc.arg(tries), next_try = sqlc.narg(next_try), first_sent = sqlc.narg(first_sent),
    updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id)
  AND updated = sqlc.arg(prev_updated);

-- name: ListDueTaxDocuments :many
SELECT * FROM tax_documents
WHERE status IN ('pending', 'unknown', 'issued') AND next_try IS NOT NULL AND next_try <= sqlc.arg(due)
ORDER BY next_try, id
LIMIT sqlc.arg(row_limit);

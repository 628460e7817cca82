-- name: CreateMerchant :exec
INSERT INTO merchants (id, name, timezone, locale, invoice_prefix, settings, link_key, created)
VALUES (sqlc.arg(id), sqlc.arg(name), sqlc.arg(timezone), sqlc.arg(locale), sqlc.arg(invoice_prefix), sqlc.arg(settings),
    sqlc.arg(link_key), sqlc.arg(created));

-- name: UpdateMerchantSettings :execrows
UPDATE merchants SET settings = sqlc.arg(settings) WHERE id = sqlc.arg(id);

-- name: CreateAuditHead :exec
INSERT INTO audit_heads (merchant_id, seq, hash) VALUES (sqlc.arg(merchant_id), 0, '');

-- name: GetMerchant :one
SELECT * FROM merchants WHERE id = sqlc.arg(id);

-- name: ListMerchants :many
SELECT * FROM merchants ORDER BY id;

-- name: CreateAPIKey :exec
INSERT INTO api_keys (id, merchant_id, mode, hash, redacted, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(hash), sqlc.arg(redacted), sqlc.arg(created));

-- name: GetAPIKey :one
SELECT * FROM api_keys WHERE id = sqlc.arg(id);

-- name: GetAPIKeyByHash :one
SELECT * FROM api_keys WHERE hash = sqlc.arg(hash);

-- name: ListAPIKeys :many
SELECT * FROM api_keys WHERE merchant_id = sqlc.arg(merchant_id) ORDER BY created, id;

-- name: TouchAPIKey :execrows
UPDATE api_keys SET last_used = sqlc.arg(last_used) WHERE id = sqlc.arg(id);

-- name: RevokeAPIKey :execrows
UPDATE api_keys SET revoked = COALESCE(revoked, sqlc.arg(revoked)) WHERE id = sqlc.arg(id);

-- name: UpdateMerchant :execrows
UPDATE merchants SET name = sqlc.arg(name), timezone = sqlc.arg(timezone), locale = sqlc.arg(locale),
    invoice_prefix = sqlc.arg(invoice_prefix), settings = sqlc.arg(settings)
WHERE id = sqlc.arg(id);

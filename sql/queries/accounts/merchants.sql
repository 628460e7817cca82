-- name: CreateMerchant :exec
INSERT INTO merchants (id, name, timezone, locale, invoice_prefix, settings, profile, link_key, created)
VALUES (sqlc.arg(id), sqlc.arg(name), sqlc.arg(timezone), sqlc.arg(locale), sqlc.arg(invoice_prefix), sqlc.arg(settings),
    sqlc.arg(profile), sqlc.arg(link_key), sqlc.arg(created));

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
    invoice_prefix = sqlc.arg(invoice_prefix), settings = sqlc.arg(settings), profile = sqlc.arg(profile)
WHERE id = sqlc.arg(id);

-- name: PutMerchantLogo :exec
INSERT INTO merchant_logos (merchant_id, sha256, content_type, data, created)
VALUES (sqlc.arg(merchant_id), sqlc.arg(sha256), sqlc.arg(content_type), sqlc.arg(data), sqlc.arg(created))
ON CONFLICT (merchant_id) DO UPDATE
SET sha256 = excluded.sha256, content_type = excluded.content_type, data = excluded.data, created = excluded.created;

-- name: DeleteMerchantLogo :exec
DELETE FROM merchant_logos WHERE merchant_id = sqlc.arg(merchant_id);

-- name: GetLogo :one
SELECT * FROM merchant_logos WHERE sha256 = sqlc.arg(sha256) ORDER BY merchant_id LIMIT 1;

-- +goose Up
-- Indexes that begin with (merchant_id, mode) but do not end in id let the
-- planner — with generic plans and young statistics — look a row up by id
-- through them, matching only the scope and filtering every row of the
-- merchant (seen: batched payment updates slowing down linearly). Their
-- distinctive column goes first; the names, which error mapping relies on,
-- stay.
DROP INDEX payments_idempotency_key_key;
CREATE UNIQUE INDEX payments_idempotency_key_key ON payments (idempotency_key, merchant_id, mode);
DROP INDEX promotion_codes_code_key;
CREATE UNIQUE INDEX promotion_codes_code_key ON promotion_codes (code, merchant_id, mode);
DROP INDEX customers_email_idx;
CREATE INDEX customers_email_idx ON customers (email, merchant_id, mode);

-- +goose Down
DROP INDEX customers_email_idx;
CREATE INDEX customers_email_idx ON customers (merchant_id, mode, email);
DROP INDEX promotion_codes_code_key;
CREATE UNIQUE INDEX promotion_codes_code_key ON promotion_codes (merchant_id, mode, code);
DROP INDEX payments_idempotency_key_key;
CREATE UNIQUE INDEX payments_idempotency_key_key ON payments (merchant_id, mode, idempotency_key);

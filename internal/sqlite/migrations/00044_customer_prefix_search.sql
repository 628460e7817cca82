-- +goose Up
-- The customer search of one or two characters (docs/console.md): it
-- matches the start of the email, the external id, the name or the name's
-- second word (what follows its first space), each read as a range of its
-- own index (SQLite compares text by its bytes, as PostgreSQL's twin does
-- with COLLATE "C"), so it never reads the merchant's every customer.
CREATE INDEX customers_email_prefix_idx ON customers (merchant_id, mode, lower(email))
    WHERE deleted IS NULL;
CREATE INDEX customers_external_id_prefix_idx ON customers (merchant_id, mode, lower(external_id))
    WHERE deleted IS NULL AND external_id <> '';
CREATE INDEX customers_name_prefix_idx ON customers (merchant_id, mode, lower(name))
    WHERE deleted IS NULL;
CREATE INDEX customers_name_word2_prefix_idx ON customers
    (merchant_id, mode, substr(lower(name), instr(lower(name), ' ') + 1))
    WHERE deleted IS NULL AND instr(name, ' ') > 0;

-- +goose Down
DROP INDEX customers_name_word2_prefix_idx;
DROP INDEX customers_name_prefix_idx;
DROP INDEX customers_external_id_prefix_idx;
DROP INDEX customers_email_prefix_idx;

-- +goose Up
-- The customer search of one or two characters (docs/console.md): it
-- matches the start of the email, the external id, the name or the name's
-- second word (what follows its first space), each read as a range of its
-- own index (SQLite compares text by its bytes, as PostgreSQL's twin does
-- with COLLATE "C"), so it never reads the merchant's every customer. The
-- merchant is a filter on the rows found, as in PostgreSQL's twin.
CREATE INDEX customers_email_prefix_idx ON customers (lower(email), id);
CREATE INDEX customers_external_id_prefix_idx ON customers (lower(external_id), id)
    WHERE external_id <> '';
CREATE INDEX customers_name_prefix_idx ON customers (lower(name), id);
CREATE INDEX customers_name_word2_prefix_idx ON customers
    (substr(lower(name), instr(lower(name), ' ') + 1), id)
    WHERE instr(name, ' ') > 0;

-- +goose Down
DROP INDEX customers_name_word2_prefix_idx;
DROP INDEX customers_name_prefix_idx;
DROP INDEX customers_external_id_prefix_idx;
DROP INDEX customers_email_prefix_idx;

-- +goose Up
-- The customer search of one or two characters (docs/console.md): too short
-- for the trigram index, it matches the start of the email, the external id,
-- the name or the name's second word (what follows its first space), each
-- read as a range of its own index in byte order (COLLATE "C", as SQLite
-- compares). Each index carries the id, so every branch of the search takes
-- its newest matches without reading the merchant's customers; deleted
-- customers are never searched, so they are left out of the indexes.
CREATE INDEX customers_email_prefix_idx ON customers (merchant_id, mode, (lower(email) COLLATE "C"), id)
    WHERE deleted IS NULL;
CREATE INDEX customers_external_id_prefix_idx ON customers (merchant_id, mode, (lower(external_id) COLLATE "C"), id)
    WHERE deleted IS NULL AND external_id <> '';
CREATE INDEX customers_name_prefix_idx ON customers (merchant_id, mode, (lower(name) COLLATE "C"), id)
    WHERE deleted IS NULL;
CREATE INDEX customers_name_word2_prefix_idx ON customers
    (merchant_id, mode, (substr(lower(name), strpos(lower(name), ' ') + 1) COLLATE "C"), id)
    WHERE deleted IS NULL AND strpos(name, ' ') > 0;

-- +goose Down
DROP INDEX customers_name_word2_prefix_idx;
DROP INDEX customers_name_prefix_idx;
DROP INDEX customers_external_id_prefix_idx;
DROP INDEX customers_email_prefix_idx;

-- +goose Up
-- The customer search of one or two characters (docs/console.md): too short
-- for the trigram index, it matches the start of the email, the external id,
-- the name or the name's second word (what follows its first space), each
-- read as a range of its own index in byte order (COLLATE "C", as SQLite
-- compares). Each index carries the id, so every branch of the search takes
-- its newest matches without reading the merchant's customers. The
-- merchant, the mode and that a customer is not deleted filter the rows
-- found, as for 00042's exact email: with the scope in them (or deleted as
-- their predicate) the planner took these indexes for the lists' plans
-- instead of the lists' own keyed indexes.
CREATE INDEX customers_email_prefix_idx ON customers ((lower(email) COLLATE "C"), id);
CREATE INDEX customers_external_id_prefix_idx ON customers ((lower(external_id) COLLATE "C"), id)
    WHERE external_id <> '';
CREATE INDEX customers_name_prefix_idx ON customers ((lower(name) COLLATE "C"), id);
CREATE INDEX customers_name_word2_prefix_idx ON customers
    ((substr(lower(name), strpos(lower(name), ' ') + 1) COLLATE "C"), id)
    WHERE strpos(name, ' ') > 0;

-- +goose Down
DROP INDEX customers_name_word2_prefix_idx;
DROP INDEX customers_name_prefix_idx;
DROP INDEX customers_external_id_prefix_idx;
DROP INDEX customers_email_prefix_idx;

-- +goose Up
-- Customers are deleted softly: invoices, payments and audit entries keep
-- referring to them, so the row stays and deleted records when it went
-- (NULL for a customer that is not deleted). A deleted customer's
-- external_id is free for a new customer, so the unique index covers only
-- customers that are not deleted.
ALTER TABLE customers ADD COLUMN deleted timestamptz;
DROP INDEX customers_external_id_key;
CREATE UNIQUE INDEX customers_external_id_key ON customers (merchant_id, mode, external_id) WHERE external_id <> '' AND deleted IS NULL;

-- +goose Down
DROP INDEX customers_external_id_key;
CREATE UNIQUE INDEX customers_external_id_key ON customers (merchant_id, mode, external_id) WHERE external_id <> '';
ALTER TABLE customers DROP COLUMN deleted;

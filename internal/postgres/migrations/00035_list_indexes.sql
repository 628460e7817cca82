-- +goose Up
-- A customer's payments are listed by their own index (the API's
-- customer filter, the console's customer page), as its subscriptions
-- and invoices already are, instead of scanning the merchant's payments.
CREATE INDEX payments_customer_idx ON payments (customer_id, id);

-- +goose Down
DROP INDEX payments_customer_idx;

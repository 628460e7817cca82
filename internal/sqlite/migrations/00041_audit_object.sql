-- +goose Up
-- The console's customer page shows the audit entries of the customer, of
-- its latest subscriptions and of its latest invoices, newest first: one
-- short range of this index per object instead of a scan of the merchant's
-- whole chain.
CREATE INDEX audit_entries_object_idx ON audit_entries (merchant_id, mode, object_id, id);

-- +goose Down
DROP INDEX audit_entries_object_idx;

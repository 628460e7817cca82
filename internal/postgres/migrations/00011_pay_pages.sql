-- +goose Up
-- One-off invoices: how they are collected, when they are due, and the
-- saved card a charge_automatically one is charged to.
ALTER TABLE invoices ADD COLUMN collection text NOT NULL DEFAULT 'charge_automatically'
    CHECK (collection IN ('charge_automatically', 'send_invoice'));
ALTER TABLE invoices ADD COLUMN due_date timestamptz;
ALTER TABLE invoices ADD COLUMN payment_method_id text NOT NULL DEFAULT '';
-- Where the customer's browser completes a payment (a gateway's pay page or
-- its authentication page).
ALTER TABLE payments ADD COLUMN next_action_url text NOT NULL DEFAULT '';
-- Where the browser goes once a pay-page payment is settled.
ALTER TABLE payments ADD COLUMN return_url text NOT NULL DEFAULT '';
-- The key that signs a merchant's hosted-invoice links (HMAC-SHA256).
ALTER TABLE merchants ADD COLUMN link_key text NOT NULL DEFAULT '';
UPDATE merchants SET link_key = replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '')
WHERE link_key = '';
-- A payment-mode checkout pays one invoice.
ALTER TABLE checkout_sessions ADD COLUMN invoice_id text NOT NULL DEFAULT '';
-- The payment reconciler looks at unsettled payments, oldest update first.
CREATE INDEX payments_unsettled_idx ON payments (updated) WHERE status IN ('pending', 'unknown');

-- +goose Down
DROP INDEX payments_unsettled_idx;
ALTER TABLE checkout_sessions DROP COLUMN invoice_id;
ALTER TABLE merchants DROP COLUMN link_key;
ALTER TABLE payments DROP COLUMN return_url;
ALTER TABLE payments DROP COLUMN next_action_url;
ALTER TABLE invoices DROP COLUMN payment_method_id;
ALTER TABLE invoices DROP COLUMN due_date;
ALTER TABLE invoices DROP COLUMN collection;

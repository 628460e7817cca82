-- +goose Up
-- Tax rates (docs/taxes.md). percentage is in ten-thousandths of a
-- percent (19 % is 190000), so the four decimals a rate may have are kept
-- exactly; percentage and inclusive never change once a rate exists.
CREATE TABLE tax_rates (
    id           text PRIMARY KEY,
    merchant_id  text NOT NULL REFERENCES merchants (id),
    mode         text NOT NULL CHECK (mode IN ('test', 'live')),
    display_name text NOT NULL,
    description  text NOT NULL,
    country      text NOT NULL,
    percentage   integer NOT NULL CHECK (percentage BETWEEN 0 AND 1000000),
    inclusive    boolean NOT NULL,
    active       boolean NOT NULL,
    metadata     text NOT NULL,
    created      integer NOT NULL,
    updated      integer NOT NULL
);
CREATE INDEX tax_rates_scope_idx ON tax_rates (merchant_id, mode, id);

-- A price's tax rates and a subscription's default tax rates: JSON lists
-- of tax rate ids. The rates an item really uses are fixed in its JSON.
ALTER TABLE prices ADD COLUMN tax_rates text NOT NULL DEFAULT '[]';
ALTER TABLE subscriptions ADD COLUMN default_tax_rates text NOT NULL DEFAULT '[]';
-- 'none' or 'exempt' (Stripe's tax_exempt).
ALTER TABLE customers ADD COLUMN tax_exempt text NOT NULL DEFAULT 'none' CHECK (tax_exempt IN ('none', 'exempt'));
-- An invoice's tax per rate and a refund's share of it: JSON lists,
-- written once when the invoice is priced or the refund is made.
ALTER TABLE invoices ADD COLUMN tax_amounts text NOT NULL DEFAULT '[]';
ALTER TABLE refunds ADD COLUMN tax integer NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN tax_amounts text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE refunds DROP COLUMN tax_amounts;
ALTER TABLE refunds DROP COLUMN tax;
ALTER TABLE invoices DROP COLUMN tax_amounts;
ALTER TABLE customers DROP COLUMN tax_exempt;
ALTER TABLE subscriptions DROP COLUMN default_tax_rates;
ALTER TABLE prices DROP COLUMN tax_rates;
DROP TABLE tax_rates;

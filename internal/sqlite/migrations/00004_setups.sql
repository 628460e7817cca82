-- +goose Up
-- Payment-method setups: a customer is sent to a gateway's (or the sim's)
-- card page and comes back; the setup records the round trip.
CREATE TABLE payment_method_setups (
    id                text PRIMARY KEY,
    merchant_id       text NOT NULL REFERENCES merchants (id),
    mode              text NOT NULL CHECK (mode IN ('test', 'live')),
    customer_id       text NOT NULL REFERENCES customers (id),
    gateway           text NOT NULL,
    return_url        text NOT NULL,
    secret_hash       text NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'expired')),
    payment_method_id text NOT NULL,
    failure_message   text NOT NULL,
    expires_at        integer NOT NULL,
    created           integer NOT NULL,
    updated           integer NOT NULL
);
CREATE INDEX payment_method_setups_scope_idx ON payment_method_setups (merchant_id, mode, id);

-- The promotion code a subscription redeemed, so expiry can give it back.
ALTER TABLE subscriptions ADD COLUMN promotion_code_id text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN promotion_code_id;
DROP TABLE payment_method_setups;

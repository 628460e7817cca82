-- +goose Up
-- Gateway configuration per merchant, mode and gateway; the credentials
-- are sealed with CUOTA_SECRET_KEY (AES-256-GCM) before they get here.
CREATE TABLE merchant_gateways (
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    gateway     text NOT NULL,
    sealed      text NOT NULL,
    created     timestamptz NOT NULL,
    updated     timestamptz NOT NULL,
    PRIMARY KEY (merchant_id, mode, gateway)
);

-- One gateway-side customer per cuota customer and gateway, recorded
-- before any redirect so that retries and concurrent requests reuse it.
-- gateway_customer_id is '' while the gateway call that creates it runs.
CREATE TABLE gateway_customers (
    merchant_id         text NOT NULL REFERENCES merchants (id),
    mode                text NOT NULL CHECK (mode IN ('test', 'live')),
    customer_id         text NOT NULL REFERENCES customers (id),
    gateway             text NOT NULL,
    gateway_customer_id text NOT NULL,
    created             timestamptz NOT NULL,
    updated             timestamptz NOT NULL,
    PRIMARY KEY (merchant_id, mode, customer_id, gateway)
);

-- Incoming gateway notifications already acted on (dedupe by the
-- gateway's own id: a Flow token, a Stripe event id).
CREATE TABLE gateway_notifications (
    gateway     text NOT NULL,
    external_id text NOT NULL,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    created     timestamptz NOT NULL,
    PRIMARY KEY (gateway, external_id)
);

-- What the gateway calls a setup (Flow's register token, a Stripe
-- SetupIntent or Checkout Session id), to verify it on return.
ALTER TABLE payment_method_setups ADD COLUMN gateway_ref text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE payment_method_setups DROP COLUMN gateway_ref;
DROP TABLE gateway_notifications;
DROP TABLE gateway_customers;
DROP TABLE merchant_gateways;

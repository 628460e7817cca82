-- +goose Up
-- Hosted checkout sessions: the customer's round trip from the checkout
-- page through a gateway's card page and back. version guards the one
-- claim of each card setup's return.
CREATE TABLE checkout_sessions (
    id                    text PRIMARY KEY,
    merchant_id           text NOT NULL REFERENCES merchants (id),
    mode                  text NOT NULL CHECK (mode IN ('test', 'live')),
    version               integer NOT NULL,
    session_mode          text NOT NULL CHECK (session_mode IN ('subscription', 'setup', 'payment')),
    status                text NOT NULL CHECK (status IN ('open', 'complete', 'expired')),
    customer_id           text NOT NULL,
    customer_email        text NOT NULL,
    line_items            text NOT NULL,
    success_url           text NOT NULL,
    cancel_url            text NOT NULL,
    allow_promotion_codes boolean NOT NULL,
    trial_period_days     integer NOT NULL, -- -1: the prices' own trial
    locale                text NOT NULL,
    gateway               text NOT NULL,
    promotion_code        text NOT NULL,
    secret_hash           text NOT NULL,
    setup_id              text NOT NULL,
    payment_method_id     text NOT NULL,
    subscription_id       text NOT NULL,
    failure_message       text NOT NULL,
    publishable_key       text NOT NULL,
    expires_at            integer NOT NULL,
    completed_at          integer,
    created               integer NOT NULL,
    updated               integer NOT NULL
);
CREATE INDEX checkout_sessions_scope_idx ON checkout_sessions (merchant_id, mode, id);

-- Customer portal links (one hour).
CREATE TABLE portal_sessions (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    customer_id text NOT NULL REFERENCES customers (id),
    return_url  text NOT NULL,
    secret_hash text NOT NULL,
    expires_at  integer NOT NULL,
    created     integer NOT NULL
);

-- Publishable keys (pk_test_…, pk_live_…): public, for pricing tables.
CREATE TABLE publishable_keys (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    success_url text NOT NULL,
    cancel_url  text NOT NULL,
    form_secret text NOT NULL,
    revoked     integer,
    created     integer NOT NULL
);
CREATE INDEX publishable_keys_scope_idx ON publishable_keys (merchant_id, mode, id);

-- +goose Down
DROP TABLE publishable_keys;
DROP TABLE portal_sessions;
DROP TABLE checkout_sessions;

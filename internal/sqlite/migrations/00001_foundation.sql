-- +goose Up
-- Times are INTEGER unix microseconds in UTC, so they sort chronologically
-- and round-trip exactly (modernc's default text form sorts lexically and
-- keeps the zone). JSON columns are text; audit hashes cover their bytes.

CREATE TABLE merchants (
    id             text PRIMARY KEY,
    name           text NOT NULL,
    timezone       text NOT NULL,
    locale         text NOT NULL,
    invoice_prefix text NOT NULL,
    created        integer NOT NULL
);

CREATE TABLE api_keys (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    hash        text NOT NULL,
    redacted    text NOT NULL,
    created     integer NOT NULL,
    last_used   integer,
    revoked     integer,
    CONSTRAINT api_keys_hash_key UNIQUE (hash)
);

CREATE TABLE products (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    name        text NOT NULL,
    description text NOT NULL,
    features    text NOT NULL,
    active      boolean NOT NULL,
    metadata    text NOT NULL,
    created     integer NOT NULL,
    updated     integer NOT NULL
);
CREATE INDEX products_scope_idx ON products (merchant_id, mode, id);

CREATE TABLE prices (
    id                       text PRIMARY KEY,
    merchant_id              text NOT NULL REFERENCES merchants (id),
    mode                     text NOT NULL CHECK (mode IN ('test', 'live')),
    product_id               text NOT NULL REFERENCES products (id),
    nickname                 text NOT NULL,
    unit_amount              integer NOT NULL CHECK (unit_amount >= 0),
    currency                 text NOT NULL,
    type                     text NOT NULL CHECK (type IN ('one_time', 'recurring')),
    recurring_interval       text NOT NULL,
    recurring_interval_count integer NOT NULL,
    lookup_key               text NOT NULL,
    trial_period_days        integer NOT NULL,
    active                   boolean NOT NULL,
    metadata                 text NOT NULL,
    created                  integer NOT NULL,
    updated                  integer NOT NULL
);
CREATE INDEX prices_scope_idx ON prices (merchant_id, mode, id);
CREATE INDEX prices_product_idx ON prices (product_id);
CREATE UNIQUE INDEX prices_lookup_key_key ON prices (merchant_id, mode, lookup_key) WHERE lookup_key <> '';

CREATE TABLE customers (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    email       text NOT NULL,
    name        text NOT NULL,
    external_id text NOT NULL,
    locale      text NOT NULL,
    metadata    text NOT NULL,
    created     integer NOT NULL,
    updated     integer NOT NULL
);
CREATE INDEX customers_scope_idx ON customers (merchant_id, mode, id);
CREATE INDEX customers_email_idx ON customers (merchant_id, mode, email);
CREATE UNIQUE INDEX customers_external_id_key ON customers (merchant_id, mode, external_id) WHERE external_id <> '';

CREATE TABLE coupons (
    id                 text PRIMARY KEY,
    merchant_id        text NOT NULL REFERENCES merchants (id),
    mode               text NOT NULL CHECK (mode IN ('test', 'live')),
    name               text NOT NULL,
    percent_off_bp     integer NOT NULL CHECK (percent_off_bp BETWEEN 0 AND 10000),
    amount_off         integer NOT NULL CHECK (amount_off >= 0),
    currency           text NOT NULL,
    duration           text NOT NULL CHECK (duration IN ('once', 'repeating', 'forever')),
    duration_in_months integer NOT NULL,
    max_redemptions    integer NOT NULL,
    redeem_by          integer,
    times_redeemed     integer NOT NULL,
    metadata           text NOT NULL,
    created            integer NOT NULL,
    updated            integer NOT NULL
);
CREATE INDEX coupons_scope_idx ON coupons (merchant_id, mode, id);

CREATE TABLE promotion_codes (
    id              text PRIMARY KEY,
    merchant_id     text NOT NULL REFERENCES merchants (id),
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    coupon_id       text NOT NULL REFERENCES coupons (id),
    code            text NOT NULL,
    active          boolean NOT NULL,
    max_redemptions integer NOT NULL,
    expires_at      integer,
    times_redeemed  integer NOT NULL,
    metadata        text NOT NULL,
    created         integer NOT NULL,
    updated         integer NOT NULL
);
CREATE INDEX promotion_codes_scope_idx ON promotion_codes (merchant_id, mode, id);
CREATE UNIQUE INDEX promotion_codes_code_key ON promotion_codes (merchant_id, mode, code);

-- One row per merchant: the head of its audit hash chain. Appenders lock it
-- (UPDATE … RETURNING) so that concurrent transactions extend one chain.
CREATE TABLE audit_heads (
    merchant_id text PRIMARY KEY REFERENCES merchants (id),
    seq         integer NOT NULL,
    hash        text NOT NULL
);

CREATE TABLE audit_entries (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    seq         integer NOT NULL,
    mode        text NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    before      text NOT NULL,
    after       text NOT NULL,
    request_id  text NOT NULL,
    client_ip   text NOT NULL,
    created     integer NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    CONSTRAINT audit_entries_seq_key UNIQUE (merchant_id, seq)
);

CREATE TABLE idempotency_keys (
    merchant_id     text NOT NULL REFERENCES merchants (id),
    mode            text NOT NULL,
    key             text NOT NULL,
    request_hash    text NOT NULL,
    completed       boolean NOT NULL,
    response_status integer NOT NULL,
    response_body   blob NOT NULL,
    created         integer NOT NULL,
    PRIMARY KEY (merchant_id, mode, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE audit_entries;
DROP TABLE audit_heads;
DROP TABLE promotion_codes;
DROP TABLE coupons;
DROP TABLE customers;
DROP TABLE prices;
DROP TABLE products;
DROP TABLE api_keys;
DROP TABLE merchants;

-- +goose Up
-- The subscription lifecycle: merchant settings, test clocks, payment
-- methods, subscriptions, invoices, payments, refunds, events, and the
-- simulated gateway's ledger. JSON columns are text, as in 00001.

ALTER TABLE merchants ADD COLUMN settings text NOT NULL DEFAULT '{}';
ALTER TABLE customers ADD COLUMN test_clock_id text NOT NULL DEFAULT '';

CREATE TABLE test_clocks (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    name        text NOT NULL,
    frozen_time timestamptz NOT NULL,
    status      text NOT NULL CHECK (status IN ('ready', 'advancing')),
    created     timestamptz NOT NULL,
    updated     timestamptz NOT NULL
);
CREATE INDEX test_clocks_scope_idx ON test_clocks (merchant_id, mode, id);

CREATE TABLE payment_methods (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    customer_id text NOT NULL REFERENCES customers (id),
    gateway     text NOT NULL,
    token       text NOT NULL,
    brand       text NOT NULL,
    last4       text NOT NULL,
    exp_month   bigint NOT NULL,
    exp_year    bigint NOT NULL,
    status      text NOT NULL CHECK (status IN ('active', 'detached')),
    created     timestamptz NOT NULL,
    updated     timestamptz NOT NULL
);
CREATE INDEX payment_methods_customer_idx ON payment_methods (customer_id, id);

CREATE TABLE subscriptions (
    id                   text PRIMARY KEY,
    merchant_id          text NOT NULL REFERENCES merchants (id),
    mode                 text NOT NULL CHECK (mode IN ('test', 'live')),
    version              bigint NOT NULL,
    customer_id          text NOT NULL REFERENCES customers (id),
    test_clock_id        text NOT NULL,
    status               text NOT NULL,
    items                text NOT NULL,
    price_ids            text NOT NULL, -- ",price_a,price_b," for the price filter
    currency             text NOT NULL,
    interval             text NOT NULL,
    interval_count       bigint NOT NULL,
    payment_method_id    text NOT NULL,
    billing_anchor       timestamptz NOT NULL,
    cycle_index          bigint NOT NULL,
    current_period_start timestamptz NOT NULL,
    current_period_end   timestamptz NOT NULL,
    trial_start          timestamptz,
    trial_end            timestamptz,
    trial_will_end_sent  boolean NOT NULL,
    cancel_at_period_end boolean NOT NULL,
    cancel_at            timestamptz,
    canceled_at          timestamptz,
    cancellation_reason  text NOT NULL,
    ended_at             timestamptz,
    max_cycles           bigint NOT NULL,
    end_date             timestamptz,
    pending_change       text NOT NULL, -- JSON, 'null' when none
    coupon_id            text NOT NULL,
    discount_end         timestamptz,
    discount_used        boolean NOT NULL,
    next_action_at       timestamptz,
    metadata             text NOT NULL,
    created              timestamptz NOT NULL,
    updated              timestamptz NOT NULL
);
CREATE INDEX subscriptions_scope_idx ON subscriptions (merchant_id, mode, id);
CREATE INDEX subscriptions_customer_idx ON subscriptions (customer_id, id);
CREATE INDEX subscriptions_due_idx ON subscriptions (test_clock_id, next_action_at) WHERE next_action_at IS NOT NULL;

-- One trial per customer identity (email, external id, fingerprint).
CREATE TABLE trial_redemptions (
    merchant_id     text NOT NULL REFERENCES merchants (id),
    mode            text NOT NULL,
    kind            text NOT NULL,
    value           text NOT NULL,
    subscription_id text NOT NULL,
    PRIMARY KEY (merchant_id, mode, kind, value)
);
CREATE INDEX trial_redemptions_subscription_idx ON trial_redemptions (subscription_id);

-- Gapless invoice numbers per merchant and mode.
CREATE TABLE invoice_counters (
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL,
    last        bigint NOT NULL,
    PRIMARY KEY (merchant_id, mode)
);

CREATE TABLE invoices (
    id              text PRIMARY KEY,
    merchant_id     text NOT NULL REFERENCES merchants (id),
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    customer_id     text NOT NULL REFERENCES customers (id),
    subscription_id text NOT NULL,
    number          text NOT NULL,
    status          text NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
    billing_reason  text NOT NULL,
    currency        text NOT NULL,
    period_start    timestamptz NOT NULL,
    period_end      timestamptz NOT NULL,
    lines           text NOT NULL,
    subtotal        bigint NOT NULL,
    discount        bigint NOT NULL,
    tax             bigint NOT NULL,
    total           bigint NOT NULL,
    amount_due      bigint NOT NULL,
    amount_paid     bigint NOT NULL,
    attempt_count   bigint NOT NULL,
    next_attempt_at timestamptz,
    finalized_at    timestamptz,
    paid_at         timestamptz,
    voided_at       timestamptz,
    created         timestamptz NOT NULL,
    updated         timestamptz NOT NULL
);
CREATE INDEX invoices_scope_idx ON invoices (merchant_id, mode, id);
CREATE INDEX invoices_subscription_idx ON invoices (subscription_id, id);
CREATE INDEX invoices_customer_idx ON invoices (customer_id, id);
-- A subscription period is invoiced once.
CREATE UNIQUE INDEX invoices_subscription_period_key ON invoices (subscription_id, period_start)
    WHERE billing_reason IN ('subscription_create', 'subscription_cycle');
CREATE UNIQUE INDEX invoices_number_key ON invoices (merchant_id, mode, number) WHERE number <> '';

CREATE TABLE payments (
    id                text PRIMARY KEY,
    merchant_id       text NOT NULL REFERENCES merchants (id),
    mode              text NOT NULL CHECK (mode IN ('test', 'live')),
    invoice_id        text NOT NULL REFERENCES invoices (id),
    customer_id       text NOT NULL,
    attempt           bigint NOT NULL,
    gateway           text NOT NULL,
    payment_method_id text NOT NULL,
    amount            bigint NOT NULL CHECK (amount >= 0),
    currency          text NOT NULL,
    idempotency_key   text NOT NULL,
    gateway_ref       text NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'unknown')),
    failure_class     text NOT NULL,
    failure_code      text NOT NULL,
    failure_message   text NOT NULL,
    amount_refunded   bigint NOT NULL CHECK (amount_refunded >= 0 AND amount_refunded <= amount),
    created           timestamptz NOT NULL,
    updated           timestamptz NOT NULL
);
CREATE INDEX payments_scope_idx ON payments (merchant_id, mode, id);
CREATE INDEX payments_invoice_idx ON payments (invoice_id, id);
CREATE UNIQUE INDEX payments_idempotency_key_key ON payments (merchant_id, mode, idempotency_key);
-- An invoice is paid once.
CREATE UNIQUE INDEX payments_one_success_key ON payments (invoice_id) WHERE status = 'succeeded';

CREATE TABLE refunds (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    payment_id  text NOT NULL REFERENCES payments (id),
    amount      bigint NOT NULL CHECK (amount > 0),
    currency    text NOT NULL,
    status      text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    reason      text NOT NULL,
    gateway_ref text NOT NULL,
    created     timestamptz NOT NULL,
    updated     timestamptz NOT NULL
);
CREATE INDEX refunds_scope_idx ON refunds (merchant_id, mode, id);
CREATE INDEX refunds_payment_idx ON refunds (payment_id, id);

CREATE TABLE events (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    type        text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    data        text NOT NULL,
    created     timestamptz NOT NULL
);
CREATE INDEX events_scope_idx ON events (merchant_id, mode, id);
CREATE INDEX events_object_idx ON events (object_id, id);

-- The simulated gateway's ledger (test mode only): every charge it accepted
-- or refused, keyed by the caller's idempotency key.
CREATE TABLE sim_charges (
    key      text PRIMARY KEY,
    token    text NOT NULL,
    amount   bigint NOT NULL,
    currency text NOT NULL,
    outcome  text NOT NULL,
    code     text NOT NULL,
    ref      text NOT NULL,
    refunded bigint NOT NULL,
    seq      bigint NOT NULL,
    created  timestamptz NOT NULL
);
CREATE INDEX sim_charges_token_idx ON sim_charges (token, outcome);

-- +goose Down
DROP TABLE sim_charges;
DROP TABLE events;
DROP TABLE refunds;
DROP TABLE payments;
DROP TABLE invoices;
DROP TABLE invoice_counters;
DROP TABLE trial_redemptions;
DROP TABLE subscriptions;
DROP TABLE payment_methods;
DROP TABLE test_clocks;
ALTER TABLE customers DROP COLUMN test_clock_id;
ALTER TABLE merchants DROP COLUMN settings;

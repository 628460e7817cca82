-- +goose Up
-- Analytics (docs/analytics.md). mrr_changes is each subscription's MRR
-- over time: a row whenever a save changes a subscription's MRR schedule
-- (written in the same transaction as the change), at the time of the
-- customer's clock. A report sums deltas before its start and reads the
-- rows within it; active_delta (+1, −1, 0) counts subscriptions bringing
-- MRR the same way. The indexes serve those reads and the per-request
-- figures read from invoices, payments, refunds, checkout sessions and
-- subscriptions, so no report scans a table.
CREATE TABLE mrr_changes (
    id              text PRIMARY KEY,
    merchant_id     text NOT NULL REFERENCES merchants (id),
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    subscription_id text NOT NULL,
    customer_id     text NOT NULL,
    currency        text NOT NULL,
    at              timestamptz NOT NULL,
    amount          bigint NOT NULL,
    delta           bigint NOT NULL,
    active_delta    bigint NOT NULL,
    created         timestamptz NOT NULL
);
CREATE INDEX mrr_changes_scope_at_idx ON mrr_changes (merchant_id, mode, currency, at) INCLUDE (delta, active_delta);
CREATE INDEX mrr_changes_customer_idx ON mrr_changes (merchant_id, mode, currency, customer_id, at) INCLUDE (delta, amount);
CREATE INDEX mrr_changes_subscription_idx ON mrr_changes (subscription_id, at);

CREATE INDEX payments_analytics_idx ON payments (merchant_id, mode, currency, created) INCLUDE (status, amount);
CREATE INDEX refunds_analytics_idx ON refunds (merchant_id, mode, currency, created) INCLUDE (status, amount);
CREATE INDEX invoices_recovered_analytics_idx ON invoices (merchant_id, mode, currency, paid_at) INCLUDE (amount_paid)
    WHERE paid_at IS NOT NULL AND billing_reason = 'subscription_cycle' AND attempt_count > 1;
CREATE INDEX checkout_sessions_analytics_idx ON checkout_sessions (merchant_id, mode, created) INCLUDE (status);
CREATE INDEX subscriptions_trial_end_idx ON subscriptions (merchant_id, mode, currency, trial_end)
    WHERE trial_end IS NOT NULL;

-- +goose Down
DROP INDEX subscriptions_trial_end_idx;
DROP INDEX checkout_sessions_analytics_idx;
DROP INDEX invoices_recovered_analytics_idx;
DROP INDEX refunds_analytics_idx;
DROP INDEX payments_analytics_idx;
DROP TABLE mrr_changes;

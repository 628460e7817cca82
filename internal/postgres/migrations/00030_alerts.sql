-- +goose Up
-- Alerts (docs/alerts.md): one row per condition on one object. While a
-- condition lasts, its alert is the one row of (scope, kind, object) that
-- is not resolved (alerts_unresolved_key), so seeing it again bumps that
-- row; once resolved, the next occurrence opens a new row.
CREATE TABLE alerts (
    id              text PRIMARY KEY,
    merchant_id     text NOT NULL REFERENCES merchants (id),
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    kind            text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('warning', 'critical')),
    object_type     text NOT NULL,
    object_id       text NOT NULL,
    status          text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    message_es      text NOT NULL,
    message_en      text NOT NULL,
    count           bigint NOT NULL,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    acknowledged_at timestamptz,
    resolved_at     timestamptz,
    created         timestamptz NOT NULL,
    updated         timestamptz NOT NULL
);
CREATE INDEX alerts_scope_idx ON alerts (merchant_id, mode, id);
CREATE INDEX alerts_status_idx ON alerts (merchant_id, mode, status, id);
CREATE UNIQUE INDEX alerts_unresolved_key ON alerts (merchant_id, mode, kind, object_type, object_id)
    WHERE status <> 'resolved';

-- The periodic check's reads of the states alerts watch, each a small
-- range of a partial index.
CREATE INDEX payments_unknown_scope_idx ON payments (merchant_id, mode, created) WHERE status = 'unknown';
CREATE INDEX refunds_pending_scope_idx ON refunds (merchant_id, mode, created) WHERE status = 'pending';
CREATE INDEX subscriptions_scope_due_idx ON subscriptions (merchant_id, mode, next_action_at)
    WHERE next_action_at IS NOT NULL AND test_clock_id = '';
CREATE INDEX emails_failed_scope_idx ON emails (merchant_id, mode, updated) WHERE status = 'failed';
CREATE INDEX emails_sent_scope_idx ON emails (merchant_id, mode, sent_at) WHERE status = 'sent';
CREATE INDEX payments_gateway_succeeded_idx ON payments (merchant_id, mode, gateway, updated) WHERE status = 'succeeded';

-- +goose Down
DROP INDEX payments_gateway_succeeded_idx;
DROP INDEX emails_sent_scope_idx;
DROP INDEX emails_failed_scope_idx;
DROP INDEX subscriptions_scope_due_idx;
DROP INDEX refunds_pending_scope_idx;
DROP INDEX payments_unknown_scope_idx;
DROP TABLE alerts;

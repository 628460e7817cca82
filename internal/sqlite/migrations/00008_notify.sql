-- +goose Up
-- Outgoing notifications: webhook endpoints, their deliveries and each
-- attempt, emails, and the dispatcher's cursor over every scope's events.
-- Secrets and lists are text (sealed secrets, JSON arrays) and times unix
-- microseconds, as elsewhere.

CREATE TABLE webhook_endpoints (
    id                      text PRIMARY KEY,
    merchant_id             text NOT NULL REFERENCES merchants (id),
    mode                    text NOT NULL CHECK (mode IN ('test', 'live')),
    url                     text NOT NULL,
    description             text NOT NULL,
    enabled_events          text NOT NULL,
    disabled                boolean NOT NULL,
    disabled_reason         text NOT NULL,
    secret                  text NOT NULL,
    previous_secret         text NOT NULL,
    previous_secret_expires integer,
    failing_since           integer,
    metadata                text NOT NULL,
    created                 integer NOT NULL,
    updated                 integer NOT NULL
);
CREATE INDEX webhook_endpoints_scope_idx ON webhook_endpoints (merchant_id, mode, id);

-- One delivery per endpoint and event, however often the dispatcher sees
-- the event.
CREATE TABLE webhook_deliveries (
    id              text PRIMARY KEY,
    merchant_id     text NOT NULL REFERENCES merchants (id),
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    endpoint_id     text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        text NOT NULL REFERENCES events (id),
    event_type      text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL,
    next_attempt_at integer,
    last_attempt_at integer,
    created         integer NOT NULL,
    updated         integer NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_endpoint_event_key ON webhook_deliveries (endpoint_id, event_id);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    id               text PRIMARY KEY,
    merchant_id      text NOT NULL REFERENCES merchants (id),
    mode             text NOT NULL CHECK (mode IN ('test', 'live')),
    delivery_id      text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    number           integer NOT NULL,
    manual           boolean NOT NULL,
    succeeded        boolean NOT NULL,
    status_code      integer NOT NULL,
    latency_ms       integer NOT NULL,
    error_kind       text NOT NULL,
    error            text NOT NULL,
    response_excerpt text NOT NULL,
    created          integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- One email per event and template.
CREATE TABLE emails (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    template    text NOT NULL,
    locale      text NOT NULL,
    recipients  text NOT NULL,
    subject     text NOT NULL,
    customer_id text NOT NULL,
    event_id    text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    params      text NOT NULL,
    status      text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    message_id  text NOT NULL,
    sent_at     integer,
    created     integer NOT NULL,
    updated     integer NOT NULL
);
CREATE UNIQUE INDEX emails_event_template_key ON emails (event_id, template);
CREATE INDEX emails_scope_idx ON emails (merchant_id, mode, id);
CREATE INDEX emails_customer_idx ON emails (customer_id, merchant_id, mode, id);

-- Where the dispatcher is in each scope's events (an event id: SQLite has
-- one writer, so ids, made inside write transactions, follow commit order).
CREATE TABLE notify_cursors (
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    position    text NOT NULL,
    updated     integer NOT NULL,
    PRIMARY KEY (merchant_id, mode)
);
-- Events written before this migration are history: nothing is sent for
-- them. A scope without a cursor starts at its first event.
INSERT INTO notify_cursors (merchant_id, mode, position, updated)
SELECT merchant_id, mode, max(id), CAST(strftime('%s', 'now') AS integer) * 1000000
FROM events GROUP BY merchant_id, mode;

-- +goose Down
DROP TABLE notify_cursors;
DROP TABLE emails;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;

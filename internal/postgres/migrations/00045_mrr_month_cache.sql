-- +goose Up
-- The MRR of closed months, kept (docs/analytics.md, "Closed months are
-- kept"): a report of 12 months reads each closed month's figures here
-- instead of every MRR record of the year. A row is tagged with the
-- scope's epoch when it was computed; a write into the settled past (only
-- a test clock can make one) moves the epoch on, which retires every row
-- of the scope at once.
CREATE TABLE mrr_month_cache (
    merchant_id  text        NOT NULL,
    mode         text        NOT NULL,
    currency     text        NOT NULL,
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL,
    epoch        bigint      NOT NULL,
    figures      text        NOT NULL,
    created      timestamptz NOT NULL,
    PRIMARY KEY (merchant_id, mode, currency, epoch, period_start, period_end)
);
CREATE TABLE mrr_epochs (
    merchant_id text   NOT NULL,
    mode        text   NOT NULL,
    epoch       bigint NOT NULL,
    PRIMARY KEY (merchant_id, mode)
);

-- +goose Down
DROP TABLE mrr_epochs;
DROP TABLE mrr_month_cache;

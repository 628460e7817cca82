-- +goose Up
-- UF-indexed prices (docs/uf.md). uf_rates caches the UF's value per day:
-- a value fetched from the CMF belongs to no merchant (merchant_id and mode
-- are ''), a value set by hand belongs to its merchant and mode and wins
-- over the fetched one for them. value is in centavos (the CMF publishes
-- two decimals).
CREATE TABLE uf_rates (
    date        text NOT NULL,
    merchant_id text NOT NULL,
    mode        text NOT NULL CHECK (mode IN ('', 'test', 'live')),
    value       integer NOT NULL CHECK (value > 0),
    source      text NOT NULL CHECK (source IN ('cmf', 'manual')),
    set_by      text NOT NULL,
    created     integer NOT NULL,
    updated     integer NOT NULL,
    PRIMARY KEY (date, merchant_id, mode)
);
CREATE INDEX uf_rates_scope_idx ON uf_rates (merchant_id, mode, date);

-- An invoice of UF prices waiting for its day's value: it stays a draft
-- until the value is known; the retry job finalizes it.
CREATE TABLE uf_waits (
    invoice_id      text PRIMARY KEY REFERENCES invoices (id),
    merchant_id     text NOT NULL REFERENCES merchants (id),
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    date            text NOT NULL,
    attempts        integer NOT NULL,
    next_attempt_at integer NOT NULL,
    created         integer NOT NULL
);
CREATE INDEX uf_waits_due_idx ON uf_waits (next_attempt_at);
CREATE INDEX uf_waits_date_idx ON uf_waits (merchant_id, mode, date);

-- +goose Down
DROP TABLE uf_waits;
DROP TABLE uf_rates;

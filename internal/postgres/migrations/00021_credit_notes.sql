-- +goose Up
-- Credit notes correct paid invoices; customer balances hold the credit
-- (or debt) that the next invoices use. An invoice records the balance it
-- started from and the one it left (both 0 when it used none).
ALTER TABLE invoices ADD COLUMN starting_balance bigint NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN ending_balance bigint NOT NULL DEFAULT 0;

-- Each scope's gapless credit note sequence, apart from the invoices'.
CREATE TABLE credit_note_counters (
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    last        bigint NOT NULL,
    PRIMARY KEY (merchant_id, mode)
);

CREATE TABLE credit_notes (
    id                     text PRIMARY KEY,
    merchant_id            text NOT NULL REFERENCES merchants (id),
    mode                   text NOT NULL CHECK (mode IN ('test', 'live')),
    number                 text NOT NULL,
    invoice_id             text NOT NULL REFERENCES invoices (id),
    customer_id            text NOT NULL REFERENCES customers (id),
    currency               text NOT NULL,
    status                 text NOT NULL CHECK (status IN ('issued', 'void')),
    reason                 text NOT NULL,
    memo                   text NOT NULL,
    lines                  text NOT NULL,
    subtotal               bigint NOT NULL,
    tax                    bigint NOT NULL,
    total                  bigint NOT NULL,
    refund_amount          bigint NOT NULL,
    credit_amount          bigint NOT NULL,
    out_of_band_amount     bigint NOT NULL,
    refund_id              text NOT NULL,
    balance_transaction_id text NOT NULL,
    voided_at              timestamptz,
    created                timestamptz NOT NULL,
    updated                timestamptz NOT NULL
);
CREATE UNIQUE INDEX credit_notes_number_key ON credit_notes (merchant_id, mode, number);
CREATE INDEX credit_notes_scope_idx ON credit_notes (merchant_id, mode, id);
CREATE INDEX credit_notes_invoice_idx ON credit_notes (invoice_id, id);
CREATE INDEX credit_notes_refund_idx ON credit_notes (refund_id) WHERE refund_id <> '';

-- A customer's balance: negative is credit, positive is owed.
CREATE TABLE customer_balances (
    merchant_id text NOT NULL REFERENCES merchants (id),
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    customer_id text NOT NULL REFERENCES customers (id),
    currency    text NOT NULL,
    balance     bigint NOT NULL,
    updated     timestamptz NOT NULL,
    PRIMARY KEY (merchant_id, mode, customer_id)
);

CREATE TABLE customer_balance_transactions (
    id             text PRIMARY KEY,
    merchant_id    text NOT NULL REFERENCES merchants (id),
    mode           text NOT NULL CHECK (mode IN ('test', 'live')),
    customer_id    text NOT NULL REFERENCES customers (id),
    type           text NOT NULL,
    amount         bigint NOT NULL,
    currency       text NOT NULL,
    ending_balance bigint NOT NULL,
    invoice_id     text NOT NULL,
    credit_note_id text NOT NULL,
    description    text NOT NULL,
    created        timestamptz NOT NULL
);
CREATE INDEX customer_balance_transactions_customer_idx ON customer_balance_transactions (merchant_id, mode, customer_id, id);

-- +goose Down
DROP TABLE customer_balance_transactions;
DROP TABLE customer_balances;
DROP TABLE credit_notes;
DROP TABLE credit_note_counters;
ALTER TABLE invoices DROP COLUMN ending_balance;
ALTER TABLE invoices DROP COLUMN starting_balance;

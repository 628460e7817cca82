-- +goose Up
-- Chilean electronic tax documents (docs/dte.md). dte_settings is a
-- merchant's DTE provider per mode: whether emission is on, which
-- provider, its credentials sealed by the app with CUOTA_SECRET_KEY (the
-- store never sees them in the clear, except test-mode values on a server
-- without a key), the SII activity code facturas carry, and when to
-- issue. tax_documents is one emission each: its deterministic key is
-- unique per scope, so the row written before the provider is called can
-- never be written twice; the partial index serves the emission job's
-- scan of what is still open.
CREATE TABLE dte_settings (
    merchant_id   text NOT NULL REFERENCES merchants (id),
    mode          text NOT NULL CHECK (mode IN ('test', 'live')),
    enabled       boolean NOT NULL,
    provider      text NOT NULL,
    sealed        text NOT NULL,
    activity_code bigint NOT NULL,
    issue_on      text NOT NULL,
    created       timestamptz NOT NULL,
    updated       timestamptz NOT NULL,
    PRIMARY KEY (merchant_id, mode)
);

CREATE TABLE tax_documents (
    id             text PRIMARY KEY,
    merchant_id    text NOT NULL REFERENCES merchants (id),
    mode           text NOT NULL CHECK (mode IN ('test', 'live')),
    invoice_id     text NOT NULL REFERENCES invoices (id),
    credit_note_id text NOT NULL,
    type           integer NOT NULL,
    attempt        integer NOT NULL,
    key            text NOT NULL,
    provider       text NOT NULL,
    status         text NOT NULL CHECK (status IN ('pending', 'unknown', 'issued', 'accepted', 'rejected')),
    folio          bigint NOT NULL,
    provider_id    text NOT NULL,
    track_id       text NOT NULL,
    sii_status     text NOT NULL,
    reason         text NOT NULL,
    tries          integer NOT NULL,
    next_try       timestamptz,
    first_sent     timestamptz,
    created        timestamptz NOT NULL,
    updated        timestamptz NOT NULL
);
CREATE UNIQUE INDEX tax_documents_key ON tax_documents (merchant_id, mode, key);
CREATE INDEX tax_documents_invoice_idx ON tax_documents (merchant_id, mode, invoice_id, created);
CREATE INDEX tax_documents_open_idx ON tax_documents (next_try) WHERE status IN ('pending', 'unknown', 'issued');

-- +goose Down
DROP TABLE tax_documents;
DROP TABLE dte_settings;

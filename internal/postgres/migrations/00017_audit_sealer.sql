-- +goose Up
-- The audit log leaves the request path (issue 17). A request's
-- transaction appends its entries unsealed (seq NULL, empty hashes) and
-- takes no lock; the sealer chains committed entries later, in the order
-- the event dispatcher reads events (see 00008): by (txid, id), only of
-- transactions older than every transaction still running. seal says how
-- an entry's hash was made ('hmac-sha256' under the audit key, 'sha256'
-- without one); entries written before this migration keep '' and verify
-- as they always did (plain SHA-256), as the start of the chain that keyed
-- entries extend. audit_heads is now moved by the sealer only.
ALTER TABLE audit_entries ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE audit_entries ADD COLUMN seal text NOT NULL DEFAULT '';
ALTER TABLE audit_entries ADD COLUMN txid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX audit_entries_pending_idx ON audit_entries (merchant_id, txid, id) WHERE seq IS NULL;

-- Signed checkpoints of each merchant's chain: the sealer writes one at
-- intervals; `cuota audit checkpoint` prints the latest for safekeeping.
CREATE TABLE audit_checkpoints (
    merchant_id text NOT NULL REFERENCES merchants (id),
    seq         bigint NOT NULL,
    head        text NOT NULL,
    created     timestamptz NOT NULL,
    seal        text NOT NULL,
    key_id      text NOT NULL,
    signature   text NOT NULL,
    PRIMARY KEY (merchant_id, seq)
);

-- +goose Down
DROP TABLE audit_checkpoints;
DROP INDEX audit_entries_pending_idx;
ALTER TABLE audit_entries DROP COLUMN txid;
ALTER TABLE audit_entries DROP COLUMN seal;
DELETE FROM audit_entries WHERE seq IS NULL;
ALTER TABLE audit_entries ALTER COLUMN seq SET NOT NULL;

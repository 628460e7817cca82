-- +goose Up
-- The audit log leaves the request path (issue 17). A request's
-- transaction appends its entries unsealed (seq NULL, empty hashes) and
-- takes no lock; the sealer chains committed entries later, in the order
-- the event dispatcher reads events (see 00008): by (txid, id), only of
-- transactions older than every audit-writing transaction still running
-- (audit_seal_horizon below). seal says how
-- an entry's hash was made ('hmac-sha256' under the audit key, 'sha256'
-- without one); entries written before this migration keep '' and verify
-- as they always did (plain SHA-256), as the start of the chain that keyed
-- entries extend. audit_heads is now moved by the sealer only.
ALTER TABLE audit_entries ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE audit_entries ADD COLUMN seal text NOT NULL DEFAULT '';
ALTER TABLE audit_entries ADD COLUMN txid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX audit_entries_pending_idx ON audit_entries (merchant_id, txid, id) WHERE seq IS NULL;

-- The horizon below which unsealed entries are settled: the oldest running
-- transaction that writes the audit log (it holds a lock on audit_entries),
-- or the snapshot's xmax when none does. It narrows pg_snapshot_xmin, the
-- dispatcher's horizon, to the transactions that matter, so that unrelated
-- long transactions (of any database of the cluster) do not hold the log
-- back. pg_locks names top-level xids in 32 bits: they are matched against
-- the snapshot's running xids (64 bits).
-- +goose StatementBegin
CREATE FUNCTION audit_seal_horizon() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT COALESCE((
        SELECT min(x::text::bigint)
        FROM pg_snapshot_xip(pg_current_snapshot()) AS x
        WHERE x::text::bigint % 4294967296 IN (
            SELECT l.transactionid::text::bigint
            FROM pg_locks r JOIN pg_locks l ON l.pid = r.pid
            WHERE r.locktype = 'relation' AND r.relation = 'audit_entries'::regclass
              AND l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
              AND r.pid <> pg_backend_pid())
    ), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
$$;
-- +goose StatementEnd

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
DROP FUNCTION audit_seal_horizon();
DROP TABLE audit_checkpoints;
DROP INDEX audit_entries_pending_idx;
ALTER TABLE audit_entries DROP COLUMN txid;
ALTER TABLE audit_entries DROP COLUMN seal;
DELETE FROM audit_entries WHERE seq IS NULL;
ALTER TABLE audit_entries ALTER COLUMN seq SET NOT NULL;

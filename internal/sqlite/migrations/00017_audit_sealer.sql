-- +goose Up
-- The audit log leaves the request path (issue 17). A request's
-- transaction appends its entries unsealed (seq NULL, empty hashes); the
-- sealer chains committed entries later in commit order, which in SQLite
-- (one writer, ids made inside write transactions) is id order, as for
-- events (see 00008). seal says how an entry's hash was made
-- ('hmac-sha256' under the audit key, 'sha256' without one); entries
-- written before this migration keep '' and verify as they always did
-- (plain SHA-256). SQLite cannot drop NOT NULL, so the table is rebuilt.
CREATE TABLE audit_entries_new (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    seq         integer,
    mode        text NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    before      text NOT NULL,
    after       text NOT NULL,
    request_id  text NOT NULL,
    client_ip   text NOT NULL,
    created     integer NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    seal        text NOT NULL DEFAULT '',
    CONSTRAINT audit_entries_seq_key UNIQUE (merchant_id, seq)
);
INSERT INTO audit_entries_new (id, merchant_id, seq, mode, actor, action, object_type, object_id, before, after,
                               request_id, client_ip, created, prev_hash, hash)
SELECT id, merchant_id, seq, mode, actor, action, object_type, object_id, before, after,
       request_id, client_ip, created, prev_hash, hash FROM audit_entries;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_new RENAME TO audit_entries;
CREATE INDEX audit_entries_pending_idx ON audit_entries (merchant_id, id) WHERE seq IS NULL;

-- Signed checkpoints of each merchant's chain: the sealer writes one at
-- intervals; `cuota audit checkpoint` prints the latest for safekeeping.
CREATE TABLE audit_checkpoints (
    merchant_id text NOT NULL REFERENCES merchants (id),
    seq         integer NOT NULL,
    head        text NOT NULL,
    created     integer NOT NULL,
    seal        text NOT NULL,
    key_id      text NOT NULL,
    signature   text NOT NULL,
    PRIMARY KEY (merchant_id, seq)
);

-- +goose Down
DROP TABLE audit_checkpoints;
DELETE FROM audit_entries WHERE seq IS NULL;
DROP INDEX audit_entries_pending_idx;
ALTER TABLE audit_entries DROP COLUMN seal;

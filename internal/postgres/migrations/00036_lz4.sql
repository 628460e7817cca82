-- +goose Up
-- The large JSON and text columns that every write appends (event
-- snapshots, audit entries, rendered emails) are compressed with lz4
-- instead of pglz when the server was built with lz4: a subscription's
-- snapshot is over the 2 kB TOAST threshold, and pglz spent more CPU on
-- compressing the renewal pipeline's six event rows than on the rest of
-- their insert. Rows already written keep pglz; both read back the same.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE events ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN previous SET COMPRESSION lz4;
        ALTER TABLE audit_entries ALTER COLUMN before SET COMPRESSION lz4, ALTER COLUMN after SET COMPRESSION lz4;
        ALTER TABLE emails ALTER COLUMN text_body SET COMPRESSION lz4, ALTER COLUMN html_body SET COMPRESSION lz4;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE events ALTER COLUMN data SET COMPRESSION default, ALTER COLUMN previous SET COMPRESSION default;
ALTER TABLE audit_entries ALTER COLUMN before SET COMPRESSION default, ALTER COLUMN after SET COMPRESSION default;
ALTER TABLE emails ALTER COLUMN text_body SET COMPRESSION default, ALTER COLUMN html_body SET COMPRESSION default;

-- +goose Up
-- The console at scale (docs/performance.md, "Console at scale"): a merchant
-- with 100,000 customers must not have them all read per request.
--
-- The customer search matches an exact email or external id ignoring case:
-- their lower-case forms get indexes of their own (the merchant is a filter
-- on the few rows found: led by merchant and mode, they would compete with
-- the exact-email and external-id indexes for the lists' plans).
CREATE INDEX customers_lower_email_idx ON customers (lower(email));
CREATE INDEX customers_lower_external_id_idx ON customers (lower(external_id));
-- A status filter (the console's subscriptions page, the API's ?status=)
-- reads that status's rows newest first instead of walking every
-- subscription of the merchant until a page of them turns up.
CREATE INDEX subscriptions_status_idx ON subscriptions (merchant_id, mode, status, id);
-- A part of a name is found by pg_trgm's trigram index on lower(name), when
-- the server has pg_trgm (Debian's and most packages' contrib). The
-- extension belongs to the database, not to a schema's tables: it is made
-- once, in public, so that dropping one cuota schema never drops it from
-- under another; the index names its operator class by that schema. Where
-- it cannot be made (not available, or no right to), the search still
-- answers the same, by reading the merchant's customers.
-- +goose StatementBegin
DO $$
DECLARE
    ns text;
BEGIN
    -- Two schemas migrating at once would both create it.
    PERFORM pg_advisory_xact_lock(hashtext('cuota: create extension pg_trgm'));
    SELECT n.nspname INTO ns FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    IF ns IS NULL AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION pg_trgm SCHEMA public;
            ns := 'public';
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pg_trgm could not be installed (%): the customer search reads the merchant''s customers', SQLERRM;
        END;
    END IF;
    IF ns IS NOT NULL THEN
        EXECUTE format('CREATE INDEX customers_name_trgm_idx ON customers USING gin (lower(name) %I.gin_trgm_ops)', ns);
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The extension stays: other schemas of the database may use it.
DROP INDEX IF EXISTS customers_name_trgm_idx;
DROP INDEX subscriptions_status_idx;
DROP INDEX customers_lower_external_id_idx;
DROP INDEX customers_lower_email_idx;

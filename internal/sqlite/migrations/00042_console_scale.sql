-- +goose Up
-- The console at scale (docs/performance.md, "Console at scale"): a status
-- filter (the console's subscriptions page, the API's ?status=) reads that
-- status's rows newest first instead of walking every subscription of the
-- merchant until a page of them turns up. (The customer search's name part
-- has no index here: SQLite has no trigram index, and the embedded store is
-- for merchants whose customers fit in one read.)
CREATE INDEX subscriptions_status_idx ON subscriptions (merchant_id, mode, status, id);

-- +goose Down
DROP INDEX subscriptions_status_idx;

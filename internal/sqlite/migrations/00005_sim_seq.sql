-- +goose Up
-- The sim ledger numbers its rows with MAX(seq)+1: without an index that
-- is a scan of the whole ledger per charge.
CREATE INDEX sim_charges_seq_idx ON sim_charges (seq);

-- +goose Down
DROP INDEX sim_charges_seq_idx;

-- +goose Up
-- The sweep takes due subscriptions in (next_action_at, id) order. With id
-- in the index the order comes from it: before, subscriptions sharing one
-- due time (a merchant billing everyone on the 1st, an import) had to be
-- read and sorted whole for each chunk of 500, so a sweep of N of them
-- read N²/1000 rows.
DROP INDEX subscriptions_due_idx;
CREATE INDEX subscriptions_due_idx ON subscriptions (test_clock_id, next_action_at, id) WHERE next_action_at IS NOT NULL;

-- +goose Down
DROP INDEX subscriptions_due_idx;
CREATE INDEX subscriptions_due_idx ON subscriptions (test_clock_id, next_action_at) WHERE next_action_at IS NOT NULL;

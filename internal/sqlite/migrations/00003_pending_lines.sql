-- +goose Up
-- Proration lines waiting for a subscription's next invoice
-- (proration_behavior create_prorations), as a JSON array.
ALTER TABLE subscriptions ADD COLUMN pending_lines text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN pending_lines;

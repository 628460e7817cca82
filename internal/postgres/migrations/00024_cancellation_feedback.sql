-- +goose Up
-- What the customer said when canceling (the API's
-- cancellation_details[feedback] and [comment]): feedback is one of a fixed
-- list, the comment free text; both empty when nothing was said.
ALTER TABLE subscriptions ADD COLUMN cancellation_feedback text NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN cancellation_comment text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN cancellation_comment;
ALTER TABLE subscriptions DROP COLUMN cancellation_feedback;

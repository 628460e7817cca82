-- +goose Up
-- A sweep lane's claim on a subscription it is working on: set atomically
-- when the lane claims it and cleared when the lane is done, so a second
-- lane cannot take the same subscription meanwhile (its gateway call and
-- settlement happen outside the claiming transaction). claimed_until
-- bounds a claim whose sweeper died.
ALTER TABLE subscriptions ADD COLUMN claim_token text NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN claimed_until integer;
CREATE INDEX subscriptions_claim_idx ON subscriptions (claim_token) WHERE claim_token <> '';

-- +goose Down
DROP INDEX subscriptions_claim_idx;
ALTER TABLE subscriptions DROP COLUMN claimed_until;
ALTER TABLE subscriptions DROP COLUMN claim_token;

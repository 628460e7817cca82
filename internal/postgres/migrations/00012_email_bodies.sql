-- +goose Up
-- The bodies an email was sent with (or, when skipped or failed, rendered
-- with), exactly: rendering again later would use the data as it is then.
-- Emails recorded before this migration have none ('').
ALTER TABLE emails ADD COLUMN text_body text NOT NULL DEFAULT '';
ALTER TABLE emails ADD COLUMN html_body text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE emails DROP COLUMN html_body;
ALTER TABLE emails DROP COLUMN text_body;

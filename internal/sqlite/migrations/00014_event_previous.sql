-- +goose Up
-- An update event's object as it was before the change (same encoding as
-- data), from which the API renders data.previous_attributes; '' for other
-- events and for update events written before this column existed.
ALTER TABLE events ADD COLUMN previous text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE events DROP COLUMN previous;

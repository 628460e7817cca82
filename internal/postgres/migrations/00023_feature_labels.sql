-- +goose Up
-- A product's display names of its features, per locale (a JSON object of
-- locale → feature key → label); features keep their keys for
-- entitlements. Existing products have no labels.
ALTER TABLE products ADD COLUMN feature_labels text NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE products DROP COLUMN feature_labels;

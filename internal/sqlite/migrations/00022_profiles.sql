-- +goose Up
-- The legal identity and brand of a merchant (razón social, RUT, giro,
-- address, support contact, brand colour, which logo) and the tax profile
-- of a customer (legal name, address, tax ids), each a JSON object: they
-- are read and written whole, never queried by field.
ALTER TABLE merchants ADD COLUMN profile text NOT NULL DEFAULT '{}';
ALTER TABLE customers ADD COLUMN tax_profile text NOT NULL DEFAULT '{}';

-- A merchant's logo, one per merchant. Pages and emails link to it by the
-- SHA-256 of its content, so a new logo is a new address and an old one
-- can be cached for ever.
CREATE TABLE merchant_logos (
    merchant_id  text PRIMARY KEY REFERENCES merchants (id),
    sha256       text NOT NULL,
    content_type text NOT NULL,
    data         blob NOT NULL,
    created      integer NOT NULL
);
CREATE INDEX merchant_logos_sha256_idx ON merchant_logos (sha256);

-- +goose Down
DROP TABLE merchant_logos;
ALTER TABLE customers DROP COLUMN tax_profile;
ALTER TABLE merchants DROP COLUMN profile;

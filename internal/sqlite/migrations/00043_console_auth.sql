-- +goose Up
-- The console's sign-in without lock-outs (docs/console.md): wrong
-- passwords are counted per email and client address, per address and per
-- email (billing.SignInThrottleKind), instead of per email alone, so the
-- old rows (a few minutes' worth by design) are dropped with their table.
DROP TABLE sign_in_throttles;
CREATE TABLE sign_in_throttles (
    kind         text NOT NULL CHECK (kind IN ('pair', 'address', 'account')),
    email        text NOT NULL,
    ip           text NOT NULL,
    failures     integer NOT NULL,
    last_failure integer NOT NULL,
    locked_until integer NOT NULL,
    PRIMARY KEY (kind, email, ip)
);
-- A row matters for billing.SignInLockFor after its last failure (a lock
-- lasts as long): older ones are deleted by this index.
CREATE INDEX sign_in_throttles_last_failure_idx ON sign_in_throttles (last_failure);
-- A password reset forgets every throttle of the user's email.
CREATE INDEX sign_in_throttles_email_idx ON sign_in_throttles (email);

-- Password resets: the hash of the link's token is written when its email
-- is rendered (NULL until then; NULLs do not collide in the unique index).
CREATE TABLE password_resets (
    id          text PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    merchant_id text NOT NULL REFERENCES merchants (id),
    hash        text,
    created     integer NOT NULL,
    expires     integer NOT NULL,
    used        integer,
    revoked     integer
);
CREATE UNIQUE INDEX password_resets_hash_key ON password_resets (hash);
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created);

-- TOTP recovery codes, as SHA-256 hashes; used ones are kept until the
-- codes are made again.
CREATE TABLE user_recovery_codes (
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    text NOT NULL,
    created integer NOT NULL,
    used    integer,
    PRIMARY KEY (user_id, hash)
);

-- +goose Down
DROP TABLE user_recovery_codes;
DROP TABLE password_resets;
DROP TABLE sign_in_throttles;
CREATE TABLE sign_in_throttles (
    email        text PRIMARY KEY,
    failures     integer NOT NULL,
    last_failure integer NOT NULL,
    locked_until integer NOT NULL
);
CREATE INDEX sign_in_throttles_last_failure_idx ON sign_in_throttles (last_failure);

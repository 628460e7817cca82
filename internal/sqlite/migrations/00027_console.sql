-- +goose Up
-- The merchant's console (docs/console.md): its users, their sessions and
-- invitations, and the sign-in throttle of each email address. Session and
-- invitation tokens are stored only as their SHA-256; passwords as
-- argon2id.
CREATE TABLE users (
    id            text PRIMARY KEY,
    merchant_id   text NOT NULL REFERENCES merchants (id),
    email         text NOT NULL,
    role          text NOT NULL CHECK (role IN ('viewer', 'support', 'admin', 'owner')),
    password_hash text NOT NULL,
    locale        text NOT NULL,
    totp_secret   blob,
    created       integer NOT NULL,
    updated       integer NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_merchant_idx ON users (merchant_id, id);

CREATE TABLE console_sessions (
    id          text PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    merchant_id text NOT NULL REFERENCES merchants (id),
    hash        text NOT NULL,
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    created     integer NOT NULL,
    last_seen   integer NOT NULL,
    revoked     integer
);
CREATE UNIQUE INDEX console_sessions_hash_key ON console_sessions (hash);
CREATE INDEX console_sessions_user_idx ON console_sessions (user_id);

CREATE TABLE user_invitations (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    email       text NOT NULL,
    role        text NOT NULL CHECK (role IN ('viewer', 'support', 'admin', 'owner')),
    hash        text NOT NULL,
    invited_by  text NOT NULL,
    created     integer NOT NULL,
    expires     integer NOT NULL,
    used        integer
);
CREATE UNIQUE INDEX user_invitations_hash_key ON user_invitations (hash);
CREATE INDEX user_invitations_merchant_idx ON user_invitations (merchant_id, id);

CREATE TABLE sign_in_throttles (
    email        text PRIMARY KEY,
    failures     integer NOT NULL,
    last_failure integer NOT NULL,
    locked_until integer NOT NULL
);
-- A row matters for billing.SignInLockFor after its last failure (a lock
-- lasts as long): older ones are deleted by this index.
CREATE INDEX sign_in_throttles_last_failure_idx ON sign_in_throttles (last_failure);

-- +goose Down
DROP TABLE sign_in_throttles;
DROP TABLE user_invitations;
DROP TABLE console_sessions;
DROP TABLE users;

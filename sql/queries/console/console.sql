-- name: CreateUser :exec
INSERT INTO users (id, merchant_id, email, role, password_hash, locale, totp_secret, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(email), sqlc.arg(role), sqlc.arg(password_hash),
        sqlc.arg(locale), sqlc.narg(totp_secret), sqlc.arg(created), sqlc.arg(updated));

-- name: GetUser :one
SELECT * FROM users WHERE merchant_id = sqlc.arg(merchant_id) AND id = sqlc.arg(id);

-- name: GetUserByEmail :one
SELECT * FROM users WHERE email = sqlc.arg(email);

-- name: ListUsers :many
SELECT * FROM users WHERE merchant_id = sqlc.arg(merchant_id) ORDER BY id;

-- name: UpdateUser :execrows
UPDATE users
SET role = sqlc.arg(role), password_hash = sqlc.arg(password_hash), locale = sqlc.arg(locale),
    totp_secret = sqlc.narg(totp_secret), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND id = sqlc.arg(id);

-- name: DeleteUserSessions :exec
DELETE FROM console_sessions WHERE user_id = sqlc.arg(user_id);

-- name: DeleteUser :execrows
DELETE FROM users WHERE merchant_id = sqlc.arg(merchant_id) AND id = sqlc.arg(id);

-- name: CreateSession :exec
INSERT INTO console_sessions (id, user_id, merchant_id, hash, mode, created, last_seen, revoked)
VALUES (sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(merchant_id), sqlc.arg(hash), sqlc.arg(mode),
        sqlc.arg(created), sqlc.arg(last_seen), sqlc.narg(revoked));

-- name: GetSessionByHash :one
SELECT * FROM console_sessions WHERE hash = sqlc.arg(hash);

-- name: TouchSession :execrows
UPDATE console_sessions SET last_seen = sqlc.arg(last_seen) WHERE id = sqlc.arg(id);

-- name: SetSessionMode :execrows
UPDATE console_sessions SET mode = sqlc.arg(mode) WHERE id = sqlc.arg(id);

-- name: RevokeSession :execrows
UPDATE console_sessions SET revoked = sqlc.arg(revoked) WHERE id = sqlc.arg(id) AND revoked IS NULL;

-- name: RevokeUserSessions :exec
UPDATE console_sessions SET revoked = sqlc.arg(revoked) WHERE user_id = sqlc.arg(user_id) AND revoked IS NULL;

-- name: CreateInvitation :exec
INSERT INTO user_invitations (id, merchant_id, email, role, hash, invited_by, created, expires, used)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(email), sqlc.arg(role), sqlc.arg(hash),
        sqlc.arg(invited_by), sqlc.arg(created), sqlc.arg(expires), sqlc.narg(used));

-- name: GetInvitationByHash :one
SELECT * FROM user_invitations WHERE hash = sqlc.arg(hash);

-- name: ListInvitations :many
SELECT * FROM user_invitations
WHERE merchant_id = sqlc.arg(merchant_id) AND used IS NULL AND expires > sqlc.arg(now)
ORDER BY id;

-- name: UseInvitation :execrows
UPDATE user_invitations SET used = sqlc.arg(used) WHERE id = sqlc.arg(id) AND used IS NULL;

-- name: GetSignInThrottle :many
SELECT * FROM sign_in_throttles WHERE kind = sqlc.arg(kind) AND email = sqlc.arg(email) AND ip = sqlc.arg(ip);

-- name: PutSignInThrottle :exec
INSERT INTO sign_in_throttles (kind, email, ip, failures, last_failure, locked_until)
VALUES (sqlc.arg(kind), sqlc.arg(email), sqlc.arg(ip), sqlc.arg(failures), sqlc.arg(last_failure), sqlc.arg(locked_until))
ON CONFLICT (kind, email, ip) DO UPDATE
SET failures = excluded.failures, last_failure = excluded.last_failure, locked_until = excluded.locked_until;

-- name: DeleteSignInThrottle :exec
DELETE FROM sign_in_throttles WHERE kind = sqlc.arg(kind) AND email = sqlc.arg(email) AND ip = sqlc.arg(ip);

-- name: DeleteEmailSignInThrottles :exec
DELETE FROM sign_in_throttles WHERE email = sqlc.arg(email);

-- name: DeleteStaleSignInThrottles :exec
DELETE FROM sign_in_throttles WHERE last_failure < sqlc.arg(before);

-- name: CreatePasswordReset :exec
INSERT INTO password_resets (id, user_id, merchant_id, hash, created, expires, used, revoked)
VALUES (sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(merchant_id), sqlc.narg(hash), sqlc.arg(created), sqlc.arg(expires),
        sqlc.narg(used), sqlc.narg(revoked));

-- name: GetPasswordReset :one
SELECT * FROM password_resets WHERE id = sqlc.arg(id);

-- name: GetPasswordResetByHash :one
SELECT * FROM password_resets WHERE hash = sqlc.arg(hash);

-- name: SetPasswordResetHash :execrows
UPDATE password_resets SET hash = sqlc.arg(hash) WHERE id = sqlc.arg(id);

-- name: UsePasswordReset :execrows
UPDATE password_resets SET used = sqlc.arg(used) WHERE id = sqlc.arg(id) AND used IS NULL AND revoked IS NULL;

-- name: RevokePasswordResets :exec
UPDATE password_resets SET revoked = sqlc.arg(revoked) WHERE user_id = sqlc.arg(user_id) AND used IS NULL AND revoked IS NULL;

-- name: CountPasswordResets :one
SELECT count(*) FROM password_resets WHERE user_id = sqlc.arg(user_id) AND created > sqlc.arg(since);

-- name: DeleteRecoveryCodes :exec
DELETE FROM user_recovery_codes WHERE user_id = sqlc.arg(user_id);

-- name: CreateRecoveryCode :exec
INSERT INTO user_recovery_codes (user_id, hash, created, used) VALUES (sqlc.arg(user_id), sqlc.arg(hash), sqlc.arg(created), NULL);

-- name: UseRecoveryCode :execrows
UPDATE user_recovery_codes SET used = sqlc.arg(used)
WHERE user_id = sqlc.arg(user_id) AND hash = sqlc.arg(hash) AND used IS NULL;

-- name: CountRecoveryCodes :one
SELECT count(*) FROM user_recovery_codes WHERE user_id = sqlc.arg(user_id) AND used IS NULL;

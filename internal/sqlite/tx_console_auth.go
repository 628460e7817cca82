package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/consoledb"
)

// The sign-in throttles, password resets and recovery codes of the
// console (docs/console.md).

// GetSignInThrottle returns one throttle.
func (t consoleTx) GetSignInThrottle(ctx context.Context, kind billing.SignInThrottleKind, email, ip string) (billing.SignInThrottle, error) {
	rows, err := t.q().GetSignInThrottle(ctx, consoledb.GetSignInThrottleParams{Kind: string(kind), Email: email, Ip: ip})
	if err != nil {
		return billing.SignInThrottle{}, dbError(err, "get sign-in throttle")
	}
	if len(rows) == 0 {
		return billing.SignInThrottle{Kind: kind, Email: email, IP: ip}, nil
	}
	r := rows[0]
	return billing.SignInThrottle{Kind: billing.SignInThrottleKind(r.Kind), Email: r.Email, IP: r.Ip, Failures: int(r.Failures),
		LastFailure: zeroMicros(r.LastFailure), LockedUntil: zeroMicros(r.LockedUntil)}, nil
}

// PutSignInThrottle stores a throttle.
func (t consoleTx) PutSignInThrottle(ctx context.Context, th billing.SignInThrottle) error {
	err := t.q().PutSignInThrottle(ctx, consoledb.PutSignInThrottleParams{Kind: string(th.Kind), Email: th.Email, Ip: th.IP,
		Failures: int64(th.Failures), LastFailure: micros(th.LastFailure), LockedUntil: micros(th.LockedUntil)})
	if err != nil {
		return dbError(err, "put sign-in throttle")
	}
	return nil
}

// DeleteSignInThrottle forgets one throttle.
func (t consoleTx) DeleteSignInThrottle(ctx context.Context, kind billing.SignInThrottleKind, email, ip string) error {
	if err := t.q().DeleteSignInThrottle(ctx, consoledb.DeleteSignInThrottleParams{Kind: string(kind), Email: email, Ip: ip}); err != nil {
		return dbError(err, "delete sign-in throttle")
	}
	return nil
}

// DeleteEmailSignInThrottles forgets every throttle of email.
func (t consoleTx) DeleteEmailSignInThrottles(ctx context.Context, email string) error {
	if err := t.q().DeleteEmailSignInThrottles(ctx, email); err != nil {
		return dbError(err, "delete sign-in throttles of an email")
	}
	return nil
}

// DeleteStaleSignInThrottles forgets the throttles last failed before
// before.
func (t consoleTx) DeleteStaleSignInThrottles(ctx context.Context, before time.Time) error {
	if err := t.q().DeleteStaleSignInThrottles(ctx, micros(before)); err != nil {
		return dbError(err, "delete stale sign-in throttles")
	}
	return nil
}

// resetHash is a reset's hash as stored: NULL until its email is rendered.
func resetHash(h string) sql.NullString { return sql.NullString{String: h, Valid: h != ""} }

// CreatePasswordReset stores r.
func (t consoleTx) CreatePasswordReset(ctx context.Context, r billing.PasswordReset) error {
	err := t.q().CreatePasswordReset(ctx, consoledb.CreatePasswordResetParams{ID: r.ID, UserID: r.UserID, MerchantID: r.MerchantID,
		Hash: resetHash(r.Hash), Created: micros(r.Created), Expires: micros(r.Expires), Used: nullMicros(r.Used),
		Revoked: nullMicros(r.Revoked)})
	if err != nil {
		return dbError(err, "create password reset %s", r.ID)
	}
	return nil
}

// GetPasswordReset returns a password reset.
func (t consoleTx) GetPasswordReset(ctx context.Context, id string) (billing.PasswordReset, error) {
	r, err := t.q().GetPasswordReset(ctx, id)
	if err != nil {
		return billing.PasswordReset{}, dbError(err, "get password reset %s", id)
	}
	return resetFromRow(r), nil
}

// GetPasswordResetByHash returns the reset whose token hashes to hash.
func (t consoleTx) GetPasswordResetByHash(ctx context.Context, hash string) (billing.PasswordReset, error) {
	r, err := t.q().GetPasswordResetByHash(ctx, resetHash(hash))
	if err != nil {
		return billing.PasswordReset{}, dbError(err, "get password reset by hash")
	}
	return resetFromRow(r), nil
}

func resetFromRow(r consoledb.PasswordReset) billing.PasswordReset {
	return billing.PasswordReset{ID: r.ID, UserID: r.UserID, MerchantID: r.MerchantID, Hash: r.Hash.String,
		Created: fromMicros(r.Created), Expires: fromMicros(r.Expires), Used: fromNullMicros(r.Used), Revoked: fromNullMicros(r.Revoked)}
}

// SetPasswordResetHash stores the hash of a reset's token.
func (t consoleTx) SetPasswordResetHash(ctx context.Context, id, hash string) error {
	n, err := t.q().SetPasswordResetHash(ctx, consoledb.SetPasswordResetHashParams{ID: id, Hash: resetHash(hash)})
	return notFoundIfNone(n, err, "set password reset hash %s", id)
}

// UsePasswordReset marks a reset used, once.
func (t consoleTx) UsePasswordReset(ctx context.Context, id string, at time.Time) error {
	n, err := t.q().UsePasswordReset(ctx, consoledb.UsePasswordResetParams{ID: id, Used: nullMicros(&at)})
	return notFoundIfNone(n, err, "use password reset %s", id)
}

// RevokePasswordResets revokes a user's open resets.
func (t consoleTx) RevokePasswordResets(ctx context.Context, userID string, at time.Time) error {
	if err := t.q().RevokePasswordResets(ctx, consoledb.RevokePasswordResetsParams{UserID: userID, Revoked: nullMicros(&at)}); err != nil {
		return dbError(err, "revoke password resets of %s", userID)
	}
	return nil
}

// CountPasswordResets counts a user's resets made after since.
func (t consoleTx) CountPasswordResets(ctx context.Context, userID string, since time.Time) (int, error) {
	n, err := t.q().CountPasswordResets(ctx, consoledb.CountPasswordResetsParams{UserID: userID, Since: micros(since)})
	if err != nil {
		return 0, dbError(err, "count password resets of %s", userID)
	}
	return int(n), nil
}

// ReplaceRecoveryCodes replaces a user's recovery codes with hashes.
func (t consoleTx) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time) error {
	if err := t.q().DeleteRecoveryCodes(ctx, userID); err != nil {
		return dbError(err, "delete recovery codes of %s", userID)
	}
	for _, h := range hashes {
		if err := t.q().CreateRecoveryCode(ctx, consoledb.CreateRecoveryCodeParams{UserID: userID, Hash: h, Created: micros(at)}); err != nil {
			return dbError(err, "create recovery code of %s", userID)
		}
	}
	return nil
}

// UseRecoveryCode marks a user's unused code used, once.
func (t consoleTx) UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) error {
	n, err := t.q().UseRecoveryCode(ctx, consoledb.UseRecoveryCodeParams{UserID: userID, Hash: hash, Used: nullMicros(&at)})
	return notFoundIfNone(n, err, "use recovery code of %s", userID)
}

// CountRecoveryCodes counts a user's unused recovery codes.
func (t consoleTx) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	n, err := t.q().CountRecoveryCodes(ctx, userID)
	if err != nil {
		return 0, dbError(err, "count recovery codes of %s", userID)
	}
	return int(n), nil
}

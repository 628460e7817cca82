package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/consoledb"
)

// The sign-in throttles, password resets and recovery codes of the
// console (docs/console.md).

// GetSignInThrottle returns one throttle.
func (t consoleTx) GetSignInThrottle(ctx context.Context, kind billing.SignInThrottleKind, email, ip string) (billing.SignInThrottle, error) {
	rows, err := t.q().GetSignInThrottle(ctx, consoledb.GetSignInThrottleParams{Kind: string(kind), Email: email, Ip: ip})
	if err != nil {
		return billing.SignInThrottle{}, dbError("get sign-in throttle", err)
	}
	if len(rows) == 0 {
		return billing.SignInThrottle{Kind: kind, Email: email, IP: ip}, nil
	}
	r := rows[0]
	return billing.SignInThrottle{Kind: billing.SignInThrottleKind(r.Kind), Email: r.Email, IP: r.Ip, Failures: int(r.Failures),
		LastFailure: zeroTime(r.LastFailure), LockedUntil: zeroTime(r.LockedUntil)}, nil
}

// PutSignInThrottle stores a throttle.
func (t consoleTx) PutSignInThrottle(ctx context.Context, th billing.SignInThrottle) error {
	return t.writeConsole(ctx, "put sign-in throttle", func(q *consoledb.Queries) error {
		return q.PutSignInThrottle(ctx, consoledb.PutSignInThrottleParams{Kind: string(th.Kind), Email: th.Email, Ip: th.IP,
			Failures: int64(th.Failures), LastFailure: ts(th.LastFailure), LockedUntil: ts(th.LockedUntil)})
	})
}

// DeleteSignInThrottle forgets one throttle.
func (t consoleTx) DeleteSignInThrottle(ctx context.Context, kind billing.SignInThrottleKind, email, ip string) error {
	return t.writeConsole(ctx, "delete sign-in throttle", func(q *consoledb.Queries) error {
		return q.DeleteSignInThrottle(ctx, consoledb.DeleteSignInThrottleParams{Kind: string(kind), Email: email, Ip: ip})
	})
}

// DeleteEmailSignInThrottles forgets every throttle of email.
func (t consoleTx) DeleteEmailSignInThrottles(ctx context.Context, email string) error {
	return t.writeConsole(ctx, "delete sign-in throttles of an email", func(q *consoledb.Queries) error {
		return q.DeleteEmailSignInThrottles(ctx, email)
	})
}

// DeleteStaleSignInThrottles forgets the throttles last failed before
// before.
func (t consoleTx) DeleteStaleSignInThrottles(ctx context.Context, before time.Time) error {
	return t.writeConsole(ctx, "delete stale sign-in throttles", func(q *consoledb.Queries) error {
		return q.DeleteStaleSignInThrottles(ctx, ts(before))
	})
}

// resetHash is a reset's hash as stored: NULL until its email is rendered.
func resetHash(h string) pgtype.Text { return pgtype.Text{String: h, Valid: h != ""} }

// CreatePasswordReset stores r.
func (t consoleTx) CreatePasswordReset(ctx context.Context, r billing.PasswordReset) error {
	return t.writeConsole(ctx, "create password reset "+r.ID, func(q *consoledb.Queries) error {
		return q.CreatePasswordReset(ctx, consoledb.CreatePasswordResetParams{ID: r.ID, UserID: r.UserID, MerchantID: r.MerchantID,
			Hash: resetHash(r.Hash), Created: ts(r.Created), Expires: ts(r.Expires), Used: tsPtr(r.Used), Revoked: tsPtr(r.Revoked)})
	})
}

// GetPasswordReset returns a password reset.
func (t consoleTx) GetPasswordReset(ctx context.Context, id string) (billing.PasswordReset, error) {
	r, err := t.q().GetPasswordReset(ctx, id)
	if err != nil {
		return billing.PasswordReset{}, dbError("get password reset "+id, err)
	}
	return resetFromRow(r), nil
}

// GetPasswordResetByHash returns the reset whose token hashes to hash.
func (t consoleTx) GetPasswordResetByHash(ctx context.Context, hash string) (billing.PasswordReset, error) {
	r, err := t.q().GetPasswordResetByHash(ctx, resetHash(hash))
	if err != nil {
		return billing.PasswordReset{}, dbError("get password reset by hash", err)
	}
	return resetFromRow(r), nil
}

func resetFromRow(r consoledb.PasswordReset) billing.PasswordReset {
	return billing.PasswordReset{ID: r.ID, UserID: r.UserID, MerchantID: r.MerchantID, Hash: r.Hash.String,
		Created: r.Created.UTC(), Expires: r.Expires.UTC(), Used: utcPtr(r.Used), Revoked: utcPtr(r.Revoked)}
}

// SetPasswordResetHash stores the hash of a reset's token.
func (t consoleTx) SetPasswordResetHash(ctx context.Context, id, hash string) error {
	return t.writeConsole(ctx, "set password reset hash "+id, func(q *consoledb.Queries) error {
		return updated(q.SetPasswordResetHash(ctx, consoledb.SetPasswordResetHashParams{ID: id, Hash: resetHash(hash)}))
	})
}

// UsePasswordReset marks a reset used, once.
func (t consoleTx) UsePasswordReset(ctx context.Context, id string, at time.Time) error {
	return t.writeConsole(ctx, "use password reset "+id, func(q *consoledb.Queries) error {
		return updated(q.UsePasswordReset(ctx, consoledb.UsePasswordResetParams{ID: id, Used: new(ts(at))}))
	})
}

// RevokePasswordResets revokes a user's open resets.
func (t consoleTx) RevokePasswordResets(ctx context.Context, userID string, at time.Time) error {
	return t.writeConsole(ctx, "revoke password resets of "+userID, func(q *consoledb.Queries) error {
		return q.RevokePasswordResets(ctx, consoledb.RevokePasswordResetsParams{UserID: userID, Revoked: new(ts(at))})
	})
}

// CountPasswordResets counts a user's resets made after since.
func (t consoleTx) CountPasswordResets(ctx context.Context, userID string, since time.Time) (int, error) {
	n, err := t.q().CountPasswordResets(ctx, consoledb.CountPasswordResetsParams{UserID: userID, Since: ts(since)})
	if err != nil {
		return 0, dbError("count password resets of "+userID, err)
	}
	return int(n), nil
}

// ReplaceRecoveryCodes replaces a user's recovery codes with hashes.
func (t consoleTx) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time) error {
	return t.writeConsole(ctx, "replace recovery codes of "+userID, func(q *consoledb.Queries) error {
		if err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if err := q.CreateRecoveryCode(ctx, consoledb.CreateRecoveryCodeParams{UserID: userID, Hash: h, Created: ts(at)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// UseRecoveryCode marks a user's unused code used, once.
func (t consoleTx) UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) error {
	return t.writeConsole(ctx, "use recovery code of "+userID, func(q *consoledb.Queries) error {
		return updated(q.UseRecoveryCode(ctx, consoledb.UseRecoveryCodeParams{UserID: userID, Hash: hash, Used: new(ts(at))}))
	})
}

// CountRecoveryCodes counts a user's unused recovery codes.
func (t consoleTx) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	n, err := t.q().CountRecoveryCodes(ctx, userID)
	if err != nil {
		return 0, dbError("count recovery codes of "+userID, err)
	}
	return int(n), nil
}

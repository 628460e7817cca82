package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// A forgotten password (docs/console.md, "Forgotten password"): the
// sign-in page asks for an email; when it is a user's, cuota emails a link
// through the email log and its send job, like every other email. The
// link's token is made when the email is rendered (emails_reset.go) and
// only its hash is stored; the link works once, for
// billing.PasswordResetLifetime, and a newer request revokes older links.

// PasswordResetPath is where a reset link points under the public URL;
// the console serves it.
const PasswordResetPath = "/console/reset/"

// passwordResetActor is the audit log's actor of a reset request: whoever
// typed the email, not known to be the user.
const passwordResetActor = "anonymous"

// RequestPasswordReset records a reset of email's user and queues its
// email. The answer is the same whether or not the email is a user's, and
// whether or not the user already had billing.PasswordResetsPerWindow
// emails within the window (then nothing is sent): only an empty or
// overlong email is refused.
func (a *Users) RequestPasswordReset(ctx context.Context, email string) error {
	email = normalizeEmail(email)
	var v validator
	v.required("email", email)
	v.maxLen("email", email, maxEmailLen)
	if err := v.err(); err != nil {
		return err
	}
	info := RequestInfoFrom(ctx)
	info.Actor = passwordResetActor
	ctx = WithRequestInfo(ctx, info)
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		u, err := tx.Console.GetUserByEmail(ctx, email)
		if errors.Is(err, billing.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		now := a.Now()
		recent, err := tx.Console.CountPasswordResets(ctx, u.ID, now.Add(-billing.PasswordResetWindow))
		if err != nil {
			return fmt.Errorf("count password resets: %w", err)
		}
		if !billing.PasswordResetAllowed(recent) {
			a.logger.InfoContext(ctx, "password reset not sent: too many within the window", "user", u.ID)
			return nil
		}
		if err := tx.Console.RevokePasswordResets(ctx, u.ID, now); err != nil {
			return fmt.Errorf("revoke older password resets: %w", err)
		}
		r := billing.PasswordReset{ID: billing.NewID(billing.PrefixPasswordReset, now), UserID: u.ID, MerchantID: u.MerchantID,
			Created: now, Expires: now.Add(billing.PasswordResetLifetime)}
		if err := tx.Console.CreatePasswordReset(ctx, r); err != nil {
			return fmt.Errorf("create password reset: %w", err)
		}
		if err := a.audit(ctx, tx, change{merchantID: u.MerchantID, action: "password_reset.create", objectType: "password_reset",
			objectID: r.ID, after: r}); err != nil {
			return err
		}
		// The email belongs to the merchant's live log: it is about the
		// account, not about test data. Its "event" is the reset.
		e := billing.Email{ID: billing.NewID(billing.PrefixEmail, now), Scope: billing.Scope{MerchantID: u.MerchantID, Mode: billing.ModeLive},
			Template: billing.EmailPasswordReset, Locale: u.Locale, To: []string{u.Email}, EventID: r.ID, ObjectType: "user",
			ObjectID: u.ID, Params: json.RawMessage(`{}`), Status: billing.EmailPending, Created: now, Updated: now}
		return a.notifications.queueEmail(ctx, tx, e)
	})
}

// passwordResetUnusable is the error of a link used, replaced or expired.
func passwordResetUnusable() error {
	return billing.Errorf(billing.KindConflict, billing.CodePasswordResetUnusable,
		"this password reset link was already used, replaced by a newer one, or has expired")
}

// openPasswordReset reads the reset of a link's token in tx and checks
// that it can be used.
func (a *Users) openPasswordReset(ctx context.Context, tx billing.Tx, token string) (billing.PasswordReset, billing.User, error) {
	if token == "" || len(token) > 128 {
		return billing.PasswordReset{}, billing.User{}, notFound(billing.ErrNotFound, "password_reset", "")
	}
	r, err := tx.Console.GetPasswordResetByHash(ctx, HashAPIKey(token))
	if err != nil {
		return billing.PasswordReset{}, billing.User{}, notFound(err, "password_reset", "")
	}
	if !billing.PasswordResetUsable(r, a.Now()) {
		return billing.PasswordReset{}, billing.User{}, passwordResetUnusable()
	}
	u, err := tx.Console.GetUser(ctx, r.MerchantID, r.UserID)
	if err != nil {
		return billing.PasswordReset{}, billing.User{}, fmt.Errorf("read user: %w", err)
	}
	return r, u, nil
}

// OpenPasswordReset returns the user of a reset link's token while the
// link can be used.
func (a *Users) OpenPasswordReset(ctx context.Context, token string) (billing.User, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.User, error) {
		_, u, err := a.openPasswordReset(ctx, tx, token)
		return u, err
	})
}

// ResetPassword sets the password of a reset link's user and uses the
// link up (setPassword says what follows). The user is not signed in: the
// link proves only the mailbox, and a user with a second factor must
// still give it, so the console sends them to sign in.
func (a *Users) ResetPassword(ctx context.Context, token, password string) (billing.User, error) {
	var v validator
	checkNewPassword(&v, "password", password)
	if err := v.err(); err != nil {
		return billing.User{}, err
	}
	hash := hashPassword(password)
	var u billing.User
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		r, user, err := a.openPasswordReset(ctx, tx, token)
		if err != nil {
			return err
		}
		if err := tx.Console.UsePasswordReset(ctx, r.ID, a.Now()); err != nil {
			if errors.Is(err, billing.ErrNotFound) {
				return passwordResetUnusable()
			}
			return fmt.Errorf("use password reset: %w", err)
		}
		u, err = a.setPassword(asUser(ctx, user.ID), tx, user, hash)
		return err
	})
	return u, err
}

// SetPassword sets the password of a merchant's user by email (the CLI's
// `cuota user reset-password`), with what a reset does.
func (a *Users) SetPassword(ctx context.Context, merchantID, email, password string) (billing.User, error) {
	var v validator
	checkNewPassword(&v, "password", password)
	if err := v.err(); err != nil {
		return billing.User{}, err
	}
	hash := hashPassword(password)
	var u billing.User
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		user, err := tx.Console.GetUserByEmail(ctx, normalizeEmail(email))
		if err == nil && user.MerchantID != merchantID {
			err = billing.ErrNotFound // another merchant's user is not this one's
		}
		if err != nil {
			return notFound(err, "user", email)
		}
		u, err = a.setPassword(ctx, tx, user, hash)
		return err
	})
	return u, err
}

// setPassword gives before the password of hash and ends what the old one
// opened: every session of the user is revoked, every reset link still
// open is revoked, and the sign-in throttles of the user's email (every
// address's and the account's) are forgotten, so a user locked out by
// someone's wrong passwords is let in at once.
func (a *Users) setPassword(ctx context.Context, tx billing.Tx, before billing.User, hash string) (billing.User, error) {
	now := a.Now()
	u := before
	u.PasswordHash, u.Updated = hash, now
	if err := tx.Console.UpdateUser(ctx, u); err != nil {
		return billing.User{}, fmt.Errorf("update user %s: %w", u.ID, err)
	}
	if err := tx.Console.RevokeUserSessions(ctx, u.ID, now); err != nil {
		return billing.User{}, fmt.Errorf("revoke sessions of %s: %w", u.ID, err)
	}
	if err := tx.Console.RevokePasswordResets(ctx, u.ID, now); err != nil {
		return billing.User{}, fmt.Errorf("revoke password resets of %s: %w", u.ID, err)
	}
	if err := tx.Console.DeleteEmailSignInThrottles(ctx, u.Email); err != nil {
		return billing.User{}, fmt.Errorf("clear sign-in throttles of %s: %w", u.ID, err)
	}
	return u, a.audit(ctx, tx, change{merchantID: u.MerchantID, action: "user.password_reset", objectType: "user", objectID: u.ID,
		before: before, after: u})
}

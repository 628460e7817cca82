package billing

import (
	"context"
	"time"
)

// ConsoleTx stores the console's users, their sessions and invitations,
// the sign-in throttles, password resets and recovery codes
// (docs/console.md).
type ConsoleTx interface {
	// CreateUser stores u; an email already taken is a unique violation
	// of "users_email_key".
	CreateUser(ctx context.Context, u User) error
	// GetUser returns a merchant's user.
	GetUser(ctx context.Context, merchantID, id string) (User, error)
	// GetUserByEmail returns the user with email (lower case), of any
	// merchant.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers returns a merchant's users, oldest first.
	ListUsers(ctx context.Context, merchantID string) ([]User, error)
	// UpdateUser writes a user's role, password hash, locale, TOTP secret
	// and updated time.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser removes a merchant's user and its sessions.
	DeleteUser(ctx context.Context, merchantID, id string) error

	// CreateSession stores s.
	CreateSession(ctx context.Context, s Session) error
	// GetSessionByHash returns the session whose token hashes to hash.
	GetSessionByHash(ctx context.Context, hash string) (Session, error)
	// TouchSession sets a session's last use.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// SetSessionMode sets the mode a session's console shows.
	SetSessionMode(ctx context.Context, id string, mode Mode) error
	// RevokeSession revokes a session unless it already is.
	RevokeSession(ctx context.Context, id string, at time.Time) error
	// RevokeUserSessions revokes every live session of a user.
	RevokeUserSessions(ctx context.Context, userID string, at time.Time) error

	// CreateInvitation stores inv.
	CreateInvitation(ctx context.Context, inv Invitation) error
	// GetInvitationByHash returns the invitation whose token hashes to
	// hash.
	GetInvitationByHash(ctx context.Context, hash string) (Invitation, error)
	// ListInvitations returns a merchant's invitations not used yet and
	// not expired at now, oldest first.
	ListInvitations(ctx context.Context, merchantID string, now time.Time) ([]Invitation, error)
	// UseInvitation marks an invitation used at at; ErrNotFound when it
	// was already used (two acceptances at once: one wins).
	UseInvitation(ctx context.Context, id string, at time.Time) error

	// GetSignInThrottle returns the throttle of kind for email and ip
	// (one of them "" as the kind says; zero failures when it has none).
	GetSignInThrottle(ctx context.Context, kind SignInThrottleKind, email, ip string) (SignInThrottle, error)
	// PutSignInThrottle stores t, replacing the one of its kind, email and
	// ip.
	PutSignInThrottle(ctx context.Context, t SignInThrottle) error
	// DeleteSignInThrottle forgets one throttle.
	DeleteSignInThrottle(ctx context.Context, kind SignInThrottleKind, email, ip string) error
	// DeleteEmailSignInThrottles forgets every throttle of email (its
	// pairs with any address and its account's): a password reset's.
	DeleteEmailSignInThrottles(ctx context.Context, email string) error
	// DeleteStaleSignInThrottles forgets the throttles whose last failure
	// is before before (no wait nor lock can be left of them), so that
	// tries with ever new addresses do not pile up.
	DeleteStaleSignInThrottles(ctx context.Context, before time.Time) error

	// CreatePasswordReset stores r.
	CreatePasswordReset(ctx context.Context, r PasswordReset) error
	// GetPasswordReset returns a password reset.
	GetPasswordReset(ctx context.Context, id string) (PasswordReset, error)
	// GetPasswordResetByHash returns the reset whose token hashes to hash.
	GetPasswordResetByHash(ctx context.Context, hash string) (PasswordReset, error)
	// SetPasswordResetHash stores the hash of a reset's token, made when
	// its email is rendered.
	SetPasswordResetHash(ctx context.Context, id, hash string) error
	// UsePasswordReset marks a reset used at at; ErrNotFound when it was
	// already used or revoked (two uses at once: one wins).
	UsePasswordReset(ctx context.Context, id string, at time.Time) error
	// RevokePasswordResets revokes a user's resets neither used nor
	// revoked yet.
	RevokePasswordResets(ctx context.Context, userID string, at time.Time) error
	// CountPasswordResets counts a user's resets made after since.
	CountPasswordResets(ctx context.Context, userID string, since time.Time) (int, error)

	// ReplaceRecoveryCodes deletes a user's recovery codes and stores
	// hashes as the new ones (none: the user has no codes).
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time) error
	// UseRecoveryCode marks the user's unused code with hash used at at;
	// ErrNotFound when there is none.
	UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) error
	// CountRecoveryCodes counts a user's unused recovery codes.
	CountRecoveryCodes(ctx context.Context, userID string) (int, error)
}

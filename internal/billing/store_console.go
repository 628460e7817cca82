package billing

import (
	"context"
	"time"
)

// ConsoleTx stores the console's users, their sessions and invitations,
// and the sign-in throttle of each email address (docs/console.md).
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

	// GetSignInThrottle returns the throttle of email (zero failures when
	// it has none).
	GetSignInThrottle(ctx context.Context, email string) (SignInThrottle, error)
	// PutSignInThrottle stores t, replacing the one of its email.
	PutSignInThrottle(ctx context.Context, t SignInThrottle) error
	// DeleteSignInThrottle forgets email's throttle.
	DeleteSignInThrottle(ctx context.Context, email string) error
	// DeleteStaleSignInThrottles forgets the throttles whose last failure
	// is before before (no wait nor lock can be left of them), so that
	// tries with ever new addresses do not pile up.
	DeleteStaleSignInThrottles(ctx context.Context, before time.Time) error
}

package sqlite

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/consoledb"
)

// consoleTx is the billing.ConsoleTx of one transaction. Its queries (the
// console group of sqlc.yaml) are made on the transaction as they are
// needed.
type consoleTx struct{ *base }

var _ billing.ConsoleTx = consoleTx{}

func (t consoleTx) q() *consoledb.Queries { return t.console }

// CreateUser stores u.
func (t consoleTx) CreateUser(ctx context.Context, u billing.User) error {
	err := t.q().CreateUser(ctx, consoledb.CreateUserParams{ID: u.ID, MerchantID: u.MerchantID, Email: u.Email,
		Role: string(u.Role), PasswordHash: u.PasswordHash, Locale: u.Locale, TotpSecret: u.TOTPSecret,
		Created: micros(u.Created), Updated: micros(u.Updated)})
	if err != nil {
		return dbError(err, "create user %s", u.ID)
	}
	return nil
}

// GetUser returns a merchant's user.
func (t consoleTx) GetUser(ctx context.Context, merchantID, id string) (billing.User, error) {
	row, err := t.q().GetUser(ctx, consoledb.GetUserParams{MerchantID: merchantID, ID: id})
	if err != nil {
		return billing.User{}, dbError(err, "get user %s", id)
	}
	return userFromRow(row), nil
}

// GetUserByEmail returns the user with email.
func (t consoleTx) GetUserByEmail(ctx context.Context, email string) (billing.User, error) {
	row, err := t.q().GetUserByEmail(ctx, email)
	if err != nil {
		return billing.User{}, dbError(err, "get user by email")
	}
	return userFromRow(row), nil
}

// ListUsers returns a merchant's users, oldest first.
func (t consoleTx) ListUsers(ctx context.Context, merchantID string) ([]billing.User, error) {
	rows, err := t.q().ListUsers(ctx, merchantID)
	if err != nil {
		return nil, dbError(err, "list users of %s", merchantID)
	}
	out := make([]billing.User, 0, len(rows))
	for _, r := range rows {
		out = append(out, userFromRow(r))
	}
	return out, nil
}

// UpdateUser writes a user's mutable fields.
func (t consoleTx) UpdateUser(ctx context.Context, u billing.User) error {
	n, err := t.q().UpdateUser(ctx, consoledb.UpdateUserParams{Role: string(u.Role), PasswordHash: u.PasswordHash,
		Locale: u.Locale, TotpSecret: u.TOTPSecret, Updated: micros(u.Updated), MerchantID: u.MerchantID, ID: u.ID})
	return notFoundIfNone(n, err, "update user %s", u.ID)
}

// DeleteUser removes a user and its sessions.
func (t consoleTx) DeleteUser(ctx context.Context, merchantID, id string) error {
	if _, err := t.q().GetUser(ctx, consoledb.GetUserParams{MerchantID: merchantID, ID: id}); err != nil {
		return dbError(err, "delete user %s", id)
	}
	if err := t.q().DeleteUserSessions(ctx, id); err != nil {
		return dbError(err, "delete sessions of user %s", id)
	}
	n, err := t.q().DeleteUser(ctx, consoledb.DeleteUserParams{MerchantID: merchantID, ID: id})
	return notFoundIfNone(n, err, "delete user %s", id)
}

func userFromRow(r consoledb.User) billing.User {
	return billing.User{ID: r.ID, MerchantID: r.MerchantID, Email: r.Email, Role: billing.Role(r.Role),
		PasswordHash: r.PasswordHash, Locale: r.Locale, TOTPSecret: r.TotpSecret,
		Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}
}

// CreateSession stores s.
func (t consoleTx) CreateSession(ctx context.Context, s billing.Session) error {
	err := t.q().CreateSession(ctx, consoledb.CreateSessionParams{ID: s.ID, UserID: s.UserID, MerchantID: s.MerchantID,
		Hash: s.Hash, Mode: string(s.Mode), Created: micros(s.Created), LastSeen: micros(s.LastSeen), Revoked: nullMicros(s.Revoked)})
	if err != nil {
		return dbError(err, "create session %s", s.ID)
	}
	return nil
}

// GetSessionByHash returns the session whose token hashes to hash.
func (t consoleTx) GetSessionByHash(ctx context.Context, hash string) (billing.Session, error) {
	r, err := t.q().GetSessionByHash(ctx, hash)
	if err != nil {
		return billing.Session{}, dbError(err, "get session by hash")
	}
	return billing.Session{ID: r.ID, UserID: r.UserID, MerchantID: r.MerchantID, Hash: r.Hash, Mode: billing.Mode(r.Mode),
		Created: fromMicros(r.Created), LastSeen: fromMicros(r.LastSeen), Revoked: fromNullMicros(r.Revoked)}, nil
}

// TouchSession sets a session's last use.
func (t consoleTx) TouchSession(ctx context.Context, id string, at time.Time) error {
	n, err := t.q().TouchSession(ctx, consoledb.TouchSessionParams{ID: id, LastSeen: micros(at)})
	return notFoundIfNone(n, err, "touch session %s", id)
}

// SetSessionMode sets the mode a session shows.
func (t consoleTx) SetSessionMode(ctx context.Context, id string, mode billing.Mode) error {
	n, err := t.q().SetSessionMode(ctx, consoledb.SetSessionModeParams{ID: id, Mode: string(mode)})
	return notFoundIfNone(n, err, "set mode of session %s", id)
}

// RevokeSession revokes a session unless it already is.
func (t consoleTx) RevokeSession(ctx context.Context, id string, at time.Time) error {
	if _, err := t.q().RevokeSession(ctx, consoledb.RevokeSessionParams{ID: id, Revoked: nullMicros(&at)}); err != nil {
		return dbError(err, "revoke session %s", id)
	}
	return nil
}

// RevokeUserSessions revokes every live session of a user.
func (t consoleTx) RevokeUserSessions(ctx context.Context, userID string, at time.Time) error {
	if err := t.q().RevokeUserSessions(ctx, consoledb.RevokeUserSessionsParams{UserID: userID, Revoked: nullMicros(&at)}); err != nil {
		return dbError(err, "revoke sessions of user %s", userID)
	}
	return nil
}

// CreateInvitation stores inv.
func (t consoleTx) CreateInvitation(ctx context.Context, inv billing.Invitation) error {
	err := t.q().CreateInvitation(ctx, consoledb.CreateInvitationParams{ID: inv.ID, MerchantID: inv.MerchantID, Email: inv.Email,
		Role: string(inv.Role), Hash: inv.Hash, InvitedBy: inv.InvitedBy, Created: micros(inv.Created),
		Expires: micros(inv.Expires), Used: nullMicros(inv.Used)})
	if err != nil {
		return dbError(err, "create invitation %s", inv.ID)
	}
	return nil
}

// GetInvitationByHash returns the invitation whose token hashes to hash.
func (t consoleTx) GetInvitationByHash(ctx context.Context, hash string) (billing.Invitation, error) {
	r, err := t.q().GetInvitationByHash(ctx, hash)
	if err != nil {
		return billing.Invitation{}, dbError(err, "get invitation by hash")
	}
	return invitationFromRow(r), nil
}

// ListInvitations returns a merchant's pending invitations.
func (t consoleTx) ListInvitations(ctx context.Context, merchantID string, now time.Time) ([]billing.Invitation, error) {
	rows, err := t.q().ListInvitations(ctx, consoledb.ListInvitationsParams{MerchantID: merchantID, Now: micros(now)})
	if err != nil {
		return nil, dbError(err, "list invitations of %s", merchantID)
	}
	out := make([]billing.Invitation, 0, len(rows))
	for _, r := range rows {
		out = append(out, invitationFromRow(r))
	}
	return out, nil
}

// UseInvitation marks an invitation used, once.
func (t consoleTx) UseInvitation(ctx context.Context, id string, at time.Time) error {
	n, err := t.q().UseInvitation(ctx, consoledb.UseInvitationParams{ID: id, Used: nullMicros(&at)})
	return notFoundIfNone(n, err, "use invitation %s", id)
}

func invitationFromRow(r consoledb.UserInvitation) billing.Invitation {
	return billing.Invitation{ID: r.ID, MerchantID: r.MerchantID, Email: r.Email, Role: billing.Role(r.Role), Hash: r.Hash,
		InvitedBy: r.InvitedBy, Created: fromMicros(r.Created), Expires: fromMicros(r.Expires), Used: fromNullMicros(r.Used)}
}

// zeroMicros is fromMicros that gives back the zero time stored by micros
// of a zero time.
func zeroMicros(v int64) time.Time {
	if v == micros(time.Time{}) {
		return time.Time{}
	}
	return fromMicros(v)
}

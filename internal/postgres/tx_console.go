package postgres

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/consoledb"
)

// consoleTx is the billing.ConsoleTx of one transaction. Its queries (the
// console group of sqlc.yaml) are made on the transaction as they are
// needed; writes go through base.write's savepoint like every other.
type consoleTx struct{ *base }

var _ billing.ConsoleTx = consoleTx{}

func (t consoleTx) q() *consoledb.Queries { return t.console }

// writeConsole is write with the console group's queries on the savepoint.
func (t consoleTx) writeConsole(ctx context.Context, op string, fn func(q *consoledb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(consoledb.New(db)) })
}

// CreateUser stores u.
func (t consoleTx) CreateUser(ctx context.Context, u billing.User) error {
	return t.writeConsole(ctx, "create user "+u.ID, func(q *consoledb.Queries) error {
		return q.CreateUser(ctx, consoledb.CreateUserParams{ID: u.ID, MerchantID: u.MerchantID, Email: u.Email,
			Role: string(u.Role), PasswordHash: u.PasswordHash, Locale: u.Locale, TotpSecret: u.TOTPSecret,
			Created: ts(u.Created), Updated: ts(u.Updated)})
	})
}

// GetUser returns a merchant's user.
func (t consoleTx) GetUser(ctx context.Context, merchantID, id string) (billing.User, error) {
	row, err := t.q().GetUser(ctx, consoledb.GetUserParams{MerchantID: merchantID, ID: id})
	if err != nil {
		return billing.User{}, dbError("get user "+id, err)
	}
	return userFromRow(row), nil
}

// GetUserByEmail returns the user with email.
func (t consoleTx) GetUserByEmail(ctx context.Context, email string) (billing.User, error) {
	row, err := t.q().GetUserByEmail(ctx, email)
	if err != nil {
		return billing.User{}, dbError("get user by email", err)
	}
	return userFromRow(row), nil
}

// ListUsers returns a merchant's users, oldest first.
func (t consoleTx) ListUsers(ctx context.Context, merchantID string) ([]billing.User, error) {
	rows, err := t.q().ListUsers(ctx, merchantID)
	if err != nil {
		return nil, dbError("list users of "+merchantID, err)
	}
	out := make([]billing.User, 0, len(rows))
	for _, r := range rows {
		out = append(out, userFromRow(r))
	}
	return out, nil
}

// UpdateUser writes a user's mutable fields.
func (t consoleTx) UpdateUser(ctx context.Context, u billing.User) error {
	return t.writeConsole(ctx, "update user "+u.ID, func(q *consoledb.Queries) error {
		return updated(q.UpdateUser(ctx, consoledb.UpdateUserParams{Role: string(u.Role), PasswordHash: u.PasswordHash,
			Locale: u.Locale, TotpSecret: u.TOTPSecret, Updated: ts(u.Updated), MerchantID: u.MerchantID, ID: u.ID}))
	})
}

// DeleteUser removes a user and its sessions.
func (t consoleTx) DeleteUser(ctx context.Context, merchantID, id string) error {
	if _, err := t.GetUser(ctx, merchantID, id); err != nil {
		return err
	}
	return t.writeConsole(ctx, "delete user "+id, func(q *consoledb.Queries) error {
		if err := q.DeleteUserSessions(ctx, id); err != nil {
			return err
		}
		return updated(q.DeleteUser(ctx, consoledb.DeleteUserParams{MerchantID: merchantID, ID: id}))
	})
}

func userFromRow(r consoledb.User) billing.User {
	return billing.User{ID: r.ID, MerchantID: r.MerchantID, Email: r.Email, Role: billing.Role(r.Role),
		PasswordHash: r.PasswordHash, Locale: r.Locale, TOTPSecret: r.TotpSecret,
		Created: r.Created.UTC(), Updated: r.Updated.UTC()}
}

// CreateSession stores s.
func (t consoleTx) CreateSession(ctx context.Context, s billing.Session) error {
	return t.writeConsole(ctx, "create session "+s.ID, func(q *consoledb.Queries) error {
		return q.CreateSession(ctx, consoledb.CreateSessionParams{ID: s.ID, UserID: s.UserID, MerchantID: s.MerchantID,
			Hash: s.Hash, Mode: string(s.Mode), Created: ts(s.Created), LastSeen: ts(s.LastSeen), Revoked: tsPtr(s.Revoked)})
	})
}

// GetSessionByHash returns the session whose token hashes to hash.
func (t consoleTx) GetSessionByHash(ctx context.Context, hash string) (billing.Session, error) {
	r, err := t.q().GetSessionByHash(ctx, hash)
	if err != nil {
		return billing.Session{}, dbError("get session by hash", err)
	}
	return billing.Session{ID: r.ID, UserID: r.UserID, MerchantID: r.MerchantID, Hash: r.Hash, Mode: billing.Mode(r.Mode),
		Created: r.Created.UTC(), LastSeen: r.LastSeen.UTC(), Revoked: utcPtr(r.Revoked)}, nil
}

// TouchSession sets a session's last use.
func (t consoleTx) TouchSession(ctx context.Context, id string, at time.Time) error {
	return t.writeConsole(ctx, "touch session "+id, func(q *consoledb.Queries) error {
		return updated(q.TouchSession(ctx, consoledb.TouchSessionParams{ID: id, LastSeen: ts(at)}))
	})
}

// SetSessionMode sets the mode a session shows.
func (t consoleTx) SetSessionMode(ctx context.Context, id string, mode billing.Mode) error {
	return t.writeConsole(ctx, "set mode of session "+id, func(q *consoledb.Queries) error {
		return updated(q.SetSessionMode(ctx, consoledb.SetSessionModeParams{ID: id, Mode: string(mode)}))
	})
}

// RevokeSession revokes a session unless it already is.
func (t consoleTx) RevokeSession(ctx context.Context, id string, at time.Time) error {
	return t.writeConsole(ctx, "revoke session "+id, func(q *consoledb.Queries) error {
		_, err := q.RevokeSession(ctx, consoledb.RevokeSessionParams{ID: id, Revoked: new(ts(at))})
		return err
	})
}

// RevokeUserSessions revokes every live session of a user.
func (t consoleTx) RevokeUserSessions(ctx context.Context, userID string, at time.Time) error {
	return t.writeConsole(ctx, "revoke sessions of user "+userID, func(q *consoledb.Queries) error {
		return q.RevokeUserSessions(ctx, consoledb.RevokeUserSessionsParams{UserID: userID, Revoked: new(ts(at))})
	})
}

// CreateInvitation stores inv.
func (t consoleTx) CreateInvitation(ctx context.Context, inv billing.Invitation) error {
	return t.writeConsole(ctx, "create invitation "+inv.ID, func(q *consoledb.Queries) error {
		return q.CreateInvitation(ctx, consoledb.CreateInvitationParams{ID: inv.ID, MerchantID: inv.MerchantID, Email: inv.Email,
			Role: string(inv.Role), Hash: inv.Hash, InvitedBy: inv.InvitedBy, Created: ts(inv.Created),
			Expires: ts(inv.Expires), Used: tsPtr(inv.Used)})
	})
}

// GetInvitationByHash returns the invitation whose token hashes to hash.
func (t consoleTx) GetInvitationByHash(ctx context.Context, hash string) (billing.Invitation, error) {
	r, err := t.q().GetInvitationByHash(ctx, hash)
	if err != nil {
		return billing.Invitation{}, dbError("get invitation by hash", err)
	}
	return invitationFromRow(r), nil
}

// ListInvitations returns a merchant's pending invitations.
func (t consoleTx) ListInvitations(ctx context.Context, merchantID string, now time.Time) ([]billing.Invitation, error) {
	rows, err := t.q().ListInvitations(ctx, consoledb.ListInvitationsParams{MerchantID: merchantID, Now: ts(now)})
	if err != nil {
		return nil, dbError("list invitations of "+merchantID, err)
	}
	out := make([]billing.Invitation, 0, len(rows))
	for _, r := range rows {
		out = append(out, invitationFromRow(r))
	}
	return out, nil
}

// UseInvitation marks an invitation used, once.
func (t consoleTx) UseInvitation(ctx context.Context, id string, at time.Time) error {
	return t.writeConsole(ctx, "use invitation "+id, func(q *consoledb.Queries) error {
		return updated(q.UseInvitation(ctx, consoledb.UseInvitationParams{ID: id, Used: new(ts(at))}))
	})
}

func invitationFromRow(r consoledb.UserInvitation) billing.Invitation {
	return billing.Invitation{ID: r.ID, MerchantID: r.MerchantID, Email: r.Email, Role: billing.Role(r.Role), Hash: r.Hash,
		InvitedBy: r.InvitedBy, Created: r.Created.UTC(), Expires: r.Expires.UTC(), Used: utcPtr(r.Used)}
}

// zeroTime reads back a stored time in UTC, the zero time as Go's zero
// time.
func zeroTime(t time.Time) time.Time {
	if t = t.UTC(); t.IsZero() {
		return time.Time{}
	}
	return t
}

package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// Users is the use cases of the merchant's console (docs/console.md): the
// merchant's users and their roles, invitations, signing in and out, and
// the sessions that follow. What a role may do is billing's table
// (billing.Role.Allows); the console asks it before calling any use case.
type Users struct {
	*core
	merchants     *Merchants
	notifications *Notifications
}

// UserActor is how the audit log names a console user: "user:usr_…".
func UserActor(userID string) string { return "user:" + userID }

// asUser returns ctx with the user as the audit log's actor, keeping the
// request's id and client address.
func asUser(ctx context.Context, userID string) context.Context {
	info := RequestInfoFrom(ctx)
	info.Actor = UserActor(userID)
	return WithRequestInfo(ctx, info)
}

// normalizeEmail is the form a user's email is stored and looked up in.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// maxEmailLen bounds an email address (RFC 5321's path limit).
const maxEmailLen = 254

// CreateUserParams are the inputs of CreateUser.
type CreateUserParams struct {
	MerchantID string
	Email      string
	Role       billing.Role
	Password   string
	// Locale is the console's language for the user; the merchant's when
	// empty.
	Locale string
}

// CreateUser adds a user to a merchant (the CLI's `cuota user create`).
func (a *Users) CreateUser(ctx context.Context, p CreateUserParams) (billing.User, error) {
	email := normalizeEmail(p.Email)
	var v validator
	v.required("email", email)
	v.maxLen("email", email, maxEmailLen)
	v.email("email", email)
	if !p.Role.Valid() {
		v.fail("role", billing.CodeParameterInvalid, "role must be owner, admin, support or viewer")
	}
	checkNewPassword(&v, "password", p.Password)
	if p.Locale != "" {
		v.supportedLocale("locale", p.Locale)
	}
	if err := v.err(); err != nil {
		return billing.User{}, err
	}
	hash := hashPassword(p.Password)
	var u billing.User
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		m, err := tx.Merchants.GetMerchant(ctx, p.MerchantID)
		if err != nil {
			return notFound(err, "merchant", p.MerchantID)
		}
		u = a.newUser(m, email, p.Role, hash, p.Locale)
		return a.writeUser(ctx, tx, u)
	})
	return u, err
}

// newUser builds a user of m.
func (a *Users) newUser(m billing.Merchant, email string, role billing.Role, hash, locale string) billing.User {
	if locale == "" {
		locale = m.Locale
	}
	now := a.Now()
	return billing.User{ID: billing.NewID(billing.PrefixUser, now), MerchantID: m.ID, Email: email, Role: role,
		PasswordHash: hash, Locale: locale, Created: now, Updated: now}
}

// writeUser stores a new user and its audit entry.
func (a *Users) writeUser(ctx context.Context, tx billing.Tx, u billing.User) error {
	if err := tx.Console.CreateUser(ctx, u); err != nil {
		var uv *billing.ErrUniqueViolation
		if errors.As(err, &uv) {
			return billing.Exists("email", "a user with this email already exists")
		}
		return fmt.Errorf("create user: %w", err)
	}
	return a.audit(ctx, tx, change{merchantID: u.MerchantID, action: "user.create", objectType: "user", objectID: u.ID, after: u})
}

// ListUsers returns a merchant's users, oldest first.
func (a *Users) ListUsers(ctx context.Context, merchantID string) ([]billing.User, error) {
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.User, error) {
		users, err := tx.Console.ListUsers(ctx, merchantID)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		return users, nil
	})
}

// ownersLeft counts the owners among users once the one with id is no
// longer one.
func ownersLeft(users []billing.User, id string) int {
	n := 0
	for _, u := range users {
		if u.Role == billing.RoleOwner && u.ID != id {
			n++
		}
	}
	return n
}

// lastOwner is the error of a change that would leave no owner.
func lastOwner() error {
	return billing.Errorf(billing.KindConflict, billing.CodeLastOwner, "a merchant keeps at least one owner")
}

// ChangeUserRole gives a merchant's user another role. The last owner
// stays one.
func (a *Users) ChangeUserRole(ctx context.Context, merchantID, userID string, role billing.Role) (billing.User, error) {
	if !role.Valid() {
		return billing.User{}, billing.Invalid("role", billing.CodeParameterInvalid, "role must be owner, admin, support or viewer")
	}
	var u billing.User
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Console.GetUser(ctx, merchantID, userID)
		if err != nil {
			return notFound(err, "user", userID)
		}
		if before.Role == role {
			u = before
			return nil
		}
		if before.Role == billing.RoleOwner {
			users, err := tx.Console.ListUsers(ctx, merchantID)
			if err != nil {
				return fmt.Errorf("list users: %w", err)
			}
			if ownersLeft(users, userID) == 0 {
				return lastOwner()
			}
		}
		u = before
		u.Role, u.Updated = role, a.Now()
		if err := tx.Console.UpdateUser(ctx, u); err != nil {
			return fmt.Errorf("update user %s: %w", userID, err)
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: "user.update", objectType: "user", objectID: u.ID, before: before, after: u})
	})
	return u, err
}

// RemoveUser removes a merchant's user and ends its sessions. The last
// owner stays.
func (a *Users) RemoveUser(ctx context.Context, merchantID, userID string) error {
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		u, err := tx.Console.GetUser(ctx, merchantID, userID)
		if err != nil {
			return notFound(err, "user", userID)
		}
		users, err := tx.Console.ListUsers(ctx, merchantID)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		if u.Role == billing.RoleOwner && ownersLeft(users, userID) == 0 {
			return lastOwner()
		}
		if err := tx.Console.DeleteUser(ctx, merchantID, userID); err != nil {
			return fmt.Errorf("delete user %s: %w", userID, err)
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: "user.delete", objectType: "user", objectID: u.ID, before: u})
	})
}

// SetUserLocale sets the console's language for a user.
func (a *Users) SetUserLocale(ctx context.Context, merchantID, userID, locale string) (billing.User, error) {
	var v validator
	v.supportedLocale("locale", locale)
	if err := v.err(); err != nil {
		return billing.User{}, err
	}
	var u billing.User
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if u, err = tx.Console.GetUser(ctx, merchantID, userID); err != nil {
			return notFound(err, "user", userID)
		}
		u.Locale, u.Updated = locale, a.Now()
		return tx.Console.UpdateUser(ctx, u)
	})
	return u, err
}

// Invite makes a single-use invitation for email to join a merchant with
// role, valid for billing.InvitationLifetime. The token (for the link) is
// returned once; only its hash is kept.
func (a *Users) Invite(ctx context.Context, merchantID, email string, role billing.Role, invitedBy string) (billing.Invitation, string, error) {
	email = normalizeEmail(email)
	var v validator
	v.required("email", email)
	v.maxLen("email", email, maxEmailLen)
	v.email("email", email)
	if !role.Valid() {
		v.fail("role", billing.CodeParameterInvalid, "role must be owner, admin, support or viewer")
	}
	if err := v.err(); err != nil {
		return billing.Invitation{}, "", err
	}
	token := rand.Text() + rand.Text()
	now := a.Now()
	inv := billing.Invitation{ID: billing.NewID(billing.PrefixInvitation, now), MerchantID: merchantID, Email: email, Role: role,
		Hash: HashAPIKey(token), InvitedBy: invitedBy, Created: now, Expires: now.Add(billing.InvitationLifetime)}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if _, err := tx.Console.GetUserByEmail(ctx, email); err == nil {
			return billing.Exists("email", "a user with this email already exists")
		} else if !errors.Is(err, billing.ErrNotFound) {
			return fmt.Errorf("find user by email: %w", err)
		}
		if err := tx.Console.CreateInvitation(ctx, inv); err != nil {
			return fmt.Errorf("create invitation: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: "invitation.create", objectType: "invitation", objectID: inv.ID, after: inv})
	})
	if err != nil {
		return billing.Invitation{}, "", err
	}
	return inv, token, nil
}

// ListInvitations returns a merchant's invitations still pending.
func (a *Users) ListInvitations(ctx context.Context, merchantID string) ([]billing.Invitation, error) {
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.Invitation, error) {
		return tx.Console.ListInvitations(ctx, merchantID, a.Now())
	})
}

// InvitationView is what the invitation's page shows.
type InvitationView struct {
	Invitation billing.Invitation
	Merchant   billing.Merchant
}

// openInvitation reads the invitation of token in tx and checks that it
// can be used.
func (a *Users) openInvitation(ctx context.Context, tx billing.Tx, token string) (InvitationView, error) {
	inv, err := tx.Console.GetInvitationByHash(ctx, HashAPIKey(token))
	if err != nil {
		return InvitationView{}, notFound(err, "invitation", "")
	}
	if !billing.InvitationUsable(inv, a.Now()) {
		return InvitationView{}, billing.Errorf(billing.KindConflict, billing.CodeInvitationUnusable, "this invitation was already used or has expired")
	}
	m, err := tx.Merchants.GetMerchant(ctx, inv.MerchantID)
	if err != nil {
		return InvitationView{}, fmt.Errorf("read merchant: %w", err)
	}
	return InvitationView{Invitation: inv, Merchant: m}, nil
}

// OpenInvitation returns the invitation of a link's token while it can be
// used.
func (a *Users) OpenInvitation(ctx context.Context, token string) (InvitationView, error) {
	return read(ctx, a.core, func(tx billing.Tx) (InvitationView, error) { return a.openInvitation(ctx, tx, token) })
}

// AcceptInvitation makes the invited user with password, uses the
// invitation up and signs the user in.
func (a *Users) AcceptInvitation(ctx context.Context, token, password string) (SignedIn, error) {
	var v validator
	checkNewPassword(&v, "password", password)
	if err := v.err(); err != nil {
		return SignedIn{}, err
	}
	hash := hashPassword(password)
	var out SignedIn
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		view, err := a.openInvitation(ctx, tx, token)
		if err != nil {
			return err
		}
		inv := view.Invitation
		if err := tx.Console.UseInvitation(ctx, inv.ID, a.Now()); err != nil {
			if errors.Is(err, billing.ErrNotFound) {
				return billing.Errorf(billing.KindConflict, billing.CodeInvitationUnusable, "this invitation was already used or has expired")
			}
			return fmt.Errorf("use invitation: %w", err)
		}
		u := a.newUser(view.Merchant, inv.Email, inv.Role, hash, "")
		uctx := asUser(ctx, u.ID)
		if err := a.writeUser(uctx, tx, u); err != nil {
			return err
		}
		out, err = a.startSession(uctx, tx, u)
		return err
	})
	return out, err
}

// startSession stores a new session of u in test mode and its audit entry.
func (a *Users) startSession(ctx context.Context, tx billing.Tx, u billing.User) (SignedIn, error) {
	token := rand.Text() + rand.Text()
	now := a.Now()
	s := billing.Session{ID: billing.NewID(billing.PrefixSession, now), UserID: u.ID, MerchantID: u.MerchantID,
		Hash: HashAPIKey(token), Mode: billing.ModeTest, Created: now, LastSeen: now}
	if err := tx.Console.CreateSession(ctx, s); err != nil {
		return SignedIn{}, fmt.Errorf("create session: %w", err)
	}
	if err := a.audit(ctx, tx, change{merchantID: u.MerchantID, action: "session.create", objectType: "session", objectID: s.ID, after: s}); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Session: s, Token: token, User: u}, nil
}

// ConsoleSession is a signed-in request's session, user and merchant.
type ConsoleSession struct {
	Session  billing.Session
	User     billing.User
	Merchant billing.Merchant
}

// Scope is the merchant and the mode the session's console shows.
func (c ConsoleSession) Scope() billing.Scope {
	return billing.Scope{MerchantID: c.Merchant.ID, Mode: c.Session.Mode}
}

// consoleSessionInvalid is the error of a missing, expired or revoked
// session.
func consoleSessionInvalid() error {
	return billing.Errorf(billing.KindUnauthorized, billing.CodeConsoleSessionInvalid, "not signed in, or the session has ended")
}

// Session returns the live session of a browser's token, recording its
// use (at most once per billing.SessionTouchEvery). A session that is
// unknown, revoked, idle too long or too old is console_session_invalid.
func (a *Users) Session(ctx context.Context, token string) (ConsoleSession, error) {
	if token == "" || len(token) > 128 {
		return ConsoleSession{}, consoleSessionInvalid()
	}
	var out ConsoleSession
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		s, err := tx.Console.GetSessionByHash(ctx, HashAPIKey(token))
		if errors.Is(err, billing.ErrNotFound) {
			return consoleSessionInvalid()
		}
		if err != nil {
			return fmt.Errorf("read session: %w", err)
		}
		now := a.Now()
		if !billing.SessionActive(s, now) {
			return consoleSessionInvalid()
		}
		u, err := tx.Console.GetUser(ctx, s.MerchantID, s.UserID)
		if errors.Is(err, billing.ErrNotFound) {
			return consoleSessionInvalid()
		}
		if err != nil {
			return fmt.Errorf("read user: %w", err)
		}
		m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
		if err != nil {
			return fmt.Errorf("read merchant: %w", err)
		}
		if now.Sub(s.LastSeen) >= billing.SessionTouchEvery {
			if err := tx.Console.TouchSession(ctx, s.ID, now); err != nil {
				return fmt.Errorf("touch session: %w", err)
			}
			s.LastSeen = now
		}
		out = ConsoleSession{Session: s, User: u, Merchant: m}
		return nil
	})
	return out, err
}

// SignOut revokes the session of token; an unknown or ended one is no
// error.
func (a *Users) SignOut(ctx context.Context, token string) error {
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		s, err := tx.Console.GetSessionByHash(ctx, HashAPIKey(token))
		if errors.Is(err, billing.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read session: %w", err)
		}
		if s.Revoked != nil {
			return nil
		}
		now := a.Now()
		if err := tx.Console.RevokeSession(ctx, s.ID, now); err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
		after := s
		after.Revoked = &now
		return a.audit(asUser(ctx, s.UserID), tx, change{merchantID: s.MerchantID, action: "session.revoke", objectType: "session",
			objectID: s.ID, before: s, after: after})
	})
}

// SetSessionMode switches the data a session's console shows: test or
// live.
func (a *Users) SetSessionMode(ctx context.Context, sessionID string, mode billing.Mode) error {
	if !mode.Valid() {
		return billing.Invalid("mode", billing.CodeParameterInvalid, "mode must be test or live")
	}
	return a.store.InTx(ctx, func(tx billing.Tx) error { return tx.Console.SetSessionMode(ctx, sessionID, mode) })
}

// SignOutEverywhere revokes every session of a user, the one in use
// included: a lost phone or a shared computer is signed out.
func (a *Users) SignOutEverywhere(ctx context.Context, merchantID, userID string) error {
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		u, err := tx.Console.GetUser(ctx, merchantID, userID)
		if err != nil {
			return notFound(err, "user", userID)
		}
		if err := tx.Console.RevokeUserSessions(ctx, u.ID, a.Now()); err != nil {
			return fmt.Errorf("revoke sessions of %s: %w", u.ID, err)
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: "user.sessions_revoke", objectType: "user", objectID: u.ID, after: u})
	})
}

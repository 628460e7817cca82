package app_test

import (
	"encoding/base32"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	e := billing.AsError(err)
	require.NotNil(t, e, "%v", err)
	require.Equal(t, code, e.Code, "%v", err)
}

func TestConsoleSignInThrottleAndSessions(t *testing.T) {
	a, b := setup(t)
	ctx := t.Context()
	u, err := a.Users.CreateUser(ctx, app.CreateUserParams{MerchantID: b.scope.MerchantID, Email: " Duena@Example.CL ",
		Role: billing.RoleOwner, Password: "correct horse battery"})
	require.NoError(t, err)
	require.Equal(t, "duena@example.cl", u.Email)
	require.Equal(t, "es-CL", u.Locale, "the merchant's locale by default")
	require.Regexp(t, `^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`, u.PasswordHash)

	_, err = a.Users.CreateUser(ctx, app.CreateUserParams{MerchantID: b.scope.MerchantID, Email: "x@example.cl",
		Role: billing.RoleViewer, Password: "short"})
	requireCode(t, err, billing.CodeParameterInvalid)
	_, err = a.Users.CreateUser(ctx, app.CreateUserParams{MerchantID: b.scope.MerchantID, Email: "duena@example.cl",
		Role: billing.RoleViewer, Password: "another long password"})
	requireCode(t, err, billing.CodeResourceExists)

	// A wrong password and an unknown email get the same answer, and both
	// make the address wait.
	for _, email := range []string{"duena@example.cl", "nadie@example.cl"} {
		_, err = a.Users.SignIn(ctx, app.SignInParams{Email: email, Password: "wrong password!"})
		requireCode(t, err, billing.CodeSignInFailed)
		_, err = a.Users.SignIn(ctx, app.SignInParams{Email: email, Password: "correct horse battery"})
		requireCode(t, err, billing.CodeSignInThrottled)
	}
	// Four more wrong passwords, each after its wait; the fifth locks.
	for i := 2; i <= billing.SignInLockAfter; i++ {
		b.clock.Advance(billing.SignInDelay(i - 1))
		_, err = a.Users.SignIn(ctx, app.SignInParams{Email: "duena@example.cl", Password: "wrong password!"})
		if i < billing.SignInLockAfter {
			requireCode(t, err, billing.CodeSignInFailed)
		} else {
			var te *app.SignInThrottledError
			require.True(t, errors.As(err, &te), "%v", err)
			require.True(t, te.Locked)
			require.Equal(t, billing.SignInLockFor, te.Wait)
		}
	}
	b.clock.Advance(billing.SignInLockFor - time.Second)
	_, err = a.Users.SignIn(ctx, app.SignInParams{Email: "duena@example.cl", Password: "correct horse battery"})
	requireCode(t, err, billing.CodeSignInThrottled)
	b.clock.Advance(time.Second)
	in, err := a.Users.SignIn(ctx, app.SignInParams{Email: "DUENA@example.cl", Password: "correct horse battery"})
	require.NoError(t, err)
	require.Equal(t, u.ID, in.User.ID)
	require.Equal(t, billing.ModeTest, in.Session.Mode)

	cs, err := a.Users.Session(ctx, in.Token)
	require.NoError(t, err)
	require.Equal(t, b.scope, cs.Scope())
	require.NoError(t, a.Users.SetSessionMode(ctx, cs.Session.ID, billing.ModeLive))
	cs, err = a.Users.Session(ctx, in.Token)
	require.NoError(t, err)
	require.Equal(t, billing.ModeLive, cs.Scope().Mode)
	_, err = a.Users.Session(ctx, in.Token+"x")
	requireCode(t, err, billing.CodeConsoleSessionInvalid)

	// Idle expiry, then sign-out.
	b.clock.Advance(billing.SessionIdleTimeout)
	_, err = a.Users.Session(ctx, in.Token)
	requireCode(t, err, billing.CodeConsoleSessionInvalid)
	in, err = a.Users.SignIn(ctx, app.SignInParams{Email: "duena@example.cl", Password: "correct horse battery"})
	require.NoError(t, err)
	require.NoError(t, a.Users.SignOut(ctx, in.Token))
	_, err = a.Users.Session(ctx, in.Token)
	requireCode(t, err, billing.CodeConsoleSessionInvalid)

	audit, err := a.Merchants.ListAuditEntries(ctx, b.scope, 0, 100)
	require.NoError(t, err)
	actors := map[string]string{}
	for _, e := range audit.Data {
		actors[e.Action] = e.Actor
	}
	require.Equal(t, "user:"+u.ID, actors["session.create"])
	require.Equal(t, "user:"+u.ID, actors["session.revoke"])
}

func TestConsoleInvitationsAndRoles(t *testing.T) {
	a, b := setup(t)
	ctx := t.Context()
	owner, err := a.Users.CreateUser(ctx, app.CreateUserParams{MerchantID: b.scope.MerchantID, Email: "duena@example.cl",
		Role: billing.RoleOwner, Password: "correct horse battery"})
	require.NoError(t, err)

	_, _, err = a.Users.Invite(ctx, b.scope.MerchantID, "duena@example.cl", billing.RoleViewer, owner.ID)
	requireCode(t, err, billing.CodeResourceExists)
	inv, token, err := a.Users.Invite(ctx, b.scope.MerchantID, "Soporte@example.cl", billing.RoleSupport, owner.ID)
	require.NoError(t, err)
	require.Equal(t, "soporte@example.cl", inv.Email)
	pending, err := a.Users.ListInvitations(ctx, b.scope.MerchantID)
	require.NoError(t, err)
	require.Len(t, pending, 1)

	view, err := a.Users.OpenInvitation(ctx, token)
	require.NoError(t, err)
	require.Equal(t, billing.RoleSupport, view.Invitation.Role)
	_, err = a.Users.AcceptInvitation(ctx, token, "short")
	requireCode(t, err, billing.CodeParameterInvalid)
	in, err := a.Users.AcceptInvitation(ctx, token, "support person password")
	require.NoError(t, err)
	require.Equal(t, billing.RoleSupport, in.User.Role)
	_, err = a.Users.AcceptInvitation(ctx, token, "support person password")
	requireCode(t, err, billing.CodeInvitationUnusable)

	_, token2, err := a.Users.Invite(ctx, b.scope.MerchantID, "tarde@example.cl", billing.RoleViewer, owner.ID)
	require.NoError(t, err)
	b.clock.Advance(billing.InvitationLifetime)
	_, err = a.Users.OpenInvitation(ctx, token2)
	requireCode(t, err, billing.CodeInvitationUnusable)
	_, err = a.Users.OpenInvitation(ctx, "nope")
	requireCode(t, err, billing.CodeResourceMissing)

	// The last owner stays one.
	_, err = a.Users.ChangeUserRole(ctx, b.scope.MerchantID, owner.ID, billing.RoleAdmin)
	requireCode(t, err, billing.CodeLastOwner)
	requireCode(t, a.Users.RemoveUser(ctx, b.scope.MerchantID, owner.ID), billing.CodeLastOwner)
	_, err = a.Users.ChangeUserRole(ctx, b.scope.MerchantID, in.User.ID, billing.RoleOwner)
	require.NoError(t, err)
	_, err = a.Users.ChangeUserRole(ctx, b.scope.MerchantID, owner.ID, billing.RoleViewer)
	require.NoError(t, err)
	require.NoError(t, a.Users.RemoveUser(ctx, b.scope.MerchantID, owner.ID))
	users, err := a.Users.ListUsers(ctx, b.scope.MerchantID)
	require.NoError(t, err)
	require.Len(t, users, 1)
	require.Equal(t, billing.RoleOwner, users[0].Role)
}

func TestConsoleTOTP(t *testing.T) {
	a, b := setup(t)
	ctx := t.Context()
	u, err := a.Users.CreateUser(ctx, app.CreateUserParams{MerchantID: b.scope.MerchantID, Email: "duena@example.cl",
		Role: billing.RoleOwner, Password: "correct horse battery"})
	require.NoError(t, err)
	secret := a.Users.NewTOTPSecret()
	raw := decodeTOTP(t, secret)
	_, _, err = a.Users.EnableTOTP(ctx, u.MerchantID, u.ID, secret, wrongTOTP(raw, b.clock.Now()))
	requireCode(t, err, billing.CodeParameterInvalid)
	_, _, err = a.Users.EnableTOTP(ctx, u.MerchantID, u.ID, secret, billing.TOTPCode(raw, b.clock.Now(), 6))
	require.NoError(t, err)

	_, err = a.Users.SignIn(ctx, app.SignInParams{Email: u.Email, Password: "correct horse battery"})
	requireCode(t, err, billing.CodeSignInFailed)
	b.clock.Advance(time.Minute)
	in, err := a.Users.SignIn(ctx, app.SignInParams{Email: u.Email, Password: "correct horse battery",
		Code: billing.TOTPCode(raw, b.clock.Now(), 6)})
	require.NoError(t, err)
	require.Equal(t, u.ID, in.User.ID)
	require.Contains(t, app.TOTPURI(secret, u.Email), "otpauth://totp/cuota:duena@example.cl?secret="+secret)
}

func decodeTOTP(t *testing.T, secret string) []byte {
	t.Helper()
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	require.NoError(t, err)
	return raw
}

// wrongTOTP is a code that no step TOTPValid accepts at now takes (the
// step before, now's and the step after).
func wrongTOTP(raw []byte, now time.Time) string {
	taken := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		taken[billing.TOTPCode(raw, now.Add(d), 6)] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", i); !taken[c] {
			return c
		}
	}
}

package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestRoleAllows is the roles table of docs/console.md, line by line.
func TestRoleAllows(t *testing.T) {
	all := []billing.Permission{billing.PermRead, billing.PermSwitchMode, billing.PermOwnSecurity,
		billing.PermRefund, billing.PermCancel, billing.PermPause, billing.PermRetryPayment, billing.PermPortalLink,
		billing.PermVoidInvoice, billing.PermAlerts, billing.PermCatalog, billing.PermDunning, billing.PermGateways,
		billing.PermWebhooks, billing.PermAPIKeys, billing.PermProfile, billing.PermManageUsers}
	// The first permission each role may not do, in the order of all.
	firstDenied := map[billing.Role]int{billing.RoleViewer: 3, billing.RoleSupport: 10, billing.RoleAdmin: 16, billing.RoleOwner: len(all)}
	for _, r := range billing.Roles() {
		for i, p := range all {
			require.Equal(t, i < firstDenied[r], r.Allows(p), "%s may %s", r, p)
		}
	}
	for _, p := range all {
		require.False(t, billing.Role("root").Allows(p), "an unknown role may do nothing")
		require.False(t, billing.Role("").Allows(p))
	}
	require.True(t, billing.RoleOwner.Valid())
	require.False(t, billing.Role("Owner").Valid())
}

func TestSignInThrottle(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var th billing.SignInThrottle
	require.Zero(t, billing.SignInWait(th, t0), "a fresh address may try")

	cases := []struct {
		after time.Duration // since t0, the time of the wrong password
		wait  time.Duration // then the wait right after it
		lock  bool
	}{
		{0, time.Second, false},
		{time.Second, 2 * time.Second, false},
		{3 * time.Second, 4 * time.Second, false},
		{7 * time.Second, 8 * time.Second, false},
		{15 * time.Second, billing.SignInLockFor, true}, // the fifth in a row locks
	}
	for i, c := range cases {
		at := t0.Add(c.after)
		require.Zero(t, billing.SignInWait(th, at), "failure %d comes once the wait is over", i+1)
		th = billing.SignInFailed(th, at)
		require.Equal(t, c.wait, billing.SignInWait(th, at), "wait after failure %d", i+1)
		require.Equal(t, c.lock, billing.SignInLocked(th, at), "locked after failure %d", i+1)
	}
	locked := t0.Add(15 * time.Second)
	require.Equal(t, time.Minute, billing.SignInWait(th, locked.Add(billing.SignInLockFor-time.Minute)))
	require.Zero(t, billing.SignInWait(th, locked.Add(billing.SignInLockFor)), "the lock ends")
	require.False(t, billing.SignInLocked(th, locked.Add(billing.SignInLockFor)))

	// After the lock, counting starts over.
	after := locked.Add(billing.SignInLockFor)
	th = billing.SignInFailed(th, after)
	require.Equal(t, 1, th.Failures)
	require.Equal(t, time.Second, billing.SignInWait(th, after))

	// Failures older than the lock's length are forgotten.
	old := billing.SignInThrottle{Failures: 4, LastFailure: t0}
	require.Zero(t, billing.SignInWait(old, t0.Add(billing.SignInLockFor)))
	old = billing.SignInFailed(old, t0.Add(billing.SignInLockFor))
	require.Equal(t, 1, old.Failures, "a failure after a quiet spell starts over rather than locking")
	require.False(t, billing.SignInLocked(old, t0.Add(billing.SignInLockFor)))
}

func TestSessionActive(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	s := billing.Session{Created: t0, LastSeen: t0}
	require.True(t, billing.SessionActive(s, t0))
	require.True(t, billing.SessionActive(s, t0.Add(billing.SessionIdleTimeout-time.Second)))
	require.False(t, billing.SessionActive(s, t0.Add(billing.SessionIdleTimeout)), "idle too long")
	s.LastSeen = t0.Add(billing.SessionMaxAge - time.Minute)
	require.True(t, billing.SessionActive(s, t0.Add(billing.SessionMaxAge-time.Second)))
	require.False(t, billing.SessionActive(s, t0.Add(billing.SessionMaxAge)), "too old, however recently used")
	revoked := t0
	s.Revoked = &revoked
	require.False(t, billing.SessionActive(s, t0.Add(time.Minute)))
}

func TestInvitationUsable(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	inv := billing.Invitation{Created: t0, Expires: t0.Add(billing.InvitationLifetime)}
	require.True(t, billing.InvitationUsable(inv, t0))
	require.False(t, billing.InvitationUsable(inv, inv.Expires))
	inv.Used = &t0
	require.False(t, billing.InvitationUsable(inv, t0))
}

// TestTOTPRFC6238 checks the SHA-1 test vectors of RFC 6238, appendix B
// (8 digits; the 6-digit codes are their last six).
func TestTOTPRFC6238(t *testing.T) {
	secret := []byte("12345678901234567890")
	vectors := []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, v := range vectors {
		at := time.Unix(v.unix, 0)
		require.Equal(t, v.code, billing.TOTPCode(secret, at, 8), "T=%d", v.unix)
		six := v.code[2:]
		require.Equal(t, six, billing.TOTPCode(secret, at, billing.TOTPDigits))
		require.True(t, billing.TOTPValid(secret, six, at))
		require.True(t, billing.TOTPValid(secret, six, at.Add(billing.TOTPStep)), "one step late is accepted")
		require.False(t, billing.TOTPValid(secret, six, at.Add(3*billing.TOTPStep)), "three steps late is not")
	}
	require.False(t, billing.TOTPValid(secret, "", time.Unix(59, 0)))
	require.False(t, billing.TOTPValid(secret, "94287082", time.Unix(59, 0)), "8 digits where 6 are asked")
}

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
	// Each kind's waits and lock: a wrong password at each offset (each
	// once the previous wait is over), then the wait it leaves.
	type step struct {
		after time.Duration // since t0, the time of the wrong password
		wait  time.Duration // the wait right after it
		lock  bool
	}
	var account []step
	for i := 1; i <= 16; i++ {
		w := time.Duration(0)
		switch {
		case i >= billing.SignInAccountSlowAfter+5:
			w = billing.SignInAccountMaxDelay // capped: never a lock
		case i >= billing.SignInAccountSlowAfter:
			w = time.Second << (i - billing.SignInAccountSlowAfter)
		}
		account = append(account, step{time.Duration(i) * time.Minute, w, false})
	}
	var address []step
	for i := 1; i <= billing.SignInAddressLockAfter; i++ {
		w, lock := time.Duration(0), i == billing.SignInAddressLockAfter
		if lock {
			w = billing.SignInLockFor
		}
		address = append(address, step{time.Duration(i) * 10 * time.Second, w, lock})
	}
	for _, c := range []struct {
		kind  billing.SignInThrottleKind
		steps []step
	}{
		{billing.ThrottlePair, []step{
			{0, time.Second, false},
			{time.Second, 2 * time.Second, false},
			{3 * time.Second, 4 * time.Second, false},
			{7 * time.Second, 8 * time.Second, false},
			{15 * time.Second, billing.SignInLockFor, true}, // the fifth in a row locks
		}},
		{billing.ThrottleAddress, address}, // no short waits; the ceiling locks
		{billing.ThrottleAccount, account}, // waits past the ceiling, capped, never a lock
	} {
		th := billing.SignInThrottle{Kind: c.kind}
		require.Zero(t, billing.SignInWait(th, t0), "%s: a fresh throttle lets a try through", c.kind)
		for i, s := range c.steps {
			at := t0.Add(s.after)
			require.Zero(t, billing.SignInWait(th, at), "%s: failure %d comes once the wait is over", c.kind, i+1)
			th = billing.SignInFailed(th, at)
			require.Equal(t, s.wait, billing.SignInWait(th, at), "%s: wait after failure %d", c.kind, i+1)
			require.Equal(t, s.lock, billing.SignInLocked(th, at), "%s: locked after failure %d", c.kind, i+1)
		}
	}

	// A pair's lock ends, and counting starts over.
	th := billing.SignInThrottle{Kind: billing.ThrottlePair}
	for i := range billing.SignInLockAfter {
		th = billing.SignInFailed(th, t0.Add(time.Duration(i)*time.Minute))
	}
	locked := t0.Add(time.Duration(billing.SignInLockAfter-1) * time.Minute)
	require.Equal(t, time.Minute, billing.SignInWait(th, locked.Add(billing.SignInLockFor-time.Minute)))
	require.Zero(t, billing.SignInWait(th, locked.Add(billing.SignInLockFor)), "the lock ends")
	require.False(t, billing.SignInLocked(th, locked.Add(billing.SignInLockFor)))
	after := locked.Add(billing.SignInLockFor)
	th = billing.SignInFailed(th, after)
	require.Equal(t, 1, th.Failures)
	require.Equal(t, time.Second, billing.SignInWait(th, after))

	// Failures older than the lock's length are forgotten.
	for _, kind := range []billing.SignInThrottleKind{billing.ThrottlePair, billing.ThrottleAddress, billing.ThrottleAccount} {
		old := billing.SignInThrottle{Kind: kind, Failures: 29, LastFailure: t0}
		require.Zero(t, billing.SignInWait(old, t0.Add(billing.SignInLockFor)), kind)
		old = billing.SignInFailed(old, t0.Add(billing.SignInLockFor))
		require.Equal(t, 1, old.Failures, "%s: a failure after a quiet spell starts over rather than locking", kind)
		require.False(t, billing.SignInLocked(old, t0.Add(billing.SignInLockFor)), kind)
	}
}

// TestSignInCheck: a try waits for the longest of its throttles, and says
// whether that one is a lock.
func TestSignInCheck(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	three := billing.SignInThrottlesFor("duena@example.cl", "203.0.113.9")
	require.Equal(t, []billing.SignInThrottle{
		{Kind: billing.ThrottlePair, Email: "duena@example.cl", IP: "203.0.113.9"},
		{Kind: billing.ThrottleAddress, IP: "203.0.113.9"},
		{Kind: billing.ThrottleAccount, Email: "duena@example.cl"},
	}, three)
	pairLocked := billing.SignInThrottle{Kind: billing.ThrottlePair, LastFailure: t0, LockedUntil: t0.Add(billing.SignInLockFor)}
	accountSlow := billing.SignInThrottle{Kind: billing.ThrottleAccount, Failures: billing.SignInAccountSlowAfter + 20, LastFailure: t0}
	addressLocked := billing.SignInThrottle{Kind: billing.ThrottleAddress, LastFailure: t0, LockedUntil: t0.Add(10 * time.Second)}
	for _, c := range []struct {
		name   string
		in     []billing.SignInThrottle
		at     time.Duration
		wait   time.Duration
		locked bool
	}{
		{"nothing", three, 0, 0, false},
		{"the pair's lock", []billing.SignInThrottle{pairLocked, three[1], accountSlow}, 0, billing.SignInLockFor, true},
		{"the account's wait outlasts a short address lock", []billing.SignInThrottle{three[0], addressLocked, accountSlow}, 0,
			billing.SignInAccountMaxDelay, false},
		{"the pair's lock outlasts the account's wait", []billing.SignInThrottle{pairLocked, addressLocked, accountSlow},
			time.Second, billing.SignInLockFor - time.Second, true},
		{"another address: only the account's wait", []billing.SignInThrottle{three[0], three[1], accountSlow}, 10 * time.Second,
			billing.SignInAccountMaxDelay - 10*time.Second, false},
		{"all over", []billing.SignInThrottle{pairLocked, addressLocked, accountSlow}, billing.SignInLockFor, 0, false},
	} {
		wait, locked := billing.SignInCheck(c.in, t0.Add(c.at))
		require.Equal(t, c.wait, wait, c.name)
		require.Equal(t, c.locked, locked, c.name)
	}
}

func TestPasswordResetRules(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	r := billing.PasswordReset{Hash: "h", Created: t0, Expires: t0.Add(billing.PasswordResetLifetime)}
	for _, c := range []struct {
		name string
		edit func(*billing.PasswordReset)
		at   time.Duration
		ok   bool
	}{
		{"fresh", nil, 0, true},
		{"just before it expires", nil, billing.PasswordResetLifetime - time.Second, true},
		{"expired", nil, billing.PasswordResetLifetime, false},
		{"its email not rendered yet", func(r *billing.PasswordReset) { r.Hash = "" }, 0, false},
		{"used", func(r *billing.PasswordReset) { r.Used = &t0 }, 0, false},
		{"replaced", func(r *billing.PasswordReset) { r.Revoked = &t0 }, 0, false},
	} {
		x := r
		if c.edit != nil {
			c.edit(&x)
		}
		require.Equal(t, c.ok, billing.PasswordResetUsable(x, t0.Add(c.at)), c.name)
	}
	for n, ok := range map[int]bool{0: true, billing.PasswordResetsPerWindow - 1: true, billing.PasswordResetsPerWindow: false, 10: false} {
		require.Equal(t, ok, billing.PasswordResetAllowed(n), n)
	}
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

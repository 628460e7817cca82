package billing

import "time"

// The console's sign-in throttle (docs/console.md, "Signing in, waits and
// the lock"). Wrong passwords are counted three ways, so that nobody can
// lock a user out by typing wrong passwords for their email:
//
//   - per email and client address (ThrottlePair): growing waits, then a
//     lock — of that address for that email only. The owner, from another
//     address, is not touched;
//   - per client address across emails (ThrottleAddress): a ceiling that
//     locks the address, against one address spraying many emails;
//   - per email across addresses (ThrottleAccount): past a ceiling each try
//     waits a few seconds more, against many addresses guessing one
//     email; it never locks, so it can slow the owner for seconds, never
//     shut them out.
//
// Failures older than SignInLockFor are forgotten; a right password
// clears the pair's count (not the address's nor the account's: an
// attacker signing in to their own account must not wipe their record).

// SignInThrottleKind names what a sign-in throttle counts.
type SignInThrottleKind string

// The throttles a sign-in try is checked against.
const (
	ThrottlePair    SignInThrottleKind = "pair"    // one email from one client address
	ThrottleAddress SignInThrottleKind = "address" // one client address, any email
	ThrottleAccount SignInThrottleKind = "account" // one email, any client address
)

// SignInThrottle is what cuota remembers of the recent wrong passwords of
// one kind: for an email (known to cuota or not, so that the answers do not
// tell which addresses are users'), a client address, or both.
type SignInThrottle struct {
	Kind        SignInThrottleKind
	Email       string    // "" for ThrottleAddress
	IP          string    // "" for ThrottleAccount
	Failures    int       // wrong passwords since the last lock or success
	LastFailure time.Time // zero with no failure
	LockedUntil time.Time // zero when not locked
}

// SignInThrottlesFor returns the three throttles, with no failure, that a
// try for email from client address ip is checked against and counted in:
// the pair, the address and the account.
func SignInThrottlesFor(email, ip string) []SignInThrottle {
	return []SignInThrottle{{Kind: ThrottlePair, Email: email, IP: ip}, {Kind: ThrottleAddress, IP: ip},
		{Kind: ThrottleAccount, Email: email}}
}

// The rule's numbers.
const (
	// SignInLockAfter wrong passwords in a row for one email from one
	// address lock that pair for SignInLockFor; before that each waits
	// SignInDelay.
	SignInLockAfter = 5
	SignInLockFor   = 15 * time.Minute
	// SignInAddressLockAfter wrong passwords from one address, whatever
	// the emails, within SignInLockFor of each other lock the address for
	// SignInLockFor. High enough for an office behind one address where
	// people mistype, low enough to stop one address trying an email list.
	SignInAddressLockAfter = 30
	// From the SignInAccountSlowAfter-th wrong password for one email
	// from any addresses, each try for that email waits SignInDelay of
	// the failures past the ceiling, at most SignInAccountMaxDelay.
	SignInAccountSlowAfter = 10
	SignInAccountMaxDelay  = 30 * time.Second
)

// SignInDelay is the wait after n wrong passwords in a row (n ≥ 1): one
// second, doubling with each (at most 2⁹ s; the callers cap it lower).
func SignInDelay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	if n > 10 {
		n = 10
	}
	return time.Second << (n - 1)
}

// delay is the wait after t's failures under t's kind's rule.
func (t SignInThrottle) delay() time.Duration {
	switch t.Kind {
	case ThrottlePair:
		return SignInDelay(t.Failures)
	case ThrottleAccount:
		return min(SignInDelay(t.Failures-SignInAccountSlowAfter+1), SignInAccountMaxDelay)
	}
	return 0 // an address has no short waits: only its ceiling's lock
}

// lockAfter is the failures that lock t's kind (0: it never locks).
func (t SignInThrottle) lockAfter() int {
	switch t.Kind {
	case ThrottlePair:
		return SignInLockAfter
	case ThrottleAddress:
		return SignInAddressLockAfter
	}
	return 0
}

// SignInWait returns how long t still holds tries back at now: zero when
// it lets them through.
func SignInWait(t SignInThrottle, now time.Time) time.Duration {
	if now.Before(t.LockedUntil) {
		return t.LockedUntil.Sub(now)
	}
	if t.Failures == 0 || !now.Before(t.LastFailure.Add(SignInLockFor)) {
		return 0
	}
	if until := t.LastFailure.Add(t.delay()); now.Before(until) {
		return until.Sub(now)
	}
	return 0
}

// SignInLocked reports whether t is locked (rather than only asking to
// wait a few seconds) at now.
func SignInLocked(t SignInThrottle, now time.Time) bool { return now.Before(t.LockedUntil) }

// SignInCheck returns how long a try held back by throttles must wait at
// now (zero: the password may be checked) and whether the longest wait is
// a lock.
func SignInCheck(throttles []SignInThrottle, now time.Time) (wait time.Duration, locked bool) {
	for _, t := range throttles {
		if w := SignInWait(t, now); w > wait {
			wait, locked = w, SignInLocked(t, now)
		}
	}
	return wait, locked
}

// SignInFailed returns t after a wrong password at now.
func SignInFailed(t SignInThrottle, now time.Time) SignInThrottle {
	if !t.LastFailure.IsZero() && !now.Before(t.LastFailure.Add(SignInLockFor)) {
		t.Failures = 0 // old failures are forgotten
	}
	t.Failures++
	t.LastFailure = now
	if n := t.lockAfter(); n > 0 && t.Failures >= n {
		t.Failures = 0
		t.LockedUntil = now.Add(SignInLockFor)
	}
	return t
}

package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// SignInParams are what the sign-in form sends.
type SignInParams struct {
	Email    string
	Password string
	// Code is the TOTP code of a user with a second factor, or one of the
	// user's recovery codes.
	Code string
	// ClientIP is the address the try comes from (the connection's): the
	// throttle counts wrong passwords per email and address, and per
	// address.
	ClientIP string
}

// SignedIn is a new session and its token, which only the browser keeps.
type SignedIn struct {
	Session billing.Session
	Token   string
	User    billing.User
}

// signInFailed is the one answer to a wrong email, password or code.
func signInFailed() error {
	return billing.Errorf(billing.KindUnauthorized, billing.CodeSignInFailed, "the email, password or verification code is wrong")
}

// SignInThrottledError is sign_in_throttled with how long to wait.
type SignInThrottledError struct {
	Err    *billing.Error
	Wait   time.Duration
	Locked bool // locked for billing.SignInLockFor, rather than a short wait
}

func (e *SignInThrottledError) Error() string { return e.Err.Error() }

// Unwrap lets errors.As and billing.AsError find the billing.Error.
func (e *SignInThrottledError) Unwrap() error { return e.Err }

func signInThrottled(wait time.Duration, locked bool) error {
	secs := int64((wait + time.Second - 1) / time.Second)
	return &SignInThrottledError{Err: billing.Errorf(billing.KindRateLimited, billing.CodeSignInThrottled,
		"too many wrong passwords: try again in %d seconds", secs), Wait: wait, Locked: locked}
}

// maxClientIPLen bounds the client address a throttle is keyed by (an
// IPv6 address with a zone fits).
const maxClientIPLen = 64

// signInThrottles reads the throttles a try for email from ip is checked
// against (billing.SignInThrottlesFor).
func signInThrottles(ctx context.Context, tx billing.Tx, email, ip string) ([]billing.SignInThrottle, error) {
	out := billing.SignInThrottlesFor(email, ip)
	for i, k := range out {
		th, err := tx.Console.GetSignInThrottle(ctx, k.Kind, k.Email, k.IP)
		if err != nil {
			return nil, fmt.Errorf("read sign-in throttle: %w", err)
		}
		out[i] = th
	}
	return out, nil
}

// SignIn checks an email and password (and the TOTP code, or a recovery
// code, of a user with a second factor) and starts a session. Wrong
// passwords follow billing's sign-in throttle, counted per email and
// client address, per address and per email (billing/console_throttle.go):
// while any of them holds the try back, no password is checked. An
// unknown email gets the same answer as a wrong password and costs as
// long.
func (a *Users) SignIn(ctx context.Context, p SignInParams) (SignedIn, error) {
	email := normalizeEmail(p.Email)
	if email == "" || len(email) > maxEmailLen || p.Password == "" || len(p.Password) > billing.MaxPasswordLength {
		return SignedIn{}, signInFailed()
	}
	ip := p.ClientIP
	if len(ip) > maxClientIPLen {
		ip = ip[:maxClientIPLen]
	}
	now := a.Now()
	type found struct {
		throttles []billing.SignInThrottle
		user      *billing.User
	}
	f, err := read(ctx, a.core, func(tx billing.Tx) (found, error) {
		ths, err := signInThrottles(ctx, tx, email, ip)
		if err != nil {
			return found{}, err
		}
		u, err := tx.Console.GetUserByEmail(ctx, email)
		if errors.Is(err, billing.ErrNotFound) {
			return found{throttles: ths}, nil
		}
		if err != nil {
			return found{}, fmt.Errorf("find user: %w", err)
		}
		return found{throttles: ths, user: &u}, nil
	})
	if err != nil {
		return SignedIn{}, err
	}
	if wait, locked := billing.SignInCheck(f.throttles, now); wait > 0 {
		return SignedIn{}, signInThrottled(wait, locked)
	}
	ok, recovery := false, ""
	if f.user == nil {
		checkPassword(dummyPasswordHash(), p.Password)
	} else if checkPassword(f.user.PasswordHash, p.Password) {
		ok = true
		if f.user.HasTOTP() {
			if ok, recovery, err = a.secondFactor(*f.user, p.Code, now); err != nil {
				return SignedIn{}, err
			}
		}
	}
	var out SignedIn
	var failed []billing.SignInThrottle // the throttles a wrong password left
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		// Read again: another try may have failed since.
		ths, err := signInThrottles(ctx, tx, email, ip)
		if err != nil {
			return err
		}
		if wait, locked := billing.SignInCheck(ths, now); wait > 0 {
			return signInThrottled(wait, locked)
		}
		if ok && recovery != "" {
			if ok, err = a.useRecoveryCode(ctx, tx, *f.user, recovery); err != nil {
				return err
			}
		}
		if !ok {
			failed = ths
			for i := range failed {
				failed[i] = billing.SignInFailed(failed[i], now)
				if err := tx.Console.PutSignInThrottle(ctx, failed[i]); err != nil {
					return fmt.Errorf("record sign-in failure: %w", err)
				}
			}
			// Tries with ever new addresses must not pile up: forget
			// the throttles nothing is left of.
			if err := tx.Console.DeleteStaleSignInThrottles(ctx, now.Add(-billing.SignInLockFor)); err != nil {
				return fmt.Errorf("forget old sign-in failures: %w", err)
			}
			return nil
		}
		// A right password clears this address's count for the email;
		// the address's and the account's stay (an attacker signing in
		// to their own account must not wipe their record).
		if pair := ths[0]; pair.Failures > 0 || !pair.LockedUntil.IsZero() {
			if err := tx.Console.DeleteSignInThrottle(ctx, pair.Kind, pair.Email, pair.IP); err != nil {
				return fmt.Errorf("clear sign-in throttle: %w", err)
			}
		}
		out, err = a.startSession(asUser(ctx, f.user.ID), tx, *f.user)
		return err
	})
	if err != nil {
		return SignedIn{}, err
	}
	if !ok {
		// The failure is recorded (committed); answer it. The try that
		// locks says so at once.
		if wait, locked := billing.SignInCheck(failed, now); locked {
			return SignedIn{}, signInThrottled(wait, true)
		}
		return SignedIn{}, signInFailed()
	}
	return out, nil
}

// secondFactor checks the code a user with TOTP gave: a valid TOTP code
// is ok; what reads as a recovery code is returned normalized, to be used
// up in the sign-in's transaction; anything else is not ok.
func (a *Users) secondFactor(u billing.User, code string, now time.Time) (ok bool, recovery string, err error) {
	code = strings.TrimSpace(code)
	if rc, isRecovery := normalizeRecoveryCode(code); isRecovery {
		return true, rc, nil
	}
	secret, err := a.openTOTPSecret(u)
	if err != nil {
		return false, "", err
	}
	return billing.TOTPValid(secret, code, now), "", nil
}

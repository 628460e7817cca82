package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseConsoleAuth checks the console's sign-in throttles, password
// resets and recovery codes.
func exerciseConsoleAuth(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("SignInThrottles", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		th, err := tx.Console.GetSignInThrottle(ctx, billing.ThrottlePair, "x@example.cl", "203.0.113.9")
		require.NoError(t, err)
		require.Equal(t, billing.SignInThrottle{Kind: billing.ThrottlePair, Email: "x@example.cl", IP: "203.0.113.9"}, th,
			"none yet: zero failures")
		th = billing.SignInFailed(th, b.clock.next())
		require.NoError(t, tx.Console.PutSignInThrottle(ctx, th))
		got, err := tx.Console.GetSignInThrottle(ctx, billing.ThrottlePair, "x@example.cl", "203.0.113.9")
		require.NoError(t, err)
		require.Equal(t, th, got)
		require.True(t, got.LockedUntil.IsZero())
		// The same email from another address, and the address and
		// account kinds, are other throttles.
		for _, k := range [][3]string{{"pair", "x@example.cl", "198.51.100.1"}, {"address", "", "203.0.113.9"}, {"account", "x@example.cl", ""}} {
			other, err := tx.Console.GetSignInThrottle(ctx, billing.SignInThrottleKind(k[0]), k[1], k[2])
			require.NoError(t, err)
			require.Zero(t, other.Failures, k)
		}
		locked := billing.SignInThrottle{Kind: billing.ThrottlePair, Email: "x@example.cl", IP: "203.0.113.9", LastFailure: b.clock.next()}
		locked.LockedUntil = locked.LastFailure.Add(billing.SignInLockFor)
		require.NoError(t, tx.Console.PutSignInThrottle(ctx, locked), "a second put replaces the first")
		got, err = tx.Console.GetSignInThrottle(ctx, billing.ThrottlePair, "x@example.cl", "203.0.113.9")
		require.NoError(t, err)
		require.Equal(t, locked, got)
		require.NoError(t, tx.Console.DeleteSignInThrottle(ctx, billing.ThrottlePair, "x@example.cl", "203.0.113.9"))
		require.NoError(t, tx.Console.DeleteSignInThrottle(ctx, billing.ThrottlePair, "x@example.cl", "203.0.113.9"),
			"forgetting nothing is no error")
		got, err = tx.Console.GetSignInThrottle(ctx, billing.ThrottlePair, "x@example.cl", "203.0.113.9")
		require.NoError(t, err)
		require.Zero(t, got.Failures)

		// A password reset forgets every throttle of the email, not the
		// address's.
		at := b.clock.next()
		for _, th := range []billing.SignInThrottle{
			{Kind: billing.ThrottlePair, Email: "x@example.cl", IP: "203.0.113.9", Failures: 2, LastFailure: at},
			{Kind: billing.ThrottlePair, Email: "x@example.cl", IP: "198.51.100.1", Failures: 1, LastFailure: at},
			{Kind: billing.ThrottleAccount, Email: "x@example.cl", Failures: 3, LastFailure: at},
			{Kind: billing.ThrottleAddress, IP: "203.0.113.9", Failures: 2, LastFailure: at},
		} {
			require.NoError(t, tx.Console.PutSignInThrottle(ctx, th))
		}
		require.NoError(t, tx.Console.DeleteEmailSignInThrottles(ctx, "x@example.cl"))
		for _, k := range [][3]string{{"pair", "x@example.cl", "203.0.113.9"}, {"pair", "x@example.cl", "198.51.100.1"}, {"account", "x@example.cl", ""}} {
			got, err := tx.Console.GetSignInThrottle(ctx, billing.SignInThrottleKind(k[0]), k[1], k[2])
			require.NoError(t, err)
			require.Zero(t, got.Failures, k)
		}
		got, err = tx.Console.GetSignInThrottle(ctx, billing.ThrottleAddress, "", "203.0.113.9")
		require.NoError(t, err)
		require.Equal(t, 2, got.Failures, "the address's count stays")

		old := billing.SignInThrottle{Kind: billing.ThrottleAccount, Email: "old@example.cl", Failures: 2, LastFailure: b.clock.next()}
		recent := billing.SignInThrottle{Kind: billing.ThrottleAccount, Email: "recent@example.cl", Failures: 1, LastFailure: b.clock.next()}
		require.NoError(t, tx.Console.PutSignInThrottle(ctx, old))
		require.NoError(t, tx.Console.PutSignInThrottle(ctx, recent))
		require.NoError(t, tx.Console.DeleteStaleSignInThrottles(ctx, recent.LastFailure))
		got, err = tx.Console.GetSignInThrottle(ctx, billing.ThrottleAccount, "old@example.cl", "")
		require.NoError(t, err)
		require.Zero(t, got.Failures, "last failed before: forgotten")
		got, err = tx.Console.GetSignInThrottle(ctx, billing.ThrottleAccount, "recent@example.cl", "")
		require.NoError(t, err)
		require.Equal(t, recent, got, "last failed at the bound: kept")
		tx.commit(t)
	})

	// user stores a user of merchant A with email.
	user := func(t *testing.T, b *testBundle, email string) billing.User {
		at := b.clock.next()
		u := billing.User{ID: billing.NewID(billing.PrefixUser, at), MerchantID: b.merchantA.ID, Email: email, Role: billing.RoleOwner,
			PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", Locale: "es-CL", Created: at, Updated: at}
		tx := begin(t, b.store)
		require.NoError(t, tx.Console.CreateUser(t.Context(), u))
		tx.commit(t)
		return u
	}

	t.Run("PasswordResets", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		u := user(t, b, "duena@example.cl")

		tx := begin(t, b.store)
		at := b.clock.next()
		first := billing.PasswordReset{ID: billing.NewID(billing.PrefixPasswordReset, at), UserID: u.ID, MerchantID: u.MerchantID,
			Created: at, Expires: at.Add(billing.PasswordResetLifetime)}
		require.NoError(t, tx.Console.CreatePasswordReset(ctx, first))
		got, err := tx.Console.GetPasswordReset(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "no hash until its email is rendered")
		_, err = tx.Console.GetPasswordResetByHash(ctx, "h1")
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.NoError(t, tx.Console.SetPasswordResetHash(ctx, first.ID, "h1"))
		first.Hash = "h1"
		got, err = tx.Console.GetPasswordResetByHash(ctx, "h1")
		require.NoError(t, err)
		require.Equal(t, first, got)
		require.ErrorIs(t, tx.Console.SetPasswordResetHash(ctx, "pwr_none", "h"), billing.ErrNotFound)

		at = b.clock.next()
		second := billing.PasswordReset{ID: billing.NewID(billing.PrefixPasswordReset, at), UserID: u.ID, MerchantID: u.MerchantID,
			Created: at, Expires: at.Add(billing.PasswordResetLifetime)}
		require.NoError(t, tx.Console.RevokePasswordResets(ctx, u.ID, at))
		require.NoError(t, tx.Console.CreatePasswordReset(ctx, second))
		got, err = tx.Console.GetPasswordReset(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, at, *got.Revoked)
		require.ErrorIs(t, tx.Console.UsePasswordReset(ctx, first.ID, at), billing.ErrNotFound, "a revoked reset is not used")
		require.NoError(t, tx.Console.UsePasswordReset(ctx, second.ID, at))
		require.ErrorIs(t, tx.Console.UsePasswordReset(ctx, second.ID, at), billing.ErrNotFound, "used once")
		got, err = tx.Console.GetPasswordReset(ctx, second.ID)
		require.NoError(t, err)
		require.Equal(t, at, *got.Used)
		require.Nil(t, got.Revoked)

		n, err := tx.Console.CountPasswordResets(ctx, u.ID, first.Created.Add(-time.Microsecond))
		require.NoError(t, err)
		require.Equal(t, 2, n)
		n, err = tx.Console.CountPasswordResets(ctx, u.ID, first.Created)
		require.NoError(t, err)
		require.Equal(t, 1, n, "made at the bound: not counted")
		n, err = tx.Console.CountPasswordResets(ctx, u.ID, second.Created)
		require.NoError(t, err)
		require.Zero(t, n)
		tx.commit(t)

		// Removing the user removes its resets.
		tx = begin(t, b.store)
		require.NoError(t, tx.Console.DeleteUser(ctx, u.MerchantID, u.ID))
		_, err = tx.Console.GetPasswordReset(ctx, first.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("RecoveryCodes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		u := user(t, b, "duena@example.cl")
		other := user(t, b, "otra@example.cl")

		tx := begin(t, b.store)
		n, err := tx.Console.CountRecoveryCodes(ctx, u.ID)
		require.NoError(t, err)
		require.Zero(t, n)
		require.NoError(t, tx.Console.ReplaceRecoveryCodes(ctx, u.ID, []string{"a", "b", "c"}, b.clock.next()))
		require.NoError(t, tx.Console.ReplaceRecoveryCodes(ctx, other.ID, []string{"a"}, b.clock.next()))
		require.NoError(t, tx.Console.UseRecoveryCode(ctx, u.ID, "b", b.clock.next()))
		require.ErrorIs(t, tx.Console.UseRecoveryCode(ctx, u.ID, "b", b.clock.next()), billing.ErrNotFound, "used once")
		require.ErrorIs(t, tx.Console.UseRecoveryCode(ctx, u.ID, "z", b.clock.next()), billing.ErrNotFound)
		n, err = tx.Console.CountRecoveryCodes(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		n, err = tx.Console.CountRecoveryCodes(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n, "another user's codes are theirs")

		require.NoError(t, tx.Console.ReplaceRecoveryCodes(ctx, u.ID, []string{"b", "d"}, b.clock.next()))
		require.ErrorIs(t, tx.Console.UseRecoveryCode(ctx, u.ID, "a", b.clock.next()), billing.ErrNotFound, "the old codes are gone")
		require.NoError(t, tx.Console.UseRecoveryCode(ctx, u.ID, "b", b.clock.next()), "a new code, even one equal to a used old one")
		require.NoError(t, tx.Console.ReplaceRecoveryCodes(ctx, u.ID, nil, b.clock.next()))
		n, err = tx.Console.CountRecoveryCodes(ctx, u.ID)
		require.NoError(t, err)
		require.Zero(t, n)
		tx.commit(t)
	})
}

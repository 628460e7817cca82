package app_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/webhookout"
)

// outbox is an EmailSender that keeps what it is asked to send.
type outbox struct {
	mu   sync.Mutex
	sent []app.EmailMessage
}

func (o *outbox) Send(_ context.Context, m app.EmailMessage) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) IsPermanent(error) bool { return false }

func (o *outbox) messages() []app.EmailMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]app.EmailMessage(nil), o.sent...)
}

// authBundle is an App on one store with a clock, an outbox and an owner
// whose password is "correct horse battery".
type authBundle struct {
	a      *app.App
	clock  *fakeClock
	outbox *outbox
	owner  billing.User
}

// onBothStores runs test on an App over SQLite and over PostgreSQL
// (TEST_DATABASE_URL).
func onBothStores(t *testing.T, test func(t *testing.T, b *authBundle)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			var store interface {
				billing.Store
				Migrate(context.Context) error
				Close() error
			}
			var err error
			if name == "sqlite" {
				store, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "cuota.db"), nil)
			} else {
				store, err = postgres.Open(ctx, pgtest.URL(t), slog.New(slog.DiscardHandler))
			}
			require.NoError(t, err)
			t.Cleanup(func() { _ = store.Close() })
			require.NoError(t, store.Migrate(ctx))
			b := &authBundle{clock: &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, outbox: &outbox{}}
			b.a, err = app.New(app.Config{Store: store, Now: b.clock.Now, PublicURL: func() string { return "https://cuota.example.cl" },
				Mailer: app.Mailer{Sender: b.outbox, From: "consola@example.cl"},
				Ports:  app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}}})
			require.NoError(t, err)
			m, err := b.a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Agente"})
			require.NoError(t, err)
			b.owner, err = b.a.Users.CreateUser(ctx, app.CreateUserParams{MerchantID: m.ID, Email: "duena@example.cl",
				Role: billing.RoleOwner, Password: "correct horse battery"})
			require.NoError(t, err)
			test(t, b)
		})
	}
}

// sendResetEmails runs the send job of every pending password reset email
// and returns the links of the messages sent by this call.
func (b *authBundle) sendResetEmails(t *testing.T) []string {
	t.Helper()
	ctx := t.Context()
	before := len(b.outbox.messages())
	s := billing.Scope{MerchantID: b.owner.MerchantID, Mode: billing.ModeLive}
	list, err := b.a.Notifications.ListEmails(ctx, s, billing.EmailFilter{Template: billing.EmailPasswordReset}, billing.Page{Limit: 100})
	require.NoError(t, err)
	for _, e := range list.Data {
		if e.Status == billing.EmailPending {
			_, err := b.a.Notifications.SendEmail(ctx, app.SendEmailArgs{MerchantID: s.MerchantID, Mode: s.Mode, EmailID: e.ID}, 1)
			require.NoError(t, err)
		}
	}
	link := regexp.MustCompile(`https://cuota\.example\.cl/console/reset/[A-Z2-7]+`)
	var links []string
	for _, m := range b.outbox.messages()[before:] {
		links = append(links, link.FindString(m.Text))
	}
	return links
}

// token is the token of a reset link.
func token(link string) string {
	return strings.TrimPrefix(link, "https://cuota.example.cl"+app.PasswordResetPath)
}

func TestPasswordReset(t *testing.T) {
	onBothStores(t, func(t *testing.T, b *authBundle) {
		ctx := t.Context()
		// Two sessions, to be revoked by the reset.
		in1, err := b.a.Users.SignIn(ctx, app.SignInParams{Email: "duena@example.cl", Password: "correct horse battery"})
		require.NoError(t, err)
		in2, err := b.a.Users.SignIn(ctx, app.SignInParams{Email: "duena@example.cl", Password: "correct horse battery"})
		require.NoError(t, err)

		// An unknown email gets the same answer and sends nothing.
		require.NoError(t, b.a.Users.RequestPasswordReset(ctx, "nadie@example.cl"))
		require.Empty(t, b.sendResetEmails(t))
		requireCode(t, b.a.Users.RequestPasswordReset(ctx, " "), billing.CodeParameterMissing)

		// A request, then a newer one: the first link stops working.
		require.NoError(t, b.a.Users.RequestPasswordReset(ctx, "Duena@Example.cl"))
		first := b.sendResetEmails(t)
		require.Len(t, first, 1)
		msg := b.outbox.messages()[0]
		require.Equal(t, "duena@example.cl", msg.To[0].Email)
		require.Equal(t, "Elige una nueva contraseña para la consola de Agente", msg.Subject, "in the user's language")
		require.NotContains(t, msg.Text, "usr_", "no raw ids")
		b.clock.Advance(time.Minute)
		require.NoError(t, b.a.Users.RequestPasswordReset(ctx, "duena@example.cl"))
		second := b.sendResetEmails(t)
		require.Len(t, second, 1)
		_, err = b.a.Users.OpenPasswordReset(ctx, token(first[0]))
		requireCode(t, err, billing.CodePasswordResetUnusable)
		u, err := b.a.Users.OpenPasswordReset(ctx, token(second[0]))
		require.NoError(t, err)
		require.Equal(t, b.owner.ID, u.ID)
		_, err = b.a.Users.OpenPasswordReset(ctx, "NOPE")
		requireCode(t, err, billing.CodeResourceMissing)

		// The email log keeps the message without its link.
		list, err := b.a.Notifications.ListEmails(ctx, billing.Scope{MerchantID: b.owner.MerchantID, Mode: billing.ModeLive},
			billing.EmailFilter{Template: billing.EmailPasswordReset}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Len(t, list.Data, 2)
		for _, e := range list.Data {
			require.Equal(t, billing.EmailSent, e.Status)
			require.NotContains(t, e.TextBody+e.HTMLBody, "/console/reset/", "the log must not hand out the link")
			require.Contains(t, e.TextBody, "[enlace oculto]")
		}

		// A short password is refused and leaves the link usable.
		_, err = b.a.Users.ResetPassword(ctx, token(second[0]), "short")
		requireCode(t, err, billing.CodeParameterInvalid)
		_, err = b.a.Users.ResetPassword(ctx, token(second[0]), "a brand new password")
		require.NoError(t, err)
		_, err = b.a.Users.ResetPassword(ctx, token(second[0]), "yet another password")
		requireCode(t, err, billing.CodePasswordResetUnusable)

		// Every session ended; the new password signs in, the old does not.
		for _, in := range []app.SignedIn{in1, in2} {
			_, err = b.a.Users.Session(ctx, in.Token)
			requireCode(t, err, billing.CodeConsoleSessionInvalid)
		}
		_, err = b.a.Users.SignIn(ctx, app.SignInParams{Email: "duena@example.cl", Password: "correct horse battery"})
		requireCode(t, err, billing.CodeSignInFailed)
		b.clock.Advance(time.Minute)
		_, err = b.a.Users.SignIn(ctx, app.SignInParams{Email: "duena@example.cl", Password: "a brand new password"})
		require.NoError(t, err)

		audit, err := b.a.Merchants.ListAuditEntries(ctx, billing.Scope{MerchantID: b.owner.MerchantID, Mode: billing.ModeTest}, 0, 100)
		require.NoError(t, err)
		actors := map[string]string{}
		for _, e := range audit.Data {
			actors[e.Action] = e.Actor
		}
		require.Equal(t, app.UserActor(b.owner.ID), actors["user.password_reset"])
		require.Equal(t, "anonymous", actors["password_reset.create"])

		// A link expires after an hour, whether or not it was opened.
		require.NoError(t, b.a.Users.RequestPasswordReset(ctx, "duena@example.cl"))
		late := b.sendResetEmails(t)
		require.Len(t, late, 1)
		b.clock.Advance(billing.PasswordResetLifetime)
		_, err = b.a.Users.ResetPassword(ctx, token(late[0]), "a brand new password")
		requireCode(t, err, billing.CodePasswordResetUnusable)

		// At most three emails an hour: more requests answer alike and
		// record nothing.
		b.clock.Advance(billing.PasswordResetWindow)
		logged := func() int {
			list, err := b.a.Notifications.ListEmails(ctx, billing.Scope{MerchantID: b.owner.MerchantID, Mode: billing.ModeLive},
				billing.EmailFilter{Template: billing.EmailPasswordReset}, billing.Page{Limit: 100})
			require.NoError(t, err)
			return len(list.Data)
		}
		n := logged()
		for range billing.PasswordResetsPerWindow + 2 {
			require.NoError(t, b.a.Users.RequestPasswordReset(ctx, "duena@example.cl"))
		}
		require.Equal(t, n+billing.PasswordResetsPerWindow, logged())
		require.Len(t, b.sendResetEmails(t), 1, "only the newest is sent; the older were replaced before their email went out")
		b.clock.Advance(billing.PasswordResetWindow)
		require.NoError(t, b.a.Users.RequestPasswordReset(ctx, "duena@example.cl"))
		require.Equal(t, n+billing.PasswordResetsPerWindow+1, logged(), "a new window allows more")
	})
}

func TestRecoveryCodes(t *testing.T) {
	onBothStores(t, func(t *testing.T, b *authBundle) {
		ctx := t.Context()
		u := b.owner
		_, err := b.a.Users.RegenerateRecoveryCodes(ctx, u.MerchantID, u.ID)
		requireCode(t, err, billing.CodeInvalidStateTransition)
		secret := b.a.Users.NewTOTPSecret()
		raw := decodeTOTP(t, secret)
		_, codes, err := b.a.Users.EnableTOTP(ctx, u.MerchantID, u.ID, secret, billing.TOTPCode(raw, b.clock.Now(), 6))
		require.NoError(t, err)
		require.Len(t, codes, billing.RecoveryCodeCount)
		for _, c := range codes {
			require.Regexp(t, `^[a-z2-7]{5}-[a-z2-7]{5}$`, c)
		}
		left, err := b.a.Users.RecoveryCodesLeft(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, billing.RecoveryCodeCount, left)

		// A recovery code signs in in place of the TOTP code, once (typed
		// in upper case without its dash, too).
		typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", ""))
		in, err := b.a.Users.SignIn(ctx, app.SignInParams{Email: u.Email, Password: "correct horse battery", Code: typed})
		require.NoError(t, err)
		require.Equal(t, u.ID, in.User.ID)
		left, err = b.a.Users.RecoveryCodesLeft(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, billing.RecoveryCodeCount-1, left)
		_, err = b.a.Users.SignIn(ctx, app.SignInParams{Email: u.Email, Password: "correct horse battery", Code: codes[3]})
		requireCode(t, err, billing.CodeSignInFailed)
		b.clock.Advance(time.Minute)
		_, err = b.a.Users.SignIn(ctx, app.SignInParams{Email: u.Email, Password: "wrong password here", Code: codes[4]})
		requireCode(t, err, billing.CodeSignInFailed)
		left, err = b.a.Users.RecoveryCodesLeft(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, billing.RecoveryCodeCount-1, left, "a wrong password uses no code")

		// New codes: the old ones stop working.
		b.clock.Advance(time.Minute)
		fresh, err := b.a.Users.RegenerateRecoveryCodes(ctx, u.MerchantID, u.ID)
		require.NoError(t, err)
		require.Len(t, fresh, billing.RecoveryCodeCount)
		_, err = b.a.Users.SignIn(ctx, app.SignInParams{Email: u.Email, Password: "correct horse battery", Code: codes[5]})
		requireCode(t, err, billing.CodeSignInFailed)
		b.clock.Advance(time.Minute)
		_, err = b.a.Users.SignIn(ctx, app.SignInParams{Email: u.Email, Password: "correct horse battery", Code: fresh[0]})
		require.NoError(t, err)

		audit, err := b.a.Merchants.ListAuditEntries(ctx, billing.Scope{MerchantID: u.MerchantID, Mode: billing.ModeTest}, 0, 100)
		require.NoError(t, err)
		uses := 0
		for _, e := range audit.Data {
			if e.Action == "user.recovery_code_use" {
				uses++
				require.Equal(t, app.UserActor(u.ID), e.Actor)
			}
		}
		require.Equal(t, 2, uses)

		// Turning the second factor off drops the codes.
		_, err = b.a.Users.DisableTOTP(ctx, u.MerchantID, u.ID)
		require.NoError(t, err)
		left, err = b.a.Users.RecoveryCodesLeft(ctx, u.ID)
		require.NoError(t, err)
		require.Zero(t, left)
	})
}

// TestSignInLockIsPerAddress: wrong passwords from one address lock that
// address for the email, while the owner signs in from another; an
// address spraying emails is locked across them; many addresses on one
// email only slow it; a password reset clears the email's throttles.
func TestSignInLockIsPerAddress(t *testing.T) {
	onBothStores(t, func(t *testing.T, b *authBundle) {
		ctx := t.Context()
		const attacker, home = "203.0.113.66", "198.51.100.7"
		try := func(ip, email, password string) error {
			_, err := b.a.Users.SignIn(ctx, app.SignInParams{Email: email, Password: password, ClientIP: ip})
			return err
		}
		for i := 1; i <= billing.SignInLockAfter; i++ {
			err := try(attacker, "duena@example.cl", "not the password")
			if i < billing.SignInLockAfter {
				requireCode(t, err, billing.CodeSignInFailed)
				b.clock.Advance(billing.SignInDelay(i))
			} else {
				var te *app.SignInThrottledError
				require.True(t, errors.As(err, &te), "%v", err)
				require.True(t, te.Locked)
			}
		}
		requireCode(t, try(attacker, "duena@example.cl", "correct horse battery"), billing.CodeSignInThrottled)
		require.NoError(t, try(home, "duena@example.cl", "correct horse battery"), "the owner, from home, is not locked out")
		// The owner's success does not free the attacker's address.
		requireCode(t, try(attacker, "duena@example.cl", "correct horse battery"), billing.CodeSignInThrottled)

		// One address spraying many emails hits its ceiling.
		const sprayer = "192.0.2.1"
		var err error
		for i := range billing.SignInAddressLockAfter {
			err = try(sprayer, "user"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+"@example.cl", "guess guess guess")
		}
		var te *app.SignInThrottledError
		require.True(t, errors.As(err, &te), "%v", err)
		require.True(t, te.Locked)
		requireCode(t, try(sprayer, "otra@example.cl", "guess guess guess"), billing.CodeSignInThrottled)
		require.NoError(t, try(home, "duena@example.cl", "correct horse battery"))

		// Many addresses on one email: past the ceiling each try waits,
		// but nothing locks; the wait ends and the owner signs in.
		b.clock.Advance(billing.SignInLockFor)
		for i := range billing.SignInAccountSlowAfter + 5 {
			b.clock.Advance(billing.SignInAccountMaxDelay)
			requireCode(t, try("10.0.0."+string(rune('1'+i%9))+strings.Repeat("0", i/9), "duena@example.cl", "not the password"),
				billing.CodeSignInFailed)
		}
		err = try(home, "duena@example.cl", "correct horse battery")
		require.True(t, errors.As(err, &te), "%v", err)
		require.False(t, te.Locked, "the account is slowed, never locked")
		require.LessOrEqual(t, te.Wait, billing.SignInAccountMaxDelay)
		b.clock.Advance(te.Wait)
		require.NoError(t, try(home, "duena@example.cl", "correct horse battery"))

		// A password reset clears the email's throttles, every address's.
		b.clock.Advance(billing.SignInLockFor)
		for i := range billing.SignInLockAfter {
			_ = try(attacker, "duena@example.cl", "not the password")
			b.clock.Advance(billing.SignInDelay(i + 1))
		}
		requireCode(t, try(attacker, "duena@example.cl", "correct horse battery"), billing.CodeSignInThrottled)
		_, err = b.a.Users.SetPassword(ctx, b.owner.MerchantID, "duena@example.cl", "a brand new password")
		require.NoError(t, err)
		require.NoError(t, try(attacker, "duena@example.cl", "a brand new password"), "the reset lifted the lock")
	})
}

package e2e

import (
	"encoding/base32"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// TestConsoleForgottenPasswordAndRecoveryCodes: the owner forgets the
// password, asks for a link (the answer is the same as for an unknown
// email), opens the link the SMTP server received, chooses a new password
// and signs in with it; the used link is then gone. The owner turns on
// two-step verification, keeps a recovery code and signs in with it in
// place of the app's code. Every page is checked at 375 px (and saved at
// 375 and 1280 px with CUOTA_CONSOLE_SHOTS).
func TestConsoleForgottenPasswordAndRecoveryCodes(t *testing.T) {
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTPSender(smtp.Config())
	require.NoError(t, err)
	s := newStackWith(t, app.Mailer{Sender: sender, From: "consola@example.cl"})
	ctx := t.Context()
	_, err = s.app.Users.CreateUser(ctx, app.CreateUserParams{MerchantID: s.scope.MerchantID, Email: "duena@example.cl",
		Role: billing.RoleOwner, Password: "una clave bien larga"})
	require.NoError(t, err)

	b := newTab(t)
	b.visit(s.url+"/console/sign-in?lang=es-CL", "#sign-in")
	require.Equal(t, "¿Olvidaste tu contraseña?", b.text("#forgot"))
	b.click("#forgot", "#forgot-form")
	b.consolePage("forgot")

	// An unknown email and the owner's get the same page.
	ask := func(email string) string {
		b.visit(s.url+"/console/forgot?lang=es-CL", "#forgot-form")
		b.typeInto("#email", email)
		require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#forgot-button"), chromedp.NodeVisible)))
		b.absent("#forgot-form")
		return b.text("main")
	}
	unknown := ask("nadie@example.cl")
	require.Contains(t, unknown, "Si ese correo pertenece a un usuario de la consola")
	require.Equal(t, unknown, ask("duena@example.cl"))
	b.consolePage("forgot-sent")

	// The send job sends the email; the link is in what the server got.
	live := billing.Scope{MerchantID: s.scope.MerchantID, Mode: billing.ModeLive}
	emails, err := s.app.Notifications.ListEmails(ctx, live, billing.EmailFilter{Template: billing.EmailPasswordReset}, billing.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, emails.Data, 1, "one email: the owner's")
	out, err := s.app.Notifications.SendEmail(ctx, app.SendEmailArgs{MerchantID: live.MerchantID, Mode: live.Mode, EmailID: emails.Data[0].ID}, 1)
	require.NoError(t, err)
	require.False(t, out.Retry, out.Reason)
	msgs := smtp.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, []string{"duena@example.cl"}, msgs[0].To)
	require.Equal(t, "Elige una nueva contraseña para la consola de Corredora Sur", msgs[0].Subject)
	link := regexp.MustCompile(regexp.QuoteMeta(s.url) + `/console/reset/[A-Z2-7]+`).FindString(msgs[0].Text)
	require.NotEmpty(t, link, msgs[0].Text)
	require.Contains(t, msgs[0].HTML, link)

	b.visit(link, "#reset")
	require.Contains(t, b.text("#intro"), "duena@example.cl")
	b.consolePage("reset")
	b.typeInto("#password", "corta")
	b.run(chromedp.Evaluate[chromedp.Void](`document.querySelector("#password").removeAttribute("minlength")`)) // the server checks it too
	require.Equal(t, http.StatusBadRequest, b.status(chromedp.Click(chromedp.CSS("#reset-button"), chromedp.NodeVisible)))
	require.Equal(t, "La contraseña debe tener al menos 12 caracteres.", b.text("#error"))
	b.typeInto("#password", "otra clave bien larga")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#reset-button"), chromedp.NodeVisible)))
	require.Contains(t, b.location(), "/console/sign-in")
	require.Contains(t, b.text("#notice"), "Tu contraseña cambió")
	b.consolePage("reset-done")
	require.Equal(t, http.StatusUnauthorized, b.signIn("duena@example.cl", "una clave bien larga"), "the old password is gone")
	s.freeze()
	s.advance(billing.SignInDelay(1))
	require.Equal(t, http.StatusOK, b.signIn("duena@example.cl", "otra clave bien larga"))
	require.True(t, strings.HasSuffix(b.location(), "/console/"), b.location())

	// The link worked once.
	other := newTab(t)
	other.visit(link+"?lang=es-CL", "#message") // no user known: the browser's or the asked language
	require.Contains(t, other.text("#message"), "Este enlace ya se usó")
	other.consolePage("reset-gone")

	// Two-step verification: the page shows ten recovery codes once.
	b.visit(s.url+"/console/settings/security", "#totp")
	secret := b.text("#totp-secret")
	raw := decodeSecret(t, secret)
	b.typeInto("#totp-code", billing.TOTPCode(raw, s.app.Now(), billing.TOTPDigits))
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#totp-enable"), chromedp.NodeVisible)))
	codes := evaluate[[]string](b, `[...document.querySelectorAll('#recovery-codes code')].map(e => e.textContent)`)
	require.Len(t, codes, billing.RecoveryCodeCount)
	b.consolePage("security-codes")
	b.visit(s.url+"/console/settings/security", "#recovery-left")
	require.Equal(t, "Te quedan 10 códigos sin usar.", b.text("#recovery-left"))
	b.absent("#recovery-codes")
	b.consolePage("security-on")

	// Signing in with a recovery code instead of the app's code, once.
	b.click("#sign-out", "#sign-in")
	b.typeInto("#code", codes[0])
	require.Equal(t, http.StatusOK, b.signIn("duena@example.cl", "otra clave bien larga"))
	require.True(t, strings.HasSuffix(b.location(), "/console/"), b.location())
	b.visit(s.url+"/console/settings/security", "#recovery-left")
	require.Equal(t, "Te quedan 9 códigos sin usar.", b.text("#recovery-left"))
	b.click("#sign-out", "#sign-in")
	b.typeInto("#code", codes[0])
	require.Equal(t, http.StatusUnauthorized, b.signIn("duena@example.cl", "otra clave bien larga"), "a used code is refused")
}

// decodeSecret reads a TOTP secret as the security page shows it.
func decodeSecret(t *testing.T, secret string) []byte {
	t.Helper()
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimSpace(secret))
	require.NoError(t, err)
	return raw
}

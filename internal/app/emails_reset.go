package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// passwordResetLinkHidden stands in the email log for a reset link.
var passwordResetLinkHidden = billing.AlertText{ES: "[enlace oculto]", EN: "[link hidden]"}

// passwordResetLink makes the token of a reset email's link, stores its
// hash on the reset and returns the link and the reset. Each rendering
// makes a new token, so a retried send leaves only the latest link
// working. A reset used, replaced or expired before its email went out
// gets no link: the email cannot be rendered (and is not retried).
func (a *Notifications) passwordResetLink(ctx context.Context, tx billing.Tx, e billing.Email) (string, billing.PasswordReset, error) {
	r, err := tx.Console.GetPasswordReset(ctx, e.EventID)
	if err != nil {
		return "", billing.PasswordReset{}, fmt.Errorf("read password reset %s: %w", e.EventID, err)
	}
	if !billing.PasswordResetOpen(r, a.Now()) {
		return "", billing.PasswordReset{}, fmt.Errorf("%w: the password reset was used, replaced by a newer one or has expired", errEmailData)
	}
	base := a.PublicURL()
	if base == "" {
		return "", billing.PasswordReset{}, fmt.Errorf("%w: a password reset link needs cuota's public URL (CUOTA_PUBLIC_URL)", errEmailData)
	}
	token := rand.Text() + rand.Text()
	if err := tx.Console.SetPasswordResetHash(ctx, r.ID, HashAPIKey(token)); err != nil {
		return "", billing.PasswordReset{}, fmt.Errorf("store password reset hash: %w", err)
	}
	return base + PasswordResetPath + token, r, nil
}

// hideSecrets replaces in body each of msg's hidden texts with the
// placeholder in locale, for the email log.
func hideSecrets(body string, msg EmailMessage, locale string) string {
	for _, s := range msg.Hidden {
		if s != "" {
			body = strings.ReplaceAll(body, s, passwordResetLinkHidden.In(locale))
		}
	}
	return body
}

package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// A user's optional second factor is a TOTP secret (billing/totp.go). It
// is stored sealed with CUOTA_SECRET_KEY, bound to the user's id; without a
// key (development), in the clear behind plainPrefix, as test-mode gateway
// credentials are.

// totpSecretLen is the secret's length: 160 bits, as RFC 4226 recommends.
const totpSecretLen = 20

// totpEncoding is how a secret is shown to be typed into an authenticator
// app (RFC 4648 base32 without padding, as otpauth:// URIs carry it).
var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new secret, base32-encoded, for a user to add
// to an authenticator app before EnableTOTP.
func (a *Users) NewTOTPSecret() string {
	b := make([]byte, totpSecretLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return totpEncoding.EncodeToString(b)
}

// TOTPURI is the otpauth:// address of secret that authenticator apps
// read (as a QR code or typed in): issuer cuota, the user's email.
func TOTPURI(secret, email string) string {
	label := strings.NewReplacer(":", "", "?", "", "&", "", "#", "", "/", "").Replace(email)
	return fmt.Sprintf("otpauth://totp/cuota:%s?secret=%s&issuer=cuota&algorithm=SHA1&digits=%d&period=%d",
		label, secret, billing.TOTPDigits, int(billing.TOTPStep.Seconds()))
}

// EnableTOTP turns on a user's second factor with secret (from
// NewTOTPSecret) once code shows the user's app computes it, and returns
// the user's new recovery codes (users_recovery.go), to be shown once.
func (a *Users) EnableTOTP(ctx context.Context, merchantID, userID, secret, code string) (billing.User, []string, error) {
	raw, err := totpEncoding.DecodeString(strings.ToUpper(strings.TrimSpace(secret)))
	if err != nil || len(raw) != totpSecretLen {
		return billing.User{}, nil, billing.Invalid("secret", billing.CodeParameterInvalid, "the secret is not one cuota made")
	}
	if !billing.TOTPValid(raw, strings.TrimSpace(code), a.Now()) {
		return billing.User{}, nil, billing.Invalid("code", billing.CodeParameterInvalid, "the code does not match: check the app's time and try the next code")
	}
	var u billing.User
	var codes []string
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Console.GetUser(ctx, merchantID, userID)
		if err != nil {
			return notFound(err, "user", userID)
		}
		u = before
		if u.TOTPSecret, err = a.sealTOTPSecret(u.ID, raw); err != nil {
			return err
		}
		u.Updated = a.Now()
		if err := tx.Console.UpdateUser(ctx, u); err != nil {
			return fmt.Errorf("update user %s: %w", userID, err)
		}
		if codes, err = a.replaceRecoveryCodes(ctx, tx, u); err != nil {
			return err
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: "user.totp_enable", objectType: "user", objectID: u.ID, before: before, after: u})
	})
	if err != nil {
		return billing.User{}, nil, err
	}
	return u, codes, nil
}

// DisableTOTP turns off a user's second factor, and its recovery codes
// with it.
func (a *Users) DisableTOTP(ctx context.Context, merchantID, userID string) (billing.User, error) {
	var u billing.User
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Console.GetUser(ctx, merchantID, userID)
		if err != nil {
			return notFound(err, "user", userID)
		}
		u = before
		u.TOTPSecret, u.Updated = nil, a.Now()
		if err := tx.Console.UpdateUser(ctx, u); err != nil {
			return fmt.Errorf("update user %s: %w", userID, err)
		}
		if err := tx.Console.ReplaceRecoveryCodes(ctx, u.ID, nil, a.Now()); err != nil {
			return fmt.Errorf("delete recovery codes of %s: %w", u.ID, err)
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: "user.totp_disable", objectType: "user", objectID: u.ID, before: before, after: u})
	})
	return u, err
}

// totpAD binds a sealed secret to its user.
func totpAD(userID string) string { return "user_totp:" + userID }

func (a *Users) sealTOTPSecret(userID string, raw []byte) ([]byte, error) {
	if !a.gw.box.HasKey() {
		return []byte(plainPrefix + totpEncoding.EncodeToString(raw)), nil
	}
	sealed, err := a.gw.box.Seal(raw, totpAD(userID))
	if err != nil {
		return nil, fmt.Errorf("seal totp secret: %w", err)
	}
	return []byte(sealed), nil
}

// openTOTPSecret returns u's TOTP secret.
func (a *Users) openTOTPSecret(u billing.User) ([]byte, error) {
	stored := string(u.TOTPSecret)
	if plain, ok := strings.CutPrefix(stored, plainPrefix); ok {
		raw, err := totpEncoding.DecodeString(plain)
		if err != nil {
			return nil, fmt.Errorf("totp secret of %s: %w", u.ID, err)
		}
		return raw, nil
	}
	raw, err := a.gw.box.Open(stored, totpAD(u.ID))
	if err != nil {
		return nil, fmt.Errorf("open totp secret of %s: %w", u.ID, err)
	}
	return raw, nil
}

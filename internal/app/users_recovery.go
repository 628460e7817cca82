package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// Recovery codes (docs/console.md, "Recovery codes") sign a user with a
// second factor in once each, in place of a TOTP code. A code is ten
// characters of RFC 4648's base32 alphabet in lower case (50 random bits),
// shown as two groups of five ("k7m2q-x4tpa"); it is typed with or without
// the dash, spaces and case ignored. Only its SHA-256 is stored.

// recoveryCodeLen is a code's length without its dash.
const recoveryCodeLen = 10

// normalizeRecoveryCode returns code as stored (lower case, no dash nor
// spaces) and whether it has a recovery code's form; a TOTP code (six
// digits) does not.
func normalizeRecoveryCode(code string) (string, bool) {
	s := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(s) != recoveryCodeLen {
		return "", false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return "", false
		}
	}
	return s, true
}

// recoveryCodeHash is what is stored of a normalized code.
func recoveryCodeHash(code string) string { return HashAPIKey("recovery:" + code) }

// newRecoveryCodes returns billing.RecoveryCodeCount new codes as shown
// to the user and their hashes.
func newRecoveryCodes() (shown, hashes []string) {
	for range billing.RecoveryCodeCount {
		c := strings.ToLower(rand.Text()[:recoveryCodeLen])
		shown = append(shown, c[:5]+"-"+c[5:])
		hashes = append(hashes, recoveryCodeHash(c))
	}
	return shown, hashes
}

// replaceRecoveryCodes gives u new codes in tx, invalidating the old ones,
// and returns them as shown.
func (a *Users) replaceRecoveryCodes(ctx context.Context, tx billing.Tx, u billing.User) ([]string, error) {
	shown, hashes := newRecoveryCodes()
	if err := tx.Console.ReplaceRecoveryCodes(ctx, u.ID, hashes, a.Now()); err != nil {
		return nil, fmt.Errorf("replace recovery codes of %s: %w", u.ID, err)
	}
	return shown, nil
}

// useRecoveryCode uses up u's recovery code (normalized) in tx and writes
// the audit entry; false when u has no such unused code.
func (a *Users) useRecoveryCode(ctx context.Context, tx billing.Tx, u billing.User, code string) (bool, error) {
	err := tx.Console.UseRecoveryCode(ctx, u.ID, recoveryCodeHash(code), a.Now())
	if errors.Is(err, billing.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("use recovery code of %s: %w", u.ID, err)
	}
	left, err := tx.Console.CountRecoveryCodes(ctx, u.ID)
	if err != nil {
		return false, fmt.Errorf("count recovery codes of %s: %w", u.ID, err)
	}
	return true, a.audit(asUser(ctx, u.ID), tx, change{merchantID: u.MerchantID, action: "user.recovery_code_use", objectType: "user",
		objectID: u.ID, after: recoveryUse{User: u, CodesLeft: left}})
}

// recoveryUse is the audit entry of a recovery code's use: the user and
// how many codes are left.
type recoveryUse struct {
	billing.User
	CodesLeft int `json:"recovery_codes_left"`
}

// RegenerateRecoveryCodes gives a user with a second factor new recovery
// codes, returned once to be shown; the old ones stop working.
func (a *Users) RegenerateRecoveryCodes(ctx context.Context, merchantID, userID string) ([]string, error) {
	var shown []string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		u, err := tx.Console.GetUser(ctx, merchantID, userID)
		if err != nil {
			return notFound(err, "user", userID)
		}
		if !u.HasTOTP() {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
				"recovery codes go with two-step verification: turn it on first")
		}
		if shown, err = a.replaceRecoveryCodes(ctx, tx, u); err != nil {
			return err
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: "user.recovery_codes_create", objectType: "user", objectID: u.ID, after: u})
	})
	return shown, err
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (a *Users) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	return read(ctx, a.core, func(tx billing.Tx) (int, error) {
		n, err := tx.Console.CountRecoveryCodes(ctx, userID)
		if err != nil {
			return 0, fmt.Errorf("count recovery codes of %s: %w", userID, err)
		}
		return n, nil
	})
}

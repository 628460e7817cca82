package billing

import "time"

// PrefixPasswordReset is the id prefix of a password reset.
const PrefixPasswordReset = "pwr_"

// EmailPasswordReset is the email with a console user's password reset
// link (docs/console.md, "Forgotten password").
const EmailPasswordReset = "password_reset"

// PasswordReset is one request to choose a new password, by the link
// emailed to the user. Only the SHA-256 of the link's token is stored, and
// only once the email is being sent: the token is made then, so that it
// exists nowhere but in the message. It is used once, expires
// PasswordResetLifetime after the request, and a newer request revokes it.
type PasswordReset struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	MerchantID string     `json:"merchant_id"`
	Hash       string     `json:"-"` // "" until the email is rendered
	Created    time.Time  `json:"created"`
	Expires    time.Time  `json:"expires"`
	Used       *time.Time `json:"used"`
	Revoked    *time.Time `json:"revoked"` // a newer request replaced it
}

// PasswordResetLifetime is how long a reset link may be used.
const PasswordResetLifetime = time.Hour

// A user gets at most PasswordResetsPerWindow reset emails within
// PasswordResetWindow; further requests are answered alike and send
// nothing, so that the form cannot flood a mailbox.
const (
	PasswordResetsPerWindow = 3
	PasswordResetWindow     = time.Hour
)

// PasswordResetOpen reports whether r is neither used, replaced nor
// expired at now: its email may still be sent.
func PasswordResetOpen(r PasswordReset, now time.Time) bool {
	return r.Used == nil && r.Revoked == nil && now.Before(r.Expires)
}

// PasswordResetUsable reports whether r can set a password at now: it is
// open and its email was rendered (a link exists).
func PasswordResetUsable(r PasswordReset, now time.Time) bool {
	return r.Hash != "" && PasswordResetOpen(r, now)
}

// PasswordResetAllowed reports whether another reset email may go to a
// user who had recent of them within PasswordResetWindow.
func PasswordResetAllowed(recent int) bool { return recent < PasswordResetsPerWindow }

// RecoveryCodeCount is how many one-time recovery codes a user with a
// second factor gets: each signs in once in place of a TOTP code, for when
// the phone is lost. They are shown once and stored as SHA-256 hashes (a
// code carries 50 random bits, and the sign-in throttle bounds guessing).
const RecoveryCodeCount = 10

package mail

import (
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// KindPasswordReset sends a console user the link that sets a new
// password (docs/console.md, "Forgotten password"); data PasswordReset.
const KindPasswordReset Kind = "password_reset"

// PasswordReset is the data of KindPasswordReset, sent to the user who
// asked (or whose email someone typed) on the sign-in page.
type PasswordReset struct {
	MerchantName string `json:"merchant_name"` // required: the merchant the user works for
	Email        string `json:"email"`         // required: the user's email, with which they sign in
	ResetURL     string `json:"reset_url"`     // required: the link, http(s)
	Expires      string `json:"expires"`       // required: when the link stops working, in the email's language
}

func (d PasswordReset) validate() error {
	return checkFields(field{name: "merchant_name", value: d.MerchantName, required: true},
		field{name: "email", value: d.Email, required: true},
		field{name: "reset_url", value: d.ResetURL, required: true, link: true},
		field{name: "expires", value: d.Expires, required: true})
}

// NewPasswordReset returns the reset email of m's user email, in locale
// (the user's) with times in m's time zone.
func NewPasswordReset(m billing.Merchant, locale, email, resetURL string, expires time.Time) (PasswordReset, error) {
	f, err := NewFormatter(locale, m.Timezone)
	if err != nil {
		return PasswordReset{}, fmt.Errorf("password reset for %s: %w", m.ID, err)
	}
	return PasswordReset{MerchantName: m.Name, Email: email, ResetURL: resetURL, Expires: f.DateTime(expires)}, nil
}

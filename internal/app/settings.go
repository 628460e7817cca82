package app

import (
	"context"
	"fmt"
	"regexp"

	"github.com/cuota/cuota/internal/billing"
)

// DunningParams change a merchant's retry policy; nil fields are kept.
// Schedule and exponential backoff exclude each other: setting one clears
// the other.
type DunningParams struct {
	Schedule    []string // e.g. ["1d","3d","5d","7d"]: the wait after each failure
	Exponential *ExponentialParams
	MaxAttempts *int
	FinalAction *string // cancel, unpaid or leave_past_due
}

// ExponentialParams describe an exponential retry schedule.
type ExponentialParams struct {
	Base   string // e.g. "12h"
	Factor int64  // a whole number ≥ 1
	Cap    string // e.g. "7d"
}

// UpdateMerchantParams change a merchant's details and policies; nil
// fields are kept.
type UpdateMerchantParams struct {
	Name             *string
	Timezone         *string
	Locale           *string
	InvoicePrefix    *string
	Dunning          *DunningParams
	TrialEndBehavior *string // cancel or pause
	SystemFailure    *string // past_due or cancel
	Email            *string // where notices to the merchant go; "" removes it
	PortalURL        *string // the merchant's billing page emails link to; "" removes it
	AlertEmail       *string // where alert emails go ("" removes it: the support email is used)
	// DefaultTaxRates, with Mode, sets the merchant's default tax rates of
	// that mode (billing.ResolveTaxRates); an empty list removes them.
	DefaultTaxRates *[]string
	Mode            billing.Mode
	Profile         ProfileParams
}

var invoicePrefixRE = regexp.MustCompile(`^[A-Z0-9]{1,12}$`)

// UpdateMerchant changes a merchant's details and billing policies. A new
// time zone applies to periods computed from then on; anchors (instants)
// do not move.
func (a *Merchants) UpdateMerchant(ctx context.Context, merchantID string, p UpdateMerchantParams) (billing.Merchant, error) {
	var after billing.Merchant
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Merchants.GetMerchant(ctx, merchantID)
		if err != nil {
			return notFound(err, "merchant", merchantID)
		}
		after = before
		var v validator
		if p.Name != nil {
			v.required("name", *p.Name)
			v.maxLen("name", *p.Name, maxNameLen)
			after.Name = *p.Name
		}
		if p.Timezone != nil {
			v.timezone("timezone", *p.Timezone)
			after.Timezone = *p.Timezone
		}
		if p.Locale != nil {
			v.supportedLocale("locale", *p.Locale)
			after.Locale = *p.Locale
		}
		applyProfile(&v, &after.Profile, p.Profile)
		if p.InvoicePrefix != nil {
			if !invoicePrefixRE.MatchString(*p.InvoicePrefix) {
				v.fail("invoice_prefix", billing.CodeParameterInvalid, "invoice_prefix must be 1 to 12 upper-case letters or digits")
			}
			after.InvoicePrefix = *p.InvoicePrefix
		}
		if d := p.Dunning; d != nil {
			pol := &after.Settings.Dunning
			if d.Schedule != nil {
				sched, err := billing.ParseSchedule(d.Schedule)
				if err != nil {
					return err
				}
				pol.Schedule, pol.Exponential = sched, nil
				if d.MaxAttempts == nil {
					pol.MaxAttempts = 0 // every step of the new schedule
				}
			}
			if e := d.Exponential; e != nil {
				base, err := billing.ParseSchedule([]string{e.Base})
				if err != nil {
					return billing.Invalid("dunning.exponential.base", billing.CodeParameterInvalid, "base must be a delay such as 12h")
				}
				capd, err := billing.ParseSchedule([]string{e.Cap})
				if err != nil {
					return billing.Invalid("dunning.exponential.cap", billing.CodeParameterInvalid, "cap must be a delay such as 7d")
				}
				pol.Exponential = &billing.ExponentialBackoff{Base: base[0], Factor: e.Factor, Cap: capd[0]}
				pol.Schedule = nil
			}
			if d.MaxAttempts != nil {
				pol.MaxAttempts = *d.MaxAttempts
			}
			if d.FinalAction != nil {
				pol.FinalAction = *d.FinalAction
			}
			if err := pol.Validate(); err != nil {
				return err
			}
		}
		if p.TrialEndBehavior != nil {
			after.Settings.Transition.TrialEndNoPaymentMethod = *p.TrialEndBehavior
		}
		if p.SystemFailure != nil {
			after.Settings.Transition.SystemFailure = *p.SystemFailure
		}
		if p.Email != nil {
			v.email("email", *p.Email)
			after.Settings.Notifications.Email = *p.Email
		}
		if p.PortalURL != nil {
			v.link("portal_url", *p.PortalURL)
			after.Settings.Notifications.PortalURL = *p.PortalURL
		}
		if p.AlertEmail != nil {
			v.email("alert_email", *p.AlertEmail)
			after.Settings.Notifications.AlertEmail = *p.AlertEmail
		}
		if p.DefaultTaxRates != nil {
			if err := setDefaultTaxRates(ctx, tx, &after, p.Mode, *p.DefaultTaxRates); err != nil {
				return err
			}
		}
		check := after.Settings.Transition
		check.RetriesExhausted = after.Settings.Dunning.FinalAction
		if err := check.Validate(); err != nil {
			return err
		}
		if err := v.err(); err != nil {
			return err
		}
		if err := tx.Merchants.UpdateMerchant(ctx, after); err != nil {
			return fmt.Errorf("update merchant: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: "merchant.update", objectType: "merchant",
			objectID: merchantID, before: before, after: after})
	})
	return after, err
}

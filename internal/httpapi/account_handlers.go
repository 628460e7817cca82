package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// accountHandlers serves what concerns the merchant's account rather than
// its customers: merchant settings, gateway configuration
// (gateway_handlers.go), webhook endpoints (webhook_handlers.go), events,
// the email log (email_handlers.go) and the audit log.
type accountHandlers struct {
	app UseCases
}

// --- merchant settings

// DunningJSON is a merchant's retry policy.
type DunningJSON struct {
	Schedule    []string         `json:"schedule,omitempty" doc:"Wait after each failed attempt, e.g. [\"1d\",\"3d\",\"5d\",\"7d\"]."`
	Exponential *ExponentialJSON `json:"exponential,omitempty"`
	MaxAttempts *int             `json:"max_attempts,omitempty" doc:"Attempts in all, the first charge included."`
	FinalAction *string          `json:"final_action,omitempty" enum:"cancel,unpaid,leave_past_due"`
}

// ExponentialJSON is an exponential retry schedule.
type ExponentialJSON struct {
	Base   string `json:"base" doc:"e.g. 12h"`
	Factor int64  `json:"factor"`
	Cap    string `json:"cap" doc:"e.g. 7d"`
}

// MerchantJSON is the merchant as the API shows it.
type MerchantJSON struct {
	ID               string      `json:"id"`
	Object           string      `json:"object" enum:"merchant"`
	Name             string      `json:"name"`
	Timezone         string      `json:"timezone"`
	Locale           string      `json:"locale"`
	InvoicePrefix    string      `json:"invoice_prefix"`
	Dunning          DunningJSON `json:"dunning"`
	TrialEndBehavior string      `json:"trial_end_behavior"`
	SystemFailure    string      `json:"system_failure"`
	Email            *string     `json:"email" doc:"Where notices to you go (a webhook endpoint disabled)."`
	PortalURL        *string     `json:"portal_url" doc:"Your page where customers manage billing; emails link to it."`
	AlertEmail       *string     `json:"alert_email" doc:"Where alert emails go (docs/alerts.md); null: the support_email."`
	DefaultTaxRates  []string    `json:"default_tax_rates" doc:"This mode's tax rates of subscription items whose subscription and price set none (docs/taxes.md)."`
	ProfileJSON
	LogoURL *string `json:"logo_url" doc:"Where cuota serves your logo (PUT /v1/merchant/logo sets it)."`
	Created int64   `json:"created"`
}

// ProfileJSON is the merchant's legal identity and brand, shown on every
// hosted page, document and email.
type ProfileJSON struct {
	LegalName    *string      `json:"legal_name" doc:"Razón social."`
	TaxID        *string      `json:"tax_id" doc:"RUT, stored without dots: 76086428-5."`
	Activity     *string      `json:"activity" doc:"Giro: the business activity."`
	Address      *AddressJSON `json:"address"`
	SupportEmail *string      `json:"support_email"`
	SupportPhone *string      `json:"support_phone"`
	BrandColor   *string      `json:"brand_color" doc:"#rrggbb for buttons and headings."`
}

// AddressJSON is a postal address (Stripe's shape, plus district: the
// comuna of a Chilean address).
type AddressJSON struct {
	Line1      string `json:"line1,omitempty" maxLength:"200"`
	Line2      string `json:"line2,omitempty" maxLength:"200"`
	District   string `json:"district,omitempty" maxLength:"200" doc:"Comuna."`
	City       string `json:"city,omitempty" maxLength:"200"`
	State      string `json:"state,omitempty" maxLength:"200" doc:"Región."`
	PostalCode string `json:"postal_code,omitempty" maxLength:"200"`
	Country    string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2, e.g. CL."`
}

// addressJSON shows an address, nil when it is empty.
func addressJSON(a billing.Address) *AddressJSON {
	if a.IsZero() {
		return nil
	}
	return &AddressJSON{Line1: a.Line1, Line2: a.Line2, District: a.District, City: a.City, State: a.State,
		PostalCode: a.PostalCode, Country: a.Country}
}

// address reads an address from the API.
func (a *AddressJSON) address() *billing.Address {
	if a == nil {
		return nil
	}
	return &billing.Address{Line1: a.Line1, Line2: a.Line2, District: a.District, City: a.City, State: a.State,
		PostalCode: a.PostalCode, Country: a.Country}
}

func profileJSON(p billing.MerchantProfile) ProfileJSON {
	return ProfileJSON{LegalName: apiobj.NonEmpty(p.LegalName), TaxID: apiobj.NonEmpty(p.TaxID), Activity: apiobj.NonEmpty(p.Activity),
		Address: addressJSON(p.Address), SupportEmail: apiobj.NonEmpty(p.SupportEmail), SupportPhone: apiobj.NonEmpty(p.SupportPhone),
		BrandColor: apiobj.NonEmpty(p.BrandColor)}
}

func merchantJSON(m billing.Merchant, logoURL string) MerchantJSON {
	d := m.Settings.Dunning
	dj := DunningJSON{MaxAttempts: &d.MaxAttempts, FinalAction: &d.FinalAction, Schedule: []string{}}
	for _, x := range d.Schedule {
		dj.Schedule = append(dj.Schedule, billing.FormatDelay(x))
	}
	if e := d.Exponential; e != nil {
		dj.Exponential = &ExponentialJSON{Base: billing.FormatDelay(e.Base), Factor: e.Factor, Cap: billing.FormatDelay(e.Cap)}
	}
	t := m.Settings.Transition
	trial, sys := t.TrialEndNoPaymentMethod, t.SystemFailure
	if trial == "" {
		trial = billing.PolicyCancel
	}
	if sys == "" {
		sys = billing.PolicyPastDue
	}
	return MerchantJSON{ID: m.ID, Object: "merchant", Name: m.Name, Timezone: m.Timezone, Locale: m.Locale,
		InvoicePrefix: m.InvoicePrefix, Dunning: dj, TrialEndBehavior: trial, SystemFailure: sys,
		Email: apiobj.NonEmpty(m.Settings.Notifications.Email), PortalURL: apiobj.NonEmpty(m.Settings.Notifications.PortalURL),
		AlertEmail:  apiobj.NonEmpty(m.Settings.Notifications.AlertEmail),
		ProfileJSON: profileJSON(m.Profile), LogoURL: apiobj.NonEmpty(logoURL), Created: m.Created.Unix()}
}

func (h *accountHandlers) getMerchant(ctx context.Context, _ *struct{}) (*out[MerchantJSON], error) {
	m, err := h.app.Merchants.GetMerchant(ctx, scopeOf(ctx).MerchantID)
	if err != nil {
		return nil, err
	}
	return reply(withTaxDefaults(ctx, merchantJSON(m, h.app.Merchants.LogoURL(m)), m)), nil
}

func (h *accountHandlers) updateMerchant(ctx context.Context, in *struct {
	Body struct {
		Name             *string      `json:"name,omitempty"`
		Timezone         *string      `json:"timezone,omitempty" doc:"IANA zone for billing calendars, e.g. America/Santiago."`
		Locale           *string      `json:"locale,omitempty"`
		InvoicePrefix    *string      `json:"invoice_prefix,omitempty"`
		Dunning          *DunningJSON `json:"dunning,omitempty"`
		TrialEndBehavior *string      `json:"trial_end_behavior,omitempty" enum:"cancel,pause"`
		SystemFailure    *string      `json:"system_failure,omitempty" enum:"past_due,cancel"`
		Email            *string      `json:"email,omitempty" maxLength:"254" doc:"Where notices to you go; \"\" removes it."`
		PortalURL        *string      `json:"portal_url,omitempty" maxLength:"2048" doc:"Your page where customers update their card and see invoices; \"\" removes it."`
		AlertEmail       *string      `json:"alert_email,omitempty" maxLength:"254" doc:"Where alert emails go; \"\" removes it (the support_email is used)."`
		DefaultTaxRates  *[]string    `json:"default_tax_rates,omitempty" maxItems:"5" doc:"This mode's default tax rates; [] removes them (docs/taxes.md)."`
		LegalName        *string      `json:"legal_name,omitempty" maxLength:"250" doc:"Razón social; \"\" removes it."`
		TaxID            *string      `json:"tax_id,omitempty" maxLength:"20" doc:"RUT with its check digit, with or without dots; \"\" removes it."`
		Activity         *string      `json:"activity,omitempty" maxLength:"250" doc:"Giro; \"\" removes it."`
		Address          *AddressJSON `json:"address,omitempty" doc:"Replaces the whole address."`
		SupportEmail     *string      `json:"support_email,omitempty" maxLength:"254"`
		SupportPhone     *string      `json:"support_phone,omitempty" maxLength:"30"`
		BrandColor       *string      `json:"brand_color,omitempty" maxLength:"7" doc:"#RRGGBB; \"\" removes it."`
	}
}) (*out[MerchantJSON], error) {
	b := in.Body
	p := app.UpdateMerchantParams{Name: b.Name, Timezone: b.Timezone, Locale: b.Locale, InvoicePrefix: b.InvoicePrefix,
		TrialEndBehavior: b.TrialEndBehavior, SystemFailure: b.SystemFailure, Email: b.Email, PortalURL: b.PortalURL, AlertEmail: b.AlertEmail,
		Profile: app.ProfileParams{LegalName: b.LegalName, TaxID: b.TaxID, Activity: b.Activity, Address: b.Address.address(),
			SupportEmail: b.SupportEmail, SupportPhone: b.SupportPhone, BrandColor: b.BrandColor},
		DefaultTaxRates: b.DefaultTaxRates, Mode: scopeOf(ctx).Mode}
	if d := b.Dunning; d != nil {
		p.Dunning = &app.DunningParams{Schedule: d.Schedule, MaxAttempts: d.MaxAttempts, FinalAction: d.FinalAction}
		if e := d.Exponential; e != nil {
			p.Dunning.Exponential = &app.ExponentialParams{Base: e.Base, Factor: e.Factor, Cap: e.Cap}
		}
	}
	m, err := h.app.Merchants.UpdateMerchant(ctx, scopeOf(ctx).MerchantID, p)
	if err != nil {
		return nil, err
	}
	return reply(withTaxDefaults(ctx, merchantJSON(m, h.app.Merchants.LogoURL(m)), m)), nil
}

// putLogo stores the merchant's logo from the raw request body; its
// content decides whether it is a PNG or an SVG.
func (h *accountHandlers) putLogo(ctx context.Context, in *struct {
	RawBody []byte `contentType:"image/png"`
}) (*out[MerchantJSON], error) {
	m, err := h.app.Merchants.SetMerchantLogo(ctx, scopeOf(ctx).MerchantID, in.RawBody)
	if err != nil {
		return nil, err
	}
	return reply(withTaxDefaults(ctx, merchantJSON(m, h.app.Merchants.LogoURL(m)), m)), nil
}

func (h *accountHandlers) deleteLogo(ctx context.Context, _ *struct{}) (*out[MerchantJSON], error) {
	m, err := h.app.Merchants.DeleteMerchantLogo(ctx, scopeOf(ctx).MerchantID)
	if err != nil {
		return nil, err
	}
	return reply(withTaxDefaults(ctx, merchantJSON(m, h.app.Merchants.LogoURL(m)), m)), nil
}

// --- events

func (h *accountHandlers) getEvent(ctx context.Context, in *IDPath) (*out[apiobj.EventJSON], error) {
	e, err := h.app.Notifications.GetEvent(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Event(e)), nil
}

func (h *accountHandlers) listEvents(ctx context.Context, in *struct {
	PageQuery
	Type   string `query:"type" maxLength:"100"`
	Object string `query:"object" maxLength:"100" doc:"Only events about this object id."`
}) (*out[ListJSON[apiobj.EventJSON]], error) {
	l, err := h.app.Notifications.ListEvents(ctx, scopeOf(ctx), billing.EventFilter{Type: in.Type, ObjectID: in.Object}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/events", l.Data, l.HasMore, apiobj.Event)), nil
}

// --- audit log

func (h *accountHandlers) listAuditLog(ctx context.Context, in *struct {
	Limit    int   `query:"limit" minimum:"1" maximum:"100"`
	AfterSeq int64 `query:"after_seq" minimum:"0" doc:"Return entries after this sequence number (the seq of the last entry of the previous page)."`
}) (*out[ListJSON[apiobj.AuditEntryJSON]], error) {
	l, err := h.app.Merchants.ListAuditEntries(ctx, scopeOf(ctx), in.AfterSeq, in.Limit)
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/audit_log", l.Data, l.HasMore, apiobj.AuditEntry)), nil
}

// withTaxDefaults adds to j the merchant's default tax rates of the
// caller's mode (a rate belongs to one mode).
func withTaxDefaults(ctx context.Context, j MerchantJSON, m billing.Merchant) MerchantJSON {
	j.DefaultTaxRates = apiobj.IDs(m.Settings.DefaultTaxRates[scopeOf(ctx).Mode])
	return j
}

package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// timeZones are the zones the profile form suggests (the field takes any
// IANA name): Chile's three first, then the Americas and a few others.
var timeZones = []string{"America/Santiago", "America/Punta_Arenas", "Pacific/Easter", "America/Argentina/Buenos_Aires",
	"America/Lima", "America/Bogota", "America/Mexico_City", "America/Sao_Paulo", "America/New_York", "America/Los_Angeles",
	"Europe/Madrid", "UTC"}

// profileView is the merchant's profile form: the merchant as saved, or
// the form as sent after an error.
type profileView struct {
	M       billing.Merchant
	Form    url.Values
	Zones   []string
	Locales []string
}

// Value is a field's value to show: the one sent when the form came back
// with an error, else the saved one.
func (v profileView) Value(name, saved string) string {
	if v.Form != nil {
		return v.Form.Get(name)
	}
	return saved
}

func (h configArea) profile(q *req) {
	notice := ""
	if q.r.URL.Query().Get("done") == "saved" {
		notice = q.l.Cfg.Saved
	}
	h.showProfile(q, http.StatusOK, "", notice, nil)
}

func (h configArea) showProfile(q *req, status int, errMsg, notice string, form url.Values) {
	d := q.data(q.l.Cfg.ProfileTitle, "settings")
	d.Sub, d.Error, d.Notice = "profile", errMsg, notice
	d.D = profileView{M: q.cs.Merchant, Form: form, Zones: timeZones, Locales: []string{"es-CL", "en"}}
	h.showStatus(q, "profile", status, d)
}

// saveProfile is the API's PATCH /v1/merchant with the profile's fields:
// a new time zone applies to periods computed from then on.
func (h configArea) saveProfile(q *req) {
	f := func(name string) *string { s := formValue(q, name); return &s }
	addr := billing.Address{Line1: formValue(q, "line1"), Line2: formValue(q, "line2"), District: formValue(q, "district"),
		City: formValue(q, "city"), State: formValue(q, "state"), Country: strings.ToUpper(formValue(q, "country"))}
	p := app.UpdateMerchantParams{Name: f("name"), Timezone: f("timezone"), Locale: f("locale"), AlertEmail: f("alert_email"),
		Profile: app.ProfileParams{LegalName: f("legal_name"), TaxID: f("tax_id"), Activity: f("activity"), Address: &addr,
			SupportEmail: f("support_email"), SupportPhone: f("support_phone")}}
	if _, err := h.app.Merchants.UpdateMerchant(q.ctx, q.cs.Merchant.ID, p); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showProfile(q, status, msg, "", q.r.PostForm) })
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/profile?done=saved", http.StatusSeeOther)
}

// dunningView is the dunning policy's form.
type dunningView struct {
	Exponential bool
	Schedule    string // "1d, 3d, 5d, 7d"
	Base, Cap   string
	Factor      string
	MaxAttempts string
	FinalAction string
	Actions     []string
}

// dunningForm fills the form from a saved policy.
func dunningForm(p billing.DunningPolicy) dunningView {
	v := dunningView{FinalAction: p.FinalAction, Actions: []string{billing.PolicyCancel, billing.PolicyUnpaid, billing.PolicyLeavePastDue}}
	if p.MaxAttempts > 0 {
		v.MaxAttempts = strconv.Itoa(p.MaxAttempts)
	}
	steps := make([]string, len(p.Schedule))
	for i, d := range p.Schedule {
		steps[i] = billing.FormatDelay(d)
	}
	v.Schedule = strings.Join(steps, ", ")
	if e := p.Exponential; e != nil {
		v.Exponential, v.Base, v.Cap, v.Factor = true, billing.FormatDelay(e.Base), billing.FormatDelay(e.Cap), strconv.FormatInt(e.Factor, 10)
	}
	return v
}

func (h configArea) dunning(q *req) {
	notice := ""
	if q.r.URL.Query().Get("done") == "saved" {
		notice = q.l.Cfg.Saved
	}
	h.showDunning(q, http.StatusOK, "", notice, dunningForm(q.cs.Merchant.Settings.Dunning))
}

func (h configArea) showDunning(q *req, status int, errMsg, notice string, v dunningView) {
	d := q.data(q.l.Cfg.DunningTitle, "settings")
	d.Sub, d.Error, d.Notice, d.D = "dunning", errMsg, notice, v
	h.showStatus(q, "dunning", status, d)
}

// saveDunning is the API's PATCH /v1/merchant with a dunning policy: a
// list of waits or an exponential backoff, the most attempts, and what
// happens when they run out.
func (h configArea) saveDunning(q *req) {
	sent := dunningView{Exponential: formValue(q, "kind") == "exponential", Schedule: formValue(q, "schedule"),
		Base: formValue(q, "base"), Cap: formValue(q, "cap"), Factor: formValue(q, "factor"),
		MaxAttempts: formValue(q, "max_attempts"), FinalAction: formValue(q, "final_action"),
		Actions: []string{billing.PolicyCancel, billing.PolicyUnpaid, billing.PolicyLeavePastDue}}
	redo := func(status int, msg string) { h.showDunning(q, status, msg, "", sent) }
	dp := &app.DunningParams{FinalAction: &sent.FinalAction}
	if sent.Exponential {
		factor, ok := smallNumber(sent.Factor, 2)
		if !ok {
			redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("dunning.exponential.factor", billing.CodeParameterInvalid, "")))
			return
		}
		dp.Exponential = &app.ExponentialParams{Base: sent.Base, Factor: factor, Cap: sent.Cap}
	} else {
		dp.Schedule = []string{}
		for step := range strings.SplitSeq(sent.Schedule, ",") {
			if s := strings.TrimSpace(step); s != "" {
				dp.Schedule = append(dp.Schedule, s)
			}
		}
	}
	if sent.MaxAttempts != "" || sent.Exponential {
		n, ok := smallNumber(sent.MaxAttempts, 0)
		if !ok || n > billing.MaxDunningAttempts {
			redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("dunning.max_attempts", billing.CodeParameterInvalid, "")))
			return
		}
		attempts := int(n)
		dp.MaxAttempts = &attempts
	}
	if _, err := h.app.Merchants.UpdateMerchant(q.ctx, q.cs.Merchant.ID, app.UpdateMerchantParams{Dunning: dp}); err != nil {
		h.formFailed(q, err, redo)
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/dunning?done=saved", http.StatusSeeOther)
}

// gatewaysView is the gateways page of the session's mode.
type gatewaysView struct {
	Configs  map[string]app.GatewayConfigView
	Gateways []string // the gateways a merchant configures here
	Live     bool
	Loc      *time.Location
}

func (h configArea) gateways(q *req) {
	notice := ""
	switch q.r.URL.Query().Get("done") {
	case "saved":
		notice = q.l.Cfg.GatewaySaved
	case "deleted":
		notice = q.l.Cfg.GatewayDeleted
	}
	h.showGateways(q, http.StatusOK, "", notice)
}

func (h configArea) showGateways(q *req, status int, errMsg, notice string) {
	cfgs, err := h.app.Merchants.ListGatewayConfigs(q.ctx, q.scope())
	if err != nil {
		h.fail(q, err)
		return
	}
	view := gatewaysView{Configs: map[string]app.GatewayConfigView{}, Gateways: []string{billing.GatewayFlow, billing.GatewayStripe}, Live: q.cs.Session.Mode == billing.ModeLive, Loc: merchantLoc(q)}
	for _, c := range cfgs {
		view.Configs[c.Gateway] = c
	}
	d := q.data(q.l.Cfg.GatewaysTitle, "settings")
	d.Sub, d.Error, d.Notice, d.D = "gateways", errMsg, notice, view
	h.showStatus(q, "gateways", status, d)
}

// saveGateway is the API's PUT /v1/merchant/gateways/{gateway} in the
// session's mode: the gateway checks the credentials, then they are sealed
// at rest; the page shows them masked from then on.
func (h configArea) saveGateway(q *req) {
	gw := q.r.PathValue("gateway")
	if gw != billing.GatewayFlow && gw != billing.GatewayStripe {
		h.fail(q, billing.NotFound("gateway", gw))
		return
	}
	c := billing.GatewayCredentials{APIKey: formValue(q, "api_key"), Secret: formValue(q, "secret"),
		WebhookSecret: formValue(q, "webhook_secret"), Environment: formValue(q, "environment")}
	if _, err := h.app.Merchants.SetGatewayConfig(q.ctx, q.scope(), gw, c); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showGateways(q, status, msg, "") })
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/gateways?done=saved", http.StatusSeeOther)
}

func (h configArea) deleteGateway(q *req) {
	gw := q.r.PathValue("gateway")
	if gw != billing.GatewayFlow && gw != billing.GatewayStripe {
		h.fail(q, billing.NotFound("gateway", gw))
		return
	}
	if err := h.app.Merchants.DeleteGatewayConfig(q.ctx, q.scope(), gw); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showGateways(q, status, msg, "") })
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/gateways?done=deleted", http.StatusSeeOther)
}

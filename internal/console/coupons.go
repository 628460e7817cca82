package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// couponsView is the coupons and promotion codes page.
type couponsView struct {
	Coupons    []billing.Coupon
	Codes      []promoRow
	Names      map[string]string // coupon id → what the page calls it
	Loc        *time.Location
	Currencies []string
	Form       url.Values // a create form after an error
	FormOf     string     // which: "coupon" or "code"
}

// promoRow is a promotion code with its coupon's name.
type promoRow struct {
	Code   billing.PromotionCode
	Coupon string
}

func (h configArea) coupons(q *req) { h.showCoupons(q, http.StatusOK, "", "", nil) }

func (h configArea) showCoupons(q *req, status int, errMsg, formOf string, form url.Values) {
	coupons, err := h.app.Catalog.ListCoupons(q.ctx, q.scope(), billing.Page{Limit: 100})
	if err != nil {
		h.fail(q, err)
		return
	}
	codes, err := h.app.Catalog.ListPromotionCodes(q.ctx, q.scope(), billing.PromotionCodeFilter{}, billing.Page{Limit: 100})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := couponsView{Coupons: coupons.Data, Names: map[string]string{}, Loc: merchantLoc(q), Currencies: priceCurrencies,
		Form: form, FormOf: formOf}
	for _, c := range coupons.Data {
		view.Names[c.ID] = couponLabel(q.l, c)
	}
	for _, pc := range codes.Data {
		name, ok := view.Names[pc.CouponID]
		if !ok { // an older coupon than the page lists
			c, err := h.app.Catalog.GetCoupon(q.ctx, q.scope(), pc.CouponID)
			if err != nil {
				h.fail(q, err)
				return
			}
			name = couponLabel(q.l, c)
		}
		view.Codes = append(view.Codes, promoRow{Code: pc, Coupon: name})
	}
	d := q.data(q.l.Cfg.CouponsTitle, "catalog")
	d.Sub, d.Error, d.D = "coupons", errMsg, view
	switch q.r.URL.Query().Get("done") {
	case "coupon":
		d.Notice = q.l.Cfg.CouponCreated
	case "code":
		d.Notice = q.l.Cfg.CodeCreated
	case "saved":
		d.Notice = q.l.Cfg.Saved
	case "archived":
		d.Notice = q.l.Cfg.CodeOff
	case "restored":
		d.Notice = q.l.Cfg.CodeOn
	}
	h.showStatus(q, "coupons", status, d)
}

// couponLabel is how the pages name a coupon: its name, else its
// discount ("10 %", "$5.000").
func couponLabel(l *lang, c billing.Coupon) string {
	if c.Name != "" {
		return c.Name
	}
	return discount(l, c)
}

// discount is a coupon's discount in l: "12,5 %" or "$5.000".
func discount(l *lang, c billing.Coupon) string {
	if c.AmountOff > 0 {
		return fmtMoney(l, c.AmountOff, c.Currency)
	}
	s := strconv.FormatInt(c.PercentOffBP/100, 10)
	if frac := c.PercentOffBP % 100; frac != 0 {
		dec := ","
		if l == english {
			dec = "."
		}
		s += dec + strings.TrimRight(strconv.FormatInt(100+frac, 10)[1:], "0")
	}
	if l == english {
		return s + "%"
	}
	return s + " %"
}

// couponDuration says how long a coupon's discount lasts, in l.
func couponDuration(l *lang, c billing.Coupon) string {
	switch c.Duration {
	case billing.DurationForever:
		return l.Cfg.DurForever
	case billing.DurationRepeating:
		return strings.ReplaceAll(l.Cfg.DurMonths, "%d", strconv.FormatInt(c.DurationInMonths, 10))
	}
	return l.Cfg.DurOnce
}

// createCoupon makes a coupon: a percentage (up to two decimals, "12,5")
// or an amount typed in major units of its currency.
func (h configArea) createCoupon(q *req) {
	redo := func(status int, msg string) { h.showCoupons(q, status, msg, "coupon", q.r.PostForm) }
	p := app.CreateCouponParams{Name: formValue(q, "name"), Duration: formValue(q, "duration")}
	value := formValue(q, "value")
	if formValue(q, "kind") == "amount" {
		currency, ok := money.NormalizeCurrency(formValue(q, "currency"))
		if !ok {
			redo(http.StatusBadRequest, q.l.Cfg.BadCurrency)
			return
		}
		amount, ok := parseAmount(q.l, value, currency)
		if !ok {
			redo(http.StatusBadRequest, q.l.Cfg.BadAmount)
			return
		}
		p.AmountOff, p.Currency = &amount, currency
	} else {
		pct, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(strings.TrimSpace(value), ",", "."), "%"), 64)
		if err != nil {
			redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("percent_off", billing.CodeParameterInvalid, "")))
			return
		}
		p.PercentOff = &pct
	}
	if p.Duration == billing.DurationRepeating {
		months, ok := smallNumber(formValue(q, "months"), 0)
		if !ok {
			redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("duration_in_months", billing.CodeParameterInvalid, "")))
			return
		}
		p.DurationInMonths = months
	}
	limit, ok := smallNumber(formValue(q, "max_redemptions"), 0)
	if !ok {
		redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("max_redemptions", billing.CodeParameterInvalid, "")))
		return
	}
	p.MaxRedemptions = limit
	if p.RedeemBy, ok = lastDay(formValue(q, "redeem_by"), merchantLoc(q)); !ok {
		redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("redeem_by", billing.CodeParameterInvalid, "")))
		return
	}
	if _, err := h.app.Catalog.CreateCoupon(q.ctx, q.scope(), p); err != nil {
		h.formFailed(q, err, redo)
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/coupons?done=coupon", http.StatusSeeOther)
}

// renameCoupon changes a coupon's name, the one thing of it that may
// change.
func (h configArea) renameCoupon(q *req) {
	name := formValue(q, "name")
	if _, err := h.app.Catalog.UpdateCoupon(q.ctx, q.scope(), q.r.PathValue("id"), app.UpdateCouponParams{Name: &name}); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showCoupons(q, status, msg, "", nil) })
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/coupons?done=saved", http.StatusSeeOther)
}

func (h configArea) createPromotionCode(q *req) {
	redo := func(status int, msg string) { h.showCoupons(q, status, msg, "code", q.r.PostForm) }
	limit, ok := smallNumber(formValue(q, "max_redemptions"), 0)
	if !ok {
		redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("max_redemptions", billing.CodeParameterInvalid, "")))
		return
	}
	p := app.CreatePromotionCodeParams{Coupon: formValue(q, "coupon"), Code: formValue(q, "code"), MaxRedemptions: limit}
	if p.ExpiresAt, ok = lastDay(formValue(q, "expires_at"), merchantLoc(q)); !ok {
		redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("expires_at", billing.CodeParameterInvalid, "")))
		return
	}
	if _, err := h.app.Catalog.CreatePromotionCode(q.ctx, q.scope(), p); err != nil {
		h.formFailed(q, err, redo)
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/coupons?done=code", http.StatusSeeOther)
}

// setPromotionCodeActive turns a promotion code off (customers can no
// longer type it) or on again.
func (h configArea) setPromotionCodeActive(q *req) {
	active, done, ok := activeParam(q)
	if !ok {
		h.message(q.w, q.r, http.StatusBadRequest, q.l, q, q.l.BadForm, q.l.BadForm)
		return
	}
	if _, err := h.app.Catalog.UpdatePromotionCode(q.ctx, q.scope(), q.r.PathValue("id"), app.UpdatePromotionCodeParams{Active: &active}); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showCoupons(q, status, msg, "", nil) })
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/coupons?done="+done, http.StatusSeeOther)
}

// lastDay reads a date typed in a form ("2026-12-31", as date inputs send
// it) as the last day something may be used: the instant that day ends in
// the merchant's time zone (the next day's start). "" is no date.
func lastDay(s string, loc *time.Location) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return nil, false
	}
	end := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	return &end, true
}

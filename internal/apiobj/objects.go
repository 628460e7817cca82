package apiobj

import (
	"encoding/json"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// The API's JSON representations. Times are Unix seconds; amounts are
// integers of minor units with an ISO 4217 currency code.

// ProductJSON is a product as the API shows it.
type ProductJSON struct {
	ID          string           `json:"id"`
	Object      string           `json:"object" enum:"product"`
	Livemode    bool             `json:"livemode"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Features    map[string]int64 `json:"features"`
	// FeatureLabels are the features' display names per locale.
	FeatureLabels billing.FeatureLabels `json:"feature_labels" doc:"Display names of the features per locale: {\"es-CL\": {\"properties\": \"Propiedades\"}}."`
	Active        bool                  `json:"active"`
	Metadata      billing.Metadata      `json:"metadata"`
	Created       int64                 `json:"created"`
	Updated       int64                 `json:"updated"`
}

// Product renders a product.
func Product(p billing.Product) ProductJSON {
	return ProductJSON{ID: p.ID, Object: "product", Livemode: p.Scope.Mode.Livemode(), Name: p.Name,
		Description: p.Description, Features: p.Features, FeatureLabels: p.FeatureLabels, Active: p.Active, Metadata: p.Metadata,
		Created: p.Created.Unix(), Updated: p.Updated.Unix()}
}

// RecurringJSON is a recurring price's cycle.
type RecurringJSON struct {
	Interval      string `json:"interval" enum:"day,week,month,year"`
	IntervalCount int64  `json:"interval_count,omitempty" minimum:"1"`
}

// PriceJSON is a price as the API shows it.
type PriceJSON struct {
	ID              string           `json:"id"`
	Object          string           `json:"object" enum:"price"`
	Livemode        bool             `json:"livemode"`
	Product         string           `json:"product"`
	Nickname        string           `json:"nickname"`
	UnitAmount      int64            `json:"unit_amount"`
	Currency        string           `json:"currency"`
	Type            string           `json:"type" enum:"one_time,recurring"`
	Recurring       *RecurringJSON   `json:"recurring"`
	LookupKey       *string          `json:"lookup_key"`
	TrialPeriodDays int64            `json:"trial_period_days"`
	Active          bool             `json:"active"`
	TaxRates        []string         `json:"tax_rates" doc:"Tax rates of subscriptions to the price that set no default_tax_rates."`
	Metadata        billing.Metadata `json:"metadata"`
	Created         int64            `json:"created"`
	Updated         int64            `json:"updated"`
}

// Price renders a price.
func Price(p billing.Price) PriceJSON {
	out := PriceJSON{ID: p.ID, Object: "price", Livemode: p.Scope.Mode.Livemode(), Product: p.ProductID,
		Nickname: p.Nickname, UnitAmount: p.UnitAmount, Currency: p.Currency, Type: p.Type,
		TrialPeriodDays: p.TrialPeriodDays, Active: p.Active, TaxRates: IDs(p.TaxRates), Metadata: p.Metadata,
		Created: p.Created.Unix(), Updated: p.Updated.Unix()}
	if p.Recurring != nil {
		out.Recurring = &RecurringJSON{Interval: p.Recurring.Interval, IntervalCount: p.Recurring.IntervalCount}
	}
	if p.LookupKey != "" {
		out.LookupKey = &p.LookupKey
	}
	return out
}

// CustomerJSON is a customer as the API shows it.
type CustomerJSON struct {
	ID         string  `json:"id"`
	Object     string  `json:"object" enum:"customer"`
	Livemode   bool    `json:"livemode"`
	Email      string  `json:"email"`
	Name       string  `json:"name"`
	ExternalID *string `json:"external_id"`
	Locale     string  `json:"locale"`
	// PreferredLocales is Locale as Stripe's list ([] when none).
	PreferredLocales []string         `json:"preferred_locales"`
	LegalName        *string          `json:"legal_name"`
	Activity         *string          `json:"activity" doc:"The customer's business activity (giro); with a cl_rut tax id and a legal name it makes the customer's Chilean tax documents facturas."`
	Address          *billing.Address `json:"address"`
	TaxIDs           []billing.TaxID  `json:"tax_ids"`
	TestClock        *string          `json:"test_clock"`
	TaxExempt        string           `json:"tax_exempt" enum:"none,exempt" doc:"An exempt customer's invoices carry no tax."`
	Balance          int64            `json:"balance" doc:"Negative: credit the customer's next invoices use; positive: owed, added to the next invoice."`
	Currency         *string          `json:"currency" doc:"The balance's currency; null until it first moves."`
	Metadata         billing.Metadata `json:"metadata"`
	Created          int64            `json:"created"`
	Updated          int64            `json:"updated"`
}

// Customer renders a customer.
func Customer(c billing.Customer) CustomerJSON {
	out := CustomerJSON{ID: c.ID, Object: "customer", Livemode: c.Scope.Mode.Livemode(), Email: c.Email,
		Name: c.Name, Locale: c.Locale, TaxExempt: billing.TaxExemptOf(c), Balance: c.Balance, Currency: NonEmpty(c.Currency),
		Metadata: c.Metadata, Created: c.Created.Unix(), Updated: c.Updated.Unix(),
		PreferredLocales: []string{}, LegalName: NonEmpty(c.TaxProfile.LegalName),
		Activity: NonEmpty(c.TaxProfile.Activity), TaxIDs: c.TaxProfile.TaxIDs}
	if c.Locale != "" {
		out.PreferredLocales = []string{c.Locale}
	}
	if !c.TaxProfile.Address.IsZero() {
		out.Address = &c.TaxProfile.Address
	}
	if out.TaxIDs == nil {
		out.TaxIDs = []billing.TaxID{}
	}
	if c.ExternalID != "" {
		out.ExternalID = &c.ExternalID
	}
	if c.TestClockID != "" {
		out.TestClock = &c.TestClockID
	}
	return out
}

// CouponJSON is a coupon as the API shows it.
type CouponJSON struct {
	ID               string           `json:"id"`
	Object           string           `json:"object" enum:"coupon"`
	Livemode         bool             `json:"livemode"`
	Name             string           `json:"name"`
	PercentOff       *float64         `json:"percent_off"`
	AmountOff        *int64           `json:"amount_off"`
	Currency         *string          `json:"currency"`
	Duration         string           `json:"duration" enum:"once,repeating,forever"`
	DurationInMonths *int64           `json:"duration_in_months"`
	MaxRedemptions   *int64           `json:"max_redemptions"`
	RedeemBy         *int64           `json:"redeem_by"`
	TimesRedeemed    int64            `json:"times_redeemed"`
	Valid            bool             `json:"valid"`
	Metadata         billing.Metadata `json:"metadata"`
	Created          int64            `json:"created"`
	Updated          int64            `json:"updated"`
}

// Coupon renders a coupon; valid depends on now (a coupon past redeem_by is no longer valid).
func Coupon(c billing.Coupon, now time.Time) CouponJSON {
	out := CouponJSON{ID: c.ID, Object: "coupon", Livemode: c.Scope.Mode.Livemode(), Name: c.Name,
		Duration: c.Duration, TimesRedeemed: c.TimesRedeemed, Valid: c.Valid(now), Metadata: c.Metadata,
		Created: c.Created.Unix(), Updated: c.Updated.Unix()}
	if c.PercentOffBP > 0 {
		p := float64(c.PercentOffBP) / 100
		out.PercentOff = &p
	} else {
		out.AmountOff, out.Currency = &c.AmountOff, &c.Currency
	}
	if c.Duration == billing.DurationRepeating {
		out.DurationInMonths = &c.DurationInMonths
	}
	out.MaxRedemptions = Positive(c.MaxRedemptions)
	out.RedeemBy = UnixPtr(c.RedeemBy)
	return out
}

// PromotionCodeJSON is a promotion code as the API shows it.
type PromotionCodeJSON struct {
	ID             string           `json:"id"`
	Object         string           `json:"object" enum:"promotion_code"`
	Livemode       bool             `json:"livemode"`
	Coupon         string           `json:"coupon"`
	Code           string           `json:"code"`
	Active         bool             `json:"active"`
	MaxRedemptions *int64           `json:"max_redemptions"`
	ExpiresAt      *int64           `json:"expires_at"`
	TimesRedeemed  int64            `json:"times_redeemed"`
	Metadata       billing.Metadata `json:"metadata"`
	Created        int64            `json:"created"`
	Updated        int64            `json:"updated"`
}

// PromotionCode renders a promotion code.
func PromotionCode(p billing.PromotionCode) PromotionCodeJSON {
	return PromotionCodeJSON{ID: p.ID, Object: "promotion_code", Livemode: p.Scope.Mode.Livemode(),
		Coupon: p.CouponID, Code: p.Code, Active: p.Active, MaxRedemptions: Positive(p.MaxRedemptions),
		ExpiresAt: UnixPtr(p.ExpiresAt), TimesRedeemed: p.TimesRedeemed, Metadata: p.Metadata,
		Created: p.Created.Unix(), Updated: p.Updated.Unix()}
}

// AuditEntryJSON is an audit log entry as the API shows it.
type AuditEntryJSON struct {
	ID         string          `json:"id"`
	Object     string          `json:"object" enum:"audit_entry"`
	Seq        int64           `json:"seq"`
	Livemode   bool            `json:"livemode"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	RequestID  string          `json:"request_id"`
	ClientIP   string          `json:"client_ip"`
	Created    int64           `json:"created"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// AuditEntry renders an audit log entry.
func AuditEntry(e billing.AuditEntry) AuditEntryJSON {
	return AuditEntryJSON{ID: e.ID, Object: "audit_entry", Seq: e.Seq, Livemode: e.Mode.Livemode(), Actor: e.Actor,
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Before: e.Before, After: e.After,
		RequestID: e.RequestID, ClientIP: e.ClientIP, Created: e.Created.Unix(), PrevHash: e.PrevHash, Hash: e.Hash}
}

// Positive is n, or nil (JSON null) when n is not positive: the API shows "no limit" as null.
func Positive(n int64) *int64 {
	if n <= 0 {
		return nil
	}
	return &n
}

// UnixPtr is t in Unix seconds, or nil (JSON null) when t is nil.
func UnixPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	u := t.Unix()
	return &u
}

package billing

import (
	"encoding/json"
	"time"
)

// Mode separates test data from live data. Every object belongs to exactly
// one merchant and one mode.
type Mode string

// The two modes.
const (
	ModeTest Mode = "test"
	ModeLive Mode = "live"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ModeTest || m == ModeLive }

// Livemode reports whether m is live, as the API's `livemode` field says.
func (m Mode) Livemode() bool { return m == ModeLive }

// Scope is the merchant and mode an API caller acts in. Every read and write
// of a scoped object goes through one: another scope's object is not found.
type Scope struct {
	MerchantID string `json:"merchant_id"`
	Mode       Mode   `json:"mode"`
}

// Metadata is a merchant's free-form string map attached to an object.
type Metadata map[string]string

// Merchant is a business that sells through cuota.
type Merchant struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	Timezone      string           `json:"timezone"` // IANA name, e.g. America/Santiago
	Locale        string           `json:"locale"`   // BCP 47, e.g. es-CL
	InvoicePrefix string           `json:"invoice_prefix"`
	Settings      MerchantSettings `json:"settings"`
	// Profile is the merchant's legal identity and brand, shown to its
	// customers.
	Profile MerchantProfile `json:"profile"`
	// LinkKey signs the merchant's long-lived hosted links (an invoice's
	// pay page); never shown.
	LinkKey string    `json:"-"`
	Created time.Time `json:"created"`
}

// APIKey authenticates a merchant's backend in one mode. Only the SHA-256
// hash of the secret is kept; the secret is shown once at creation.
type APIKey struct {
	ID         string     `json:"id"`
	MerchantID string     `json:"merchant_id"`
	Mode       Mode       `json:"mode"`
	Hash       string     `json:"-"`        // hex SHA-256 of the whole key
	Redacted   string     `json:"redacted"` // e.g. sk_test_…a1b2, safe to display
	Created    time.Time  `json:"created"`
	LastUsed   *time.Time `json:"last_used"`
	Revoked    *time.Time `json:"revoked"`
}

// Product is something a merchant sells. Features are its entitlements, e.g.
// {"properties": 5, "featured": 1}; plan changes compare them.
type Product struct {
	ID          string           `json:"id"`
	Scope       Scope            `json:"scope"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Features    map[string]int64 `json:"features"`
	// FeatureLabels names the features for customers, per locale:
	// {"es-CL": {"properties": "Propiedades"}, "en": {...}}. Features keep
	// their keys for entitlements; pages show FeatureLabel instead.
	FeatureLabels FeatureLabels `json:"feature_labels"`
	Active        bool          `json:"active"`
	Metadata      Metadata      `json:"metadata"`
	Created       time.Time     `json:"created"`
	Updated       time.Time     `json:"updated"`
}

// Price types.
const (
	PriceOneTime   = "one_time"
	PriceRecurring = "recurring"
)

// Recurring intervals.
const (
	IntervalDay   = "day"
	IntervalWeek  = "week"
	IntervalMonth = "month"
	IntervalYear  = "year"
)

// Recurring is how often a recurring price bills.
type Recurring struct {
	Interval      string `json:"interval"`
	IntervalCount int64  `json:"interval_count"`
}

// Price is an amount in minor units of Currency for a Product, charged once
// or every Recurring interval. Amount, currency and recurrence are immutable.
type Price struct {
	ID              string     `json:"id"`
	Scope           Scope      `json:"scope"`
	ProductID       string     `json:"product_id"`
	Nickname        string     `json:"nickname"`
	UnitAmount      int64      `json:"unit_amount"` // minor units: CLP 5000 is $5.000, USD 5000 is $50.00
	Currency        string     `json:"currency"`    // ISO 4217, upper case
	Type            string     `json:"type"`        // PriceOneTime or PriceRecurring
	Recurring       *Recurring `json:"recurring"`
	LookupKey       string     `json:"lookup_key"` // unique per scope when not empty
	TrialPeriodDays int64      `json:"trial_period_days"`
	Active          bool       `json:"active"`
	// TaxRates are the ids of the tax rates of subscriptions to the price
	// that set none of their own (ResolveTaxRates).
	TaxRates []string  `json:"tax_rates"`
	Metadata Metadata  `json:"metadata"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// Customer is a merchant's customer. ExternalID (the merchant's own id) is
// unique per scope among customers that are not deleted, when not empty.
type Customer struct {
	ID          string `json:"id"`
	Scope       Scope  `json:"scope"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	ExternalID  string `json:"external_id"`
	Locale      string `json:"locale"`
	TestClockID string `json:"test_clock_id"` // test mode only; fixed at creation
	// TaxExempt is TaxExemptNone or TaxExemptExempt; an exempt customer's
	// invoices carry no tax (ComputeInvoiceTax). "" reads as none.
	TaxExempt string `json:"tax_exempt"`
	// Balance is what the customer holds (negative = credit its next
	// invoices use) in Currency ("" until it first moves). It lives in
	// the customer's balance transactions; the app fills it in on reads.
	Balance  int64  `json:"balance"`
	Currency string `json:"currency"`
	// TaxProfile is who the customer's documents are made out to.
	TaxProfile CustomerTaxProfile `json:"tax_profile"`
	Metadata   Metadata           `json:"metadata"`
	Created    time.Time          `json:"created"`
	Updated    time.Time          `json:"updated"`
	// Deleted is when the customer was deleted (nil while it is not). A
	// deleted customer is kept for what refers to it but is gone from the
	// API: nothing new can be made for it.
	Deleted *time.Time `json:"deleted,omitempty"`
}

// Coupon durations.
const (
	DurationOnce      = "once"
	DurationRepeating = "repeating"
	DurationForever   = "forever"
)

// Coupon is a discount: PercentOffBP (basis points, 1250 = 12.5 %) or
// AmountOff in minor units of Currency, never both.
type Coupon struct {
	ID               string     `json:"id"`
	Scope            Scope      `json:"scope"`
	Name             string     `json:"name"`
	PercentOffBP     int64      `json:"percent_off_bp"`
	AmountOff        int64      `json:"amount_off"`
	Currency         string     `json:"currency"`
	Duration         string     `json:"duration"`
	DurationInMonths int64      `json:"duration_in_months"`
	MaxRedemptions   int64      `json:"max_redemptions"` // 0 = unlimited
	RedeemBy         *time.Time `json:"redeem_by"`
	TimesRedeemed    int64      `json:"times_redeemed"`
	Metadata         Metadata   `json:"metadata"`
	Created          time.Time  `json:"created"`
	Updated          time.Time  `json:"updated"`
}

// Valid reports whether the coupon can still be redeemed at now.
func (c Coupon) Valid(now time.Time) bool {
	if c.MaxRedemptions > 0 && c.TimesRedeemed >= c.MaxRedemptions {
		return false
	}
	return c.RedeemBy == nil || now.Before(*c.RedeemBy)
}

// PromotionCode is a customer-facing code for a Coupon. Code is unique per
// scope, compared case-insensitively (stored upper case).
type PromotionCode struct {
	ID             string     `json:"id"`
	Scope          Scope      `json:"scope"`
	CouponID       string     `json:"coupon_id"`
	Code           string     `json:"code"`
	Active         bool       `json:"active"`
	MaxRedemptions int64      `json:"max_redemptions"` // 0 = unlimited
	ExpiresAt      *time.Time `json:"expires_at"`
	TimesRedeemed  int64      `json:"times_redeemed"`
	Metadata       Metadata   `json:"metadata"`
	Created        time.Time  `json:"created"`
	Updated        time.Time  `json:"updated"`
}

// AuditEntry records one mutation. A request's transaction writes it
// unsealed (Seq 0, no hashes); the sealer then chains a merchant's committed
// entries in commit order: Hash covers PrevHash and every other field (see
// AuditSealHash), so editing or deleting an entry breaks the chain from
// that entry on.
type AuditEntry struct {
	ID         string          `json:"id"`
	MerchantID string          `json:"merchant_id"`
	Seq        int64           `json:"seq"` // 1, 2, 3… per merchant; 0 until sealed
	Mode       Mode            `json:"mode"`
	Actor      string          `json:"actor"`  // e.g. "api_key:key_…", "cli", "system"
	Action     string          `json:"action"` // e.g. "product.create"
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Before     json.RawMessage `json:"before"` // null on create
	After      json.RawMessage `json:"after"`  // null on delete
	RequestID  string          `json:"request_id"`
	ClientIP   string          `json:"client_ip"`
	Created    time.Time       `json:"created"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
	// Seal says how Hash was made: SealHMAC, SealUnkeyed, or "" for an
	// entry sealed before migration 00017 (plain AuditHash) or not sealed
	// yet (Seq 0).
	Seal string `json:"seal"`
}

// IdempotencyRecord remembers the response to a POST made with an
// Idempotency-Key, so that a retry replays it instead of acting twice.
type IdempotencyRecord struct {
	Scope          Scope     `json:"scope"`
	Key            string    `json:"key"`
	RequestHash    string    `json:"request_hash"` // hex SHA-256 of method, path and body
	Completed      bool      `json:"completed"`    // false while the first request is still running
	ResponseStatus int       `json:"response_status"`
	ResponseBody   []byte    `json:"response_body"`
	Created        time.Time `json:"created"`
}

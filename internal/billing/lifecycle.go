package billing

import (
	"encoding/json"
	"strconv"
	"time"
)

// More object id prefixes, for the subscription lifecycle.
const (
	PrefixTestClock     = "clock_"
	PrefixPaymentMethod = "pm_"
	PrefixSetup         = "pmsetup_"
	PrefixSubscription  = "sub_"
	PrefixSubItem       = "si_"
	PrefixInvoice       = "in_"
	PrefixInvoiceLine   = "il_"
	PrefixPayment       = "pay_"
	PrefixRefund        = "re_"
	PrefixEvent         = "evt_"
	PrefixSetupSecret   = "pmss_"
)

// TestClock is a frozen time that test-mode customers can live on. Advancing
// it runs every piece of work due for those customers, in time order, so
// months of billing take milliseconds. Real time and test clocks never mix:
// the real-time sweep ignores subscriptions on a clock.
type TestClock struct {
	ID         string    `json:"id"`
	Scope      Scope     `json:"scope"`
	Name       string    `json:"name"`
	FrozenTime time.Time `json:"frozen_time"`
	Status     string    `json:"status"` // TestClockReady or TestClockAdvancing
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	// AdvanceTarget is the time the running advance was asked to reach
	// (nil when ready): an advance whose process died is resumed to it.
	AdvanceTarget *time.Time `json:"advance_target,omitempty"`
}

// Test clock statuses.
const (
	TestClockReady     = "ready"
	TestClockAdvancing = "advancing"
)

// Setup statuses.
const (
	SetupPending   = "pending"
	SetupSucceeded = "succeeded"
	SetupFailed    = "failed"
	SetupExpired   = "expired"
)

// PaymentMethodSetup is a round trip that saves a card: the customer goes
// to the gateway's card page (or the sim's) and comes back to ReturnURL;
// cuota verifies the result with the gateway, never trusting the redirect.
// SecretHash is the hash of the secret in the page's URL.
type PaymentMethodSetup struct {
	ID              string    `json:"id"`
	Scope           Scope     `json:"scope"`
	CustomerID      string    `json:"customer_id"`
	Gateway         string    `json:"gateway"`
	ReturnURL       string    `json:"return_url"`
	SecretHash      string    `json:"-"`
	GatewayRef      string    `json:"-"` // the gateway's id of the setup (Flow's register token)
	Status          string    `json:"status"`
	PaymentMethodID string    `json:"payment_method_id"`
	FailureMessage  string    `json:"failure_message"`
	ExpiresAt       time.Time `json:"expires_at"`
	Created         time.Time `json:"created"`
	Updated         time.Time `json:"updated"`
}

// PaymentMethod is a saved way to pay: a gateway's token, never card data.
type PaymentMethod struct {
	ID         string    `json:"id"`
	Scope      Scope     `json:"scope"`
	CustomerID string    `json:"customer_id"`
	Gateway    string    `json:"gateway"` // "sim", "flow", "stripe"
	Token      string    `json:"-"`       // the gateway's reference; not shown
	Brand      string    `json:"brand"`
	Last4      string    `json:"last4"`
	ExpMonth   int64     `json:"exp_month"`
	ExpYear    int64     `json:"exp_year"`
	Status     string    `json:"status"` // PaymentMethodActive or PaymentMethodDetached
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
}

// Payment method statuses.
const (
	PaymentMethodActive   = "active"
	PaymentMethodDetached = "detached"
)

// SubscriptionItem is one price on a subscription, with the amount copied
// from the price when the item was added (prices are immutable, but the copy
// keeps an invoice computable from the subscription alone).
type SubscriptionItem struct {
	ID        string `json:"id"`
	PriceID   string `json:"price_id"`
	ProductID string `json:"product_id"`
	// ProductName is the product's name when the item was set: what the
	// item's invoice lines are called (LineText), carried here so that a
	// renewal names it without reading the catalog.
	ProductName string `json:"product_name,omitempty"`
	Quantity    int64  `json:"quantity"`
	UnitAmount  int64  `json:"unit_amount"`
	// Currency is CurrencyUF for an item of a UF price, whose UnitAmount
	// is in 1/10000 UF and is converted when invoiced; "" for an item in
	// the subscription's currency.
	Currency string `json:"currency,omitempty"`
	// TaxRates tax the item's lines: fixed when the item is set, from the
	// subscription's default rates, else the price's, else the merchant's
	// default (ResolveTaxRates).
	TaxRates []AppliedTaxRate `json:"tax_rates,omitempty"`
}

// PendingChange is a change of items scheduled for the end of the current
// period (a downgrade, by default).
type PendingChange struct {
	Items       []SubscriptionItem `json:"items"`
	EffectiveAt time.Time          `json:"effective_at"`
}

// Subscription is a customer's recurring purchase. Its periods are computed
// from BillingAnchor and the cycle index (PeriodBoundary), never chained.
// NextActionAt is the earliest time something is due (trial end, renewal,
// retry, scheduled cancel); the sweeps select on it.
type Subscription struct {
	ID                 string             `json:"id"`
	Scope              Scope              `json:"scope"`
	Version            int64              `json:"version"` // bumped by every update; updates check it
	CustomerID         string             `json:"customer_id"`
	TestClockID        string             `json:"test_clock_id"`
	Status             SubscriptionStatus `json:"status"`
	Items              []SubscriptionItem `json:"items"`
	Currency           string             `json:"currency"`
	Recurring          Recurring          `json:"recurring"`
	PaymentMethodID    string             `json:"payment_method_id"`
	BillingAnchor      time.Time          `json:"billing_anchor"`
	CycleIndex         int64              `json:"cycle_index"` // current period is [boundary(n-1), boundary(n)); 0 while trialing
	CurrentPeriodStart time.Time          `json:"current_period_start"`
	CurrentPeriodEnd   time.Time          `json:"current_period_end"`
	TrialStart         *time.Time         `json:"trial_start"`
	TrialEnd           *time.Time         `json:"trial_end"`
	TrialWillEndSent   bool               `json:"trial_will_end_sent"`
	CancelAtPeriodEnd  bool               `json:"cancel_at_period_end"`
	CancelAt           *time.Time         `json:"cancel_at"`
	CanceledAt         *time.Time         `json:"canceled_at"`
	CancellationReason CancellationReason `json:"cancellation_reason"`
	EndedAt            *time.Time         `json:"ended_at"`
	MaxCycles          int64              `json:"max_cycles"` // 0 = unlimited
	EndDate            *time.Time         `json:"end_date"`
	PendingChange      *PendingChange     `json:"pending_change"`
	PendingLines       []InvoiceLine      `json:"pending_lines"` // prorations for the next invoice
	// DefaultTaxRates are the ids of the tax rates that take precedence
	// over the prices' and the merchant's for every item
	// (ResolveTaxRates).
	DefaultTaxRates []string   `json:"default_tax_rates"`
	CouponID        string     `json:"coupon_id"`
	PromotionCodeID string     `json:"promotion_code_id"` // the code that brought the coupon, if any
	DiscountEnd     *time.Time `json:"discount_end"`      // repeating coupons stop applying at this time
	DiscountUsed    bool       `json:"discount_used"`     // a once coupon was applied
	NextActionAt    *time.Time `json:"next_action_at"`
	Metadata        Metadata   `json:"metadata"`
	Created         time.Time  `json:"created"`
	Updated         time.Time  `json:"updated"`
	// CancellationFeedback and CancellationComment are what the customer
	// said when canceling (cancellation_details); cleared on reactivation.
	CancellationFeedback CancellationFeedback `json:"cancellation_feedback"`
	CancellationComment  string               `json:"cancellation_comment"`
}

// Invoice statuses (docs/architecture.md, "Status machines").
const (
	InvoiceDraft         InvoiceStatus = "draft"
	InvoiceOpen          InvoiceStatus = "open"
	InvoicePaid          InvoiceStatus = "paid"
	InvoiceVoid          InvoiceStatus = "void"
	InvoiceUncollectible InvoiceStatus = "uncollectible"
)

// Invoice billing reasons.
const (
	ReasonSubscriptionCreate = "subscription_create"
	ReasonSubscriptionCycle  = "subscription_cycle"
	ReasonSubscriptionUpdate = "subscription_update"
	ReasonManual             = "manual"
)

// Invoice line types.
const (
	LineSubscription = "subscription"
	LineProration    = "proration"
	LineDiscount     = "discount"
	LineOneOff       = "one_off"
	LineTax          = "tax"
)

// InvoiceLine is one line of an invoice. Amount is in minor units; credits
// and discounts are negative.
type InvoiceLine struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Description string    `json:"description"`
	PriceID     string    `json:"price_id,omitempty"`
	Quantity    int64     `json:"quantity"`
	Amount      int64     `json:"amount"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	// TaxRates are the rates that tax the line (ComputeInvoiceTax), as
	// they were when the line was made.
	TaxRates []AppliedTaxRate `json:"tax_rates,omitempty"`
	// UF is set on a line of a UF price (docs/uf.md): the UF it charges
	// and the value it was converted at; Amount is then in pesos.
	UF *LineUF `json:"uf,omitempty"`
}

// Invoice is what a customer owes. Its Number is assigned, gapless per
// merchant and mode, when it is finalized (draft → open). One subscription
// period is invoiced at most once: (SubscriptionID, PeriodStart) is unique
// for cycle invoices.
type Invoice struct {
	ID             string        `json:"id"`
	Scope          Scope         `json:"scope"`
	CustomerID     string        `json:"customer_id"`
	SubscriptionID string        `json:"subscription_id"`
	Number         string        `json:"number"`
	Status         InvoiceStatus `json:"status"`
	BillingReason  string        `json:"billing_reason"`
	Currency       string        `json:"currency"`
	PeriodStart    time.Time     `json:"period_start"`
	PeriodEnd      time.Time     `json:"period_end"`
	Lines          []InvoiceLine `json:"lines"`
	Subtotal       int64         `json:"subtotal"`
	Discount       int64         `json:"discount"` // positive: how much the discount took off
	Tax            int64         `json:"tax"`      // every rate's tax, inclusive and exclusive
	// TaxAmounts is the tax per rate (ComputeInvoiceTax), written when
	// the invoice is priced.
	TaxAmounts []TaxAmount `json:"tax_amounts"`
	Total      int64       `json:"total"`
	AmountDue  int64       `json:"amount_due"`
	// StartingBalance is the customer's balance when the invoice was
	// finalized (negative = credit) and EndingBalance what it left
	// (ApplyBalance); both 0 when it used none.
	StartingBalance int64      `json:"starting_balance"`
	EndingBalance   int64      `json:"ending_balance"`
	AmountPaid      int64      `json:"amount_paid"`
	AttemptCount    int64      `json:"attempt_count"`
	NextAttemptAt   *time.Time `json:"next_attempt_at"`
	FinalizedAt     *time.Time `json:"finalized_at"`
	PaidAt          *time.Time `json:"paid_at"`
	VoidedAt        *time.Time `json:"voided_at"`
	// Collection is how an invoice without a subscription is collected:
	// CollectionChargeAutomatically (its PaymentMethodID is charged when it
	// is finalized) or CollectionSendInvoice (the customer is sent a link to
	// pay it by DueDate). Subscription invoices charge the subscription's.
	// "" means charge_automatically (see CollectionOf); stores read the
	// default back as "".
	Collection      string     `json:"collection"`
	DueDate         *time.Time `json:"due_date"`
	PaymentMethodID string     `json:"payment_method_id"`
	// HostedURL is the customer's page to see and pay the invoice (filled
	// in when read through the app; never stored).
	HostedURL string `json:"hosted_invoice_url,omitempty"`
	// TaxDocument is the invoice's Chilean electronic tax document, the
	// emission that stands (filled in when read through the app; never
	// stored with the invoice).
	TaxDocument *TaxDocument `json:"tax_document,omitempty"`
	// Waiting is why a draft is not finalized yet: the UF value of its
	// day (docs/uf.md). Filled in when one invoice is read through the
	// app; never stored with the invoice.
	Waiting *UFWait   `json:"waiting,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Invoice collection methods.
const (
	CollectionChargeAutomatically = "charge_automatically"
	CollectionSendInvoice         = "send_invoice"
)

// Payment statuses (docs/architecture.md, "Status machines"): pending →
// succeeded | failed | unknown; unknown → succeeded | failed only by
// reconciliation with the gateway.
const (
	PaymentPending   PaymentStatus = "pending"
	PaymentSucceeded PaymentStatus = "succeeded"
	PaymentFailed    PaymentStatus = "failed"
	PaymentUnknown   PaymentStatus = "unknown"
)

// Payment is one attempt to collect an invoice. It is written, with its
// deterministic IdempotencyKey, before the gateway is called.
type Payment struct {
	ID              string        `json:"id"`
	Scope           Scope         `json:"scope"`
	InvoiceID       string        `json:"invoice_id"`
	CustomerID      string        `json:"customer_id"`
	Attempt         int64         `json:"attempt"`
	Gateway         string        `json:"gateway"`
	PaymentMethodID string        `json:"payment_method_id"`
	Amount          int64         `json:"amount"`
	Currency        string        `json:"currency"`
	IdempotencyKey  string        `json:"idempotency_key"`
	GatewayRef      string        `json:"gateway_ref"`
	Status          PaymentStatus `json:"status"`
	FailureClass    FailureClass  `json:"failure_class"`
	FailureCode     string        `json:"failure_code"`
	FailureMessage  string        `json:"failure_message"`
	AmountRefunded  int64         `json:"amount_refunded"`
	// NextActionURL is where the customer's browser completes the payment:
	// a gateway's pay page, or its authentication page for a charge that
	// needs the customer (SCA). Empty when nothing waits for the customer.
	NextActionURL string `json:"next_action_url"`
	// ReturnURL is where the customer's browser goes once a pay-page
	// payment is settled (the invoice's page, or a checkout's return).
	ReturnURL string    `json:"-"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

// PaymentIdempotencyKey is the key of an invoice's nth payment attempt, the
// same on every retry of that attempt (docs/architecture.md, "Charging exactly
// once").
func PaymentIdempotencyKey(invoiceID string, attempt int64) string {
	return invoiceID + "-" + strconv.FormatInt(attempt, 10)
}

// Refund statuses.
const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
)

// Refund returns money of a payment. The sum of a payment's refunds never
// exceeds what it collected.
type Refund struct {
	ID         string       `json:"id"`
	Scope      Scope        `json:"scope"`
	PaymentID  string       `json:"payment_id"`
	Amount     int64        `json:"amount"`
	Currency   string       `json:"currency"`
	Status     RefundStatus `json:"status"`
	Reason     string       `json:"reason"`
	GatewayRef string       `json:"gateway_ref"`
	// Tax is the part of Amount that returns tax, and TaxAmounts its
	// split per rate (RefundTax), fixed when the refund is made.
	Tax        int64       `json:"tax"`
	TaxAmounts []TaxAmount `json:"tax_amounts"`
	Created    time.Time   `json:"created"`
	Updated    time.Time   `json:"updated"`
}

// Event records a state change, written in the same transaction as the
// change. Data is a snapshot of the object after the change.
type Event struct {
	ID         string          `json:"id"`
	Scope      Scope           `json:"scope"`
	Type       string          `json:"type"` // e.g. customer.subscription.created, invoice.paid
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Data       json.RawMessage `json:"data"`
	// Previous is the object before the change, encoded like Data, on
	// *.updated events (empty on others): the API renders from it the
	// event's previous_attributes, so a receiver sees what changed.
	Previous json.RawMessage `json:"previous,omitempty"`
	Created  time.Time       `json:"created"`
}

// MerchantSettings are a merchant's billing policies.
type MerchantSettings struct {
	Dunning       DunningPolicy        `json:"dunning"`
	Transition    TransitionPolicy     `json:"transition"`
	Notifications NotificationSettings `json:"notifications"`
	// DefaultTaxRates are, per mode (a rate belongs to one mode), the ids
	// of the tax rates of subscription items whose subscription and price
	// set none (ResolveTaxRates).
	DefaultTaxRates map[Mode][]string `json:"default_tax_rates,omitempty"`
}

// DefaultMerchantSettings are the policies of a new merchant.
func DefaultMerchantSettings() MerchantSettings {
	return MerchantSettings{Dunning: DefaultDunningPolicy(), Transition: DefaultTransitionPolicy()}
}

// CollectionOf is inv's collection method, charge_automatically when it
// was never set (every subscription invoice).
func CollectionOf(inv Invoice) string {
	if inv.Collection == "" {
		return CollectionChargeAutomatically
	}
	return inv.Collection
}

// CollectionFromStore is the Collection field of an invoice whose stored
// collection method is stored: the default reads back as "".
func CollectionFromStore(stored string) string {
	if stored == CollectionChargeAutomatically {
		return ""
	}
	return stored
}

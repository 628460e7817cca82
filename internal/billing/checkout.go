package billing

import "time"

// Object id prefixes of the hosted pages. Checkout and portal session ids
// name their mode, like Stripe's, so a link shows at a glance which mode
// it belongs to.
const (
	PrefixCheckoutSessionTest = "cs_test_"
	PrefixCheckoutSessionLive = "cs_live_"
	PrefixPortalSession       = "bps_"
	PrefixPublishableKeyTest  = "pk_test_"
	PrefixPublishableKeyLive  = "pk_live_"
	PrefixHostedSecret        = "hps_" // the secret in a hosted page's link
)

// CheckoutSessionPrefix is the id prefix of checkout sessions in mode m.
func CheckoutSessionPrefix(m Mode) string {
	if m == ModeLive {
		return PrefixCheckoutSessionLive
	}
	return PrefixCheckoutSessionTest
}

// PublishableKeyPrefix is the prefix of publishable keys in mode m.
func PublishableKeyPrefix(m Mode) string {
	if m == ModeLive {
		return PrefixPublishableKeyLive
	}
	return PrefixPublishableKeyTest
}

// Checkout session modes: what the customer comes to do.
const (
	CheckoutModeSubscription = "subscription" // start a subscription
	CheckoutModeSetup        = "setup"        // save a card for later
	CheckoutModePayment      = "payment"      // pay once (not available yet)
)

// Checkout session statuses.
const (
	CheckoutOpen     = "open"
	CheckoutComplete = "complete"
	CheckoutExpired  = "expired"
)

// CheckoutLineItem is one price a checkout sells.
type CheckoutLineItem struct {
	PriceID  string `json:"price"`
	Quantity int64  `json:"quantity"`
}

// CheckoutSession is a hosted checkout: the customer gives an email (when
// the merchant did not name a customer), saves a card on the gateway's
// page and comes back; cuota then creates the subscription (or, in setup
// mode, keeps the card) and sends the browser to SuccessURL.
//
// SecretHash is the hash of the secret in the page's link. SetupID is the
// card setup under way; a return from the gateway consumes it once
// (Version guards the claim), so a double return cannot subscribe twice.
type CheckoutSession struct {
	ID                  string             `json:"id"`
	Scope               Scope              `json:"scope"`
	Version             int64              `json:"version"`
	Mode                string             `json:"mode"`
	Status              string             `json:"status"`
	CustomerID          string             `json:"customer_id"`
	CustomerEmail       string             `json:"customer_email"`
	LineItems           []CheckoutLineItem `json:"line_items"`
	SuccessURL          string             `json:"success_url"`
	CancelURL           string             `json:"cancel_url"`
	AllowPromotionCodes bool               `json:"allow_promotion_codes"`
	TrialPeriodDays     *int64             `json:"trial_period_days"`
	Locale              string             `json:"locale"`
	Gateway             string             `json:"gateway"` // the merchant's choice; "" lets the customer pick
	PromotionCode       string             `json:"promotion_code"`
	SecretHash          string             `json:"-"`
	SetupID             string             `json:"setup_id"`
	PaymentMethodID     string             `json:"payment_method_id"`
	SubscriptionID      string             `json:"subscription_id"`
	InvoiceID           string             `json:"invoice_id"` // payment mode: the invoice the customer pays
	FailureMessage      string             `json:"failure_message"`
	PublishableKey      string             `json:"publishable_key"` // set when started from a pricing table
	ExpiresAt           time.Time          `json:"expires_at"`
	CompletedAt         *time.Time         `json:"completed_at"`
	Created             time.Time          `json:"created"`
	Updated             time.Time          `json:"updated"`
}

// EffectiveStatus is the session's status at now: an open session past
// its expiry is expired.
func (c CheckoutSession) EffectiveStatus(now time.Time) string {
	if c.Status == CheckoutOpen && !now.Before(c.ExpiresAt) {
		return CheckoutExpired
	}
	return c.Status
}

// PortalSession is a short-lived link to the customer portal.
type PortalSession struct {
	ID         string    `json:"id"`
	Scope      Scope     `json:"scope"`
	CustomerID string    `json:"customer_id"`
	ReturnURL  string    `json:"return_url"`
	SecretHash string    `json:"-"`
	ExpiresAt  time.Time `json:"expires_at"`
	Created    time.Time `json:"created"`
}

// PublishableKey identifies a merchant and mode in a web page (the pricing
// table). It is public by design: it can only show active prices and start
// checkouts. FormSecret signs the pricing page's forms (CSRF tokens) and is
// never shown. SuccessURL and CancelURL are where checkouts started from
// the pricing table end ("" = cuota's own pages).
type PublishableKey struct {
	ID         string     `json:"id"` // the key itself: pk_test_… or pk_live_…
	Scope      Scope      `json:"scope"`
	SuccessURL string     `json:"success_url"`
	CancelURL  string     `json:"cancel_url"`
	FormSecret string     `json:"-"`
	Revoked    *time.Time `json:"revoked"`
	Created    time.Time  `json:"created"`
}

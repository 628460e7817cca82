package apiobj

import "github.com/cuota/cuota/internal/billing"

// CheckoutLineItemJSON is one price a checkout sells.
type CheckoutLineItemJSON struct {
	Price    string `json:"price" maxLength:"100"`
	Quantity int64  `json:"quantity,omitempty" minimum:"1" maximum:"10000" doc:"Default 1."`
}

// CheckoutSessionJSON is a hosted checkout as the API shows it.
type CheckoutSessionJSON struct {
	ID                  string                 `json:"id"`
	Object              string                 `json:"object" enum:"checkout.session"`
	Livemode            bool                   `json:"livemode"`
	Mode                string                 `json:"mode" enum:"subscription,setup,payment"`
	Status              string                 `json:"status" enum:"open,complete,expired"`
	URL                 string                 `json:"url,omitempty" doc:"Where to send the customer's browser. Only in the response that creates the session: it holds a secret."`
	Customer            *string                `json:"customer" doc:"The customer: given at creation, or made from the email the customer typed."`
	CustomerEmail       *string                `json:"customer_email"`
	LineItems           []CheckoutLineItemJSON `json:"line_items" doc:"As the customer left them (the billing cycle they picked)."`
	SuccessURL          string                 `json:"success_url"`
	CancelURL           string                 `json:"cancel_url"`
	AllowPromotionCodes bool                   `json:"allow_promotion_codes"`
	TrialPeriodDays     *int64                 `json:"trial_period_days"`
	Locale              *string                `json:"locale"`
	Gateway             *string                `json:"gateway" doc:"The gateway the merchant required; null lets the customer pick."`
	PromotionCode       *string                `json:"promotion_code" doc:"The promotion code the customer applied."`
	Subscription        *string                `json:"subscription" doc:"The subscription created, once complete (subscription mode)."`
	PaymentMethod       *string                `json:"payment_method" doc:"The card saved, once complete (subscription and setup modes)."`
	Invoice             *string                `json:"invoice" doc:"Payment mode: the invoice the customer pays (made when they first submit the page); paid once complete."`
	LastFailure         *string                `json:"last_failure" doc:"Why the customer's last attempt did not complete (e.g. a declined card), while open."`
	ExpiresAt           int64                  `json:"expires_at"`
	CompletedAt         *int64                 `json:"completed_at"`
	Created             int64                  `json:"created"`
}

// CheckoutSession renders a checkout session (without its URL, which only its creation answer carries).
func CheckoutSession(cs billing.CheckoutSession) CheckoutSessionJSON {
	j := CheckoutSessionJSON{ID: cs.ID, Object: "checkout.session", Livemode: cs.Scope.Mode.Livemode(), Mode: cs.Mode,
		Status: cs.Status, Customer: NonEmpty(cs.CustomerID), CustomerEmail: NonEmpty(cs.CustomerEmail),
		LineItems: []CheckoutLineItemJSON{}, SuccessURL: cs.SuccessURL, CancelURL: cs.CancelURL,
		AllowPromotionCodes: cs.AllowPromotionCodes, TrialPeriodDays: cs.TrialPeriodDays, Locale: NonEmpty(cs.Locale),
		Gateway: NonEmpty(cs.Gateway), PromotionCode: NonEmpty(cs.PromotionCode), Subscription: NonEmpty(cs.SubscriptionID),
		PaymentMethod: NonEmpty(cs.PaymentMethodID), Invoice: NonEmpty(cs.InvoiceID), LastFailure: NonEmpty(cs.FailureMessage),
		ExpiresAt: cs.ExpiresAt.Unix(), CompletedAt: UnixPtr(cs.CompletedAt), Created: cs.Created.Unix()}
	for _, li := range cs.LineItems {
		j.LineItems = append(j.LineItems, CheckoutLineItemJSON{Price: li.PriceID, Quantity: li.Quantity})
	}
	return j
}

// RefundJSON is a refund as the API shows it.
type RefundJSON struct {
	ID       string  `json:"id"`
	Object   string  `json:"object" enum:"refund"`
	Livemode bool    `json:"livemode"`
	Payment  string  `json:"payment"`
	Amount   int64   `json:"amount"`
	Currency string  `json:"currency"`
	Status   string  `json:"status"`
	Reason   *string `json:"reason"`
	// Tax is the part of Amount that returns tax (docs/taxes.md).
	Tax        int64           `json:"tax"`
	TaxAmounts []TaxAmountJSON `json:"tax_amounts"`
	Created    int64           `json:"created"`
}

// Refund renders a refund.
func Refund(r billing.Refund) RefundJSON {
	return RefundJSON{ID: r.ID, Object: "refund", Livemode: r.Scope.Mode.Livemode(), Payment: r.PaymentID, Amount: r.Amount,
		Currency: r.Currency, Status: string(r.Status), Reason: NonEmpty(r.Reason), Tax: r.Tax,
		TaxAmounts: TaxAmounts(r.TaxAmounts), Created: r.Created.Unix()}
}

// PaymentMethodSetupJSON is a payment-method setup as the API shows it: a
// round trip in which the customer saves a card on a hosted page.
type PaymentMethodSetupJSON struct {
	ID             string  `json:"id"`
	Object         string  `json:"object" enum:"payment_method_setup"`
	Livemode       bool    `json:"livemode"`
	Customer       string  `json:"customer"`
	Gateway        string  `json:"gateway"`
	Status         string  `json:"status" enum:"pending,succeeded,failed,expired"`
	URL            string  `json:"url,omitempty" doc:"Where to send the customer's browser. Only in the response that creates the setup: it holds a secret."`
	ReturnURL      string  `json:"return_url"`
	PaymentMethod  *string `json:"payment_method" doc:"The payment method saved, once the setup succeeded."`
	FailureMessage *string `json:"failure_message" doc:"Why the setup failed."`
	ExpiresAt      int64   `json:"expires_at"`
	Created        int64   `json:"created"`
}

// PaymentMethodSetup renders a payment-method setup (without its URL, which only its creation answer carries).
func PaymentMethodSetup(st billing.PaymentMethodSetup) PaymentMethodSetupJSON {
	return PaymentMethodSetupJSON{ID: st.ID, Object: "payment_method_setup", Livemode: st.Scope.Mode.Livemode(),
		Customer: st.CustomerID, Gateway: st.Gateway, Status: st.Status, ReturnURL: st.ReturnURL,
		PaymentMethod: NonEmpty(st.PaymentMethodID), FailureMessage: NonEmpty(st.FailureMessage),
		ExpiresAt: st.ExpiresAt.Unix(), Created: st.Created.Unix()}
}

// WebhookEndpointJSON is a webhook endpoint as the API shows it. Secret is
// present only in the answers to create and rotate_secret.
type WebhookEndpointJSON struct {
	ID                      string           `json:"id"`
	Object                  string           `json:"object" enum:"webhook_endpoint"`
	Livemode                bool             `json:"livemode"`
	URL                     string           `json:"url"`
	Description             string           `json:"description"`
	EnabledEvents           []string         `json:"enabled_events"`
	Disabled                bool             `json:"disabled"`
	DisabledReason          *string          `json:"disabled_reason" enum:"merchant,failing" doc:"merchant: you disabled it; failing: cuota did, after 5 days of failed deliveries."`
	FailingSince            *int64           `json:"failing_since" doc:"First failure of the current run of failed attempts."`
	Secret                  string           `json:"secret,omitempty" doc:"The signing secret (whsec_…). Shown only when the endpoint is created and when its secret is rotated."`
	PreviousSecretExpiresAt *int64           `json:"previous_secret_expires_at" doc:"After a rotation, until when the previous secret signs too."`
	Metadata                billing.Metadata `json:"metadata"`
	Created                 int64            `json:"created"`
}

// WebhookEndpoint renders a webhook endpoint (without its secret, which only create and rotate_secret answers carry).
func WebhookEndpoint(e billing.WebhookEndpoint) WebhookEndpointJSON {
	out := WebhookEndpointJSON{ID: e.ID, Object: "webhook_endpoint", Livemode: e.Scope.Mode.Livemode(), URL: e.URL,
		Description: e.Description, EnabledEvents: e.EnabledEvents, Disabled: e.Disabled,
		DisabledReason: NonEmpty(e.DisabledReason), FailingSince: UnixPtr(e.FailingSince), Metadata: OrEmptyMeta(e.Metadata),
		Created: e.Created.Unix()}
	if out.EnabledEvents == nil {
		out.EnabledEvents = []string{}
	}
	if e.PreviousSecret != "" {
		out.PreviousSecretExpiresAt = UnixPtr(e.PreviousSecretExpires)
	}
	return out
}

// OrEmptyMeta is m, or an empty map, so that metadata shows as {} rather than null.
func OrEmptyMeta(m billing.Metadata) billing.Metadata {
	if m == nil {
		return billing.Metadata{}
	}
	return m
}

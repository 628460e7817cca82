package billing

import (
	"encoding/json"
	"time"
)

// Object id prefixes of outgoing notifications.
const (
	PrefixWebhookEndpoint = "we_"
	PrefixWebhookDelivery = "wd_"
	PrefixWebhookAttempt  = "wa_"
	PrefixEmail           = "em_"
)

// AllEvents in a webhook endpoint's enabled events subscribes it to every
// event type.
const AllEvents = "*"

// Why a webhook endpoint is disabled.
const (
	DisabledByMerchant = "merchant" // the merchant turned it off
	DisabledFailing    = "failing"  // cuota turned it off after days of failures
)

// WebhookEndpoint is a merchant's URL that receives signed events. Secret
// and PreviousSecret are stored as the app keeps them (sealed under
// CUOTA_SECRET_KEY, or plain in test mode on a server without one); they
// are never shown after creation or rotation. The previous secret keeps
// signing, alongside the current one, until PreviousSecretExpires.
type WebhookEndpoint struct {
	ID                    string     `json:"id"`
	Scope                 Scope      `json:"scope"`
	URL                   string     `json:"url"`
	Description           string     `json:"description"`
	EnabledEvents         []string   `json:"enabled_events"`
	Disabled              bool       `json:"disabled"`
	DisabledReason        string     `json:"disabled_reason"` // "" while enabled
	Secret                string     `json:"-"`
	PreviousSecret        string     `json:"-"`
	PreviousSecretExpires *time.Time `json:"previous_secret_expires"`
	// FailingSince is the first failed attempt of the current run of
	// failures (nil when the last attempt succeeded): the input of
	// billing.ShouldDisableEndpoint.
	FailingSince *time.Time `json:"failing_since"`
	Metadata     Metadata   `json:"metadata"`
	Created      time.Time  `json:"created"`
	Updated      time.Time  `json:"updated"`
}

// Receives reports whether the endpoint is subscribed to events of type
// typ (whether or not it is disabled).
func (e WebhookEndpoint) Receives(typ string) bool {
	for _, t := range e.EnabledEvents {
		if t == AllEvents || t == typ {
			return true
		}
	}
	return false
}

// Webhook delivery statuses.
const (
	DeliveryPending   = "pending"   // attempts are still to come
	DeliverySucceeded = "succeeded" // an attempt got a 2xx answer
	DeliveryFailed    = "failed"    // no attempt is left (or the endpoint was disabled)
)

// WebhookDelivery is one event to send to one endpoint: (EndpointID,
// EventID) is unique, so an event reaches an endpoint through one delivery
// however often the dispatcher sees it. Its attempts are WebhookAttempts.
type WebhookDelivery struct {
	ID            string     `json:"id"`
	Scope         Scope      `json:"scope"`
	EndpointID    string     `json:"endpoint_id"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	Status        string     `json:"status"`
	Attempts      int64      `json:"attempts"` // made so far, manual ones included
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	Created       time.Time  `json:"created"`
	Updated       time.Time  `json:"updated"`
}

// WebhookAttempt is one HTTP attempt at a delivery, as webhookout.Deliver
// reported it. Times are real time, never a test clock's.
type WebhookAttempt struct {
	ID              string    `json:"id"`
	Scope           Scope     `json:"scope"`
	DeliveryID      string    `json:"delivery_id"`
	Number          int64     `json:"number"` // 1 for the delivery's first attempt
	Manual          bool      `json:"manual"` // a redelivery the merchant asked for
	Succeeded       bool      `json:"succeeded"`
	StatusCode      int64     `json:"status_code"` // 0 without a response
	LatencyMS       int64     `json:"latency_ms"`
	ErrorKind       string    `json:"error_kind"` // a webhookout.ErrorKind; "" on success
	Error           string    `json:"error"`
	ResponseExcerpt string    `json:"response_excerpt"`
	Created         time.Time `json:"created"`
}

// Email templates (the names internal/mail knows them by).
const (
	EmailPaymentReceipt          = "payment_receipt"
	EmailPaymentFailed           = "payment_failed"
	EmailTrialEnding             = "trial_ending"
	EmailSubscriptionCanceled    = "subscription_canceled"
	EmailInvoiceToPay            = "invoice_to_pay"
	EmailWebhookEndpointDisabled = "webhook_endpoint_disabled"
	EmailCreditNote              = "credit_note"
	EmailAlertOpened             = "alert_opened"
)

// EmailTemplates lists every email template.
func EmailTemplates() []string {
	return []string{EmailPaymentReceipt, EmailPaymentFailed, EmailTrialEnding, EmailSubscriptionCanceled,
		EmailInvoiceToPay, EmailWebhookEndpointDisabled, EmailCreditNote, EmailAlertOpened, EmailAlertDigest, EmailPasswordReset}
}

// Email statuses.
const (
	EmailPending = "pending" // waiting for the send job (first try or a retry)
	EmailSent    = "sent"    // the SMTP server accepted it
	EmailFailed  = "failed"  // a permanent error, or no retry left
	EmailSkipped = "skipped" // recorded, not sent: no SMTP server, or nobody to send it to
)

// Email is one message cuota sends (or records) because of an event.
// (EventID, Template) is unique: an event causes each email once. Params
// holds template inputs the event does not carry (a pay link, a due date).
type Email struct {
	ID       string   `json:"id"`
	Scope    Scope    `json:"scope"`
	Template string   `json:"template"`
	Locale   string   `json:"locale"`
	To       []string `json:"to"`
	Subject  string   `json:"subject"` // set once rendered
	// TextBody and HTMLBody are the bodies exactly as rendered for sending
	// (set with Subject); "" for emails recorded before they were kept.
	TextBody   string          `json:"text_body"`
	HTMLBody   string          `json:"html_body"`
	CustomerID string          `json:"customer_id"`
	EventID    string          `json:"event_id"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Params     json.RawMessage `json:"params"`
	Status     string          `json:"status"`
	Attempts   int64           `json:"attempts"`
	LastError  string          `json:"last_error"`
	MessageID  string          `json:"message_id"`
	SentAt     *time.Time      `json:"sent_at"`
	Created    time.Time       `json:"created"`
	Updated    time.Time       `json:"updated"`
}

// NotificationSettings are where a merchant's own notifications go and what
// customers' emails link to.
type NotificationSettings struct {
	// Email receives notices meant for the merchant (a webhook endpoint
	// disabled).
	Email string `json:"email,omitempty"`
	// PortalURL is the merchant's page where customers manage billing
	// (update a card, see invoices); emails link to it.
	PortalURL string `json:"portal_url,omitempty"`
	// AlertEmail receives the email of each alert that opens
	// (docs/alerts.md); "" means the profile's support email.
	AlertEmail string `json:"alert_email,omitempty"`
}

// AlertAddress is where merchant m's alert emails go: its alert_email,
// else its profile's support email ("" when it has neither).
func AlertAddress(m Merchant) string {
	if e := m.Settings.Notifications.AlertEmail; e != "" {
		return e
	}
	return m.Profile.SupportEmail
}

// CreatedAfter reports whether the object with id a was made after the one
// with id b, both made by NewID (whatever their prefixes): ids of one
// process share one strictly increasing sequence, and ids of different
// processes compare by their millisecond.
func CreatedAfter(a, b string) bool {
	return idSuffix(a) > idSuffix(b)
}

// idSuffix is the 26-character time-and-random part of an id.
func idSuffix(id string) string {
	if len(id) < 26 {
		return id
	}
	return id[len(id)-26:]
}

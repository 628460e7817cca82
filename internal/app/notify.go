package app

import (
	"slices"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Outgoing notifications (docs/architecture.md, "Objects": WebhookEndpoint /
// Delivery; "Dunning": emails) work as an outbox. Every state change writes its
// event in its own transaction and nothing else; the dispatcher
// (DispatchNotifications, run by a periodic job) reads each scope's new events
// past a stored cursor and, in one transaction per batch, creates a delivery
// per subscribed webhook endpoint and the emails the event calls for, each with
// its job. A delivery is unique per (endpoint, event) and an email per (event,
// template), so an event is never sent twice however often it is read.
//
// The files: notify.go (dependencies, options, job arguments, event types),
// webhooks.go (endpoint use cases), dispatch.go (the dispatcher),
// delivery.go (one delivery attempt), emails.go (the email log and the send
// job), invoicepdf.go (an invoice as a PDF).

// notifyDeps is what outgoing webhooks and emails need.
type notifyDeps struct {
	webhooks WebhookOptions
	email    emailDeps
}

// WebhookOptions tune webhook delivery. The zero value is production's:
// the Webhooks port's 10 s timeout and billing's rules (12 attempts over
// about 67 hours, endpoints disabled after 5 days of failures).
type WebhookOptions struct {
	// Timeout bounds one attempt; 0 means the Webhooks port's default.
	Timeout time.Duration
	// RetryDelays replaces billing.NextWebhookAttempt's schedule: element k-1 is the wait
	// after failed attempt k, and there are len+1 attempts in all. For
	// tests, which cannot wait hours.
	RetryDelays []time.Duration
	// DisableAfter replaces billing.WebhookDisableAfter. For tests.
	DisableAfter time.Duration
	// AlertAfter replaces billing.WebhookFailingAlertAfter, how long an
	// endpoint fails before its alert opens. For tests.
	AlertAfter time.Duration
}

// nextWebhookAttempt is when to retry a delivery whose attempt number
// attempt (counted from 1) failed at now, and false when it was the last.
func (a *Notifications) nextWebhookAttempt(attempt int, now time.Time) (time.Time, bool) {
	if delays := a.notify.webhooks.RetryDelays; delays != nil {
		return billing.NextWebhookAttemptOn(delays, attempt, now)
	}
	return billing.NextWebhookAttempt(attempt, now)
}

// NextWebhookAttempt is the retry schedule of delivery jobs: when to make
// the attempt after attempt number attempt failed at now (zero when none
// is left).
func (a *Notifications) NextWebhookAttempt(attempt int, now time.Time) time.Time {
	t, ok := a.nextWebhookAttempt(attempt, now)
	if !ok {
		return time.Time{}
	}
	return t
}

// shouldDisable applies billing.ShouldDisableEndpoint (or the test
// override).
func (a *Notifications) shouldDisable(failingSince, now time.Time) bool {
	if d := a.notify.webhooks.DisableAfter; d > 0 {
		return billing.ShouldDisableEndpointAfter(failingSince, now, d)
	}
	return billing.ShouldDisableEndpoint(failingSince, now)
}

// DeliverWebhookArgs asks for one attempt at a webhook delivery (and, when
// it fails and is not Manual, for the next on the retry schedule).
type DeliverWebhookArgs struct {
	MerchantID string       `json:"merchant_id"`
	Mode       billing.Mode `json:"mode"`
	DeliveryID string       `json:"delivery_id"`
	// Manual marks a redelivery the merchant asked for: one attempt, never
	// retried, made whatever the delivery's status.
	Manual bool `json:"manual,omitempty"`
}

// Kind implements billing.Job (and River's JobArgs).
func (DeliverWebhookArgs) Kind() string { return "deliver_webhook" }

// SendEmailArgs asks for an email to be rendered and sent.
type SendEmailArgs struct {
	MerchantID string       `json:"merchant_id"`
	Mode       billing.Mode `json:"mode"`
	EmailID    string       `json:"email_id"`
}

// Kind implements billing.Job (and River's JobArgs).
func (SendEmailArgs) Kind() string { return "send_email" }

// Event types of outgoing notifications.
const (
	// EventWebhookEndpointDisabled is written when cuota disables an
	// endpoint that kept failing; the merchant is emailed about it.
	EventWebhookEndpointDisabled = "webhook_endpoint.disabled"
	// EventInvoiceSent is written by SendInvoiceEmail when an invoice is
	// sent to the customer to pay by hand.
	EventInvoiceSent = "invoice.sent"
)

// webhookEventTypes is every event type cuota writes, in the order the
// README lists them. Endpoints subscribe to these (or to "*"); a type that
// is not here is refused, so a typo does not silently receive nothing.
// Add each new event type here.
var webhookEventTypes = []string{
	EventCustomerCreated, EventCustomerUpdated, EventCustomerDeleted,
	EventSubscriptionCreated, EventSubscriptionUpdated, EventSubscriptionDeleted, EventSubscriptionTrialWillEnd,
	EventInvoiceCreated, EventInvoiceFinalized, EventInvoicePaid, EventInvoicePaymentFailed, EventInvoiceVoided,
	EventInvoiceUncollectible, EventInvoiceSent, EventInvoiceTaxDocumentIssued, EventInvoiceTaxDocumentRejected,
	EventPaymentCreated, EventPaymentSucceeded, EventPaymentFailed, EventPaymentUnknown,
	EventPaymentMethodAttached,
	"payment_method_setup." + billing.SetupSucceeded, "payment_method_setup." + billing.SetupFailed,
	"refund." + string(billing.RefundPending), "refund." + string(billing.RefundSucceeded), "refund." + string(billing.RefundFailed),
	EventWebhookEndpointDisabled, EventCheckoutSessionCompleted, EventChargeDisputeCreated,
	EventCreditNoteCreated, EventCreditNoteVoided,
	EventAlertOpened, EventAlertResolved,
}

// WebhookEventTypes returns every event type an endpoint can subscribe to.
func WebhookEventTypes() []string { return slices.Clone(webhookEventTypes) }

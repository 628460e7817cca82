package billing

import (
	"context"
	"time"
)

// DeliveryFilter narrows ListWebhookDeliveries. Zero fields do not filter.
type DeliveryFilter struct {
	EventID string
}

// EmailFilter narrows ListEmails. Zero fields do not filter.
type EmailFilter struct {
	CustomerID string
	Template   string
}

// NotifyTx is the storage of outgoing notifications: webhook endpoints,
// their deliveries and attempts, emails, and the dispatcher's position in
// each scope's events. The contract of Tx applies: ErrNotFound for missing
// rows (other scopes' included), *ErrUniqueViolation for broken unique
// constraints, lists newest first by id.
type NotifyTx interface {
	CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error
	GetWebhookEndpoint(ctx context.Context, s Scope, id string) (WebhookEndpoint, error)
	// LockWebhookEndpoint is GetWebhookEndpoint that also locks the row
	// until the transaction ends, so that its read-modify-write (an update
	// by the merchant, the record of a delivery attempt) is not lost to a
	// concurrent one.
	LockWebhookEndpoint(ctx context.Context, s Scope, id string) (WebhookEndpoint, error)
	// UpdateWebhookEndpoint writes every mutable field: URL, description,
	// enabled events, disabled and its reason, both secrets and the
	// previous one's expiry, failing since, metadata, updated.
	UpdateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error
	// DeleteWebhookEndpoint removes an endpoint with its deliveries and
	// their attempts.
	DeleteWebhookEndpoint(ctx context.Context, s Scope, id string) error
	ListWebhookEndpoints(ctx context.Context, s Scope, page Page) ([]WebhookEndpoint, bool, error)
	// CountWebhookEndpoints counts a scope's endpoints.
	CountWebhookEndpoints(ctx context.Context, s Scope) (int64, error)

	// InsertWebhookDelivery inserts d unless its endpoint already has a
	// delivery of d's event; it reports whether it inserted.
	InsertWebhookDelivery(ctx context.Context, d WebhookDelivery) (bool, error)
	GetWebhookDelivery(ctx context.Context, s Scope, id string) (WebhookDelivery, error)
	// UpdateWebhookDelivery writes status, attempts, next and last attempt
	// times and updated.
	UpdateWebhookDelivery(ctx context.Context, d WebhookDelivery) error
	// ListWebhookDeliveries lists one endpoint's deliveries, newest first.
	ListWebhookDeliveries(ctx context.Context, s Scope, endpointID string, f DeliveryFilter, page Page) ([]WebhookDelivery, bool, error)
	CreateWebhookAttempt(ctx context.Context, a WebhookAttempt) error
	// ListWebhookAttempts returns the attempts of the given deliveries of
	// scope s, oldest first.
	ListWebhookAttempts(ctx context.Context, s Scope, deliveryIDs []string) ([]WebhookAttempt, error)

	// InsertEmail inserts e unless an email of e's template already exists
	// for e's event; it reports whether it inserted.
	InsertEmail(ctx context.Context, e Email) (bool, error)
	GetEmail(ctx context.Context, s Scope, id string) (Email, error)
	// UpdateEmail writes locale, recipients, subject, status, attempts,
	// last error, message id, sent at and updated.
	UpdateEmail(ctx context.Context, e Email) error
	ListEmails(ctx context.Context, s Scope, f EmailFilter, page Page) ([]Email, bool, error)

	// LockNotifyCursor locks scope s's dispatch cursor until the
	// transaction ends (creating it at time at, at the start of the
	// scope's events, if the scope has none) and returns its position.
	LockNotifyCursor(ctx context.Context, s Scope, at time.Time) (string, error)
	// GetNotifyCursor returns scope s's cursor position without locking
	// it ("" when the scope has no cursor yet).
	GetNotifyCursor(ctx context.Context, s Scope) (string, error)
	// SetNotifyCursor moves scope s's cursor to position.
	SetNotifyCursor(ctx context.Context, s Scope, position string, at time.Time) error
	// EventsAfter returns up to limit of scope s's events past position, in
	// dispatch order, and the position after the last one (position itself
	// when there are none). Positions are opaque to callers ("" is the
	// start). The store guarantees that no event can later appear before a
	// position it returned: an event of a transaction still running when
	// the events are read is left for a later call, together with every
	// event that must follow it.
	EventsAfter(ctx context.Context, s Scope, position string, limit int) ([]Event, string, error)
}

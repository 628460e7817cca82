package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/eventsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/opsdb"
)

// notifyTx is the billing.NotifyTx of one transaction.
type notifyTx struct{ *base }

var _ billing.NotifyTx = notifyTx{}

// Webhook endpoints.

// CreateWebhookEndpoint inserts e.
func (t notifyTx) CreateWebhookEndpoint(ctx context.Context, e billing.WebhookEndpoint) error {
	events, metadata, err := endpointJSON(e)
	if err != nil {
		return fmt.Errorf("create webhook endpoint %s: %w", e.ID, err)
	}
	err = t.ops.CreateWebhookEndpoint(ctx, opsdb.CreateWebhookEndpointParams{
		ID: e.ID, MerchantID: e.Scope.MerchantID, Mode: string(e.Scope.Mode), Url: e.URL, Description: e.Description,
		EnabledEvents: events, Disabled: e.Disabled, DisabledReason: e.DisabledReason, Secret: e.Secret,
		PreviousSecret: e.PreviousSecret, PreviousSecretExpires: nullMicros(e.PreviousSecretExpires),
		FailingSince: nullMicros(e.FailingSince), Metadata: metadata, Created: micros(e.Created), Updated: micros(e.Updated),
	})
	if err != nil {
		return dbError(err, "create webhook endpoint %s", e.ID)
	}
	return nil
}

// GetWebhookEndpoint returns the endpoint with id in scope s.
func (t notifyTx) GetWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error) {
	row, err := t.ops.GetWebhookEndpoint(ctx, opsdb.GetWebhookEndpointParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.WebhookEndpoint{}, dbError(err, "get webhook endpoint %s", id)
	}
	return endpointFromRow(row)
}

// LockWebhookEndpoint returns the endpoint with id in scope s. The
// transaction already holds SQLite's only write lock (BEGIN IMMEDIATE), so
// no other transaction can change the row before it ends.
func (t notifyTx) LockWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error) {
	return t.GetWebhookEndpoint(ctx, s, id)
}

// UpdateWebhookEndpoint writes e's mutable fields.
func (t notifyTx) UpdateWebhookEndpoint(ctx context.Context, e billing.WebhookEndpoint) error {
	events, metadata, err := endpointJSON(e)
	if err != nil {
		return fmt.Errorf("update webhook endpoint %s: %w", e.ID, err)
	}
	n, err := t.ops.UpdateWebhookEndpoint(ctx, opsdb.UpdateWebhookEndpointParams{
		Url: e.URL, Description: e.Description, EnabledEvents: events, Disabled: e.Disabled,
		DisabledReason: e.DisabledReason, Secret: e.Secret, PreviousSecret: e.PreviousSecret,
		PreviousSecretExpires: nullMicros(e.PreviousSecretExpires), FailingSince: nullMicros(e.FailingSince),
		Metadata: metadata, Updated: micros(e.Updated), MerchantID: e.Scope.MerchantID, Mode: string(e.Scope.Mode), ID: e.ID,
	})
	return notFoundIfNone(n, err, "update webhook endpoint %s", e.ID)
}

// DeleteWebhookEndpoint removes an endpoint; its deliveries and attempts
// go with it (ON DELETE CASCADE).
func (t notifyTx) DeleteWebhookEndpoint(ctx context.Context, s billing.Scope, id string) error {
	n, err := t.ops.DeleteWebhookEndpoint(ctx, opsdb.DeleteWebhookEndpointParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	return notFoundIfNone(n, err, "delete webhook endpoint %s", id)
}

// ListWebhookEndpoints returns a page of s's endpoints, newest first.
func (t notifyTx) ListWebhookEndpoints(ctx context.Context, s billing.Scope, page billing.Page) ([]billing.WebhookEndpoint, bool, error) {
	rows, err := t.ops.ListWebhookEndpoints(ctx, opsdb.ListWebhookEndpointsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		StartingAfter: page.StartingAfter, RowLimit: rowLimit(page.Limit)})
	if err != nil {
		return nil, false, dbError(err, "list webhook endpoints")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, endpointFromRow)
	return out, more, err
}

// CountWebhookEndpoints counts s's endpoints.
func (t notifyTx) CountWebhookEndpoints(ctx context.Context, s billing.Scope) (int64, error) {
	n, err := t.ops.CountWebhookEndpoints(ctx, opsdb.CountWebhookEndpointsParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return 0, dbError(err, "count webhook endpoints")
	}
	return n, nil
}

func endpointJSON(e billing.WebhookEndpoint) (events, metadata string, err error) {
	list := e.EnabledEvents
	if list == nil {
		list = []string{}
	}
	if events, err = encodeJSON(list); err != nil {
		return "", "", fmt.Errorf("encode enabled events: %w", err)
	}
	if metadata, err = encodeMap(e.Metadata); err != nil {
		return "", "", fmt.Errorf("encode metadata: %w", err)
	}
	return events, metadata, nil
}

func endpointFromRow(r opsdb.WebhookEndpoint) (billing.WebhookEndpoint, error) {
	var events []string
	if err := json.Unmarshal([]byte(r.EnabledEvents), &events); err != nil {
		return billing.WebhookEndpoint{}, fmt.Errorf("webhook endpoint %s: decode enabled events: %w", r.ID, err)
	}
	metadata, err := decodeMap[string](r.Metadata)
	if err != nil {
		return billing.WebhookEndpoint{}, fmt.Errorf("webhook endpoint %s: decode metadata: %w", r.ID, err)
	}
	return billing.WebhookEndpoint{
		ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, URL: r.Url,
		Description: r.Description, EnabledEvents: events, Disabled: r.Disabled, DisabledReason: r.DisabledReason,
		Secret: r.Secret, PreviousSecret: r.PreviousSecret, PreviousSecretExpires: fromNullMicros(r.PreviousSecretExpires),
		FailingSince: fromNullMicros(r.FailingSince), Metadata: metadata, Created: fromMicros(r.Created), Updated: fromMicros(r.Updated),
	}, nil
}

// Deliveries and attempts.

// InsertWebhookDelivery inserts d unless its endpoint already has a
// delivery of its event.
func (t notifyTx) InsertWebhookDelivery(ctx context.Context, d billing.WebhookDelivery) (bool, error) {
	n, err := t.ops.InsertWebhookDelivery(ctx, opsdb.InsertWebhookDeliveryParams{
		ID: d.ID, MerchantID: d.Scope.MerchantID, Mode: string(d.Scope.Mode), EndpointID: d.EndpointID, EventID: d.EventID,
		EventType: d.EventType, Status: d.Status, Attempts: d.Attempts, NextAttemptAt: nullMicros(d.NextAttemptAt),
		LastAttemptAt: nullMicros(d.LastAttemptAt), Created: micros(d.Created), Updated: micros(d.Updated),
	})
	if err != nil {
		return false, dbError(err, "insert webhook delivery %s", d.ID)
	}
	return n > 0, nil
}

// GetWebhookDelivery returns the delivery with id in scope s.
func (t notifyTx) GetWebhookDelivery(ctx context.Context, s billing.Scope, id string) (billing.WebhookDelivery, error) {
	row, err := t.ops.GetWebhookDelivery(ctx, opsdb.GetWebhookDeliveryParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.WebhookDelivery{}, dbError(err, "get webhook delivery %s", id)
	}
	return deliveryFromRow(row), nil
}

// UpdateWebhookDelivery writes d's status, attempts and attempt times.
func (t notifyTx) UpdateWebhookDelivery(ctx context.Context, d billing.WebhookDelivery) error {
	n, err := t.ops.UpdateWebhookDelivery(ctx, opsdb.UpdateWebhookDeliveryParams{
		Status: d.Status, Attempts: d.Attempts, NextAttemptAt: nullMicros(d.NextAttemptAt), LastAttemptAt: nullMicros(d.LastAttemptAt),
		Updated: micros(d.Updated), MerchantID: d.Scope.MerchantID, Mode: string(d.Scope.Mode), ID: d.ID,
	})
	return notFoundIfNone(n, err, "update webhook delivery %s", d.ID)
}

// ListWebhookDeliveries returns a page of an endpoint's deliveries, newest
// first.
func (t notifyTx) ListWebhookDeliveries(ctx context.Context, s billing.Scope, endpointID string, f billing.DeliveryFilter, page billing.Page) ([]billing.WebhookDelivery, bool, error) {
	rows, err := t.ops.ListWebhookDeliveries(ctx, opsdb.ListWebhookDeliveriesParams{EndpointID: endpointID, MerchantID: s.MerchantID,
		Mode: string(s.Mode), EventID: f.EventID, StartingAfter: page.StartingAfter, RowLimit: rowLimit(page.Limit)})
	if err != nil {
		return nil, false, dbError(err, "list webhook deliveries")
	}
	rows, more := trimPage(rows, page.Limit)
	out := make([]billing.WebhookDelivery, 0, len(rows))
	for _, r := range rows {
		out = append(out, deliveryFromRow(r))
	}
	return out, more, nil
}

func deliveryFromRow(r opsdb.WebhookDelivery) billing.WebhookDelivery {
	return billing.WebhookDelivery{
		ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, EndpointID: r.EndpointID,
		EventID: r.EventID, EventType: r.EventType, Status: r.Status, Attempts: r.Attempts,
		NextAttemptAt: fromNullMicros(r.NextAttemptAt), LastAttemptAt: fromNullMicros(r.LastAttemptAt),
		Created: fromMicros(r.Created), Updated: fromMicros(r.Updated),
	}
}

// CreateWebhookAttempt inserts a.
func (t notifyTx) CreateWebhookAttempt(ctx context.Context, a billing.WebhookAttempt) error {
	err := t.ops.CreateWebhookAttempt(ctx, opsdb.CreateWebhookAttemptParams{
		ID: a.ID, MerchantID: a.Scope.MerchantID, Mode: string(a.Scope.Mode), DeliveryID: a.DeliveryID, Number: a.Number,
		Manual: a.Manual, Succeeded: a.Succeeded, StatusCode: a.StatusCode, LatencyMs: a.LatencyMS, ErrorKind: a.ErrorKind,
		Error: a.Error, ResponseExcerpt: a.ResponseExcerpt, Created: micros(a.Created),
	})
	if err != nil {
		return dbError(err, "create webhook attempt %s", a.ID)
	}
	return nil
}

// ListWebhookAttempts returns the attempts of the given deliveries, oldest
// first (grouped by delivery).
func (t notifyTx) ListWebhookAttempts(ctx context.Context, s billing.Scope, deliveryIDs []string) ([]billing.WebhookAttempt, error) {
	if len(deliveryIDs) == 0 {
		return []billing.WebhookAttempt{}, nil
	}
	rows, err := t.ops.ListWebhookAttempts(ctx, opsdb.ListWebhookAttemptsParams{DeliveryIds: deliveryIDs, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError(err, "list webhook attempts")
	}
	out := make([]billing.WebhookAttempt, 0, len(rows))
	for _, r := range rows {
		out = append(out, billing.WebhookAttempt{
			ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, DeliveryID: r.DeliveryID,
			Number: r.Number, Manual: r.Manual, Succeeded: r.Succeeded, StatusCode: r.StatusCode, LatencyMS: r.LatencyMs,
			ErrorKind: r.ErrorKind, Error: r.Error, ResponseExcerpt: r.ResponseExcerpt, Created: fromMicros(r.Created),
		})
	}
	return out, nil
}

// Emails.

// InsertEmail inserts e unless its event already has an email of its
// template.
func (t notifyTx) InsertEmail(ctx context.Context, e billing.Email) (bool, error) {
	to, params, err := emailJSON(e)
	if err != nil {
		return false, fmt.Errorf("insert email %s: %w", e.ID, err)
	}
	n, err := t.ops.InsertEmail(ctx, opsdb.InsertEmailParams{
		ID: e.ID, MerchantID: e.Scope.MerchantID, Mode: string(e.Scope.Mode), Template: e.Template, Locale: e.Locale,
		Recipients: to, Subject: e.Subject, TextBody: e.TextBody, HtmlBody: e.HTMLBody, CustomerID: e.CustomerID, EventID: e.EventID, ObjectType: e.ObjectType,
		ObjectID: e.ObjectID, Params: params, Status: e.Status, Attempts: e.Attempts, LastError: e.LastError,
		MessageID: e.MessageID, SentAt: nullMicros(e.SentAt), Created: micros(e.Created), Updated: micros(e.Updated),
	})
	if err != nil {
		return false, dbError(err, "insert email %s", e.ID)
	}
	return n > 0, nil
}

// GetEmail returns the email with id in scope s.
func (t notifyTx) GetEmail(ctx context.Context, s billing.Scope, id string) (billing.Email, error) {
	row, err := t.ops.GetEmail(ctx, opsdb.GetEmailParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Email{}, dbError(err, "get email %s", id)
	}
	return emailFromRow(row)
}

// UpdateEmail writes e's sending state.
func (t notifyTx) UpdateEmail(ctx context.Context, e billing.Email) error {
	to, _, err := emailJSON(e)
	if err != nil {
		return fmt.Errorf("update email %s: %w", e.ID, err)
	}
	n, err := t.ops.UpdateEmail(ctx, opsdb.UpdateEmailParams{
		Locale: e.Locale, Recipients: to, Subject: e.Subject, TextBody: e.TextBody, HtmlBody: e.HTMLBody, Status: e.Status, Attempts: e.Attempts, LastError: e.LastError,
		MessageID: e.MessageID, SentAt: nullMicros(e.SentAt), Updated: micros(e.Updated), MerchantID: e.Scope.MerchantID,
		Mode: string(e.Scope.Mode), ID: e.ID,
	})
	return notFoundIfNone(n, err, "update email %s", e.ID)
}

// ListEmails returns a page of s's emails, newest first.
func (t notifyTx) ListEmails(ctx context.Context, s billing.Scope, f billing.EmailFilter, page billing.Page) ([]billing.Email, bool, error) {
	rows, err := t.ops.ListEmails(ctx, opsdb.ListEmailsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), CustomerID: f.CustomerID,
		Template: f.Template, StartingAfter: page.StartingAfter, RowLimit: rowLimit(page.Limit)})
	if err != nil {
		return nil, false, dbError(err, "list emails")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, emailFromRow)
	return out, more, err
}

func emailJSON(e billing.Email) (to, params string, err error) {
	list := e.To
	if list == nil {
		list = []string{}
	}
	if to, err = encodeJSON(list); err != nil {
		return "", "", fmt.Errorf("encode recipients: %w", err)
	}
	params = string(e.Params)
	if len(e.Params) == 0 {
		params = "{}"
	}
	return to, params, nil
}

func emailFromRow(r opsdb.Email) (billing.Email, error) {
	var to []string
	if err := json.Unmarshal([]byte(r.Recipients), &to); err != nil {
		return billing.Email{}, fmt.Errorf("email %s: decode recipients: %w", r.ID, err)
	}
	return billing.Email{
		ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Template: r.Template,
		Locale: r.Locale, To: to, Subject: r.Subject, TextBody: r.TextBody, HTMLBody: r.HtmlBody, CustomerID: r.CustomerID, EventID: r.EventID, ObjectType: r.ObjectType,
		ObjectID: r.ObjectID, Params: json.RawMessage(r.Params), Status: r.Status, Attempts: r.Attempts, LastError: r.LastError,
		MessageID: r.MessageID, SentAt: fromNullMicros(r.SentAt), Created: fromMicros(r.Created), Updated: fromMicros(r.Updated),
	}, nil
}

// Dispatch cursor.

// LockNotifyCursor returns scope s's cursor position, creating the cursor
// at the start if missing. The transaction already holds SQLite's only
// write lock (BEGIN IMMEDIATE), so no other dispatcher can interleave.
func (t notifyTx) LockNotifyCursor(ctx context.Context, s billing.Scope, at time.Time) (string, error) {
	pos, err := t.ops.LockNotifyCursor(ctx, opsdb.LockNotifyCursorParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Updated: micros(at)})
	if err != nil {
		return "", dbError(err, "lock notify cursor")
	}
	return pos, nil
}

// GetNotifyCursor returns scope s's cursor position ("" without a
// cursor).
func (t notifyTx) GetNotifyCursor(ctx context.Context, s billing.Scope) (string, error) {
	rows, err := t.ops.GetNotifyCursor(ctx, opsdb.GetNotifyCursorParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return "", dbError(err, "get notify cursor")
	}
	if len(rows) == 0 {
		return "", nil
	}
	return rows[0], nil
}

// SetNotifyCursor moves scope s's cursor to position.
func (t notifyTx) SetNotifyCursor(ctx context.Context, s billing.Scope, position string, at time.Time) error {
	n, err := t.ops.SetNotifyCursor(ctx, opsdb.SetNotifyCursorParams{Position: position, Updated: micros(at),
		MerchantID: s.MerchantID, Mode: string(s.Mode)})
	return notFoundIfNone(n, err, "set notify cursor")
}

// EventsAfter returns scope s's events past position by id. SQLite has one
// writer and event ids are made inside write transactions, so id order is
// commit order and a position is simply the last event id read.
func (t notifyTx) EventsAfter(ctx context.Context, s billing.Scope, position string, limit int) ([]billing.Event, string, error) {
	rows, err := t.events.EventsToDispatch(ctx, eventsdb.EventsToDispatchParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		AfterID: position, RowLimit: int64(min(max(limit, 1), 10_000))})
	if err != nil {
		return nil, "", dbError(err, "read events to dispatch")
	}
	out, err := convertRows(rows, eventFromRow)
	if err != nil {
		return nil, "", err
	}
	if len(out) > 0 {
		position = out[len(out)-1].ID
	}
	return out, position, nil
}

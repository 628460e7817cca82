package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/eventsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/opsdb"
)

// notifyTx is the billing.NotifyTx of one transaction.
type notifyTx struct{ *base }

var _ billing.NotifyTx = notifyTx{}

// Webhook endpoints.

// CreateWebhookEndpoint inserts e.
func (t notifyTx) CreateWebhookEndpoint(ctx context.Context, e billing.WebhookEndpoint) error {
	events, metadata, err := endpointJSON(e)
	if err != nil {
		return fmt.Errorf("postgres: create webhook endpoint %s: %w", e.ID, err)
	}
	return t.writeOps(ctx, "create webhook endpoint "+e.ID, func(q *opsdb.Queries) error {
		return q.CreateWebhookEndpoint(ctx, opsdb.CreateWebhookEndpointParams{
			ID: e.ID, MerchantID: e.Scope.MerchantID, Mode: string(e.Scope.Mode), Url: e.URL, Description: e.Description,
			EnabledEvents: events, Disabled: e.Disabled, DisabledReason: e.DisabledReason, Secret: e.Secret,
			PreviousSecret: e.PreviousSecret, PreviousSecretExpires: tsPtr(e.PreviousSecretExpires),
			FailingSince: tsPtr(e.FailingSince), Metadata: metadata, Created: ts(e.Created), Updated: ts(e.Updated),
		})
	})
}

// GetWebhookEndpoint returns the endpoint with id in scope s.
func (t notifyTx) GetWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error) {
	row, err := t.ops.GetWebhookEndpoint(ctx, opsdb.GetWebhookEndpointParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.WebhookEndpoint{}, dbError("get webhook endpoint "+id, err)
	}
	return endpointFromRow(row)
}

// LockWebhookEndpoint returns the endpoint with id in scope s, locked
// (FOR UPDATE) until the transaction ends.
func (t notifyTx) LockWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error) {
	var row opsdb.WebhookEndpoint
	err := t.writeOps(ctx, "lock webhook endpoint "+id, func(q *opsdb.Queries) error {
		var err error
		row, err = q.LockWebhookEndpoint(ctx, opsdb.LockWebhookEndpointParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
		return err
	})
	if err != nil {
		return billing.WebhookEndpoint{}, err
	}
	return endpointFromRow(row)
}

// UpdateWebhookEndpoint writes e's mutable fields.
func (t notifyTx) UpdateWebhookEndpoint(ctx context.Context, e billing.WebhookEndpoint) error {
	events, metadata, err := endpointJSON(e)
	if err != nil {
		return fmt.Errorf("postgres: update webhook endpoint %s: %w", e.ID, err)
	}
	return t.writeOps(ctx, "update webhook endpoint "+e.ID, func(q *opsdb.Queries) error {
		return updated(q.UpdateWebhookEndpoint(ctx, opsdb.UpdateWebhookEndpointParams{
			Url: e.URL, Description: e.Description, EnabledEvents: events, Disabled: e.Disabled,
			DisabledReason: e.DisabledReason, Secret: e.Secret, PreviousSecret: e.PreviousSecret,
			PreviousSecretExpires: tsPtr(e.PreviousSecretExpires), FailingSince: tsPtr(e.FailingSince),
			Metadata: metadata, Updated: ts(e.Updated), MerchantID: e.Scope.MerchantID, Mode: string(e.Scope.Mode), ID: e.ID,
		}))
	})
}

// DeleteWebhookEndpoint removes an endpoint; its deliveries and attempts
// go with it (ON DELETE CASCADE).
func (t notifyTx) DeleteWebhookEndpoint(ctx context.Context, s billing.Scope, id string) error {
	return t.writeOps(ctx, "delete webhook endpoint "+id, func(q *opsdb.Queries) error {
		return updated(q.DeleteWebhookEndpoint(ctx, opsdb.DeleteWebhookEndpointParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id}))
	})
}

// ListWebhookEndpoints returns a page of s's endpoints, newest first.
func (t notifyTx) ListWebhookEndpoints(ctx context.Context, s billing.Scope, pg billing.Page) ([]billing.WebhookEndpoint, bool, error) {
	rows, err := t.ops.ListWebhookEndpoints(ctx, opsdb.ListWebhookEndpointsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		StartingAfter: pg.StartingAfter, RowLimit: rowLimit(pg.Limit)})
	if err != nil {
		return nil, false, dbError("list webhook endpoints", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, endpointFromRow)
	return out, more, err
}

// CountWebhookEndpoints counts s's endpoints.
func (t notifyTx) CountWebhookEndpoints(ctx context.Context, s billing.Scope) (int64, error) {
	n, err := t.ops.CountWebhookEndpoints(ctx, opsdb.CountWebhookEndpointsParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return 0, dbError("count webhook endpoints", err)
	}
	return n, nil
}

func endpointJSON(e billing.WebhookEndpoint) (events, metadata string, err error) {
	list := e.EnabledEvents
	if list == nil {
		list = []string{}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", "", fmt.Errorf("encode enabled events: %w", err)
	}
	if metadata, err = encodeMap(e.Metadata); err != nil {
		return "", "", err
	}
	return string(b), metadata, nil
}

func endpointFromRow(r opsdb.WebhookEndpoint) (billing.WebhookEndpoint, error) {
	var events []string
	if err := json.Unmarshal([]byte(r.EnabledEvents), &events); err != nil {
		return billing.WebhookEndpoint{}, fmt.Errorf("postgres: webhook endpoint %s: decode enabled events: %w", r.ID, err)
	}
	metadata, err := decodeMap[billing.Metadata](r.Metadata)
	if err != nil {
		return billing.WebhookEndpoint{}, fmt.Errorf("postgres: webhook endpoint %s: %w", r.ID, err)
	}
	return billing.WebhookEndpoint{
		ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, URL: r.Url,
		Description: r.Description, EnabledEvents: events, Disabled: r.Disabled, DisabledReason: r.DisabledReason,
		Secret: r.Secret, PreviousSecret: r.PreviousSecret, PreviousSecretExpires: utcPtr(r.PreviousSecretExpires),
		FailingSince: utcPtr(r.FailingSince), Metadata: metadata, Created: r.Created.UTC(), Updated: r.Updated.UTC(),
	}, nil
}

// Deliveries and attempts.

// InsertWebhookDelivery inserts d unless its endpoint already has a
// delivery of its event.
func (t notifyTx) InsertWebhookDelivery(ctx context.Context, d billing.WebhookDelivery) (bool, error) {
	var n int64
	err := t.writeOps(ctx, "insert webhook delivery "+d.ID, func(q *opsdb.Queries) error {
		var err error
		n, err = q.InsertWebhookDelivery(ctx, opsdb.InsertWebhookDeliveryParams{
			ID: d.ID, MerchantID: d.Scope.MerchantID, Mode: string(d.Scope.Mode), EndpointID: d.EndpointID, EventID: d.EventID,
			EventType: d.EventType, Status: d.Status, Attempts: d.Attempts, NextAttemptAt: tsPtr(d.NextAttemptAt),
			LastAttemptAt: tsPtr(d.LastAttemptAt), Created: ts(d.Created), Updated: ts(d.Updated),
		})
		return err
	})
	return n > 0, err
}

// GetWebhookDelivery returns the delivery with id in scope s.
func (t notifyTx) GetWebhookDelivery(ctx context.Context, s billing.Scope, id string) (billing.WebhookDelivery, error) {
	row, err := t.ops.GetWebhookDelivery(ctx, opsdb.GetWebhookDeliveryParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.WebhookDelivery{}, dbError("get webhook delivery "+id, err)
	}
	return deliveryFromRow(row), nil
}

// UpdateWebhookDelivery writes d's status, attempts and attempt times.
func (t notifyTx) UpdateWebhookDelivery(ctx context.Context, d billing.WebhookDelivery) error {
	return t.writeOps(ctx, "update webhook delivery "+d.ID, func(q *opsdb.Queries) error {
		return updated(q.UpdateWebhookDelivery(ctx, opsdb.UpdateWebhookDeliveryParams{
			Status: d.Status, Attempts: d.Attempts, NextAttemptAt: tsPtr(d.NextAttemptAt), LastAttemptAt: tsPtr(d.LastAttemptAt),
			Updated: ts(d.Updated), MerchantID: d.Scope.MerchantID, Mode: string(d.Scope.Mode), ID: d.ID,
		}))
	})
}

// ListWebhookDeliveries returns a page of an endpoint's deliveries, newest
// first.
func (t notifyTx) ListWebhookDeliveries(ctx context.Context, s billing.Scope, endpointID string, f billing.DeliveryFilter, pg billing.Page) ([]billing.WebhookDelivery, bool, error) {
	rows, err := t.ops.ListWebhookDeliveries(ctx, opsdb.ListWebhookDeliveriesParams{EndpointID: endpointID, MerchantID: s.MerchantID,
		Mode: string(s.Mode), EventID: f.EventID, StartingAfter: pg.StartingAfter, RowLimit: rowLimit(pg.Limit)})
	if err != nil {
		return nil, false, dbError("list webhook deliveries", err)
	}
	rows, more := trimPage(rows, pg.Limit)
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
		NextAttemptAt: utcPtr(r.NextAttemptAt), LastAttemptAt: utcPtr(r.LastAttemptAt), Created: r.Created.UTC(), Updated: r.Updated.UTC(),
	}
}

// CreateWebhookAttempt inserts a.
func (t notifyTx) CreateWebhookAttempt(ctx context.Context, a billing.WebhookAttempt) error {
	return t.writeOps(ctx, "create webhook attempt "+a.ID, func(q *opsdb.Queries) error {
		return q.CreateWebhookAttempt(ctx, opsdb.CreateWebhookAttemptParams{
			ID: a.ID, MerchantID: a.Scope.MerchantID, Mode: string(a.Scope.Mode), DeliveryID: a.DeliveryID, Number: a.Number,
			Manual: a.Manual, Succeeded: a.Succeeded, StatusCode: a.StatusCode, LatencyMs: a.LatencyMS, ErrorKind: a.ErrorKind,
			Error: a.Error, ResponseExcerpt: a.ResponseExcerpt, Created: ts(a.Created),
		})
	})
}

// ListWebhookAttempts returns the attempts of the given deliveries, oldest
// first (grouped by delivery).
func (t notifyTx) ListWebhookAttempts(ctx context.Context, s billing.Scope, deliveryIDs []string) ([]billing.WebhookAttempt, error) {
	if len(deliveryIDs) == 0 {
		return []billing.WebhookAttempt{}, nil
	}
	rows, err := t.ops.ListWebhookAttempts(ctx, opsdb.ListWebhookAttemptsParams{DeliveryIds: deliveryIDs, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError("list webhook attempts", err)
	}
	out := make([]billing.WebhookAttempt, 0, len(rows))
	for _, r := range rows {
		out = append(out, billing.WebhookAttempt{
			ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, DeliveryID: r.DeliveryID,
			Number: r.Number, Manual: r.Manual, Succeeded: r.Succeeded, StatusCode: r.StatusCode, LatencyMS: r.LatencyMs,
			ErrorKind: r.ErrorKind, Error: r.Error, ResponseExcerpt: r.ResponseExcerpt, Created: r.Created.UTC(),
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
		return false, fmt.Errorf("postgres: insert email %s: %w", e.ID, err)
	}
	var n int64
	err = t.writeOps(ctx, "insert email "+e.ID, func(q *opsdb.Queries) error {
		var err error
		n, err = q.InsertEmail(ctx, opsdb.InsertEmailParams{
			ID: e.ID, MerchantID: e.Scope.MerchantID, Mode: string(e.Scope.Mode), Template: e.Template, Locale: e.Locale,
			Recipients: to, Subject: e.Subject, TextBody: e.TextBody, HtmlBody: e.HTMLBody, CustomerID: e.CustomerID, EventID: e.EventID, ObjectType: e.ObjectType,
			ObjectID: e.ObjectID, Params: params, Status: e.Status, Attempts: e.Attempts, LastError: e.LastError,
			MessageID: e.MessageID, SentAt: tsPtr(e.SentAt), Created: ts(e.Created), Updated: ts(e.Updated),
		})
		return err
	})
	return n > 0, err
}

// GetEmail returns the email with id in scope s.
func (t notifyTx) GetEmail(ctx context.Context, s billing.Scope, id string) (billing.Email, error) {
	row, err := t.ops.GetEmail(ctx, opsdb.GetEmailParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Email{}, dbError("get email "+id, err)
	}
	return emailFromRow(row)
}

// UpdateEmail writes e's sending state.
func (t notifyTx) UpdateEmail(ctx context.Context, e billing.Email) error {
	to, _, err := emailJSON(e)
	if err != nil {
		return fmt.Errorf("postgres: update email %s: %w", e.ID, err)
	}
	return t.writeOps(ctx, "update email "+e.ID, func(q *opsdb.Queries) error {
		return updated(q.UpdateEmail(ctx, opsdb.UpdateEmailParams{
			Locale: e.Locale, Recipients: to, Subject: e.Subject, TextBody: e.TextBody, HtmlBody: e.HTMLBody, Status: e.Status, Attempts: e.Attempts, LastError: e.LastError,
			MessageID: e.MessageID, SentAt: tsPtr(e.SentAt), Updated: ts(e.Updated), MerchantID: e.Scope.MerchantID,
			Mode: string(e.Scope.Mode), ID: e.ID,
		}))
	})
}

// ListEmails returns a page of s's emails, newest first.
func (t notifyTx) ListEmails(ctx context.Context, s billing.Scope, f billing.EmailFilter, pg billing.Page) ([]billing.Email, bool, error) {
	rows, err := t.ops.ListEmails(ctx, opsdb.ListEmailsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), CustomerID: f.CustomerID,
		Template: f.Template, StartingAfter: pg.StartingAfter, RowLimit: rowLimit(pg.Limit)})
	if err != nil {
		return nil, false, dbError("list emails", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, emailFromRow)
	return out, more, err
}

func emailJSON(e billing.Email) (to, params string, err error) {
	list := e.To
	if list == nil {
		list = []string{}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", "", fmt.Errorf("encode recipients: %w", err)
	}
	params = string(e.Params)
	if len(e.Params) == 0 {
		params = "{}"
	}
	return string(b), params, nil
}

func emailFromRow(r opsdb.Email) (billing.Email, error) {
	var to []string
	if err := json.Unmarshal([]byte(r.Recipients), &to); err != nil {
		return billing.Email{}, fmt.Errorf("postgres: email %s: decode recipients: %w", r.ID, err)
	}
	return billing.Email{
		ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Template: r.Template,
		Locale: r.Locale, To: to, Subject: r.Subject, TextBody: r.TextBody, HTMLBody: r.HtmlBody, CustomerID: r.CustomerID, EventID: r.EventID, ObjectType: r.ObjectType,
		ObjectID: r.ObjectID, Params: json.RawMessage(r.Params), Status: r.Status, Attempts: r.Attempts, LastError: r.LastError,
		MessageID: r.MessageID, SentAt: utcPtr(r.SentAt), Created: r.Created.UTC(), Updated: r.Updated.UTC(),
	}, nil
}

// Dispatch cursor.

// LockNotifyCursor locks (creating at the start, if missing) scope s's
// cursor and returns its position.
func (t notifyTx) LockNotifyCursor(ctx context.Context, s billing.Scope, at time.Time) (string, error) {
	var pos string
	err := t.writeOps(ctx, "lock notify cursor", func(q *opsdb.Queries) error {
		var err error
		pos, err = q.LockNotifyCursor(ctx, opsdb.LockNotifyCursorParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Updated: ts(at)})
		return err
	})
	return pos, err
}

// GetNotifyCursor returns scope s's cursor position ("" without a
// cursor), without locking it.
func (t notifyTx) GetNotifyCursor(ctx context.Context, s billing.Scope) (string, error) {
	rows, err := t.ops.GetNotifyCursor(ctx, opsdb.GetNotifyCursorParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil || len(rows) == 0 {
		return "", dbError("get notify cursor", err)
	}
	return rows[0], nil
}

// SetNotifyCursor moves scope s's cursor to position.
func (t notifyTx) SetNotifyCursor(ctx context.Context, s billing.Scope, position string, at time.Time) error {
	return t.writeOps(ctx, "set notify cursor", func(q *opsdb.Queries) error {
		return updated(q.SetNotifyCursor(ctx, opsdb.SetNotifyCursorParams{Position: position, Updated: ts(at),
			MerchantID: s.MerchantID, Mode: string(s.Mode)}))
	})
}

// EventsAfter returns scope s's events past position in (transaction id,
// id) order, reading only transactions older than every one still running
// (see migration 00008). A position is "<txid>/<event id>".
func (t notifyTx) EventsAfter(ctx context.Context, s billing.Scope, position string, limit int) ([]billing.Event, string, error) {
	txid, id, err := parsePosition(position)
	if err != nil {
		return nil, "", err
	}
	rows, err := t.events.EventsToDispatch(ctx, eventsdb.EventsToDispatchParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		AfterTxid: txid, AfterID: id, RowLimit: int32(min(max(limit, 1), 10_000))})
	if err != nil {
		return nil, "", dbError("read events to dispatch", err)
	}
	out := make([]billing.Event, 0, len(rows))
	for _, r := range rows {
		out = append(out, eventFromRow(r))
	}
	if len(rows) > 0 {
		last := rows[len(rows)-1]
		position = strconv.FormatInt(last.Txid, 10) + "/" + last.ID
	}
	return out, position, nil
}

// parsePosition splits a dispatch position; "" is the start.
func parsePosition(p string) (int64, string, error) {
	if p == "" {
		return 0, "", nil
	}
	txid, id, ok := strings.Cut(p, "/")
	n, err := strconv.ParseInt(txid, 10, 64)
	if !ok || err != nil {
		return 0, "", fmt.Errorf("postgres: bad notify cursor position %q", p)
	}
	return n, id, nil
}

package sqlite

import (
	"context"
	"encoding/json"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/eventsdb"
)

// eventTx is the billing.EventTx of one transaction.
type eventTx struct{ *base }

var _ billing.EventTx = eventTx{}

// Events.

// CreateEvent inserts e; its data is stored verbatim ("null" when empty).
func (t eventTx) CreateEvent(ctx context.Context, e billing.Event) error {
	err := t.events.CreateEvent(ctx, eventsdb.CreateEventParams{
		ID:         e.ID,
		MerchantID: e.Scope.MerchantID,
		Mode:       string(e.Scope.Mode),
		Type:       e.Type,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		Data:       encodeRaw(e.Data),
		Previous:   string(e.Previous),
		Created:    micros(e.Created),
	})
	if err != nil {
		return dbError(err, "create event %s", e.ID)
	}
	return nil
}

// GetEvent returns the event with id in scope s.
func (t eventTx) GetEvent(ctx context.Context, s billing.Scope, id string) (billing.Event, error) {
	row, err := t.events.GetEvent(ctx, eventsdb.GetEventParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Event{}, dbError(err, "get event %s", id)
	}
	return eventFromRow(row)
}

// ListEvents returns a page of s's events, newest first.
func (t eventTx) ListEvents(ctx context.Context, s billing.Scope, f billing.EventFilter, page billing.Page) ([]billing.Event, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := eventsdb.ListEventsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Type:          f.Type,
		ObjectID:      f.ObjectID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	}
	var rows []eventsdb.Event
	var err error
	switch {
	case f.ObjectID != "":
		rows, err = t.events.ListEventsOfObject(ctx, eventsdb.ListEventsOfObjectParams(p))
	default:
		rows, err = t.events.ListEvents(ctx, p)
	}
	if err != nil {
		return nil, false, dbError(err, "list events")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, eventFromRow)
	return out, more, err
}

// ListObjectsEvents returns the newest limit events of objectIDs.
func (t eventTx) ListObjectsEvents(ctx context.Context, s billing.Scope, objectIDs []string, limit int) ([]billing.Event, error) {
	if len(objectIDs) == 0 {
		return nil, nil
	}
	rows, err := t.events.ListObjectsEvents(ctx, eventsdb.ListObjectsEventsParams{ObjectIds: objectIDs,
		MerchantID: s.MerchantID, Mode: string(s.Mode), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError(err, "list events of objects")
	}
	return convertRows(rows, eventFromRow)
}

func eventFromRow(row eventsdb.Event) (billing.Event, error) {
	return billing.Event{
		ID:         row.ID,
		Scope:      billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Type:       row.Type,
		ObjectType: row.ObjectType,
		ObjectID:   row.ObjectID,
		Data:       json.RawMessage(row.Data),
		Previous:   optionalRaw(row.Previous),
		Created:    fromMicros(row.Created),
	}, nil
}

// optionalRaw reads a JSON column where ” means absent.
func optionalRaw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

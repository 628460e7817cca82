package postgres

import (
	"context"
	"encoding/json"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/eventsdb"
)

// eventTx is the billing.EventTx of one transaction.
type eventTx struct{ *base }

var _ billing.EventTx = eventTx{}

// CreateEvent inserts e. Its data is stored verbatim ("null" when empty).
func (t eventTx) CreateEvent(ctx context.Context, e billing.Event) error {
	return t.appendRow("create event "+e.ID, func(db dbtx) error {
		return eventsdb.New(db).CreateEvent(ctx, createEventParams(e))
	})
}

// GetEvent returns the event with id in scope s.
func (t eventTx) GetEvent(ctx context.Context, s billing.Scope, id string) (billing.Event, error) {
	row, err := t.events.GetEvent(ctx, eventsdb.GetEventParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Event{}, dbError("get event "+id, err)
	}
	return eventFromRow(row), nil
}

// ListEvents returns a page of scope s's events, newest first.
func (t eventTx) ListEvents(ctx context.Context, s billing.Scope, f billing.EventFilter, pg billing.Page) ([]billing.Event, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := eventsdb.ListEventsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Type:          f.Type,
		ObjectID:      f.ObjectID,
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
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
		return nil, false, dbError("list events", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out := make([]billing.Event, 0, len(rows))
	for _, r := range rows {
		out = append(out, eventFromRow(r))
	}
	return out, more, nil
}

// ListObjectsEvents returns the newest limit events of objectIDs.
func (t eventTx) ListObjectsEvents(ctx context.Context, s billing.Scope, objectIDs []string, limit int) ([]billing.Event, error) {
	if len(objectIDs) == 0 {
		return nil, nil
	}
	rows, err := t.events.ListObjectsEvents(ctx, eventsdb.ListObjectsEventsParams{ObjectIds: objectIDs,
		MerchantID: s.MerchantID, Mode: string(s.Mode), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError("list events of objects", err)
	}
	out := make([]billing.Event, 0, len(rows))
	for _, r := range rows {
		out = append(out, eventFromRow(r))
	}
	return out, nil
}

func eventFromRow(r eventsdb.Event) billing.Event {
	return billing.Event{
		ID:         r.ID,
		Scope:      billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Type:       r.Type,
		ObjectType: r.ObjectType,
		ObjectID:   r.ObjectID,
		Data:       json.RawMessage(r.Data),
		Previous:   optionalRaw(r.Previous),
		Created:    r.Created.UTC(),
	}
}

// optionalRaw reads a JSON column where ” means absent.
func optionalRaw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

package sqlite

import (
	"context"
	"encoding/json"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb"
)

// Events.

// CreateEvent inserts e; its data is stored verbatim ("null" when empty).
func (t *tx) CreateEvent(ctx context.Context, e billing.Event) error {
	err := t.q.CreateEvent(ctx, litedb.CreateEventParams{
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
func (t *tx) GetEvent(ctx context.Context, s billing.Scope, id string) (billing.Event, error) {
	row, err := t.q.GetEvent(ctx, litedb.GetEventParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Event{}, dbError(err, "get event %s", id)
	}
	return eventFromRow(row)
}

// ListEvents returns a page of s's events, newest first.
func (t *tx) ListEvents(ctx context.Context, s billing.Scope, f billing.EventFilter, page billing.Page) ([]billing.Event, bool, error) {
	rows, err := t.q.ListEvents(ctx, litedb.ListEventsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Type:          f.Type,
		ObjectID:      f.ObjectID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list events")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, eventFromRow)
	return out, more, err
}

func eventFromRow(row litedb.Event) (billing.Event, error) {
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

// The simulated gateway's ledger.

// InsertSimCharge records c unless its key is already in the ledger, in
// which case it returns the recorded charge and false.
func (t *tx) InsertSimCharge(ctx context.Context, c billing.SimCharge) (billing.SimCharge, bool, error) {
	n, err := t.q.InsertSimCharge(ctx, litedb.InsertSimChargeParams{
		Key:      c.Key,
		Token:    c.Token,
		Amount:   c.Amount,
		Currency: c.Currency,
		Outcome:  c.Outcome,
		Code:     c.Code,
		Ref:      c.Ref,
		Refunded: c.Refunded,
		Created:  micros(c.Created),
	})
	if err != nil {
		return billing.SimCharge{}, false, dbError(err, "insert sim charge %q", c.Key)
	}
	if n == 1 {
		c.Created = storedTime(c.Created) // what a read would now return
		return c, true, nil
	}
	got, err := t.GetSimCharge(ctx, c.Key)
	if err != nil {
		return billing.SimCharge{}, false, err
	}
	return got, false, nil
}

// InsertSimCharges records entries with distinct keys one by one: in
// process, a statement costs no round trip.
func (t *tx) InsertSimCharges(ctx context.Context, cs []billing.SimCharge) ([]billing.SimCharge, []bool, error) {
	recorded := make([]billing.SimCharge, len(cs))
	inserted := make([]bool, len(cs))
	for i, c := range cs {
		var err error
		if recorded[i], inserted[i], err = t.InsertSimCharge(ctx, c); err != nil {
			return nil, nil, err
		}
	}
	return recorded, inserted, nil
}

// GetSimCharge returns the ledger entry for key.
func (t *tx) GetSimCharge(ctx context.Context, key string) (billing.SimCharge, error) {
	row, err := t.q.GetSimCharge(ctx, key)
	if err != nil {
		return billing.SimCharge{}, dbError(err, "get sim charge %q", key)
	}
	return simChargeFromRow(row)
}

// UpdateSimCharge writes c's refunded amount.
func (t *tx) UpdateSimCharge(ctx context.Context, c billing.SimCharge) error {
	n, err := t.q.UpdateSimCharge(ctx, litedb.UpdateSimChargeParams{Refunded: c.Refunded, Key: c.Key})
	return notFoundIfNone(n, err, "update sim charge %q", c.Key)
}

// CountSimCharges counts a token's ledger entries with the given outcome.
func (t *tx) CountSimCharges(ctx context.Context, token, outcome string) (int64, error) {
	n, err := t.q.CountSimCharges(ctx, litedb.CountSimChargesParams{Token: token, Outcome: outcome})
	if err != nil {
		return 0, dbError(err, "count sim charges")
	}
	return n, nil
}

// ListSimCharges returns the whole ledger in insertion order.
func (t *tx) ListSimCharges(ctx context.Context) ([]billing.SimCharge, error) {
	rows, err := t.q.ListSimCharges(ctx)
	if err != nil {
		return nil, dbError(err, "list sim charges")
	}
	return convertRows(rows, simChargeFromRow)
}

func simChargeFromRow(row litedb.SimCharge) (billing.SimCharge, error) {
	return billing.SimCharge{
		Key:      row.Key,
		Token:    row.Token,
		Amount:   row.Amount,
		Currency: row.Currency,
		Outcome:  row.Outcome,
		Code:     row.Code,
		Ref:      row.Ref,
		Refunded: row.Refunded,
		Created:  fromMicros(row.Created),
	}, nil
}

// optionalRaw reads a JSON column where ” means absent.
func optionalRaw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

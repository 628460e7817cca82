package app

import (
	"context"

	"github.com/cuota/cuota/internal/billing"
)

// GetEvent returns an event of scope s.
func (a *Notifications) GetEvent(ctx context.Context, s billing.Scope, id string) (billing.Event, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Event, error) {
		v, err := tx.Events.GetEvent(ctx, s, id)
		return v, notFound(err, "event", id)
	})
}

// ListEvents lists events of scope s, newest first.
func (a *Notifications) ListEvents(ctx context.Context, s billing.Scope, f billing.EventFilter, page billing.Page) (List[billing.Event], error) {
	return list(ctx, a.core, page, billing.PrefixEvent, func(tx billing.Tx, page billing.Page) ([]billing.Event, bool, error) {
		return tx.Events.ListEvents(ctx, s, f, page)
	})
}

// ListObjectsEvents returns the newest limit events (1 to 100) of any of
// objectIDs (at most maxBatchIDs), newest first, in one read: a
// customer's timeline.
func (a *Notifications) ListObjectsEvents(ctx context.Context, s billing.Scope, objectIDs []string, limit int) ([]billing.Event, error) {
	if err := checkBatch(objectIDs, limit); err != nil {
		return nil, err
	}
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.Event, error) {
		return tx.Events.ListObjectsEvents(ctx, s, objectIDs, limit)
	})
}

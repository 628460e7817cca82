package sqlite

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
)

// idempotencyTx is the billing.IdempotencyTx of one transaction.
type idempotencyTx struct{ *base }

var _ billing.IdempotencyTx = idempotencyTx{}

// Idempotency keys.

// ReserveIdempotencyKey inserts r, or returns the scope's existing record for the key.
func (t idempotencyTx) ReserveIdempotencyKey(ctx context.Context, r billing.IdempotencyRecord) (billing.IdempotencyRecord, bool, error) {
	n, err := t.accounts.ReserveIdempotencyKey(ctx, accountsdb.ReserveIdempotencyKeyParams{
		MerchantID:   r.Scope.MerchantID,
		Mode:         string(r.Scope.Mode),
		Key:          r.Key,
		RequestHash:  r.RequestHash,
		ResponseBody: []byte{}, // NOT NULL; the response is stored on completion
		Created:      micros(r.Created),
	})
	if err != nil {
		return billing.IdempotencyRecord{}, false, dbError(err, "reserve idempotency key %q", r.Key)
	}
	if n == 1 {
		// What a read would now return.
		return billing.IdempotencyRecord{
			Scope:       r.Scope,
			Key:         r.Key,
			RequestHash: r.RequestHash,
			Created:     fromMicros(micros(r.Created)),
		}, true, nil
	}
	row, err := t.accounts.GetIdempotencyKey(ctx, accountsdb.GetIdempotencyKeyParams{
		MerchantID: r.Scope.MerchantID,
		Mode:       string(r.Scope.Mode),
		Key:        r.Key,
	})
	if err != nil {
		return billing.IdempotencyRecord{}, false, dbError(err, "get idempotency key %q", r.Key)
	}
	var body []byte
	if len(row.ResponseBody) > 0 {
		body = row.ResponseBody
	}
	return billing.IdempotencyRecord{
		Scope:          billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Key:            row.Key,
		RequestHash:    row.RequestHash,
		Completed:      row.Completed,
		ResponseStatus: int(row.ResponseStatus),
		ResponseBody:   body,
		Created:        fromMicros(row.Created),
	}, false, nil
}

// CompleteIdempotencyKey stores the response of a reserved key.
func (t idempotencyTx) CompleteIdempotencyKey(ctx context.Context, s billing.Scope, key string, status int, body []byte) error {
	if body == nil {
		body = []byte{} // NOT NULL
	}
	n, err := t.accounts.CompleteIdempotencyKey(ctx, accountsdb.CompleteIdempotencyKeyParams{
		ResponseStatus: int64(status),
		ResponseBody:   body,
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		Key:            key,
	})
	return notFoundIfNone(n, err, "complete idempotency key %q", key)
}

// DeleteIdempotencyKey forgets a key; forgetting a missing key is not an error.
func (t idempotencyTx) DeleteIdempotencyKey(ctx context.Context, s billing.Scope, key string) error {
	err := t.accounts.DeleteIdempotencyKey(ctx, accountsdb.DeleteIdempotencyKeyParams{
		MerchantID: s.MerchantID,
		Mode:       string(s.Mode),
		Key:        key,
	})
	if err != nil {
		return dbError(err, "delete idempotency key %q", key)
	}
	return nil
}

// DeleteIdempotencyKeysBefore forgets every key created before the given time.
func (t idempotencyTx) DeleteIdempotencyKeysBefore(ctx context.Context, before time.Time) (int64, error) {
	n, err := t.accounts.DeleteIdempotencyKeysBefore(ctx, micros(before))
	if err != nil {
		return 0, dbError(err, "delete idempotency keys before %s", before.UTC().Format(time.RFC3339Nano))
	}
	return n, nil
}

package postgres

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
)

// idempotencyTx is the billing.IdempotencyTx of one transaction.
type idempotencyTx struct{ *base }

var _ billing.IdempotencyTx = idempotencyTx{}

// ReserveIdempotencyKey inserts r as a record still in progress (not
// completed, no response). If the scope already has the key it inserts
// nothing and returns the existing record and false. An empty response
// body reads back as nil, as in the SQLite store.
func (t idempotencyTx) ReserveIdempotencyKey(ctx context.Context, r billing.IdempotencyRecord) (billing.IdempotencyRecord, bool, error) {
	op := "reserve idempotency key " + r.Key
	reserved := billing.IdempotencyRecord{
		Scope:       r.Scope,
		Key:         r.Key,
		RequestHash: r.RequestHash,
		Created:     ts(r.Created),
	}
	var inserted bool
	err := t.writeAccounts(ctx, op, func(q *accountsdb.Queries) error {
		n, err := q.ReserveIdempotencyKey(ctx, accountsdb.ReserveIdempotencyKeyParams{
			MerchantID:   r.Scope.MerchantID,
			Mode:         string(r.Scope.Mode),
			Key:          r.Key,
			RequestHash:  r.RequestHash,
			ResponseBody: []byte{}, // NOT NULL; the response comes with completion
			Created:      reserved.Created,
		})
		inserted = n > 0
		return err
	})
	if err != nil {
		return billing.IdempotencyRecord{}, false, err
	}
	if inserted {
		return reserved, true, nil
	}
	row, err := t.accounts.GetIdempotencyKey(ctx, accountsdb.GetIdempotencyKeyParams{
		MerchantID: r.Scope.MerchantID,
		Mode:       string(r.Scope.Mode),
		Key:        r.Key,
	})
	if err != nil {
		return billing.IdempotencyRecord{}, false, dbError(op+": read existing record", err)
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
		Created:        row.Created.UTC(),
	}, false, nil
}

// CompleteIdempotencyKey stores the response of a reserved key.
func (t idempotencyTx) CompleteIdempotencyKey(ctx context.Context, s billing.Scope, key string, status int, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	return t.writeAccounts(ctx, "complete idempotency key "+key, func(q *accountsdb.Queries) error {
		return updated(q.CompleteIdempotencyKey(ctx, accountsdb.CompleteIdempotencyKeyParams{
			ResponseStatus: int64(status),
			ResponseBody:   body,
			MerchantID:     s.MerchantID,
			Mode:           string(s.Mode),
			Key:            key,
		}))
	})
}

// DeleteIdempotencyKey forgets a key. Forgetting an unknown key is not an
// error.
func (t idempotencyTx) DeleteIdempotencyKey(ctx context.Context, s billing.Scope, key string) error {
	return t.writeAccounts(ctx, "delete idempotency key "+key, func(q *accountsdb.Queries) error {
		return q.DeleteIdempotencyKey(ctx, accountsdb.DeleteIdempotencyKeyParams{
			MerchantID: s.MerchantID,
			Mode:       string(s.Mode),
			Key:        key,
		})
	})
}

// DeleteIdempotencyKeysBefore forgets every key created before before and
// returns how many it removed.
func (t idempotencyTx) DeleteIdempotencyKeysBefore(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := t.writeAccounts(ctx, "delete idempotency keys", func(q *accountsdb.Queries) error {
		var err error
		n, err = q.DeleteIdempotencyKeysBefore(ctx, ts(before))
		return err
	})
	return n, err
}

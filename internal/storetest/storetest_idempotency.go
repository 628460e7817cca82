package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func exerciseIdempotency(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("ReserveCompleteReplayDelete", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		r := buildIdempotencyRecord(b.scope, "8e1f1b1c-key", b.clock.next())

		tx := begin(t, b.store)
		_, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.True(t, inserted)
		tx.commit(t)

		// A retry, even with another body, gets the first record.
		retry := r
		retry.RequestHash = "different"
		retry.Created = b.clock.next()
		tx = begin(t, b.store)
		got, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, retry)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Empty(t, got.ResponseBody, "a running request has no response")
		got.ResponseBody = nil
		require.Equal(t, r, got)
		tx.commit(t)

		body := []byte(`{"id":"prod_1","object":"product", "b":1,"a":2}`)
		tx = begin(t, b.store)
		require.NoError(t, tx.Idempotency.CompleteIdempotencyKey(ctx, r.Scope, r.Key, 201, body))
		tx.commit(t)

		want := r
		want.Completed = true
		want.ResponseStatus = 201
		want.ResponseBody = body
		tx = begin(t, b.store)
		got, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, retry)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, want, got)
		tx.commit(t)

		tx = begin(t, b.store)
		require.NoError(t, tx.Idempotency.DeleteIdempotencyKey(ctx, r.Scope, r.Key))
		tx.commit(t)

		tx = begin(t, b.store)
		_, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, retry)
		require.NoError(t, err)
		require.True(t, inserted, "a deleted key can be reserved again")
		got, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, "different", got.RequestHash)
		require.False(t, got.Completed)
		tx.commit(t)
	})

	t.Run("ScopeIsolation", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		at := b.clock.next()
		records := map[billing.Scope]billing.IdempotencyRecord{}
		tx := begin(t, b.store)
		for i, s := range []billing.Scope{b.scope, b.live, b.other} {
			r := buildIdempotencyRecord(s, "same-key", at)
			r.RequestHash = fmt.Sprintf("hash-%d", i)
			_, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, r)
			require.NoError(t, err)
			require.True(t, inserted, "the key is free in scope %+v", s)
			records[s] = r
		}
		tx.commit(t)

		tx = begin(t, b.store)
		require.NoError(t, tx.Idempotency.CompleteIdempotencyKey(ctx, b.scope, "same-key", 200, []byte(`{}`)))
		require.NoError(t, tx.Idempotency.DeleteIdempotencyKey(ctx, b.live, "same-key"))
		tx.commit(t)

		tx = begin(t, b.store)
		got, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, records[b.scope])
		require.NoError(t, err)
		require.False(t, inserted)
		require.True(t, got.Completed)
		require.Equal(t, "hash-0", got.RequestHash)

		got, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, records[b.other])
		require.NoError(t, err)
		require.False(t, inserted, "deleting in one scope leaves the others alone")
		require.False(t, got.Completed, "completing in one scope leaves the others alone")
		require.Equal(t, "hash-2", got.RequestHash)

		_, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, records[b.live])
		require.NoError(t, err)
		require.True(t, inserted)
		tx.commit(t)
	})

	t.Run("DeleteKeysBefore", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		t0 := b.clock.next()
		records := []billing.IdempotencyRecord{
			buildIdempotencyRecord(b.scope, "old", t0),
			buildIdempotencyRecord(b.other, "old-other-merchant", t0.Add(time.Minute)),
			buildIdempotencyRecord(b.live, "at-cutoff", t0.Add(time.Hour)),
			buildIdempotencyRecord(b.scope, "new", t0.Add(2*time.Hour)),
		}
		tx := begin(t, b.store)
		for _, r := range records {
			_, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, r)
			require.NoError(t, err)
			require.True(t, inserted)
		}
		require.NoError(t, tx.Idempotency.CompleteIdempotencyKey(ctx, b.scope, "old", 200, []byte(`{}`)))
		tx.commit(t)

		tx = begin(t, b.store)
		n, err := tx.Idempotency.DeleteIdempotencyKeysBefore(ctx, t0.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, int64(2), n, "keys created strictly before the cutoff")
		tx.commit(t)

		tx = begin(t, b.store)
		for i, r := range records {
			_, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, r)
			require.NoError(t, err)
			require.Equal(t, i < 2, inserted, "key %q removed", r.Key)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		n, err = tx.Idempotency.DeleteIdempotencyKeysBefore(ctx, t0.Add(-time.Hour))
		require.NoError(t, err)
		require.Equal(t, int64(0), n)
		n, err = tx.Idempotency.DeleteIdempotencyKeysBefore(ctx, t0.Add(3*time.Hour))
		require.NoError(t, err)
		require.Equal(t, int64(4), n)
		tx.commit(t)
	})
}

func buildIdempotencyRecord(s billing.Scope, key string, at time.Time) billing.IdempotencyRecord {
	sum := sha256.Sum256([]byte("POST /v1/products " + key))
	return billing.IdempotencyRecord{
		Scope:       s,
		Key:         key,
		RequestHash: hex.EncodeToString(sum[:]),
		Created:     at,
	}
}

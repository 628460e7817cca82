package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// IdempotencyTTL is how long a stored response is replayed (docs/api.md).
const IdempotencyTTL = 24 * time.Hour

// MaxIdempotencyKeyLen bounds an Idempotency-Key header.
const MaxIdempotencyKeyLen = 255

// BeginIdempotent reserves key for a request whose method, path and
// parameters hash to requestHash; a stored record whose hash is one of
// alsoMatches (the same request hashed the way an earlier version did) is
// the same request too. It returns (nil, nil) when the caller should run the
// request and then call FinishIdempotent or AbandonIdempotent; a stored
// record when the response must be replayed; or an error:
// idempotency_key_in_use (409) while the first request still runs, and
// idempotency_key_reused (400) when the parameters differ. A record older
// than IdempotencyTTL is forgotten and the key starts afresh.
func (a *Merchants) BeginIdempotent(ctx context.Context, s billing.Scope, key, requestHash string, alsoMatches ...string) (*billing.IdempotencyRecord, error) {
	if key == "" || len(key) > MaxIdempotencyKeyLen {
		return nil, billing.Invalid("Idempotency-Key", billing.CodeParameterInvalid, "Idempotency-Key must be 1 to %d characters", MaxIdempotencyKeyLen)
	}
	var replay *billing.IdempotencyRecord
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		now := a.Now()
		rec := billing.IdempotencyRecord{Scope: s, Key: key, RequestHash: requestHash, Created: now}
		existing, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, rec)
		if err != nil {
			return fmt.Errorf("reserve idempotency key: %w", err)
		}
		if inserted {
			return nil
		}
		if now.Sub(existing.Created) >= IdempotencyTTL {
			if err := tx.Idempotency.DeleteIdempotencyKey(ctx, s, key); err != nil {
				return fmt.Errorf("expire idempotency key: %w", err)
			}
			if _, _, err := tx.Idempotency.ReserveIdempotencyKey(ctx, rec); err != nil {
				return fmt.Errorf("reserve idempotency key: %w", err)
			}
			return nil
		}
		switch {
		case existing.RequestHash != requestHash && !slices.Contains(alsoMatches, existing.RequestHash):
			return billing.Invalid("Idempotency-Key", billing.CodeIdempotencyKeyReused,
				"keys for idempotent requests can only be used with the same parameters they were first used with")
		case !existing.Completed:
			return billing.Errorf(billing.KindConflict, billing.CodeIdempotencyKeyInUse,
				"a request with this Idempotency-Key is still being processed; retry later")
		}
		replay = &existing
		return nil
	})
	if err != nil || replay == nil {
		return replay, err
	}
	body, err := a.openStoredResponse(s, key, replay.ResponseBody)
	if err != nil {
		return nil, err
	}
	replay.ResponseBody = body
	return replay, nil
}

// Stored responses can hold secrets shown once (a webhook endpoint's
// signing secret, a setup or checkout link): with CUOTA_SECRET_KEY they are
// sealed at rest like every other secret, bound to their key.
func idempotencyAD(s billing.Scope, key string) string {
	return "idempotency_keys/" + s.MerchantID + "/" + string(s.Mode) + "/" + key
}

func (a *Merchants) sealStoredResponse(s billing.Scope, key string, body []byte) ([]byte, error) {
	if !a.gw.box.HasKey() {
		return body, nil
	}
	sealed, err := a.gw.box.Seal(body, idempotencyAD(s, key))
	if err != nil {
		return nil, fmt.Errorf("seal stored response: %w", err)
	}
	return []byte(sealed), nil
}

func (a *Merchants) openStoredResponse(s billing.Scope, key string, body []byte) ([]byte, error) {
	if !a.gw.box.IsSealed(string(body)) {
		return body, nil
	}
	plain, err := a.openSealed(string(body), idempotencyAD(s, key), "the stored response of idempotency key "+key)
	if err != nil {
		return nil, err
	}
	return plain, nil
}

// FinishIdempotent stores the response of a reserved request for replay.
func (a *Merchants) FinishIdempotent(ctx context.Context, s billing.Scope, key string, status int, body []byte) error {
	body, err := a.sealStoredResponse(s, key, body)
	if err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		return tx.Idempotency.CompleteIdempotencyKey(ctx, s, key, status, body)
	})
}

// AbandonIdempotent forgets a reserved key whose request failed. Failed
// requests roll back everything they wrote, so a retry with the same key
// may run again.
func (a *Merchants) AbandonIdempotent(ctx context.Context, s billing.Scope, key string) error {
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		return tx.Idempotency.DeleteIdempotencyKey(ctx, s, key)
	})
}

// PruneIdempotencyKeys deletes records past IdempotencyTTL; a periodic job
// calls it.
func (a *Merchants) PruneIdempotencyKeys(ctx context.Context) (int64, error) {
	var n int64
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		n, err = tx.Idempotency.DeleteIdempotencyKeysBefore(ctx, a.Now().Add(-IdempotencyTTL))
		return err
	})
	return n, err
}

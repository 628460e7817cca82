package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// An API request's key is verified inside the request's own transaction
// rather than in one of its own before it (docs/architecture.md, "API keys").
//
// What a secret key names never changes: its id, merchant and mode are fixed
// when it is created. Only its revocation (and its last use) changes. So a
// process remembers, per key hash, the key it once found valid (keyCache),
// and a later request with that secret runs with a keyCheck in its context:
// the first transaction the request opens reads the key's row before doing
// anything else (checkedStore) and fails with invalid_api_key if it is
// revoked or gone. Revocation is therefore exact across processes: every
// transaction that begins after the revocation committed refuses the key,
// whichever process serves it, with no cache to expire. A request that ends
// without opening a transaction (a parameter error found before it) is
// checked by the transport before its answer is written (CheckRequestKey).

// invalidAPIKey is the error of a secret that names no usable key.
func invalidAPIKey() error {
	return billing.Errorf(billing.KindUnauthorized, billing.CodeInvalidAPIKey, "invalid API key provided")
}

// maxCachedKeys bounds the keys a process remembers; only keys found valid
// are remembered, so an unknown secret cannot fill it. When full it starts
// over, which costs each key one separate lookup again.
const maxCachedKeys = 10000

// keyCache is the process's memory of valid keys by hash, and of when it
// last recorded each key's use.
type keyCache struct {
	mu      sync.Mutex
	byHash  map[string]billing.APIKey
	touched map[string]time.Time // key id → last use this process wrote
}

func (c *keyCache) get(hash string) (billing.APIKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.byHash[hash]
	return k, ok
}

func (c *keyCache) put(k billing.APIKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byHash == nil || len(c.byHash) >= maxCachedKeys {
		c.byHash = make(map[string]billing.APIKey)
		c.touched = make(map[string]time.Time)
	}
	c.byHash[k.Hash] = billing.APIKey{ID: k.ID, MerchantID: k.MerchantID, Mode: k.Mode, Hash: k.Hash,
		Redacted: k.Redacted, Created: k.Created}
}

func (c *keyCache) forget(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byHash, hash)
}

// claimTouch reports whether this process should write key id's last use
// at now: at most once per lastUsedResolution per process, however many
// requests find it stale at once.
func (c *keyCache) claimTouch(id string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if last, ok := c.touched[id]; ok && now.Sub(last) < lastUsedResolution {
		return false
	}
	if c.touched == nil {
		c.touched = make(map[string]time.Time)
	}
	c.touched[id] = now
	return true
}

// keyCheck is a request's key, still to be verified in the request's first
// transaction. One request's transactions may run on several goroutines.
type keyCheck struct {
	key billing.APIKey

	mu      sync.Mutex
	checked bool  // the key was read in a transaction
	err     error // non-nil: it was refused
}

// result returns whether the key was checked and, if so, the outcome.
func (c *keyCheck) result() (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked, c.err
}

func (c *keyCheck) record(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked, c.err = true, err
}

type keyCheckKey struct{}

// AuthenticateRequest returns the key for a secret, or invalid_api_key, and
// the context the request must run with. A secret this process has seen
// valid costs no database work here: the returned context makes the
// request's first transaction verify it (see the comment at the top of
// this file). Any other secret is looked up at once, as Authenticate does.
func (a *Merchants) AuthenticateRequest(ctx context.Context, secret string) (context.Context, billing.APIKey, error) {
	if !strings.HasPrefix(secret, "sk_test_") && !strings.HasPrefix(secret, "sk_live_") {
		return ctx, billing.APIKey{}, invalidAPIKey()
	}
	hash := HashAPIKey(secret)
	if k, ok := a.keys.get(hash); ok {
		return context.WithValue(ctx, keyCheckKey{}, &keyCheck{key: k}), k, nil
	}
	k, err := a.Authenticate(ctx, secret)
	if err != nil {
		return ctx, k, err
	}
	a.keys.put(k)
	return ctx, k, nil
}

// CheckRequestKey verifies the request's key now, in a transaction of its
// own, unless one of the request's transactions already did; it returns
// invalid_api_key if the key is revoked. Transports call it before
// answering, so that no answer reaches the holder of a revoked key.
func (a *Merchants) CheckRequestKey(ctx context.Context) error {
	kc, _ := ctx.Value(keyCheckKey{}).(*keyCheck)
	if kc == nil {
		return nil
	}
	if checked, err := kc.result(); checked {
		return err
	}
	return a.store.InTx(ctx, func(billing.Tx) error { return nil })
}

// checkedStore is the store as the use cases see it: a transaction run for
// a request whose key is still to be verified reads the key first (one
// primary-key read) and fails with invalid_api_key instead of running fn when the key is
// revoked.
type checkedStore struct {
	billing.Store
	core *core
}

// InTx implements billing.Store.
func (s checkedStore) InTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	return s.checked(ctx, s.Store.InTx, fn)
}

// Read implements billing.Store: the key is read by the read's first
// statement, as InTx's.
func (s checkedStore) Read(ctx context.Context, fn func(tx billing.Tx) error) error {
	return s.checked(ctx, s.Store.Read, fn)
}

// checked runs fn through run (the store's InTx or Read), first reading the
// request's key if it is still to be verified.
func (s checkedStore) checked(ctx context.Context, run func(context.Context, func(billing.Tx) error) error, fn func(tx billing.Tx) error) error {
	kc, _ := ctx.Value(keyCheckKey{}).(*keyCheck)
	if kc == nil {
		return run(ctx, fn)
	}
	if checked, err := kc.result(); checked {
		if err != nil {
			return err
		}
		return run(ctx, fn)
	}
	stale := false
	err := run(ctx, func(tx billing.Tx) error {
		var err error
		if stale, err = s.core.verifyKey(ctx, tx, kc.key); err != nil {
			return err
		}
		kc.record(nil)
		return fn(tx)
	})
	if e := billing.AsError(err); e != nil && e.Code == billing.CodeInvalidAPIKey {
		kc.record(err)
		s.core.keys.forget(kc.key.Hash)
	}
	if stale {
		s.touch(ctx, kc.key.ID)
	}
	return err
}

// verifyKey reads k's row in tx: invalid_api_key if it is revoked or gone.
// stale reports that its recorded last use is older than
// lastUsedResolution.
func (a *core) verifyKey(ctx context.Context, tx billing.Tx, k billing.APIKey) (stale bool, err error) {
	cur, err := tx.Merchants.GetAPIKey(ctx, k.ID)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && cur.Revoked != nil) {
		return false, invalidAPIKey()
	}
	if err != nil {
		return false, fmt.Errorf("verify api key %s: %w", k.ID, err)
	}
	return cur.LastUsed == nil || a.Now().Sub(*cur.LastUsed) >= lastUsedResolution, nil
}

// touch records key id's use now, in a short transaction of its own after
// the request's (so that concurrent requests never wait on the key's row),
// at most once per lastUsedResolution per process. A failure is logged:
// the request itself succeeded.
func (s checkedStore) touch(ctx context.Context, id string) {
	now := s.core.Now()
	if !s.core.keys.claimTouch(id, now) {
		return
	}
	ctx = context.WithoutCancel(ctx)
	err := s.Store.InTx(ctx, func(tx billing.Tx) error { return tx.Merchants.TouchAPIKey(ctx, id, now) })
	if err != nil {
		s.core.logger.WarnContext(ctx, "record api key use", "key", id, "error", err)
	}
}

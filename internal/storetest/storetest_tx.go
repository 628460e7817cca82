package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func exerciseTx(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CommitsWhenFnReturnsNil", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		p := buildProduct(b.scope, b.clock.next())
		require.NoError(t, b.store.InTx(ctx, func(tx billing.Tx) error {
			return tx.Catalog.CreateProduct(ctx, p)
		}))

		var got billing.Product
		require.NoError(t, b.store.InTx(ctx, func(tx billing.Tx) error {
			var err error
			got, err = tx.Catalog.GetProduct(ctx, b.scope, p.ID)
			return err
		}))
		require.Equal(t, p, got)
	})

	t.Run("ReadSeesWhatWasCommitted", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		p := buildProduct(b.scope, b.clock.next())
		require.NoError(t, b.store.InTx(ctx, func(tx billing.Tx) error {
			return tx.Catalog.CreateProduct(ctx, p)
		}))
		var got billing.Product
		var listed []billing.Product
		require.NoError(t, b.store.Read(ctx, func(tx billing.Tx) error {
			var err error
			if got, err = tx.Catalog.GetProduct(ctx, b.scope, p.ID); err != nil {
				return err
			}
			listed, _, err = tx.Catalog.ListProducts(ctx, b.scope, billing.ProductFilter{}, billing.Page{Limit: 10})
			return err
		}))
		require.Equal(t, p, got)
		require.Equal(t, []billing.Product{p}, listed)

		sentinel := errors.New("fn failed")
		err := b.store.Read(ctx, func(tx billing.Tx) error {
			_, err := tx.Catalog.GetProduct(ctx, b.scope, "prod_missing")
			require.ErrorIs(t, err, billing.ErrNotFound)
			return sentinel
		})
		require.ErrorIs(t, err, sentinel, "Read returns fn's error")
	})

	t.Run("RollsBackWhenFnReturnsError", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		errBoom := errors.New("boom")
		p := buildProduct(b.scope, b.clock.next())
		key := buildIdempotencyRecord(b.scope, "rollback-key", b.clock.next())
		entry := buildAuditEntry(b.merchantA.ID, 1, "", b.clock.next())

		err := b.store.InTx(ctx, func(tx billing.Tx) error {
			if err := tx.Catalog.CreateProduct(ctx, p); err != nil {
				return err
			}
			if _, _, err := tx.Idempotency.ReserveIdempotencyKey(ctx, key); err != nil {
				return err
			}
			if _, _, err := tx.Audit.LockAuditHead(ctx, b.merchantA.ID); err != nil {
				return err
			}
			if err := tx.Audit.InsertAuditEntry(ctx, entry); err != nil {
				return err
			}
			return errBoom
		})
		require.ErrorIs(t, err, errBoom, "InTx returns the error fn returned")

		tx := begin(t, b.store)
		_, err = tx.Catalog.GetProduct(ctx, b.scope, p.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		products, more, err := tx.Catalog.ListProducts(ctx, b.scope, billing.ProductFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Empty(t, products)
		require.False(t, more)

		seq, hash, err := tx.Audit.LockAuditHead(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		entries, err := tx.Audit.ListAuditEntries(ctx, b.merchantA.ID, "", 0, 10)
		require.NoError(t, err)
		require.Empty(t, entries)

		_, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, key)
		require.NoError(t, err)
		require.True(t, inserted, "the rolled-back reservation left nothing behind")
		tx.commit(t)
	})

	t.Run("RollsBackMerchantAndAuditHead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		errBoom := errors.New("boom")
		m := buildMerchant(b.clock.next())
		err := b.store.InTx(ctx, func(tx billing.Tx) error {
			if err := tx.Merchants.CreateMerchant(ctx, m); err != nil {
				return err
			}
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)

		tx := begin(t, b.store)
		_, err = tx.Merchants.GetMerchant(ctx, m.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)

		// The id is free again, audit head included.
		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.CreateMerchant(ctx, m))
		seq, hash, err := tx.Audit.LockAuditHead(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		tx.commit(t)
	})
}

// pingArgs is the job the suite enqueues.
type pingArgs struct {
	Msg string `json:"msg"`
}

func (pingArgs) Kind() string { return "storetest_ping" }

// pingWorker records every message it works and sends it on worked.
type pingWorker struct {
	river.WorkerDefaults[pingArgs]

	mu     sync.Mutex
	seen   []string
	worked chan string
}

func newPingWorker() *pingWorker {
	return &pingWorker{worked: make(chan string, 64)}
}

func (w *pingWorker) Work(ctx context.Context, job *river.Job[pingArgs]) error {
	w.mu.Lock()
	w.seen = append(w.seen, job.Args.Msg)
	w.mu.Unlock()
	select {
	case w.worked <- job.Args.Msg:
	default: // seen has it anyway
	}
	return nil
}

// messages returns every message worked so far.
func (w *pingWorker) messages() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.seen)
}

// waitFor waits until msg has been worked; it fails the test after
// txTimeout.
func (w *pingWorker) waitFor(t *testing.T, msg string) {
	t.Helper()

	timeout := time.After(txTimeout)
	for {
		select {
		case got := <-w.worked:
			if got == msg {
				return
			}
		case <-timeout:
			require.FailNow(t, "job was not worked in time", "waiting for %q; worked so far: %q", msg, w.messages())
		}
	}
}

func exerciseEnqueue(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CommittedJobIsWorked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		p := newProduct(t, tx.Tx, b.scope, b.clock.next())
		require.NoError(t, tx.Jobs.Enqueue(ctx, pingArgs{Msg: "created " + p.ID}))
		tx.commit(t)

		w := newPingWorker()
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		stop := startWorkers(t, b.store, workers)

		w.waitFor(t, "created "+p.ID)
		stop()
		require.Equal(t, []string{"created " + p.ID}, w.messages(), "worked exactly once")

		tx = begin(t, b.store)
		got, err := tx.Catalog.GetProduct(ctx, b.scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)
		tx.commit(t)
	})

	t.Run("RolledBackJobIsNeverWorked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		newProduct(t, tx.Tx, b.scope, b.clock.next())
		require.NoError(t, tx.Jobs.Enqueue(ctx, pingArgs{Msg: "X rolled back"}))
		tx.rollback(t)

		tx = begin(t, b.store)
		require.NoError(t, tx.Jobs.Enqueue(ctx, pingArgs{Msg: "Y committed"}))
		tx.commit(t)

		w := newPingWorker()
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		stop := startWorkers(t, b.store, workers)

		// River may work jobs in any order, but X was never inserted, so
		// once Y is done and the client stopped X can no longer appear.
		w.waitFor(t, "Y committed")
		stop()
		require.Equal(t, []string{"Y committed"}, w.messages())
	})
}

// startWorkers starts the store's River client and returns a function that
// stops it; the function runs at cleanup too and stops the client only once.
func startWorkers(t *testing.T, store Store, workers *river.Workers) func() {
	t.Helper()

	require.NoError(t, store.StartWorkers(context.Background(), workers, nil))

	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), txTimeout)
			defer cancel()
			require.NoError(t, store.StopWorkers(ctx), "StopWorkers")
		})
	}
	t.Cleanup(stop)
	return stop
}

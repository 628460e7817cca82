package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/riverlog"
)

// workerConcurrency is how many jobs the default queue works at once.
const workerConcurrency = 10

// closeStopTimeout bounds how long Close waits for running workers.
const closeStopTimeout = 30 * time.Second

// Store is a billing.Store on PostgreSQL (pgx/v5 pool), with River
// (riverpgxv5) for jobs. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
	// inserter is an insert-only River client used by Tx.Enqueue.
	inserter *river.Client[pgx.Tx]

	mu      sync.Mutex
	workers *river.Client[pgx.Tx] // non-nil between StartWorkers and StopWorkers
}

var _ billing.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or key=value DSN)
// and checks that it answers. It does not migrate; call Migrate for that. A
// search_path=SCHEMA parameter in url puts every table in SCHEMA. A nil
// logger means slog.Default().
func Open(ctx context.Context, url string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.Default()
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included: leave it out.
		return nil, errors.New("postgres: cannot parse database URL (check its syntax)")
	}
	where := describe(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open pool for %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s: %w", where, err)
	}
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: riverlog.Logger(logger)})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: create river insert client: %w", err)
	}
	return &Store{pool: pool, logger: logger, inserter: inserter}, nil
}

// describe names the database of cfg for error messages, without the
// password.
func describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	s := fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
	if sp := c.RuntimeParams["search_path"]; sp != "" {
		s += " (search_path " + sp + ")"
	}
	return s
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// InTx runs fn in a transaction, committing if fn returns nil and rolling
// back otherwise (also if fn panics). fn's error is returned unchanged.
//
// A transaction that PostgreSQL aborts to break a deadlock, or for a
// serialization failure, runs again (up to maxTxAttempts times): fn must
// have no effects outside the transaction, which cuota's use cases
// guarantee by never calling a gateway inside one.
func (s *Store) InTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	return s.inTx(ctx, func(b *base) error { return fn(newTx(b)) })
}

// Read runs fn, which only reads, on a pooled connection without a
// transaction: each statement sees what was committed when it started,
// exactly as in the READ COMMITTED transactions of InTx, and the BEGIN and
// COMMIT round trips are saved (a GET is its key check and its read). A
// write in fn fails.
func (s *Store) Read(ctx context.Context, fn func(tx billing.Tx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire a connection: %w", err)
	}
	defer conn.Release()
	return fn(newTx(newReadBase(conn)))
}

// inTx runs fn on the base of a new transaction, as InTx describes
// (retries included): InTx and InSimLedger differ only in what they hand
// fn.
func (s *Store) inTx(ctx context.Context, fn func(b *base) error) error {
	for attempt := 1; ; attempt++ {
		err := s.inTxOnce(ctx, fn)
		if err == nil || attempt == maxTxAttempts || ctx.Err() != nil || !retryable(err) {
			return err
		}
		s.logger.WarnContext(ctx, "transaction aborted by the database; running it again", "attempt", attempt, "error", err)
	}
}

// maxTxAttempts bounds the runs of one InTx.
const maxTxAttempts = 4

// retryable reports a deadlock or serialization failure: the database
// rolled the transaction back and running it again can succeed.
func retryable(err error) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	return ok && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

func (s *Store) inTxOnce(ctx context.Context, fn func(b *base) error) error {
	pgTx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// Rollback after a failed fn or a panic; its error adds nothing.
			_ = pgTx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	b := newBase(pgTx, s.inserter)
	if err := fn(b); err != nil {
		return err
	}
	if err := b.flush(ctx); err != nil {
		return err
	}
	committed = true
	if err := pgTx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// StartWorkers starts a River client that works the given workers on the
// default queue and schedules the periodic jobs. It fails if workers are
// already running. Cancelling ctx stops the client hard; prefer StopWorkers.
func (s *Store) StartWorkers(ctx context.Context, workers *river.Workers, periodic []*river.PeriodicJob) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workers != nil {
		return errors.New("postgres: workers already started")
	}
	client, err := river.NewClient(riverpgxv5.New(s.pool), &river.Config{
		Logger:       riverlog.Logger(s.logger),
		PeriodicJobs: periodic,
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: workerConcurrency},
		},
		Workers: workers,
	})
	if err != nil {
		return fmt.Errorf("postgres: create river client: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("postgres: start river client: %w", err)
	}
	s.workers = client
	return nil
}

// StopWorkers stops the client started by StartWorkers, waiting for running
// jobs to finish or ctx to end. It does nothing if no workers run.
func (s *Store) StopWorkers(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workers == nil {
		return nil
	}
	if err := s.workers.Stop(ctx); err != nil {
		return fmt.Errorf("postgres: stop river client: %w", err)
	}
	s.workers = nil
	return nil
}

// Close stops any running workers (waiting up to 30 s for their jobs) and
// closes the connection pool.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeStopTimeout)
	defer cancel()
	err := s.StopWorkers(ctx)
	s.pool.Close()
	return err
}

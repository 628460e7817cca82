package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/riverlog"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// workerQueueMaxWorkers is how many jobs the default queue works at once.
// SQLite serialises writes anyway, so a few workers are enough.
const workerQueueMaxWorkers = 4

// closeStopTimeout bounds how long Close waits for running jobs to finish
// before cancelling them.
const closeStopTimeout = 10 * time.Second

// Store is a billing.Store on SQLite (modernc.org/sqlite, pure Go), with
// River (riversqlite) for jobs. Create one with Open, then call Migrate.
type Store struct {
	db       *sql.DB
	logger   *slog.Logger
	goose    *goose.Provider
	migrator *rivermigrate.Migrator[*sql.Tx]
	inserter *river.Client[*sql.Tx] // insert-only: enqueues jobs in InTx

	mu      sync.Mutex
	workers *river.Client[*sql.Tx] // set between StartWorkers and StopWorkers

	stmts statementCache
}

var _ billing.Store = (*Store)(nil)

// Open opens the SQLite database at path, creating the file if it does not
// exist. It does not migrate: call Migrate (or check MigrationsCurrent)
// before using the store. A nil logger discards River's and the store's logs.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One connection: SQLite has one writer, and River's SQLite driver
	// recommends it to avoid SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s, err := newStore(db, logger)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

// dsn returns the modernc.org/sqlite data source name for the file at path.
// The path is a URI path, so the characters URIs give a meaning to are
// percent-encoded.
func dsn(path string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped +
		"?_pragma=busy_timeout(10000)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(ON)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_txlock=immediate"
}

func newStore(db *sql.DB, logger *slog.Logger) (*Store, error) {
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, migrations)
	if err != nil {
		return nil, fmt.Errorf("goose provider: %w", err)
	}
	driver := riversqlite.New(db)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: riverlog.Logger(logger)})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	// No Workers: this client only inserts jobs, so River does not require
	// their kinds to be registered. StartWorkers runs a separate client.
	inserter, err := river.NewClient(driver, &river.Config{Logger: riverlog.Logger(logger)})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Store{db: db, logger: logger, goose: provider, migrator: migrator, inserter: inserter}, nil
}

// InTx runs fn in a transaction (BEGIN IMMEDIATE), committing if fn returns
// nil and rolling back otherwise; fn's error is returned unchanged. fn must
// not retain tx, nor call InTx or anything else that needs a connection of
// its own: the store has only one.
func (s *Store) InTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	return s.inTx(ctx, func(b *base) error { return fn(newTx(b)) })
}

// Read runs fn in a transaction, as InTx does (SQLite's one connection
// serves reads and writes alike, so a read costs nothing more as a
// transaction), with the connection query-only while fn runs: a write in
// fn fails, as it does in PostgreSQL's Read, so that the SQLite tests
// catch what would fail on PostgreSQL. (query_only is set after BEGIN:
// SQLite cannot begin the store's IMMEDIATE transactions on a query-only
// connection.)
func (s *Store) Read(ctx context.Context, fn func(tx billing.Tx) error) error {
	return s.inTx(ctx, func(b *base) (err error) {
		if _, err := b.sqlTx.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
			return fmt.Errorf("read: query only: %w", err)
		}
		defer func() {
			if _, rerr := b.sqlTx.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = 0"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("read: end query only: %w", rerr))
			}
		}()
		return fn(newTx(b))
	})
}

// inTx runs fn on the base of a new transaction, committing if fn returns
// nil and rolling back otherwise: InTx and InSimLedger differ only in what
// they hand fn.
func (s *Store) inTx(ctx context.Context, fn func(b *base) error) (err error) {
	st := s.stmts.get(ctx, s.db) // before BEGIN: preparing needs the one connection
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Also runs when fn panics, so the connection is not left in a
		// transaction. ErrTxDone means the context already rolled it back.
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			err = errors.Join(err, fmt.Errorf("roll back: %w", rbErr))
		}
	}()
	if err := fn(newBase(sqlTx, s.inserter, st)); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		committed = errors.Is(err, sql.ErrTxDone) // nothing left to roll back
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

// StartWorkers starts a River client that works the given workers and
// periodic jobs from the default queue. Cancelling ctx stops the client
// abruptly (running jobs see their contexts cancelled); StopWorkers stops it
// gracefully. Only one client can run at a time.
func (s *Store) StartWorkers(ctx context.Context, workers *river.Workers, periodic []*river.PeriodicJob) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workers != nil {
		return errors.New("start workers: already started")
	}
	client, err := river.NewClient(riversqlite.New(s.db), &river.Config{
		Logger:       riverlog.Logger(s.logger),
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workerQueueMaxWorkers}},
		Workers:      workers,
		PeriodicJobs: periodic,
	})
	if err != nil {
		return fmt.Errorf("start workers: new river client: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	s.workers = client
	return nil
}

// StopWorkers stops the client started by StartWorkers, waiting for running
// jobs to finish or for ctx to end, whichever comes first. It does nothing
// if no client is running.
func (s *Store) StopWorkers(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workers == nil {
		return nil
	}
	if err := s.workers.Stop(ctx); err != nil {
		return fmt.Errorf("stop workers: %w", err)
	}
	s.workers = nil
	return nil
}

// Close stops the workers, if running (cancelling jobs still running after
// a grace period), and closes the database.
func (s *Store) Close() error {
	var errs []error
	s.mu.Lock()
	if s.workers != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeStopTimeout)
		if err := s.workers.Stop(ctx); err != nil {
			if err := s.workers.StopAndCancel(context.Background()); err != nil {
				errs = append(errs, fmt.Errorf("stop workers: %w", err))
			}
		}
		cancel()
		s.workers = nil
	}
	s.mu.Unlock()
	if err := s.stmts.reset(); err != nil {
		errs = append(errs, fmt.Errorf("close prepared statements: %w", err))
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close sqlite: %w", err))
	}
	return errors.Join(errs...)
}

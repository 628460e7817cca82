package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/cuota/cuota/internal/riverlog"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// gooseTable is goose's version table, created in the current schema.
const gooseTable = "goose_db_version"

// Migrate applies cuota's goose migrations and then River's migrations to
// the current schema (the URL's search_path). It is idempotent, and two
// processes may migrate one schema at once: goose serialises on a session
// advisory lock and River's step on another, both keyed by the schema name so
// that different schemas migrate in parallel.
func (s *Store) Migrate(ctx context.Context) error {
	schema, err := s.currentSchema(ctx)
	if err != nil {
		return err
	}
	if err := s.migrateGoose(ctx, schema); err != nil {
		return err
	}
	return s.migrateRiver(ctx, schema)
}

// MigrationsCurrent reports whether goose has no pending migration and
// River's migrations are all applied. It changes nothing, not even on an
// empty schema.
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	schema, err := s.currentSchema(ctx)
	if err != nil {
		return false, err
	}
	// goose's HasPending creates the version table when it is missing: look
	// first so that a read-only check stays read-only.
	var exists bool
	if err := s.pool.QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2)",
		schema, gooseTable).Scan(&exists); err != nil {
		return false, fmt.Errorf("postgres: look for %s.%s: %w", schema, gooseTable, err)
	}
	if !exists {
		return false, nil
	}
	provider, closeProvider, err := s.gooseProvider(schema)
	if err != nil {
		return false, err
	}
	defer closeProvider()
	pending, err := provider.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: check goose migrations in schema %s: %w", schema, err)
	}
	if pending {
		return false, nil
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Logger: riverlog.Logger(s.logger)})
	if err != nil {
		return false, fmt.Errorf("postgres: create river migrator: %w", err)
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("postgres: check river migrations in schema %s: %w", schema, err)
	}
	return res.OK, nil
}

// currentSchema returns the schema new tables go to: the first existing
// schema of search_path.
func (s *Store) currentSchema(ctx context.Context) (string, error) {
	var schema *string
	if err := s.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", fmt.Errorf("postgres: read current schema: %w", err)
	}
	if schema == nil {
		return "", errors.New("postgres: no schema of search_path exists (create it first)")
	}
	return *schema, nil
}

// gooseProvider returns a goose provider for schema on a *sql.DB borrowing
// the store's pool, and a function that releases the *sql.DB.
func (s *Store) gooseProvider(schema string) (*goose.Provider, func(), error) {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: open embedded migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(lockID("goose", schema)),
		// Poll every second for up to five minutes (the default polls every 5 s).
		lock.WithLockTimeout(1, 300),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: create goose session locker: %w", err)
	}
	db := stdlib.OpenDBFromPool(s.pool) // closing db leaves the pool open
	provider, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(s.logger),
	)
	if err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("postgres: create goose provider: %w", err)
	}
	return provider, func() { _ = db.Close() }, nil
}

func (s *Store) migrateGoose(ctx context.Context, schema string) error {
	provider, closeProvider, err := s.gooseProvider(schema)
	if err != nil {
		return err
	}
	defer closeProvider()
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("postgres: goose migrations in schema %s: %w", schema, err)
	}
	if len(results) > 0 {
		s.logger.InfoContext(ctx, "postgres: applied goose migrations",
			"schema", schema, "count", len(results))
	}
	return nil
}

// migrateRiver applies River's migrations while holding a session advisory
// lock, because rivermigrate takes none itself.
func (s *Store) migrateRiver(ctx context.Context, schema string) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire connection for river migration lock: %w", err)
	}
	defer conn.Release()
	id := lockID("river", schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", id); err != nil {
		return fmt.Errorf("postgres: take river migration lock: %w", err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", id); uerr != nil {
			// A session that cannot unlock must not go back to the pool holding the lock.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
			err = errors.Join(err, fmt.Errorf("postgres: release river migration lock: %w", uerr))
		}
	}()
	migrator, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Logger: riverlog.Logger(s.logger)})
	if err != nil {
		return fmt.Errorf("postgres: create river migrator: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("postgres: river migrations in schema %s: %w", schema, err)
	}
	if len(res.Versions) > 0 {
		s.logger.InfoContext(ctx, "postgres: applied river migrations",
			"schema", schema, "count", len(res.Versions))
	}
	return nil
}

// lockID derives an advisory lock key from what is migrated and the schema,
// so that migrations of different schemas do not wait for each other.
func lockID(what, schema string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("cuota." + what + ":" + schema))
	return int64(h.Sum64())
}

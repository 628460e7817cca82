package sqlite

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/rivermigrate"
)

// Migrate applies every pending migration: cuota's own schema (goose) first,
// then River's tables. Running it again when nothing is pending does nothing.
func (s *Store) Migrate(ctx context.Context) error {
	results, err := s.goose.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	for _, r := range results {
		s.logger.InfoContext(ctx, "applied migration",
			slog.Int64("version", r.Source.Version), slog.String("path", r.Source.Path),
			slog.Duration("duration", r.Duration))
	}
	res, err := s.migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	for _, v := range res.Versions {
		s.logger.InfoContext(ctx, "applied river migration",
			slog.Int("version", v.Version), slog.String("name", v.Name),
			slog.Duration("duration", v.Duration))
	}
	// Statements prepared before are for the old schema.
	if err := s.stmts.reset(); err != nil {
		return fmt.Errorf("migrate: close prepared statements: %w", err)
	}
	return nil
}

// MigrationsCurrent reports whether every migration, cuota's and River's,
// has been applied. On a database goose has never seen it creates goose's
// (empty) version table.
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	pending, err := s.goose.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("check schema migrations: %w", err)
	}
	if pending {
		return false, nil
	}
	res, err := s.migrator.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("check river migrations: %w", err)
	}
	return res.OK, nil
}

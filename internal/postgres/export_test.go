package postgres

import "context"

// MigrateDownTo rolls cuota's schema back to version, for tests of what a
// migration does to rows written before it.
func MigrateDownTo(ctx context.Context, s *Store, version int64) error {
	schema, err := s.currentSchema(ctx)
	if err != nil {
		return err
	}
	provider, closeProvider, err := s.gooseProvider(schema)
	if err != nil {
		return err
	}
	defer closeProvider()
	_, err = provider.DownTo(ctx, version)
	return err
}

// Exec runs a statement on the store's database and returns how many rows
// it changed, for tests that write rows as an older cuota did.
func Exec(ctx context.Context, s *Store, query string) (int64, error) {
	tag, err := s.pool.Exec(ctx, query)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

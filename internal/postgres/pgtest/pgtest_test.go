package pgtest_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

func TestURL(t *testing.T) {
	t.Parallel()
	admin, err := pgxpool.New(t.Context(), pgtest.BaseURL())
	require.NoError(t, err)
	t.Cleanup(admin.Close)

	var schema string
	t.Run("uses", func(t *testing.T) {
		dsn := pgtest.URL(t)
		pool, err := pgxpool.New(t.Context(), dsn)
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT current_schema()").Scan(&schema))
		require.Regexp(t, `^t_[a-z]{12}$`, schema)
		_, err = pool.Exec(t.Context(), "CREATE TABLE x (id int)")
		require.NoError(t, err)
		var where string
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT schemaname FROM pg_tables WHERE tablename = 'x' AND schemaname = $1", schema).Scan(&where))
		require.Equal(t, schema, where)
	})

	var exists bool
	require.NoError(t, admin.QueryRow(t.Context(),
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists))
	require.False(t, exists, "the schema is dropped when the test ends")
}

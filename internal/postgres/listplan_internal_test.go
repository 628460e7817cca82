package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/creditsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/storetest"
)

// queryRecorder is a DBTX that keeps the text and arguments of every query
// it runs, so that the test can ask PostgreSQL for their plans.
type queryRecorder struct {
	pgx.Tx
	queries []recordedQuery
}

type recordedQuery struct {
	sql  string
	args []any
}

func (r *queryRecorder) Query(ctx context.Context, q string, args ...any) (pgx.Rows, error) {
	r.queries = append(r.queries, recordedQuery{q, args})
	return r.Tx.Query(ctx, q, args...)
}

func (r *queryRecorder) Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error) {
	return r.Tx.Exec(ctx, q, args...)
}

// literal writes a recorded argument as an SQL literal for EXECUTE.
func literal(v any) string {
	switch v := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case int32, int64, int:
		return fmt.Sprint(v)
	default:
		panic(fmt.Sprintf("listplan: no literal for %T", v))
	}
}

// TestListsFilteredByAKeyUseItsIndex: every storetest.KeyedLists read
// goes through its key's index in PostgreSQL's generic plan — the plan a
// prepared statement settles on after five runs, which cannot look at the
// arguments (the optional-filter lists' generic plans walked the
// merchant's whole scope).
func TestListsFilteredByAKeyUseItsIndex(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, pgtest.URL(t), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Migrate(ctx))
	pgTx, err := s.pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pgTx.Rollback(context.Background()) })
	rec := &queryRecorder{Tx: pgTx}
	b := &base{tx: pgTx, accounts: accountsdb.New(rec), lifecycle: lifecycledb.New(rec), credits: creditsdb.New(rec)}
	tx := newTx(b)
	_, err = pgTx.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan")
	require.NoError(t, err)

	for i, c := range storetest.KeyedLists() {
		rec.queries = nil
		require.NoError(t, c.List(ctx, tx), c.Name)
		require.Len(t, rec.queries, 1, c.Name)
		q := rec.queries[0]
		name := fmt.Sprintf("listplan_%d", i)
		_, err := pgTx.Exec(ctx, "PREPARE "+name+" AS "+q.sql)
		require.NoError(t, err, c.Name)
		args := make([]string, len(q.args))
		for j, a := range q.args {
			args[j] = literal(a)
		}
		rows, err := pgTx.Query(ctx, "EXPLAIN EXECUTE "+name+"("+strings.Join(args, ", ")+")")
		require.NoError(t, err, c.Name)
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err, c.Name)
		require.Contains(t, strings.Join(plan, "\n"), " "+c.Index+" ", "%s: plan\n%s", c.Name, strings.Join(plan, "\n"))
	}
}

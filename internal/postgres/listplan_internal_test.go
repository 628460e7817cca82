package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

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
	r.queries = append(r.queries, recordedQuery{q, args})
	return r.Tx.Exec(ctx, q, args...)
}

// literal writes a recorded argument as an SQL literal for EXECUTE.
func literal(v any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	// An array is written as an untyped '{…}' literal, which takes the
	// parameter's type whatever element type the Go value has.
	array := func(n int, elem func(i int) string) string {
		out := make([]string, n)
		for i := range out {
			out[i] = elem(i)
		}
		return quote("{" + strings.Join(out, ",") + "}")
	}
	element := func(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }
	switch v := v.(type) {
	case string:
		return quote(v)
	case int32, int64, int, bool:
		return fmt.Sprint(v)
	case time.Time:
		return quote(v.Format(time.RFC3339Nano))
	case *time.Time:
		if v == nil {
			return "NULL"
		}
		return quote(v.Format(time.RFC3339Nano))
	case []string:
		return array(len(v), func(i int) string { return element(v[i]) })
	case []int64:
		return array(len(v), func(i int) string { return fmt.Sprint(v[i]) })
	case []time.Time:
		return array(len(v), func(i int) string { return element(v[i].Format(time.RFC3339Nano)) })
	default:
		panic(fmt.Sprintf("listplan: no literal for %T", v))
	}
}

// genericPlan asks PostgreSQL, in pgTx (where plan_cache_mode forces
// generic plans), for the plan of a recorded query.
func genericPlan(t *testing.T, pgTx pgx.Tx, name string, q recordedQuery) string {
	t.Helper()
	ctx := t.Context()
	_, err := pgTx.Exec(ctx, "PREPARE "+name+" AS "+q.sql)
	require.NoError(t, err, name)
	args := make([]string, len(q.args))
	for j, a := range q.args {
		args[j] = literal(a)
	}
	rows, err := pgTx.Query(ctx, "EXPLAIN EXECUTE "+name+"("+strings.Join(args, ", ")+")")
	require.NoError(t, err, name)
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err, name)
	return strings.Join(plan, "\n")
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
	b := &base{tx: pgTx}
	b.setQueries(rec)
	tx := newTx(b)
	_, err = pgTx.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan")
	require.NoError(t, err)

	for i, c := range storetest.KeyedLists() {
		rec.queries = nil
		require.NoError(t, c.List(ctx, tx), c.Name)
		require.Len(t, rec.queries, 1, c.Name)
		plan := genericPlan(t, pgTx, fmt.Sprintf("listplan_%d", i), rec.queries[0])
		require.Contains(t, plan, " "+c.Index+" ", "%s: plan\n%s", c.Name, plan)
	}

	// A sweep lane's due rows come in the due index's order, and its
	// claims are found by the partial claim index, not by reading every
	// subscription on each heartbeat and release. (The
	// chunk's bulk updates find rows by primary key with their scope as a
	// filter; on an empty table the planner rightly prefers a scan, so
	// only a large table shows it.)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	sweep := []struct {
		name  string
		write func() error
		index string
	}{
		{"extend claims", func() error { return tx.Batch.ExtendSubscriptionClaims(ctx, "tok_1", at) }, "subscriptions_claim_idx"},
		{"release claims", func() error { return tx.Batch.ReleaseSubscriptionClaims(ctx, "tok_1") }, "subscriptions_claim_idx"},
		{"due subscriptions", func() error {
			_, err := tx.Batch.LockDueSubscriptions(ctx, "", at, 500)
			return err
		}, "subscriptions_due_idx"},
	}
	for i, c := range sweep {
		rec.queries = nil
		_ = c.write() // no such rows: only the statement's plan matters
		require.NotEmpty(t, rec.queries, c.name)
		plan := genericPlan(t, pgTx, fmt.Sprintf("sweepplan_%d", i), rec.queries[len(rec.queries)-1])
		require.Contains(t, plan, " "+c.index+" ", "%s: plan\n%s", c.name, plan)
		// The due index gives the sweep's order whole: subscriptions sharing
		// a due time are not read and sorted for each chunk.
		require.NotContains(t, plan, "Sort", "%s: plan\n%s", c.name, plan)
	}
}

// TestReadBaseHasEveryQueryGroup: a Store.Read hands the areas a base with
// no transaction, so every group's queries must be on the base (an area
// that made its queries on base.tx would find nil there).
func TestReadBaseHasEveryQueryGroup(t *testing.T) {
	b := newReadBase(&queryRecorder{})
	v := reflect.ValueOf(b).Elem()
	groups := 0
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer && strings.HasSuffix(f.Type().Elem().PkgPath(), "db") && f.Type().Elem().Name() == "Queries" {
			groups++
			require.False(t, f.IsNil(), "base.%s", v.Type().Field(i).Name)
		}
	}
	entries, err := os.ReadDir("pgdb")
	require.NoError(t, err)
	require.Equal(t, len(entries), groups, "one Queries on the base per generated group in pgdb/")
}

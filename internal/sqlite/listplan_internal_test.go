package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/creditsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/eventsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
	"github.com/cuota/cuota/internal/storetest"
)

// planRecorder is a DBTX that asks SQLite for the plan of every query it
// runs (EXPLAIN QUERY PLAN with the same arguments) before running it.
type planRecorder struct {
	tx    *sql.Tx
	plans []string
}

func (r *planRecorder) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.tx.ExecContext(ctx, q, args...)
}

func (r *planRecorder) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return r.tx.PrepareContext(ctx, q)
}

func (r *planRecorder) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.tx.QueryRowContext(ctx, q, args...)
}

func (r *planRecorder) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := r.tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	var steps []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			return nil, err
		}
		steps = append(steps, detail)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	r.plans = append(r.plans, strings.Join(steps, "; "))
	return r.tx.QueryContext(ctx, q, args...)
}

// TestListsFilteredByAKeyUseItsIndex: every storetest.KeyedLists read
// goes through its key's index, as SQLite plans it.
func TestListsFilteredByAKeyUseItsIndex(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Migrate(ctx))
	sqlTx, err := s.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlTx.Rollback() })
	rec := &planRecorder{tx: sqlTx}
	b := &base{accounts: accountsdb.New(rec), lifecycle: lifecycledb.New(rec), credits: creditsdb.New(rec),
		events: eventsdb.New(rec), sqlTx: sqlTx}
	tx := newTx(b)
	for _, c := range storetest.KeyedLists() {
		rec.plans = nil
		require.NoError(t, c.List(ctx, tx), c.Name)
		require.Len(t, rec.plans, 1, c.Name)
		require.Contains(t, rec.plans[0], "INDEX "+c.Index, "%s: plan %q", c.Name, rec.plans[0])
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/alertsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/analyticsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/auditdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/checkoutdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/consoledb"
	"github.com/cuota/cuota/internal/sqlite/litedb/creditsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/dtedb"
	"github.com/cuota/cuota/internal/sqlite/litedb/eventsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
	"github.com/cuota/cuota/internal/sqlite/litedb/opsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/ufdb"
)

// statements are every generated query prepared once on the store's
// connection. Without them SQLite parses and compiles each statement on
// every call: a third of the renewal sweep's CPU went to its parser.
// A transaction runs them through Queries.WithTx, which reuses the
// connection's compiled statement.
type statements struct {
	accounts  *accountsdb.Queries
	analytics *analyticsdb.Queries
	audit     *auditdb.Queries
	lifecycle *lifecycledb.Queries
	ops       *opsdb.Queries
	credits   *creditsdb.Queries
	events    *eventsdb.Queries
	checkout  *checkoutdb.Queries
	console   *consoledb.Queries
	alerts    *alertsdb.Queries
	dte       *dtedb.Queries
	uf        *ufdb.Queries

	closers []func() error // of the groups prepared so far
	err     error          // the first group that failed to prepare
}

// prepareStatements prepares every group's statements on db.
func prepareStatements(ctx context.Context, db *sql.DB) (*statements, error) {
	st := &statements{}
	st.accounts = prepareGroup(st, "accounts", func() (*accountsdb.Queries, error) { return accountsdb.Prepare(ctx, db) })
	st.analytics = prepareGroup(st, "analytics", func() (*analyticsdb.Queries, error) { return analyticsdb.Prepare(ctx, db) })
	st.audit = prepareGroup(st, "audit", func() (*auditdb.Queries, error) { return auditdb.Prepare(ctx, db) })
	st.lifecycle = prepareGroup(st, "lifecycle", func() (*lifecycledb.Queries, error) { return lifecycledb.Prepare(ctx, db) })
	st.ops = prepareGroup(st, "ops", func() (*opsdb.Queries, error) { return opsdb.Prepare(ctx, db) })
	st.credits = prepareGroup(st, "credits", func() (*creditsdb.Queries, error) { return creditsdb.Prepare(ctx, db) })
	st.events = prepareGroup(st, "events", func() (*eventsdb.Queries, error) { return eventsdb.Prepare(ctx, db) })
	st.checkout = prepareGroup(st, "checkout", func() (*checkoutdb.Queries, error) { return checkoutdb.Prepare(ctx, db) })
	st.console = prepareGroup(st, "console", func() (*consoledb.Queries, error) { return consoledb.Prepare(ctx, db) })
	st.alerts = prepareGroup(st, "alerts", func() (*alertsdb.Queries, error) { return alertsdb.Prepare(ctx, db) })
	st.dte = prepareGroup(st, "dte", func() (*dtedb.Queries, error) { return dtedb.Prepare(ctx, db) })
	st.uf = prepareGroup(st, "uf", func() (*ufdb.Queries, error) { return ufdb.Prepare(ctx, db) })
	if st.err != nil {
		return nil, errors.Join(st.err, st.close())
	}
	return st, nil
}

// prepareGroup prepares one group's statements with prepare, unless an
// earlier group failed, and keeps what closes them.
func prepareGroup[Q interface{ Close() error }](st *statements, name string, prepare func() (Q, error)) Q {
	var q Q
	if st.err != nil {
		return q
	}
	q, err := prepare()
	if err != nil {
		st.err = fmt.Errorf("%s: %w", name, err)
		return q
	}
	st.closers = append(st.closers, q.Close)
	return q
}

// close closes the prepared statements of every group prepared so far.
func (st *statements) close() error {
	var errs []error
	for _, c := range st.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// statementCache prepares the statements on first use, after the schema
// exists. A database not migrated yet has nothing to prepare against: the
// transaction then runs its queries unprepared, and a later one tries
// again.
type statementCache struct {
	mu sync.Mutex
	st *statements
}

// get returns the prepared statements, preparing them if need be, or nil
// if they can't be prepared now. It must not be called while the store's
// one connection is held (inside a transaction): preparing needs it.
func (c *statementCache) get(ctx context.Context, db *sql.DB) *statements {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st == nil {
		st, err := prepareStatements(ctx, db)
		if err != nil {
			return nil
		}
		c.st = st
	}
	return c.st
}

// reset closes the prepared statements, so that the next transaction
// prepares them against the current schema (after a migration).
func (c *statementCache) reset() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st == nil {
		return nil
	}
	err := c.st.close()
	c.st = nil
	return err
}

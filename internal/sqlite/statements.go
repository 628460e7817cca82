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
}

// prepareStatements prepares every group's statements on db.
func prepareStatements(ctx context.Context, db *sql.DB) (_ *statements, err error) {
	st := &statements{}
	defer func() {
		if err != nil {
			err = errors.Join(err, st.close())
		}
	}()
	if st.accounts, err = accountsdb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if st.analytics, err = analyticsdb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	if st.audit, err = auditdb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if st.lifecycle, err = lifecycledb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("lifecycle: %w", err)
	}
	if st.ops, err = opsdb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	if st.credits, err = creditsdb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("credits: %w", err)
	}
	if st.events, err = eventsdb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	if st.checkout, err = checkoutdb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("checkout: %w", err)
	}
	if st.console, err = consoledb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	if st.alerts, err = alertsdb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	if st.dte, err = dtedb.Prepare(ctx, db); err != nil {
		return nil, fmt.Errorf("dte: %w", err)
	}
	return st, nil
}

// close closes the prepared statements of every group prepared so far.
func (st *statements) close() error {
	var errs []error
	if st.accounts != nil {
		errs = append(errs, st.accounts.Close())
	}
	if st.analytics != nil {
		errs = append(errs, st.analytics.Close())
	}
	if st.audit != nil {
		errs = append(errs, st.audit.Close())
	}
	if st.lifecycle != nil {
		errs = append(errs, st.lifecycle.Close())
	}
	if st.ops != nil {
		errs = append(errs, st.ops.Close())
	}
	if st.credits != nil {
		errs = append(errs, st.credits.Close())
	}
	if st.events != nil {
		errs = append(errs, st.events.Close())
	}
	if st.checkout != nil {
		errs = append(errs, st.checkout.Close())
	}
	if st.console != nil {
		errs = append(errs, st.console.Close())
	}
	if st.alerts != nil {
		errs = append(errs, st.alerts.Close())
	}
	if st.dte != nil {
		errs = append(errs, st.dte.Close())
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

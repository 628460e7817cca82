package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb"
)

// tx is the billing.Tx of one InTx call. Every statement runs on sqlTx.
type tx struct {
	q        *litedb.Queries
	sqlTx    *sql.Tx
	inserter *river.Client[*sql.Tx]
}

var _ billing.Tx = (*tx)(nil)

// notFoundIfNone turns an update that matched no row into ErrNotFound.
func notFoundIfNone(n int64, err error, format string, args ...any) error {
	if err != nil {
		return dbError(err, format, args...)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), billing.ErrNotFound)
	}
	return nil
}

// Jobs.

// Enqueue inserts job with River in this transaction, so it runs only if the transaction commits.
func (t *tx) Enqueue(ctx context.Context, job billing.Job) error {
	if _, err := t.inserter.InsertTx(ctx, t.sqlTx, job, nil); err != nil {
		return fmt.Errorf("enqueue %s job: %w", job.Kind(), err)
	}
	return nil
}

package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/auditdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
	"github.com/cuota/cuota/internal/postgres/pgdb/opsdb"
)

// base is what every area of one InTx call shares: the pgx transaction,
// the generated queries on it (one Queries per query group, see sqlc.yaml)
// and River's inserter. Each area type (auditTx, invoiceTx…, one per tx_*.go
// file) embeds it, so the areas stay small and still work on the same
// transaction. An area mostly uses its own group's queries, and another
// group's for the rows that group owns (gatewayTx reads refunds through
// lifecycle, say).
//
// Every write runs inside a savepoint: when it fails (a unique violation,
// say) only that statement is undone and the transaction stays usable, as it
// does on SQLite. Without the savepoint PostgreSQL would reject every later
// statement of the transaction.
type base struct {
	tx        pgx.Tx
	accounts  *accountsdb.Queries
	audit     *auditdb.Queries
	lifecycle *lifecycledb.Queries
	ops       *opsdb.Queries
	inserter  *river.Client[pgx.Tx]
}

// newBase returns the base of a transaction.
func newBase(pgTx pgx.Tx, inserter *river.Client[pgx.Tx]) *base {
	return &base{tx: pgTx, accounts: accountsdb.New(pgTx), audit: auditdb.New(pgTx),
		lifecycle: lifecycledb.New(pgTx), ops: opsdb.New(pgTx), inserter: inserter}
}

// newTx returns the billing.Tx of a transaction: every area on one base.
// The area values are one pointer wide, so building them allocates nothing.
func newTx(b *base) billing.Tx {
	return billing.Tx{
		Merchants:      merchantTx{b},
		Catalog:        catalogTx{b},
		Customers:      customerTx{b},
		PaymentMethods: paymentMethodTx{b},
		Coupons:        couponTx{b},
		Setups:         setupTx{b},
		Clocks:         clockTx{b},
		Subscriptions:  subscriptionTx{b},
		Invoices:       invoiceTx{b},
		Payments:       paymentTx{b},
		Events:         eventTx{b},
		Audit:          auditTx{b},
		Idempotency:    idempotencyTx{b},
		Jobs:           jobTx{b},
		Batch:          batchTx{b},
		Checkout:       checkoutTx{b},
		Notify:         notifyTx{b},
		Gateways:       gatewayTx{b},
	}
}

// jobTx is the billing.JobTx of one transaction.
type jobTx struct{ *base }

var _ billing.JobTx = jobTx{}

// uniqueViolation is PostgreSQL's SQLSTATE for a unique constraint failure.
const uniqueViolation = "23505"

// dbError turns a driver error into the store contract's errors: no rows
// becomes billing.ErrNotFound (wrapped, so errors.Is works), a unique
// violation a *billing.ErrUniqueViolation naming the constraint (also
// wrapped: use errors.As). Anything else is wrapped with op.
func dbError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, billing.ErrNotFound)
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == uniqueViolation {
		return fmt.Errorf("postgres: %s: %w", op, &billing.ErrUniqueViolation{Constraint: pgErr.ConstraintName})
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// write runs fn in a savepoint, rolling back to it if fn fails, and maps
// fn's error with dbError. writeAccounts, writeAudit, writeLifecycle and
// writeOps hand fn one query group's Queries on the savepoint instead.
func (t *base) write(ctx context.Context, op string, fn func(sp pgx.Tx) error) error {
	sp, err := t.tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: savepoint: %w", op, err)
	}
	if err := fn(sp); err != nil {
		if rbErr := sp.Rollback(context.WithoutCancel(ctx)); rbErr != nil {
			return errors.Join(dbError(op, err), fmt.Errorf("postgres: %s: rollback to savepoint: %w", op, rbErr))
		}
		return dbError(op, err)
	}
	if err := sp.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %s: release savepoint: %w", op, err)
	}
	return nil
}

// writeAccounts is write with the accounts group's queries on the savepoint.
func (t *base) writeAccounts(ctx context.Context, op string, fn func(q *accountsdb.Queries) error) error {
	return t.write(ctx, op, func(sp pgx.Tx) error { return fn(t.accounts.WithTx(sp)) })
}

// writeAudit is write with the audit group's queries on the savepoint.
func (t *base) writeAudit(ctx context.Context, op string, fn func(q *auditdb.Queries) error) error {
	return t.write(ctx, op, func(sp pgx.Tx) error { return fn(t.audit.WithTx(sp)) })
}

// writeLifecycle is write with the lifecycle group's queries on the savepoint.
func (t *base) writeLifecycle(ctx context.Context, op string, fn func(q *lifecycledb.Queries) error) error {
	return t.write(ctx, op, func(sp pgx.Tx) error { return fn(t.lifecycle.WithTx(sp)) })
}

// writeOps is write with the ops group's queries on the savepoint.
func (t *base) writeOps(ctx context.Context, op string, fn func(q *opsdb.Queries) error) error {
	return t.write(ctx, op, func(sp pgx.Tx) error { return fn(t.ops.WithTx(sp)) })
}

// updated checks an UPDATE's affected row count: none means not found.
func updated(n int64, err error) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return billing.ErrNotFound
	}
	return nil
}

// ts prepares a time for writing: UTC, truncated to the microsecond that
// PostgreSQL keeps, so that it reads back equal.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// tsPtr is ts for an optional time.
func tsPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// utcPtr returns a copy of an optional time read back, in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// encodeMap renders a map as JSON text; nil and empty maps give "{}".
func encodeMap[M ~map[string]V, V any](m M) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode map as JSON: %w", err)
	}
	return string(b), nil
}

// decodeMap parses JSON text written by encodeMap; the result is never nil.
func decodeMap[M ~map[string]V, V any](s string) (M, error) {
	var m M
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode JSON map: %w", err)
	}
	if m == nil {
		m = M{}
	}
	return m, nil
}

// rowLimit is the LIMIT for a page of limit items: one more row than asked
// for, to learn whether more exist. A limit of zero or less means no limit,
// as in the SQLite store.
func rowLimit(limit int) int32 {
	if limit <= 0 || limit >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(limit) + 1
}

// maxRows is the LIMIT for a query that returns at most limit rows, with no
// look-ahead row. A limit of zero or less means no limit (PostgreSQL
// rejects a negative LIMIT), as in the SQLite store.
func maxRows(limit int) int32 {
	if limit <= 0 || limit >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(limit)
}

// trimPage trims rows fetched with rowLimit(limit) to limit and reports whether
// any were left over.
func trimPage[T any](rows []T, limit int) ([]T, bool) {
	if limit > 0 && len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// convertRows converts rows one by one, stopping at the first error. It returns
// a non-nil slice.
func convertRows[R, T any](rows []R, f func(R) (T, error)) ([]T, error) {
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		v, err := f(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Enqueue inserts job with River in this transaction, so it becomes
// visible to workers when the transaction commits.
func (t jobTx) Enqueue(ctx context.Context, job billing.Job) error {
	if job == nil {
		return errors.New("postgres: enqueue: nil job")
	}
	return t.write(ctx, "enqueue "+job.Kind()+" job", func(sp pgx.Tx) error {
		_, err := t.inserter.InsertTx(ctx, sp, job, nil)
		return err
	})
}

package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
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

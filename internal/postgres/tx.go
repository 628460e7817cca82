package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/alertsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/analyticsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/auditdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/checkoutdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/consoledb"
	"github.com/cuota/cuota/internal/postgres/pgdb/creditsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/dtedb"
	"github.com/cuota/cuota/internal/postgres/pgdb/eventsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
	"github.com/cuota/cuota/internal/postgres/pgdb/opsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/ufdb"
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
// say) only that write is undone and the transaction stays usable, as it
// does on SQLite. Without the savepoint PostgreSQL would reject every later
// statement of the transaction. write (below) sends the savepoint in the
// same pipeline as the write's first statement.
type base struct {
	tx        pgx.Tx // nil in a Store.Read: every write refuses
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
	inserter  *river.Client[pgx.Tx]

	// spOpen: the savepoint cuota_write is open (the last write's, kept
	// until the next write releases it). writing: a write's fn is running.
	spOpen, writing bool
	// appended: rows appended and not yet sent (pipeline.go).
	appended []queued
}

// newBase returns the base of a transaction.
func newBase(pgTx pgx.Tx, inserter *river.Client[pgx.Tx]) *base {
	b := &base{tx: pgTx, inserter: inserter}
	b.setQueries(pipeDB{b})
	return b
}

// newReadBase returns the base of a Store.Read: its queries run on conn
// outside any transaction, and it has no transaction to write in.
func newReadBase(conn dbtx) *base {
	b := &base{}
	b.setQueries(conn)
	return b
}

// setQueries makes the base's generated queries run on db.
func (t *base) setQueries(db dbtx) {
	t.accounts, t.analytics, t.audit = accountsdb.New(db), analyticsdb.New(db), auditdb.New(db)
	t.lifecycle, t.ops, t.credits = lifecycledb.New(db), opsdb.New(db), creditsdb.New(db)
	t.events, t.checkout, t.console, t.alerts = eventsdb.New(db), checkoutdb.New(db), consoledb.New(db), alertsdb.New(db)
	t.dte, t.uf = dtedb.New(db), ufdb.New(db)
}

// errWriteInRead is the error of a write attempted in a Store.Read.
func errWriteInRead(op string) error {
	return fmt.Errorf("postgres: %s: a write in a read (Store.Read runs no transaction)", op)
}

// newTx returns the billing.Tx of a transaction: every area on one base.
// The area values are one pointer wide, so building them allocates nothing.
func newTx(b *base) billing.Tx {
	return billing.Tx{
		Merchants:      merchantTx{b},
		Catalog:        catalogTx{b},
		TaxRates:       taxRateTx{b},
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
		Analytics:      analyticsTx{b},
		Credits:        creditTx{b},
		Console:        consoleTx{b},
		Alerts:         alertTx{b},
		DTE:            dteTx{b},
		UF:             ufTx{b},
	}
}

// jobTx is the billing.JobTx of one transaction.
type jobTx struct{ *base }

var _ billing.JobTx = jobTx{}

// The savepoint of a write. One name serves every write: a write releases
// the previous write's savepoint before making its own, so at most one is
// open.
const (
	savepointSQL  = "SAVEPOINT cuota_write"
	releaseSQL    = "RELEASE SAVEPOINT cuota_write"
	rollbackToSQL = "ROLLBACK TO SAVEPOINT cuota_write"
)

// dbtx is what the generated queries run on (each group's DBTX): a
// *writeDB.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
}

// write runs fn in a savepoint, rolling back to it if fn fails, and maps
// fn's error with dbError. writeAccounts, writeAudit, writeLifecycle and
// writeOps hand fn one query group's Queries on the savepoint instead.
//
// The savepoint costs no round trip of its own: fn's first statement goes
// to the server in one pipeline with SAVEPOINT and, before it, the RELEASE
// of the previous write's savepoint, which stays open until then (a
// released savepoint and one still open are the same to every later
// statement, and COMMIT commits it). A write of one statement is one round
// trip, as without a savepoint; a failed write adds one, the ROLLBACK TO
// SAVEPOINT that undoes it and keeps the transaction usable.
func (t *base) write(ctx context.Context, op string, fn func(db dbtx) error) error {
	if t.tx == nil {
		return errWriteInRead(op)
	}
	if t.writing {
		// A write inside another's fn would release the outer write's
		// savepoint. No store method does that; this says so if one starts.
		return fmt.Errorf("postgres: %s: a write started inside another write", op)
	}
	t.writing = true
	defer func() { t.writing = false }()
	db := &writeDB{base: t}
	err := fn(db)
	if err == nil || !db.opened {
		// Without its savepoint fn ran no statement: nothing to undo.
		return dbError(op, err)
	}
	if _, rbErr := t.tx.Exec(context.WithoutCancel(ctx), rollbackToSQL); rbErr != nil {
		return errors.Join(dbError(op, err), fmt.Errorf("postgres: %s: rollback to savepoint: %w", op, rbErr))
	}
	// The savepoint stays open, empty; the next write releases it.
	return dbError(op, err)
}

// appendRow runs fn, the insert of a row under a new unique id (an event,
// an unsealed audit entry), without a savepoint: no caller goes on with a
// transaction in which such an insert failed, so there is nothing to keep
// usable, and a savepoint would cost PostgreSQL a subtransaction and two
// statements for each of the several such rows a request writes. If the
// insert fails, the transaction is aborted and only its end remains. It
// cannot be undone by a later write's failure: every write makes its own
// savepoint after it (see write). The insert is queued and rides in the
// transaction's next pipeline (pipeline.go).
func (t *base) appendRow(op string, fn func(db dbtx) error) error {
	if t.tx == nil {
		return errWriteInRead(op)
	}
	if t.writing {
		return fmt.Errorf("postgres: %s: a write started inside another write", op)
	}
	return dbError(op, fn(appender{base: t, op: op}))
}

// writeTx is write for a callback that needs the pgx.Tx itself (River's
// InsertTx): the savepoint is made first, on a round trip of its own.
func (t *base) writeTx(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	return t.write(ctx, op, func(db dbtx) error {
		if err := db.(*writeDB).open(ctx); err != nil {
			return err
		}
		return fn(t.tx)
	})
}

// writeAccounts is write with the accounts group's queries on the savepoint.
func (t *base) writeAccounts(ctx context.Context, op string, fn func(q *accountsdb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(accountsdb.New(db)) })
}

// writeAudit is write with the audit group's queries on the savepoint.
func (t *base) writeAudit(ctx context.Context, op string, fn func(q *auditdb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(auditdb.New(db)) })
}

// writeLifecycle is write with the lifecycle group's queries on the savepoint.
func (t *base) writeLifecycle(ctx context.Context, op string, fn func(q *lifecycledb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(lifecycledb.New(db)) })
}

// writeOps is write with the ops group's queries on the savepoint.
func (t *base) writeOps(ctx context.Context, op string, fn func(q *opsdb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(opsdb.New(db)) })
}

// writeDTE is write with the dte group's queries on the savepoint.
func (t *base) writeDTE(ctx context.Context, op string, fn func(q *dtedb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(dtedb.New(db)) })
}

// writeCredits is write with the credits group's queries on the savepoint.
func (t *base) writeCredits(ctx context.Context, op string, fn func(q *creditsdb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(creditsdb.New(db)) })
}

// writeDB is the dbtx of one write. Its first statement makes the write's
// savepoint in the same pipeline (see write); later ones go straight to the
// transaction, inside the savepoint.
type writeDB struct {
	base   *base
	opened bool // this write's savepoint is open
}

// send sends the appended rows, [RELEASE,] SAVEPOINT and then sql in one
// pipeline and reads all but sql's results. The caller reads sql's result
// and closes br.
func (d *writeDB) send(ctx context.Context, sql string, args []any) (br pgx.BatchResults, err error) {
	var extra []queued
	if d.base.spOpen {
		extra = append(extra, queued{op: "release previous savepoint", sql: releaseSQL})
		// Released or not, the transaction no longer has it: on an error
		// the transaction is aborted and only its end remains.
		d.base.spOpen = false
	}
	extra = append(extra, queued{op: "savepoint", sql: savepointSQL})
	if br, err = d.base.pipeline(ctx, extra, sql, args); err != nil {
		return nil, err
	}
	d.opened, d.base.spOpen = true, true
	return br, nil
}

// open makes the write's savepoint (a round trip) unless it is open.
func (d *writeDB) open(ctx context.Context) error {
	if d.opened {
		return nil
	}
	br, err := d.send(ctx, "", nil)
	if err != nil {
		return err
	}
	return br.Close()
}

// Exec runs sql, in the savepoint.
func (d *writeDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if d.opened {
		return d.base.tx.Exec(ctx, sql, args...)
	}
	br, err := d.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if closeErr := br.Close(); err == nil {
		err = closeErr
	}
	return tag, err
}

// Query runs sql, in the savepoint.
func (d *writeDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if d.opened {
		return d.base.tx.Query(ctx, sql, args...)
	}
	return queryIn(func() (pgx.BatchResults, error) { return d.send(ctx, sql, args) })
}

// QueryRow runs sql, in the savepoint, when the row is scanned.
func (d *writeDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if d.opened {
		return d.base.tx.QueryRow(ctx, sql, args...)
	}
	return &batchRow{send: func() (pgx.BatchResults, error) { return d.send(ctx, sql, args) }}
}

// CopyFrom copies rows into table, in the savepoint, which it makes on a
// round trip of its own (COPY cannot join a pipeline).
func (d *writeDB) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error) {
	if err := d.open(ctx); err != nil {
		return 0, err
	}
	return d.base.tx.CopyFrom(ctx, table, columns, rows)
}

// batchRows is Query's pgx.Rows: it closes the pipeline once the rows are
// read, so that the transaction can run the next statement.
type batchRows struct {
	pgx.Rows
	br       pgx.BatchResults // nil once closed
	closeErr error
}

// Next advances to the next row; after the last it closes the pipeline.
func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.finish()
	return false
}

// Close closes the rows and the pipeline.
func (r *batchRows) Close() {
	r.Rows.Close()
	r.finish()
}

// Err returns the query's error, or closing the pipeline's.
func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.closeErr
}

// finish closes the pipeline once; the rows must be closed.
func (r *batchRows) finish() {
	if r.br != nil {
		r.closeErr = r.br.Close()
		r.br = nil
	}
}

// Enqueue inserts job with River in this transaction, so it becomes
// visible to workers when the transaction commits.
func (t jobTx) Enqueue(ctx context.Context, job billing.Job) error {
	if job == nil {
		return errors.New("postgres: enqueue: nil job")
	}
	return t.writeTx(ctx, "enqueue "+job.Kind()+" job", func(tx pgx.Tx) error {
		_, err := t.inserter.InsertTx(ctx, tx, job, nil)
		return err
	})
}

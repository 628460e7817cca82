package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// An appended row (an event, an unsealed audit entry: see appendRow) is not
// sent on a round trip of its own. It waits in base.appended and goes to
// the server at the head of the transaction's next pipeline, whatever that
// next statement is, or just before COMMIT (flush). Every later statement
// therefore sees it, as if it had been sent at once, and a request that
// appends five such rows saves five round trips. Its error comes back with
// the statement it rode with: the transaction is aborted by then, and only
// its end remains, as before.

// queued is a statement waiting for the next pipeline.
type queued struct {
	op   string // what it does, for its error
	sql  string
	args []any
}

// pipeline sends, in one pipeline, the appended rows, then extra, then sql
// (unless it is ""), and reads the results of all but sql. The caller reads
// sql's result from br and closes br.
func (t *base) pipeline(ctx context.Context, extra []queued, sql string, args []any) (br pgx.BatchResults, err error) {
	pre := append(t.appended, extra...)
	t.appended = nil
	b := &pgx.Batch{}
	for _, q := range pre {
		b.Queue(q.sql, q.args...)
	}
	if sql != "" {
		b.Queue(sql, args...)
	}
	br = t.tx.SendBatch(ctx, b)
	for _, q := range pre {
		if _, err := br.Exec(); err != nil {
			_ = br.Close() // it repeats err
			return nil, dbError(q.op, err)
		}
	}
	return br, nil
}

// flush sends the appended rows, if any (before COMMIT, a COPY, or River's
// use of the transaction).
func (t *base) flush(ctx context.Context) error {
	if len(t.appended) == 0 {
		return nil
	}
	br, err := t.pipeline(ctx, nil, "", nil)
	if err != nil {
		return err
	}
	return br.Close()
}

// appender is the dbtx appendRow hands its fn: an Exec is queued, to be
// sent with the next pipeline.
type appender struct {
	base *base
	op   string
}

func (a appender) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	a.base.appended = append(a.base.appended, queued{op: a.op, sql: sql, args: args})
	return pgconn.CommandTag{}, nil
}

// errNotAppendable: an appended row is an insert run with Exec.
var errNotAppendable = errors.New("postgres: only an Exec can be appended")

func (a appender) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errNotAppendable
}

func (a appender) QueryRow(context.Context, string, ...any) pgx.Row { return errRow{errNotAppendable} }

func (a appender) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errNotAppendable
}

// errRow is a pgx.Row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// pipeDB is the dbtx of a transaction's reads: with rows appended and not
// yet sent, a statement takes them along in its pipeline.
type pipeDB struct{ base *base }

func (d pipeDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if len(d.base.appended) == 0 {
		return d.base.tx.Exec(ctx, sql, args...)
	}
	br, err := d.base.pipeline(ctx, nil, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if closeErr := br.Close(); err == nil {
		err = closeErr
	}
	return tag, err
}

func (d pipeDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if len(d.base.appended) == 0 {
		return d.base.tx.Query(ctx, sql, args...)
	}
	return queryIn(func() (pgx.BatchResults, error) { return d.base.pipeline(ctx, nil, sql, args) })
}

func (d pipeDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if len(d.base.appended) == 0 {
		return d.base.tx.QueryRow(ctx, sql, args...)
	}
	return &batchRow{send: func() (pgx.BatchResults, error) { return d.base.pipeline(ctx, nil, sql, args) }}
}

// CopyFrom sends the appended rows first: COPY cannot join a pipeline.
func (d pipeDB) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error) {
	if err := d.base.flush(ctx); err != nil {
		return 0, err
	}
	return d.base.tx.CopyFrom(ctx, table, columns, rows)
}

// queryIn sends a pipeline whose last statement is a query and returns its
// rows, which close the pipeline once read.
func queryIn(send func() (pgx.BatchResults, error)) (pgx.Rows, error) {
	br, err := send()
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		rows.Close()
		_ = br.Close() // it repeats err
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// batchRow is a pgx.Row whose Scan sends the pipeline its statement ends.
type batchRow struct {
	send func() (pgx.BatchResults, error)
}

// Scan runs the query and scans its one row into dest.
func (r *batchRow) Scan(dest ...any) error {
	br, err := r.send()
	if err != nil {
		return err
	}
	err = br.QueryRow().Scan(dest...)
	if closeErr := br.Close(); err == nil {
		err = closeErr
	}
	return err
}

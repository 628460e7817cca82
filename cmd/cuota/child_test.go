//go:build unix

package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// This file runs the real cuota binary as child processes: the program is
// built once per test binary, started with `cuota serve`, killed and
// restarted, while the test reads the shared database directly.

// binary is the lazily built cuota executable, shared by the tests that
// use it and removed when the last of them ends.
var binary struct {
	mu   sync.Mutex
	dir  string
	path string
	refs int
}

// cuotaBinary builds the program in this directory (once; later callers
// reuse the build) and returns the executable's path for t's lifetime.
func cuotaBinary(t *testing.T) string {
	t.Helper()
	binary.mu.Lock()
	defer binary.mu.Unlock()
	if binary.path == "" {
		dir, err := os.MkdirTemp("", "cuota-bin-")
		require.NoError(t, err)
		path := filepath.Join(dir, "cuota")
		start := time.Now()
		cmd := exec.Command("go", "build", "-o", path, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			_ = os.RemoveAll(dir)
			t.Fatalf("go build the cuota binary: %v\n%s", err, out)
		}
		t.Logf("built %s in %s", path, time.Since(start).Round(time.Millisecond))
		binary.dir, binary.path = dir, path
	}
	binary.refs++
	path := binary.path
	t.Cleanup(func() {
		binary.mu.Lock()
		defer binary.mu.Unlock()
		if binary.refs--; binary.refs == 0 {
			_ = os.RemoveAll(binary.dir)
			binary.dir, binary.path = "", ""
		}
	})
	return path
}

// child is one run of `cuota serve` in its own process.
type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has been waited for
	err  error         // its exit, once done is closed
}

// childSet starts cuota processes on one database, appending each one's
// output to its log file, and kills whatever still runs when the test ends.
type childSet struct {
	t      *testing.T
	bin    string
	dbURL  string
	dir    string
	mu     sync.Mutex
	logs   []string // every log file, in the order first used
	living []*child
}

func newChildSet(t *testing.T, dbURL string) *childSet {
	cs := &childSet{t: t, bin: cuotaBinary(t), dbURL: dbURL, dir: t.TempDir()}
	// Registered after t.TempDir, so it runs before the directory goes.
	t.Cleanup(func() {
		cs.mu.Lock()
		living := append([]*child(nil), cs.living...)
		cs.mu.Unlock()
		for _, c := range living {
			c.kill()
		}
		if t.Failed() {
			for _, l := range cs.logs {
				t.Logf("tail of %s:\n%s", filepath.Base(l), tailFile(l, 60))
			}
		}
	})
	return cs
}

// start runs `cuota serve --addr 127.0.0.1:0` with its output appended to
// the log file named logName.
func (cs *childSet) start(logName string) *child {
	t := cs.t
	t.Helper()
	logPath := filepath.Join(cs.dir, logName)
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	defer f.Close() // the child has its own descriptor
	_, _ = fmt.Fprintf(f, "=== test: starting %s at %s\n", logName, time.Now().Format(time.RFC3339Nano))

	cmd := exec.Command(cs.bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = childEnv(map[string]string{
		"CUOTA_DATABASE_URL": cs.dbURL,
		"CUOTA_LOG_FORMAT":   "text",
		"CUOTA_RATE_LIMIT":   "0",
	})
	cmd.Stdout, cmd.Stderr = f, f
	setChildAttrs(cmd)
	require.NoError(t, cmd.Start(), "start cuota serve")
	c := &child{name: logName, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	cs.mu.Lock()
	if !slices.Contains(cs.logs, logPath) {
		cs.logs = append(cs.logs, logPath)
	}
	cs.living = append(cs.living, c)
	cs.mu.Unlock()
	return c
}

// logErrors returns the lines of every child's log that report an error
// (River logs a failed job attempt at INFO as "Job errored").
func (cs *childSet) logErrors() string {
	cs.mu.Lock()
	logs := append([]string(nil), cs.logs...)
	cs.mu.Unlock()
	var b strings.Builder
	for _, l := range logs {
		data, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "Job errored") {
				fmt.Fprintf(&b, "%s: %s\n", filepath.Base(l), line)
			}
		}
	}
	return b.String()
}

// childEnv is the test's environment without any CUOTA_ variable, plus set.
func childEnv(set map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CUOTA_") {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// exited reports whether the process has ended on its own.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}

// stop sends SIGTERM and waits up to limit for a clean exit; it kills the
// process and returns an error if it does not stop in time or fails.
func (c *child) stop(limit time.Duration) error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return c.err
	case <-time.After(limit):
		c.kill()
		return fmt.Errorf("%s did not stop within %s of SIGTERM", c.name, limit)
	}
}

// tailFile returns the last n lines of the file at path.
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… (%d earlier lines)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// seedDue opens the database the way the program does, migrates it and
// seeds n subscriptions on tok_visa whose renewal is due, then closes it.
// It returns the seeded merchant's id.
func seedDue(t *testing.T, dbURL string, n int) string {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := openStore(ctx, dbURL, logger)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Migrate(ctx))
	a, err := simApp(s, time.Now, logger)
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, benchSeed(ctx, a, s, n))
	t.Logf("seeded %d due subscriptions in %s", n, time.Since(start).Round(time.Millisecond))
	var merchant string
	err = s.InTx(ctx, func(tx billing.Tx) error {
		ms, err := tx.Merchants.ListMerchants(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Name == "Bench" {
				merchant = m.ID
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, merchant)
	return merchant
}

// renewalDB reads the renewal state of a database the program writes. It
// only ever reads.
type renewalDB struct {
	t        *testing.T
	db       *sql.DB
	sqlite   bool   // SQLite keeps times as Unix microseconds and binds with ?
	merchant string // the seeded merchant
	n        int    // how many subscriptions were seeded
}

func openRenewalDB(t *testing.T, dbURL, merchant string, n int) *renewalDB {
	t.Helper()
	var db *sql.DB
	var err error
	path, isSQLite := strings.CutPrefix(dbURL, "sqlite:")
	if isSQLite {
		db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	} else {
		db, err = sql.Open("pgx", dbURL)
	}
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return &renewalDB{t: t, db: db, sqlite: isSQLite, merchant: merchant, n: n}
}

// ph is the i-th bind parameter.
func (r *renewalDB) ph(i int) string {
	if r.sqlite {
		return "?"
	}
	return fmt.Sprintf("$%d", i)
}

// timeArg is t as the store keeps it.
func (r *renewalDB) timeArg(t time.Time) any {
	if r.sqlite {
		return t.UnixMicro()
	}
	return t
}

// dueBy counts the seeded subscriptions with work due at or before t.
func (r *renewalDB) dueBy(t time.Time) (int, error) {
	var k int
	err := r.db.QueryRow(`SELECT count(*) FROM subscriptions WHERE merchant_id = `+r.ph(1)+
		` AND next_action_at IS NOT NULL AND next_action_at <= `+r.ph(2), r.merchant, r.timeArg(t)).Scan(&k)
	return k, err
}

// checkUnresolved asserts, on a database no process writes, that every
// payment still pending or unknown is safely parked for reconciliation: it
// is its invoice's only attempt (nothing charged the invoice again), the
// invoice is open with a next attempt, its subscription's next action comes
// no later than that attempt (the sweep will pick it up), and the ledger
// shows nothing but, at most, the one success under its key; and it is due
// again within maxWait. It returns how many there are and when the last of
// them falls due.
func (r *renewalDB) checkUnresolved(maxWait time.Duration) (int, time.Time) {
	t := r.t
	t.Helper()
	rows, err := r.db.Query(`SELECT p.id, p.status, i.status,
			(SELECT count(*) FROM payments p2 WHERE p2.invoice_id = p.invoice_id),
			CASE WHEN i.next_attempt_at IS NOT NULL AND s.next_action_at IS NOT NULL
				AND s.next_action_at <= i.next_attempt_at THEN 1 ELSE 0 END,
			coalesce((SELECT c.outcome FROM sim_charges c WHERE c.key = p.idempotency_key), ''),
			s.next_action_at, p.created, p.updated
		FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN subscriptions s ON s.id = i.subscription_id
		WHERE p.status IN ('pending', 'unknown') ORDER BY p.id`)
	require.NoError(t, err)
	defer rows.Close()
	count, charged := 0, 0
	var last time.Time
	for rows.Next() {
		var id, status, invStatus, ledger string
		var attempts int
		var scheduled int
		var times [3]sql.NullTime // the subscription's next action, the payment's created and updated
		var micros [3]sql.NullInt64
		dest := []any{&id, &status, &invStatus, &attempts, &scheduled, &ledger}
		for i := range times {
			if r.sqlite {
				dest = append(dest, &micros[i])
			} else {
				dest = append(dest, &times[i])
			}
		}
		require.NoError(t, rows.Scan(dest...))
		if r.sqlite {
			for i, m := range micros {
				times[i] = sql.NullTime{Time: time.UnixMicro(m.Int64), Valid: m.Valid}
			}
		}
		due := times[0].Time
		if count < 10 {
			t.Logf("unresolved payment %s: %s, created %s, updated %s, ledger %q; its subscription's next action %s (in %s)",
				id, status, times[1].Time.UTC().Format(time.RFC3339), times[2].Time.UTC().Format(time.RFC3339), ledger,
				due.UTC().Format(time.RFC3339), time.Until(due).Round(time.Second))
		}
		count++
		if ledger == "succeeded" {
			charged++
		}
		require.Equal(t, 1, attempts, "payment %s (%s) is its invoice's only attempt", id, status)
		require.Equal(t, "open", invStatus, "the invoice of unresolved payment %s stays open", id)
		require.Equal(t, 1, scheduled, "unresolved payment %s is scheduled for reconciliation", id)
		require.Contains(t, []string{"", "succeeded"}, ledger, "payment %s: the ledger holds at most its one success", id)
		if wait := time.Until(due); wait > maxWait {
			t.Errorf("unresolved payment %s (%s, ledger %q) is parked for %s, longer than the %s the reconcile schedule allows here",
				id, status, ledger, wait.Round(time.Second), maxWait)
		}
		if due.After(last) {
			last = due
		}
	}
	require.NoError(t, rows.Err())
	if count > 0 {
		t.Logf("%d payments left unresolved, scheduled for reconciliation by %s (in %s); %d of them were charged at the gateway",
			count, last.UTC().Format(time.RFC3339), time.Until(last).Round(time.Second), charged)
	}
	return count, last
}

// reconcileAt runs the sweep in this process, on the program's own store
// and app with a clock moved forward to at, until nothing is due: the
// reconciliation a later run of the program would do then. No other
// process may run.
func reconcileAt(t *testing.T, dbURL string, at time.Time) {
	t.Helper()
	offset := time.Until(at) + time.Second
	require.Less(t, offset, 48*time.Hour, "reconciliation is due within the reconcile schedule's first steps")
	clock := func() time.Time { return time.Now().Add(offset) }
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	s, err := openStore(ctx, dbURL, logger)
	require.NoError(t, err)
	defer s.Close()
	a, err := simApp(s, clock, logger)
	require.NoError(t, err)
	handled, errs := sweepUntilIdle(ctx, a, 500)
	require.Empty(t, errs, "reconciliation sweeps")
	t.Logf("reconciled with the clock moved %s ahead: the sweep handled %d subscriptions", offset.Round(time.Second), handled)
}

// int runs a query returning one integer.
func (r *renewalDB) int(query string) (int, error) {
	var v sql.NullInt64
	err := r.db.QueryRow(query).Scan(&v)
	return int(v.Int64), err
}

// progress is how far the renewals are: cycle invoices written, charges
// the sim accepted, cycle invoices paid, and payments still unresolved.
type progress struct{ invoiced, charged, paid, unsettled int }

func (p progress) String() string {
	return fmt.Sprintf("%d invoiced, %d charged, %d paid, %d payments pending/unknown", p.invoiced, p.charged, p.paid, p.unsettled)
}

func (r *renewalDB) progress() (progress, error) {
	var p progress
	err := r.db.QueryRow(`SELECT
		(SELECT count(*) FROM invoices WHERE billing_reason = 'subscription_cycle'),
		(SELECT count(*) FROM sim_charges WHERE outcome = 'succeeded'),
		(SELECT count(*) FROM invoices WHERE billing_reason = 'subscription_cycle' AND status = 'paid'),
		(SELECT count(*) FROM payments WHERE status IN ('pending', 'unknown'))`).Scan(&p.invoiced, &p.charged, &p.paid, &p.unsettled)
	return p, err
}

// finished reports whether every seeded subscription is renewed and paid
// and no payment is left unresolved.
func (p progress) finished(n int) bool { return p.invoiced == n && p.paid == n && p.unsettled == 0 }

// inFlight describes the unresolved payments a crash left behind: those
// the gateway never saw, and those whose money moved but whose success was
// never recorded.
func (r *renewalDB) inFlight() string {
	var notCharged, charged int
	err := r.db.QueryRow(`SELECT
		(SELECT count(*) FROM payments p WHERE p.status IN ('pending', 'unknown')
			AND NOT EXISTS (SELECT 1 FROM sim_charges c WHERE c.key = p.idempotency_key)),
		(SELECT count(*) FROM payments p WHERE p.status IN ('pending', 'unknown')
			AND EXISTS (SELECT 1 FROM sim_charges c WHERE c.key = p.idempotency_key AND c.outcome = 'succeeded'))`).Scan(&notCharged, &charged)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d recorded payments the gateway never saw, %d charged but not recorded as paid", notCharged, charged)
}

// waitFor polls the database every 5 ms until cond holds for the progress
// read, the child exits, or the deadline passes.
func (r *renewalDB) waitFor(c *child, deadline time.Time, what string, cond func(progress) bool) progress {
	r.t.Helper()
	for {
		p, err := r.progress()
		if err == nil && cond(p) {
			return p
		}
		if c != nil && c.exited() {
			r.t.Fatalf("%s exited (%v) while waiting for %s; progress %v", c.name, c.err, what, p)
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s; progress %v (last error %v)\n%s%s", what, p, err, r.riverJobs(), r.pgActivity())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pgActivity lists the other sessions of a PostgreSQL database with what
// they wait for, for failures; it returns "" on SQLite.
func (r *renewalDB) pgActivity() string {
	rows, err := r.db.Query(`SELECT pid, coalesce(application_name, ''), coalesce(state, ''),
		coalesce(wait_event_type, '') || ':' || coalesce(wait_event, ''),
		coalesce(extract(epoch FROM now() - xact_start), 0), left(coalesce(query, ''), 160)
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY xact_start`)
	if err != nil {
		return ""
	}
	defer rows.Close()
	var b strings.Builder
	b.WriteString("pg_stat_activity:\n")
	for rows.Next() {
		var pid int
		var app, state, wait, query string
		var age float64
		if err := rows.Scan(&pid, &app, &state, &wait, &age, &query); err != nil {
			return b.String() + err.Error()
		}
		fmt.Fprintf(&b, "  pid=%d app=%q state=%s wait=%s tx_age=%.1fs query=%q\n", pid, app, state, wait, age, query)
	}
	return b.String()
}

// expireLeadership ends the River leadership a killed process held, as its
// lease running out would 10–20 s later, so that the next process elects
// itself and enqueues its sweep at once instead of after the lease. Call it
// only while no process runs. An error (River renamed its table) only
// makes the next run wait for the lease.
func (r *renewalDB) expireLeadership() {
	if _, err := r.db.Exec(`DELETE FROM river_leader`); err != nil {
		r.t.Logf("could not end the dead process's River leadership (the next run waits for its lease): %v", err)
	}
}

// riverJobs describes River's renewal sweep jobs and leader, for failures.
func (r *renewalDB) riverJobs() string {
	var b strings.Builder
	rows, err := r.db.Query(`SELECT id, kind, state, attempt, errors FROM river_job ORDER BY id`)
	if err != nil {
		return "river_job: " + err.Error()
	}
	defer rows.Close()
	b.WriteString("river_job rows:\n")
	for rows.Next() {
		var id, attempt int64
		var kind, state string
		var errs sql.NullString
		if err := rows.Scan(&id, &kind, &state, &attempt, &errs); err != nil {
			return b.String() + err.Error()
		}
		e := errs.String
		if len(e) > 300 {
			e = e[:300] + "…"
		}
		fmt.Fprintf(&b, "  %d %s state=%s attempt=%d errors=%s\n", id, kind, state, attempt, e)
	}
	return b.String()
}

// checkRenewals asserts the exactly-once invariants on a database no
// process writes any more:
//
//   - every seeded subscription was renewed once: cycle 2, one cycle
//     invoice, and no (subscription, period) has two invoices;
//   - every renewal invoice is paid by exactly one succeeded payment, whose
//     idempotency key has exactly one succeeded charge in the sim's ledger
//     for the invoice's amount;
//   - the ledger has no success that is not a succeeded payment, nothing
//     else (no decline, error or refund: every card is tok_visa), and no
//     payment is failed, pending or unknown;
//   - each invoice was paid once (one invoice.paid event);
//   - invoice numbers are gapless per merchant and mode: 1..K, no repeats.
func (r *renewalDB) checkRenewals() {
	t := r.t
	t.Helper()
	count := func(what, query string) int {
		t.Helper()
		v, err := r.int(query)
		require.NoError(t, err, what)
		return v
	}
	n := r.n
	require.Equal(t, n, count("seeded subscriptions", `SELECT count(*) FROM subscriptions WHERE merchant_id = '`+r.merchant+`'`))
	require.Equal(t, n, count("renewed subscriptions", `SELECT count(*) FROM subscriptions
		WHERE merchant_id = '`+r.merchant+`' AND cycle_index = 2 AND status = 'active'`),
		"every seeded subscription is in its second period and active")
	require.Zero(t, count("duplicate periods", `SELECT count(*) FROM (SELECT subscription_id, period_start FROM invoices
		GROUP BY subscription_id, period_start HAVING count(*) > 1) d`), "one invoice per (subscription, period)")
	require.Equal(t, n, count("cycle invoices", `SELECT count(*) FROM invoices WHERE billing_reason = 'subscription_cycle'`))
	require.Equal(t, n, count("renewed subscriptions with one cycle invoice", `SELECT count(*) FROM (SELECT s.id FROM subscriptions s
		JOIN invoices i ON i.subscription_id = s.id AND i.billing_reason = 'subscription_cycle' AND i.period_start = s.current_period_start
		WHERE s.merchant_id = '`+r.merchant+`' GROUP BY s.id HAVING count(*) = 1) x`),
		"each subscription has exactly one invoice for its new period")
	require.Equal(t, n, count("paid cycle invoices", `SELECT count(*) FROM invoices
		WHERE billing_reason = 'subscription_cycle' AND status = 'paid' AND amount_paid = total AND total > 0`))

	// Payments: one success per invoice, nothing unresolved or failed.
	var statuses []string
	rows, err := r.db.Query(`SELECT status || ':' || failure_code, count(*) FROM payments GROUP BY status, failure_code ORDER BY 1`)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		var k int
		require.NoError(t, rows.Scan(&s, &k))
		statuses = append(statuses, fmt.Sprintf("%s=%d", s, k))
	}
	require.NoError(t, rows.Err())
	_ = rows.Close()
	require.Equal(t, []string{fmt.Sprintf("succeeded:=%d", n)}, statuses,
		"every payment succeeded, one per invoice; none failed, pending or unknown")
	require.Equal(t, n, count("invoices with one succeeded payment", `SELECT count(*) FROM (SELECT i.id FROM invoices i
		JOIN payments p ON p.invoice_id = i.id AND p.status = 'succeeded' AND p.amount = i.amount_paid
		WHERE i.billing_reason = 'subscription_cycle' AND i.status = 'paid' GROUP BY i.id HAVING count(*) = 1) x`))

	// The gateway's ledger: exactly one accepted charge per paid invoice,
	// under that payment's key, for its amount; nothing else.
	require.Equal(t, n, count("ledger successes matching a succeeded payment", `SELECT count(*) FROM payments p
		JOIN sim_charges c ON c.key = p.idempotency_key AND c.outcome = 'succeeded' AND c.amount = p.amount AND c.refunded = 0
		WHERE p.status = 'succeeded'`), "every paid invoice has exactly one accepted sim charge (the key is the ledger's primary key)")
	require.Equal(t, n, count("ledger successes", `SELECT count(*) FROM sim_charges WHERE outcome = 'succeeded'`),
		"no accepted sim charge without a succeeded payment")
	require.Zero(t, count("ledger successes without a succeeded payment", `SELECT count(*) FROM sim_charges c
		WHERE c.outcome = 'succeeded' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.idempotency_key = c.key AND p.status = 'succeeded')`))
	require.Zero(t, count("other ledger entries", `SELECT count(*) FROM sim_charges WHERE outcome <> 'succeeded'`),
		"no decline, error or refund in the ledger")
	require.Equal(t, n, count("customers charged once", `SELECT count(*) FROM (SELECT p.customer_id FROM payments p
		JOIN sim_charges c ON c.key = p.idempotency_key AND c.outcome = 'succeeded' GROUP BY p.customer_id HAVING count(*) = 1) x`),
		"each customer (one subscription each) was charged exactly once")

	// Each invoice was settled once.
	require.Zero(t, count("invoices paid twice", `SELECT count(*) FROM (SELECT object_id FROM events WHERE type = 'invoice.paid'
		GROUP BY object_id HAVING count(*) > 1) x`), "one invoice.paid event per invoice")
	require.Equal(t, n, count("invoice.paid events", `SELECT count(*) FROM events WHERE type = 'invoice.paid'`))

	// Gapless invoice numbers per merchant and mode.
	numbers := map[string][]int{}
	rows, err = r.db.Query(`SELECT merchant_id, mode, number FROM invoices WHERE number <> ''`)
	require.NoError(t, err)
	for rows.Next() {
		var m, mode, number string
		require.NoError(t, rows.Scan(&m, &mode, &number))
		i := strings.LastIndexByte(number, '-')
		k, err := strconv.Atoi(number[i+1:])
		require.NoError(t, err, "invoice number %q", number)
		numbers[m+"/"+mode] = append(numbers[m+"/"+mode], k)
	}
	require.NoError(t, rows.Err())
	_ = rows.Close()
	require.Len(t, numbers[r.merchant+"/test"], n, "every renewal invoice is numbered")
	for scope, l := range numbers {
		sort.Ints(l)
		for i, k := range l {
			if k != i+1 {
				t.Fatalf("invoice numbers of %s are not 1..%d without gaps or repeats: position %d holds %d", scope, len(l), i, k)
			}
		}
	}
}

// sweepUntilIdle runs app.Renewals.Sweep in this process until it finds nothing due,
// the way another sweeper would, and returns how many subscriptions it
// handled and the errors of failed calls (it goes on after a failure, and
// gives up after 20).
func sweepUntilIdle(ctx context.Context, a *app.App, chunk int) (handled int, errs []error) {
	for ctx.Err() == nil {
		k, err := a.Renewals.Sweep(ctx, chunk)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return handled, errs
			}
			errs = append(errs, err)
			if len(errs) > 20 {
				return handled, errs
			}
			continue
		}
		handled += k
		if k == 0 {
			return handled, errs
		}
	}
	return handled, errs
}

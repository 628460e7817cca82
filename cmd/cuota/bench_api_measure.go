package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the observer's queries
)

// clockTicks is the unit of /proc/PID/stat's CPU times: USER_HZ, which is
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// benchObserver watches the resources a bench run uses: cuota's own CPU
// time, PostgreSQL's (per process, from /proc) and the load average. On
// PostgreSQL it holds one session of its own, named apart from the bench's.
type benchObserver struct {
	db      *sql.DB // nil on SQLite
	appName string  // application_name of the bench's sessions
}

func newBenchObserver(ctx context.Context, kind, dbURL string) *benchObserver {
	o := &benchObserver{}
	if kind != "postgres" {
		return o
	}
	u, err := url.Parse(withoutPoolParams(dbURL))
	if err != nil {
		return o
	}
	q := u.Query()
	o.appName = q.Get("application_name")
	q.Set("application_name", o.appName+"-observer")
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return o
	}
	db.SetMaxOpenConns(1)
	if db.PingContext(ctx) != nil {
		_ = db.Close()
		return o
	}
	o.db = db
	return o
}

func (o *benchObserver) close() {
	if o.db != nil {
		_ = o.db.Close()
	}
}

// serverInfo names the database and the PostgreSQL settings that decide
// its commit rate.
func (o *benchObserver) serverInfo(ctx context.Context) string {
	if o.db == nil {
		return "SQLite"
	}
	var version, sync, fsync, buffers, conns string
	err := o.db.QueryRowContext(ctx, `SELECT current_setting('server_version'), current_setting('synchronous_commit'),
		current_setting('fsync'), current_setting('shared_buffers'), current_setting('max_connections')`).Scan(&version, &sync, &fsync, &buffers, &conns)
	if err != nil {
		return "PostgreSQL"
	}
	return fmt.Sprintf("PostgreSQL %s (synchronous_commit=%s, fsync=%s, shared_buffers=%s, max_connections=%s)", version, sync, fsync, buffers, conns)
}

// benchSnapshot is the resources used up to one moment.
type benchSnapshot struct {
	at    time.Time
	self  time.Duration         // this process, user + system
	pgAll time.Duration         // every postgres process, -1 when unknown
	ours  map[int]time.Duration // the bench's backends by pid; nil when unknown
	load  [3]float64
}

func (o *benchObserver) snapshot(ctx context.Context) benchSnapshot {
	s := benchSnapshot{at: time.Now(), pgAll: -1, load: loadAverage()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if o.db == nil {
		return s
	}
	s.pgAll = postgresCPU()
	rows, err := o.db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, o.appName)
	if err != nil {
		return s
	}
	defer rows.Close()
	ours := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			if st, ok := readProcStat(pid); ok {
				ours[pid] = st.cpu
			}
		}
	}
	if len(ours) > 0 { // none when PostgreSQL runs on another host
		s.ours = ours
	}
	return s
}

// benchCPU is what one phase of the run used.
type benchCPU struct {
	wall  time.Duration
	self  time.Duration
	pgAll time.Duration // -1 when unknown
	ours  time.Duration // -1 when unknown
}

// since is the usage between b and s. A backend that started in between
// counts whole; one that ended in between is missed (the pool keeps its
// connections for the length of a run).
func (s benchSnapshot) since(b benchSnapshot) benchCPU {
	c := benchCPU{wall: s.at.Sub(b.at), self: s.self - b.self, pgAll: -1, ours: -1}
	if s.pgAll >= 0 && b.pgAll >= 0 {
		c.pgAll = s.pgAll - b.pgAll
	}
	if s.ours != nil && b.ours != nil {
		c.ours = 0
		for pid, t := range s.ours {
			c.ours += t - b.ours[pid]
		}
	}
	return c
}

// procStat is what the bench reads of /proc/PID/stat.
type procStat struct {
	comm     string
	ppid     int
	cpu      time.Duration // utime + stime
	children time.Duration // cutime + cstime: children waited for
}

func readProcStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// "pid (comm) state ppid …": comm may hold spaces and parentheses.
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	f := strings.Fields(string(b[end+1:])) // f[0] is field 3, state
	if len(f) < 15 {
		return procStat{}, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	tick := func(v int64) time.Duration { return time.Duration(v) * time.Second / clockTicks }
	return procStat{comm: string(b[open+1 : end]), ppid: int(n(1)), cpu: tick(n(11) + n(12)), children: tick(n(13) + n(14))}, true
}

// postgresCPU sums the CPU time of every process named postgres on this
// machine, plus what the postmaster's exited children (backends that have
// ended) used; -1 when there are none (PostgreSQL on another host).
func postgresCPU() time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return -1
	}
	procs := map[int]procStat{}
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			if st, ok := readProcStat(pid); ok && st.comm == "postgres" {
				procs[pid] = st
			}
		}
	}
	if len(procs) == 0 {
		return -1
	}
	var total time.Duration
	for _, st := range procs {
		total += st.cpu
		if _, child := procs[st.ppid]; !child {
			total += st.children
		}
	}
	return total
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute figures (zeros where
// there is none).
func loadAverage() [3]float64 {
	var l [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return l
	}
	for i, f := range strings.Fields(string(b)) {
		if i < 3 {
			l[i], _ = strconv.ParseFloat(f, 64)
		}
	}
	return l
}

// benchCountsJSON counts what the signups left in the database.
type benchCountsJSON struct {
	Customers           int64 `json:"customers"`
	PaymentMethods      int64 `json:"payment_methods"`
	ActiveSubscriptions int64 `json:"active_subscriptions"`
	PaidInvoices        int64 `json:"paid_invoices"`
}

// benchCounts reads the counts straight from the tables, past the API.
func benchCounts(ctx context.Context, kind, dbURL string) (benchCountsJSON, error) {
	var c benchCountsJSON
	driver, dsn := "pgx", withoutPoolParams(dbURL)
	if kind == "sqlite" {
		path, err := sqlitePath(dbURL)
		if err != nil {
			return c, err
		}
		driver, dsn = "sqlite", path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return c, fmt.Errorf("count rows: %w", err)
	}
	defer db.Close()
	for _, q := range []struct {
		dst   *int64
		query string
	}{
		{&c.Customers, "SELECT count(*) FROM customers"},
		{&c.PaymentMethods, "SELECT count(*) FROM payment_methods"},
		{&c.ActiveSubscriptions, "SELECT count(*) FROM subscriptions WHERE status = 'active'"},
		{&c.PaidInvoices, "SELECT count(*) FROM invoices WHERE status = 'paid'"},
	} {
		if err := db.QueryRowContext(ctx, q.query).Scan(q.dst); err != nil {
			return c, fmt.Errorf("count rows: %s: %w", q.query, err)
		}
	}
	return c, nil
}

// pgbenchClients and pgbenchThreads are the reference run's shape: the
// commit rate of PostgreSQL itself at 16 clients.
const (
	pgbenchClients = 16
	pgbenchThreads = 2
)

// benchPgbench is the result of the pgbench reference run.
type benchPgbench struct {
	tps       float64
	latencyMS float64
	note      string // why there is no figure
}

var (
	tpsRE     = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	latencyRE = regexp.MustCompile(`latency average = ([0-9.]+) ms`)
)

// runPgbench runs `pgbench -N` against the PostgreSQL server of serverURL
// in a database of its own, created and dropped here.
func runPgbench(ctx context.Context, serverURL string, seconds int) benchPgbench {
	serverURL = withoutPoolParams(serverURL)
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		return benchPgbench{note: "pgbench is not on PATH"}
	}
	cfg, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return benchPgbench{note: "cannot parse the database URL"}
	}
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return benchPgbench{note: fmt.Sprintf("connect: %v", err)}
	}
	defer conn.Close(context.WithoutCancel(ctx))
	db := pgx.Identifier{"cuota_pgbench_" + strings.ToLower(rand.Text()[:10])}.Sanitize()
	// From template0, which nobody connects to: a copy of template1 fails
	// while any other session is connected to it.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db+" TEMPLATE template0"); err != nil {
		return benchPgbench{note: fmt.Sprintf("create database: %v", err)}
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "DROP DATABASE "+db+" WITH (FORCE)") }()
	name := strings.Trim(db, `"`)
	env := append(os.Environ(), "PGHOST="+cfg.Host, "PGPORT="+strconv.Itoa(int(cfg.Port)), "PGUSER="+cfg.User,
		"PGPASSWORD="+cfg.Password, "PGAPPNAME=cuota-pgbench")
	if u, err := url.Parse(serverURL); err == nil && u.Query().Get("sslmode") != "" {
		env = append(env, "PGSSLMODE="+u.Query().Get("sslmode"))
	}
	pgbench := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, append(args, name)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("pgbench %s: %w: %s", strings.Join(args, " "), err, tail(string(out), 300))
		}
		return string(out), nil
	}
	if _, err := pgbench("-i", "-s", "1", "-q"); err != nil {
		return benchPgbench{note: err.Error()}
	}
	out, err := pgbench("-N", "-c", strconv.Itoa(pgbenchClients), "-j", strconv.Itoa(pgbenchThreads), "-T", strconv.Itoa(seconds))
	if err != nil {
		return benchPgbench{note: err.Error()}
	}
	m := tpsRE.FindStringSubmatch(out)
	if m == nil {
		return benchPgbench{note: "no tps in pgbench's output: " + tail(out, 300)}
	}
	r := benchPgbench{}
	r.tps, _ = strconv.ParseFloat(m[1], 64)
	if m := latencyRE.FindStringSubmatch(out); m != nil {
		r.latencyMS, _ = strconv.ParseFloat(m[1], 64)
	}
	return r
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// benchResult is everything a run measured.
type benchResult struct {
	opts        benchAPIOptions
	server      string
	setup       time.Duration
	signupWall  time.Duration
	getWall     time.Duration
	endpoints   [epCount]*benchEndpoint
	inactive    atomic.Int64 // signups whose subscription was not active
	inactiveErr string       // the first of them, set by the client that counted it first
	signupCPU   benchCPU
	getCPU      benchCPU
	loadStart   [3]float64
	loadEnd     [3]float64
	counts      benchCountsJSON
	pgbench     benchPgbench
}

// benchEndpointJSON is one endpoint's line of the machine-readable result.
type benchEndpointJSON struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	PerS     float64 `json:"per_s"`
	P50MS    float64 `json:"p50_ms"`
	P95MS    float64 `json:"p95_ms"`
	P99MS    float64 `json:"p99_ms"`
}

// benchCPUJSON is one phase's resource use; nil where unknown.
type benchCPUJSON struct {
	WallS             float64  `json:"wall_s"`
	CuotaCPUS         float64  `json:"cuota_cpu_s"`
	PostgresBackendsS *float64 `json:"postgres_backends_cpu_s"`
	PostgresAllS      *float64 `json:"postgres_all_cpu_s"`
}

// benchAPIJSON is the machine-readable line the run ends with.
type benchAPIJSON struct {
	Bench             string                  `json:"bench"`
	DB                string                  `json:"db"`
	Server            string                  `json:"server"`
	Cores             int                     `json:"cores"`
	Clients           int                     `json:"clients"`
	Signups           int                     `json:"signups"`
	Gets              int                     `json:"gets"`
	Errors            int                     `json:"errors"`
	SignupsPerS       float64                 `json:"signups_per_s"`
	WriteRequestsPerS float64                 `json:"write_requests_per_s"`
	GetsPerS          float64                 `json:"gets_per_s"`
	Endpoints         []benchEndpointJSON     `json:"endpoints"`
	CPU               map[string]benchCPUJSON `json:"cpu"`
	LoadAvgStart      [3]float64              `json:"loadavg_start"`
	LoadAvgEnd        [3]float64              `json:"loadavg_end"`
	PgbenchTPS        *float64                `json:"pgbench_tps"`
	PgbenchRatio      *float64                `json:"write_requests_per_pgbench_tps"`
	Counts            benchCountsJSON         `json:"counts"`
}

// percentile is the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

func secs(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)/d.Seconds()*10) / 10
}

// json builds the machine-readable result.
func (r *benchResult) json() benchAPIJSON {
	o := r.opts
	j := benchAPIJSON{Bench: "api", DB: o.db, Server: r.server, Cores: runtime.NumCPU(), Clients: o.clients, Signups: o.signups,
		Gets: o.gets, LoadAvgStart: r.loadStart, LoadAvgEnd: r.loadEnd, Counts: r.counts, Errors: int(r.inactive.Load()),
		CPU: map[string]benchCPUJSON{"signups": cpuJSON(r.signupCPU), "gets": cpuJSON(r.getCPU)}}
	writes := 0
	for i, e := range r.endpoints {
		slices.Sort(e.lat)
		wall := r.signupWall
		if i == epGet {
			wall = r.getWall
		} else {
			writes += len(e.lat)
		}
		j.Errors += e.errs
		j.Endpoints = append(j.Endpoints, benchEndpointJSON{Name: endpointNames[i], Requests: len(e.lat), Errors: e.errs,
			PerS: perSecond(len(e.lat), wall), P50MS: ms(percentile(e.lat, 50)), P95MS: ms(percentile(e.lat, 95)), P99MS: ms(percentile(e.lat, 99))})
	}
	j.SignupsPerS = perSecond(len(r.endpoints[epSubscription].lat)-int(r.inactive.Load()), r.signupWall)
	j.WriteRequestsPerS = perSecond(writes, r.signupWall)
	j.GetsPerS = perSecond(len(r.endpoints[epGet].lat), r.getWall)
	if r.pgbench.tps > 0 {
		tps, ratio := r.pgbench.tps, math.Round(j.WriteRequestsPerS/r.pgbench.tps*1000)/1000
		j.PgbenchTPS, j.PgbenchRatio = &tps, &ratio
	}
	return j
}

func cpuJSON(c benchCPU) benchCPUJSON {
	j := benchCPUJSON{WallS: secs(c.wall), CuotaCPUS: secs(c.self)}
	if c.ours >= 0 {
		v := secs(c.ours)
		j.PostgresBackendsS = &v
	}
	if c.pgAll >= 0 {
		v := secs(c.pgAll)
		j.PostgresAllS = &v
	}
	return j
}

// report prints the table and the JSON line; it fails the command when a
// request failed or a count is off.
func (r *benchResult) report(stdout io.Writer) error {
	j := r.json()
	o := r.opts
	fmt.Fprintf(stdout, "cuota bench api: %s, %d cores, %d clients, %d signups, %d GETs (set-up %s)\n\n",
		j.Server, j.Cores, o.clients, o.signups, o.gets, r.setup.Round(time.Millisecond))
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "endpoint\trequests\terrors\treq/s\tp50 ms\tp95 ms\tp99 ms\t")
	for _, e := range j.Endpoints {
		fmt.Fprintf(w, "%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t\n", e.Name, e.Requests, e.Errors, e.PerS, e.P50MS, e.P95MS, e.P99MS)
	}
	_ = w.Flush()
	fmt.Fprintf(stdout, "\nsignups: %.1f/s over %s; write requests: %.1f/s; GETs: %.1f/s over %s; errors: %d\n",
		j.SignupsPerS, r.signupWall.Round(time.Millisecond), j.WriteRequestsPerS, j.GetsPerS, r.getWall.Round(time.Millisecond), j.Errors)
	for _, e := range r.endpoints {
		if e.firstErr != "" {
			fmt.Fprintf(stdout, "  first error: %s\n", e.firstErr)
		}
	}
	if r.inactiveErr != "" {
		fmt.Fprintf(stdout, "  first inactive subscription: %s\n", r.inactiveErr)
	}
	fmt.Fprintln(stdout)
	w = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "CPU seconds\twall\tcuota (incl. load generator)\tPostgreSQL: this run's backends\tall postgres processes\t")
	for _, p := range []struct {
		name string
		c    benchCPU
	}{{"signups", r.signupCPU}, {"gets", r.getCPU}} {
		fmt.Fprintf(w, "%s\t%.2f\t%s\t%s\t%s\t\n", p.name, p.c.wall.Seconds(), cores(p.c.self, p.c.wall), cores(p.c.ours, p.c.wall), cores(p.c.pgAll, p.c.wall))
	}
	_ = w.Flush()
	fmt.Fprintf(stdout, "load average: %.2f %.2f %.2f at start, %.2f %.2f %.2f at end\n",
		r.loadStart[0], r.loadStart[1], r.loadStart[2], r.loadEnd[0], r.loadEnd[1], r.loadEnd[2])
	switch {
	case o.db != "postgres" || o.pgbenchSeconds == 0:
	case j.PgbenchTPS != nil:
		fmt.Fprintf(stdout, "pgbench -N -c %d -j %d -T %d: %.1f TPS (latency average %.2f ms); write requests/s ÷ pgbench TPS = %.3f\n",
			pgbenchClients, pgbenchThreads, o.pgbenchSeconds, *j.PgbenchTPS, r.pgbench.latencyMS, *j.PgbenchRatio)
	default:
		fmt.Fprintf(stdout, "pgbench: not run: %s\n", r.pgbench.note)
	}
	fmt.Fprintf(stdout, "database: %d customers, %d payment methods, %d active subscriptions, %d paid invoices\n\n",
		r.counts.Customers, r.counts.PaymentMethods, r.counts.ActiveSubscriptions, r.counts.PaidInvoices)
	line, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	fmt.Fprintln(stdout, string(line))
	if j.Errors > 0 {
		return fmt.Errorf("%d requests failed", j.Errors)
	}
	n := int64(o.signups)
	if c := r.counts; c.Customers != n || c.PaymentMethods != n || c.ActiveSubscriptions != n || c.PaidInvoices != n {
		return fmt.Errorf("the database holds %+v, expected %d of each", c, n)
	}
	return nil
}

// cores prints CPU time with the cores it kept busy over wall.
func cores(cpu, wall time.Duration) string {
	if cpu < 0 {
		return "n/a"
	}
	if wall <= 0 {
		return fmt.Sprintf("%.2f", cpu.Seconds())
	}
	return fmt.Sprintf("%.2f (%.2f cores)", cpu.Seconds(), cpu.Seconds()/wall.Seconds())
}

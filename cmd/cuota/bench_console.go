package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// benchConsoleOptions are the flags of `cuota bench console`.
type benchConsoleOptions struct {
	database      string
	subscriptions int
	invoices      int
	samples       int
	plansLog      string
	explainMS     int
	keep          bool
	reuse         string
}

// benchPage is one page the benchmark times: a console page (with the
// session's cookie) or an API request (with the key).
type benchPage struct {
	name, path string
	console    bool
	lat        []time.Duration
	errs       int
	firstErr   string
	plans      []string
}

// benchConsole is `cuota bench console`: it builds on PostgreSQL one
// merchant at scale (subscriptions, invoices, payments, MRR records,
// events, audit entries), then times the console's pages and the API's
// lists and reports over HTTP, and prints the plans of their slow
// statements (docs/performance.md, "Console at scale").
func benchConsole(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench console", "cuota bench console [--database URL] [--subscriptions N] [--invoices M] [--samples K] [--plans-log FILE] [--explain-ms T] [--keep]", stderr)
	var o benchConsoleOptions
	fs.StringVar(&o.database, "database", "", "postgres://… (a fresh schema is created and dropped; default CUOTA_DATABASE_URL)")
	fs.IntVar(&o.subscriptions, "subscriptions", 100000, "subscriptions (each with its own customer and card)")
	fs.IntVar(&o.invoices, "invoices", 1000000, "about how many invoices: sets how far back the subscriptions start")
	fs.IntVar(&o.samples, "samples", 20, "timed requests per page (after two untimed ones)")
	fs.StringVar(&o.plansLog, "plans-log", "", "PostgreSQL's server log, readable here: print the EXPLAIN (ANALYZE, BUFFERS) of each page's statements slower than --explain-ms (auto_explain, in a second pass)")
	fs.IntVar(&o.explainMS, "explain-ms", 2, "with --plans-log, the statements whose plans are printed: those taking at least this long")
	fs.BoolVar(&o.keep, "keep", false, "keep the schema afterwards (its name is printed) to look at it")
	fs.StringVar(&o.reuse, "reuse", "", "time the merchant of a schema an earlier run kept (bench_…) instead of seeding a new one; the schema is migrated to this build and kept")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if o.subscriptions < 100 || o.invoices < o.subscriptions || o.samples < 1 {
		fmt.Fprintln(stderr, "cuota: --subscriptions must be at least 100, --invoices at least --subscriptions, --samples positive")
		return exitError(2)
	}
	dbURL := o.database
	if dbURL == "" {
		dbURL = getenv("CUOTA_DATABASE_URL")
	}
	if !isPostgresURL(dbURL) {
		fmt.Fprintln(stderr, "cuota: bench console needs --database postgres://… or CUOTA_DATABASE_URL set to one")
		return exitError(2)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	cfg.RateLimit = 0
	if getenv("CUOTA_LOG_LEVEL") == "" {
		cfg.LogLevel = slog.LevelWarn
	}
	if o.reuse != "" {
		u, err := benchSchemaURL(dbURL, o.reuse)
		if err != nil {
			fmt.Fprintln(stderr, "cuota:", err)
			return exitError(2)
		}
		cfg.DatabaseURL = withApplicationName(u)
		return runBenchConsole(ctx, o, cfg, stdout, stderr)
	}
	u, cleanup, err := benchDatabase(ctx, dbURL)
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stdout, "schema kept:", u)
	} else {
		defer cleanup()
	}
	cfg.DatabaseURL = withApplicationName(u)
	return runBenchConsole(ctx, o, cfg, stdout, stderr)
}

// benchServer is a cuota HTTP server on a loopback port.
type benchServer struct {
	env  *env
	base string
	srv  *http.Server
}

func startBenchServer(ctx context.Context, cfg config, stderr io.Writer) (*benchServer, error) {
	e, err := openEnvWith(ctx, cfg, stderr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = e.store.Close()
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	b := &benchServer{env: e, base: "http://" + ln.Addr().String(), srv: newHTTPServer(serverHandler(e))}
	e.publicURL.Store(b.base)
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

func (b *benchServer) close(ctx context.Context) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	_ = b.srv.Shutdown(sctx)
	_ = b.env.store.Close()
}

func runBenchConsole(ctx context.Context, o benchConsoleOptions, cfg config, stdout, stderr io.Writer) error {
	b, err := startBenchServer(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer b.close(ctx)
	conn, err := pgx.Connect(ctx, withoutPoolParams(cfg.DatabaseURL))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var bm benchMerchant
	if o.reuse != "" {
		bm, err = reuseBenchMerchant(ctx, b, conn)
	} else {
		bm, err = seedBenchMerchant(ctx, o, b, conn, stdout)
	}
	if err != nil {
		return err
	}
	m, secret, signedIn := bm.merchant, bm.secret, bm.session
	c := &benchClient{base: b.base, key: secret, http: &http.Client{Timeout: time.Minute}}
	defer c.http.CloseIdleConnections()
	counts, err := benchConsoleCounts(ctx, conn, m.ID)
	if err != nil {
		return err
	}
	if o.reuse != "" {
		fmt.Fprintf(stdout, "reusing %s: %v\n", o.reuse, counts)
	}

	pages, err := benchConsolePages(ctx, conn, m.ID)
	if err != nil {
		return err
	}
	cookie := &http.Cookie{Name: "cuota_console", Value: signedIn.Token}
	pages = append(pages, probeConsolePages(ctx, c, b.base, cookie)...)
	loadStart := loadAverage()
	for _, p := range pages {
		for i := range o.samples + 2 {
			d, err := benchGet(ctx, c.http, b.base+p.path, p.console, cookie, secret)
			switch {
			case err != nil:
				p.errs++
				if p.firstErr == "" {
					p.firstErr = err.Error()
				}
			case i >= 2:
				p.lat = append(p.lat, d)
			}
		}
	}
	loadEnd := loadAverage()
	if o.plansLog != "" {
		if err := explainPages(ctx, o, cfg, pages, cookie, secret, stderr); err != nil {
			fmt.Fprintln(stderr, "cuota: plans:", err)
		}
	}
	return reportConsoleBench(stdout, o, pages, counts, loadStart, loadEnd)
}

// benchGet times one GET of a page; anything but 200 is an error.
func benchGet(ctx context.Context, hc *http.Client, u string, console bool, cookie *http.Cookie, key string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	if console {
		req.AddCookie(cookie)
	} else {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("GET %s: status %d: %.200s", u, resp.StatusCode, body)
	}
	return d, nil
}

// benchConsoleCounts is what the merchant's scope holds.
func benchConsoleCounts(ctx context.Context, conn *pgx.Conn, merchant string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range []string{"customers", "subscriptions", "invoices", "payments", "mrr_changes", "events", "audit_entries"} {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+t+" WHERE merchant_id = $1", merchant).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// benchConsolePages lists the pages to time, with ids and deep cursors
// taken from the seeded rows: the customer in the middle, and the id half
// way down each list.
func benchConsolePages(ctx context.Context, conn *pgx.Conn, merchant string) ([]*benchPage, error) {
	var cus, extID, email string
	if err := conn.QueryRow(ctx, `SELECT id, external_id, email FROM customers WHERE merchant_id = $1 AND external_id <> ''
		ORDER BY id OFFSET (SELECT count(*) / 2 FROM customers WHERE merchant_id = $1) LIMIT 1`, merchant).Scan(&cus, &extID, &email); err != nil {
		return nil, fmt.Errorf("pick a customer: %w", err)
	}
	half := func(table, where string) (string, error) {
		var id string
		err := conn.QueryRow(ctx, "SELECT id FROM "+table+" WHERE merchant_id = $1"+where+
			" ORDER BY id DESC OFFSET (SELECT count(*) / 2 FROM "+table+" WHERE merchant_id = $1"+where+") LIMIT 1", merchant).Scan(&id)
		return id, err
	}
	deepCus, err := half("customers", "")
	if err != nil {
		return nil, fmt.Errorf("deep customer: %w", err)
	}
	deepSub, err := half("subscriptions", " AND status = 'active'")
	if err != nil {
		return nil, fmt.Errorf("deep subscription: %w", err)
	}
	deepInv, err := half("invoices", "")
	if err != nil {
		return nil, fmt.Errorf("deep invoice: %w", err)
	}
	deepPay, err := half("payments", "")
	if err != nil {
		return nil, fmt.Errorf("deep payment: %w", err)
	}
	q := url.QueryEscape
	pages := []*benchPage{
		{name: "console overview", path: "/console/", console: true},
		{name: "console customers", path: "/console/customers", console: true},
		{name: "console customers deep cursor", path: "/console/customers?after=" + deepCus, console: true},
		{name: "console search email", path: "/console/customers?q=" + q(email), console: true},
		{name: "console search external id", path: "/console/customers?q=" + q(extID), console: true},
		{name: "console search name (rare)", path: "/console/customers?q=" + q("zuleta"), console: true},
		{name: "console search name (common)", path: "/console/customers?q=" + q("gonzález"), console: true},
		{name: "console search name (none)", path: "/console/customers?q=" + q("xyzzy"), console: true},
		{name: "console search one letter", path: "/console/customers?q=" + q("q"), console: true},
		{name: "console customer", path: "/console/customers/" + cus, console: true},
		{name: "console subscriptions", path: "/console/subscriptions", console: true},
		{name: "console subscriptions active deep", path: "/console/subscriptions?status=active&after=" + deepSub, console: true},
	}
	for _, st := range subscriptionStatusesForBench {
		pages = append(pages, &benchPage{name: "console subscriptions " + st, path: "/console/subscriptions?status=" + st, console: true})
	}
	pages = append(pages,
		&benchPage{name: "api analytics mrr", path: "/v1/analytics/mrr?currency=CLP"},
		&benchPage{name: "api analytics summary", path: "/v1/analytics/summary?currency=CLP"},
		&benchPage{name: "api invoices", path: "/v1/invoices?limit=25"},
		&benchPage{name: "api invoices deep cursor", path: "/v1/invoices?limit=25&starting_after=" + deepInv},
		&benchPage{name: "api invoices open", path: "/v1/invoices?limit=25&status=open"},
		&benchPage{name: "api payments", path: "/v1/payments?limit=25"},
		&benchPage{name: "api payments deep cursor", path: "/v1/payments?limit=25&starting_after=" + deepPay},
		&benchPage{name: "api subscriptions past_due", path: "/v1/subscriptions?limit=25&status=past_due"},
		&benchPage{name: "api customers by email", path: "/v1/customers?limit=25&email=" + q(email)},
	)
	return pages, nil
}

// subscriptionStatusesForBench are the console's status filters.
var subscriptionStatusesForBench = []string{"active", "trialing", "past_due", "unpaid", "paused", "incomplete", "canceled", "incomplete_expired"}

// probeConsolePages adds the console's money and operations pages when
// this build has them (they are being built alongside this benchmark).
func probeConsolePages(ctx context.Context, c *benchClient, base string, cookie *http.Cookie) []*benchPage {
	var out []*benchPage
	for _, p := range []string{"/console/invoices", "/console/payments", "/console/alerts"} {
		if _, err := benchGet(ctx, c.http, base+p, true, cookie, ""); err == nil {
			out = append(out, &benchPage{name: "console " + p[len("/console/"):], path: p, console: true})
		}
	}
	return out
}

func fmtLoad(l [3]float64) string { return fmt.Sprintf("%.2f %.2f %.2f", l[0], l[1], l[2]) }

// reportConsoleBench prints a row per page (p50, p95, max, errors), the
// plans, and the result as JSON on the last line.
func reportConsoleBench(w io.Writer, o benchConsoleOptions, pages []*benchPage, counts map[string]int64, loadStart, loadEnd [3]float64) error {
	fmt.Fprintf(w, "\nload average: %s at start, %s at end; %d timed requests per page\n\n", fmtLoad(loadStart), fmtLoad(loadEnd), o.samples)
	fmt.Fprintf(w, "%-38s %9s %9s %9s %6s\n", "page", "p50 ms", "p95 ms", "max ms", "errors")
	type row struct {
		Name   string  `json:"name"`
		Path   string  `json:"path"`
		P50    float64 `json:"p50_ms"`
		P95    float64 `json:"p95_ms"`
		Max    float64 `json:"max_ms"`
		Errors int     `json:"errors"`
	}
	var rows []row
	for _, p := range pages {
		slices.Sort(p.lat)
		r := row{Name: p.name, Path: p.path, Errors: p.errs}
		if len(p.lat) > 0 {
			r.P50, r.P95, r.Max = ms(percentile(p.lat, 50)), ms(percentile(p.lat, 95)), ms(p.lat[len(p.lat)-1])
		}
		rows = append(rows, r)
		fmt.Fprintf(w, "%-38s %9.1f %9.1f %9.1f %6d\n", r.Name, r.P50, r.P95, r.Max, r.Errors)
		if p.firstErr != "" {
			fmt.Fprintf(w, "    first error: %s\n", p.firstErr)
		}
	}
	for _, p := range pages {
		if len(p.plans) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n=== plans of %s (%s)\n", p.name, p.path)
		for _, pl := range p.plans {
			fmt.Fprintln(w, pl)
		}
	}
	out, err := json.Marshal(map[string]any{"counts": counts, "load_start": loadStart, "load_end": loadEnd, "pages": rows})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, string(out))
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// benchAPIOptions are the flags of `cuota bench api`.
type benchAPIOptions struct {
	db             string // sqlite or postgres
	database       string // the URL: a PostgreSQL database or sqlite:PATH
	clients        int
	signups        int
	gets           int
	pgbenchSeconds int
	cpuProfile     string
}

// The endpoints a signup and the read phase call, in the order the table
// lists them.
const (
	epCustomer = iota
	epAttach
	epSubscription
	epGet
	epCount
)

var endpointNames = [epCount]string{
	"POST /v1/customers",
	"POST /v1/customers/{id}/payment_methods",
	"POST /v1/subscriptions",
	"GET /v1/subscriptions/{id}",
}

// benchEndpoint collects the latencies and failures of one endpoint; the
// clients record into it concurrently.
type benchEndpoint struct {
	mu       sync.Mutex
	lat      []time.Duration
	errs     int
	firstErr string
}

func (e *benchEndpoint) record(d time.Duration, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.errs++
		if e.firstErr == "" {
			e.firstErr = err.Error()
		}
		return
	}
	e.lat = append(e.lat, d)
}

// benchClient is the load generator's HTTP client: one keep-alive
// connection per concurrent client, the test-mode key on every request.
type benchClient struct {
	base, key string
	http      *http.Client
	endpoints [epCount]benchEndpoint
}

// benchObject is the part of an API object the load generator reads.
type benchObject struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// call sends one request and decodes the object it answers with; any
// status other than 200 is an error. ep < 0 records nothing (set-up calls).
func (c *benchClient) call(ctx context.Context, ep int, method, path string, body any) (benchObject, error) {
	var obj benchObject
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return obj, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	start := time.Now()
	err := func() error {
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.key)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: status %d: %.300s", method, path, resp.StatusCode, raw)
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
		return nil
	}()
	if ep >= 0 {
		c.endpoints[ep].record(time.Since(start), err)
	}
	return obj, err
}

// signup is one customer's signup as an integration makes it: the
// customer, its card by sim token, then the subscription, whose first
// invoice is charged inside the create call.
func (c *benchClient) signup(ctx context.Context, i int, price string) (string, error) {
	cus, err := c.call(ctx, epCustomer, http.MethodPost, "/v1/customers",
		map[string]any{"email": fmt.Sprintf("bench%d@example.cl", i), "name": fmt.Sprintf("Bench %d", i)})
	if err != nil {
		return "", err
	}
	pm, err := c.call(ctx, epAttach, http.MethodPost, "/v1/customers/"+cus.ID+"/payment_methods",
		map[string]any{"gateway": billing.GatewaySim, "token": billing.SimTokVisa})
	if err != nil {
		return "", err
	}
	sub, err := c.call(ctx, epSubscription, http.MethodPost, "/v1/subscriptions", map[string]any{"customer": cus.ID,
		"payment_method": pm.ID, "items": []map[string]any{{"price": price, "quantity": 1}}})
	if err != nil {
		return "", err
	}
	if sub.Status != string(billing.SubscriptionActive) {
		return "", errInactive{id: sub.ID, status: sub.Status}
	}
	return sub.ID, nil
}

// errInactive is a signup whose calls all succeeded but whose
// subscription is not active: its first charge did not go through.
type errInactive struct{ id, status string }

func (e errInactive) Error() string {
	return fmt.Sprintf("subscription %s is %s after its first charge, not active", e.id, e.status)
}

// runLoad calls fn(i) for i in [0, n) from clients goroutines at once,
// each taking the next i as soon as it is done with the last one, and
// returns the wall time.
func runLoad(clients, n int, fn func(i int)) time.Duration {
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(clients, n) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// benchAPI is `cuota bench api`: it serves the API on loopback over a
// fresh database, drives signups and GETs through it and reports what they
// cost (see benchUsage and docs/performance.md).
func benchAPI(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench api", "cuota bench api [--db sqlite|postgres] [--database URL] [--clients C] [--signups N] [--gets M] [--pgbench-seconds S] [--cpuprofile FILE]", stderr)
	var o benchAPIOptions
	fs.StringVar(&o.db, "db", "", "sqlite or postgres (default: what --database names, else sqlite)")
	fs.StringVar(&o.database, "database", "", "postgres://… (a fresh schema is created and dropped; default CUOTA_DATABASE_URL with --db postgres) or sqlite:PATH (default: a temporary file)")
	fs.IntVar(&o.clients, "clients", 16, "concurrent clients")
	fs.IntVar(&o.signups, "signups", 1000, "signups: customer, card by sim token, subscription with its first charge")
	fs.IntVar(&o.gets, "gets", 5000, "GETs of the created subscriptions after the signups")
	fs.IntVar(&o.pgbenchSeconds, "pgbench-seconds", 10, "on PostgreSQL, run pgbench -N -c 16 -j 2 for this long when pgbench is installed (0: skip)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the signup and GET phases to this file")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if o.clients < 1 || o.signups < 1 || o.gets < 0 || o.pgbenchSeconds < 0 {
		fmt.Fprintln(stderr, "cuota: --clients and --signups must be positive, --gets and --pgbench-seconds not negative")
		return exitError(2)
	}
	dbURL, err := o.databaseURL(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "cuota:", err)
		return exitError(2)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	// The per-key rate limit would measure itself, and request logs at
	// info would flood the terminal: both are off unless asked for.
	cfg.RateLimit = 0
	if getenv("CUOTA_LOG_LEVEL") == "" {
		cfg.LogLevel = slog.LevelWarn
	}
	url, cleanup, err := benchDatabase(ctx, dbURL)
	if err != nil {
		return err
	}
	defer cleanup()
	if o.db == "postgres" {
		url = withApplicationName(url)
	}
	cfg.DatabaseURL = url
	return runBenchAPI(ctx, o, cfg, dbURL, stdout, stderr)
}

// databaseURL resolves --db and --database to the URL benchDatabase takes:
// a PostgreSQL server's database, a sqlite: file, or "" for a temporary
// SQLite file.
func (o *benchAPIOptions) databaseURL(getenv func(string) string) (string, error) {
	switch o.db {
	case "":
		o.db = "sqlite"
		if isPostgresURL(o.database) {
			o.db = "postgres"
		}
		return o.databaseURL(getenv)
	case "postgres":
		u := o.database
		if u == "" {
			u = getenv("CUOTA_DATABASE_URL")
		}
		if !isPostgresURL(u) {
			return "", errors.New("--db postgres needs --database postgres://… or CUOTA_DATABASE_URL set to one")
		}
		return u, nil
	case "sqlite":
		if o.database != "" && !strings.HasPrefix(o.database, "sqlite:") {
			return "", errors.New("--db sqlite takes --database sqlite:PATH")
		}
		return o.database, nil
	default:
		return "", fmt.Errorf("--db must be sqlite or postgres, not %q", o.db)
	}
}

// withApplicationName names the bench's PostgreSQL sessions after its
// schema, so that their backends, and only theirs, can be found in
// pg_stat_activity to measure their CPU time.
func withApplicationName(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	q := u.Query()
	if q.Get("application_name") == "" {
		q.Set("application_name", "cuota-"+q.Get("search_path"))
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// runBenchAPI runs the benchmark on the prepared database cfg names;
// serverURL is the PostgreSQL database pgbench runs next to it.
func runBenchAPI(ctx context.Context, o benchAPIOptions, cfg config, serverURL string, stdout, stderr io.Writer) error {
	setupStart := time.Now()
	e, err := openEnvWith(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on loopback: %w", err)
	}
	base := "http://" + ln.Addr().String()
	e.publicURL.Store(base)
	srv := newHTTPServer(serverHandler(e))
	if err := startWorkers(ctx, e); err != nil {
		_ = ln.Close()
		return err
	}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if err := e.store.StopWorkers(sctx); err != nil {
			e.logger.Error("stop workers", "error", err)
		}
	}()

	m, err := e.app.Merchants.CreateMerchant(cliContext(ctx), app.CreateMerchantParams{Name: "Bench", Timezone: "America/Santiago"})
	if err != nil {
		return fmt.Errorf("create merchant: %w", err)
	}
	_, secret, err := e.app.Merchants.CreateAPIKey(cliContext(ctx), m.ID, billing.ModeTest)
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	c := &benchClient{base: base, key: secret, http: &http.Client{Timeout: time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: o.clients, MaxConnsPerHost: o.clients, IdleConnTimeout: time.Minute}}}
	defer c.http.CloseIdleConnections()
	prod, err := c.call(ctx, -1, http.MethodPost, "/v1/products", map[string]any{"name": "Plan"})
	if err != nil {
		return fmt.Errorf("create product: %w", err)
	}
	price, err := c.call(ctx, -1, http.MethodPost, "/v1/prices", map[string]any{"product": prod.ID, "unit_amount": 9990,
		"currency": "CLP", "recurring": map[string]any{"interval": "month"}})
	if err != nil {
		return fmt.Errorf("create price: %w", err)
	}

	obs := newBenchObserver(ctx, o.db, cfg.DatabaseURL)
	defer obs.close()
	r := &benchResult{opts: o, setup: time.Since(setupStart), server: obs.serverInfo(ctx)}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	before := obs.snapshot(ctx)
	subs := make([]string, o.signups)
	r.signupWall = runLoad(o.clients, o.signups, func(i int) {
		id, err := c.signup(ctx, i, price.ID)
		var inactive errInactive
		if errors.As(err, &inactive) && r.inactive.Add(1) == 1 {
			r.inactiveErr = inactive.Error()
		}
		if err == nil {
			subs[i] = id
		}
	})
	middle := obs.snapshot(ctx)
	subs = slices.DeleteFunc(subs, func(s string) bool { return s == "" })
	if len(subs) > 0 {
		r.getWall = runLoad(o.clients, o.gets, func(i int) {
			_, _ = c.call(ctx, epGet, http.MethodGet, "/v1/subscriptions/"+subs[i%len(subs)], nil)
		})
	}
	after := obs.snapshot(ctx)
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	r.signupCPU, r.getCPU = middle.since(before), after.since(middle)
	r.loadStart, r.loadEnd = before.load, after.load
	for i := range c.endpoints {
		r.endpoints[i] = &c.endpoints[i]
	}
	if r.counts, err = benchCounts(ctx, o.db, cfg.DatabaseURL); err != nil {
		return err
	}
	if o.db == "postgres" && o.pgbenchSeconds > 0 {
		r.pgbench = runPgbench(ctx, serverURL, o.pgbenchSeconds)
	}
	return r.report(stdout)
}

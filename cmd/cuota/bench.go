package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/jobs"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/webhookout"
)

// benchChunk is how many subscriptions one sweep takes, as in the renewal job.
const benchChunk = jobs.SweepChunk

// benchSeedChunk is how many subscriptions one seeding transaction writes.
const benchSeedChunk = 1000

// benchUsage lists the benchmarks; `cuota bench` alone prints it.
const benchUsage = `Usage:
  cuota bench renewals --subscriptions N [--database URL] [--sweepers K] [--cpuprofile FILE]
      the renewal pipeline: seeds N due subscriptions, sweeps them, prints renewals/s
  cuota bench api [--db sqlite|postgres] [--database URL] [--clients C] [--signups N] [--gets M]
                  [--pgbench-seconds S] [--cpuprofile FILE]
      the HTTP API: serves on loopback, drives N signups (customer, card, subscription
      with its first charge) and M GETs from C clients, prints rates, latencies, CPU
      and, on PostgreSQL with pgbench installed, the ratio to pgbench -N
  cuota bench console [--database URL] [--subscriptions N] [--invoices M] [--samples K]
                      [--plans-log FILE] [--explain-ms T] [--keep]
      the console and the API's lists at scale: builds one merchant with N subscriptions
      and about M invoices on PostgreSQL, times each page over HTTP (p50, p95, max) and,
      with --plans-log, prints the plans of their slow statements
`

// bench runs one of the benchmarks named by its first argument.
func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "renewals":
			return benchRenewals(ctx, args[1:], stdout, stderr)
		case "api":
			return benchAPI(ctx, args[1:], getenv, stdout, stderr)
		case "console":
			return benchConsole(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	fmt.Fprint(stderr, benchUsage)
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
		return nil
	}
	return exitError(2)
}

// benchRenewals measures the renewal pipeline: it seeds N subscriptions on
// the sim gateway whose periods have ended, runs the real-time sweep until
// nothing is due, and prints renewals per second, wall time and peak memory.
func benchRenewals(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench renewals", "cuota bench renewals --subscriptions N [--database URL]", stderr)
	n := fs.Int("subscriptions", 10000, "how many subscriptions to seed and renew")
	dbURL := fs.String("database", "", "postgres://… (a fresh schema is created and dropped) or sqlite:PATH; default: a temporary SQLite file")
	sweepers := fs.Int("sweepers", app.SweepLanes, "how many sweeps run at once (the renewal job runs app.SweepLanes)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the renewal phase to this file")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *n < 1 || *sweepers < 1 {
		fmt.Fprintln(stderr, "cuota: --subscriptions and --sweepers must be positive")
		return exitError(2)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	url, cleanup, err := benchDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer cleanup()
	kind := "sqlite"
	if isPostgresURL(url) {
		kind, url = "postgres", withApplicationName(url)
	}
	s, err := openStore(ctx, url, logger)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	// Time is real, but the seeded periods ended 40 days ago: every
	// subscription is due once.
	a, err := simApp(s, time.Now, logger)
	if err != nil {
		return err
	}
	seedStart := time.Now()
	if err := benchSeed(ctx, a, s, *n); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(stdout, "seeded %d subscriptions in %s\n", *n, time.Since(seedStart).Round(time.Millisecond))

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	obs := newBenchObserver(ctx, kind, url)
	defer obs.close()
	fmt.Fprintln(stdout, obs.serverInfo(ctx))
	before := obs.snapshot(ctx)
	renewed, err := a.Renewals.SweepAll(ctx, benchChunk, *sweepers, time.Now().Add(24*time.Hour))
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	used := obs.snapshot(ctx).since(before)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Fprintf(stdout, "renewed %d subscriptions in %s: %.0f renewals/s, peak memory %d MiB (%s)\n",
		renewed, used.wall.Round(time.Millisecond), float64(renewed)/used.wall.Seconds(), ru.Maxrss/1024, kind)
	benchRenewalsCPU(stdout, used, renewed, before.load, loadAverage())
	if renewed != *n {
		return fmt.Errorf("renewed %d subscriptions, expected %d", renewed, *n)
	}
	return nil
}

// benchRenewalsCPU prints the CPU time the renewals took, in total and per
// renewal, of cuota and of PostgreSQL (the bench's backends, and every
// postgres process): on a machine shared with other work, CPU per renewal
// is steadier than renewals/s.
func benchRenewalsCPU(w io.Writer, c benchCPU, renewed int, loadStart, loadEnd [3]float64) {
	per := func(d time.Duration) string {
		if d < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%s (%.0f µs/renewal)", cores(d, c.wall), float64(d.Microseconds())/float64(max(renewed, 1)))
	}
	if c.ours < 0 && c.pgAll < 0 { // SQLite, or PostgreSQL on another host
		fmt.Fprintf(w, "CPU seconds: cuota %s\n", per(c.self))
	} else {
		fmt.Fprintf(w, "CPU seconds: cuota %s, PostgreSQL backends %s, all postgres processes %s\n", per(c.self), per(c.ours), per(c.pgAll))
	}
	fmt.Fprintf(w, "load average %.2f %.2f %.2f at start, %.2f %.2f %.2f at end\n",
		loadStart[0], loadStart[1], loadStart[2], loadEnd[0], loadEnd[1], loadEnd[2])
}

// benchDatabase picks the database: a temporary SQLite file by default, or
// a fresh schema in the given Postgres database.
func benchDatabase(ctx context.Context, dbURL string) (string, func(), error) {
	switch {
	case dbURL == "":
		dir, err := os.MkdirTemp("", "cuota-bench-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() { _ = os.RemoveAll(dir) }, nil
	case isPostgresURL(dbURL):
		schema := "bench_" + strings.ToLower(rand.Text()[:10])
		conn, err := pgx.Connect(ctx, withoutPoolParams(dbURL))
		if err != nil {
			return "", nil, fmt.Errorf("connect to %s: %w", redactURL(dbURL), err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			return "", nil, fmt.Errorf("create schema: %w", err)
		}
		u, err := benchSchemaURL(dbURL, schema)
		if err != nil {
			return "", nil, err
		}
		return u, func() {
			c, err := pgx.Connect(context.Background(), withoutPoolParams(dbURL))
			if err == nil {
				_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
				_ = c.Close(context.Background())
			}
		}, nil
	default:
		return dbURL, func() {}, nil
	}
}

// withoutPoolParams drops the pool_… settings of a database URL (such as
// pool_max_conns), which the store's pool reads and a single connection
// would send to the server as unknown parameters.
func withoutPoolParams(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// benchSeed writes n active monthly subscriptions whose first period ended
// 10 days ago, each with its own customer and tok_visa card, in chunks.
func benchSeed(ctx context.Context, a *app.App, s store, n int) error {
	m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Bench", Timezone: "America/Santiago"})
	if err != nil {
		return err
	}
	scope := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	prod, err := a.Catalog.CreateProduct(ctx, scope, app.ProductParams{Name: new("Plan")})
	if err != nil {
		return err
	}
	amount := int64(9990)
	price, err := a.Catalog.CreatePrice(ctx, scope, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "CLP",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}})
	if err != nil {
		return err
	}
	loc, _ := time.LoadLocation(m.Timezone)
	anchor := time.Now().UTC().Add(-40 * 24 * time.Hour).Truncate(time.Second)
	end, err := billing.PeriodBoundary(anchor, *price.Recurring, 1, loc)
	if err != nil {
		return err
	}
	g := sim.New(s, time.Now)
	for done := 0; done < n; done += benchSeedChunk {
		k := min(benchSeedChunk, n-done)
		err := s.InTx(ctx, func(tx billing.Tx) error {
			for range k {
				now := a.Now()
				cus := billing.Customer{ID: billing.NewID(billing.PrefixCustomer, now), Scope: scope, Metadata: billing.Metadata{}, Created: now, Updated: now}
				if err := tx.Customers.CreateCustomer(ctx, cus); err != nil {
					return err
				}
				pm, err := g.AttachToken(ctx, scope, cus.ID, billing.SimTokVisa)
				if err != nil {
					return err
				}
				pm.ID, pm.Scope, pm.CustomerID, pm.Status, pm.Created, pm.Updated =
					billing.NewID(billing.PrefixPaymentMethod, now), scope, cus.ID, billing.PaymentMethodActive, now, now
				if err := tx.PaymentMethods.CreatePaymentMethod(ctx, pm); err != nil {
					return err
				}
				due := end
				sub := billing.Subscription{ID: billing.NewID(billing.PrefixSubscription, now), Scope: scope, CustomerID: cus.ID,
					Status: billing.SubscriptionActive, Currency: "CLP", Recurring: *price.Recurring, PaymentMethodID: pm.ID,
					Items: []billing.SubscriptionItem{{ID: billing.NewID(billing.PrefixSubItem, now), PriceID: price.ID,
						ProductID: prod.ID, Quantity: 1, UnitAmount: amount}},
					BillingAnchor: anchor, CycleIndex: 1, CurrentPeriodStart: anchor, CurrentPeriodEnd: end,
					NextActionAt: &due, Metadata: billing.Metadata{}, Created: now, Updated: now}
				if err := tx.Subscriptions.CreateSubscription(ctx, sub); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// simApp is an App over s with only the simulated gateway, as the bench
// (and the tests that seed and sweep like it) runs one.
func simApp(s store, now func() time.Time, logger *slog.Logger) (*app.App, error) {
	return app.New(app.Config{Store: s, Now: now, Logger: logger,
		Ports:    app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
		Gateways: app.Gateways{billing.GatewaySim: sim.New(s, now)}})
}

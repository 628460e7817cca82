package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/cmf"
	"github.com/cuota/cuota/internal/dte/openfactura"
	"github.com/cuota/cuota/internal/gateway/flowgw"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/gateway/stripegw"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/secretbox"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/webhookout"
)

// defaultDatabaseURL makes a fresh checkout run with no setup.
const defaultDatabaseURL = "sqlite:./cuota.db"

// config is what every command reads from the environment.
type config struct {
	DatabaseURL string
	LogFormat   string
	LogLevel    slog.Level
	RateLimit   float64
	RateBurst   int
	// PublicURL is where customers' browsers reach cuota's hosted pages
	// (CUOTA_PUBLIC_URL), without a trailing slash; "" means
	// "http://" + the listen address (serve fills it in).
	PublicURL string
	// Box seals secrets at rest with CUOTA_SECRET_KEY; it has no key when
	// the variable is unset.
	Box *secretbox.Box
	// Mailer sends emails over CUOTA_SMTP_URL from CUOTA_MAIL_FROM; its
	// Sender is nil without a URL.
	Mailer app.Mailer
	// UF is the source of the UF's daily value (CUOTA_UF_SOURCE; nil:
	// only values set by hand, docs/uf.md).
	UF app.UFSource
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{DatabaseURL: getenv("CUOTA_DATABASE_URL"), LogFormat: getenv("CUOTA_LOG_FORMAT"), RateLimit: 25, RateBurst: 50}
	if c.DatabaseURL == "" {
		c.DatabaseURL = defaultDatabaseURL
	}
	switch c.LogFormat {
	case "":
		c.LogFormat = "json"
	case "json", "text":
	default:
		return c, fmt.Errorf("CUOTA_LOG_FORMAT must be json or text, not %q", c.LogFormat)
	}
	if lvl := getenv("CUOTA_LOG_LEVEL"); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			return c, fmt.Errorf("CUOTA_LOG_LEVEL: %w", err)
		}
	}
	if v := getenv("CUOTA_RATE_LIMIT"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return c, fmt.Errorf("CUOTA_RATE_LIMIT must be a non-negative number, not %q", v)
		}
		c.RateLimit = f
	}
	if v := getenv("CUOTA_RATE_BURST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("CUOTA_RATE_BURST must be a positive integer, not %q", v)
		}
		c.RateBurst = n
	}
	if v := getenv("CUOTA_PUBLIC_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return c, fmt.Errorf("CUOTA_PUBLIC_URL must be an absolute http or https URL with no query, like https://billing.example.cl, not %q", v)
		}
		c.PublicURL = strings.TrimRight(v, "/")
	}
	box, err := secretbox.New(getenv("CUOTA_SECRET_KEY"))
	if err != nil {
		return c, fmt.Errorf("CUOTA_SECRET_KEY: %w", err)
	}
	c.Box = box
	if c.Mailer, err = loadMailer(getenv); err != nil {
		return c, err
	}
	if c.UF, err = loadUFSource(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// loadUFSource reads CUOTA_UF_SOURCE (cmf or none; by default cmf when
// CUOTA_CMF_API_KEY is set, none otherwise), CUOTA_CMF_API_KEY and
// CUOTA_CMF_BASE_URL (another address for the CMF's API, such as
// cmfsim's).
func loadUFSource(getenv func(string) string) (app.UFSource, error) {
	key, src := getenv("CUOTA_CMF_API_KEY"), getenv("CUOTA_UF_SOURCE")
	if src == "" {
		src = "none"
		if key != "" {
			src = "cmf"
		}
	}
	switch src {
	case "none":
		return nil, nil
	case "cmf":
	default:
		return nil, fmt.Errorf("CUOTA_UF_SOURCE must be cmf or none, not %q", src)
	}
	if key == "" {
		return nil, fmt.Errorf("CUOTA_CMF_API_KEY is required with CUOTA_UF_SOURCE=cmf (the CMF gives one on registration at api.cmfchile.cl)")
	}
	base := getenv("CUOTA_CMF_BASE_URL")
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return nil, fmt.Errorf("CUOTA_CMF_BASE_URL must be an absolute http or https URL with no query, not %q", base)
		}
	}
	return &cmf.Client{BaseURL: base, APIKey: key}, nil
}

// loadMailer reads CUOTA_SMTP_URL and CUOTA_MAIL_FROM; without a URL every
// email is recorded in the email log as skipped, not sent.
func loadMailer(getenv func(string) string) (app.Mailer, error) {
	u := getenv("CUOTA_SMTP_URL")
	if u == "" {
		return app.Mailer{}, nil
	}
	cfg, err := mail.ParseSMTPURL(u) // its errors never show the password
	if err != nil {
		return app.Mailer{}, fmt.Errorf("CUOTA_SMTP_URL: %w", err)
	}
	sender, err := mail.NewSMTPSender(cfg)
	if err != nil {
		return app.Mailer{}, fmt.Errorf("CUOTA_SMTP_URL: %w", err)
	}
	from := getenv("CUOTA_MAIL_FROM")
	if from == "" {
		return app.Mailer{}, fmt.Errorf("CUOTA_MAIL_FROM is required with CUOTA_SMTP_URL (e.g. cobros@example.cl)")
	}
	m := app.Mailer{Sender: sender, From: from}
	if err := m.Validate(); err != nil {
		return app.Mailer{}, fmt.Errorf("CUOTA_MAIL_FROM: %w", err)
	}
	return m, nil
}

func (c config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// store is what the commands need of a database.
type store interface {
	billing.Store
	sim.LedgerStore // the simulated gateway keeps its ledger in cuota's database
	Migrate(ctx context.Context) error
	StartWorkers(ctx context.Context, workers *river.Workers, periodic []*river.PeriodicJob) error
	StopWorkers(ctx context.Context) error
}

// isPostgresURL reports whether a database URL names PostgreSQL (else it
// must be sqlite:PATH).
func isPostgresURL(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// openStore opens the database CUOTA_DATABASE_URL names, without migrating.
func openStore(ctx context.Context, url string, logger *slog.Logger) (store, error) {
	switch {
	case isPostgresURL(url):
		s, err := postgres.Open(ctx, url, logger)
		if err != nil {
			return nil, fmt.Errorf("open postgres database: %w", err)
		}
		return s, nil
	case strings.HasPrefix(url, "sqlite:"):
		path, err := sqlitePath(url)
		if err != nil {
			return nil, err
		}
		s, err := sqlite.Open(ctx, path, logger)
		if err != nil {
			return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
		}
		return s, nil
	default:
		return nil, fmt.Errorf("CUOTA_DATABASE_URL must start with postgres:// or sqlite:, got %q", redactURL(url))
	}
}

// sqlitePath is the file a sqlite: database URL names.
func sqlitePath(url string) (string, error) {
	path := strings.TrimPrefix(url, "sqlite:")
	if path == "" {
		return "", fmt.Errorf("CUOTA_DATABASE_URL %q names no file (use sqlite:./cuota.db)", url)
	}
	return path, nil
}

// redactURL hides a password in a database URL before it is printed.
func redactURL(url string) string {
	if at := strings.Index(url, "@"); at > 0 {
		if scheme := strings.Index(url, "://"); scheme > 0 && scheme < at {
			if colon := strings.Index(url[scheme+3:at], ":"); colon >= 0 {
				return url[:scheme+3+colon+1] + "***" + url[at:]
			}
		}
	}
	return url
}

// env bundles what an admin command needs: a migrated store and the app.
type env struct {
	cfg    config
	store  store
	app    *app.App
	flow   *flowgw.Adapter
	stripe *stripegw.Adapter
	logger *slog.Logger
	// publicURL is CUOTA_PUBLIC_URL, or the address serve listens on once
	// it knows it.
	publicURL atomic.Value
}

// PublicURL is the address customers' browsers and gateways reach cuota at.
func (e *env) PublicURL() string {
	u, _ := e.publicURL.Load().(string)
	return u
}

// openEnv loads the config, opens the store and migrates it.
func openEnv(ctx context.Context, getenv func(string) string, stderr io.Writer) (*env, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, err
	}
	return openEnvWith(ctx, cfg, stderr)
}

// openEnvWith opens and migrates the store of a config loadConfig has
// already checked whole: nothing touches the database before that.
func openEnvWith(ctx context.Context, cfg config, stderr io.Writer) (*env, error) {
	logger := cfg.logger(stderr)
	s, err := openStore(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	e := &env{cfg: cfg, store: s, logger: logger}
	e.publicURL.Store(cfg.PublicURL)
	// The gateways read credentials through the app, which is built with
	// the gateways: the closures reach it once it exists.
	credentials := func(gateway string) func(context.Context, billing.Scope) (billing.GatewayCredentials, error) {
		return func(ctx context.Context, sc billing.Scope) (billing.GatewayCredentials, error) {
			return e.app.Merchants.GatewayCredentials(ctx, sc, gateway)
		}
	}
	e.flow = flowgw.New(flowgw.Options{Store: s, PublicURL: e.PublicURL, Logger: logger, Credentials: credentials(billing.GatewayFlow)})
	e.stripe = stripegw.New(stripegw.Options{Store: s, Logger: logger, Credentials: credentials(billing.GatewayStripe)})
	a, err := app.New(app.Config{Store: s, Now: time.Now, Logger: logger, Sealer: cfg.Box, Mailer: cfg.Mailer,
		PublicURL: e.PublicURL, AuditKey: cfg.Box.AuditKey(),
		Ports: app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{},
			DTE: &openfactura.Provider{}, UF: cfg.UF},
		// The sim gateway refuses live mode itself.
		Gateways: app.Gateways{billing.GatewaySim: sim.New(s, time.Now), billing.GatewayFlow: e.flow, billing.GatewayStripe: e.stripe}})
	if err != nil { // the mailer was checked by loadConfig
		_ = s.Close()
		return nil, fmt.Errorf("CUOTA_MAIL_FROM: %w", err)
	}
	e.app = a
	return e, nil
}

// newFlagSet returns a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; --help prints usage and ends the command
// successfully, a bad flag ends it with status 2.
func parseFlags(fs *flag.FlagSet, args []string) (done bool, err error) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return true, nil
		}
		return true, exitError(2)
	}
	return false, nil
}

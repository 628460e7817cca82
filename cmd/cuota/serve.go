package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/console"
	"github.com/cuota/cuota/internal/httpapi"
	"github.com/cuota/cuota/internal/jobs"
	"github.com/cuota/cuota/internal/web"
	"github.com/cuota/cuota/internal/webhookin"
	"github.com/cuota/cuota/internal/wiring"
)

// shutdownTimeout bounds how long serve waits for requests and jobs in
// flight after SIGTERM.
const shutdownTimeout = 20 * time.Second

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "cuota serve [--addr HOST:PORT]", stderr)
	defaultAddr := getenv("CUOTA_ADDR")
	if defaultAddr == "" {
		defaultAddr = "127.0.0.1:8080"
	}
	addr := fs.String("addr", defaultAddr, "address to listen on (CUOTA_ADDR)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	release, err := lockSQLite(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer release()
	e, err := openEnvWith(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	if err := warnSealedSecrets(ctx, e); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	publicURL := e.cfg.PublicURL
	if publicURL == "" {
		publicURL = base
	}
	e.publicURL.Store(publicURL)

	merchant, secret, err := e.app.Merchants.Bootstrap(ctx)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("bootstrap: %w", err)
	}
	if secret != "" {
		fmt.Fprintf(stdout, "Created merchant %s (%q) and a test-mode API key. It is shown only this once:\n\n  %s\n\nTry it:\n\n  curl -s %s/v1/products -H \"Authorization: Bearer %s\"\n\n",
			merchant.ID, merchant.Name, secret, base, secret)
	}

	// A test clock that a process which is gone left advancing (it died
	// mid-advance) would refuse every advance: resume or release it before
	// serving. A clock another live process is advancing keeps its lease
	// and is left alone; the leader's periodic job catches later deaths.
	if n, err := e.app.Renewals.RecoverTestClocks(ctx); err != nil {
		e.logger.Error("recover test clocks", "error", err)
	} else if n > 0 {
		e.logger.Warn("recovered test clocks left advancing by a process that is gone", "count", n)
	}

	srv := newHTTPServer(serverHandler(e))
	if err := startWorkers(ctx, e); err != nil {
		_ = ln.Close()
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	e.logger.Info("cuota listening", "addr", base, "version", version)
	fmt.Fprintf(stdout, "cuota %s listening on %s\n", version, base)

	select {
	case err := <-serveErr:
		_ = e.store.StopWorkers(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	e.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	if err := e.store.StopWorkers(sctx); err != nil {
		e.logger.Error("stop workers", "error", err)
	}
	if shutdownErr != nil && !errors.Is(shutdownErr, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	e.logger.Info("stopped")
	return nil
}

// serverHandler is everything serve mounts: the API with its metrics, the
// hosted pages and the gateways' webhooks. The API bench mounts the same.
func serverHandler(e *env) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	api := httpapi.New(wiring.API(e.app), e.store, httpapi.Config{Version: version, RateLimit: e.cfg.RateLimit, RateBurst: e.cfg.RateBurst}, e.logger, reg)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", httpapi.MetricsHandler(reg))
	mux.Handle("/", api)
	pages := web.New(wiring.Pages(e.app), e.logger)
	mux.Handle("/sim/", pages)                                                            // hosted pages
	mux.Handle("/return/", pages)                                                         // back from a gateway's hosted page
	mux.Handle("/checkout/", pages)                                                       // hosted checkout
	mux.Handle("/pricing/", pages)                                                        // pricing tables (publishable keys)
	mux.Handle("/portal/", pages)                                                         // customer portal
	mux.Handle("/invoice/", pages)                                                        // an invoice's page (hosted_invoice_url)
	mux.Handle("/logos/", pages)                                                          // merchants' logos, by content hash
	mux.Handle(console.Prefix, console.New(wiring.Console(e.app), e.PublicURL, e.logger)) // the merchant's console
	// The root is the console's door; the API answers everything else.
	mux.Handle("GET /{$}", http.RedirectHandler(console.Prefix, http.StatusFound))
	(&webhookin.Flow{Refunds: e.flow, Payments: e.flow, App: e.app.Collection, Logger: e.logger}).Register(mux)
	(&webhookin.Stripe{Gateway: e.stripe, Credentials: e.app.Merchants, App: e.app.Collection, Logger: e.logger}).Register(mux)
	return mux
}

// newHTTPServer wraps h in serve's limits and timeouts.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
}

// startWorkers starts the job queue's workers and periodic jobs on e's
// store. Their context outlives the signal: cancelling it would abort jobs
// mid-charge. StopWorkers stops them gracefully instead.
func startWorkers(ctx context.Context, e *env) error {
	if err := e.store.StartWorkers(context.WithoutCancel(ctx), jobs.Workers(wiring.Workers(e.app)), jobs.Periodic()); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	return nil
}

// warnSealedSecrets logs a warning at start when gateway configurations
// were sealed with a CUOTA_SECRET_KEY this process does not have (none set,
// or another one): their gateways answer 503 until it is restarted with the
// right key, and the operator should hear of it before a customer does.
func warnSealedSecrets(ctx context.Context, e *env) error {
	code, n, example, err := e.app.Merchants.SealedSecretsProblem(ctx)
	if err != nil {
		return fmt.Errorf("check sealed gateway configurations: %w", err)
	}
	switch code {
	case billing.CodeSecretKeyMissing:
		e.logger.WarnContext(ctx, "gateway configurations are encrypted with CUOTA_SECRET_KEY, which is not set: "+
			"their gateways cannot be used (requests get 503 "+code+") until cuota is restarted with the key they were saved with",
			"count", n, "example", example)
	case billing.CodeSecretKeyMismatch:
		e.logger.WarnContext(ctx, "gateway configurations do not open with this CUOTA_SECRET_KEY: "+
			"their gateways cannot be used (requests get 503 "+code+") until cuota is restarted with the key they were saved with",
			"count", n, "example", example)
	}
	return nil
}

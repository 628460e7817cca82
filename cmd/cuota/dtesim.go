package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cuota/cuota/internal/dtesim"
)

// dtesimCmd runs dtesim, the fake OpenFactura, for local development:
// point a test-mode merchant's DTE settings at its base URL with its
// apikey (docs/dte.md).
func dtesimCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dtesim", "cuota dtesim [--addr 127.0.0.1:9191] [--api-key K] [--sii-delay 5s]", stderr)
	addr := fs.String("addr", "127.0.0.1:9191", "address to listen on")
	apiKey := fs.String("api-key", "", "the apikey to accept (default: random)")
	delay := fs.Duration("sii-delay", 5*time.Second, "how long after issue the SII decides (0: only on POST /_sim/settle)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *delay < 0 {
		return fmt.Errorf("--sii-delay must not be negative")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	sim := dtesim.New(dtesim.Options{APIKey: *apiKey, SIIDelay: *delay, Logger: logger})
	defer sim.Close()
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "dtesim listening on %s\n\n  base_url: %s/v2/dte\n  apikey:   %s\n\n"+
		"Inject a fault into the next emission (timeout_after_accept, server_error, reject, validation_error):\n\n"+
		"  curl -X POST %s/_sim/faults -H 'apikey: %s' -d '{\"fault\":\"reject\"}'\n\n"+
		"Have the SII decide now: curl -X POST %s/_sim/settle -H 'apikey: %s'\n"+
		"List what was issued:     curl %s/_sim/documents -H 'apikey: %s'\n\n",
		base, base, sim.APIKey(), base, sim.APIKey(), base, sim.APIKey(), base, sim.APIKey())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("dtesim: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("dtesim shutdown: %w", err)
	}
	return nil
}

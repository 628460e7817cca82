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

	"github.com/cuota/cuota/internal/flowsim"
)

// flowsimCmd runs flowsim, the fake Flow.cl server, for local development:
// configure a test-mode merchant's Flow gateway with its apiKey, secret
// and base URL.
func flowsimCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("flowsim", "cuota flowsim [--addr 127.0.0.1:9090] [--api-key K] [--secret S]", stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "address to listen on")
	apiKey := fs.String("api-key", "", "the apiKey to accept (default: random)")
	secret := fs.String("secret", "", "the secret key to verify signatures with (default: random)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	sim := flowsim.New(flowsim.Options{APIKey: *apiKey, Secret: *secret, BaseURL: base, Logger: logger})
	defer sim.Close()
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "flowsim listening on %s\n\n  base_url: %s/api\n  api_key:  %s\n  secret:   %s\n\n"+
		"Configure a test-mode merchant with:\n\n  curl -X PUT $CUOTA/v1/merchant/gateways/flow -H \"Authorization: Bearer sk_test_…\" \\\n"+
		"    -H 'Content-Type: application/json' -d '{\"api_key\":\"%s\",\"secret\":\"%s\",\"base_url\":\"%s/api\"}'\n\n",
		base, base, sim.APIKey(), sim.Secret(), sim.APIKey(), sim.Secret(), base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("flowsim: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("flowsim shutdown: %w", err)
	}
	return nil
}

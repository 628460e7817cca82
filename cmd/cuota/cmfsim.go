package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/cuota/cuota/internal/cmfsim"
)

// cmfsimCmd runs cmfsim, the fake of the CMF's UF API, for local
// development: point CUOTA_CMF_BASE_URL at it with its key (docs/uf.md).
func cmfsimCmd(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cmfsim", "cuota cmfsim [--addr 127.0.0.1:9292] [--api-key K]", stderr)
	addr := fs.String("addr", "127.0.0.1:9292", "address to listen on")
	apiKey := fs.String("api-key", "dev", "the apikey to accept")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	sim := cmfsim.New(*apiKey)
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "cmfsim listening on %s\n\n  CUOTA_UF_SOURCE=cmf CUOTA_CMF_BASE_URL=%s CUOTA_CMF_API_KEY=%s\n\n"+
		"Publish a day's value:\n\n  curl -X POST '%s/_sim/values?apikey=%s' -d '{\"Fecha\":\"2026-12-07\",\"Valor\":\"39.485,65\"}'\n\n",
		base, base, *apiKey, base, *apiKey)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("cmfsim: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("cmfsim shutdown: %w", err)
	}
	return nil
}

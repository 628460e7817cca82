// Command cuota is the subscription billing engine: one binary for the API,
// the hosted pages and the background workers, plus admin subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		fmt.Fprintln(os.Stderr, "cuota:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a status code, after the command has
// already printed what went wrong.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `cuota — subscription billing and recurring payments

Usage:
  cuota serve [--addr 127.0.0.1:8080]     run the API and the workers
  cuota migrate                           apply database migrations and exit
  cuota merchant create --name N [--timezone Z] [--locale L]
  cuota merchant list
  cuota apikey create --merchant ID --mode test|live
  cuota apikey list --merchant ID          the merchant's keys: id, mode, key, created, last used
  cuota apikey revoke KEY_ID
  cuota user create --merchant ID --email E --role owner|admin|support|viewer < password
                                          a user of the merchant's console (/console/)
  cuota user reset-password --merchant ID --email E < password
                                          set a user's password; ends their sessions
  cuota audit verify [--merchant ID] [--checkpoint FILE]
                                         check the keyed audit chains and their checkpoints
  cuota audit checkpoint [--merchant ID] print signed checkpoints to keep outside the database
  cuota bench renewals --subscriptions N [--database URL]
                                          measure the renewal pipeline
  cuota bench api [--db sqlite|postgres] [--clients C] [--signups N] [--gets M]
                                          measure the HTTP API (signups, GETs, pgbench ratio)
  cuota bench console [--database URL] [--subscriptions N] [--invoices M] [--plans-log FILE]
                                          time the console's pages over 100,000 subscriptions (PostgreSQL)
  cuota flowsim [--addr 127.0.0.1:9090]   run a fake Flow.cl server for local development
  cuota dtesim [--addr 127.0.0.1:9191]    run a fake OpenFactura (Chilean tax documents) for local development
  cuota cmfsim [--addr 127.0.0.1:9292]    run a fake of the CMF's UF API for local development
  cuota version

Run "cuota COMMAND --help" for a command's flags.

Environment:
  CUOTA_DATABASE_URL   postgres://user@host:5432/db?sslmode=disable, or sqlite:PATH
                       (default sqlite:./cuota.db)
  CUOTA_ADDR           address serve listens on (default 127.0.0.1:8080)
  CUOTA_PUBLIC_URL     where customers' browsers reach the hosted pages, e.g.
                       https://billing.example.cl (default http:// + the listen address)
  CUOTA_LOG_FORMAT     json (default) or text
  CUOTA_LOG_LEVEL      debug, info (default), warn or error
  CUOTA_RATE_LIMIT     requests per second allowed per API key (default 25; 0 disables)
  CUOTA_RATE_BURST     burst size of the per-key limit (default 50)
  CUOTA_SECRET_KEY     32-byte key (64 hex characters, e.g. openssl rand -hex 32) that
                       encrypts gateway credentials at rest; required for live mode
  CUOTA_SMTP_URL       smtp://user:pass@host:587?tls=starttls; without it emails are
                       recorded in the email log (GET /v1/emails) but not sent
  CUOTA_MAIL_FROM      the address emails come from, e.g. cobros@example.cl
  CUOTA_UF_SOURCE      cmf or none: where UF values come from (default cmf with a key, else none;
                       values can always be set with PUT /v1/uf_rates/{date})
  CUOTA_CMF_API_KEY    the CMF API key (api.cmfchile.cl) for CUOTA_UF_SOURCE=cmf
  CUOTA_CMF_BASE_URL   another address for the CMF's API (a fake, in tests)
`

// run is the whole program; main only supplies the process's environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "merchant":
		return merchantCmd(ctx, rest, getenv, stdout, stderr)
	case "apikey":
		return apikeyCmd(ctx, rest, getenv, stdout, stderr)
	case "user":
		return userCmd(ctx, rest, getenv, stdout, stderr)
	case "audit":
		return auditCmd(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return bench(ctx, rest, getenv, stdout, stderr)
	case "flowsim":
		return flowsimCmd(ctx, rest, getenv, stdout, stderr)
	case "dtesim":
		return dtesimCmd(ctx, rest, getenv, stdout, stderr)
	case "cmfsim":
		return cmfsimCmd(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "cuota", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "cuota: unknown command %q\n\n%s", cmd, usage)
		return exitError(2)
	}
}

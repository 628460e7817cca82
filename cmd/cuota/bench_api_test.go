package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// benchAPIKeys are the fields the JSON line of `cuota bench api` has.
var benchAPIKeys = []string{"bench", "db", "server", "cores", "clients", "signups", "gets", "errors", "signups_per_s",
	"write_requests_per_s", "gets_per_s", "endpoints", "cpu", "loadavg_start", "loadavg_end", "pgbench_tps",
	"write_requests_per_pgbench_tps", "counts"}

// TestBenchAPI runs `cuota bench api` small on each store and checks what
// it did, not how fast: every request succeeded, the database holds one
// customer, card, active subscription and paid invoice per signup, and the
// last line is the JSON result with all its fields.
func TestBenchAPI(t *testing.T) {
	t.Parallel()
	const signups, gets = 20, 60
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "bench.db")
		res, table := benchAPIRun(t, signups, gets, "--db", "sqlite", "--database", "sqlite:"+path)
		require.Nil(t, res["pgbench_tps"], "pgbench runs only on PostgreSQL")
		require.NotContains(t, table, "pgbench")

		// The bench's own counts agree with the file's.
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		defer db.Close()
		for _, q := range []string{"SELECT count(*) FROM customers", "SELECT count(*) FROM payment_methods",
			"SELECT count(*) FROM subscriptions WHERE status = 'active'", "SELECT count(*) FROM invoices WHERE status = 'paid'",
			"SELECT count(*) FROM payments WHERE status = 'succeeded'"} {
			var n int
			require.NoError(t, db.QueryRow(q).Scan(&n), q)
			require.Equal(t, signups, n, q)
		}
	})
	// pgbench gets 5 seconds: on a loaded machine its 16 connections can
	// take longer than 1 to open, and a run that processed nothing prints
	// no tps.
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		res, table := benchAPIRun(t, signups, gets, "--db", "postgres", "--database", pgtest.BaseURL(), "--pgbench-seconds", "5")
		require.Contains(t, res["server"], "PostgreSQL")
		if _, err := exec.LookPath("pgbench"); err == nil {
			require.Greater(t, res["pgbench_tps"], 0.0, table)
			require.NotNil(t, res["write_requests_per_pgbench_tps"])
			require.Contains(t, table, "pgbench -N -c 16 -j 2 -T 5:")
		} else {
			require.Contains(t, table, "pgbench: not run: pgbench is not on PATH")
		}
	})
}

// benchAPIRun runs the bench at 4 clients and returns its JSON line,
// decoded, and the table before it, after the checks every store shares.
func benchAPIRun(t *testing.T, signups, gets int, args ...string) (map[string]any, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append([]string{"cuota", "bench", "api", "--clients", "4", "--signups", strconv.Itoa(signups), "--gets", strconv.Itoa(gets)}, args...)
	err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())

	out := strings.TrimSpace(stdout.String())
	cut := strings.LastIndexByte(out, '\n')
	require.Positive(t, cut, out)
	table, line := out[:cut], out[cut+1:]
	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &res), line)
	for _, k := range benchAPIKeys {
		require.Contains(t, res, k, line)
	}
	require.Equal(t, "api", res["bench"])
	require.EqualValues(t, 0, res["errors"], table)
	require.EqualValues(t, 4, res["clients"])
	require.EqualValues(t, signups, res["signups"])
	require.Greater(t, res["write_requests_per_s"], 0.0)
	require.Greater(t, res["gets_per_s"], 0.0)
	for _, k := range []string{"customers", "payment_methods", "active_subscriptions", "paid_invoices"} {
		require.EqualValues(t, signups, res["counts"].(map[string]any)[k], "counts.%s", k)
	}
	eps := res["endpoints"].([]any)
	require.Len(t, eps, len(endpointNames))
	for i, e := range eps {
		e := e.(map[string]any)
		want := signups
		if i == epGet {
			want = gets
		}
		require.Equal(t, endpointNames[i], e["name"])
		require.EqualValues(t, want, e["requests"], e["name"])
		require.EqualValues(t, 0, e["errors"], e["name"])
		for _, k := range []string{"per_s", "p50_ms", "p95_ms", "p99_ms"} {
			require.Contains(t, e, k)
		}
		require.Contains(t, table, endpointNames[i])
	}
	for _, phase := range []string{"signups", "gets"} {
		c := res["cpu"].(map[string]any)[phase].(map[string]any)
		for _, k := range []string{"wall_s", "cuota_cpu_s", "postgres_backends_cpu_s", "postgres_all_cpu_s"} {
			require.Contains(t, c, k, phase)
		}
	}
	require.Contains(t, table, "load average:")
	return res, table
}

// TestBenchUsage: `cuota bench` alone prints both benchmarks' usage, and
// bad flags of bench api are usage errors before anything runs.
func TestBenchUsage(t *testing.T) {
	t.Parallel()
	getenv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitError(2), run(context.Background(), []string{"cuota", "bench"}, getenv, &stdout, &stderr))
	require.Contains(t, stderr.String(), "cuota bench renewals")
	require.Contains(t, stderr.String(), "cuota bench api")
	require.Contains(t, stderr.String(), "cuota bench console")
	for _, args := range [][]string{{"bench", "--help"}, {"bench", "api", "--help"}, {"bench", "renewals", "--help"}, {"bench", "console", "--help"}} {
		stderr.Reset()
		require.NoError(t, run(context.Background(), append([]string{"cuota"}, args...), getenv, &stdout, &stderr), "%v", args)
		require.Contains(t, stderr.String(), "Usage:", "%v", args)
	}
	for _, args := range [][]string{{"--db", "mysql"}, {"--db", "postgres"}, {"--db", "sqlite", "--database", "postgres://x/y"}, {"--clients", "0"}} {
		stderr.Reset()
		err := run(context.Background(), append([]string{"cuota", "bench", "api"}, args...), getenv, &stdout, &stderr)
		require.Equal(t, exitError(2), err, "%v", args)
		require.Contains(t, stderr.String(), "cuota:", "%v", args)
	}
	for _, args := range [][]string{{}, {"--database", "sqlite:x.db"}, {"--database", "postgres://x/y", "--subscriptions", "10"}} {
		stderr.Reset()
		err := run(context.Background(), append([]string{"cuota", "bench", "console"}, args...), getenv, &stdout, &stderr)
		require.Equal(t, exitError(2), err, "%v", args)
		require.Contains(t, stderr.String(), "cuota:", "%v", args)
	}
}

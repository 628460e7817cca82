package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestBenchConsole runs `cuota bench console` small and checks what it did,
// not how fast: the seed wrote every kind of row, every page answered 200
// to each timed request, and the last line is the JSON result.
func TestBenchConsole(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"cuota", "bench", "console", "--database", pgtest.BaseURL(),
		"--subscriptions", "200", "--invoices", "2000", "--samples", "2"}, func(string) string { return "" }, &stdout, &stderr)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	out := strings.TrimSpace(stdout.String())
	line := out[strings.LastIndexByte(out, '\n')+1:]
	var res struct {
		Counts map[string]int64 `json:"counts"`
		Pages  []struct {
			Name   string  `json:"name"`
			Errors int     `json:"errors"`
			P50    float64 `json:"p50_ms"`
		} `json:"pages"`
	}
	require.NoError(t, json.Unmarshal([]byte(line), &res), line)
	for _, k := range []string{"customers", "subscriptions", "invoices", "payments", "mrr_changes", "events", "audit_entries"} {
		require.Greater(t, res.Counts[k], int64(200), k)
	}
	require.Greater(t, res.Counts["invoices"], int64(1500))
	require.NotEmpty(t, res.Pages)
	for _, p := range res.Pages {
		require.Zero(t, p.Errors, "%s\n%s", p.Name, out)
		require.Positive(t, p.P50, p.Name)
	}
	require.Contains(t, out, "console overview")
}

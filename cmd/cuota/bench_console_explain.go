package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// explainPages asks PostgreSQL for the plans of each page's statements:
// a second server over the same schema, whose sessions load auto_explain
// (EXPLAIN ANALYZE with BUFFERS of every statement slower than
// --explain-ms), serves each page once; the plans its backends wrote to
// the server log while that page was served are kept. The timing pass ran
// without it: auto_explain's ANALYZE adds to every statement's time.
func explainPages(ctx context.Context, o benchConsoleOptions, cfg config, pages []*benchPage, cookie *http.Cookie, key string, stderr io.Writer) error {
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	q := u.Query()
	app := "cuota-explain-" + q.Get("search_path")
	q.Set("application_name", app)
	q.Set("session_preload_libraries", "auto_explain")
	q.Set("auto_explain.log_min_duration", strconv.Itoa(o.explainMS))
	q.Set("auto_explain.log_analyze", "on")
	q.Set("auto_explain.log_buffers", "on")
	u.RawQuery = q.Encode()
	cfg.DatabaseURL = u.String()
	b, err := startBenchServer(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer b.close(ctx)
	conn, err := pgx.Connect(ctx, withoutPoolParams(cfg.DatabaseURL))
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	for _, p := range pages {
		before, err := fileSize(o.plansLog)
		if err != nil {
			return err
		}
		if _, err := benchGet(ctx, hc, b.base+p.path, p.console, cookie, key); err != nil {
			p.plans = append(p.plans, "(no plans: "+err.Error()+")")
			continue
		}
		pids, err := backendPIDs(ctx, conn, app)
		if err != nil {
			return err
		}
		if p.plans, err = readPlans(o.plansLog, before, pids); err != nil {
			return err
		}
	}
	return nil
}

func fileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// backendPIDs are the server's backends of the sessions named app.
func backendPIDs(ctx context.Context, conn *pgx.Conn, app string) (map[string]bool, error) {
	rows, err := conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", app)
	if err != nil {
		return nil, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, p := range pids {
		out[strconv.Itoa(int(p))] = true
	}
	return out, nil
}

// logRecordStart matches the first line of a server log record with
// Debian's prefix ("2026-12-07 11:10:38.184 UTC [1234] user@db LOG: …")
// and captures its process id.
var logRecordStart = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]* \S+ \[(\d+)\]`)

// readPlans returns the auto_explain records that pids wrote to the log
// after offset.
func readPlans(path string, offset int64, pids map[string]bool) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	var out []string
	var cur strings.Builder
	keep := false
	flush := func() {
		if keep && strings.Contains(cur.String(), "plan:") {
			out = append(out, strings.TrimRight(cur.String(), "\n"))
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if m := logRecordStart.FindStringSubmatch(line); m != nil {
			flush()
			keep = pids[m[1]]
		}
		if keep {
			fmt.Fprintln(&cur, line)
		}
	}
	flush()
	return out, sc.Err()
}

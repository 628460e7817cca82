package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to tamper with rows
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", to tamper with rows

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestEndToEnd starts the real program, once on each database, and uses it
// the way a merchant would: over HTTP with the key that serve prints, and
// through the admin subcommands.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "cuota.db")
		exerciseProgram(t, "sqlite:"+path, func() (*sql.DB, error) { return sql.Open("sqlite", path) }, "?")
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.URL(t)
		exerciseProgram(t, url, func() (*sql.DB, error) { return sql.Open("pgx", url) }, "$1")
	})
}

// program is a running `cuota serve`.
type program struct {
	t       *testing.T
	env     map[string]string
	base    string
	key     string // the bootstrap key serve printed
	curl    string // the curl line serve printed
	stop    context.CancelFunc
	done    chan error
	ended   sync.Once
	exitErr error // serve's result, once shutdown has run
	stderrW *syncBuffer

	openDB      func() (*sql.DB, error) // direct access to the database
	placeholder string                  // its first bind parameter: ? or $1
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (p *program) getenv(k string) string { return p.env[k] }

var (
	listeningRE = regexp.MustCompile(`listening on (http://\S+)`)
	keyRE       = regexp.MustCompile(`sk_test_[A-Za-z0-9]+`)
	curlRE      = regexp.MustCompile(`curl -s (\S+) -H "Authorization: Bearer (\S+)"`)
)

// startProgram runs `cuota serve --addr 127.0.0.1:0` and waits until it
// prints its address.
// extraEnv are more NAME, value pairs of environment.
func startProgram(t *testing.T, databaseURL string, extraEnv ...string) *program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{t: t, stop: cancel, done: make(chan error, 1), stderrW: &syncBuffer{},
		env: map[string]string{"CUOTA_DATABASE_URL": databaseURL, "CUOTA_LOG_FORMAT": "text", "CUOTA_RATE_LIMIT": "0"}}
	for i := 0; i+1 < len(extraEnv); i += 2 {
		p.env[extraEnv[i]] = extraEnv[i+1]
	}
	pr, pw := io.Pipe()
	go func() {
		p.done <- run(ctx, []string{"cuota", "serve", "--addr", "127.0.0.1:0"}, p.getenv, pw, p.stderrW)
		_ = pw.Close()
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	timeout := time.After(60 * time.Second)
	for p.base == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("cuota serve exited before listening: %v\nstderr:\n%s", <-p.done, p.stderrW.String())
			}
			if m := curlRE.FindStringSubmatch(line); m != nil {
				p.curl = line
			}
			if p.key == "" {
				p.key = keyRE.FindString(line)
			}
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				p.base = m[1]
			}
		case <-timeout:
			t.Fatalf("cuota serve did not start within 60s; stderr:\n%s", p.stderrW.String())
		}
	}
	go func() {
		for range lines { // keep draining so serve never blocks on stdout
		}
	}()
	t.Cleanup(func() {
		require.NoError(t, p.shutdown(), "serve must shut down cleanly")
	})
	return p
}

// shutdown stops serve (as SIGTERM does) and returns what it returned; a
// test may call it before the cleanup does, to read everything serve logged.
func (p *program) shutdown() error {
	p.ended.Do(func() {
		p.stop()
		select {
		case p.exitErr = <-p.done:
		case <-time.After(30 * time.Second):
			p.exitErr = errors.New("serve did not stop within 30s of cancellation")
		}
	})
	return p.exitErr
}

// cli runs an admin subcommand against the same database and returns its
// standard output (and, when it fails, its standard error too).
func (p *program) cli(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"cuota"}, args...), p.getenv, &stdout, &stderr)
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (p *program) do(method, path, key string, body any, headers ...string) response {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(p.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	require.NoError(p.t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(p.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(p.t, err)
	r := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (p *program) ok(method, path, key string, body any, headers ...string) map[string]any {
	p.t.Helper()
	r := p.do(method, path, key, body, headers...)
	require.Equal(p.t, http.StatusOK, r.status, "%s %s: %s", method, path, r.raw)
	return r.body
}

func exerciseProgram(t *testing.T, databaseURL string, openDB func() (*sql.DB, error), placeholder string) {
	p := startProgram(t, databaseURL)
	p.openDB, p.placeholder = openDB, placeholder
	require.NotEmpty(t, p.key, "serve prints a test-mode key on an empty database")
	key := p.key

	// The printed curl line works as printed.
	m := curlRE.FindStringSubmatch(p.curl)
	require.NotNil(t, m, "serve prints a curl line")
	require.Equal(t, p.base+"/v1/products", m[1])
	require.Equal(t, key, m[2])
	p.ok("GET", "/v1/products", m[2], nil)

	require.Equal(t, http.StatusOK, p.do("GET", "/healthz", "", nil).status)
	require.Equal(t, http.StatusOK, p.do("GET", "/readyz", "", nil).status)

	// Catalog, customer, coupon.
	prod := p.ok("POST", "/v1/products", key, map[string]any{"name": "Agente Start", "features": map[string]int{"properties": 5, "featured": 1}})
	prodID := prod["id"].(string)
	price := p.ok("POST", "/v1/prices", key, map[string]any{"product": prodID, "unit_amount": 5000, "currency": "CLP",
		"recurring": map[string]any{"interval": "month"}, "lookup_key": "agente_start_monthly", "trial_period_days": 14})
	require.Equal(t, "recurring", price["type"])
	require.EqualValues(t, 5000, price["unit_amount"])
	dup := p.do("POST", "/v1/prices", key, map[string]any{"product": prodID, "unit_amount": 50000, "currency": "CLP", "lookup_key": "agente_start_monthly"})
	require.Equal(t, http.StatusConflict, dup.status, dup.raw)
	require.Equal(t, "resource_exists", dup.body["code"])
	coupon := p.ok("POST", "/v1/coupons", key, map[string]any{"percent_off": 20, "duration": "repeating", "duration_in_months": 3})
	p.ok("POST", "/v1/promotion_codes", key, map[string]any{"coupon": coupon["id"], "code": "verano"})

	// Customers, listed with pagination.
	var created []string
	for i := range 5 {
		c := p.ok("POST", "/v1/customers", key, map[string]any{"email": fmt.Sprintf("c%d@example.cl", i), "external_id": fmt.Sprintf("ext-%d", i)})
		created = append(created, c["id"].(string))
	}
	var seen []string
	cursor, pages := "", 0
	for ; ; pages++ {
		require.Less(t, pages, 5, "pagination must end")
		l := p.ok("GET", "/v1/customers?limit=2"+cursor, key, nil)
		require.LessOrEqual(t, len(l["data"].([]any)), 2, "limit is honoured")
		for _, d := range l["data"].([]any) {
			seen = append(seen, d.(map[string]any)["id"].(string))
		}
		if !l["has_more"].(bool) {
			break
		}
		cursor = "&starting_after=" + seen[len(seen)-1]
	}
	require.Equal(t, 2, pages, "5 customers in pages of 2: has_more on the first two pages")
	for i, j := 0, len(created)-1; i < j; i, j = i+1, j-1 {
		created[i], created[j] = created[j], created[i]
	}
	require.Equal(t, created, seen, "every customer once, newest first")
	byExt := p.ok("GET", "/v1/customers?external_id=ext-3", key, nil)
	require.Len(t, byExt["data"], 1)

	// Idempotent replay.
	body := map[string]any{"email": "idem@example.cl"}
	first := p.do("POST", "/v1/customers", key, body, "Idempotency-Key", "order-42")
	second := p.do("POST", "/v1/customers", key, body, "Idempotency-Key", "order-42")
	require.Equal(t, http.StatusOK, first.status, first.raw)
	require.Equal(t, first.raw, second.raw)
	require.Equal(t, "true", second.header.Get("Idempotent-Replayed"))
	require.Len(t, p.ok("GET", "/v1/customers?email=idem@example.cl", key, nil)["data"], 1)
	mismatch := p.do("POST", "/v1/customers", key, map[string]any{"email": "other@example.cl"}, "Idempotency-Key", "order-42")
	require.Equal(t, http.StatusBadRequest, mismatch.status)
	require.Equal(t, "idempotency_key_reused", mismatch.body["code"])
	// The same parameters in another key order are the same request.
	first = p.do("POST", "/v1/customers", key, json.RawMessage(`{"name":"Idem","email":"idem2@example.cl"}`), "Idempotency-Key", "order-43")
	second = p.do("POST", "/v1/customers", key, json.RawMessage(`{"email":"idem2@example.cl","name":"Idem"}`), "Idempotency-Key", "order-43")
	require.Equal(t, http.StatusOK, first.status, first.raw)
	require.Equal(t, "true", second.header.Get("Idempotent-Replayed"), second.raw)
	require.Equal(t, first.raw, second.raw)
	// The key as an HTTP Basic user name authenticates too (curl -u key:).
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))
	require.Len(t, p.ok("GET", "/v1/customers?email=idem2@example.cl", "", nil, "Authorization", basic)["data"], 1)

	// Another merchant's key sees none of this: 404, not 403.
	out, err := p.cli("merchant", "create", "--name", "Otra Tienda", "--timezone", "America/Santiago")
	require.NoError(t, err, out)
	otherMerchant := strings.TrimSpace(out)
	require.True(t, strings.HasPrefix(otherMerchant, "mch_"), out)
	out, err = p.cli("apikey", "create", "--merchant", otherMerchant, "--mode", "test")
	require.NoError(t, err, out)
	otherKey := keyRE.FindString(out)
	require.NotEmpty(t, otherKey, out)
	for _, path := range []string{"/v1/products/" + prodID, "/v1/prices/" + price["id"].(string), "/v1/customers/" + created[0], "/v1/coupons/" + coupon["id"].(string)} {
		r := p.do("GET", path, otherKey, nil)
		require.Equal(t, http.StatusNotFound, r.status, "%s: %s", path, r.raw)
		require.Equal(t, "resource_missing", r.body["code"])
	}
	require.Empty(t, p.ok("GET", "/v1/products", otherKey, nil)["data"])
	// The same lookup key is free in another merchant.
	otherProd := p.ok("POST", "/v1/products", otherKey, map[string]any{"name": "Otro"})
	p.ok("POST", "/v1/prices", otherKey, map[string]any{"product": otherProd["id"], "unit_amount": 100, "currency": "USD", "lookup_key": "agente_start_monthly"})

	// A bad key and a revoked key get 401.
	r := p.do("GET", "/v1/products", "sk_test_nope", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, "invalid_api_key", r.body["code"])
	out, err = p.cli("apikey", "create", "--merchant", otherMerchant, "--mode", "live")
	require.NoError(t, err, out)
	liveKey := regexp.MustCompile(`sk_live_[A-Za-z0-9]+`).FindString(out)
	require.Empty(t, p.ok("GET", "/v1/products", liveKey, nil)["data"], "live mode does not see test objects")
	keyID := liveKeyID(t, p, otherMerchant)
	out, err = p.cli("apikey", "revoke", keyID)
	require.NoError(t, err, out)
	require.Equal(t, http.StatusUnauthorized, p.do("GET", "/v1/products", liveKey, nil).status)

	// The audit log has the changes and the chains verify.
	audit := p.ok("GET", "/v1/audit_log?limit=100", key, nil)
	entries := audit["data"].([]any)
	actions := map[string]int{}
	for _, e := range entries {
		actions[e.(map[string]any)["action"].(string)]++
	}
	require.Equal(t, 1, actions["product.create"])
	require.Equal(t, 1, actions["price.create"], "the rejected duplicate price left no entry")
	require.Equal(t, 7, actions["customer.create"], "the replayed requests wrote nothing")
	out, err = p.cli("audit", "verify")
	require.NoError(t, err, out)
	require.Contains(t, out, "ok")

	// Tampering with one entry is found and named.
	victim := entries[3].(map[string]any)
	db, err := openDB()
	require.NoError(t, err)
	defer db.Close()
	res, err := db.Exec(`UPDATE audit_entries SET after = '{"name":"forged"}' WHERE id = `+placeholder, victim["id"])
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	out, err = p.cli("audit", "verify")
	require.Error(t, err)
	require.Equal(t, exitError(1), err)
	require.Contains(t, out, "BROKEN at entry "+victim["id"].(string), out)
	require.Contains(t, out, otherMerchant+": ok", "other chains are unaffected")
}

func TestCLIHelpAndErrors(t *testing.T) {
	t.Parallel()
	getenv := func(string) string { return "" }
	for _, args := range [][]string{
		{"serve", "--help"}, {"migrate", "--help"}, {"merchant", "create", "--help"},
		{"apikey", "create", "--help"}, {"apikey", "list", "--help"}, {"apikey", "revoke", "--help"}, {"audit", "verify", "--help"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"cuota"}, args...), getenv, &stdout, &stderr)
		require.NoError(t, err, "%v", args)
		require.Contains(t, stderr.String(), "Usage:", "%v", args)
	}
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"cuota", "version"}, getenv, &stdout, &stderr))
	require.Contains(t, stdout.String(), "cuota ")
	require.Equal(t, exitError(2), run(context.Background(), []string{"cuota", "bogus"}, getenv, &stdout, &stderr))

	bad := func(k string) string {
		return map[string]string{"CUOTA_DATABASE_URL": "mysql://x"}[k]
	}
	err := run(context.Background(), []string{"cuota", "migrate"}, bad, &stdout, &stderr)
	require.ErrorContains(t, err, "CUOTA_DATABASE_URL must start with postgres:// or sqlite:")
	unreachable := func(k string) string {
		return map[string]string{"CUOTA_DATABASE_URL": "postgres://nobody:secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}[k]
	}
	err = run(context.Background(), []string{"cuota", "migrate"}, unreachable, &stdout, &stderr)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret", "passwords are never printed")
}

// liveKeyID finds the id of a merchant's live key in the audit log, as an
// operator would.
func liveKeyID(t *testing.T, p *program, merchant string) string {
	t.Helper()
	db, err := p.openDB()
	require.NoError(t, err)
	defer db.Close()
	var id string
	require.NoError(t, db.QueryRow(`SELECT id FROM api_keys WHERE merchant_id = `+p.placeholder+` AND mode = 'live'`, merchant).Scan(&id))
	return id
}

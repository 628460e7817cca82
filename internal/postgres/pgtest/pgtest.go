// Package pgtest gives each test its own empty PostgreSQL schema, following
// River's schema-per-test pattern: tests run in parallel against one
// database without seeing each other's rows.
package pgtest

import (
	"context"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultURL is the database tests use when TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// EnvURL names the environment variable that overrides DefaultURL.
const EnvURL = "TEST_DATABASE_URL"

var (
	adminOnce sync.Once
	adminPool *pgxpool.Pool
	adminErr  error
)

// BaseURL returns the test database URL: TEST_DATABASE_URL, or DefaultURL.
func BaseURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// admin returns the process-wide pool that creates and drops schemas.
func admin(t testing.TB) *pgxpool.Pool {
	t.Helper()
	adminOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		pool, err := pgxpool.New(ctx, BaseURL())
		if err != nil {
			adminErr = err
			return
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			adminErr = err
			return
		}
		adminPool = pool
	})
	if adminErr != nil {
		t.Fatalf("pgtest: PostgreSQL is not reachable at %s: %v\n"+
			"Start PostgreSQL, or set %s to the URL of a database the tests may create schemas in "+
			"(for example postgres://user@host:5432/test?sslmode=disable).",
			redact(BaseURL()), adminErr, EnvURL)
	}
	return adminPool
}

// URL creates a new empty schema in the test database and returns a URL
// whose search_path selects it, so that everything a store creates lands in
// that schema. The schema is dropped, with all it holds, when t ends; close
// stores opened on the URL in a Cleanup registered after calling URL.
//
// If PostgreSQL is unreachable, URL fails the test (it never skips).
func URL(t testing.TB) string {
	t.Helper()
	pool := admin(t)
	schema := "t_" + randomName(12)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	u, err := withSearchPath(BaseURL(), schema)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	return u
}

// withSearchPath adds search_path=schema to a postgres:// URL or to a
// key=value DSN.
func withSearchPath(base, schema string) (string, error) {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// redact hides the password of a URL or key=value DSN for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	fields := strings.Fields(s)
	for i, f := range fields {
		if strings.HasPrefix(f, "password=") {
			fields[i] = "password=xxxxx"
		}
	}
	return strings.Join(fields, " ")
}

// randomName returns n random lower-case letters.
func randomName(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestSecondServeOnSQLiteRefused: SQLite mode is single-process, so a
// second serve on the same file stops at once with a message saying why,
// while the first keeps serving.
func TestSecondServeOnSQLiteRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cuota.db")
	p := startProgram(t, "sqlite:"+path)
	// The second one either ends with an error or, wrongly, starts: then it
	// prints its address and the test stops it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &notifyingBuffer{wrote: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"cuota", "serve", "--addr", "127.0.0.1:0"}, p.getenv, stdout, &syncBuffer{})
	}()
	var err error
	for started := false; !started; {
		select {
		case err = <-done:
			started = true
		case <-stdout.wrote:
			if strings.Contains(stdout.String(), "listening on") {
				cancel()
				<-done
				require.FailNow(t, "a second serve started on the same SQLite file", stdout.String())
			}
		}
	}
	require.Error(t, err)
	require.Contains(t, err.Error(), "another cuota serve is already running on the SQLite database "+path)
	p.ok("GET", "/v1/products", p.key, nil) // the first one is untouched
	// Admin commands still run beside it.
	out, err := p.cli("merchant", "list")
	require.NoError(t, err, out)
	require.Contains(t, out, "mch_default")
}

// TestFirstStartOutputIsQuiet: the key printed on first start is not
// buried under River's routine INFO lines, and commands that find nothing
// to migrate say nothing about it; cuota's own INFO lines stay.
func TestFirstStartOutputIsQuiet(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		firstStartIsQuiet(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db"), `msg="applied migration"`)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		firstStartIsQuiet(t, pgtest.URL(t), `msg="postgres: applied goose migrations"`)
	})
}

func firstStartIsQuiet(t *testing.T, dbURL, applied string) {
	p := startProgram(t, dbURL)
	require.NotEmpty(t, p.key)
	p.ok("GET", "/v1/products", p.key, nil)
	require.NoError(t, p.shutdown()) // every line serve will log is written
	logs := p.stderrW.String()
	require.Contains(t, logs, applied)
	require.Contains(t, logs, `msg="cuota listening"`)
	require.Contains(t, logs, "msg=stopped")
	for _, noise := range []string{"Producer job counts", "River client", "No migrations to apply", "rivermigrate"} {
		require.NotContains(t, logs, noise)
	}

	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"cuota", "migrate"}, p.getenv, &stdout, &stderr))
	require.Equal(t, "migrations applied\n", stdout.String())
	require.Empty(t, stderr.String(), "nothing to migrate, nothing logged")
}

// TestConfigurationCheckedBeforeDatabase: a bad setting stops every command
// before it creates or migrates the database.
func TestConfigurationCheckedBeforeDatabase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want string
		env        map[string]string
	}{
		{"bad secret key", "CUOTA_SECRET_KEY", map[string]string{"CUOTA_SECRET_KEY": "too-short"}},
		{"bad SMTP URL", "CUOTA_SMTP_URL", map[string]string{"CUOTA_SMTP_URL": "http://mail.example.cl", "CUOTA_MAIL_FROM": "cobros@example.cl"}},
		{"SMTP without sender", "CUOTA_MAIL_FROM", map[string]string{"CUOTA_SMTP_URL": "smtp://mail.example.cl:587"}},
		{"bad sender", "CUOTA_MAIL_FROM", map[string]string{"CUOTA_SMTP_URL": "smtp://mail.example.cl:587", "CUOTA_MAIL_FROM": "not an address"}},
	} {
		for _, cmd := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"migrate"}, {"merchant", "list"}} {
			t.Run(tc.name+"/"+cmd[0], func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), "cuota.db")
				env := map[string]string{"CUOTA_DATABASE_URL": "sqlite:" + path}
				for k, v := range tc.env {
					env[k] = v
				}
				var stdout, stderr bytes.Buffer
				err := run(context.Background(), append([]string{"cuota"}, cmd...), func(k string) string { return env[k] }, &stdout, &stderr)
				require.Error(t, err)
				require.True(t, strings.HasPrefix(err.Error(), tc.want), err.Error())
				entries, err := os.ReadDir(filepath.Dir(path))
				require.NoError(t, err)
				require.Empty(t, entries, "nothing was created next to the database, the database least of all")
				require.Empty(t, stderr.String(), "nothing was migrated")
			})
		}
	}
}

// notifyingBuffer is a syncBuffer that signals each write.
type notifyingBuffer struct {
	syncBuffer
	wrote chan struct{}
}

func (b *notifyingBuffer) Write(p []byte) (int, error) {
	n, err := b.syncBuffer.Write(p)
	select {
	case b.wrote <- struct{}{}:
	default:
	}
	return n, err
}

// TestAPIKeyCreateAndList: `apikey create` prints the new key's id, and
// `apikey list` shows it with its mode, redacted key and last use, which a
// request with the key records.
func TestAPIKeyCreateAndList(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		apiKeyCreateAndList(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db"))
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		apiKeyCreateAndList(t, pgtest.URL(t))
	})
}

func apiKeyCreateAndList(t *testing.T, dbURL string) {
	p := startProgram(t, dbURL)
	out, err := p.cli("merchant", "create", "--name", "Llaves")
	require.NoError(t, err, out)
	merchant := strings.TrimSpace(out)

	out, err = p.cli("apikey", "create", "--merchant", merchant, "--mode", "live")
	require.NoError(t, err, out)
	keyID := regexp.MustCompile(`key_[a-z0-9]+`).FindString(out)
	require.NotEmpty(t, keyID, "create prints the key's id: %s", out)
	secret := regexp.MustCompile(`sk_live_[A-Za-z0-9]+`).FindString(out)
	require.NotEmpty(t, secret, out)

	row := func() []string {
		t.Helper()
		out, err := p.cli("apikey", "list", "--merchant", merchant)
		require.NoError(t, err, out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 2, "a header and the merchant's one key: %s", out)
		require.Equal(t, []string{"ID", "MODE", "KEY", "CREATED", "LAST", "USED", "REVOKED"}, strings.Fields(lines[0]))
		return strings.Fields(lines[1])
	}
	fields := row()
	require.Equal(t, keyID, fields[0])
	require.Equal(t, "live", fields[1])
	require.Equal(t, "sk_live_…"+secret[len(secret)-4:], fields[2])
	require.Equal(t, []string{"never", "-"}, fields[len(fields)-2:])

	p.ok("GET", "/v1/products", secret, nil)
	fields = row()
	require.Len(t, fields, 8, "created and last used are a date and a time each: %v", fields)
	require.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, fields[5])
	require.Regexp(t, `^\d{2}:\d{2}Z$`, fields[6])
	require.Equal(t, "-", fields[7])

	out, err = p.cli("apikey", "revoke", keyID)
	require.NoError(t, err, out)
	require.NotEqual(t, "-", row()[7], "revoked shows when")

	out, err = p.cli("apikey", "list", "--merchant", "mch_nope")
	require.Error(t, err)
	require.Contains(t, out, `no such merchant: "mch_nope"`)
}

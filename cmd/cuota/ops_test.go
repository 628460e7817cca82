package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/stripegw/stripefake"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/secretbox"
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
		{"bad UF source", "CUOTA_UF_SOURCE", map[string]string{"CUOTA_UF_SOURCE": "bcentral"}},
		{"CMF without key", "CUOTA_CMF_API_KEY", map[string]string{"CUOTA_UF_SOURCE": "cmf"}},
		{"bad CMF URL", "CUOTA_CMF_BASE_URL", map[string]string{"CUOTA_CMF_API_KEY": "k", "CUOTA_CMF_BASE_URL": "ftp://x"}},
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

// TestSealedGatewayConfigWithoutTheKey: a gateway configuration saved with
// one CUOTA_SECRET_KEY, after a restart without it or with another key, is
// a 503 with a stable code naming the variable on every path that opens it
// (listing, a card setup, Stripe's webhooks), never a 500, and serve warns
// at start. With the right key back, everything works again.
func TestSealedGatewayConfigWithoutTheKey(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		sealedConfigWithoutKey(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db"))
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		sealedConfigWithoutKey(t, pgtest.URL(t))
	})
}

func sealedConfigWithoutKey(t *testing.T, dbURL string) {
	keyA := secretbox.NewKey()
	fake := stripefake.New(e2eStripeKey)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	t.Cleanup(fake.Close)
	fake.SetBaseURL(srv.URL)

	p := startProgram(t, dbURL, "CUOTA_SECRET_KEY", keyA)
	key := p.key
	cfg := p.ok("PUT", "/v1/merchant/gateways/stripe", key, map[string]any{"api_key": e2eStripeKey,
		"webhook_secret": e2eStripeSecret, "base_url": srv.URL})
	require.Equal(t, true, cfg["encrypted"])
	merchantID := p.ok("GET", "/v1/merchant", key, nil)["id"].(string)
	cusID := p.ok("POST", "/v1/customers", key, map[string]any{"email": "ana@example.com"})["id"].(string)
	prod := p.ok("POST", "/v1/products", key, map[string]any{"name": "Plan"})
	price := p.ok("POST", "/v1/prices", key, map[string]any{"product": prod["id"], "unit_amount": 1999, "currency": "USD",
		"recurring": map[string]any{"interval": "month"}})["id"].(string)
	setup := p.ok("POST", "/v1/customers/"+cusID+"/payment_method_setups", key, map[string]any{"gateway": "stripe",
		"return_url": "https://shop.example.com/card"})
	stripeCheckout(t, setup["url"].(string), stripefake.CardVisa)
	pm := p.ok("GET", "/v1/customers/"+cusID+"/payment_methods", key, nil)["data"].([]any)[0].(map[string]any)["id"].(string)
	require.NoError(t, p.shutdown())
	require.NotContains(t, p.stderrW.String(), "level=WARN msg=\"gateway configurations")

	for _, tc := range []struct {
		name, env, code string
		warn            string
	}{
		{"without a key", "", billing.CodeSecretKeyMissing, `level=WARN msg="gateway configurations are encrypted with CUOTA_SECRET_KEY, which is not set`},
		{"with another key", secretbox.NewKey(), billing.CodeSecretKeyMismatch, `level=WARN msg="gateway configurations do not open with this CUOTA_SECRET_KEY`},
	} {
		p := startProgram(t, dbURL, "CUOTA_SECRET_KEY", tc.env)
		require.Contains(t, p.stderrW.String(), tc.warn, tc.name)
		require.Contains(t, p.stderrW.String(), "example=\"stripe of "+merchantID+" (test mode)\"", tc.name)
		for _, r := range []response{
			p.do("GET", "/v1/merchant/gateways", key, nil),
			p.do("POST", "/v1/customers/"+cusID+"/payment_method_setups", key, map[string]any{"gateway": "stripe",
				"return_url": "https://shop.example.com/card"}),
		} {
			require.Equal(t, http.StatusServiceUnavailable, r.status, "%s: %s", tc.name, r.raw)
			require.Equal(t, tc.code, r.body["code"], tc.name)
			require.Contains(t, r.body["detail"], "CUOTA_SECRET_KEY", tc.name)
		}
		// A charge through the gateway fails as a technical failure that
		// says why, and moves no money.
		sub := p.do("POST", "/v1/subscriptions", key, map[string]any{"customer": cusID, "items": []map[string]any{{"price": price}},
			"payment_method": pm})
		require.Less(t, sub.status, 500, "%s: %s", tc.name, sub.raw)
		invs := p.ok("GET", "/v1/invoices?subscription="+sub.body["id"].(string), key, nil)["data"].([]any)
		require.Len(t, invs, 1, tc.name)
		pays := p.ok("GET", "/v1/payments?invoice="+invs[0].(map[string]any)["id"].(string), key, nil)["data"].([]any)
		require.Len(t, pays, 1, tc.name)
		require.Equal(t, "failed", pays[0].(map[string]any)["status"], tc.name)
		require.Equal(t, tc.code, pays[0].(map[string]any)["failure_code"], tc.name)
		require.Empty(t, fake.Ledger(), tc.name)
		// Stripe's webhook: "try again later", so Stripe delivers it again.
		status, body, err := stripefake.Send(context.Background(), p.base+"/webhooks/stripe/"+merchantID+"/test",
			e2eStripeSecret, fake.Event("customer.created", map[string]any{"id": "cus_x", "object": "customer"}))
		require.NoError(t, err)
		require.Equal(t, http.StatusServiceUnavailable, status, "%s: %s", tc.name, body)
		require.NoError(t, p.shutdown())
		require.NotContains(t, p.stderrW.String(), "internal error", tc.name)
	}

	p = startProgram(t, dbURL, "CUOTA_SECRET_KEY", keyA)
	require.NotContains(t, p.stderrW.String(), "level=WARN msg=\"gateway configurations")
	list := p.ok("GET", "/v1/merchant/gateways", key, nil)
	require.Len(t, list["data"], 1)
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// benchMerchant is the merchant a console benchmark times: an API key's
// secret and its owner's console session.
type benchMerchant struct {
	merchant billing.Merchant
	secret   string
	session  app.SignedIn
}

// The benchmark's owner.
const benchEmail, benchPassword = "bench@example.cl", "una clave de benchmark larga"

// seedBenchMerchant makes the merchant, its key, its owner and three
// template signups through the API, then builds the rest in SQL
// (consoleSeed).
func seedBenchMerchant(ctx context.Context, o benchConsoleOptions, b *benchServer, conn *pgx.Conn, stdout io.Writer) (benchMerchant, error) {
	a := b.env.app
	m, err := a.Merchants.CreateMerchant(cliContext(ctx), app.CreateMerchantParams{Name: "Bench", Timezone: "America/Santiago"})
	if err != nil {
		return benchMerchant{}, fmt.Errorf("create merchant: %w", err)
	}
	if _, err := a.Users.CreateUser(cliContext(ctx), app.CreateUserParams{MerchantID: m.ID, Email: benchEmail, Role: billing.RoleOwner,
		Password: benchPassword}); err != nil {
		return benchMerchant{}, fmt.Errorf("create user: %w", err)
	}
	bm, err := signInBenchMerchant(ctx, a, m)
	if err != nil {
		return bm, err
	}
	c := &benchClient{base: b.base, key: bm.secret, http: &http.Client{Timeout: time.Minute}}
	defer c.http.CloseIdleConnections()
	// Three templates made through the API: a product, three monthly
	// prices and a signup on each, whose rows the seed clones.
	prod, err := c.call(ctx, -1, http.MethodPost, "/v1/products", map[string]any{"name": "Plan"})
	if err != nil {
		return bm, fmt.Errorf("create product: %w", err)
	}
	for i, amount := range []int{9990, 19990, 49990} {
		price, err := c.call(ctx, -1, http.MethodPost, "/v1/prices", map[string]any{"product": prod.ID, "unit_amount": amount,
			"currency": "CLP", "recurring": map[string]any{"interval": "month"}})
		if err != nil {
			return bm, fmt.Errorf("create price: %w", err)
		}
		if _, err := c.signup(ctx, i, price.ID); err != nil {
			return bm, fmt.Errorf("template signup: %w", err)
		}
	}
	sd := consoleSeed{merchant: m.ID, subs: o.subscriptions, months: seedMonths(o.subscriptions, o.invoices), now: time.Now()}
	fmt.Fprintf(stdout, "seeding %d subscriptions over %.1f months (load average %s)\n", o.subscriptions, sd.months, fmtLoad(loadAverage()))
	seedStart := time.Now()
	if err := sd.seed(ctx, conn, stdout); err != nil {
		return bm, err
	}
	fmt.Fprintf(stdout, "seeded in %s\n", time.Since(seedStart).Round(time.Second))
	return bm, nil
}

// reuseBenchMerchant finds the merchant an earlier run seeded in the
// schema and gives it a new key and session.
func reuseBenchMerchant(ctx context.Context, b *benchServer, conn *pgx.Conn) (benchMerchant, error) {
	var id string
	if err := conn.QueryRow(ctx, "SELECT id FROM merchants WHERE name = 'Bench' ORDER BY id LIMIT 1").Scan(&id); err != nil {
		return benchMerchant{}, fmt.Errorf("find the seeded merchant: %w", err)
	}
	m, err := b.env.app.Merchants.GetMerchant(cliContext(ctx), id)
	if err != nil {
		return benchMerchant{}, fmt.Errorf("read merchant %s: %w", id, err)
	}
	return signInBenchMerchant(ctx, b.env.app, m)
}

// signInBenchMerchant makes a test-mode API key and signs the owner in.
func signInBenchMerchant(ctx context.Context, a *app.App, m billing.Merchant) (benchMerchant, error) {
	_, secret, err := a.Merchants.CreateAPIKey(cliContext(ctx), m.ID, billing.ModeTest)
	if err != nil {
		return benchMerchant{}, fmt.Errorf("create api key: %w", err)
	}
	signedIn, err := a.Users.SignIn(cliContext(ctx), app.SignInParams{Email: benchEmail, Password: benchPassword})
	if err != nil {
		return benchMerchant{}, fmt.Errorf("sign in: %w", err)
	}
	return benchMerchant{merchant: m, secret: secret, session: signedIn}, nil
}

// benchSchemaName is the form of the schemas benchDatabase makes.
var benchSchemaName = regexp.MustCompile(`^bench_[a-z0-9]+$`)

// benchSchemaURL is dbURL on a kept benchmark schema.
func benchSchemaURL(dbURL, schema string) (string, error) {
	if !benchSchemaName.MatchString(schema) {
		return "", fmt.Errorf("--reuse %q: not a benchmark schema (bench_…)", schema)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("database url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

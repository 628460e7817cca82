package console_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/console"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/wiring"
)

// TestConfigPagesRefuseJunk sends junk to every page and form of the
// catalog, webhooks, emails and settings: a 4xx page (or the form again
// with its error), never a 5xx, and nothing half-written.
func TestConfigPagesRefuseJunk(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testConfigJunk(t, setup(t, "http://127.0.0.1")) })
	t.Run("postgres", func(t *testing.T) { testConfigJunk(t, setupPostgres(t)) })
}

// setupPostgres is setup on a fresh PostgreSQL schema (TEST_DATABASE_URL):
// PostgreSQL refuses text SQLite stores, so junk is tried on both.
func setupPostgres(t *testing.T) *bundle {
	t.Helper()
	store, err := postgres.Open(t.Context(), pgtest.URL(t), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return setupStore(t, store, nil)
}

// setupStore serves the console alone on store, migrated, with the app's
// configuration changed by edit (when not nil), like setup.
func setupStore(t *testing.T, store interface {
	billing.Store
	Migrate(context.Context) error
}, edit func(*app.Config)) *bundle {
	t.Helper()
	require.NoError(t, store.Migrate(t.Context()))
	now := new(atomic.Int64)
	now.Store(time.Now().UnixNano())
	cfg := app.Config{Store: store, Now: func() time.Time { return time.Unix(0, now.Load()) }}
	if edit != nil {
		edit(&cfg)
	}
	a, err := app.New(cfg)
	require.NoError(t, err)
	m, err := a.Merchants.CreateMerchant(t.Context(), app.CreateMerchantParams{Name: "Corredora Sur"})
	require.NoError(t, err)
	_, err = a.Users.CreateUser(t.Context(), app.CreateUserParams{MerchantID: m.ID, Email: "duena@example.cl",
		Role: billing.RoleOwner, Password: "una clave bien larga"})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, console.New(wiring.Console(a), func() string { return "http://127.0.0.1" }, slog.New(slog.DiscardHandler)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &bundle{t: t, now: now, app: a, srv: srv, merchant: m.ID, client: newClient(t)}
}

func testConfigJunk(t *testing.T, b *bundle) {
	token := b.signIn()
	s := billing.Scope{MerchantID: b.merchant, Mode: billing.ModeTest}
	name := "Plan Base"
	prod, err := b.app.Catalog.CreateProduct(t.Context(), s, app.ProductParams{Name: &name})
	require.NoError(t, err)

	for _, path := range []string{"/console/catalog", "/console/catalog?after=nope", "/console/catalog/products/prod_none",
		"/console/catalog/products/%ff", "/console/catalog/products/" + prod.ID, "/console/catalog/coupons",
		"/console/webhooks", "/console/webhooks/we_none", "/console/webhooks/we_none?after=x", "/console/emails",
		"/console/emails?template=nope&after=x", "/console/emails/em_none", "/console/emails/em_none/html",
		"/console/settings/profile", "/console/settings/dunning", "/console/settings/gateways",
		"/console/settings/tax-documents"} {
		res, _ := b.get(path)
		require.Less(t, res.StatusCode, 500, path)
	}
	long := strings.Repeat("x", 3000)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/console/catalog/products", url.Values{"name": {""}}},
		{"/console/catalog/products", url.Values{"name": {long}}},
		{"/console/catalog/products/prod_none", url.Values{"name": {"x"}}},
		{"/console/catalog/products/" + prod.ID + "/active", url.Values{"active": {"maybe"}}},
		{"/console/catalog/products/prod_none/prices", url.Values{"amount": {"10"}, "currency": {"CLP"}}},
		{"/console/catalog/products/" + prod.ID + "/prices", url.Values{"amount": {"9,5"}, "currency": {"CLP"}}},
		{"/console/catalog/products/" + prod.ID + "/prices", url.Values{"amount": {"10"}, "currency": {"ZZZ"}}},
		{"/console/catalog/products/" + prod.ID + "/prices", url.Values{"amount": {"99999999999999999999"}, "currency": {"USD"}}},
		{"/console/catalog/products/" + prod.ID + "/prices", url.Values{"amount": {"10"}, "currency": {"CLP"}, "interval": {"century"}}},
		{"/console/catalog/products/" + prod.ID + "/prices", url.Values{"amount": {"10"}, "currency": {"CLP"}, "interval_count": {"-1"}}},
		{"/console/catalog/products/" + prod.ID + "/prices", url.Values{"amount": {"10"}, "currency": {"CLP"}, "type": {"one_time"}, "trial_period_days": {"5"}}},
		{"/console/catalog/prices/price_none", url.Values{"nickname": {"x"}}},
		{"/console/catalog/prices/price_none/active", url.Values{"active": {"false"}}},
		{"/console/catalog/coupons", url.Values{"kind": {"percent"}, "value": {"NaN"}}},
		{"/console/catalog/coupons", url.Values{"kind": {"percent"}, "value": {"150"}}},
		{"/console/catalog/coupons", url.Values{"kind": {"amount"}, "value": {"abc"}, "currency": {"USD"}}},
		{"/console/catalog/coupons", url.Values{"kind": {"percent"}, "value": {"10"}, "duration": {"repeating"}, "months": {"x"}}},
		{"/console/catalog/coupons", url.Values{"kind": {"percent"}, "value": {"10"}, "duration": {"sometimes"}}},
		{"/console/catalog/coupons/co_none", url.Values{"name": {"x"}}},
		{"/console/catalog/coupons", url.Values{"kind": {"percent"}, "value": {"10"}, "redeem_by": {"mañana"}}},
		{"/console/catalog/coupons", url.Values{"kind": {"percent"}, "value": {"10"}, "redeem_by": {"2020-01-01"}}},
		{"/console/catalog/coupons", url.Values{"kind": {"percent"}, "value": {"10"}, "redeem_by": {"99999-01-01"}}},
		{"/console/catalog/promotion-codes", url.Values{"coupon": {"co_none"}, "code": {"HOLA"}, "expires_at": {"31/12/2026"}}},
		{"/console/catalog/promotion-codes", url.Values{"coupon": {"co_none"}, "code": {"HOLA"}}},
		{"/console/catalog/promotion-codes", url.Values{"coupon": {"co_none"}, "code": {"no vale!"}}},
		{"/console/catalog/promotion-codes/promo_none/active", url.Values{"active": {"false"}}},
		{"/console/webhooks", url.Values{"url": {"not a url"}}},
		{"/console/webhooks", url.Values{"url": {"https://example.cl/hooks"}, "events": {"nope.event"}}},
		{"/console/webhooks/we_none/enabled", url.Values{"enabled": {"false"}}},
		{"/console/webhooks/we_none/enabled", url.Values{"enabled": {"x"}}},
		{"/console/webhooks/we_none/deliveries/wd_none/redeliver", nil},
		{"/console/settings/profile", url.Values{"name": {"Corredora Sur"}, "timezone": {"Mars/Olympus"}, "locale": {"es-CL"}}},
		{"/console/settings/profile", url.Values{"name": {"Corredora Sur"}, "timezone": {"UTC"}, "locale": {"fr"}}},
		{"/console/settings/profile", url.Values{"name": {"Corredora Sur"}, "timezone": {"UTC"}, "locale": {"es-CL"}, "tax_id": {"12.345.678-0"}}},
		{"/console/settings/profile", url.Values{"name": {""}}},
		{"/console/settings/profile", url.Values{"name": {"x"}, "timezone": {"UTC"}, "locale": {"es-CL"}, "country": {"Chile"}}},
		{"/console/settings/dunning", url.Values{"kind": {"schedule"}, "schedule": {"1d, mañana"}}},
		{"/console/settings/dunning", url.Values{"kind": {"schedule"}, "schedule": {"1d"}, "final_action": {"explode"}}},
		{"/console/settings/dunning", url.Values{"kind": {"exponential"}, "base": {"x"}, "factor": {"2"}, "cap": {"7d"}, "max_attempts": {"3"}}},
		{"/console/settings/dunning", url.Values{"kind": {"exponential"}, "base": {"12h"}, "factor": {"-2"}, "cap": {"7d"}}},
		{"/console/settings/dunning", url.Values{"kind": {"schedule"}, "schedule": {"1d"}, "max_attempts": {"1000"}}},
		{"/console/settings/gateways/flow", url.Values{"api_key": {""}}},
		{"/console/settings/gateways/stripe", url.Values{"api_key": {"sk_test_x"}, "environment": {"sandbox"}}},
		{"/console/settings/gateways/sim", url.Values{"api_key": {"x"}}},
		{"/console/settings/gateways/paypal", url.Values{"api_key": {"x"}}},
		{"/console/settings/gateways/flow/delete", nil},
		{"/console/settings/tax-documents", url.Values{"enabled": {"1"}, "activity_code": {"x"}}},
		{"/console/settings/tax-documents", url.Values{"enabled": {"1"}, "activity_code": {"9999999"}}},
		{"/console/settings/tax-documents", url.Values{"enabled": {"1"}, "api_key": {"k"}, "activity_code": {"620200"}}},
	} {
		form := url.Values{"csrf": {token}}
		for k, v := range c.form {
			form[k] = v
		}
		res, body := b.post(c.path, form)
		require.GreaterOrEqual(t, res.StatusCode, 400, "%s %v", c.path, c.form)
		require.Less(t, res.StatusCode, 500, "%s %v: %s", c.path, c.form, body)
	}
	prices, err := b.app.Catalog.ListPrices(t.Context(), s, billing.PriceFilter{}, billing.Page{})
	require.NoError(t, err)
	require.Empty(t, prices.Data, "no junk price was written")
	m, err := b.app.Merchants.GetMerchant(t.Context(), b.merchant)
	require.NoError(t, err)
	require.Equal(t, "Corredora Sur", m.Name)
	require.NotEqual(t, "Mars/Olympus", m.Timezone)
}

// TestCatalogForms creates a price from an amount typed in major units,
// and shows a refused form again with the reason in Spanish.
func TestCatalogForms(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	token := b.signIn()
	res, _ := b.post("/console/catalog/products", url.Values{"csrf": {token}, "name": {"Plan Pro"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	page := res.Header.Get("Location")
	id := regexp.MustCompile(`/products/([^?]+)`).FindStringSubmatch(page)[1]
	for _, c := range []struct {
		amount, currency string
		want             int64
	}{{"$9.990", "CLP", 9990}, {"12,50", "USD", 1250}} {
		res, body := b.post("/console/catalog/products/"+id+"/prices", url.Values{"csrf": {token}, "amount": {c.amount},
			"currency": {c.currency}, "type": {"recurring"}, "interval": {"month"}, "interval_count": {"1"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	}
	s := billing.Scope{MerchantID: b.merchant, Mode: billing.ModeTest}
	prices, err := b.app.Catalog.ListPrices(t.Context(), s, billing.PriceFilter{ProductID: id}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, prices.Data, 2)
	require.Equal(t, int64(1250), prices.Data[0].UnitAmount)
	require.Equal(t, int64(9990), prices.Data[1].UnitAmount)
	_, body := b.get("/console/catalog/products/" + id)
	require.Contains(t, body, "$9.990")
	require.Contains(t, body, "cada mes")

	res, body = b.post("/console/catalog/products/"+id+"/prices", url.Values{"csrf": {token}, "amount": {"9,5"}, "currency": {"CLP"}})
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body, "El monto no es válido para esa moneda")
	require.Contains(t, body, `value="9,5"`, "the form comes back as typed")
	res, body = b.post("/console/settings/profile", url.Values{"csrf": {token}, "name": {"Corredora Sur"}, "timezone": {"Mars/Olympus"},
		"locale": {"es-CL"}})
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body, "Elige una zona horaria válida")
}

// TestConfigViewer signs a viewer in: the config pages show no button
// that changes anything, and a forged POST of each action is 403 with
// nothing changed.
func TestConfigViewer(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	_, err := b.app.Users.CreateUser(t.Context(), app.CreateUserParams{MerchantID: b.merchant, Email: "mira@example.cl",
		Role: billing.RoleViewer, Password: "otra clave bien larga"})
	require.NoError(t, err)
	s := billing.Scope{MerchantID: b.merchant, Mode: billing.ModeTest}
	name := "Plan Base"
	prod, err := b.app.Catalog.CreateProduct(t.Context(), s, app.ProductParams{Name: &name})
	require.NoError(t, err)
	_, body := b.get("/console/sign-in")
	res, _ := b.post("/console/sign-in", url.Values{"csrf": {csrf(t, body)}, "email": {"mira@example.cl"}, "password": {"otra clave bien larga"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	var token string
	for _, path := range []string{"/console/catalog", "/console/catalog/products/" + prod.ID, "/console/catalog/coupons",
		"/console/webhooks", "/console/settings/profile", "/console/settings/dunning", "/console/settings/gateways",
		"/console/settings/tax-documents"} {
		res, body := b.get(path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		require.NotRegexp(t, `<button type="submit"[^>]*id="(create|save)-`, body, path)
		require.NotContains(t, body, `class="danger`, path)
		token = csrf(t, body)
	}
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/console/catalog/products", url.Values{"name": {"Otro"}}},
		{"/console/catalog/products/" + prod.ID + "/active", url.Values{"active": {"false"}}},
		{"/console/webhooks", url.Values{"url": {"https://example.cl/hooks"}}},
		{"/console/settings/profile", url.Values{"name": {"Otro nombre"}, "timezone": {"UTC"}, "locale": {"en"}}},
		{"/console/settings/dunning", url.Values{"kind": {"schedule"}, "schedule": {"1d"}, "final_action": {"unpaid"}}},
		{"/console/settings/gateways/stripe", url.Values{"api_key": {"sk_test_x"}}},
		{"/console/settings/tax-documents", url.Values{"activity_code": {"620200"}}},
	} {
		c.form.Set("csrf", token)
		res, _ := b.post(c.path, c.form)
		require.Equal(t, http.StatusForbidden, res.StatusCode, c.path)
	}
	m, err := b.app.Merchants.GetMerchant(t.Context(), b.merchant)
	require.NoError(t, err)
	require.Equal(t, "Corredora Sur", m.Name)
	got, err := b.app.Catalog.GetProduct(t.Context(), s, prod.ID)
	require.NoError(t, err)
	require.True(t, got.Active)
}

// TestSettingsForms saves the dunning policy and the profile from their
// forms: the merchant's settings are the API's.
func TestSettingsForms(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	token := b.signIn()
	res, body := b.post("/console/settings/dunning", url.Values{"csrf": {token}, "kind": {"exponential"}, "base": {"12h"},
		"factor": {"2"}, "cap": {"3d"}, "max_attempts": {"6"}, "final_action": {"unpaid"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	m, err := b.app.Merchants.GetMerchant(t.Context(), b.merchant)
	require.NoError(t, err)
	pol := m.Settings.Dunning
	require.NotNil(t, pol.Exponential)
	require.Equal(t, 6, pol.MaxAttempts)
	require.Equal(t, billing.PolicyUnpaid, pol.FinalAction)
	_, body = b.get("/console/settings/dunning")
	require.Contains(t, body, `value="12h"`)
	require.Contains(t, body, `value="3d"`)

	res, body = b.post("/console/settings/profile", url.Values{"csrf": {token}, "name": {"Corredora Sur"}, "legal_name": {"Corredora Sur SpA"},
		"tax_id": {"76.086.428-5"}, "district": {"Providencia"}, "city": {"Santiago"}, "country": {"cl"},
		"support_email": {"ayuda@corredora.cl"}, "locale": {"en"}, "timezone": {"America/Punta_Arenas"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	m, err = b.app.Merchants.GetMerchant(t.Context(), b.merchant)
	require.NoError(t, err)
	require.Equal(t, "America/Punta_Arenas", m.Timezone)
	require.Equal(t, "en", m.Locale)
	require.Equal(t, "Corredora Sur SpA", m.Profile.LegalName)
	require.Equal(t, "CL", m.Profile.Address.Country)
	require.Equal(t, "ayuda@corredora.cl", m.Profile.SupportEmail)
	_, body = b.get("/console/settings/profile?done=saved")
	require.Contains(t, body, "Cambios guardados.")
	require.Contains(t, body, `<option value="en" selected>Inglés</option>`, "the customers' locale, named in the user's language")
}

// TestGatewayCredentials saves a gateway's credentials from the page: the
// key is shown masked from then on, test-mode credentials are kept
// unsealed without a secret key (as the API keeps them), and removing them
// works. (The sim stands in for Stripe: it checks no credentials.)
func TestGatewayCredentials(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cuota.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	b := setupStore(t, store, func(c *app.Config) {
		c.Gateways = app.Gateways{billing.GatewayStripe: sim.New(store, time.Now)}
	})
	token := b.signIn()
	res, body := b.post("/console/settings/gateways/stripe", url.Values{"csrf": {token}, "api_key": {"sk_test_abcdefgh1234"},
		"webhook_secret": {"whsec_secreto"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	_, body = b.get("/console/settings/gateways?done=saved")
	require.Contains(t, body, "Credenciales comprobadas y guardadas.")
	require.Contains(t, body, "…1234")
	require.NotContains(t, body, "sk_test_abcdefgh1234", "the key is never shown again")
	require.NotContains(t, body, "whsec_secreto")
	require.Contains(t, body, "Sin cifrar (solo en pruebas)")
	s := billing.Scope{MerchantID: b.merchant, Mode: billing.ModeTest}
	creds, err := b.app.Merchants.GatewayCredentials(t.Context(), s, billing.GatewayStripe)
	require.NoError(t, err)
	require.Equal(t, "sk_test_abcdefgh1234", creds.APIKey)
	res, _ = b.post("/console/settings/gateways/stripe/delete", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	cfgs, err := b.app.Merchants.ListGatewayConfigs(t.Context(), s)
	require.NoError(t, err)
	require.Empty(t, cfgs)
}

// TestConfigPagesInEnglish renders every page of the area in English.
func TestConfigPagesInEnglish(t *testing.T) {
	b := setup(t, "http://127.0.0.1")
	token := b.signIn()
	res, _ := b.post("/console/lang", url.Values{"csrf": {token}, "back": {"/console/catalog"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	s := billing.Scope{MerchantID: b.merchant, Mode: billing.ModeTest}
	name := "Office plan"
	prod, err := b.app.Catalog.CreateProduct(t.Context(), s, app.ProductParams{Name: &name})
	require.NoError(t, err)
	amount := int64(1250)
	_, err = b.app.Catalog.CreatePrice(t.Context(), s, app.CreatePriceParams{Product: prod.ID, UnitAmount: &amount, Currency: "USD",
		Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 3}})
	require.NoError(t, err)
	for path, want := range map[string]string{"/console/catalog": "New product", "/console/catalog/products/" + prod.ID: "every 3 months",
		"/console/catalog/coupons": "New coupon", "/console/webhooks": "New endpoint", "/console/emails": "No emails yet.",
		"/console/settings/profile": "Time zone", "/console/settings/dunning": "Waits after each decline",
		"/console/settings/gateways": "Payment gateways", "/console/settings/tax-documents": "Tax documents"} {
		res, body := b.get(path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		require.Contains(t, body, `<html lang="en">`, path)
		require.Contains(t, body, want, path)
	}
	_, body := b.get("/console/catalog/products/" + prod.ID)
	require.Contains(t, body, "$12.50")
}

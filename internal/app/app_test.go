package app_test

import (
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/secretbox"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/webhookout"
)

// fakeClock moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type testBundle struct {
	store *sqlite.Store
	clock *fakeClock
	scope billing.Scope
}

func setup(t *testing.T) (*app.App, *testBundle) {
	t.Helper()
	return setupWith(t, nil)
}

// setupWith is setup with configure applied to the App's Config before the
// App is built (gateways, public URL, sealer).
func setupWith(t *testing.T, configure func(*app.Config, *testBundle)) (*app.App, *testBundle) {
	t.Helper()
	ctx := t.Context()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cuota.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, store.Close()) })
	require.NoError(t, store.Migrate(ctx))

	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)}
	b := &testBundle{store: store, clock: clock}
	cfg := app.Config{Store: store, Now: clock.Now,
		Ports: app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}}}
	if configure != nil {
		configure(&cfg, b)
	}
	a, err := app.New(cfg)
	require.NoError(t, err)
	m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Agente"})
	require.NoError(t, err)
	b.scope = billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	return a, b
}

func (b *testBundle) apiKey(t *testing.T, id string) billing.APIKey {
	t.Helper()
	var k billing.APIKey
	require.NoError(t, b.store.InTx(t.Context(), func(tx billing.Tx) error {
		var err error
		k, err = tx.Merchants.GetAPIKey(t.Context(), id)
		return err
	}))
	return k
}

// requireError checks err is a *billing.Error with kind, code and param.
func requireError(t *testing.T, err error, kind billing.Kind, code, param string) {
	t.Helper()
	require.Error(t, err)
	e := billing.AsError(err)
	require.NotNil(t, e, "%v is not a *billing.Error", err)
	require.Equal(t, kind, e.Kind, "%v", err)
	require.Equal(t, code, e.Code, "%v", err)
	require.Equal(t, param, e.Param, "%v", err)
}

func TestCreateCouponPercentOff(t *testing.T) {
	t.Parallel()
	a, bundle := setup(t)

	for pct, bp := range map[float64]int64{
		12.5: 1250, 0.01: 1, 0.1: 10, 0.29: 29, 1.15: 115, 33.33: 3333, 57.57: 5757, 99.99: 9999, 100: 10000,
	} {
		c, err := a.Catalog.CreateCoupon(t.Context(), bundle.scope, app.CreateCouponParams{PercentOff: &pct})
		require.NoError(t, err, "%v", pct)
		require.Equal(t, bp, c.PercentOffBP, "%v", pct)
		require.Zero(t, c.AmountOff)
		require.Empty(t, c.Currency)
		got, err := a.Catalog.GetCoupon(t.Context(), bundle.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, bp, got.PercentOffBP, "%v", pct)
	}

	for _, pct := range []float64{
		0, math.Copysign(0, -1), -1, -0.01, 0.001, 0.005, 1.005, 12.345, 100.001, 100.01, 101, 1e300,
		5e-324, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1),
	} {
		_, err := a.Catalog.CreateCoupon(t.Context(), bundle.scope, app.CreateCouponParams{PercentOff: &pct})
		requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "percent_off")
	}

	list, err := a.Catalog.ListCoupons(t.Context(), bundle.scope, billing.Page{Limit: 100})
	require.NoError(t, err)
	require.Len(t, list.Data, 9, "rejected coupons were not stored")
}

func TestCreateCouponRules(t *testing.T) {
	t.Parallel()
	a, bundle := setup(t)
	pct, amt, zero, neg := 10.0, int64(500), int64(0), int64(-5)

	tests := []struct {
		name        string
		p           app.CreateCouponParams
		code, param string
	}{
		{"Neither", app.CreateCouponParams{Name: "x"}, billing.CodeParameterMissing, "percent_off"},
		{"Both", app.CreateCouponParams{PercentOff: &pct, AmountOff: &amt, Currency: "USD"}, billing.CodeParameterInvalid, "amount_off"},
		{"PercentWithCurrency", app.CreateCouponParams{PercentOff: &pct, Currency: "USD"}, billing.CodeParameterInvalid, "currency"},
		{"AmountWithoutCurrency", app.CreateCouponParams{AmountOff: &amt}, billing.CodeParameterMissing, "currency"},
		{"AmountBadCurrency", app.CreateCouponParams{AmountOff: &amt, Currency: "QQQ"}, billing.CodeCurrencyInvalid, "currency"},
		{"AmountZero", app.CreateCouponParams{AmountOff: &zero, Currency: "USD"}, billing.CodeAmountInvalid, "amount_off"},
		{"AmountNegative", app.CreateCouponParams{AmountOff: &neg, Currency: "USD"}, billing.CodeAmountInvalid, "amount_off"},
		{"RepeatingNoMonths", app.CreateCouponParams{PercentOff: &pct, Duration: "repeating"}, billing.CodeParameterInvalid, "duration_in_months"},
		{"RepeatingTooLong", app.CreateCouponParams{PercentOff: &pct, Duration: "repeating", DurationInMonths: 121}, billing.CodeParameterInvalid, "duration_in_months"},
		{"OnceWithMonths", app.CreateCouponParams{PercentOff: &pct, DurationInMonths: 2}, billing.CodeParameterInvalid, "duration_in_months"},
		{"BadDuration", app.CreateCouponParams{PercentOff: &pct, Duration: "weekly"}, billing.CodeParameterInvalid, "duration"},
		{"NegativeMaxRedemptions", app.CreateCouponParams{PercentOff: &pct, MaxRedemptions: -1}, billing.CodeParameterInvalid, "max_redemptions"},
	}
	for _, tt := range tests {
		_, err := a.Catalog.CreateCoupon(t.Context(), bundle.scope, tt.p)
		require.Error(t, err, tt.name)
		requireError(t, err, billing.KindInvalid, tt.code, tt.param)
	}

	// redeem_by must be after now, per the clock (which the app reads to
	// the microsecond).
	now := bundle.clock.Now().Truncate(time.Microsecond)
	_, err := a.Catalog.CreateCoupon(t.Context(), bundle.scope, app.CreateCouponParams{PercentOff: &pct, RedeemBy: &now})
	requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "redeem_by")
	// Times JSON cannot represent (after year 9999) are rejected, not a 500.
	for _, far := range []time.Time{time.Unix(1e12, 0), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		_, err = a.Catalog.CreateCoupon(t.Context(), bundle.scope, app.CreateCouponParams{PercentOff: &pct, RedeemBy: &far})
		requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "redeem_by")
		_, err = a.Catalog.CreatePromotionCode(t.Context(), bundle.scope, app.CreatePromotionCodeParams{Coupon: "coupon_x", Code: "FAR", ExpiresAt: &far})
		requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "expires_at")
	}
	last := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	c, err := a.Catalog.CreateCoupon(t.Context(), bundle.scope, app.CreateCouponParams{PercentOff: &pct, RedeemBy: &last})
	require.NoError(t, err)
	got, err := a.Catalog.GetCoupon(t.Context(), bundle.scope, c.ID)
	require.NoError(t, err)
	require.True(t, last.Equal(*got.RedeemBy))
	pc, err := a.Catalog.CreatePromotionCode(t.Context(), bundle.scope, app.CreatePromotionCodeParams{Coupon: c.ID, Code: "LAST", ExpiresAt: &last})
	require.NoError(t, err)
	require.True(t, last.Equal(*pc.ExpiresAt))

	later := now.Add(time.Second)
	c, err = a.Catalog.CreateCoupon(t.Context(), bundle.scope, app.CreateCouponParams{AmountOff: &amt, Currency: "clp", RedeemBy: &later, Duration: "forever"})
	require.NoError(t, err)
	require.Equal(t, "CLP", c.Currency)
	require.Equal(t, int64(500), c.AmountOff)
	require.True(t, c.Valid(now))
	require.False(t, c.Valid(later))
}

func TestMetadataMerge(t *testing.T) {
	t.Parallel()
	a, bundle := setup(t)
	ctx := t.Context()
	ptr := func(s string) *string { return &s }

	c, err := a.Customers.CreateCustomer(ctx, bundle.scope, app.CustomerParams{Email: ptr("ana@example.com"),
		Metadata: billing.Metadata{"plan": "start", "seats": "3", "legacy": "yes"}})
	require.NoError(t, err)

	// An empty value deletes, others set, absent keys stay.
	c, err = a.Customers.UpdateCustomer(ctx, bundle.scope, c.ID, app.CustomerParams{
		Metadata: billing.Metadata{"legacy": "", "seats": "5", "color": "blue", "never-set": ""}})
	require.NoError(t, err)
	require.Equal(t, billing.Metadata{"plan": "start", "seats": "5", "color": "blue"}, c.Metadata)
	got, err := a.Customers.GetCustomer(ctx, bundle.scope, c.ID)
	require.NoError(t, err)
	require.Equal(t, c.Metadata, got.Metadata)
	require.Equal(t, "ana@example.com", got.Email, "fields not given are kept")

	// No metadata leaves it as is.
	c, err = a.Customers.UpdateCustomer(ctx, bundle.scope, c.ID, app.CustomerParams{Name: ptr("Ana")})
	require.NoError(t, err)
	require.Equal(t, billing.Metadata{"plan": "start", "seats": "5", "color": "blue"}, c.Metadata)

	// Deleting every key leaves an empty map, not nil.
	c, err = a.Customers.UpdateCustomer(ctx, bundle.scope, c.ID, app.CustomerParams{Metadata: billing.Metadata{"plan": "", "seats": "", "color": ""}})
	require.NoError(t, err)
	require.NotNil(t, c.Metadata)
	require.Empty(t, c.Metadata)
	got, err = a.Customers.GetCustomer(ctx, bundle.scope, c.ID)
	require.NoError(t, err)
	require.Empty(t, got.Metadata)

	// The same rule on the other objects.
	p, err := a.Catalog.CreateProduct(ctx, bundle.scope, app.ProductParams{Name: ptr("Plan"), Metadata: billing.Metadata{"a": "1", "b": "2"}})
	require.NoError(t, err)
	p, err = a.Catalog.UpdateProduct(ctx, bundle.scope, p.ID, app.ProductParams{Metadata: billing.Metadata{"a": ""}})
	require.NoError(t, err)
	require.Equal(t, billing.Metadata{"b": "2"}, p.Metadata)

	// Too many keys or too long values are rejected with the param.
	big := billing.Metadata{}
	for i := range 51 {
		big[string(rune('A'+i))] = "v"
	}
	_, err = a.Customers.UpdateCustomer(ctx, bundle.scope, c.ID, app.CustomerParams{Metadata: big})
	requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "metadata")
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	a, bundle := setup(t)
	ctx := t.Context()
	t0 := bundle.clock.Now().Truncate(time.Microsecond)

	k, secret, err := a.Merchants.CreateAPIKey(ctx, bundle.scope.MerchantID, billing.ModeTest)
	require.NoError(t, err)
	require.Regexp(t, `^sk_test_[A-Z2-7]+$`, secret)
	require.Nil(t, k.LastUsed)
	require.Equal(t, app.HashAPIKey(secret), k.Hash)
	require.Equal(t, "sk_test_…"+secret[len(secret)-4:], k.Redacted)

	got, err := a.Merchants.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, k.ID, got.ID)
	require.Equal(t, billing.ModeTest, got.Mode)
	require.Equal(t, bundle.scope.MerchantID, got.MerchantID)
	require.Equal(t, t0, *got.LastUsed)
	require.Equal(t, t0, *bundle.apiKey(t, k.ID).LastUsed, "the first use is recorded")

	// Within a minute of the recorded use, nothing is written.
	bundle.clock.Advance(59 * time.Second)
	got, err = a.Merchants.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, t0, *got.LastUsed)
	require.Equal(t, t0, *bundle.apiKey(t, k.ID).LastUsed)

	// A minute after it, the use is recorded again.
	bundle.clock.Advance(time.Second)
	got, err = a.Merchants.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Minute), *got.LastUsed)
	require.Equal(t, t0.Add(time.Minute), *bundle.apiKey(t, k.ID).LastUsed)

	bundle.clock.Advance(30 * time.Second)
	_, err = a.Merchants.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Minute), *bundle.apiKey(t, k.ID).LastUsed)

	for _, bad := range []string{"", "sk_test_", "sk_test_nope", "sk_prod_" + secret[8:], " " + secret, secret[:len(secret)-1], "sk_live_" + secret[8:]} {
		_, err := a.Merchants.Authenticate(ctx, bad)
		requireError(t, err, billing.KindUnauthorized, billing.CodeInvalidAPIKey, "")
	}

	revoked, err := a.Merchants.RevokeAPIKey(ctx, k.ID)
	require.NoError(t, err)
	require.NotNil(t, revoked.Revoked)
	_, err = a.Merchants.Authenticate(ctx, secret)
	requireError(t, err, billing.KindUnauthorized, billing.CodeInvalidAPIKey, "")

	_, err = a.Merchants.RevokeAPIKey(ctx, "key_missing")
	requireError(t, err, billing.KindNotFound, billing.CodeResourceMissing, "id")
	_, _, err = a.Merchants.CreateAPIKey(ctx, "mch_missing", billing.ModeLive)
	requireError(t, err, billing.KindNotFound, billing.CodeResourceMissing, "id")
	_, _, err = a.Merchants.CreateAPIKey(ctx, bundle.scope.MerchantID, "prod")
	requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "mode")
}

func TestIdempotencyRecords(t *testing.T) {
	t.Parallel()
	a, bundle := setup(t)
	ctx := t.Context()
	s := bundle.scope

	_, err := a.Merchants.BeginIdempotent(ctx, s, "", "h")
	requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "Idempotency-Key")
	long := make([]byte, app.MaxIdempotencyKeyLen+1)
	for i := range long {
		long[i] = 'k'
	}
	_, err = a.Merchants.BeginIdempotent(ctx, s, string(long), "h")
	requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "Idempotency-Key")

	replay, err := a.Merchants.BeginIdempotent(ctx, s, "k1", "h1")
	require.NoError(t, err)
	require.Nil(t, replay)

	_, err = a.Merchants.BeginIdempotent(ctx, s, "k1", "h1")
	requireError(t, err, billing.KindConflict, billing.CodeIdempotencyKeyInUse, "")
	_, err = a.Merchants.BeginIdempotent(ctx, s, "k1", "h2")
	requireError(t, err, billing.KindInvalid, billing.CodeIdempotencyKeyReused, "Idempotency-Key")

	// Another mode has its own keys.
	live := billing.Scope{MerchantID: s.MerchantID, Mode: billing.ModeLive}
	replay, err = a.Merchants.BeginIdempotent(ctx, live, "k1", "h2")
	require.NoError(t, err)
	require.Nil(t, replay)

	require.NoError(t, a.Merchants.FinishIdempotent(ctx, s, "k1", 200, []byte(`{"id":"prod_1"}`)))
	replay, err = a.Merchants.BeginIdempotent(ctx, s, "k1", "h1")
	require.NoError(t, err)
	require.NotNil(t, replay)
	require.True(t, replay.Completed)
	require.Equal(t, 200, replay.ResponseStatus)
	require.Equal(t, `{"id":"prod_1"}`, string(replay.ResponseBody))

	// Abandoning frees the key.
	require.NoError(t, a.Merchants.AbandonIdempotent(ctx, live, "k1"))
	replay, err = a.Merchants.BeginIdempotent(ctx, live, "k1", "h3")
	require.NoError(t, err)
	require.Nil(t, replay)

	// Just before the TTL the record replays; at the TTL it is forgotten.
	bundle.clock.Advance(app.IdempotencyTTL - time.Microsecond)
	replay, err = a.Merchants.BeginIdempotent(ctx, s, "k1", "h1")
	require.NoError(t, err)
	require.NotNil(t, replay)
	bundle.clock.Advance(time.Microsecond)
	replay, err = a.Merchants.BeginIdempotent(ctx, s, "k1", "h9")
	require.NoError(t, err)
	require.Nil(t, replay, "an expired key starts afresh")
	_, err = a.Merchants.BeginIdempotent(ctx, s, "k1", "h1")
	requireError(t, err, billing.KindInvalid, billing.CodeIdempotencyKeyReused, "Idempotency-Key")

	// Pruning removes what is past the TTL: the live key reserved at t0.
	bundle.clock.Advance(time.Second)
	n, err := a.Merchants.PruneIdempotencyKeys(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	replay, err = a.Merchants.BeginIdempotent(ctx, live, "k1", "h4")
	require.NoError(t, err)
	require.Nil(t, replay)
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	a, bundle := setup(t)
	ctx := app.WithRequestInfo(t.Context(), app.RequestInfo{Actor: "cli", RequestID: "req_1", ClientIP: "10.0.0.1"})
	name := "Plan"

	p, err := a.Catalog.CreateProduct(ctx, bundle.scope, app.ProductParams{Name: &name})
	require.NoError(t, err)
	name2 := "Plan 2"
	_, err = a.Catalog.UpdateProduct(t.Context(), bundle.scope, p.ID, app.ProductParams{Name: &name2})
	require.NoError(t, err)
	// Failed use cases leave no entry.
	empty := ""
	_, err = a.Catalog.UpdateProduct(ctx, bundle.scope, p.ID, app.ProductParams{Name: &empty})
	requireError(t, err, billing.KindInvalid, billing.CodeParameterMissing, "name")

	list, err := a.Merchants.ListAuditEntries(t.Context(), bundle.scope, 0, 100)
	require.NoError(t, err)
	require.Len(t, list.Data, 3)
	create, update := list.Data[1], list.Data[2]
	require.Equal(t, "product.create", create.Action)
	require.Equal(t, "cli", create.Actor)
	require.Equal(t, "req_1", create.RequestID)
	require.Equal(t, "10.0.0.1", create.ClientIP)
	require.JSONEq(t, "null", string(create.Before))
	require.Equal(t, "product.update", update.Action)
	require.Equal(t, "system", update.Actor, "the actor defaults to system")
	require.Equal(t, create.Hash, update.PrevHash)
	for _, e := range list.Data {
		sum, _ := billing.AuditSealHash(nil, e) // this App has no audit key: sealed unkeyed
		require.Equal(t, sum, e.Hash, "stored entries hash as written")
	}

	brk, n, err := a.Merchants.VerifyAuditChain(t.Context(), bundle.scope.MerchantID)
	require.NoError(t, err)
	require.Nil(t, brk)
	require.EqualValues(t, 3, n)

	_, _, err = a.Merchants.VerifyAuditChain(t.Context(), "mch_missing")
	requireError(t, err, billing.KindNotFound, billing.CodeResourceMissing, "id")

	_, err = a.Merchants.ListAuditEntries(t.Context(), bundle.scope, 0, 101)
	requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "limit")
	_, err = a.Merchants.ListAuditEntries(t.Context(), bundle.scope, -1, 10)
	requireError(t, err, billing.KindInvalid, billing.CodeParameterInvalid, "after_seq")
}

// TestIdempotencyResponsesSealed: with a secret key, a stored response
// (which may hold a secret shown once) is sealed at rest and replayed in
// the clear.
func TestIdempotencyResponsesSealed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	box, err := secretbox.New(secretbox.NewKey())
	require.NoError(t, err)
	a, bundle := setupWith(t, func(c *app.Config, _ *testBundle) { c.Sealer = box })

	body := `{"id":"we_1","secret":"whsec_c2VjcmV0"}`
	_, err = a.Merchants.BeginIdempotent(ctx, bundle.scope, "k1", "h1")
	require.NoError(t, err)
	require.NoError(t, a.Merchants.FinishIdempotent(ctx, bundle.scope, "k1", 200, []byte(body)))

	var stored billing.IdempotencyRecord
	require.NoError(t, bundle.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		stored, _, err = tx.Idempotency.ReserveIdempotencyKey(ctx, billing.IdempotencyRecord{Scope: bundle.scope, Key: "k1", RequestHash: "h1"})
		return err
	}))
	require.NotContains(t, string(stored.ResponseBody), "whsec_", "sealed at rest")
	require.True(t, secretbox.IsSealed(string(stored.ResponseBody)))

	replay, err := a.Merchants.BeginIdempotent(ctx, bundle.scope, "k1", "h1")
	require.NoError(t, err)
	require.Equal(t, body, string(replay.ResponseBody))
}

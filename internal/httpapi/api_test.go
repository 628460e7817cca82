package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()

	t.Run("MissingHeader", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		res := bundle.get(t, apiKey{}, "/v1/products")
		requireProblem(t, res, http.StatusUnauthorized, "invalid_api_key", "")
		require.Contains(t, res.Header.Get("WWW-Authenticate"), "Bearer")
	})

	t.Run("NotBearer", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		res := bundle.do(t, http.MethodGet, "/v1/products", apiKey{}, nil, "Authorization", "Basic "+bundle.a.Secret)
		requireProblem(t, res, http.StatusUnauthorized, "invalid_api_key", "")
	})

	t.Run("BasicAndSchemeCase", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		basic := func(user, password string) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
		}
		// Stripe's documented form (curl -u key:) and any scheme casing work.
		for _, auth := range []string{basic(bundle.a.Secret, ""), "bearer " + bundle.a.Secret, "BEARER " + bundle.a.Secret,
			"basic " + strings.TrimPrefix(basic(bundle.a.Secret, ""), "Basic ")} {
			ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.do(t, http.MethodGet, "/v1/products", apiKey{}, nil, "Authorization", auth))
		}
		// The key must be the user name, with an empty password.
		for _, auth := range []string{basic("", bundle.a.Secret), basic(bundle.a.Secret, "x"), basic("sk_test_nope", ""), "Basic %%%"} {
			res := bundle.do(t, http.MethodGet, "/v1/products", apiKey{}, nil, "Authorization", auth)
			requireProblem(t, res, http.StatusUnauthorized, "invalid_api_key", "")
		}
	})

	t.Run("BadKey", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		for _, secret := range []string{"sk_test_nope", "sk_live_" + strings.Repeat("A", 58), "pk_test_123", "", bundle.a.Secret + "x"} {
			res := bundle.get(t, apiKey{Secret: secret}, "/v1/products")
			requireProblem(t, res, http.StatusUnauthorized, "invalid_api_key", "")
		}
	})

	t.Run("RevokedKey", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		k := newKey(t, bundle.app, bundle.merchantA, billing.ModeTest)
		ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.get(t, k, "/v1/products"))

		_, err := bundle.app.Merchants.RevokeAPIKey(t.Context(), k.ID)
		require.NoError(t, err)
		requireProblem(t, bundle.get(t, k, "/v1/products"), http.StatusUnauthorized, "invalid_api_key", "")
		requireProblem(t, bundle.post(t, k, "/v1/products", map[string]any{"name": "x"}), http.StatusUnauthorized, "invalid_api_key", "")
		// The other keys still work.
		ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.get(t, bundle.a, "/v1/products"))
	})

	// A server that has seen a key valid refuses it as soon as another
	// process (here another App on the same database) has revoked it, on
	// every path: reads, writes, an Idempotency-Key replay, and a request
	// answered before any transaction (a parameter error). Each path gets
	// its own key, used once before the revocation, so that each is the
	// first request the server sees with the revoked key.
	for _, kind := range storeKinds {
		t.Run("RevokedByAnotherProcess/"+kind, func(t *testing.T) {
			t.Parallel()
			_, bundle := setupOn(t, httpapi.Config{}, kind)
			prod := bundle.createProduct(t, bundle.a, nil)
			paths := map[string]func(k apiKey) result{
				"get":    func(k apiKey) result { return bundle.get(t, k, "/v1/products/"+prod.ID) },
				"list":   func(k apiKey) result { return bundle.get(t, k, "/v1/products") },
				"create": func(k apiKey) result { return bundle.post(t, k, "/v1/products", map[string]any{"name": "Dos"}) },
				"replay": func(k apiKey) result {
					return bundle.post(t, k, "/v1/products", map[string]any{"name": "Uno"}, "Idempotency-Key", "k-"+k.ID)
				},
				"invalid body": func(k apiKey) result { return bundle.post(t, k, "/v1/products", map[string]any{"name": ""}) },
			}
			keys := map[string]apiKey{}
			for name, send := range paths {
				k := newKey(t, bundle.app, bundle.merchantA, billing.ModeTest)
				keys[name] = k
				res := send(k)
				if name == "invalid body" {
					requireProblem(t, res, http.StatusBadRequest, "parameter_missing", "name")
				} else {
					require.Equal(t, http.StatusOK, res.Status, "%s: %s", name, res.Body)
				}
			}

			other, err := app.New(app.Config{Store: bundle.store, Now: bundle.clock.Now})
			require.NoError(t, err)
			for _, k := range keys {
				_, err = other.Merchants.RevokeAPIKey(t.Context(), k.ID)
				require.NoError(t, err)
			}

			for name, send := range paths {
				res := send(keys[name])
				p := requireProblem(t, res, http.StatusUnauthorized, "invalid_api_key", "")
				require.Contains(t, res.Header.Get("WWW-Authenticate"), "invalid_token", name)
				require.Empty(t, res.Header.Get("Idempotent-Replayed"), name)
				require.Equal(t, "invalid API key provided", p.Detail, name)
			}
			list := ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.get(t, bundle.a, "/v1/products"))
			require.Len(t, list.Data, 3, "the refused create wrote nothing")
		})
	}
}

func TestScopeIsolation(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	prod := bundle.createProduct(t, bundle.a, nil)
	price := bundle.createPrice(t, bundle.a, map[string]any{"product": prod.ID, "unit_amount": 5000, "currency": "CLP"})
	cus := bundle.createCustomer(t, bundle.a, map[string]any{"email": "ana@example.com"})
	coupon := bundle.createCoupon(t, bundle.a, nil)
	promo := ok[apiobj.PromotionCodeJSON](t, bundle.post(t, bundle.a, "/v1/promotion_codes", map[string]any{"coupon": coupon.ID, "code": "WELCOME"}))

	objects := []struct{ path, id string }{
		{"/v1/products", prod.ID},
		{"/v1/prices", price.ID},
		{"/v1/customers", cus.ID},
		{"/v1/coupons", coupon.ID},
		{"/v1/promotion_codes", promo.ID},
	}
	for _, o := range objects {
		// The owner sees it.
		require.Equal(t, http.StatusOK, bundle.get(t, bundle.a, o.path+"/"+o.id).Status)
		list := ok[httpapi.ListJSON[map[string]any]](t, bundle.get(t, bundle.a, o.path))
		require.Len(t, list.Data, 1)

		for name, other := range map[string]apiKey{"A live": bundle.aLive, "B test": bundle.b} {
			res := bundle.get(t, other, o.path+"/"+o.id)
			p := requireProblem(t, res, http.StatusNotFound, "resource_missing", "id")
			require.Contains(t, p.Detail, o.id, name)

			// Updating is not found either, and changes nothing.
			res = bundle.post(t, other, o.path+"/"+o.id, map[string]any{"metadata": map[string]string{"owner": "thief"}})
			requireProblem(t, res, http.StatusNotFound, "resource_missing", "id")

			list := ok[httpapi.ListJSON[map[string]any]](t, bundle.get(t, other, o.path))
			require.Empty(t, list.Data, "%s sees %s", name, o.path)
		}
	}
	got := ok[apiobj.ProductJSON](t, bundle.get(t, bundle.a, "/v1/products/"+prod.ID))
	require.Empty(t, got.Metadata)
	require.False(t, got.Livemode)

	// A price needs a product of the same merchant and mode.
	for _, other := range []apiKey{bundle.aLive, bundle.b} {
		res := bundle.post(t, other, "/v1/prices", map[string]any{"product": prod.ID, "unit_amount": 5000, "currency": "CLP"})
		requireProblem(t, res, http.StatusBadRequest, "resource_missing", "product")
	}
	// A promotion code needs a coupon of the same merchant and mode.
	res := bundle.post(t, bundle.b, "/v1/promotion_codes", map[string]any{"coupon": coupon.ID, "code": "STOLEN"})
	requireProblem(t, res, http.StatusBadRequest, "resource_missing", "coupon")

	// Live objects say so.
	live := bundle.createProduct(t, bundle.aLive, nil)
	require.True(t, live.Livemode)
	requireProblem(t, bundle.get(t, bundle.a, "/v1/products/"+live.ID), http.StatusNotFound, "resource_missing", "id")
}

func TestProducts(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	created := bundle.createProduct(t, bundle.a, map[string]any{
		"name": "Agente Start", "description": "For small agencies",
		"features": map[string]int{"properties": 5, "featured": 1},
		"metadata": map[string]string{"tier": "start", "legacy": "yes"},
	})
	require.True(t, strings.HasPrefix(created.ID, "prod_"), created.ID)
	require.Equal(t, "product", created.Object)
	require.Equal(t, "Agente Start", created.Name)
	require.Equal(t, "For small agencies", created.Description)
	require.Equal(t, map[string]int64{"properties": 5, "featured": 1}, created.Features)
	require.True(t, created.Active)
	require.False(t, created.Livemode)
	require.Equal(t, map[string]string{"tier": "start", "legacy": "yes"}, map[string]string(created.Metadata))
	require.NotZero(t, created.Created)

	got := ok[apiobj.ProductJSON](t, bundle.get(t, bundle.a, "/v1/products/"+created.ID))
	require.Equal(t, created, got)

	updated := ok[apiobj.ProductJSON](t, bundle.post(t, bundle.a, "/v1/products/"+created.ID, map[string]any{
		"name": "Agente Start+", "active": false,
		"features": map[string]int{"properties": 10},
		"metadata": map[string]string{"legacy": "", "color": "blue"},
	}))
	require.Equal(t, created.ID, updated.ID)
	require.Equal(t, "Agente Start+", updated.Name)
	require.Equal(t, "For small agencies", updated.Description, "omitted fields are kept")
	require.False(t, updated.Active)
	require.Equal(t, map[string]int64{"properties": 10}, updated.Features, "features are replaced")
	require.Equal(t, map[string]string{"tier": "start", "color": "blue"}, map[string]string(updated.Metadata), "metadata is merged; empty deletes")
	require.Equal(t, created.Created, updated.Created)

	require.Equal(t, updated, ok[apiobj.ProductJSON](t, bundle.get(t, bundle.a, "/v1/products/"+created.ID)))

	other := bundle.createProduct(t, bundle.a, map[string]any{"name": "Agente Pro"})
	list := ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.get(t, bundle.a, "/v1/products"))
	require.Equal(t, "list", list.Object)
	require.Equal(t, "/v1/products", list.URL)
	require.False(t, list.HasMore)
	require.Equal(t, []string{other.ID, created.ID}, ids(list, productID), "newest first")

	list = ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.get(t, bundle.a, "/v1/products?active=false"))
	require.Equal(t, []string{created.ID}, ids(list, productID))
	list = ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.get(t, bundle.a, "/v1/products?active=true"))
	require.Equal(t, []string{other.ID}, ids(list, productID))

	requireProblem(t, bundle.get(t, bundle.a, "/v1/products/prod_missing"), http.StatusNotFound, "resource_missing", "id")
	requireProblem(t, bundle.post(t, bundle.a, "/v1/products/prod_missing", map[string]any{"name": "x"}), http.StatusNotFound, "resource_missing", "id")
}

func TestPrices(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	prod := bundle.createProduct(t, bundle.a, nil)

	monthly := bundle.createPrice(t, bundle.a, map[string]any{
		"product": prod.ID, "nickname": "Monthly", "unit_amount": 19990, "currency": "clp",
		"recurring": map[string]any{"interval": "month"}, "lookup_key": "start_monthly",
		"trial_period_days": 14, "metadata": map[string]string{"a": "1"},
	})
	require.True(t, strings.HasPrefix(monthly.ID, "price_"), monthly.ID)
	require.Equal(t, "price", monthly.Object)
	require.Equal(t, prod.ID, monthly.Product)
	require.Equal(t, "Monthly", monthly.Nickname)
	require.EqualValues(t, 19990, monthly.UnitAmount)
	require.Equal(t, "CLP", monthly.Currency, "currency is normalised")
	require.Equal(t, "recurring", monthly.Type)
	require.Equal(t, &apiobj.RecurringJSON{Interval: "month", IntervalCount: 1}, monthly.Recurring)
	require.NotNil(t, monthly.LookupKey)
	require.Equal(t, "start_monthly", *monthly.LookupKey)
	require.EqualValues(t, 14, monthly.TrialPeriodDays)
	require.True(t, monthly.Active)

	require.Equal(t, monthly, ok[apiobj.PriceJSON](t, bundle.get(t, bundle.a, "/v1/prices/"+monthly.ID)))

	once := bundle.createPrice(t, bundle.a, map[string]any{"product": prod.ID, "unit_amount": 0, "currency": "USD"})
	require.Equal(t, "one_time", once.Type)
	require.Nil(t, once.Recurring)
	require.Nil(t, once.LookupKey)
	require.Zero(t, once.UnitAmount)

	updated := ok[apiobj.PriceJSON](t, bundle.post(t, bundle.a, "/v1/prices/"+monthly.ID, map[string]any{
		"nickname": "Mensual", "lookup_key": "start_monthly_v2", "trial_period_days": 0, "active": false,
		"metadata": map[string]string{"a": "", "b": "2"},
	}))
	require.Equal(t, "Mensual", updated.Nickname)
	require.Equal(t, "start_monthly_v2", *updated.LookupKey)
	require.Zero(t, updated.TrialPeriodDays)
	require.False(t, updated.Active)
	require.Equal(t, map[string]string{"b": "2"}, map[string]string(updated.Metadata))
	require.EqualValues(t, 19990, updated.UnitAmount, "amounts never change")
	require.Equal(t, updated, ok[apiobj.PriceJSON](t, bundle.get(t, bundle.a, "/v1/prices/"+monthly.ID)))

	// The amount is not updatable: it is an unknown parameter on update.
	res := bundle.post(t, bundle.a, "/v1/prices/"+monthly.ID, map[string]any{"unit_amount": 1})
	requireProblem(t, res, http.StatusBadRequest, "parameter_unknown", "unit_amount")
	// A trial needs a recurring price.
	res = bundle.post(t, bundle.a, "/v1/prices/"+once.ID, map[string]any{"trial_period_days": 7})
	requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "trial_period_days")

	list := ok[httpapi.ListJSON[apiobj.PriceJSON]](t, bundle.get(t, bundle.a, "/v1/prices"))
	require.Equal(t, []string{once.ID, monthly.ID}, ids(list, priceID))
}

func TestCustomers(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	created := bundle.createCustomer(t, bundle.a, map[string]any{
		"email": "ana@example.com", "name": "Ana", "external_id": "user-1", "locale": "es-CL",
		"metadata": map[string]string{"plan": "start"},
	})
	require.True(t, strings.HasPrefix(created.ID, "cus_"), created.ID)
	require.Equal(t, "customer", created.Object)
	require.Equal(t, "ana@example.com", created.Email)
	require.Equal(t, "Ana", created.Name)
	require.Equal(t, "user-1", *created.ExternalID)
	require.Equal(t, "es-CL", created.Locale)
	require.Equal(t, created, ok[apiobj.CustomerJSON](t, bundle.get(t, bundle.a, "/v1/customers/"+created.ID)))

	bare := bundle.createCustomer(t, bundle.a, map[string]any{})
	require.Nil(t, bare.ExternalID)
	require.Empty(t, bare.Email)

	updated := ok[apiobj.CustomerJSON](t, bundle.post(t, bundle.a, "/v1/customers/"+created.ID, map[string]any{
		"name": "Ana María", "locale": "en", "metadata": map[string]string{"plan": "", "seats": "3"},
	}))
	require.Equal(t, "Ana María", updated.Name)
	require.Equal(t, "ana@example.com", updated.Email)
	require.Equal(t, "en", updated.Locale)
	require.Equal(t, map[string]string{"seats": "3"}, map[string]string(updated.Metadata))
	require.Equal(t, updated, ok[apiobj.CustomerJSON](t, bundle.get(t, bundle.a, "/v1/customers/"+created.ID)))

	list := ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers"))
	require.Equal(t, []string{bare.ID, created.ID}, ids(list, customerID))

	res := bundle.post(t, bundle.a, "/v1/customers", map[string]any{"email": "not an email"})
	requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "email")
	res = bundle.post(t, bundle.a, "/v1/customers", map[string]any{"locale": "spanish"})
	requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "locale")
}

func TestCoupons(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	pct := bundle.createCoupon(t, bundle.a, map[string]any{"name": "Launch", "percent_off": 12.5, "duration": "repeating", "duration_in_months": 3})
	require.True(t, strings.HasPrefix(pct.ID, "coupon_"), pct.ID)
	require.Equal(t, "coupon", pct.Object)
	require.NotNil(t, pct.PercentOff)
	require.Equal(t, 12.5, *pct.PercentOff)
	require.Nil(t, pct.AmountOff)
	require.Nil(t, pct.Currency)
	require.Equal(t, "repeating", pct.Duration)
	require.EqualValues(t, 3, *pct.DurationInMonths)
	require.True(t, pct.Valid)
	require.Equal(t, pct, ok[apiobj.CouponJSON](t, bundle.get(t, bundle.a, "/v1/coupons/"+pct.ID)))

	redeemBy := bundle.clock.Now().Add(48 * time.Hour).Unix()
	amt := bundle.createCoupon(t, bundle.a, map[string]any{"amount_off": 5000, "currency": "clp", "duration": "forever", "max_redemptions": 10, "redeem_by": redeemBy})
	require.Nil(t, amt.PercentOff)
	require.EqualValues(t, 5000, *amt.AmountOff)
	require.Equal(t, "CLP", *amt.Currency)
	require.Nil(t, amt.DurationInMonths)
	require.EqualValues(t, 10, *amt.MaxRedemptions)
	require.Equal(t, redeemBy, *amt.RedeemBy)

	once := bundle.createCoupon(t, bundle.a, map[string]any{"percent_off": 100})
	require.Equal(t, "once", once.Duration, "duration defaults to once")
	require.Equal(t, 100.0, *once.PercentOff)

	updated := ok[apiobj.CouponJSON](t, bundle.post(t, bundle.a, "/v1/coupons/"+pct.ID, map[string]any{"name": "Launch 2026", "metadata": map[string]string{"k": "v"}}))
	require.Equal(t, "Launch 2026", updated.Name)
	require.Equal(t, map[string]string{"k": "v"}, map[string]string(updated.Metadata))
	require.Equal(t, 12.5, *updated.PercentOff)
	require.Equal(t, updated, ok[apiobj.CouponJSON](t, bundle.get(t, bundle.a, "/v1/coupons/"+pct.ID)))

	// Only name and metadata can change.
	res := bundle.post(t, bundle.a, "/v1/coupons/"+pct.ID, map[string]any{"percent_off": 50})
	requireProblem(t, res, http.StatusBadRequest, "parameter_unknown", "percent_off")

	list := ok[httpapi.ListJSON[apiobj.CouponJSON]](t, bundle.get(t, bundle.a, "/v1/coupons"))
	require.Equal(t, []string{once.ID, amt.ID, pct.ID}, ids(list, func(c apiobj.CouponJSON) string { return c.ID }))
}

func TestPromotionCodes(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	coupon := bundle.createCoupon(t, bundle.a, nil)

	expires := bundle.clock.Now().Add(72 * time.Hour).Unix()
	created := ok[apiobj.PromotionCodeJSON](t, bundle.post(t, bundle.a, "/v1/promotion_codes", map[string]any{
		"coupon": coupon.ID, "code": "summer", "max_redemptions": 5, "expires_at": expires,
	}))
	require.True(t, strings.HasPrefix(created.ID, "promo_"), created.ID)
	require.Equal(t, "promotion_code", created.Object)
	require.Equal(t, coupon.ID, created.Coupon)
	require.Equal(t, "SUMMER", created.Code, "codes are stored upper case")
	require.True(t, created.Active)
	require.EqualValues(t, 5, *created.MaxRedemptions)
	require.Equal(t, expires, *created.ExpiresAt)
	require.Equal(t, created, ok[apiobj.PromotionCodeJSON](t, bundle.get(t, bundle.a, "/v1/promotion_codes/"+created.ID)))

	// Codes compare case-insensitively.
	res := bundle.post(t, bundle.a, "/v1/promotion_codes", map[string]any{"coupon": coupon.ID, "code": "SUMMER"})
	requireProblem(t, res, http.StatusConflict, "resource_exists", "code")
	res = bundle.post(t, bundle.a, "/v1/promotion_codes", map[string]any{"coupon": coupon.ID, "code": "Summer"})
	requireProblem(t, res, http.StatusConflict, "resource_exists", "code")
	// Another scope may use the same code.
	otherCoupon := bundle.createCoupon(t, bundle.b, nil)
	ok[apiobj.PromotionCodeJSON](t, bundle.post(t, bundle.b, "/v1/promotion_codes", map[string]any{"coupon": otherCoupon.ID, "code": "SUMMER"}))

	updated := ok[apiobj.PromotionCodeJSON](t, bundle.post(t, bundle.a, "/v1/promotion_codes/"+created.ID, map[string]any{"active": false, "metadata": map[string]string{"campaign": "2026"}}))
	require.False(t, updated.Active)
	require.Equal(t, map[string]string{"campaign": "2026"}, map[string]string(updated.Metadata))
	require.Equal(t, updated, ok[apiobj.PromotionCodeJSON](t, bundle.get(t, bundle.a, "/v1/promotion_codes/"+created.ID)))

	winter := ok[apiobj.PromotionCodeJSON](t, bundle.post(t, bundle.a, "/v1/promotion_codes", map[string]any{"coupon": coupon.ID, "code": "WINTER-26"}))
	promoID := func(p apiobj.PromotionCodeJSON) string { return p.ID }
	list := ok[httpapi.ListJSON[apiobj.PromotionCodeJSON]](t, bundle.get(t, bundle.a, "/v1/promotion_codes"))
	require.Equal(t, []string{winter.ID, created.ID}, ids(list, promoID))
	list = ok[httpapi.ListJSON[apiobj.PromotionCodeJSON]](t, bundle.get(t, bundle.a, "/v1/promotion_codes?code=summer"))
	require.Equal(t, []string{created.ID}, ids(list, promoID), "the code filter is case-insensitive")
	list = ok[httpapi.ListJSON[apiobj.PromotionCodeJSON]](t, bundle.get(t, bundle.a, "/v1/promotion_codes?active=true&coupon="+coupon.ID))
	require.Equal(t, []string{winter.ID}, ids(list, promoID))

	res = bundle.post(t, bundle.a, "/v1/promotion_codes", map[string]any{"coupon": coupon.ID, "code": "no spaces!"})
	requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "code")
	res = bundle.post(t, bundle.a, "/v1/promotion_codes", map[string]any{"coupon": coupon.ID})
	requireProblem(t, res, http.StatusBadRequest, "parameter_missing", "code")
	res = bundle.post(t, bundle.a, "/v1/promotion_codes", map[string]any{"coupon": "coupon_missing", "code": "X"})
	requireProblem(t, res, http.StatusBadRequest, "resource_missing", "coupon")
}

func TestValidation(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	prod := bundle.createProduct(t, bundle.a, nil)
	coupon := bundle.createCoupon(t, bundle.a, nil)
	price := func(extra map[string]any) map[string]any {
		body := map[string]any{"product": prod.ID, "unit_amount": 1000, "currency": "USD"}
		for k, v := range extra {
			if v == nil {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		return body
	}

	tests := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
		param  string
	}{
		{"UnknownField", "/v1/products", map[string]any{"name": "x", "colour": "red"}, 400, "parameter_unknown", "colour"},
		{"UnknownNestedField", "/v1/prices", price(map[string]any{"recurring": map[string]any{"interval": "month", "every": 2}}), 400, "parameter_unknown", "recurring.every"},
		{"UnknownFieldOnUpdate", "/v1/products/" + prod.ID, map[string]any{"unit_amount": 5}, 400, "parameter_unknown", "unit_amount"},
		{"ProductNameMissing", "/v1/products", map[string]any{"description": "x"}, 400, "parameter_missing", "name"},
		{"ProductNameBlank", "/v1/products", map[string]any{"name": "   "}, 400, "parameter_missing", "name"},
		{"ProductNameTooLong", "/v1/products", map[string]any{"name": strings.Repeat("n", 251)}, 400, "parameter_invalid", "name"},
		{"NegativeFeature", "/v1/products", map[string]any{"name": "x", "features": map[string]int{"seats": -1}}, 400, "parameter_invalid", "features[seats]"},
		{"NameWrongType", "/v1/products", map[string]any{"name": 5}, 400, "parameter_invalid", "name"},
		{"FractionalUnitAmount", "/v1/prices", price(map[string]any{"unit_amount": 12.5}), 400, "amount_invalid", "unit_amount"},
		{"StringUnitAmount", "/v1/prices", price(map[string]any{"unit_amount": "1000"}), 400, "amount_invalid", "unit_amount"},
		{"NegativeUnitAmount", "/v1/prices", price(map[string]any{"unit_amount": -1}), 400, "amount_invalid", "unit_amount"},
		{"HugeUnitAmount", "/v1/prices", price(map[string]any{"unit_amount": int64(1e12)}), 400, "amount_invalid", "unit_amount"},
		{"MissingUnitAmount", "/v1/prices", price(map[string]any{"unit_amount": nil}), 400, "parameter_missing", "unit_amount"},
		{"UnknownCurrency", "/v1/prices", price(map[string]any{"currency": "XYZ"}), 400, "currency_invalid", "currency"},
		{"MissingCurrency", "/v1/prices", price(map[string]any{"currency": nil}), 400, "parameter_missing", "currency"},
		{"MissingProduct", "/v1/prices", price(map[string]any{"product": nil}), 400, "parameter_missing", "product"},
		{"NoSuchProduct", "/v1/prices", price(map[string]any{"product": "prod_nope"}), 400, "resource_missing", "product"},
		{"BadInterval", "/v1/prices", price(map[string]any{"recurring": map[string]any{"interval": "fortnight"}}), 400, "parameter_invalid", "recurring.interval"},
		{"BadIntervalCount", "/v1/prices", price(map[string]any{"recurring": map[string]any{"interval": "year", "interval_count": 4}}), 400, "parameter_invalid", "recurring.interval_count"},
		{"TrialOnOneTime", "/v1/prices", price(map[string]any{"trial_period_days": 7}), 400, "parameter_invalid", "trial_period_days"},
		{"AmountOffWithoutCurrency", "/v1/coupons", map[string]any{"amount_off": 500}, 400, "parameter_missing", "currency"},
		{"AmountOffBadCurrency", "/v1/coupons", map[string]any{"amount_off": 500, "currency": "ZZZ"}, 400, "currency_invalid", "currency"},
		{"AmountOffFractional", "/v1/coupons", map[string]any{"amount_off": 5.5, "currency": "USD"}, 400, "amount_invalid", "amount_off"},
		{"AmountOffNegative", "/v1/coupons", map[string]any{"amount_off": -5, "currency": "USD"}, 400, "amount_invalid", "amount_off"},
		{"AmountOffZero", "/v1/coupons", map[string]any{"amount_off": 0, "currency": "USD"}, 400, "amount_invalid", "amount_off"},
		{"PercentAndAmount", "/v1/coupons", map[string]any{"percent_off": 10, "amount_off": 500, "currency": "USD"}, 400, "parameter_invalid", "amount_off"},
		{"NeitherPercentNorAmount", "/v1/coupons", map[string]any{"name": "x"}, 400, "parameter_missing", "percent_off"},
		{"PercentThreeDecimals", "/v1/coupons", map[string]any{"percent_off": 12.345}, 400, "parameter_invalid", "percent_off"},
		{"PercentZero", "/v1/coupons", map[string]any{"percent_off": 0}, 400, "parameter_invalid", "percent_off"},
		{"PercentOver100", "/v1/coupons", map[string]any{"percent_off": 100.01}, 400, "parameter_invalid", "percent_off"},
		{"PercentWithCurrency", "/v1/coupons", map[string]any{"percent_off": 10, "currency": "USD"}, 400, "parameter_invalid", "currency"},
		{"RepeatingWithoutMonths", "/v1/coupons", map[string]any{"percent_off": 10, "duration": "repeating"}, 400, "parameter_invalid", "duration_in_months"},
		{"BadDuration", "/v1/coupons", map[string]any{"percent_off": 10, "duration": "sometimes"}, 400, "parameter_invalid", "duration"},
		{"RedeemByPast", "/v1/coupons", map[string]any{"percent_off": 10, "redeem_by": 1000}, 400, "parameter_invalid", "redeem_by"},
		{"RedeemByYear10000", "/v1/coupons", map[string]any{"percent_off": 10, "redeem_by": 253402300800}, 400, "parameter_invalid", "redeem_by"},
		{"RedeemByFuzzed", "/v1/coupons", map[string]any{"percent_off": 10, "redeem_by": int64(1e12)}, 400, "parameter_invalid", "redeem_by"},
		{"PromoExpiresYear10000", "/v1/promotion_codes", map[string]any{"coupon": coupon.ID, "code": "FAR", "expires_at": int64(1e12)}, 400, "parameter_invalid", "expires_at"},
		{"FieldNameCase", "/v1/products", map[string]any{"NAME": "x"}, 400, "parameter_unknown", "NAME"},
		{"FieldNameCaseDuplicate", "/v1/products", map[string]any{"name": "x", "Name": 5}, 400, "parameter_unknown", "Name"},
		{"NestedFieldNameCase", "/v1/prices", price(map[string]any{"recurring": map[string]any{"interval": "month", "Interval_Count": 2}}), 400, "parameter_unknown", "recurring.Interval_Count"},
		{"PromoExpiresPast", "/v1/promotion_codes", map[string]any{"coupon": coupon.ID, "code": "OLD", "expires_at": 1000}, 400, "parameter_invalid", "expires_at"},
		{"MetadataNotStrings", "/v1/customers", map[string]any{"metadata": map[string]any{"n": 1}}, 400, "parameter_invalid", "metadata.n"},
		{"MetadataValueTooLong", "/v1/customers", map[string]any{"metadata": map[string]any{"n": strings.Repeat("v", 501)}}, 400, "parameter_invalid", "metadata[n]"},
		{"ArrayBody", "/v1/customers", []int{1}, 400, "body_invalid", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := bundle.post(t, bundle.a, tt.path, tt.body)
			p := requireProblem(t, res, tt.status, tt.code, tt.param)
			require.NotEmpty(t, p.Detail)
			require.Equal(t, http.StatusText(tt.status), p.Title)
		})
	}

	// Nothing invalid was created.
	list := ok[httpapi.ListJSON[apiobj.PriceJSON]](t, bundle.get(t, bundle.a, "/v1/prices"))
	require.Empty(t, list.Data)
}

func TestValidationQuery(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	for _, tt := range []struct{ query, param string }{
		{"/v1/products?limit=0", "limit"},
		{"/v1/products?limit=101", "limit"},
		{"/v1/products?limit=ten", "limit"},
		{"/v1/products?active=maybe", "active"},
		{"/v1/prices?type=weekly", "type"},
		{"/v1/customers?starting_after=prod_123", "starting_after"},
		{"/v1/audit_log?after_seq=-1", "after_seq"},
	} {
		requireProblem(t, bundle.get(t, bundle.a, tt.query), http.StatusBadRequest, "parameter_invalid", tt.param)
	}
}

func TestPercentOffDecimals(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	for _, pct := range []float64{12.5, 0.01, 33.33, 99.99, 100} {
		c := bundle.createCoupon(t, bundle.a, map[string]any{"percent_off": pct})
		require.Equal(t, pct, *c.PercentOff)
		got := ok[apiobj.CouponJSON](t, bundle.get(t, bundle.a, "/v1/coupons/"+c.ID))
		require.Equal(t, pct, *got.PercentOff)
	}
	// The raw JSON says 12.5, not 12.500000001.
	res := bundle.post(t, bundle.a, "/v1/coupons", raw(`{"percent_off": 12.5}`))
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	require.Contains(t, string(res.Body), `"percent_off":12.5,`)
	for _, pct := range []float64{12.345, 0.001, -5, 100.5} {
		res := bundle.post(t, bundle.a, "/v1/coupons", map[string]any{"percent_off": pct})
		requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "percent_off")
	}
}

func TestConflicts(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	prod := bundle.createProduct(t, bundle.a, nil)

	t.Run("LookupKey", func(t *testing.T) {
		t.Parallel()
		body := map[string]any{"product": prod.ID, "unit_amount": 1000, "currency": "CLP", "lookup_key": "start_monthly"}
		first := bundle.createPrice(t, bundle.a, body)
		requireProblem(t, bundle.post(t, bundle.a, "/v1/prices", body), http.StatusConflict, "resource_exists", "lookup_key")

		// By update too.
		second := bundle.createPrice(t, bundle.a, map[string]any{"product": prod.ID, "unit_amount": 2000, "currency": "CLP"})
		res := bundle.post(t, bundle.a, "/v1/prices/"+second.ID, map[string]any{"lookup_key": "start_monthly"})
		requireProblem(t, res, http.StatusConflict, "resource_exists", "lookup_key")

		// Another mode has its own lookup keys.
		liveProd := bundle.createProduct(t, bundle.aLive, nil)
		live := bundle.createPrice(t, bundle.aLive, map[string]any{"product": liveProd.ID, "unit_amount": 1000, "currency": "CLP", "lookup_key": "start_monthly"})
		require.NotEqual(t, first.ID, live.ID)

		list := ok[httpapi.ListJSON[apiobj.PriceJSON]](t, bundle.get(t, bundle.a, "/v1/prices?lookup_key=start_monthly"))
		require.Equal(t, []string{first.ID}, ids(list, priceID))
	})

	t.Run("ExternalID", func(t *testing.T) {
		t.Parallel()
		first := bundle.createCustomer(t, bundle.a, map[string]any{"external_id": "user-42"})
		res := bundle.post(t, bundle.a, "/v1/customers", map[string]any{"external_id": "user-42", "email": "other@example.com"})
		requireProblem(t, res, http.StatusConflict, "resource_exists", "external_id")

		other := bundle.createCustomer(t, bundle.a, map[string]any{"external_id": "user-43"})
		res = bundle.post(t, bundle.a, "/v1/customers/"+other.ID, map[string]any{"external_id": "user-42"})
		requireProblem(t, res, http.StatusConflict, "resource_exists", "external_id")

		// Merchant B has its own namespace.
		bundle.createCustomer(t, bundle.b, map[string]any{"external_id": "user-42"})

		list := ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers?external_id=user-42"))
		require.Equal(t, []string{first.ID}, ids(list, customerID))
	})
}

func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	for _, body := range []string{`{"name": "x"`, `{name: "x"}`, `nope`, `{"name": "x"} trailing`} {
		res := bundle.post(t, bundle.a, "/v1/products", raw(body))
		requireProblem(t, res, http.StatusBadRequest, "body_invalid", "")
	}

	res := bundle.post(t, bundle.a, "/v1/products", raw(url.Values{"name": {"x"}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	requireProblem(t, res, http.StatusUnsupportedMediaType, "unsupported_media_type", "")

	res = bundle.post(t, bundle.a, "/v1/products", raw(`<product name="x"/>`), "Content-Type", "application/xml")
	requireProblem(t, res, http.StatusUnsupportedMediaType, "unsupported_media_type", "")

	list := ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.get(t, bundle.a, "/v1/products"))
	require.Empty(t, list.Data)
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)
	requireProblem(t, bundle.get(t, bundle.a, "/v1/nothing"), http.StatusNotFound, "unknown_endpoint", "")
	requireProblem(t, bundle.do(t, http.MethodDelete, "/v1/products", bundle.a, nil), http.StatusMethodNotAllowed, "method_not_allowed", "")
	// Authentication comes first: an unknown route does not reveal itself.
	requireProblem(t, bundle.get(t, apiKey{}, "/v1/nothing"), http.StatusUnauthorized, "invalid_api_key", "")
}

func TestPagination(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	var created []string
	for i := range 25 {
		c := bundle.createCustomer(t, bundle.a, map[string]any{"name": "customer " + string(rune('a'+i))})
		created = append(created, c.ID)
	}
	// Objects of other scopes do not appear.
	bundle.createCustomer(t, bundle.aLive, map[string]any{})
	bundle.createCustomer(t, bundle.b, map[string]any{})

	var walked []string
	var pages int
	cursor := ""
	for {
		path := "/v1/customers?limit=10"
		if cursor != "" {
			path += "&starting_after=" + cursor
		}
		page := ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, path))
		pages++
		walked = append(walked, ids(page, customerID)...)
		if !page.HasMore {
			require.Len(t, page.Data, 5)
			break
		}
		require.Len(t, page.Data, 10)
		cursor = page.Data[len(page.Data)-1].ID
		require.Less(t, pages, 5, "pagination does not end")
	}
	require.Equal(t, 3, pages)

	newestFirst := make([]string, len(created))
	for i, id := range created {
		newestFirst[len(created)-1-i] = id
	}
	require.Equal(t, newestFirst, walked)

	// The default limit is 10; limit 25 fits exactly with has_more false.
	page := ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers"))
	require.Len(t, page.Data, 10)
	require.True(t, page.HasMore)
	page = ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers?limit=25"))
	require.Len(t, page.Data, 25)
	require.False(t, page.HasMore)
	// After the oldest there is nothing.
	page = ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers?starting_after="+created[0]))
	require.Empty(t, page.Data)
	require.False(t, page.HasMore)
	require.NotNil(t, page.Data, "an empty list is [] not null")
	require.Contains(t, string(bundle.get(t, bundle.a, "/v1/customers?starting_after="+created[0]).Body), `"data":[]`)
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	t.Run("Customers", func(t *testing.T) {
		t.Parallel()
		ana := bundle.createCustomer(t, bundle.a, map[string]any{"email": "ana@example.com", "external_id": "u1"})
		ana2 := bundle.createCustomer(t, bundle.a, map[string]any{"email": "ana@example.com"})
		bob := bundle.createCustomer(t, bundle.a, map[string]any{"email": "bob@example.com", "external_id": "u2"})

		list := ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers?email="+url.QueryEscape("ana@example.com")))
		require.Equal(t, []string{ana2.ID, ana.ID}, ids(list, customerID))
		list = ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers?external_id=u2"))
		require.Equal(t, []string{bob.ID}, ids(list, customerID))
		list = ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers?email=ana%40example.com&external_id=u1"))
		require.Equal(t, []string{ana.ID}, ids(list, customerID))
		list = ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, bundle.get(t, bundle.a, "/v1/customers?email=nobody%40example.com"))
		require.Empty(t, list.Data)
	})

	t.Run("Prices", func(t *testing.T) {
		t.Parallel()
		p1 := bundle.createProduct(t, bundle.a, nil)
		p2 := bundle.createProduct(t, bundle.a, nil)
		monthly := bundle.createPrice(t, bundle.a, map[string]any{"product": p1.ID, "unit_amount": 100, "currency": "USD",
			"recurring": map[string]any{"interval": "month"}, "lookup_key": "p1_monthly"})
		setup := bundle.createPrice(t, bundle.a, map[string]any{"product": p1.ID, "unit_amount": 500, "currency": "USD", "active": false})
		yearly := bundle.createPrice(t, bundle.a, map[string]any{"product": p2.ID, "unit_amount": 1000, "currency": "USD",
			"recurring": map[string]any{"interval": "year"}})

		get := func(query string) []string {
			t.Helper()
			return ids(ok[httpapi.ListJSON[apiobj.PriceJSON]](t, bundle.get(t, bundle.a, "/v1/prices?"+query)), priceID)
		}
		require.Equal(t, []string{setup.ID, monthly.ID}, get("product="+p1.ID))
		require.Equal(t, []string{yearly.ID}, get("product="+p2.ID))
		require.Equal(t, []string{monthly.ID}, get("lookup_key=p1_monthly"))
		require.Empty(t, get("lookup_key=nope"))
		require.Equal(t, []string{yearly.ID, monthly.ID}, get("type=recurring"))
		require.Equal(t, []string{setup.ID}, get("type=one_time"))
		require.Equal(t, []string{yearly.ID, monthly.ID}, get("active=true"))
		require.Equal(t, []string{setup.ID}, get("active=false"))
		require.Equal(t, []string{monthly.ID}, get("product="+p1.ID+"&type=recurring&active=true"))
	})
}

package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cuota/cuota/internal/httpapi"
)

// The fuzz targets POST arbitrary bytes as the JSON body of each create
// endpoint and check that the API never fails on its own account: no
// panic, no 5xx, and every error is problem+json with a code. Each body is
// sent twice, without and with an Idempotency-Key, to cover both paths.
// Placeholders in bodies (PRODUCT_ID, COUPON_ID) are replaced with ids of
// objects that exist. Every body goes to a server on each store, so the
// seed corpus (run by go test) covers SQLite and PostgreSQL alike.

func FuzzCreateProduct(f *testing.F) {
	fuzzCreate(f, "/v1/products", "prod_", []string{
		`{"name": "Plan Start"}`,
		`{"name": "Plan", "description": "d", "features": {"properties": 5}, "active": false, "metadata": {"a": "b"}}`,
		`{"name": ""}`,
		`{"name": "x", "features": {"": -1}}`,
		`{"name": "x", "colour": "red"}`,
		`{"name": 5}`,
		`{"name": "\ud800"}`,
		`{"name": "x", "metadata": {"k": ""}}`,
		`{"name": "x", "features": {"a": 1e400}}`,
		`null`,
		`[]`,
		`{`,
		``,
	})
}

func FuzzCreatePrice(f *testing.F) {
	fuzzCreate(f, "/v1/prices", "price_", []string{
		`{"product": "PRODUCT_ID", "unit_amount": 5000, "currency": "CLP"}`,
		`{"product": "PRODUCT_ID", "unit_amount": 1999, "currency": "usd", "recurring": {"interval": "month", "interval_count": 3}, "lookup_key": "lk", "trial_period_days": 14}`,
		`{"product": "PRODUCT_ID", "unit_amount": 12.5, "currency": "USD"}`,
		`{"product": "PRODUCT_ID", "unit_amount": -1, "currency": "USD"}`,
		`{"product": "PRODUCT_ID", "unit_amount": 9223372036854775807, "currency": "USD"}`,
		`{"product": "PRODUCT_ID", "unit_amount": 9223372036854775808, "currency": "USD"}`,
		`{"product": "PRODUCT_ID", "unit_amount": 1e3, "currency": "USD"}`,
		`{"product": "PRODUCT_ID", "unit_amount": 1, "currency": "XYZ"}`,
		`{"product": "PRODUCT_ID", "unit_amount": 1, "currency": "USD", "recurring": {"interval": "month", "interval_count": -9223372036854775808}}`,
		`{"product": "PRODUCT_ID", "unit_amount": 1, "currency": "USD", "recurring": null}`,
		`{"product": "PRODUCT_ID", "unit_amount": 1, "currency": "USD", "recurring": {}}`,
		`{"product": "prod_nope", "unit_amount": 1, "currency": "USD"}`,
		`{"unit_amount": "5"}`,
	})
}

func FuzzCreateCustomer(f *testing.F) {
	fuzzCreate(f, "/v1/customers", "cus_", []string{
		`{}`,
		`{"email": "ana@example.com", "name": "Ana", "external_id": "u1", "locale": "es-CL", "metadata": {"a": "1"}}`,
		`{"email": "Ana <ana@example.com>"}`,
		`{"email": "not an email"}`,
		`{"locale": "xx-YY-ZZ"}`,
		`{"external_id": ""}`,
		`{"metadata": {"` + strings.Repeat("k", 41) + `": "v"}}`,
		`{"email": null}`,
	})
}

func FuzzCreateCoupon(f *testing.F) {
	fuzzCreate(f, "/v1/coupons", "coupon_", []string{
		`{"percent_off": 12.5}`,
		`{"percent_off": 12.345}`,
		`{"percent_off": 1e308}`,
		`{"percent_off": -0}`,
		`{"percent_off": 5e-324}`,
		`{"amount_off": 500, "currency": "CLP", "duration": "repeating", "duration_in_months": 3}`,
		`{"amount_off": 500}`,
		`{"amount_off": 500, "percent_off": 5}`,
		`{"percent_off": 10, "redeem_by": 9223372036854775807}`,
		`{"percent_off": 10, "redeem_by": -9223372036854775808}`,
		`{"percent_off": 10, "max_redemptions": -1}`,
		`{"percent_off": 10, "duration": "forever", "duration_in_months": 2}`,
	})
}

func FuzzCreatePromotionCode(f *testing.F) {
	fuzzCreate(f, "/v1/promotion_codes", "promo_", []string{
		`{"coupon": "COUPON_ID", "code": "SUMMER"}`,
		`{"coupon": "COUPON_ID", "code": "summer"}`,
		`{"coupon": "COUPON_ID", "code": " spaced "}`,
		`{"coupon": "COUPON_ID", "code": "ÅÄÖ"}`,
		`{"coupon": "COUPON_ID", "code": "ok", "expires_at": 9223372036854775807}`,
		`{"coupon": "COUPON_ID", "code": "ok2", "expires_at": -62135596801}`,
		`{"coupon": "COUPON_ID", "code": "ok3", "max_redemptions": 3, "active": false, "metadata": {"a": "b"}}`,
		`{"coupon": "coupon_nope", "code": "X"}`,
		`{"code": "X"}`,
	})
}

// textSeeds are bodies every target gets: text no store can hold (NUL,
// invalid UTF-8) as a value, in a key and in metadata.
var textSeeds = []string{
	`{"name": "a\u0000b"}`,
	"{\"name\": \"a\xffb\"}",
	`{"metadata": {"k\u0000": "v"}}`,
	"{\"metadata\": {\"k\": \"\xc3\"}}",
	"{\"\xff\": 1}",
	`{"code": "\u0000", "coupon": "COUPON_ID"}`,
	`{"product": "PRODUCT_ID\u0000", "unit_amount": 1, "currency": "USD"}`,
}

// fuzzTarget is one store's server for a fuzz target.
type fuzzTarget struct {
	srv          *httpapi.Server
	bundle       *testBundle
	placeholders *strings.Replacer
}

// fuzzCreate runs a fuzz target against one shared server per store.
func fuzzCreate(f *testing.F, path, idPrefix string, seeds []string) {
	var targets []fuzzTarget
	for _, kind := range storeKinds {
		srv, bundle := newServerOn(f, httpapi.Config{}, kind)
		product, coupon := fuzzFixtures(f, srv, bundle)
		targets = append(targets, fuzzTarget{srv, bundle, strings.NewReplacer("PRODUCT_ID", product, "COUPON_ID", coupon)})
	}
	for _, s := range append(seeds, textSeeds...) {
		f.Add([]byte(s))
	}
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, tg := range targets {
			body := []byte(tg.placeholders.Replace(string(body)))
			checkFuzzResponse(t, tg.srv, tg.bundle, path, idPrefix, body, "")
			checkFuzzResponse(t, tg.srv, tg.bundle, path, idPrefix, body, "fuzz-"+strconv.FormatInt(n.Add(1), 10))
		}
	})
}

// fuzzFixtures creates a product and a coupon for placeholders.
func fuzzFixtures(f *testing.F, srv *httpapi.Server, bundle *testBundle) (productID, couponID string) {
	post := func(path, body string) string {
		req := httptest.NewRequestWithContext(f.Context(), http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+bundle.a.Secret)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			f.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
		}
		var v struct{ ID string }
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			f.Fatal(err)
		}
		return v.ID
	}
	return post("/v1/products", `{"name": "Fuzz"}`), post("/v1/coupons", `{"percent_off": 10}`)
}

func checkFuzzResponse(t *testing.T, srv *httpapi.Server, bundle *testBundle, path, idPrefix string, body []byte, idemKey string) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+bundle.a.Secret)
	req.Header.Set("Content-Type", "application/json")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)

	if rec.Code >= 500 {
		t.Fatalf("POST %s %q (key %q): status %d: %s", path, body, idemKey, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("POST %s %q: status %d with content type %q: %s", path, body, rec.Code, ct, rec.Body)
		}
		var p httpapi.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("POST %s %q: problem is not JSON: %v: %s", path, body, err, rec.Body)
		}
		if p.Code == "" || p.Status != rec.Code || p.RequestID != rec.Header().Get("Request-Id") {
			t.Fatalf("POST %s %q: bad problem for status %d: %s", path, body, rec.Code, rec.Body)
		}
		return
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("POST %s %q: unexpected status %d: %s", path, body, rec.Code, rec.Body)
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || !strings.HasPrefix(v.ID, idPrefix) {
		t.Fatalf("POST %s %q: bad success body (%v): %s", path, body, err, rec.Body)
	}
}

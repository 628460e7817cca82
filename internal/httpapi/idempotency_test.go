package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

func listProducts(t *testing.T, bundle *testBundle, key apiKey) []string {
	t.Helper()
	return ids(ok[httpapi.ListJSON[apiobj.ProductJSON]](t, bundle.get(t, key, "/v1/products?limit=100")), productID)
}

func TestIdempotency(t *testing.T) {
	t.Parallel()

	t.Run("Replay", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		body := map[string]any{"name": "Plan Start", "metadata": map[string]string{"a": "1"}}

		first := bundle.post(t, bundle.a, "/v1/products", body, "Idempotency-Key", "create-start")
		created := ok[apiobj.ProductJSON](t, first)
		require.Empty(t, first.Header.Get("Idempotent-Replayed"))

		for range 2 {
			again := bundle.post(t, bundle.a, "/v1/products", body, "Idempotency-Key", "create-start")
			require.Equal(t, http.StatusOK, again.Status)
			require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
			require.Equal(t, string(first.Body), string(again.Body), "the stored response is replayed byte for byte")
			require.Equal(t, created.ID, ok[apiobj.ProductJSON](t, again).ID)
			require.NotEqual(t, first.Header.Get("Request-Id"), again.Header.Get("Request-Id"))
		}
		require.Equal(t, []string{created.ID}, listProducts(t, bundle, bundle.a))

		// Without a key, the same body creates another product.
		other := bundle.createProduct(t, bundle.a, body)
		require.NotEqual(t, created.ID, other.ID)

		// GETs ignore the header.
		res := bundle.do(t, http.MethodGet, "/v1/products/"+created.ID, bundle.a, nil, "Idempotency-Key", "create-start")
		require.Equal(t, http.StatusOK, res.Status)
		require.Empty(t, res.Header.Get("Idempotent-Replayed"))
	})

	t.Run("SameParametersOtherSpelling", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		first := bundle.post(t, bundle.a, "/v1/products", raw(`{"name":"x","description":"y","metadata":{"a":"1","b":"2"}}`), "Idempotency-Key", "k")
		created := ok[apiobj.ProductJSON](t, first)
		// Other key order, whitespace and escapes are the same parameters.
		for _, body := range []string{
			`{"description": "y", "name": "x", "metadata": {"b": "2", "a": "1"}}`,
			"\n{ \"metadata\":{\"a\":\"1\",\"b\":\"2\"},\"name\":\"\\u0078\",\"description\":\"y\"}\t",
		} {
			again := bundle.post(t, bundle.a, "/v1/products", raw(body), "Idempotency-Key", "k")
			require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"), "body %s: %s", body, again.Body)
			require.Equal(t, string(first.Body), string(again.Body))
		}
		// Different parameters are still a reuse, also in a nested value.
		for _, body := range []string{
			`{"description":"y","name":"x","metadata":{"a":"1","b":"3"}}`,
			`{"description":"y","name":"x"}`,
			`{"description":"y","name":"x","metadata":{"a":"1","b":"2"},"active":true}`,
		} {
			res := bundle.post(t, bundle.a, "/v1/products", raw(body), "Idempotency-Key", "k")
			requireProblem(t, res, http.StatusBadRequest, "idempotency_key_reused", "Idempotency-Key")
		}
		require.Equal(t, []string{created.ID}, listProducts(t, bundle, bundle.a))
	})

	t.Run("Updates", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		prod := bundle.createProduct(t, bundle.a, nil)
		path := "/v1/products/" + prod.ID
		first := bundle.post(t, bundle.a, path, map[string]any{"metadata": map[string]string{"n": "1"}}, "Idempotency-Key", "upd-1")
		require.Equal(t, http.StatusOK, first.Status)
		// Meanwhile the product changes.
		ok[apiobj.ProductJSON](t, bundle.post(t, bundle.a, path, map[string]any{"name": "Renamed"}))
		again := bundle.post(t, bundle.a, path, map[string]any{"metadata": map[string]string{"n": "1"}}, "Idempotency-Key", "upd-1")
		require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		require.Equal(t, string(first.Body), string(again.Body))
		require.Equal(t, "Renamed", ok[apiobj.ProductJSON](t, bundle.get(t, bundle.a, path)).Name)
	})

	t.Run("DifferentParameters", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		created := ok[apiobj.ProductJSON](t, bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "A"}, "Idempotency-Key", "k1"))

		res := bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "B"}, "Idempotency-Key", "k1")
		requireProblem(t, res, http.StatusBadRequest, "idempotency_key_reused", "Idempotency-Key")
		// Same body on another endpoint is other parameters too.
		res = bundle.post(t, bundle.a, "/v1/customers", map[string]any{"name": "A"}, "Idempotency-Key", "k1")
		requireProblem(t, res, http.StatusBadRequest, "idempotency_key_reused", "Idempotency-Key")
		// Whitespace in the body does not count: the parameters are the same.
		res = bundle.post(t, bundle.a, "/v1/products", raw(`{"name": "A"}`), "Idempotency-Key", "k1")
		require.Equal(t, "true", res.Header.Get("Idempotent-Replayed"))

		require.Equal(t, []string{created.ID}, listProducts(t, bundle, bundle.a))
	})

	t.Run("FailedRequestsAreNotStored", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		bad := map[string]any{"name": "Plan", "colour": "red"}
		res := bundle.post(t, bundle.a, "/v1/products", bad, "Idempotency-Key", "k-fail")
		requireProblem(t, res, http.StatusBadRequest, "parameter_unknown", "colour")
		// Retrying the failed request runs it again (it is not replayed).
		res = bundle.post(t, bundle.a, "/v1/products", bad, "Idempotency-Key", "k-fail")
		requireProblem(t, res, http.StatusBadRequest, "parameter_unknown", "colour")
		require.Empty(t, res.Header.Get("Idempotent-Replayed"))
		// A domain validation failure is not stored either.
		res = bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": ""}, "Idempotency-Key", "k-fail")
		requireProblem(t, res, http.StatusBadRequest, "parameter_missing", "name")

		// The corrected request is another request; since nothing was
		// stored, it succeeds with the same key.
		fixed := map[string]any{"name": "Plan"}
		created := ok[apiobj.ProductJSON](t, bundle.post(t, bundle.a, "/v1/products", fixed, "Idempotency-Key", "k-fail"))
		// From now on the key belongs to the corrected request.
		again := bundle.post(t, bundle.a, "/v1/products", fixed, "Idempotency-Key", "k-fail")
		require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		require.Equal(t, created.ID, ok[apiobj.ProductJSON](t, again).ID)
		res = bundle.post(t, bundle.a, "/v1/products", bad, "Idempotency-Key", "k-fail")
		requireProblem(t, res, http.StatusBadRequest, "idempotency_key_reused", "Idempotency-Key")
		require.Equal(t, []string{created.ID}, listProducts(t, bundle, bundle.a))

		// A conflict is an error too: not stored.
		prod := created.ID
		price := map[string]any{"product": prod, "unit_amount": 100, "currency": "USD", "lookup_key": "lk"}
		bundle.createPrice(t, bundle.a, price)
		res = bundle.post(t, bundle.a, "/v1/prices", price, "Idempotency-Key", "k-conflict")
		requireProblem(t, res, http.StatusConflict, "resource_exists", "lookup_key")
		ok[apiobj.PriceJSON](t, bundle.post(t, bundle.a, "/v1/prices", map[string]any{"product": prod, "unit_amount": 100, "currency": "USD", "lookup_key": "lk2"}, "Idempotency-Key", "k-conflict"))
	})

	t.Run("ScopedPerModeAndMerchant", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		body := map[string]any{"name": "Plan"}
		test := ok[apiobj.ProductJSON](t, bundle.post(t, bundle.a, "/v1/products", body, "Idempotency-Key", "shared"))
		live := bundle.post(t, bundle.aLive, "/v1/products", body, "Idempotency-Key", "shared")
		require.Empty(t, live.Header.Get("Idempotent-Replayed"))
		liveProd := ok[apiobj.ProductJSON](t, live)
		require.NotEqual(t, test.ID, liveProd.ID)
		require.True(t, liveProd.Livemode)

		// Different parameters in another scope are fine too.
		other := ok[apiobj.ProductJSON](t, bundle.post(t, bundle.b, "/v1/products", map[string]any{"name": "Other"}, "Idempotency-Key", "shared"))

		require.Equal(t, []string{test.ID}, listProducts(t, bundle, bundle.a))
		require.Equal(t, []string{liveProd.ID}, listProducts(t, bundle, bundle.aLive))
		require.Equal(t, []string{other.ID}, listProducts(t, bundle, bundle.b))

		// Each scope replays its own response.
		again := bundle.post(t, bundle.aLive, "/v1/products", body, "Idempotency-Key", "shared")
		require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		require.Equal(t, liveProd.ID, ok[apiobj.ProductJSON](t, again).ID)
	})

	t.Run("KeyLength", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		ok[apiobj.ProductJSON](t, bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "x"}, "Idempotency-Key", strings.Repeat("k", 255)))
		res := bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "x"}, "Idempotency-Key", strings.Repeat("k", 256))
		requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "Idempotency-Key")
		require.Len(t, listProducts(t, bundle, bundle.a), 1)
	})

	t.Run("Expiry", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		first := ok[apiobj.ProductJSON](t, bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "A"}, "Idempotency-Key", "daily"))

		bundle.clock.Advance(23 * time.Hour)
		res := bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "B"}, "Idempotency-Key", "daily")
		requireProblem(t, res, http.StatusBadRequest, "idempotency_key_reused", "Idempotency-Key")
		res = bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "A"}, "Idempotency-Key", "daily")
		require.Equal(t, "true", res.Header.Get("Idempotent-Replayed"))

		bundle.clock.Advance(time.Hour + time.Second)
		res = bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "B"}, "Idempotency-Key", "daily")
		second := ok[apiobj.ProductJSON](t, res)
		require.Empty(t, res.Header.Get("Idempotent-Replayed"))
		require.Equal(t, "B", second.Name)
		require.NotEqual(t, first.ID, second.ID)

		// The key now belongs to the new request.
		res = bundle.post(t, bundle.a, "/v1/products", map[string]any{"name": "B"}, "Idempotency-Key", "daily")
		require.Equal(t, "true", res.Header.Get("Idempotent-Replayed"))
		require.Equal(t, second.ID, ok[apiobj.ProductJSON](t, res).ID)
		require.Equal(t, []string{second.ID, first.ID}, listProducts(t, bundle, bundle.a))
	})

	t.Run("InFlight", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		// Reserve the key as a request still running would: the hash is
		// that of method, path and body.
		body := `{"name":"Slow"}`
		sum := sha256.Sum256([]byte("POST /v1/products?\n" + body))
		scope := billing.Scope{MerchantID: bundle.merchantA, Mode: billing.ModeTest}
		replay, err := bundle.app.Merchants.BeginIdempotent(t.Context(), scope, "slow", hex.EncodeToString(sum[:]))
		require.NoError(t, err)
		require.Nil(t, replay)

		res := bundle.post(t, bundle.a, "/v1/products", raw(body), "Idempotency-Key", "slow")
		requireProblem(t, res, http.StatusConflict, "idempotency_key_in_use", "")
		// Other parameters are still rejected as a reuse.
		res = bundle.post(t, bundle.a, "/v1/products", raw(`{"name":"Other"}`), "Idempotency-Key", "slow")
		requireProblem(t, res, http.StatusBadRequest, "idempotency_key_reused", "Idempotency-Key")
		require.Empty(t, listProducts(t, bundle, bundle.a))

		// Once the first request gives up, the key is free.
		require.NoError(t, bundle.app.Merchants.AbandonIdempotent(t.Context(), scope, "slow"))
		ok[apiobj.ProductJSON](t, bundle.post(t, bundle.a, "/v1/products", raw(body), "Idempotency-Key", "slow"))
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		_, bundle := setup(t)
		const n = 20
		body, err := json.Marshal(map[string]any{"name": "Concurrent"})
		require.NoError(t, err)

		type outcome struct {
			status int
			body   []byte
			err    error
		}
		outcomes := make([]outcome, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, bundle.url+"/v1/products", bytes.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+bundle.a.Secret)
			req.Header.Set("Idempotency-Key", "race")
			wg.Go(func() {
				<-start
				resp, err := bundle.client.Do(req)
				if err != nil {
					outcomes[i].err = err
					return
				}
				defer resp.Body.Close()
				outcomes[i].status = resp.StatusCode
				outcomes[i].body, outcomes[i].err = io.ReadAll(resp.Body)
			})
		}
		close(start)
		wg.Wait()

		var productIDs []string
		for i, o := range outcomes {
			require.NoError(t, o.err, "request %d", i)
			switch o.status {
			case http.StatusOK:
				var p apiobj.ProductJSON
				require.NoError(t, json.Unmarshal(o.body, &p))
				productIDs = append(productIDs, p.ID)
			case http.StatusConflict:
				var p httpapi.Problem
				require.NoError(t, json.Unmarshal(o.body, &p))
				require.Equal(t, "idempotency_key_in_use", p.Code)
			default:
				t.Fatalf("request %d: unexpected status %d: %s", i, o.status, o.body)
			}
		}
		require.NotEmpty(t, productIDs)
		t.Logf("%d responses 200, %d responses 409", len(productIDs), n-len(productIDs))
		for _, id := range productIDs {
			require.Equal(t, productIDs[0], id)
		}
		require.Equal(t, productIDs[:1], listProducts(t, bundle, bundle.a))

		// Afterwards the key replays.
		res := bundle.post(t, bundle.a, "/v1/products", raw(body), "Idempotency-Key", "race")
		require.Equal(t, "true", res.Header.Get("Idempotent-Replayed"))
		require.Equal(t, productIDs[0], ok[apiobj.ProductJSON](t, res).ID)
	})
}

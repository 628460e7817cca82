package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestTextNoStoreCanHold sends NUL characters and invalid UTF-8 in every
// place a request carries text. PostgreSQL refuses such text (SQLite would
// store it), so each is a 400 parameter_invalid naming the parameter on
// both stores, and nothing is written.
func TestTextNoStoreCanHold(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			_, b := setupOn(t, httpapi.Config{}, kind)
			prod := b.createProduct(t, b.a, nil)
			cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.com"})

			cases := []struct {
				name, method, path string
				body               any
				hdr                []string
				param              string
			}{
				{"BodyNUL", "POST", "/v1/customers", raw(`{"name":"a\u0000b"}`), nil, "name"},
				{"BodyInvalidUTF8", "POST", "/v1/customers", raw("{\"name\":\"a\xffb\"}"), nil, "name"},
				{"BodyReference", "POST", "/v1/subscriptions", raw(`{"customer":"cus_\u0000","items":[{"price":"x"}]}`), nil, "customer"},
				{"BodyArrayItem", "POST", "/v1/subscriptions", raw("{\"customer\":\"" + cus.ID + "\",\"items\":[{\"price\":\"x\"},{\"price\":\"\xff\"}]}"), nil, "items[1].price"},
				{"BodyMetadataValue", "POST", "/v1/products/" + prod.ID, raw(`{"metadata":{"k":"\u0000"}}`), nil, "metadata.k"},
				{"BodyMetadataKey", "POST", "/v1/products/" + prod.ID, raw("{\"metadata\":{\"k\xff\":\"v\"}}"), nil, "metadata.k\uFFFD"},
				{"BodyWithIdempotencyKey", "POST", "/v1/customers", raw(`{"name":"a\u0000b"}`), []string{"Idempotency-Key", "k1"}, "name"},
				{"IdempotencyKey", "POST", "/v1/customers", raw(`{}`), []string{"Idempotency-Key", "k\xff"}, "Idempotency-Key"},
				{"PathID", "GET", "/v1/customers/%ff", nil, nil, "id"},
				{"PathIDNUL", "POST", "/v1/customers/cus_%00/payment_methods", raw(`{"token":"tok"}`), nil, "id"},
				{"QueryNUL", "GET", "/v1/customers?email=%00", nil, nil, "email"},
				{"QueryInvalidUTF8", "GET", "/v1/prices?product=%c3", nil, nil, "product"},
			}
			for _, c := range cases {
				res := b.do(t, c.method, c.path, b.a, c.body, c.hdr...)
				p := requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", c.param)
				require.Contains(t, p.Detail, "UTF-8", c.name)
			}

			// Nothing was written, and the key that saw a refused body is
			// free for a good one.
			list := ok[httpapi.ListJSON[apiobj.CustomerJSON]](t, b.get(t, b.a, "/v1/customers"))
			require.Equal(t, []string{cus.ID}, ids(list, customerID))
			created := ok[apiobj.CustomerJSON](t, b.post(t, b.a, "/v1/customers", map[string]any{"name": "a\uFFFDb"}, "Idempotency-Key", "k1"))
			require.Equal(t, "a\uFFFDb", created.Name)
		})
	}
}

// TestUnreadableBody: a body that breaks off while it is read is the
// request's fault, 400 body_invalid, not an internal error.
func TestUnreadableBody(t *testing.T) {
	t.Parallel()
	srv, b := newServer(t, httpapi.Config{})
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/v1/customers",
		io.MultiReader(strings.NewReader(`{"name": "An`), iotest.ErrReader(io.ErrUnexpectedEOF)))
	req.Header.Set("Authorization", "Bearer "+b.a.Secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	requireProblem(t, result{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}, http.StatusBadRequest, "body_invalid", "")

	// A body of another type is first read by the idempotency check, which
	// must answer the same.
	req = httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/v1/customers",
		io.MultiReader(strings.NewReader(`name=An`), iotest.ErrReader(io.ErrUnexpectedEOF)))
	req.Header.Set("Authorization", "Bearer "+b.a.Secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Idempotency-Key", "unreadable-1")
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	requireProblem(t, result{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}, http.StatusBadRequest, "body_invalid", "")
}

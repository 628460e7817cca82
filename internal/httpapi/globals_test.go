package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/httpapi"
)

// TestHumaGlobalsUntouched: building the API changes nothing process-wide
// in huma, so another huma API in the same process (a host embedding cuota)
// keeps huma's own error bodies and case-insensitive field names, while
// cuota's API still answers problem+json with its codes.
func TestHumaGlobalsUntouched(t *testing.T) {
	t.Parallel()
	_, bundle := setupConfig(t, httpapi.Config{})
	require.False(t, huma.ValidateStrictCasing)

	mux := http.NewServeMux()
	other := humago.New(mux, huma.DefaultConfig("other", "1"))
	type in struct {
		Body struct {
			Name string `json:"name" minLength:"3"`
		}
	}
	huma.Register(other, huma.Operation{OperationID: "x", Method: http.MethodPost, Path: "/x"},
		func(context.Context, *in) (*struct{}, error) { return nil, nil })
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	post := func(body string) *http.Response {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/x", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { _ = res.Body.Close() })
		return res
	}
	// huma's default: 422 with its ErrorModel, not cuota's 400 Problem.
	res := post(`{"name": "ab"}`)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	// huma's default casing: "NAME" is the field name.
	res = post(`{"NAME": "abc"}`)
	require.Equal(t, http.StatusNoContent, res.StatusCode)

	// cuota's own API is unaffected.
	requireProblem(t, bundle.post(t, bundle.a, "/v1/products", map[string]any{"NAME": "x"}), http.StatusBadRequest, "parameter_unknown", "NAME")
}

// TestBodyTooLargeUnreadByCuota: a chunked body over the limit that only
// huma reads (not JSON, so cuota's own checks leave it alone) is still 413
// body_too_large, not huma's 500 for a body it could not read.
func TestBodyTooLargeUnreadByCuota(t *testing.T) {
	t.Parallel()
	_, small := setupConfig(t, httpapi.Config{BodyLimit: 1024})
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, small.url+"/v1/products",
			io.MultiReader(strings.NewReader(strings.Repeat("d", 4000))))
		require.NoError(t, err)
		req.ContentLength = -1
		req.Header.Set("Authorization", "Bearer "+small.a.Secret)
		req.Header.Set("Content-Type", ct)
		requireProblem(t, small.send(t, req), http.StatusRequestEntityTooLarge, "body_too_large", "")
	}
}

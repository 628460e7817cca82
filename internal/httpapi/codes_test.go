package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestOpenAPIErrorCodes checks that the OpenAPI document names every
// registered error code (and nothing else) as the enum of Problem.code, so
// a code added to the registry reaches clients' generated types.
func TestOpenAPIErrorCodes(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	res := bundle.get(t, apiKey{}, "/openapi.json")
	require.Equal(t, http.StatusOK, res.Status)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &doc))
	problem, ok := doc.Components.Schemas["Problem"]
	require.True(t, ok, "the document has no Problem schema")
	var want []string
	for _, c := range billing.Codes() {
		want = append(want, c.Code)
	}
	require.ElementsMatch(t, want, problem.Properties["code"].Enum)
}

// TestTransportCodesAnswerRegisteredStatus checks that the codes the HTTP
// layer reports itself (no domain Kind) answer with the status the
// registry gives them, the one the documentation lists.
func TestTransportCodesAnswerRegisteredStatus(t *testing.T) {
	t.Parallel()
	_, bundle := setup(t)

	for code, res := range map[string]result{
		billing.CodeUnknownEndpoint:      bundle.get(t, bundle.a, "/v1/no_such_things"),
		billing.CodeMethodNotAllowed:     bundle.do(t, http.MethodDelete, "/v1/products", bundle.a, nil),
		billing.CodeUnsupportedMediaType: bundle.post(t, bundle.a, "/v1/products", raw("name=x"), "Content-Type", "application/x-www-form-urlencoded"),
	} {
		info, ok := billing.LookupCode(code)
		require.True(t, ok, code)
		require.Empty(t, info.Kinds, "%s is transport-only", code)
		requireProblem(t, res, info.Status, code, "")
	}
}

package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestProductFeatureLabels: labels are kept per locale, replaced whole on
// update, dropped with the features they name, and bad shapes are a 400
// naming the parameter, on both stores.
func TestProductFeatureLabels(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			_, b := setupOn(t, httpapi.Config{}, kind)
			p := b.createProduct(t, b.a, map[string]any{"name": "Agente Start",
				"features": map[string]int64{"properties": 5, "featured": 1},
				"feature_labels": map[string]any{
					"es-CL": map[string]string{"properties": "Propiedades", "featured": "Destacadas"},
					"en":    map[string]string{"properties": "Properties"},
				}})
			require.Equal(t, billing.FeatureLabels{"es-CL": {"properties": "Propiedades", "featured": "Destacadas"},
				"en": {"properties": "Properties"}}, p.FeatureLabels)
			got := ok[apiobj.ProductJSON](t, b.get(t, b.a, "/v1/products/"+p.ID))
			require.Equal(t, p.FeatureLabels, got.FeatureLabels)

			// Replacing the features drops the labels of the ones gone.
			got = ok[apiobj.ProductJSON](t, b.post(t, b.a, "/v1/products/"+p.ID, map[string]any{"features": map[string]int64{"properties": 10}}))
			require.Equal(t, billing.FeatureLabels{"es-CL": {"properties": "Propiedades"}, "en": {"properties": "Properties"}}, got.FeatureLabels)
			// Labels given replace all labels; {} removes them.
			got = ok[apiobj.ProductJSON](t, b.post(t, b.a, "/v1/products/"+p.ID, map[string]any{"feature_labels": map[string]any{"en": map[string]string{"properties": "Listings"}}}))
			require.Equal(t, billing.FeatureLabels{"en": {"properties": "Listings"}}, got.FeatureLabels)
			got = ok[apiobj.ProductJSON](t, b.post(t, b.a, "/v1/products/"+p.ID, map[string]any{"feature_labels": map[string]any{}}))
			require.Equal(t, billing.FeatureLabels{}, got.FeatureLabels)
			// A product without labels shows an empty object, never null.
			plain := b.createProduct(t, b.a, nil)
			require.Equal(t, billing.FeatureLabels{}, plain.FeatureLabels)

			bad := []struct {
				name  string
				body  map[string]any
				param string
				code  string
			}{
				{"unknown feature", map[string]any{"feature_labels": map[string]any{"es-CL": map[string]string{"seats": "Asientos"}}}, "feature_labels[es-CL][seats]", billing.CodeParameterInvalid},
				{"bad locale", map[string]any{"feature_labels": map[string]any{"español": map[string]string{"properties": "Propiedades"}}}, "feature_labels[español]", billing.CodeParameterInvalid},
				{"empty label", map[string]any{"feature_labels": map[string]any{"es-CL": map[string]string{"properties": "  "}}}, "feature_labels[es-CL][properties]", billing.CodeParameterMissing},
				{"long label", map[string]any{"feature_labels": map[string]any{"es-CL": map[string]string{"properties": strings.Repeat("a", 101)}}}, "feature_labels[es-CL][properties]", billing.CodeParameterInvalid},
			}
			for _, tt := range bad {
				res := b.post(t, b.a, "/v1/products/"+p.ID, tt.body)
				requireProblem(t, res, http.StatusBadRequest, tt.code, tt.param)
			}
			// Creating checks labels against the features given with them.
			res := b.post(t, b.a, "/v1/products", map[string]any{"name": "X", "features": map[string]int64{"a": 1},
				"feature_labels": map[string]any{"en": map[string]string{"b": "B"}}})
			requireProblem(t, res, http.StatusBadRequest, billing.CodeParameterInvalid, "feature_labels[en][b]")
			// Wrong shapes: a label that is not a string, locales that are not objects.
			for _, body := range []map[string]any{
				{"name": "X", "feature_labels": map[string]any{"en": map[string]any{"a": 1}}},
				{"name": "X", "feature_labels": map[string]any{"en": "A"}},
				{"name": "X", "feature_labels": []string{"a"}},
			} {
				res := b.post(t, b.a, "/v1/products", body)
				p := checkProblem(t, res)
				require.Equal(t, http.StatusBadRequest, res.Status, "body: %s", res.Body)
				require.True(t, strings.HasPrefix(p.Param, "feature_labels"), "param %q", p.Param)
			}
			// Nothing half-written: the failed updates left no labels.
			got = ok[apiobj.ProductJSON](t, b.get(t, b.a, "/v1/products/"+p.ID))
			require.Equal(t, billing.FeatureLabels{}, got.FeatureLabels)
		})
	}
}

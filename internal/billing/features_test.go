package billing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestFeatureLabel(t *testing.T) {
	p := billing.Product{
		Features: map[string]int64{"properties": 5, "featured": 1, "seats": 3},
		FeatureLabels: billing.FeatureLabels{
			"es-CL": {"properties": "Propiedades"},
			"es":    {"featured": "Destacadas"},
			"es-MX": {"seats": "Asientos MX", "properties": "Inmuebles"},
			"es-AR": {"seats": "Asientos AR"},
			"en":    {"properties": "Properties"},
		},
	}
	tests := []struct{ locale, key, want string }{
		{"es-CL", "properties", "Propiedades"}, // exact locale
		{"es-CL", "featured", "Destacadas"},    // its language
		{"es-CL", "seats", "Asientos AR"},      // another region, first by name
		{"es", "properties", "Propiedades"},    // no "es" label: es-CL sorts before es-MX
		{"en", "properties", "Properties"},
		{"en-US", "properties", "Properties"},
		{"en", "seats", "seats"}, // nothing in English: the key
		{"pt", "properties", "properties"},
		{"es-CL", "unknown", "unknown"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, p.FeatureLabel(tt.locale, tt.key), "%s %s", tt.locale, tt.key)
	}
	require.Equal(t, "properties", billing.Product{}.FeatureLabel("es-CL", "properties"), "no labels at all")
}

func TestFeatureLabelsPrune(t *testing.T) {
	l := billing.FeatureLabels{"es-CL": {"properties": "Propiedades", "gone": "Ya no"}, "en": {"gone": "Gone"}}
	require.Equal(t, billing.FeatureLabels{"es-CL": {"properties": "Propiedades"}},
		l.Prune(map[string]int64{"properties": 5}))
	require.Equal(t, billing.FeatureLabels{}, billing.FeatureLabels(nil).Prune(nil))
}

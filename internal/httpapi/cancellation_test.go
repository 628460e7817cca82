package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestCancellationDetails: a cancellation carries the customer's feedback
// and comment into the subscription's cancellation_details; a feedback off
// the list or a comment too long is a 400 naming the parameter and changes
// nothing; reactivating clears what the customer said. On both stores.
func TestCancellationDetails(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			_, b := setupOn(t, httpapi.Config{}, kind)
			prod := b.createProduct(t, b.a, map[string]any{"name": "Plan Pro"})
			price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 5000, "currency": "CLP",
				"recurring": map[string]any{"interval": "month"}})
			cus := b.createCustomer(t, b.a, map[string]any{"email": "ana@example.cl"})
			sub := ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, "/v1/subscriptions", map[string]any{"customer": cus.ID,
				"items": []map[string]any{{"price": price.ID}}, "trial_period_days": 14}))
			require.Nil(t, sub.CancellationDetails.Feedback)
			path := "/v1/subscriptions/" + sub.ID + "/cancel"

			res := b.post(t, b.a, path, map[string]any{"at_period_end": true,
				"cancellation_details": map[string]any{"feedback": "bored"}})
			requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "cancellation_details.feedback")
			res = b.post(t, b.a, path, map[string]any{"at_period_end": true,
				"cancellation_details": map[string]any{"feedback": "other", "comment": strings.Repeat("a", 501)}})
			requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "cancellation_details.comment")
			res = b.post(t, b.a, path, map[string]any{"at_period_end": true,
				"cancellation_details": map[string]any{"comment": "a\u0000b"}})
			requireProblem(t, res, http.StatusBadRequest, "parameter_invalid", "cancellation_details.comment")
			got := ok[apiobj.SubscriptionJSON](t, b.get(t, b.a, "/v1/subscriptions/"+sub.ID))
			require.False(t, got.CancelAtPeriodEnd, "a refused cancellation changes nothing")

			got = ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, path, map[string]any{"at_period_end": true,
				"cancellation_details": map[string]any{"feedback": "too_expensive", "comment": "Muy caro para mi pyme"}}))
			require.True(t, got.CancelAtPeriodEnd)
			require.Equal(t, apiobj.CancellationDetailsJSON{Reason: new("requested_by_customer"),
				Feedback: new("too_expensive"), Comment: new("Muy caro para mi pyme")}, got.CancellationDetails)
			got = ok[apiobj.SubscriptionJSON](t, b.get(t, b.a, "/v1/subscriptions/"+sub.ID))
			require.Equal(t, "too_expensive", *got.CancellationDetails.Feedback, "kept by the store")

			got = ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, "/v1/subscriptions/"+sub.ID+"/reactivate", nil))
			require.Equal(t, apiobj.CancellationDetailsJSON{}, got.CancellationDetails)

			got = ok[apiobj.SubscriptionJSON](t, b.post(t, b.a, path, map[string]any{
				"cancellation_details": map[string]any{"feedback": "switched_service"}}))
			require.Equal(t, "canceled", got.Status)
			require.Equal(t, "switched_service", *got.CancellationDetails.Feedback)
			require.Nil(t, got.CancellationDetails.Comment)
		})
	}
}

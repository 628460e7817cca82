package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestCreateSubscriptionAnswersWhatIsStored: the create call answers with
// the subscription as its transactions saved it, without reading it back,
// so its answer must be exactly what a later GET reads, whatever the first
// charge did (paid, declined, left unknown, nothing to charge) and with a
// trial, on both stores.
func TestCreateSubscriptionAnswersWhatIsStored(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			_, b := setupOn(t, httpapi.Config{}, kind)
			b.withSim()
			prod := b.createProduct(t, b.a, nil)
			price := b.createPrice(t, b.a, map[string]any{"product": prod.ID, "unit_amount": 5000, "currency": "CLP",
				"recurring": map[string]any{"interval": "month"}, "metadata": map[string]string{"plan": "start"}})
			free := b.createCoupon(t, b.a, map[string]any{"percent_off": 100})
			cases := []struct {
				name, token, status string
				extra               map[string]any
			}{
				{"paid", billing.SimTokVisa, string(billing.SubscriptionActive), nil},
				{"declined", billing.SimTokChargeDeclined, string(billing.SubscriptionIncompleteExpired), nil},
				{"unknown", billing.SimTokTimeoutAfterCharge, string(billing.SubscriptionIncomplete), nil},
				{"nothing to charge", billing.SimTokVisa, string(billing.SubscriptionActive), map[string]any{"coupon": free.ID}},
				{"trial", billing.SimTokVisa, string(billing.SubscriptionTrialing), map[string]any{"trial_period_days": 7}},
			}
			for _, c := range cases {
				cus := b.createCustomer(t, b.a, nil)
				pm := ok[apiobj.PaymentMethodJSON](t, b.post(t, b.a, "/v1/customers/"+cus.ID+"/payment_methods",
					map[string]any{"gateway": "sim", "token": c.token}))
				body := map[string]any{"customer": cus.ID, "items": []map[string]any{{"price": price.ID, "quantity": 2}},
					"payment_method": pm.ID, "metadata": map[string]string{"case": c.name}}
				for k, v := range c.extra {
					body[k] = v
				}
				created := b.post(t, b.a, "/v1/subscriptions", body)
				sub := ok[apiobj.SubscriptionJSON](t, created)
				require.Equal(t, c.status, sub.Status, c.name)
				read := b.get(t, b.a, "/v1/subscriptions/"+sub.ID)
				require.Equal(t, http.StatusOK, read.Status, "%s: %s", c.name, read.Body)
				var answered, stored map[string]any
				require.NoError(t, json.Unmarshal(created.Body, &answered))
				require.NoError(t, json.Unmarshal(read.Body, &stored))
				require.Equal(t, stored, answered, c.name)
			}
		})
	}
}

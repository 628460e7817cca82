package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flowgw"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/secretbox"
)

// TestPagesHideOperatorMessages: with gateway credentials sealed and the
// server started without CUOTA_SECRET_KEY (the API answers 503
// secret_key_missing, naming the variable for the operator), a customer
// paying an invoice reads a generic "payments are temporarily
// unavailable" in their language, never the operator's message.
func TestPagesHideOperatorMessages(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, c := range []struct{ locale, want string }{
			{"es-CL", "Los pagos no están disponibles por el momento. Inténtalo de nuevo más tarde."},
			{"en", "Payments are temporarily unavailable. Please try again later."},
		} {
			t.Run(kind+"/"+c.locale, func(t *testing.T) {
				t.Parallel()
				w := newWorldOn(t, c.locale, kind)
				fs := flowsim.New(flowsim.Options{})
				srv := httptest.NewServer(fs)
				t.Cleanup(srv.Close)
				t.Cleanup(fs.Close)
				fs.SetBaseURL(srv.URL)
				flow := flowgw.New(flowgw.Options{Store: w.store, PublicURL: w.cfg.PublicURL, Now: w.clock.Now,
					Credentials: func(ctx context.Context, s billing.Scope) (billing.GatewayCredentials, error) {
						return w.app.Merchants.GatewayCredentials(ctx, s, billing.GatewayFlow)
					}})
				box, err := secretbox.New(secretbox.NewKey())
				require.NoError(t, err)
				w.restart(t, func(c *app.Config) {
					c.Gateways = app.Gateways{billing.GatewaySim: sim.New(w.store, w.clock.Now), billing.GatewayFlow: flow}
					c.Sealer = box
				})
				_, err = w.app.Merchants.SetGatewayConfig(t.Context(), w.scope, billing.GatewayFlow, billing.GatewayCredentials{
					APIKey: fs.APIKey(), Secret: fs.Secret(), BaseURL: srv.URL + "/api"})
				require.NoError(t, err)
				noKey, err := secretbox.New("")
				require.NoError(t, err)
				w.restart(t, func(c *app.Config) { c.Sealer = noKey }) // without CUOTA_SECRET_KEY

				inv, l := w.sendInvoice(t, 5000, "CLP")
				res := w.get(t, l.url())
				require.Equal(t, http.StatusOK, res.status, res.body)

				res = w.post(t, l.path, url.Values{"t": {l.token}, "gateway": {billing.GatewayFlow}})
				require.Equal(t, http.StatusServiceUnavailable, res.status, res.body)
				require.Contains(t, res.body, c.want)
				require.NotContains(t, res.body, "CUOTA_SECRET_KEY")
				require.NotContains(t, res.body, "encrypted")
				for _, p := range w.payments(t, inv.ID) {
					require.Equal(t, billing.PaymentFailed, p.Status, "nothing charged")
				}

				// The invoice's page afterwards tells of the failed attempt
				// in the customer's words only: cuota's own failure text is
				// not the gateway's and is not shown.
				res = w.get(t, l.url())
				require.Equal(t, http.StatusOK, res.status, res.body)
				require.NotContains(t, res.body, "CUOTA_SECRET_KEY")
				require.NotContains(t, res.body, "pay page could not be opened")

				// A charge that failed for the same reason records cuota's
				// error (code and operator message) on the payment, as
				// payments do for a call that never reached the gateway: the
				// page shows the general sentence, not that message.
				pays := w.payments(t, inv.ID)
				require.NotEmpty(t, pays)
				last := pays[len(pays)-1]
				last.FailureClass, last.FailureCode = billing.FailureTechnical, billing.CodeSecretKeyMissing
				last.FailureMessage = "flow credentials are encrypted with CUOTA_SECRET_KEY, but cuota was started without it"
				require.NoError(t, w.store.InTx(t.Context(), func(tx billing.Tx) error { return tx.Payments.UpdatePayment(t.Context(), last) }))
				res = w.get(t, l.url())
				require.Equal(t, http.StatusOK, res.status, res.body)
				require.Contains(t, res.body, `id="error"`)
				require.NotContains(t, res.body, "CUOTA_SECRET_KEY")
			})
		}
	}
}

package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// --- payment method setups

// PaymentMethodSetupJSON is a payment-method setup as the API shows it: a
// round trip in which the customer saves a card on a hosted page.
type PaymentMethodSetupJSON struct {
	ID             string  `json:"id"`
	Object         string  `json:"object" enum:"payment_method_setup"`
	Livemode       bool    `json:"livemode"`
	Customer       string  `json:"customer"`
	Gateway        string  `json:"gateway"`
	Status         string  `json:"status" enum:"pending,succeeded,failed,expired"`
	URL            string  `json:"url,omitempty" doc:"Where to send the customer's browser. Only in the response that creates the setup: it holds a secret."`
	ReturnURL      string  `json:"return_url"`
	PaymentMethod  *string `json:"payment_method" doc:"The payment method saved, once the setup succeeded."`
	FailureMessage *string `json:"failure_message" doc:"Why the setup failed."`
	ExpiresAt      int64   `json:"expires_at"`
	Created        int64   `json:"created"`
}

func paymentMethodSetupJSON(st billing.PaymentMethodSetup) PaymentMethodSetupJSON {
	return PaymentMethodSetupJSON{ID: st.ID, Object: "payment_method_setup", Livemode: st.Scope.Mode.Livemode(),
		Customer: st.CustomerID, Gateway: st.Gateway, Status: st.Status, ReturnURL: st.ReturnURL,
		PaymentMethod: nonEmpty(st.PaymentMethodID), FailureMessage: nonEmpty(st.FailureMessage),
		ExpiresAt: st.ExpiresAt.Unix(), Created: st.Created.Unix()}
}

type createSetupBody struct {
	Gateway   string `json:"gateway,omitempty" doc:"sim (test mode), flow or stripe."`
	ReturnURL string `json:"return_url,omitempty" doc:"Absolute http(s) URL the customer comes back to, with setup_id and status added to its query."`
}

func (s *Server) createPaymentMethodSetup(ctx context.Context, in *struct {
	IDPath
	Body createSetupBody
}) (*out[PaymentMethodSetupJSON], error) {
	st, u, err := s.app.CreateSetup(ctx, scopeOf(ctx), in.ID, app.CreateSetupParams{Gateway: in.Body.Gateway, ReturnURL: in.Body.ReturnURL})
	if err != nil {
		return nil, err
	}
	j := paymentMethodSetupJSON(st)
	j.URL = u
	return reply(j), nil
}

func (s *Server) getPaymentMethodSetup(ctx context.Context, in *IDPath) (*out[PaymentMethodSetupJSON], error) {
	st, err := s.app.GetSetup(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(paymentMethodSetupJSON(st)), nil
}

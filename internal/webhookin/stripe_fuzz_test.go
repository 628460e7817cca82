package webhookin_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/stripegw/stripefake"
	"github.com/cuota/cuota/internal/webhookin"
)

// recordingApp is StripeApp and StripeGateway in memory: it counts the
// calls that would change something.
type recordingApp struct {
	mu      sync.Mutex
	changes int
}

func (r *recordingApp) change() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes++
	return nil
}

func (r *recordingApp) GatewayCredentials(context.Context, billing.Scope, string) (billing.GatewayCredentials, error) {
	return billing.GatewayCredentials{APIKey: "sk_test_x", WebhookSecret: webhookSecret}, nil
}
func (r *recordingApp) GatewayNotificationSeen(context.Context, billing.Scope, string, string) (bool, error) {
	return false, nil
}
func (r *recordingApp) MarkGatewayNotification(context.Context, billing.Scope, string, string) error {
	return nil
}
func (r *recordingApp) SettleGatewayCharge(context.Context, billing.Scope, string, string, billing.ChargeResult) error {
	return r.change()
}
func (r *recordingApp) SettleGatewayRefund(context.Context, billing.Scope, string, billing.RefundResult) error {
	return r.change()
}
func (r *recordingApp) FinishGatewaySetup(context.Context, billing.Scope, string, string, string) error {
	return r.change()
}
func (r *recordingApp) RecordGatewayDispute(context.Context, billing.Scope, string, string, string, app.GatewayDispute) error {
	return r.change()
}
func (r *recordingApp) ChargeByIntent(_ context.Context, _ billing.Scope, id string) (string, billing.ChargeResult, error) {
	return "in_x-1", billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: id}, nil
}
func (r *recordingApp) PaymentBySession(_ context.Context, _ billing.Scope, id string) (string, billing.ChargeResult, error) {
	return "in_x-1", billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: "pi_" + id}, nil
}
func (r *recordingApp) RefundsOfCharge(context.Context, billing.Scope, string) ([]billing.RefundResult, error) {
	return []billing.RefundResult{{Status: billing.RefundSucceeded, GatewayRef: "re_x"}}, nil
}
func (r *recordingApp) LookupRefund(_ context.Context, _ billing.Scope, id string) (billing.RefundResult, error) {
	return billing.RefundResult{Status: billing.RefundSucceeded, GatewayRef: id}, nil
}

// FuzzStripeWebhook feeds arbitrary bodies and signature headers to the
// handler: it never panics, answers 200, 400, 413 or 500, and a body whose
// signature does not verify changes nothing. Each input is also sent
// correctly signed, so the event parser behind the signature is fuzzed
// too.
func FuzzStripeWebhook(f *testing.F) {
	obj := map[string]any{"id": "pi_1", "object": "payment_intent", "metadata": map[string]string{
		"cuota_merchant_id": "mch_f", "cuota_mode": "test", "cuota_idempotency_key": "in_x-1"}}
	f.Add(stripefake.EventJSON("evt_1", "payment_intent.succeeded", "2026-08-26.dahlia", obj), "t=1,v1=00")
	f.Add([]byte(`{"id":"evt_2","object":"event","type":"charge.dispute.created","livemode":false,"data":{"object":{"id":"dp_1","object":"dispute","payment_intent":{"id":"pi_1"},"amount":-5,"currency":"zzz"}}}`), "")
	f.Add([]byte(`{"id":"evt_3","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_1","object":"checkout.session","metadata":{"cuota_merchant_id":"mch_f","cuota_mode":"test","cuota_setup_id":"pms_1"}}}}`), "t=x")
	f.Add([]byte(`{"id":"evt_4","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_2","object":"checkout.session","mode":"payment","metadata":{"cuota_merchant_id":"mch_f","cuota_mode":"test","cuota_idempotency_key":"in_x-1"}}}}`), "t=1,v1=00")
	f.Add([]byte(`{"object":"event","data":null}`), "v1=,t=")
	f.Add([]byte(`not json`), "t=1,v1=zz,v0=aa")

	ra := &recordingApp{}
	mux := http.NewServeMux()
	(&webhookin.Stripe{Gateway: ra, Credentials: ra, App: ra}).Register(mux)
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		post := func(sig string) int {
			req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe/mch_f/test", bytes.NewReader(body))
			if sig != "" {
				req.Header.Set("Stripe-Signature", sig)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			return rec.Code
		}
		before := ra.changes
		code := post(header)
		if code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge {
			// Only a correct signature gets past the check, and a random
			// header cannot carry one.
			t.Fatalf("unsigned or forged body answered %d", code)
		}
		if ra.changes != before {
			t.Fatalf("a body without a valid signature changed something")
		}
		switch code := post(stripefake.Sign(body, webhookSecret, time.Time{})); code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusInternalServerError:
		default:
			t.Fatalf("signed body answered %d", code)
		}
	})
}

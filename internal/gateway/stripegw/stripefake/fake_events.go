package stripefake

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v86"
	"github.com/stripe/stripe-go/v86/webhook"
)

// Event builds a webhook event of type typ about obj, with the API
// version stripe-go is pinned to.
func (f *Server) Event(typ string, obj map[string]any) []byte {
	f.mu.Lock()
	id := f.newID("evt")
	f.mu.Unlock()
	return EventJSON(id, typ, stripe.APIVersion, obj)
}

// EventJSON builds a webhook event body.
func EventJSON(id, typ, apiVersion string, obj map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": apiVersion, "type": typ,
		"created": now(), "livemode": false, "pending_webhooks": 1, "request": map[string]any{"id": nil, "idempotency_key": nil},
		"data": map[string]any{"object": obj}})
	return b
}

// Sign returns a Stripe-Signature header for payload, made with secret at
// time at (zero: now).
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// Send posts a signed event to a webhook endpoint and returns the status.
func Send(ctx context.Context, endpoint, secret string, payload []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", Sign(payload, secret, time.Time{}))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		b.WriteString(sc.Text())
	}
	return res.StatusCode, b.String(), nil
}

package webhookout

import (
	"context"
	"net/http"
	"sync"

	"github.com/cuota/cuota/internal/app"
)

// Webhooks implements app's Webhooks port with this package: NewSecret,
// Deliver (over a guarded client, or one that may reach private networks
// when the request allows it). The zero
// value is ready to use and safe for concurrent use.
type Webhooks struct {
	once    sync.Once
	open    *http.Client // AllowPrivateNetworks: loopback and private addresses allowed
	guarded *http.Client // the SSRF guard
}

var _ app.Webhooks = (*Webhooks)(nil)

// NewSecret implements app.Webhooks with NewSecret.
func (*Webhooks) NewSecret() (string, error) { return NewSecret() }

// Deliver implements app.Webhooks with Deliver, choosing the client by
// req.AllowPrivateNetworks.
func (w *Webhooks) Deliver(ctx context.Context, req app.WebhookRequest) app.WebhookResult {
	w.once.Do(func() {
		w.open = NewClient(ClientOptions{AllowPrivateNetworks: true})
		w.guarded = NewClient(ClientOptions{})
	})
	client := w.guarded
	if req.AllowPrivateNetworks {
		client = w.open
	}
	return Deliver(ctx, client, req)
}
